"""The account's side of the REST stand-in (tests.twilio_api): its phone numbers, Messaging Services, A2P 10DLC
campaigns, Toll-Free Verifications and voice geo permissions, served as Twilio's API description says
(twilio/twilio-oai at the commit named in tests/twilio_oai.json):

- 2010-04-01 ListIncomingPhoneNumber (GET .../IncomingPhoneNumbers.json, filter PhoneNumber: partial numbers and
  '*' for any digit; the 2010 paging fields first_page_uri, next_page_uri, page, page_size, previous_page_uri, start,
  end, uri), FetchIncomingPhoneNumber and UpdateIncomingPhoneNumber (GET and POST .../IncomingPhoneNumbers/{Sid}.json);
- messaging v1 ListService (/v1/Services), ListPhoneNumber (/v1/Services/{ServiceSid}/PhoneNumbers), ListUsAppToPerson
  (/v1/Services/{MessagingServiceSid}/Compliance/Usa2p), ListTollfreeVerification (/v1/Tollfree/Verifications, filters
  TollfreePhoneNumberSid and Status);
- voice v1 ListDialingPermissionsCountry (/v1/DialingPermissions/Countries, filters IsoCode, Continent, CountryCode,
  LowRiskNumbersEnabled, HighRiskSpecialNumbersEnabled, HighRiskTollfraudNumbersEnabled);

v1 lists page with a `meta` object (first_page_url, key, next_page_url, page, page_size, previous_page_url, url: absolute
URLs), records carry ISO 8601 dates, and errors are Twilio's JSON bodies {"code", "message", "more_info", "status"}.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from email.utils import format_datetime
from urllib.parse import urlencode

from tests.twilio_client import ACCOUNT

PREFIX = f"/2010-04-01/Accounts/{ACCOUNT}"
MAX_PAGE = 1000
WEBHOOK_FIELDS = {"SmsUrl": "sms_url", "SmsMethod": "sms_method", "VoiceUrl": "voice_url", "VoiceMethod": "voice_method",
                  "SmsFallbackUrl": "sms_fallback_url", "VoiceFallbackUrl": "voice_fallback_url",
                  "StatusCallback": "status_callback", "FriendlyName": "friendly_name",
                  "SmsApplicationSid": "sms_application_sid", "VoiceApplicationSid": "voice_application_sid"}
COUNTRIES = (("US", "United States/Canada", "NORTH_AMERICA", "+1"), ("MX", "Mexico", "NORTH_AMERICA", "+52"),
             ("DO", "Dominican Republic", "NORTH_AMERICA", "+1809"), ("GB", "United Kingdom", "EUROPE", "+44"),
             ("CU", "Cuba", "NORTH_AMERICA", "+53"))


def error(code: int, message: str, status: int) -> tuple[int, dict]:
    """Twilio's error body."""
    return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}


def not_found(path: str) -> tuple[int, dict]:
    """Twilio's 20404."""
    return error(20404, f"The requested resource {path} was not found", 404)


def _page(chosen: list[dict], query: dict) -> tuple[int, int, list[dict], bool, dict] | None:
    """The page asked for (size, page, records, whether more follow, the filters), None for a bad PageSize: after the
    PageToken's record (a cursor, as Twilio's tokens are), else from Page."""
    size = query.get("PageSize", "50")
    if not (size.isdigit() and 1 <= int(size) <= MAX_PAGE):
        return None
    size, page = int(size), int(query.get("Page", "0"))
    start = page * size
    if "PageToken" in query:
        after = query["PageToken"][2:]
        start = next((i + 1 for i, r in enumerate(chosen) if r["sid"] == after), len(chosen))
    items = chosen[start:start + size]
    filters = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}
    return size, page, items, start + size < len(chosen) and bool(items), filters


def page_2010(key: str, base: str, chosen: list[dict], query: dict, shown) -> tuple[int, dict]:
    """A 2010-04-01 list page: the records under key, and the paging fields beside them."""
    found = _page(chosen, query)
    if found is None:
        return error(20001, f"PageSize must be between 1 and {MAX_PAGE}", 400)
    size, page, items, more, filters = found
    at = lambda n, **token: f"{base}?{urlencode({**filters, 'PageSize': size, 'Page': n, **token})}"   # noqa: E731
    return 200, {
        key: [shown(r) for r in items],
        "end": page * size + max(len(items) - 1, 0), "start": page * size, "page": page, "page_size": size,
        "first_page_uri": at(0), "previous_page_uri": at(page - 1) if page else None,
        "next_page_uri": at(page + 1, PageToken="PA" + items[-1]["sid"]) if more else None,
        "uri": f"{base}?{urlencode(query)}",
    }


def page_v1(url: str, key: str, chosen: list[dict], query: dict) -> tuple[int, dict]:
    """A v1 list page: the records under key, and a meta object with absolute URLs."""
    found = _page(chosen, query)
    if found is None:
        return error(20001, f"PageSize must be between 1 and {MAX_PAGE}", 400)
    size, page, items, more, filters = found
    at = lambda n, **token: f"{url}?{urlencode({**filters, 'PageSize': size, 'Page': n, **token})}"   # noqa: E731
    return 200, {key: items, "meta": {
        "first_page_url": at(0), "key": key, "next_page_url": at(page + 1, PageToken="PT" + items[-1]["sid"]) if more else None,
        "page": page, "page_size": size, "previous_page_url": at(page - 1) if page else None, "url": at(page)}}


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc2822_now() -> str:
    return format_datetime(dt.datetime.now(dt.timezone.utc))


class AccountResources:
    """What the tests set up in the account, and how the stand-in serves it. Mixed into TwilioAPI (url, requests)."""

    url: str
    requests: list

    def _account_init(self) -> None:
        self.phone_numbers: dict[str, dict] = {}
        self.services: dict[str, dict] = {}
        self.service_numbers: dict[str, list[str]] = {}   # service sid -> the sids of its phone numbers
        self.campaigns: dict[str, list[dict]] = {}        # service sid -> its us_app_to_person records
        self.verifications: list[dict] = []
        self.unchanging: set[str] = set()   # numbers whose updates are answered but not kept (another tool resets them)
        self.broken: set[str] = set()       # v1 paths answered with Twilio's own failure (500)
        self.countries = [self._country(*country, enabled=country[0] == "US") for country in COUNTRIES]

    # --- what tests set up -------------------------------------------------------------------

    def phone_number(self, number: str, **fields) -> str:
        """One of the account's IncomingPhoneNumbers (webhooks empty unless given); its PN sid."""
        sid = "PN" + secrets.token_hex(16)
        when = _rfc2822_now()
        self.phone_numbers[sid] = {
            "account_sid": ACCOUNT, "address_requirements": "none", "address_sid": None, "api_version": "2010-04-01",
            "beta": False, "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
            "date_created": when, "date_updated": when, "emergency_status": "Inactive", "emergency_address_sid": None,
            "emergency_address_status": "unregistered", "friendly_name": number, "identity_sid": None,
            "origin": "twilio", "phone_number": number, "sid": sid, "sms_application_sid": "",
            "sms_fallback_method": "POST", "sms_fallback_url": "", "sms_method": "POST", "sms_url": "",
            "status_callback": "", "status_callback_method": "POST", "trunk_sid": None,
            "uri": f"{PREFIX}/IncomingPhoneNumbers/{sid}.json", "voice_application_sid": "",
            "voice_caller_id_lookup": False, "voice_fallback_method": "POST", "voice_fallback_url": None,
            "voice_method": "POST", "voice_url": None, "bundle_sid": None, "voice_receive_mode": "voice",
            "status": "in-use", "type": "local", **fields}
        return sid

    def service(self, name: str, *numbers: str, inbound_request_url: str | None = None,
                use_inbound_webhook_on_number: bool = False) -> str:
        """A Messaging Service holding these phone numbers (PN sids); its MG sid."""
        sid = "MG" + secrets.token_hex(16)
        now, url = _iso(dt.datetime.now(dt.timezone.utc)), f"{self.url}/v1/Services/{sid}"
        self.services[sid] = {
            "account_sid": ACCOUNT, "friendly_name": name, "sid": sid, "date_created": now, "date_updated": now,
            "sticky_sender": True, "mms_converter": True, "smart_encoding": True, "fallback_to_long_code": False,
            "area_code_geomatch": True, "validity_period": 14400, "scan_message_content": "inherit",
            "synchronous_validation": False, "inbound_request_url": inbound_request_url, "inbound_method": "POST",
            "fallback_url": None, "fallback_method": "POST", "status_callback": None, "usecase": "undeclared",
            "us_app_to_person_registered": False, "use_inbound_webhook_on_number": use_inbound_webhook_on_number,
            "links": {"phone_numbers": f"{url}/PhoneNumbers", "us_app_to_person": f"{url}/Compliance/Usa2p"},
            "url": url}
        self.service_numbers[sid] = list(numbers)
        self.campaigns[sid] = []
        return sid

    def campaign(self, service: str, status: str, errors: list | None = None) -> str:
        """An A2P 10DLC campaign (us_app_to_person) of a Messaging Service, in a campaign_status; its QE sid."""
        sid = "QE" + secrets.token_hex(16)
        now = _iso(dt.datetime.now(dt.timezone.utc))
        self.campaigns[service].append({
            "sid": sid, "account_sid": ACCOUNT, "brand_registration_sid": "BN" + secrets.token_hex(16),
            "messaging_service_sid": service, "description": "A campaign", "message_samples": ["one", "two"],
            "us_app_to_person_usecase": "CUSTOMER_CARE", "has_embedded_links": False, "has_embedded_phone": True,
            "subscriber_opt_in": False, "age_gated": False, "direct_lending": False, "campaign_status": status,
            "campaign_id": "C" + secrets.token_hex(3).upper(), "is_externally_registered": False,
            "rate_limits": {}, "message_flow": "Families text the number.", "opt_in_message": None,
            "opt_out_message": None, "help_message": None, "opt_in_keywords": None, "opt_out_keywords": None,
            "help_keywords": None, "date_created": now, "date_updated": now,
            "url": f"{self.url}/v1/Services/{service}/Compliance/Usa2p/{sid}", "mock": False, "errors": errors or []})
        return sid

    def verification(self, phone_number_sid: str, status: str, rejection_reason: str | None = None) -> str:
        """A Toll-Free Verification of one of the account's numbers; its HH sid."""
        sid = "HH" + secrets.token_hex(16)
        now = _iso(dt.datetime.now(dt.timezone.utc))
        self.verifications.append({
            "sid": sid, "account_sid": ACCOUNT, "customer_profile_sid": None, "trust_product_sid": None,
            "date_created": now, "date_updated": now, "regulated_item_sid": None, "business_name": "Hartford Public Schools",
            "use_case_summary": "Answers families' questions", "tollfree_phone_number_sid": phone_number_sid,
            "status": status, "url": f"{self.url}/v1/Tollfree/Verifications/{sid}",
            "rejection_reason": rejection_reason, "error_code": None})
        return sid

    def permit(self, iso: str, low_risk: bool = True) -> None:
        """Turn calls to a country's low-risk numbers on (or off) in the voice geo permissions."""
        for country in self.countries:
            if country["iso_code"] == iso:
                country["low_risk_numbers_enabled"] = low_risk

    def _country(self, iso: str, name: str, continent: str, code: str, enabled: bool) -> dict:
        url = f"{self.url}/v1/DialingPermissions/Countries/{iso}"
        return {"iso_code": iso, "name": name, "continent": continent, "country_codes": [code],
                "low_risk_numbers_enabled": enabled, "high_risk_special_numbers_enabled": False,
                "high_risk_tollfraud_numbers_enabled": False, "url": url,
                "links": {"highrisk_special_prefixes": f"{url}/HighRiskSpecialPrefixes"}}

    # --- the HTTP side -----------------------------------------------------------------------

    def incoming(self, method: str, rest: str, path: str, query: dict, form: dict) -> tuple[int, dict]:
        """IncomingPhoneNumbers: list, fetch, update."""
        if rest == "IncomingPhoneNumbers.json" and method == "GET":
            self.requests.append((method, "IncomingPhoneNumbers", query))
            wanted = query.get("PhoneNumber")
            pattern = re.compile(re.escape(wanted).replace(r"\*", r"\d")) if wanted else None
            chosen = [r for r in self.phone_numbers.values() if pattern is None or pattern.search(r["phone_number"])]
            return page_2010("incoming_phone_numbers", f"{PREFIX}/IncomingPhoneNumbers.json", chosen, query, dict)
        sid = rest[len("IncomingPhoneNumbers/"):-len(".json")]
        record = self.phone_numbers.get(sid)
        if record is None or not rest.endswith(".json"):
            return not_found(path)
        self.requests.append((method, sid, form))
        if method == "POST" and sid not in self.unchanging:
            for name, value in form.items():
                if name in WEBHOOK_FIELDS:
                    record[WEBHOOK_FIELDS[name]] = value
            record["date_updated"] = _rfc2822_now()
        return 200, dict(record)

    def v1(self, method: str, path: str, query: dict) -> tuple[int, dict]:
        """The messaging and voice v1 lists."""
        if method != "GET":
            return not_found(path)
        self.requests.append((method, path, query))
        if path in self.broken:
            return error(20500, "Internal Server Error", 500)
        url, parts = f"{self.url}{path}", path.strip("/").split("/")
        if parts == ["v1", "Services"]:
            return page_v1(url, "services", list(self.services.values()), query)
        if len(parts) >= 4 and parts[:2] == ["v1", "Services"]:
            service = parts[2]
            if service not in self.services:
                return not_found(path)
            if parts[3:] == ["PhoneNumbers"]:
                return page_v1(url, "phone_numbers", [self._service_number(service, sid)
                                                      for sid in self.service_numbers[service]], query)
            if parts[3:] == ["Compliance", "Usa2p"]:
                return page_v1(url, "compliance", self.campaigns[service], query)
        if parts == ["v1", "Tollfree", "Verifications"]:
            chosen = [v for v in self.verifications
                      if query.get("TollfreePhoneNumberSid", v["tollfree_phone_number_sid"]) == v["tollfree_phone_number_sid"]
                      and query.get("Status", v["status"]) == v["status"]]
            return page_v1(url, "verifications", chosen, query)
        if parts == ["v1", "DialingPermissions", "Countries"]:
            return page_v1(url, "content", [c for c in self.countries if self._permitted(c, query)], query)
        return not_found(path)

    def _service_number(self, service: str, sid: str) -> dict:
        record = self.phone_numbers[sid]
        return {"account_sid": ACCOUNT, "service_sid": service, "sid": sid, "date_created": _iso(dt.datetime.now(dt.timezone.utc)),
                "date_updated": _iso(dt.datetime.now(dt.timezone.utc)), "phone_number": record["phone_number"],
                "country_code": "US", "capabilities": ["SMS", "MMS", "Voice"],
                "url": f"{self.url}/v1/Services/{service}/PhoneNumbers/{sid}"}

    @staticmethod
    def _permitted(country: dict, query: dict) -> bool:
        flags = {"LowRiskNumbersEnabled": "low_risk_numbers_enabled",
                 "HighRiskSpecialNumbersEnabled": "high_risk_special_numbers_enabled",
                 "HighRiskTollfraudNumbersEnabled": "high_risk_tollfraud_numbers_enabled"}
        for name, key in flags.items():
            if name in query and str(country[key]).lower() != query[name].lower():
                return False
        return (query.get("IsoCode", country["iso_code"]) == country["iso_code"]
                and query.get("Continent", country["continent"]) == country["continent"]
                and query.get("CountryCode", country["country_codes"][0]) in country["country_codes"])


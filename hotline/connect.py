"""From a Twilio account to a live hotline: point the hotline's numbers at its webhooks through Twilio's REST API,
read them back, and say in words what still stands between each number and families.

For each of HOTLINE_PHONE_NUMBER: find it among the account's IncomingPhoneNumbers, set its SmsUrl and VoiceUrl
(POST) to /sms and /voice under the public URL, fetch it again and compare. Then what the API can tell: the Messaging
Service that holds the number (its incoming-message webhook wins over the number's unless it defers to it), the
A2P 10DLC campaign of that service (US carriers block unregistered 10DLC texts: error 30034) or, for a toll-free
number, its Toll-Free Verification, and the account's voice geo permissions. Advanced Opt-Out cannot be read through
the API: it is named as something to check in the Console. Nothing printed holds a token or a family's number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import phonenumbers

from hotline.twilio_rest import FAILURES, WRONG_CREDENTIALS, error_code, in_words

LOCAL_HOSTS = ("127.0.0.1", "localhost")
HOME_COUNTRIES = ("US", "CA")            # Twilio lists the US and Canada together under US (+1)
APPROVED_CAMPAIGN = "VERIFIED"
APPROVED_TOLLFREE = "TWILIO_APPROVED"
CONSOLE_SERVICE = "Console: Messaging > Services > {name}"


class Refused(ValueError):
    """The URL cannot be the hotline's webhooks, in words."""


class Stop(Exception):
    """A failure after which no other request can succeed (wrong credentials)."""


def webhook_base(url: str, public_url: str | None) -> str:
    """The public URL the webhooks go under: https (http only on this machine, for testing), no password, query or
    fragment, and the same as HOTLINE_PUBLIC_URL when that is set (the hotline checks Twilio's signature against it:
    any other URL would have every text and call refused with 403)."""
    parts = urlsplit(url.strip())
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not (parts.scheme == "https" or local) or not parts.hostname:
        raise Refused(f"--url must be the hotline's public address starting with https:// (Twilio sends every "
                      f"family's number and text to it), not '{_shown(url)}'; http:// is taken only for 127.0.0.1 "
                      "or localhost, to test")
    if parts.username or parts.password:
        raise Refused("--url must not hold a user name or password: Twilio signs every request, and the hotline "
                      "checks that signature")
    if parts.query or parts.fragment:
        raise Refused("--url must be the hotline's address alone (no ?query or #fragment): /sms and /voice go after it")
    base = _normal(url)
    if public_url and base != _normal(public_url):
        raise Refused(f"--url {base} is not HOTLINE_PUBLIC_URL ({_normal(public_url)}): the hotline checks Twilio's "
                      "signature against HOTLINE_PUBLIC_URL, so every text and call sent to another address would be "
                      "refused (403). Give --url the same address, or change HOTLINE_PUBLIC_URL first")
    return base


def _normal(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def _shown(url: str | None) -> str:
    """A URL without any user name or password in it (a webhook URL may carry them)."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


@dataclass(frozen=True)
class Line:
    """One finding: ok, to do, check, warning or problem."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"  {self.kind}: {self.text}"


@dataclass
class Report:
    """What a run found, number by number, then for the account."""

    sections: list[tuple[str, list[Line]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every number's webhooks set and read back, and no request failed (exit 0): no problem anywhere."""
        return bool(self.sections) and not any(line.kind == "problem" for _, found in self.sections for line in found)

    def lines(self) -> list[str]:
        """The report as printed."""
        out = []
        for title, found in self.sections:
            out += [title, *map(str, found)]
        return out


class Connect:
    """One run of `hotline connect` through a twilio Client."""

    def __init__(self, client, numbers: tuple[str, ...], base: str):
        self.client, self.numbers, self.base = client, numbers, base
        self.sms_url, self.voice_url = f"{base}/sms", f"{base}/voice"

    def run(self) -> Report:
        """Set, read back and report on every number, then on the account."""
        report = Report()
        try:
            services, listed = None, False
            for number in self.numbers:
                found: list[Line] = []
                report.sections.append((number, found))
                record = self._webhooks(number, found)
                if record is None:
                    continue
                if not listed:
                    services, listed = self._services(found), True
                if services is not None:   # else which service holds the number is not known: nothing to say
                    self._messaging(number, record, services.get(number), found)
            account: list[Line] = []
            report.sections.append(("account", account))
            self._geo(account)
        except Stop as exc:
            report.sections.append(("account", [Line("problem", str(exc))]))
        return report

    def _call(self, request, found: list[Line], doing: str):
        """A request; on failure, a problem line (and a stop when the credentials are wrong)."""
        try:
            return request()
        except FAILURES as exc:
            if error_code(exc) == WRONG_CREDENTIALS:
                raise Stop(in_words(exc)) from None
            found.append(Line("problem", f"{doing}: {in_words(exc)}"))
            return None

    def _webhooks(self, number: str, found: list[Line]):
        """Find the number, set its webhooks, read them back; the record read back, or None."""
        numbers = self.client.api.v2010.account.incoming_phone_numbers
        listed = self._call(lambda: numbers.list(phone_number=number, page_size=50), found,
                            "looking the number up in the account")
        if listed is None:
            return None
        match = [record for record in listed if record.phone_number == number]
        if not match:
            found.append(Line("problem", "this number is not in the Twilio account of TWILIO_ACCOUNT_SID: buy it or "
                                         "move it to this account, or correct HOTLINE_PHONE_NUMBER"))
            return None
        sid = match[0].sid
        updated = self._call(lambda: numbers(sid).update(sms_url=self.sms_url, sms_method="POST",
                                                         voice_url=self.voice_url, voice_method="POST"),
                             found, "setting the webhooks")
        record = updated and self._call(lambda: numbers(sid).fetch(), found, "reading the webhooks back")
        if not record:
            return None
        for what, url, method, wanted in (("messages", record.sms_url, record.sms_method, self.sms_url),
                                          ("calls", record.voice_url, record.voice_method, self.voice_url)):
            if url == wanted and (method or "").upper() == "POST":
                found.append(Line("ok", f"{what}: {wanted} (POST), set and read back"))
            else:
                found.append(Line("problem", f"{what}: set to {wanted} (POST) but read back as "
                                             f"{_shown(url) or 'nothing'} ({method}): set it in the Console"))
        overrides = (("messages", record.sms_application_sid, "a TwiML App"),
                     ("calls", record.voice_application_sid, "a TwiML App"), ("calls", record.trunk_sid, "a SIP trunk"))
        for what, sid_, kind in overrides:
            if sid_:
                found.append(Line("problem", f"{what} go to {kind} ({sid_}), which Twilio uses instead of the URL set "
                                             "here: remove it from the number in the Console (Phone Numbers > "
                                             "Active numbers)"))
        capabilities = record.capabilities or {}
        for what, key in (("texts", "sms"), ("calls", "voice")):
            if capabilities.get(key) is False:
                found.append(Line("warning", f"this number cannot receive {what} (Twilio lists no {key.upper()} "
                                             "capability): families cannot reach the hotline this way"))
        return record

    def _services(self, found: list[Line]) -> dict[str, object] | None:
        """The Messaging Service holding each of the hotline's numbers; None when they could not all be listed
        (a problem in found)."""
        held: dict[str, object] = {}
        services = self._call(lambda: self.client.messaging.v1.services.list(), found, "listing Messaging Services")
        for service in services or []:
            numbers = self._call(lambda: service.phone_numbers.list(page_size=1000), found,
                                 f"listing the numbers of Messaging Service '{service.friendly_name}'")
            if numbers is None:
                return None
            held.update((number.phone_number, service) for number in numbers if number.phone_number in self.numbers)
        return held if services is not None else None

    def _messaging(self, number: str, record, service, found: list[Line]) -> None:
        """Who receives the number's texts, and what registration and opt-out handling remain."""
        if service is not None:
            found.append(self._inbound(service))
        tollfree = phonenumbers.number_type(phonenumbers.parse(number)) == phonenumbers.PhoneNumberType.TOLL_FREE
        if tollfree:
            self._verification(record.sid, found)
        elif service is None:
            found.append(Line("to do", "registration: the number is in no Messaging Service, so it has no A2P 10DLC "
                                       "campaign, and US carriers block every text from an unregistered 10DLC number "
                                       "(error 30034). Create a Messaging Service, add this number to it, register the "
                                       "district's brand and a campaign (`hotline registration` prints its fields)"))
        else:
            self._campaign(service, found)
        if service is None:
            found.append(Line("check", "Advanced Opt-Out is a Messaging Service setting: without one, Twilio answers "
                                       "only its English words (STOP, START, HELP...). In a service, set each "
                                       "language's words and texts as `hotline registration` prints them"))
        else:
            found.append(Line("check", f"Advanced Opt-Out cannot be read through Twilio's API: check it in the "
                                       f"{CONSOLE_SERVICE.format(name=service.friendly_name)} > Opt-Out Management; "
                                       "`hotline registration` prints each language's keywords and texts"))

    def _inbound(self, service) -> Line:
        """Whether the service passes the number's incoming texts to the hotline."""
        named = f"Messaging Service '{service.friendly_name}' ({service.sid}) holds this number"
        if service.use_inbound_webhook_on_number:
            return Line("ok", f"{named} and passes incoming texts to the number's webhook set above")
        if service.inbound_request_url == self.sms_url and (service.inbound_method or "").upper() == "POST":
            return Line("ok", f"{named} and sends incoming texts to {self.sms_url} (POST)")
        where = _shown(service.inbound_request_url) or "nowhere (receiving texts is off)"
        return Line("to do", f"{named} and sends its incoming texts to {where}, not to the hotline: in the "
                             f"{CONSOLE_SERVICE.format(name=service.friendly_name)} > Integration > Incoming "
                             f"Messages, choose 'Defer to sender's webhook' (use_inbound_webhook_on_number), or "
                             f"'Send a webhook' to {self.sms_url} with HTTP POST")

    def _campaign(self, service, found: list[Line]) -> None:
        campaigns = self._call(lambda: service.us_app_to_person.list(page_size=50), found,
                               "reading the service's A2P 10DLC campaign")
        if campaigns is None:
            return
        if not campaigns:
            found.append(Line("to do", f"registration: Messaging Service '{service.friendly_name}' has no A2P 10DLC "
                                       "campaign, and US carriers block every text from an unregistered 10DLC number "
                                       "(error 30034). Register the district's brand and a campaign for this service "
                                       "(`hotline registration` prints its fields)"))
        for campaign in campaigns:
            status = campaign.campaign_status or "unknown"
            if status == APPROVED_CAMPAIGN:
                found.append(Line("ok", f"registration: A2P 10DLC campaign {campaign.sid} is {status}: carriers "
                                        "accept this number's texts"))
            elif status == "FAILED":
                why = "; ".join(f"error {e.get('error_code')}: {e.get('description')}"
                                for e in (campaign.errors or []) if isinstance(e, dict))
                found.append(Line("to do", f"registration: A2P 10DLC campaign {campaign.sid} FAILED"
                                           + (f" ({why})" if why else "") + ": correct it in the Console and submit "
                                           "it again; until a campaign is VERIFIED carriers block the texts (30034)"))
            else:
                found.append(Line("to do", f"registration: A2P 10DLC campaign {campaign.sid} is {status}, not yet "
                                           "VERIFIED: until it is, carriers block the texts (30034)"))

    def _verification(self, sid: str, found: list[Line]) -> None:
        verifications = self._call(
            lambda: self.client.messaging.v1.tollfree_verifications.list(tollfree_phone_number_sid=sid, page_size=50),
            found, "reading the number's Toll-Free Verification")
        if verifications is None:
            return
        if not verifications:
            found.append(Line("to do", "registration: this toll-free number has no Toll-Free Verification, and "
                                       "carriers block texts from an unverified toll-free number: submit one (Console: "
                                       "Messaging > Regulatory Compliance > Toll-Free Verifications; `hotline "
                                       "registration` prints the description and samples to use)"))
        for verification in verifications:
            status = verification.status or "unknown"
            if status == APPROVED_TOLLFREE:
                found.append(Line("ok", f"registration: Toll-Free Verification {verification.sid} is {status}"))
            else:
                reason = f" ({verification.rejection_reason})" if verification.rejection_reason else ""
                found.append(Line("to do", f"registration: Toll-Free Verification {verification.sid} is {status}"
                                           f"{reason}, not yet TWILIO_APPROVED: until it is, carriers block the texts"))

    def _geo(self, found: list[Line]) -> None:
        """The countries the account may call: the hotline only calls the Welcome Center and US organizations."""
        countries = self._call(
            lambda: self.client.voice.v1.dialing_permissions.countries.list(low_risk_numbers_enabled=True,
                                                                            page_size=1000),
            found, "reading the voice geo permissions")
        if countries is None:
            return
        codes = {country.iso_code for country in countries}
        beyond = [country for country in countries if country.iso_code not in HOME_COUNTRIES]
        for country in beyond:
            found.append(Line("warning", f"voice geo permissions: calls to {country.name} ({country.iso_code}) are "
                                         "allowed. The hotline only calls numbers in the US and Canada: turn it off "
                                         "(Console: Voice > Settings > Geo permissions), so that a stolen auth token "
                                         "cannot run up calls abroad"))
        if "US" not in codes:
            found.append(Line("warning", "voice geo permissions: calls to the United States and Canada are not "
                                         "allowed, so the hotline cannot forward calls to the Welcome Center or "
                                         "connect callers: turn them on (Console: Voice > Settings > Geo permissions)"))
        if not beyond and "US" in codes:
            found.append(Line("ok", "voice geo permissions: calls only to the United States and Canada"))

"""A local stand-in for Twilio's REST API (2010-04-01 Messages and Calls), a real HTTP server on loopback.

It follows Twilio's API description (twilio/twilio-oai, spec/json/twilio_api_v2010.json): the paths
/2010-04-01/Accounts/{AccountSid}/Messages.json (GET ListMessage, POST CreateMessage),
/Messages/{Sid}.json (DELETE DeleteMessage: 204), the same for Calls (ListCall, DeleteCall); the list filters
To, From, DateSent, DateSent<, DateSent> (StartTime... for calls), which filter by day ("on or before" a
YYYY-MM-DD date, as Twilio documents them); PageSize (at most 1000), Page and PageToken, with the list's meta
fields (first_page_uri, next_page_uri, page, page_size, previous_page_uri, start, end, uri) and records in the
api.v2010.account.message and api.v2010.account.call shapes (dates in RFC 2822). Errors are Twilio's JSON
bodies {"code", "message", "more_info", "status"}: 20003 (401, wrong credentials), 20404 (404), 20009 (a record
not yet deletable), 20429 (429), 21211, 21610 and 21614 for texts that cannot go. The hotline reads Twilio's
code, not the HTTP status, so a status this stand-in has to guess (409 for 20009) does not decide a test.

The account's numbers, Messaging Services, campaigns, Toll-Free Verifications and geo permissions (for `hotline
connect`) are served by tests.twilio_account, mixed in here, with the same authentication, faults and error bodies.

Tests add records and faults with the methods below, and read `requests` to see what the hotline asked.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import threading
from collections import Counter
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.twilio_account import PREFIX, AccountResources, error as _error, not_found, page_2010
from tests.twilio_client import ACCOUNT   # the account whose webhooks the tests post, and whose API this is

FINISHED_CALLS = {"completed", "busy", "failed", "no-answer", "canceled"}


def _rfc2822(when: dt.datetime | None) -> str | None:
    return format_datetime(when.astimezone(dt.timezone.utc)) if when else None


def _day_or_time(value: str) -> tuple[dt.datetime, bool]:
    """A filter value: a YYYY-MM-DD day (whole day) or an ISO 8601 time; whether it is a day."""
    if len(value) == 10:
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.timezone.utc), True
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")), False


class TwilioAPI(AccountResources):
    """The stand-in: records, faults, and the requests it answered."""

    def __init__(self, numbers: tuple[str, ...], token: str):
        self.numbers = set(numbers)                  # the account's own numbers: the only ones it sends from
        self.token = token                           # the account's auth token: the API's password
        self.records: dict[str, dict[str, dict]] = {"Messages": {}, "Calls": {}}
        self.not_final: Counter = Counter()          # sid -> DELETEs answered 20009 before it can go
        self.throttled = 0                           # the next requests answered 429
        self.failing = 0                             # the next requests answered 500
        self.refused: dict[str, int] = {}            # a number texts cannot go to -> Twilio's error code
        self.requests: list[tuple[str, str, dict]] = []   # (method, what: a list's kind or a record's sid, query)
        self.outbox: list[dict] = []                 # the texts created through the API: to, from, body
        self.ignores_filters = False                 # lists every record, whatever To and From ask (a test of
                                                     # what the hotline does with records not its own)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._account_init()

    def __enter__(self) -> "TwilioAPI":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what tests set up -------------------------------------------------------------------

    def message(self, to: str, from_: str, when: dt.datetime, body: str = "hola", status: str = "delivered") -> str:
        """A message record, sent at when."""
        sid = "SM" + secrets.token_hex(16)
        self.records["Messages"][sid] = {
            "sid": sid, "account_sid": ACCOUNT, "to": to, "from": from_, "body": body, "status": status,
            "direction": "inbound" if from_ not in self.numbers else "outbound-api", "num_segments": "1",
            "num_media": "0", "date_created": when, "date_sent": when if status != "queued" else None,
            "date_updated": when, "price": None, "price_unit": "USD", "error_code": None, "error_message": None,
            "messaging_service_sid": None, "api_version": "2010-04-01",
            "uri": f"{PREFIX}/Messages/{sid}.json",
            "subresource_uris": {"media": f"{PREFIX}/Messages/{sid}/Media.json"},
        }
        return sid

    def call(self, to: str, from_: str, when: dt.datetime, status: str = "completed") -> str:
        """A call record, started at when."""
        sid = "CA" + secrets.token_hex(16)
        ended = when + dt.timedelta(minutes=3) if status in FINISHED_CALLS else None
        self.records["Calls"][sid] = {
            "sid": sid, "account_sid": ACCOUNT, "to": to, "to_formatted": to, "from": from_, "from_formatted": from_,
            "status": status, "start_time": when, "end_time": ended, "date_created": when, "date_updated": when,
            "duration": "180" if ended else None, "direction": "inbound", "parent_call_sid": None,
            "phone_number_sid": "PN" + "0" * 32, "price": None, "price_unit": "USD", "answered_by": None,
            "api_version": "2010-04-01", "forwarded_from": None, "group_sid": None, "caller_name": None,
            "queue_time": "0", "trunk_sid": None, "uri": f"{PREFIX}/Calls/{sid}.json",
            "subresource_uris": {"recordings": f"{PREFIX}/Calls/{sid}/Recordings.json"},
        }
        return sid

    def left(self, kind: str) -> set[str]:
        """The sids of the records of a kind (Messages, Calls) still kept."""
        return set(self.records[kind])

    # --- the HTTP side -----------------------------------------------------------------------

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:   # quiet: the test output is the hotline's
                pass

            def _answer(self, status: int, body: dict | None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()} if length else {}
                with api.lock:
                    status, body = api.respond(method, self.path, self.headers.get("Authorization", ""), form)
                self._answer(status, body)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

        return Handler

    def respond(self, method: str, target: str, authorization: str, form: dict) -> tuple[int, dict | None]:
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{self.token}".encode()).decode()
        if authorization != expected:
            return _error(20003, "Authenticate", 401)
        if self.throttled:
            self.throttled -= 1
            return _error(20429, "Too Many Requests", 429)
        if self.failing:
            self.failing -= 1
            return _error(20500, "Internal Server Error", 500)
        path = parts.path
        if path.startswith("/v1/"):   # messaging.twilio.com and voice.twilio.com, served here alike
            return self.v1(method, path, query)
        if not path.startswith(PREFIX + "/"):
            return not_found(path)
        rest = path[len(PREFIX) + 1:]
        if rest.startswith("IncomingPhoneNumbers") and method in ("GET", "POST"):
            return self.incoming(method, rest, path, query, form)
        for kind in ("Messages", "Calls"):
            if rest == f"{kind}.json" and method == "GET":
                self.requests.append((method, kind, query))
                return self._list(kind, query)
            if rest == f"{kind}.json" and method == "POST" and kind == "Messages":
                return self._create(form)
            if rest.startswith(f"{kind}/") and rest.endswith(".json") and method == "DELETE":
                sid = rest[len(kind) + 1:-len(".json")]
                self.requests.append((method, sid, {}))
                return self._delete(kind, sid, path)
        return not_found(path)

    def _list(self, kind: str, query: dict) -> tuple[int, dict]:
        date = "date_sent" if kind == "Messages" else "start_time"
        name = "DateSent" if kind == "Messages" else "StartTime"
        chosen = []
        for record in self.records[kind].values():
            wrong = "To" in query and record["to"] != query["To"] or "From" in query and record["from"] != query["From"]
            if wrong and not self.ignores_filters:
                continue
            if not self._dated(record[date], query, name):
                continue
            chosen.append(record)
        chosen.sort(key=lambda r: (r["date_created"], r["sid"]), reverse=True)   # newest first, as Twilio lists
        return page_2010(kind.lower(), f"{PREFIX}/{kind}.json", chosen, query, self._shown)

    @staticmethod
    def _dated(when: dt.datetime | None, query: dict, name: str) -> bool:
        for suffix, test in (("", lambda w, v, day: w.date() == v.date() if day else w == v),
                             ("<", lambda w, v, day: w.date() <= v.date() if day else w <= v),
                             (">", lambda w, v, day: w.date() >= v.date() if day else w >= v)):
            if name + suffix in query:
                if when is None:
                    return False
                value, day = _day_or_time(query[name + suffix])
                if not test(when.astimezone(dt.timezone.utc), value, day):
                    return False
        return True

    @staticmethod
    def _shown(record: dict) -> dict:
        return {k: (_rfc2822(v) if isinstance(v, dt.datetime) else v) for k, v in record.items()}

    def _delete(self, kind: str, sid: str, path: str) -> tuple[int, dict | None]:
        record = self.records[kind].get(sid)
        if record is None:
            return not_found(path)
        if kind == "Calls" and record["status"] not in FINISHED_CALLS or self.not_final[sid] > 0:
            self.not_final[sid] -= 1
            return _error(20009, "Cannot delete this resource before it is complete", 409)
        del self.records[kind][sid]
        return 204, None

    def _create(self, form: dict) -> tuple[int, dict]:
        to, from_, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not to:
            return _error(21604, "A 'To' phone number is required.", 400)
        if not (to.startswith("+") and to[1:].isdigit()):
            return _error(21211, f"The 'To' number {to} is not a valid phone number.", 400)
        if from_ not in self.numbers:
            return _error(21606, f"The From phone number {from_} is not a valid, SMS-capable inbound phone number "
                                 "or short code for your account.", 400)
        if not body:
            return _error(21602, "Message body is required.", 400)
        if to in self.refused:
            code = self.refused[to]
            message = {21610: "Attempt to send to unsubscribed recipient",
                       21614: f"'To' number {to} is not a valid mobile number"}.get(code, "Refused")
            return _error(code, message, 400)
        sid = self.message(to, from_, dt.datetime.now(dt.timezone.utc), body, status="queued")
        self.records["Messages"][sid]["num_segments"] = str(max(1, -(-len(body) // 153)))
        self.requests.append(("POST", sid, {}))
        self.outbox.append({"to": to, "from": from_, "body": body, "status_callback": form.get("StatusCallback")})
        return 201, self._shown(self.records["Messages"][sid])

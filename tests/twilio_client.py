"""A stand-in for Twilio: signed, form-encoded webhook posts, and TwiML parsed back."""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urljoin

from twilio.request_validator import RequestValidator

BASE = "http://localhost"
HOTLINE = "+18605550000"
ACCOUNT = "AC" + "0" * 32


def sid(prefix: str) -> str:
    """A new Twilio id (SM... for a message, CA... for a call): 2 letters and 32 hex digits, each one unique."""
    return prefix + uuid.uuid4().hex


def message_params(number: str, body: str, to: str = HOTLINE, **extra: str) -> dict[str, str]:
    """Every parameter Twilio posts to an incoming-message webhook for one SMS (its documented request)."""
    message = sid("SM")
    return {"ToCountry": "US", "ToState": "CT", "SmsMessageSid": message, "NumMedia": "0", "ToCity": "HARTFORD",
            "FromZip": "06106", "SmsSid": message, "FromState": "CT", "SmsStatus": "received", "FromCity": "HARTFORD",
            "Body": body, "FromCountry": "US", "To": to, "ToZip": "06103", "NumSegments": "1",
            "MessageSid": message, "AccountSid": ACCOUNT, "From": number, "ApiVersion": "2010-04-01", **extra}


def call_params(number: str, call_sid: str | None = None, to: str = HOTLINE, **extra: str) -> dict[str, str]:
    """Every parameter Twilio posts to an incoming-call webhook (its documented request)."""
    return {"Called": to, "ToState": "CT", "CallerCountry": "US", "Direction": "inbound", "CallerState": "CT",
            "ToZip": "06103", "CallSid": call_sid or sid("CA"), "To": to, "CallerZip": "06106", "ToCountry": "US",
            "CalledZip": "06103", "ApiVersion": "2010-04-01", "CalledCity": "HARTFORD", "CallStatus": "ringing",
            "From": number, "AccountSid": ACCOUNT, "CalledCountry": "US", "CallerCity": "HARTFORD",
            "ToCity": "HARTFORD", "FromCountry": "US", "Caller": number, "FromCity": "HARTFORD", "CalledState": "CT",
            "FromZip": "06106", "FromState": "CT", **extra}


@dataclass
class Said:
    """One <Say> of a voice reply."""

    text: str
    language: str | None
    voice: str | None


@dataclass
class Reply:
    """A parsed webhook answer."""

    status: int
    content_type: str
    root: ET.Element | None
    body: str

    @property
    def messages(self) -> list[str]:
        return [m.text or "" for m in self.root.iter("Message")] if self.root is not None else []

    @property
    def said(self) -> list[Said]:
        if self.root is None:
            return []
        return [Said(s.text or "", s.get("language"), s.get("voice")) for s in self.root.iter("Say")]

    @property
    def heard(self) -> list[str]:
        """What the caller hears, in order: [language voice] text for <Say>, [play] url for <Play>."""
        if self.root is None:
            return []
        found = []
        for element in self.root.iter():
            if element.tag == "Say":
                found.append(f"[{element.get('language')} {element.get('voice')}] {element.text or ''}")
            elif element.tag == "Play":
                found.append(f"[play] {element.text}")
        return found

    @property
    def plays(self) -> list[str]:
        return [e.text for e in self.root.iter("Play")] if self.root is not None else []

    @property
    def speech(self) -> str:
        return " ".join(s.text for s in self.said)

    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather") if self.root is not None else None

    @property
    def hangup(self) -> bool:
        return self.root is not None and self.root.find("Hangup") is not None


class TwilioClient:
    """Signs each request with the account's auth token, as Twilio does."""

    def __init__(self, client, token: str, base: str = BASE):
        self.client = client
        self.validator = RequestValidator(token)
        self.base = base

    def post(self, path: str, params: dict, signature: str | None = None, headers: dict | None = None,
             signed_url: str | None = None) -> Reply:
        url = signed_url or urljoin(self.base, path)
        sig = self.validator.compute_signature(url, params) if signature is None else signature
        response = self.client.post(path, data=params, headers={"X-Twilio-Signature": sig, **(headers or {})},
                                    base_url=self.base)
        body = response.get_data(as_text=True)
        root = ET.fromstring(body) if response.mimetype == "text/xml" else None
        return Reply(response.status_code, response.mimetype, root, body)

    def text(self, number: str, body: str, **extra) -> Reply:
        return self.post("/sms", message_params(number, body, **extra))

    def read_all(self, number: str, body: str, more_word: str, more_hint: str, limit: int = 6) -> str:
        """Send a text, then MORE (in the caller's language) while the reply says there is more."""
        pages = ["\n".join(self.text(number, body).messages)]
        while pages[-1].endswith(more_hint) and len(pages) < limit:
            pages.append("\n".join(self.text(number, more_word).messages))
        return "\n".join(pages)

    def call(self, number: str, call_sid: str | None = None, **extra) -> Reply:
        return self.post("/voice", call_params(number, call_sid, **extra))


@dataclass
class Call:
    """A phone call in progress: follows each Gather action, as Twilio does."""

    twilio: TwilioClient
    number: str
    last: Reply | None = None
    log: list[Reply] = field(default_factory=list)
    sid: str = field(default_factory=lambda: sid("CA"))
    verified: bool = False   # the carrier attested the caller ID (Twilio's StirVerstat TN-Validation-Passed-A)
    dial: ET.Element | None = None    # the <Dial> of a forwarded call
    leg: str = ""                     # the CallSid of the leg it rang (a child call of this one)
    whisper: Reply | None = None      # the last TwiML that leg got

    def start(self) -> Reply:
        stir = {"StirVerstat": "TN-Validation-Passed-A"} if self.verified else {}
        self.last = self.twilio.call(self.number, self.sid, **stir)
        self.log.append(self.last)
        return self.last

    def act(self, digits: str | None = None, speech: str | None = None, confidence: str | None = "0.9") -> Reply:
        """Answer the Gather: Digits for keys, SpeechResult with its Confidence for words (None: Twilio sent none)."""
        gather = self.last.gather
        assert gather is not None, "the call has no Gather to answer"
        params = call_params(self.number, self.sid, CallStatus="in-progress")
        if digits is not None:
            params["Digits"] = digits
        if speech is not None:
            params.update(SpeechResult=speech, **({"Confidence": confidence} if confidence is not None else {}))
        self.last = self.twilio.post(gather.get("action"), params)
        self.log.append(self.last)
        return self.last

    def _leg(self, **extra: str) -> dict[str, str]:
        """What Twilio posts on the leg a <Dial><Number> rang: a call of its own (outbound-dial) from the Dial's
        callerId to the number, whose ParentCallSid is the caller's call."""
        number = self.dial.find("Number")
        return call_params(self.dial.get("callerId"), self.leg, to=number.text.strip(), Direction="outbound-dial",
                           CallStatus="in-progress", ParentCallSid=self.sid, **extra)

    def answered(self) -> Reply:
        """The forwarded-to phone answers (a person, a voicemail or an auto-attendant alike): Twilio requests the
        <Number url> for that leg before connecting anyone."""
        self.dial = self.last.root.find("Dial")
        assert self.dial is not None and self.dial.find("Number") is not None, "the call rings no <Number>"
        self.leg = sid("CA")
        self.whisper = self.twilio.post(self.dial.find("Number").get("url"), self._leg())
        return self.whisper

    def staff_press(self, digits: str) -> Reply:
        """Someone on the answering leg presses a key during the whisper's Gather."""
        gather = self.whisper.gather
        assert gather is not None, "the whisper has no Gather"
        self.whisper = self.twilio.post(gather.get("action"), self._leg(Digits=digits))
        return self.whisper

    def dial_ends(self, status: str, bridged: bool, seconds: int = 0) -> Reply:
        """The <Dial> is over (the leg hung up, or never answered): Twilio requests its action on the caller's call
        with DialCallStatus, DialCallSid, DialCallDuration and DialBridged (whether the two were connected)."""
        self.dial = self.dial if self.dial is not None else self.last.root.find("Dial")
        self.leg = self.leg or sid("CA")
        stir = {"StirVerstat": "TN-Validation-Passed-A"} if self.verified else {}
        params = call_params(self.number, self.sid, CallStatus="in-progress", DialCallStatus=status,
                             DialCallSid=self.leg, DialCallDuration=str(seconds), DialBridged=str(bridged).lower(), **stir)
        self.last = self.twilio.post(self.dial.get("action"), params)
        self.log.append(self.last)
        return self.last

    def follow(self) -> Reply:
        """Twilio reached the end of a Dial (the other side hung up or never answered): it follows the Redirect."""
        redirect = self.last.root.find("Redirect")
        assert redirect is not None, "the call has no Redirect to follow"
        self.last = self.twilio.post(redirect.text, call_params(self.number, self.sid, CallStatus="in-progress"))
        self.log.append(self.last)
        return self.last

    def press(self, digits: str) -> Reply:
        return self.act(digits=digits)

    def say(self, words: str, confidence: str | None = "0.9") -> Reply:
        return self.act(speech=words, confidence=confidence)

    def wait(self) -> Reply:
        return self.act()

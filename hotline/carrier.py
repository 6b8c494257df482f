"""What Twilio and the US carriers decide, in one place: the words Twilio answers itself, the request fields it
adds, what a status callback looks like. The webhooks and the CLI ask here, so a rule Twilio changes is changed
once. Sources: ../shared/twilio/PLATFORM.md (Twilio support 223134027 "Twilio support for opt-out keywords", the
Advanced Opt-Out tutorial, "Track Opt-Out, Opt-In and Help Messages Using the OptOutType Parameter").

On a long code, Twilio answers its own opt-out, opt-in and help words itself (and still passes the text on): after
an opt-out it blocks every message to that number (error 21610) until an opt-in word. So the hotline answers such
a text with nothing (a second reply would be one too many, or blocked), and keeps its own opt-out equal to
Twilio's block list.
"""
from __future__ import annotations

from typing import Mapping

# Twilio's default keywords (REVOKE and OPTOUT since 2025-05-14): the whole body is the word, in any case.
OPT_OUT = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
OPT_IN = ("START", "YES", "UNSTOP")
HELP = ("HELP", "INFO")
_KINDS = {**{w: "stop" for w in OPT_OUT}, **{w: "start" for w in OPT_IN}, **{w: "help" for w in HELP}}
OPT_OUT_TYPES = {"STOP": "stop", "START": "start", "HELP": "help"}   # OptOutType, with Advanced Opt-Out

# What an opt-out kept by the hotline records: one that Twilio also keeps (its words, or OptOutType=STOP), which only
# Twilio's opt-in words lift; or one of the hotline's own (a family's own stop word, PARAR), which its words lift too.
BY_TWILIO, BY_HOTLINE = "twilio", "hotline"

WHATSAPP = "whatsapp:"   # how Twilio writes a WhatsApp sender or recipient: whatsapp:+E164
ATTESTED = "TN-Validation-Passed-A"   # StirVerstat: the carrier attests that the caller owns the number (SHAKEN A)

MESSAGE_STATUSES = ("queued", "sending", "sent", "delivered", "undelivered", "failed", "read", "receiving",
                    "received", "accepted", "scheduled", "canceled", "partially_delivered")
FINAL_CALL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")


def twilio_keyword(body: str | None, opt_out_type: str | None = None, channel: str = "sms") -> str | None:
    """The Twilio keyword a text is, if Twilio answers it itself: 'stop', 'start' or 'help'. OptOutType (sent when
    the district's Messaging Service has Advanced Opt-Out, with keywords of its own in any language) decides
    whatever the body, on SMS and WhatsApp alike; else, by SMS only, the body is one of Twilio's default words,
    whole, in any case, spaces around it. On WhatsApp there is no carrier STOP: without Advanced Opt-Out Twilio
    answers nothing and blocks nothing, so the hotline answers STOP, START and HELP itself."""
    if opt_out_type:
        return OPT_OUT_TYPES.get(opt_out_type.strip().upper())
    return _KINDS.get((body or "").strip().upper()) if channel == "sms" else None


def sender(from_field: str | None) -> tuple[str, str]:
    """The way a message came and the number it came from: 'whatsapp:+18605550123' is WhatsApp from
    +18605550123, anything else an SMS from what it says."""
    text = (from_field or "").strip()
    if text[:len(WHATSAPP)].lower() == WHATSAPP:
        return "whatsapp", text[len(WHATSAPP):].strip()
    return "sms", text


def status_callback(form: Mapping[str, str], own: tuple[str, ...]) -> bool:
    """Whether a request to the incoming-message webhook is a message status callback sent there by mistake: a
    MessageStatus and no Body, about a message from one of the hotline's own numbers."""
    _, number = sender(form.get("From"))   # a WhatsApp sender's number too
    return "MessageStatus" in form and "Body" not in form and (number in own or not own)


def call_ended(form: Mapping[str, str]) -> bool:
    """Whether a request to the incoming-call webhook is a call status callback (a call that has ended), not a call."""
    return form.get("CallStatus", "").strip().lower() in FINAL_CALL_STATUSES


def speech_confidence(form: Mapping[str, str]) -> float | None:
    """How sure Twilio's recognizer is of a <Gather>'s SpeechResult (its Confidence, 0.0 to 1.0). None when Twilio
    sent none: its <Gather> page says Confidence is not guaranteed to be present. A value that is not a number
    between 0 and 1 counts as not sure at all."""
    raw = form.get("Confidence")
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        return 0.0
    return value if 0.0 <= value <= 1.0 else 0.0


def bridged(form: Mapping[str, str]) -> bool:
    """Whether a <Dial> connected the caller to the party it rang (its action's DialBridged): with call screening,
    only a person who pressed the whisper's key is connected, whatever DialCallStatus says (a voicemail that
    answered is 'completed' too)."""
    return form.get("DialBridged", "").strip().lower() == "true"


def attested(stir_verstat: str | None) -> bool:
    """Whether a call's caller ID is attested (Twilio's StirVerstat is TN-Validation-Passed-A): only then may the
    call use or change what is kept for the number, or make the hotline text it. B, C, TN-Validation-Failed,
    No-TN-Validation or no field at all: anyone could have used that caller ID."""
    return (stir_verstat or "").strip() == ATTESTED

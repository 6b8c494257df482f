"""Who is on the other end: a person's phone number, a withheld caller ID, or a machine that texts.

A caller who withholds their number reaches Twilio as "anonymous" (or restricted, unknown, blocked, unavailable)
or as one of the numbers Twilio spells those words with on a keypad. All such callers would share one number,
so each is treated as a stranger every time: nothing remembered, no rate count shared with others, no call-back
offered. Texts from short codes and alphanumeric senders (22395, VERIFY) are machines: they get no reply.
"""
from __future__ import annotations

import phonenumbers

# ANONYMOUS, UNAVAILABLE, RESTRICTED, BLOCKED, UNKNOWN as Twilio spells them on a keypad, and the words themselves.
WITHHELD = frozenset({"+266696687", "+86282452253", "+7378742833", "+2562533", "+8656696",
                      "anonymous", "unavailable", "restricted", "blocked", "unknown", "private", ""})


def _number(sender: str) -> phonenumbers.PhoneNumber | None:
    text = (sender or "").strip()
    if not text.startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def withheld(caller: str) -> bool:
    """Whether a call's From names no one: a withheld caller ID, or not a phone number at all (a SIP client)."""
    return (caller or "").strip().lower() in WITHHELD or _number(caller) is None


def person(sender: str) -> bool:
    """Whether a text comes from a person's phone number (E.164), not a short code or an alphanumeric sender."""
    return (sender or "").strip() not in WITHHELD and _number(sender) is not None


# What phonenumbers calls the line of a person (a home or a mobile phone), the only kinds the hotline texts.
PERSONAL_TYPES = frozenset({phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
                            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})
TEXTED_REGIONS = frozenset({"US", "CA"})


def textable(number: str, own: tuple[str, ...] = ()) -> bool:
    """Whether the hotline may start a text to this number: a person's phone in the US or Canada (a fixed line or
    a mobile, never premium-rate, toll-free, shared-cost, personal (500), voicemail or the fictional 555-0100 to
    555-0199), and never one of the hotline's own numbers."""
    parsed = _number(number)
    if parsed is None or number.strip() in own or not phonenumbers.is_valid_number(parsed):
        return False
    national = phonenumbers.national_significant_number(parsed)
    fictional = national[3:6] == "555" and national[6:8] == "01"
    return (phonenumbers.region_code_for_number(parsed) in TEXTED_REGIONS and not fictional
            and phonenumbers.number_type(parsed) in PERSONAL_TYPES)

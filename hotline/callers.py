"""Who is on the other end: a person's phone number, a withheld caller ID, or a machine that texts.

A caller who withholds their number reaches Twilio as "anonymous" (or restricted, unknown, blocked, unavailable)
or as one of the numbers Twilio spells those words with on a keypad. All such callers would share one number,
so each is treated as a stranger every time: nothing remembered, no rate count shared with others, no call-back
offered. Texts from short codes and alphanumeric senders (22395, VERIFY) are machines: they get no reply.
"""
from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

E164 = re.compile(r"\+[1-9][0-9]{6,14}")   # ASCII digits only: str.isdigit would take ١٢٣ and １２３
# ANONYMOUS, UNAVAILABLE, RESTRICTED, BLOCKED, UNKNOWN as Twilio spells them on a keypad, and the words themselves.
WITHHELD = frozenset({"+266696687", "+86282452253", "+7378742833", "+2562533", "+8656696",
                      "anonymous", "unavailable", "restricted", "blocked", "unknown", "private", ""})


@lru_cache(maxsize=4096)   # the same numbers write again and again: parsing one costs more than its whole answer
def _number(sender: str) -> phonenumbers.PhoneNumber | None:
    """A phone number only as Twilio writes one: E.164 in ASCII digits, exactly as phonenumbers would write it.
    Anything else (other digits, spaces, letters, an extension) could name one phone in many ways, each with a
    hash, a budget and an opt-out of its own: it is no number."""
    text = (sender or "").strip()
    if not E164.fullmatch(text):
        return None
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return parsed if phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == text else None


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


SERVICE_EXCHANGES = frozenset({"555", "976"})   # NANP exchanges of no family's phone: 555 (directory assistance,
                                                # the fictional 555-01xx), 976 (pay-per-call information lines)


def textable(number: str, own: tuple[str, ...] = ()) -> bool:
    """Whether the hotline may start a text to this number: a person's phone in the US or Canada (a fixed line or
    a mobile, never premium-rate, toll-free, shared-cost, personal (500), voicemail, or an exchange of services:
    555, 976), and never one of own (the hotline's numbers, the organizations it lists, the Welcome Center)."""
    parsed = _number(number)
    if parsed is None or number.strip() in own or not phonenumbers.is_valid_number(parsed):
        return False
    national = phonenumbers.national_significant_number(parsed)
    return (phonenumbers.region_code_for_number(parsed) in TEXTED_REGIONS and national[3:6] not in SERVICE_EXCHANGES
            and phonenumbers.number_type(parsed) in PERSONAL_TYPES)

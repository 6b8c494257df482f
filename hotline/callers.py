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

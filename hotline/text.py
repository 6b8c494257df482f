"""Text normalization shared by the engine and the content checks: pure functions."""
from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\W_]+", re.UNICODE)
# Letters an Arabic keyboard types where Dari and Pashto write others (ي for ی, ك for ک), and the tatweel
# that only stretches a word: folded so a word matches however it was typed, in every Arabic-script language.
ARABIC_KEYBOARD = {"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"}
_ARABIC_FORMS = str.maketrans({**ARABIC_KEYBOARD, "\u0640": ""})
_MARKED = re.compile(r"^(\w+ (?:SMALL|CAPITAL) LETTER \w+) WITH ")   # ł: LATIN SMALL LETTER L WITH STROKE


def normalize(text: str) -> str:
    """Fold case, accents, punctuation, spacing and non-ASCII digits for matching words."""
    if text.isascii():   # no accents or other digits to fold
        return _SEPARATORS.sub(" ", text).casefold().strip()
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        digit = unicodedata.decimal(ch, None)
        kept.append(str(digit) if digit is not None else ch)
    return _SEPARATORS.sub(" ", "".join(kept).translate(_ARABIC_FORMS)).casefold().strip()


def strip_accents(text: str, keep: str = "") -> str:
    """Remove accents except from the characters in keep (which stay as they are)."""
    out = []
    for ch in text:
        if ch in keep:
            out.append(ch)
            continue
        out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)))
    return "".join(out)


def script(ch: str) -> str | None:
    """The writing system of a letter, by its Unicode name: LATIN, ARABIC, CYRILLIC, HAN...; None for what is not a
    letter of one (digits, spaces, punctuation, an apostrophe, a combining mark)."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    name = unicodedata.name(ch, "")
    if name.startswith("CJK "):   # CJK UNIFIED IDEOGRAPH-4E2D, CJK COMPATIBILITY IDEOGRAPH-F900
        return "HAN"
    if name.startswith("MODIFIER LETTER"):   # the Ukrainian apostrophe, a length mark: in words of any script
        return None
    return name.split(" ", 1)[0] or None


def scripts(text: str) -> set[str]:
    """The writing systems of the letters of a text (composed first, so an accent belongs to its letter)."""
    return {found for found in map(script, unicodedata.normalize("NFC", text)) if found}


def bare(word: str) -> str:
    """A word without its accents and marks, each letter reduced to its base letter (ł, ś, ò to l, s, o; ї to і):
    a word typed without its accents has the same bare form as the word written with them."""
    def base(ch: str) -> str:
        marked = _MARKED.match(unicodedata.name(ch, ""))
        try:
            return unicodedata.lookup(marked[1]) if marked else ch
        except KeyError:
            return ch

    return "".join(base(ch) for ch in unicodedata.normalize("NFD", word.casefold()) if not unicodedata.combining(ch))

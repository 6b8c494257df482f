"""Text normalization shared by the engine and the content checks: pure functions."""
from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\W_]+", re.UNICODE)
# Letters an Arabic keyboard types where Dari and Pashto write others (ي for ی, ك for ک), and the tatweel
# that only stretches a word: folded so a word matches however it was typed, in every Arabic-script language.
_ARABIC_FORMS = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0640": ""})


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

"""SMS encoding and segment counting: GSM-7 where the text allows it, else UCS-2."""
from __future__ import annotations

import re
from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

from hotline.text import strip_accents

MAX_SEGMENTS = 3
GSM_SINGLE, GSM_MULTI = 160, 153     # septets in one message / per part of a long one
UCS2_SINGLE, UCS2_MULTI = 70, 67     # UTF-16 code units likewise
# Typography that forces UCS-2 for no reason a reader would notice.
NEEDLESS = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u200b": "",
    "\u2026": "...", "\u2022": "-", "\u00b7": "-",
})

# Letters that lose their accent by spelling, not by decomposition (for sms_fold_accents).
FOLDS = {"ł": "l", "Ł": "L", "đ": "dj", "Đ": "Dj", "ı": "i", "ŀ": "l", "ħ": "h"}


@dataclass(frozen=True)
class Measure:
    """How a text travels as SMS."""

    encoding: str   # "GSM-7" or "UCS-2"
    units: int      # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def gsm_units(text: str) -> int | None:
    """Septets a text takes in GSM-7 (extension characters count two), or None if it cannot be sent so."""
    try:
        return len(text.encode("gsm03.38"))
    except UnicodeError:
        return None


def measure(text: str) -> Measure:
    """The encoding and segment count of a text message."""
    units = gsm_units(text)
    if units is not None:
        return Measure("GSM-7", units, 1 if units <= GSM_SINGLE else -(-units // GSM_MULTI))
    units = len(text.encode("utf-16-le")) // 2
    return Measure("UCS-2", units, 1 if units <= UCS2_SINGLE else -(-units // UCS2_MULTI))


def fits(text: str, segments: int = MAX_SEGMENTS) -> bool:
    """Whether a text goes in at most this many segments."""
    return measure(text).segments <= segments


def clean(text: str, fold_accents: bool = False) -> str:
    """Replace typography that needlessly forces UCS-2; optionally drop accents GSM-7 lacks."""
    text = text.translate(NEEDLESS)
    if not fold_accents:
        return text
    out = []
    for ch in text:
        if gsm_units(ch) is None:
            folded = FOLDS.get(ch) or strip_accents(ch)
            ch = folded if gsm_units(folded) is not None else ch
        out.append(ch)
    return "".join(out)


def _pieces(line: str, room) -> list[str]:
    """Cut a line that does not fit into pieces that do: at sentence ends, else spaces, else anywhere."""
    for pattern in (r"(?<=[.!?\u3002\uff01\uff1f\u061f])\s+", r"\s+"):
        words = re.split(pattern, line)
        if len(words) > 1 and all(room(w) for w in words):
            break
    pieces: list[str] = []
    current = ""
    for word in words:
        while not room(word):             # a word longer than a page: cut it by characters
            cut = len(word)
            while cut > 1 and not room(word[:cut]):
                cut = cut * 3 // 4
            pieces, current = pieces + [p for p in (current, word[:cut]) if p], ""
            word = word[cut:]
        joined = f"{current} {word}" if current else word
        if room(joined):
            current = joined
        else:
            pieces.append(current)
            current = word
    return pieces + ([current] if current else [])


def paginate(lines: list[str], more: str, segments: int = MAX_SEGMENTS) -> list[str]:
    """Split lines into pages of at most this many segments; every page but the last ends with more."""
    whole = "\n".join(lines)
    if fits(whole, segments):
        return [whole]

    def room(text: str) -> bool:
        return fits(f"{text}\n{more}", segments)

    pieces = [piece for line in lines for piece in ([line] if room(line) else _pieces(line, room))]
    pages: list[list[str]] = [[]]
    for piece in pieces:
        if pages[-1] and not room("\n".join(pages[-1] + [piece])):
            pages.append([])
        pages[-1].append(piece)
    return ["\n".join(page + [more]) for page in pages[:-1]] + ["\n".join(pages[-1])]

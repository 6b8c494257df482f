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


_SENTENCE_END = re.compile(r"(?<=[.!?\u061f])\s+|(?<=[\u3002\uff01\uff1f])")   # Chinese needs no space after
# A Latin abbreviation before a period is no sentence's end: v. EE. Depto. U.S. (but "juez." and "1982)." are).
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:[A-Za-z]{1,3}|[A-Z][a-z]{0,4}|[A-Za-z]+\.[A-Za-z]+)\.$")


def sentences(line: str) -> list[str]:
    """A line's sentences: cut after . ! ? (and their Chinese and Arabic forms), but not after an abbreviation."""
    found, start = [], 0
    for end in _SENTENCE_END.finditer(line):
        if end.end() < len(line) and not _ABBREVIATION.search(line[start:end.start()]):
            found.append(line[start:end.start()])
            start = end.end()
    return found + [line[start:]]


def _pieces(line: str, room, whole: bool = False) -> list[str]:
    """A line as pieces a page can take: its sentences (the whole line where whole, as a phone listing), and
    a piece too long for a page cut at spaces, else anywhere."""
    pieces: list[str] = []
    for sentence in ([line] if whole else sentences(line)):
        if room(sentence):
            pieces.append(sentence)
            continue
        current = ""
        for word in sentence.split():
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
        pieces += [current] if current else []
    return pieces


def _joined(pieces: list[tuple[str, bool]]) -> str:
    """Pieces as one text: a piece that starts a line after a newline, the rest of a line after a space."""
    text = ""
    for piece, new_line in pieces:
        text += piece if not text else ("\n" if new_line else " ") + piece
    return text


def paginate(lines: list[str], more: str, segments: int = MAX_SEGMENTS, keep: frozenset[int] = frozenset(),
             lead: str = "") -> list[str]:
    """Split lines into pages of at most this many segments, every page but the last ending with more: whole
    sentences fill a page before the next page starts (a page is never just a line and "more"). The lines whose
    positions are in keep (a name and its phone number, a menu option) are never cut if they fit a page. lead is
    a line the first page ends with before more (the way to other languages, which must not wait for page two),
    unless it is one of the lines and they fit one page."""
    whole = "\n".join(lines)
    if fits(whole, segments) and (not lead or lead in lines):
        return [whole]
    ending = f"{lead}\n{more}" if lead else more

    def room(text: str, end: str = more) -> bool:
        return fits(f"{text}\n{end}", segments)

    def first(text: str) -> bool:
        return room(text, ending)

    rows = [(row, n in keep) for n, line in enumerate(lines) for row in line.split("\n")]   # a part's own lines
    pieces = [(piece, i == 0) for row, kept in rows
              for i, piece in enumerate(_pieces(row, first, whole=kept and first(row)))]
    pages: list[list[tuple[str, bool]]] = [[]]
    for piece in pieces:
        if pages[-1] and not (first if len(pages) == 1 else room)(_joined(pages[-1] + [piece])):
            pages.append([])
        pages[-1].append(piece)
    texts = [_joined(page) for page in pages]
    endings = [ending] + [more] * (len(texts) - 2)
    return [f"{text}\n{end}" for text, end in zip(texts[:-1], endings)] + texts[-1:]

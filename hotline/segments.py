"""SMS encoding and segment counting: GSM-7 where the text allows it, else UCS-2."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

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


# Where a person would cut a text too long for one message: after a sentence (Chinese needs no space after it),
# else after a clause (a comma, semicolon or colon, and their Arabic and Chinese forms), else between words.
_SENTENCE_END = re.compile(r"(?<=[.!?\u061f])\s+|(?<=[\u3002\uff01\uff1f])\s*")
_CLAUSE_END = re.compile(r"(?<=[,;:\u060c\u061b])\s+|(?<=[\uff0c\uff1b\uff1a\u3001])\s*")
_WORD_END = re.compile(r"\s+")
# A Latin abbreviation's period is no sentence's end: a single letter, doubled capitals or a dotted word (v. EE. UU.
# U.S.) always, a short word (Depto. ds.) when a lowercase word follows; "juez.", "ICE.", "an." and "1982)." end one.
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:[A-Za-z]|([A-Z])\1|[A-Za-z]+\.[A-Za-z]+)\.$")
_SHORT_WORD = re.compile(r"(?:^|[\s(])[A-Za-z]{2,5}\.$")
PAGE_NUMBER = "({page}/{pages}) "   # before each page of a reply cut in several: digits and brackets every
                                    # language reads, and right to left too (brackets are mirrored, digits keep order)

Piece = tuple[str, str]   # (what stood before it on its line: "\n" where it starts a line, a space, or nothing; text)


def _abbreviation(before: str, after: str) -> bool:
    """Whether the period that ends before (and that after follows) is an abbreviation's, not a sentence's end."""
    return bool(_ABBREVIATION.search(before) or (_SHORT_WORD.search(before) and after[:1].islower()))


def _cut(text: str, boundary: re.Pattern, sentences: bool = False) -> list[Piece]:
    """A text cut after each boundary (of sentences: not after an abbreviation), each part with what stood before it."""
    found, start, between = [], 0, ""
    for end in boundary.finditer(text):
        if end.end() >= len(text) or end.start() <= start:
            continue
        if sentences and _abbreviation(text[start:end.start()], text[end.end():]):
            continue
        found.append((between, text[start:end.start()]))
        between, start = end.group(0), end.end()
    return found + [(between, text[start:])]


def _fitted(between: str, text: str, room, levels: tuple[re.Pattern, ...]) -> list[Piece]:
    """A text as parts that each fit a page, the first after between: whole where it fits, else cut at the first
    level's boundaries (a part still too long at the next level's), else anywhere (a word longer than a page)."""
    if room(text):
        return [(between, text)]
    if not levels:
        cut = len(text)
        while cut > 1 and not room(text[:cut]):
            cut = cut * 3 // 4
        return [(between, text[:cut])] + _fitted("", text[cut:], room, levels)
    return [piece for n, (before, part) in enumerate(_cut(text, levels[0]))
            for piece in _fitted(between if n == 0 else before, part, room, levels[1:])]


def _pieces(row: str, room, whole: bool) -> list[Piece]:
    """A line as pieces a page can take: its sentences (the whole line where whole, as a phone listing), a
    sentence too long for a page cut after a clause, else between words."""
    if whole:
        return [("\n", row)]
    return [piece for n, (before, sentence) in enumerate(_cut(row, _SENTENCE_END, sentences=True))
            for piece in _fitted("\n" if n == 0 else before, sentence, room, (_CLAUSE_END, _WORD_END))]


def _joined(pieces: list[Piece]) -> str:
    """Pieces as one text: each after what stood before it (nothing before the first)."""
    return "".join((between if n else "") + text for n, (between, text) in enumerate(pieces))


def _filled(pieces: list[Piece], room, last_room, first_room) -> list[str]:
    """Pieces packed into pages: a page takes every next piece that fits (the first page by first_room), and the
    rest when it fits as the last."""
    pages: list[list[Piece]] = [[]]
    for n, piece in enumerate(pieces):
        leading = len(pages) == 1 and first_room is not room   # the first page must end with its lead: never last
        full = pages[-1] and not (first_room if len(pages) == 1 else room)(_joined(pages[-1] + [piece]))
        if full and (leading or not last_room(_joined(pages[-1] + pieces[n:]))):
            pages.append([])
        pages[-1].append(piece)
    return [_joined(page) for page in pages]


def _cut_into(lines: list[str], more: str, segments: int, keep: frozenset[int], number: str, lead: str) -> list[str]:
    """The pages of lines, each with room for a page number as wide as number and, but the last, for more (and the
    first for lead before it)."""
    def room(text: str) -> bool:
        return fits(f"{number}{text}\n{more}", segments)

    def first_room(text: str) -> bool:
        return fits(f"{number}{text}\n{lead}\n{more}", segments)

    def last_room(text: str) -> bool:
        return fits(f"{number}{text}", segments)

    first = first_room if lead else room
    rows = [(row, n in keep) for n, line in enumerate(lines) for row in line.split("\n")]   # a part's own lines
    pieces = [piece for row, kept in rows for piece in _pieces(row, first, whole=kept and first(row))]
    return _filled(pieces, room, last_room, first)


def cut(lines: list[str], room: Callable[[str], bool]) -> list[str]:
    """Lines packed into as few texts as room allows, each taking every next line that fits, and a line too long
    for one cut where a person would (after a sentence, else a clause, else between words): pages without MORE
    (WhatsApp's, whose limit is characters, not segments)."""
    pieces = [piece for line in lines for row in line.split("\n") for piece in _pieces(row, room, whole=room(row))]
    return _filled(pieces, room, room, room)


def paginate(lines: list[str], more: str, segments: int = MAX_SEGMENTS, keep: frozenset[int] = frozenset(),
             lead: str = "") -> list[str]:
    """Split lines into pages of at most this many segments, cut where a person would (after a line or a
    sentence; a sentence longer than a page after a clause, else a word). A page takes every next sentence that
    fits it, and the last page what is left. Each page starts with its number and how many there are ("(1/3) "),
    and all but the last end with more. The lines whose positions are in keep (a name and its phone number, a
    menu option) are never cut if they fit a page. lead is a line the first page ends with before more (the way
    to other languages, which must not wait for page two), unless it is one of the lines and they fit one page."""
    whole = "\n".join(lines)
    if fits(whole, segments) and (not lead or lead in lines):
        return [whole]
    for digits in (1, 2, 3):   # room for "(9/9) ", else "(99/99) "...
        texts = _cut_into(lines, more, segments, keep, PAGE_NUMBER.format(page="9" * digits, pages="9" * digits), lead)
        if len(texts) < 10 ** digits:
            break
    numbered = [PAGE_NUMBER.format(page=n, pages=len(texts)) + text for n, text in enumerate(texts, start=1)]
    endings = [f"{lead}\n{more}" if lead else more] + [more] * (len(numbered) - 2)
    return [f"{text}\n{end}" for text, end in zip(numbered[:-1], endings)] + numbered[-1:]

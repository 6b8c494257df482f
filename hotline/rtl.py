"""Right-to-left texts that phones draw right: phone numbers in their written order, lines in their language's
direction.

Phones lay out each line of a text message by the Unicode bidi algorithm (UAX #9), in the direction of the line's
first strong letter. After Arabic letters, the digits of "(860) 695-8400" become Arabic numbers whose groups the
space and the hyphen no longer join, and phones show "8400-695 (860)": a family copying it dials a wrong number.
A left-to-right mark (U+200E) just before such a number makes it a left-to-right run, in order, for one
UCS-2 unit. A line that starts with a Latin word ("ICE ...", "The American Place، ...") would be laid out left to
right; a right-to-left mark (U+200F) at its start keeps it right to left. Latin words inside a right-to-left line
already read in order, and a lone number ("911", "(2008)") needs nothing: menus stay cheap.
"""
from __future__ import annotations

import re
import unicodedata

LRM, RLM = "\u200e", "\u200f"
MARKS = (LRM, RLM)
_NUMBER = re.compile(r"\+?\(?\d[\d() .-]*\d\)?")   # "(860) 695-8400", "1-800-798-0671", or a lone "1982)"
_LONE = re.compile(r"\(?\d+\)?")
_RIGHT_TO_LEFT = ("R", "AL")


def _strong(ch: str) -> str | None:
    kind = unicodedata.bidirectional(ch)
    return kind if kind in ("L", "R", "AL") else None


def right_to_left(text: str) -> bool:
    """Whether a text's first strong character is written right to left (Arabic script, Hebrew)."""
    return next((kind for kind in map(_strong, text) if kind), None) in _RIGHT_TO_LEFT


def _line(line: str) -> str:
    if not any(_strong(ch) in _RIGHT_TO_LEFT for ch in line):
        return line                      # a line of Latin letters and digits already reads in order
    marked = _NUMBER.sub(lambda m: m.group(0) if _LONE.fullmatch(m.group(0)) else LRM + m.group(0), line)
    return marked if right_to_left(line) else RLM + marked


def isolate(text: str) -> str:
    """A right-to-left language's text with the marks that make phones draw each line right."""
    return "\n".join(_line(line) for line in text.split("\n"))

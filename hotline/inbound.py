"""A text as it arrives, read once at the door: the body tidied, its words normalized, and any command in it."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from hotline.carrier import twilio_keyword
from hotline.content.catalog import Catalog
from hotline.text import normalize
from hotline.vocabulary import vocabulary

MAX_BODY = 1600


@dataclass(frozen=True)
class Inbound:
    """One incoming text: what was written, the words the hotline matches, and a command if it is one."""

    body: str                      # control characters as spaces, at most 1,600 characters
    words: str                     # folded case, accents, punctuation and digits (hotline.text.normalize)
    media: bool = False            # a picture or recording came with it
    command: str | None = None     # stop, start, help or forget (ERASE), in any served language
    command_langs: tuple[str, ...] = ()   # the languages whose word it is (معلومات is Arabic, Dari and Pashto)
    twilio: str | None = None      # stop, start or help when Twilio answers the text itself (hotline.carrier)

    @property
    def empty(self) -> bool:
        """No words at all (a picture alone, an emoji, spaces)."""
        return not self.words


def tidy(body: str | None) -> str:
    """A text as the hotline reads it: control characters as spaces, at most 1,600 characters."""
    text = (body or "")[:MAX_BODY]
    if text.isascii() and text.replace("\n", "").isprintable():   # most texts: nothing to replace
        return text
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\u200d" else ch for ch in text)


def read(catalog: Catalog, body: str | None, media: bool = False, opt_out_type: str | None = None) -> Inbound:
    """Read a text once: every later step uses what this returns, and nothing normalizes again. opt_out_type is
    Twilio's OptOutType field, when the request carries one."""
    text = tidy(body)
    words = normalize(text)
    kind, langs = vocabulary(catalog).carrier.get(words, (None, ()))
    return Inbound(text, words, media, kind, langs, twilio_keyword(body, opt_out_type))

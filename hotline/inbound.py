"""A text as it arrives, read once at the door: the body tidied, its words normalized, and any command in it."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Mapping

from hotline.carrier import sender, twilio_keyword
from hotline.content.catalog import Catalog
from hotline.text import normalize
from hotline.vocabulary import vocabulary

MAX_BODY = 1600
# WhatsApp's MessageType of a message read as words: text (a forwarded one too), and a tapped button, whose
# payload (else its label) is what it says. Any other (image, audio, video, document, sticker, location, contacts,
# reaction, unsupported...) is something the hotline cannot read; of those, only a picture, a video or a document
# carries words of its own (a caption).
WORDS = ("", "text")
BUTTONS = ("button", "interactive")
CAPTIONED = ("image", "video", "document")


@dataclass(frozen=True)
class Arrival:
    """What a message's request says, read once: how it came, who sent it, what it says. Nothing else of the
    request (WhatsApp's ProfileName and WaId, a location's coordinates, the carrier's city) is read at all."""

    channel: str                   # sms or whatsapp
    number: str                    # the sender as E.164 (never stored: hashed at once), or what Twilio sent
    body: str                      # what to read: the text, a button's payload, a picture's caption, or nothing
    media: bool                    # it carried what the hotline cannot read (a picture, a voice note, a location)
    opt_out_type: str | None = None   # Twilio's OptOutType (Advanced Opt-Out), when sent


def arrived(form: Mapping[str, str]) -> Arrival:
    """An incoming-message request's fields, read once at the door (SMS and WhatsApp alike)."""
    channel, number = sender(form.get("From"))
    kind = form.get("MessageType", "").strip().lower()
    body = form.get("Body", "")
    media = form.get("NumMedia", "0").strip() not in ("", "0")
    if kind in BUTTONS:
        body = form.get("ButtonPayload", "").strip() or form.get("ButtonText", "").strip() or body
    elif kind not in WORDS:
        body, media = body if kind in CAPTIONED else "", True
    return Arrival(channel, number, body, media, form.get("OptOutType") or None)


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


def read(catalog: Catalog, body: str | None, media: bool = False, opt_out_type: str | None = None,
         channel: str = "sms") -> Inbound:
    """Read a text once: every later step uses what this returns, and nothing normalizes again. opt_out_type is
    Twilio's OptOutType field, when the request carries one; channel decides which words Twilio answers itself."""
    text = tidy(body)
    words = normalize(text)
    kind, langs = vocabulary(catalog).carrier.get(words, (None, ()))
    return Inbound(text, words, media, kind, langs, twilio_keyword(body, opt_out_type, channel))

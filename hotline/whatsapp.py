"""WhatsApp adapter: the same turns as by SMS (hotline.sms renders them in the same order), written for WhatsApp.

No SMS economies: WhatsApp has no segments and no encoding to pay for, so accents and every script stay as the
translators wrote them (no GSM-7 folding, no typography replaced), and a screen goes whole in one message up to
Twilio's 1,600 characters, with no MORE; a longer one is cut between lines into numbered messages. A topic opens
with its name in *bold* (WhatsApp's formatting). Right-to-left languages keep hotline.rtl's marks, so phone numbers
read in order in Arabic, Dari and Pashto as they do by SMS.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from hotline.content.catalog import Catalog
from hotline.content.memo import per_catalog
from hotline.engine import LANGUAGES, MAIN, Screen
from hotline.render import fill, parts
from hotline.rtl import isolate
from hotline.segments import PAGE_NUMBER, cut
from hotline.sms import Writer, language_list

LIMIT = 1600   # Twilio's limit on one message's body, WhatsApp's too (error 21617)
CHANNEL = "whatsapp"


@dataclass(frozen=True)
class WhatsAppReply:
    """One WhatsApp message as it will be sent: no segments, no encoding, nothing per character to pay."""

    text: str
    encoding: str = ""
    segments: int = 0


def size(text: str) -> int:
    """A message's length as Twilio's limit counts it (UTF-16 units: never fewer than the characters)."""
    return len(text.encode("utf-16-le")) // 2


def written(catalog: Catalog, lang: str, text: str) -> str:
    """A text as sent on WhatsApp: as written, with in a right-to-left language the marks that keep its numbers
    in order (hotline.rtl)."""
    return isolate(text) if catalog.language(lang).rtl else text


def bold(text: str) -> str:
    """WhatsApp's bold: *text* (each line on its own, as WhatsApp only joins marks on one line)."""
    return "\n".join(f"*{line.strip()}*" if line.strip() else line for line in text.split("\n"))


def split(lines: list[str]) -> list[str]:
    """Lines as WhatsApp messages: one when they fit in 1,600 characters, else as few as will take them, cut
    between lines (a line too long for one after a sentence), each numbered "(1/2) " as long SMS replies are."""
    whole = "\n".join(lines)
    if size(whole) <= LIMIT:
        return [whole]
    number = PAGE_NUMBER.format(page="99", pages="99")
    texts = cut(lines, lambda text: size(number + text) <= LIMIT)
    return [PAGE_NUMBER.format(page=n, pages=len(texts)) + text for n, text in enumerate(texts, start=1)]


@per_catalog(maxsize=2048)
def messages(catalog: Catalog, lang: str, screen: Screen, guessed: bool = False) -> tuple[WhatsAppReply, ...]:
    """A whole screen as WhatsApp messages (the page asked for does not matter: there is no MORE): its notices,
    the topic's name in bold, then everything the SMS pages would carry, and the way to other languages where the
    language was only guessed."""
    shown = parts(catalog, lang, "sms", replace(screen, page=0))
    lines = [written(catalog, lang, part.text) for part in shown]
    titled = screen.node in catalog.nodes and screen.node != MAIN and not screen.brief
    if titled:   # after the notices ("Sorry, I did not understand."), before the topic's own words
        at = next((n for n, part in enumerate(shown) if part.kind != "notice"), len(shown))
        lines.insert(at, written(catalog, lang, bold(catalog.text(lang, f"{screen.node}.label"))))
    if guessed and screen.node not in (MAIN, LANGUAGES):
        lines.append(written(catalog, lang, fill(catalog, lang, "sms", "languages.footer")))
    return tuple(WhatsAppReply(text) for text in split(lines))


@per_catalog(maxsize=1)
def choices(catalog: Catalog) -> WhatsAppReply:
    """The language list as one WhatsApp message, every name as its language writes it."""
    return WhatsAppReply(language_list(catalog, written))


WHATSAPP = Writer(CHANNEL, written, WhatsAppReply, messages, choices, stopped="whatsapp.stopped")

"""One text through the whole SMS path: load the caller's state, step, save. Shared by /sms and `hotline chat`."""
from __future__ import annotations

from dataclasses import dataclass

from hotline.content.catalog import Catalog
from hotline.engine import Turn
from hotline.sessions import Store
from hotline.sms import SmsReply, respond


@dataclass(frozen=True)
class Exchange:
    """What one text produced, and whether the session store answered."""

    turn: Turn
    replies: list[SmsReply]
    stored: bool


def text(catalog: Catalog, store: Store, number: str, body: str, lang: str | None = None) -> Exchange:
    """Answer one text from a number; lang preselects the language of a new conversation."""
    loaded = store.load(number, "sms")
    turn, replies = respond(catalog, loaded.state, body, loaded.lang, chosen=lang)
    saved = store.save(number, turn.state) if loaded.ok else False
    return Exchange(turn, replies, loaded.ok and saved)

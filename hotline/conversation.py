"""One text through the whole SMS path: load the caller's state, step, save. Shared by /sms and `hotline chat`."""
from __future__ import annotations

from dataclasses import dataclass

from hotline.content.catalog import Catalog
from hotline.engine import Turn
from hotline.sessions import Store
from hotline import sms
from hotline.sms import SmsReply


@dataclass(frozen=True)
class Exchange:
    """What one text produced, whether the session store answered, and what happened (for logs and counts)."""

    turn: Turn | None
    replies: list[SmsReply]
    stored: bool
    outcome: str = "reply"
    lang: str | None = None


def text(catalog: Catalog, store: Store, number: str, body: str | None, lang: str | None = None,
         media: bool = False) -> Exchange:
    """Answer one text from a number; lang preselects the language of a new conversation."""
    body = sms.tidy(body)
    loaded = store.load(number, "sms")
    if loaded.limited:
        return Exchange(None, [], True, "rate limited")
    command = sms.carrier_command(catalog, body)
    if not loaded.ok and (command or ("",))[0] not in ("stop", "help"):
        turn, replies = sms.degraded(catalog, body)   # Redis is away: still answer, remembering nothing
        return Exchange(turn, replies, False, "degraded", turn.state.lang)
    kind, word_lang = command or ("", None)
    speak = (loaded.state.lang if loaded.state else None) or word_lang or loaded.lang or "en"
    if kind == "stop":
        store.set_opt_out(number, True)
        return Exchange(None, [], loaded.ok, "opted out", speak)
    if loaded.opted_out and kind != "start":
        return Exchange(None, [], loaded.ok, "opted out, no reply", speak)
    if kind == "start":
        store.set_opt_out(number, False)
    if kind == "help":
        return Exchange(None, [sms.notice(catalog, speak, "help")], loaded.ok, "help", speak)
    if kind == "forget":
        forgotten = store.forget(number)
        return Exchange(None, [sms.notice(catalog, speak, "forgotten")] if forgotten else
                        [sms.notice(catalog, speak, "fallback")], forgotten, "forgotten" if forgotten else "failed", speak)
    turn, replies = sms.respond(catalog, loaded.state, body, loaded.lang, chosen=lang, media=media,
                                restart=kind == "start")
    saved = store.save(number, turn.state) if loaded.ok else False
    return Exchange(turn, replies, loaded.ok and saved, "reply", turn.state.lang)

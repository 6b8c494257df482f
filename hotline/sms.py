"""SMS adapter: a text -> engine input (keywords, language guess) and screens -> sized replies."""
from __future__ import annotations

from dataclasses import dataclass

from hotline.content.catalog import Catalog
from hotline.detect import guess, keyword_language
from hotline.engine import Input, State, Turn, step
from hotline.render import fill, parts
from hotline.segments import clean, measure, paginate
from hotline.text import normalize

COMMANDS = (("menu", "keyword.menu"), ("languages", "keyword.languages"), ("more", "keyword.more"))


@dataclass(frozen=True)
class SmsReply:
    """One text message as it will be sent, with what it costs."""

    text: str
    encoding: str
    segments: int


def read(catalog: Catalog, state: State, body: str) -> Input:
    """What a text means in an ongoing conversation: a command, a language switch, or a choice."""
    said = normalize(body)
    lang = state.lang or "en"
    for kind, msg_id in COMMANDS:
        if said and said in {normalize(w) for w in catalog.words(lang, msg_id)}:
            return Input(kind)
    switch = keyword_language(catalog, body)
    if switch and said in {normalize(k) for k in catalog.language(switch).keywords}:
        return Input("language", switch) if switch != lang else Input("menu")
    return Input("choose", body)


def begin(catalog: Catalog, body: str, remembered: str | None = None, chosen: str | None = None) -> tuple[State, Input]:
    """A new conversation starts at the main menu (with its disclaimer), in the chosen, guessed or remembered language."""
    lang = chosen if catalog.has_language(chosen) else guess(catalog, body) or remembered or "en"
    return State(channel="sms", lang=lang), Input("start", lang)


def render(catalog: Catalog, turn: Turn) -> list[SmsReply]:
    """The text messages for a turn's screens, each cut to at most three segments."""
    lang = turn.state.lang or "en"
    fold = catalog.language(lang).fold_accents
    more = clean(fill(catalog, lang, "sms", "more"), fold)
    replies = []
    for screen in turn.screens:
        lines = [clean(part.text, fold) for part in parts(catalog, lang, "sms", screen)]
        pages = paginate(lines, more)
        text = pages[min(screen.page, len(pages) - 1)]
        sized = measure(text)
        replies.append(SmsReply(text, sized.encoding, sized.segments))
    return replies


def respond(catalog: Catalog, state: State | None, body: str, remembered: str | None = None,
            chosen: str | None = None) -> tuple[Turn, list[SmsReply]]:
    """One text in, the engine's turn and the replies out: the whole SMS path but storage."""
    if state is None:
        state, event = begin(catalog, body, remembered, chosen)
    else:
        event = read(catalog, state, body)
    turn = step(catalog, state, event)
    return turn, render(catalog, turn)

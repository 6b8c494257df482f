"""SMS adapter: a text -> engine input (keywords, language guess) and screens -> sized replies."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from twilio.twiml.messaging_response import MessagingResponse

from hotline.content.catalog import Catalog
from hotline.detect import guess
from hotline.engine import MAIN, Input, Screen, State, Turn, match_option, number_word, step, with_notice
from hotline.render import fill, parts
from hotline.segments import clean, measure, paginate
from hotline.text import normalize
from hotline.vocabulary import vocabulary

MAX_BODY = 1600


def tidy(body: str | None) -> str:
    """A text as the hotline reads it: control characters as spaces, at most 1,600 characters."""
    text = (body or "")[:MAX_BODY]
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\u200d" else ch for ch in text)


def carrier_command(catalog: Catalog, body: str) -> tuple[str, str] | None:
    """STOP, START, HELP or ERASE in any served language: (command, the language of the word)."""
    return vocabulary(catalog).carrier.get(normalize(body))


def notice(catalog: Catalog, lang: str, msg_id: str) -> SmsReply:
    """A one-off reply of a single message, sized like every other."""
    text = clean(fill(catalog, lang, "sms", msg_id), catalog.language(lang).fold_accents)
    sized = measure(text)
    return SmsReply(text, sized.encoding, sized.segments)


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
    command = vocabulary(catalog).commands.get(lang, {}).get(said)
    if command:
        return Input(command)
    switch = vocabulary(catalog).keywords.get(said)
    if switch:
        return Input("language", switch) if switch != lang else Input("menu")
    return Input("choose", body)


def begin(catalog: Catalog, body: str, remembered: str | None = None, chosen: str | None = None) -> tuple[State, Input]:
    """A new conversation starts at the main menu (with its disclaimer), in the chosen, guessed or remembered language."""
    lang = chosen if catalog.has_language(chosen) else guess(catalog, body) or remembered or "en"
    return State(channel="sms", lang=lang), Input("start", lang)


@lru_cache(maxsize=4096)
def pages(catalog: Catalog, lang: str, screen: Screen) -> tuple[SmsReply, ...]:
    """Every page of a screen as text messages of at most three segments (computed once per catalog)."""
    fold = catalog.language(lang).fold_accents
    more = clean(fill(catalog, lang, "sms", "more"), fold)
    lines = [clean(part.text, fold) for part in parts(catalog, lang, "sms", replace(screen, page=0))]
    found = []
    for text in paginate(lines, more):
        sized = measure(text)
        found.append(SmsReply(text, sized.encoding, sized.segments))
    return tuple(found)


def render(catalog: Catalog, turn: Turn) -> list[SmsReply]:
    """The text messages for a turn's screens, each cut to at most three segments."""
    lang = turn.state.lang or "en"
    replies = []
    for screen in turn.screens:
        screen_pages = pages(catalog, lang, screen)
        replies.append(screen_pages[min(screen.page, len(screen_pages) - 1)])
    return replies


@lru_cache(maxsize=1024)
def document(replies: tuple[SmsReply, ...]) -> str:
    """The TwiML Twilio gets for these replies (made once: replies come from a few pages per language)."""
    response = MessagingResponse()
    for reply in replies:
        response.message(reply.text)
    return str(response)


def degraded(catalog: Catalog, body: str) -> tuple[Turn, list[SmsReply]]:
    """With no session store: the topic asked for by number or word (else the menu), in the text's
    language, or in English and Spanish when it cannot tell."""
    lang = guess(catalog, body)
    codes = [lang] if lang else [language.code for language in catalog.languages[:2]]
    replies: list[SmsReply] = []
    written = normalize(body)
    for code in codes:
        said = number_word(catalog, code, written) or written
        chooses = match_option(catalog, catalog.nodes[MAIN], code, said) is not None
        turn = step(catalog, State(channel="sms", lang=code), Input("choose", said) if chooses else Input("start", code))
        replies += render(catalog, turn)
    return turn, replies


def respond(catalog: Catalog, state: State | None, body: str, remembered: str | None = None,
            chosen: str | None = None, media: bool = False, restart: bool = False) -> tuple[Turn, list[SmsReply]]:
    """One text in, the engine's turn and the replies out: the whole SMS path but storage."""
    if restart:
        state, event = begin(catalog, "", (state.lang if state else None) or remembered, chosen)
    elif state is None:
        state, event = begin(catalog, body, remembered, chosen)
    else:
        event = read(catalog, state, body)
    if media and not normalize(body):
        event = Input("menu") if event.kind == "choose" else event
    turn = step(catalog, state, event)
    if media and not normalize(body):   # a picture with no words: say so, then the menu
        turn = with_notice(turn, "media")
    return turn, render(catalog, turn)

"""SMS adapter: a text -> engine input (keywords, language guess) and screens -> sized replies."""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from twilio.twiml.messaging_response import MessagingResponse

from hotline.content.catalog import Catalog
from hotline.content.memo import per_catalog
from hotline.detect import guess
from hotline.engine import MAIN, Input, Screen, State, Turn, match_option, number_word, step, with_notice
from hotline.inbound import Inbound
from hotline.render import fill, parts
from hotline.rtl import isolate
from hotline.segments import clean, measure, paginate
from hotline.vocabulary import vocabulary


def written(catalog: Catalog, lang: str, text: str) -> str:
    """A text as it is sent: typography that needlessly forces UCS-2 replaced, accents folded where the
    language asks, and in a right-to-left language numbers and Latin words isolated (hotline.rtl)."""
    language = catalog.language(lang)
    text = clean(text, language.fold_accents)
    return isolate(text) if language.rtl else text


def notice(catalog: Catalog, lang: str, msg_id: str) -> SmsReply:
    """A one-off reply of a single message, sized like every other."""
    return sized(written(catalog, lang, fill(catalog, lang, "sms", msg_id)))


def sized(text: str) -> SmsReply:
    """A text message with its encoding and segment count."""
    found = measure(text)
    return SmsReply(text, found.encoding, found.segments)


@dataclass(frozen=True)
class SmsReply:
    """One text message as it will be sent, with what it costs."""

    text: str
    encoding: str
    segments: int


def read(catalog: Catalog, state: State, text: Inbound) -> Input:
    """What a text means in an ongoing conversation: a command, a choice, or a language switch. The
    conversation's own language comes first: Polish "dwa" is option 2, not Creole's keyword."""
    said = text.words
    lang = state.lang or "en"
    vocab = vocabulary(catalog)
    command = vocab.commands.get(lang, {}).get(said)
    if command:
        return Input(command)
    if vocab.choice(lang, said):
        return Input("choose", said)
    switch = vocab.keywords.get(said)
    if switch:   # another language's keyword; if it also names a topic there (DERECHOS), that topic
        return Input("language", switch, vocab.topics.get((switch, said), "")) if switch != lang else Input("menu")
    return Input("choose", said)


def begin(catalog: Catalog, text: Inbound | None, remembered: str | None = None,
          chosen: str | None = None) -> tuple[State, Input]:
    """A new conversation: the main menu with its disclaimer, or the topic a first text names (DERECHOS), in the
    chosen, guessed or remembered language; when that is not clear, in English and Spanish (lang None)."""
    guessed = guess(catalog, text) if text is not None else None
    lang = chosen if catalog.has_language(chosen) else guessed or remembered
    if lang is None:
        return State(channel="sms"), Input("menu")
    topic = vocabulary(catalog).topics.get((lang, text.words), "") if text is not None else ""
    return State(channel="sms", lang=lang), Input("start", lang, topic)


@per_catalog(maxsize=2048)
def pages(catalog: Catalog, lang: str, screen: Screen) -> tuple[SmsReply, ...]:
    """Every page of a screen as text messages of at most three segments (computed once per catalog)."""
    more = written(catalog, lang, fill(catalog, lang, "sms", "more"))
    shown = parts(catalog, lang, "sms", replace(screen, page=0))
    lines = [written(catalog, lang, part.text) for part in shown]
    keep = frozenset(n for n, part in enumerate(shown) if part.kind not in ("body", "notice"))   # listings, options
    return tuple(sized(text) for text in paginate(lines, more, keep=keep))


def render(catalog: Catalog, turn: Turn) -> list[SmsReply]:
    """The text messages for a turn's screens, each cut to at most three segments: in the conversation's
    language, or in the first two languages (English and Spanish) while that is not known."""
    codes = [turn.state.lang] if turn.state.lang else [language.code for language in catalog.languages[:2]]
    replies = []
    for code in codes:
        for screen in turn.screens:
            screen_pages = pages(catalog, code, screen)
            replies.append(screen_pages[min(screen.page, len(screen_pages) - 1)])
    return replies


@lru_cache(maxsize=1024)
def document(replies: tuple[SmsReply, ...]) -> str:
    """The TwiML Twilio gets for these replies (made once: replies come from a few pages per language)."""
    response = MessagingResponse()
    for reply in replies:
        response.message(reply.text)
    return str(response)


def degraded(catalog: Catalog, text: Inbound) -> tuple[Turn, list[SmsReply]]:
    """With no session store: the topic asked for by number or word (else the menu), in the text's
    language, or in English and Spanish when it cannot tell."""
    lang = guess(catalog, text)
    codes = [lang] if lang else [language.code for language in catalog.languages[:2]]
    replies: list[SmsReply] = []
    written = text.words
    for code in codes:
        said = number_word(catalog, code, written) or written
        chooses = match_option(catalog, catalog.nodes[MAIN], code, said) is not None
        turn = step(catalog, State(channel="sms", lang=code), Input("choose", said) if chooses else Input("start", code))
        replies += render(catalog, turn)
    return turn, replies


def respond(catalog: Catalog, state: State | None, text: Inbound, remembered: str | None = None,
            chosen: str | None = None, restart: bool = False) -> tuple[Turn, list[SmsReply]]:
    """One text in, the engine's turn and the replies out: the whole SMS path but storage."""
    if restart:
        state, event = begin(catalog, None, (state.lang if state else None) or remembered, chosen)
    elif state is None:
        state, event = begin(catalog, text, remembered, chosen)
    else:
        event = read(catalog, state, text)
    picture_only = text.media and text.empty
    if picture_only:
        event = Input("menu") if event.kind == "choose" else event
    turn = step(catalog, state, event)
    if picture_only:   # a picture with no words: say so, then the menu
        turn = with_notice(turn, "media")
    return turn, render(catalog, turn)

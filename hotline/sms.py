"""SMS adapter: a text -> engine input (keywords, language guess) and screens -> sized replies."""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable

from twilio.twiml.messaging_response import MessagingResponse

from hotline.content.catalog import Catalog
from hotline.content.memo import per_catalog
from hotline.detect import UNCLEAR, guess
from hotline.engine import LANGUAGES, MAIN, Input, Screen, State, Turn, match_option, number_word, step, with_notice
from hotline.inbound import Inbound
from hotline.render import fill, parts
from hotline.rtl import isolate
from hotline.segments import clean, fits, measure, paginate
from hotline.vocabulary import vocabulary


def written(catalog: Catalog, lang: str, text: str) -> str:
    """A text as it is sent: typography that needlessly forces UCS-2 replaced, accents folded where the
    language asks, and in a right-to-left language numbers and Latin words isolated (hotline.rtl)."""
    language = catalog.language(lang)
    text = clean(text, language.fold_accents)
    return isolate(text) if language.rtl else text


def notice(catalog: Catalog, lang: str, msg_id: str, writer: "Writer | None" = None) -> SmsReply:
    """A one-off reply of a single message, sized like every other (written for WhatsApp with its writer)."""
    writer = writer or SMS
    return writer.reply(writer.written(catalog, lang, fill(catalog, lang, "sms", msg_id)))


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


def unclear_languages(catalog: Catalog) -> list[str]:
    """The languages a family is answered in while its own is not clear: the first two (English and Spanish)."""
    return [language.code for language in catalog.languages[:2]]


def read(catalog: Catalog, state: State, text: Inbound) -> Input:
    """What a text means in an ongoing conversation: a command, a choice, or a language switch. The
    conversation's own language comes first: Polish "dwa" is option 2, not Creole's keyword. Then a language's
    name or keyword, any language's menu word (IDIOMA, LANG), and, while the language was only guessed (or is not
    known), a text clearly in another language switches to it."""
    said = text.words
    lang = state.lang
    vocab = vocabulary(catalog)
    if lang:
        command = vocab.commands.get(lang, {}).get(said)
        if command:
            return Input(command)
        if vocab.choice(lang, said):
            return Input("choose", said)
    for code in [] if lang else unclear_languages(catalog):   # the list asks in both: "dos" is its number 2
        if said in vocab.numbers[code]:
            return Input("choose", vocab.numbers[code][said])
    switch = vocab.keywords.get(said)
    if switch:   # another language's name or keyword; if it also names a topic there (DERECHOS), that topic
        if switch == lang:
            return Input("menu")
        return Input("language", switch, vocab.topics.get((switch, said), ""), guessed=said not in vocab.names)
    command = vocab.command(said)
    if command:
        return Input(command)
    if lang is None or state.guessed:
        found = guess(catalog, text)
        if found.lang and found.lang != lang:
            return Input("language", found.lang, vocab.topics.get((found.lang, said), ""), guessed=not found.chosen)
        return Input("choose", said, confirms=lang is not None and found.lang == lang)   # no longer only guessed
    return Input("choose", said)


def begin(catalog: Catalog, text: Inbound | None, remembered: str | None = None,
          chosen: str | None = None) -> tuple[State, Input]:
    """A new conversation: the main menu with its disclaimer, or the topic a first text names (DERECHOS), in the
    chosen, named, guessed or remembered language; when that is not clear, the language list (lang None)."""
    found = guess(catalog, text) if text is not None else UNCLEAR
    if catalog.has_language(chosen):
        lang, guessed = chosen, False
    elif found.lang:
        lang, guessed = found.lang, not found.chosen and found.lang != remembered
    else:
        lang, guessed = remembered, False
    if lang is None:
        return State(channel="sms"), Input("menu")
    topic = vocabulary(catalog).topics.get((lang, text.words), "") if text is not None else ""
    return State(channel="sms", lang=lang, guessed=guessed), Input("start", lang, topic)


@per_catalog(maxsize=2048)
def pages(catalog: Catalog, lang: str, screen: Screen, guessed: bool = False) -> tuple[SmsReply, ...]:
    """Every page of a screen as text messages of at most three segments (computed once per catalog). The way to
    other languages stays on the first page of the main menu, and of every screen while the language was only
    guessed, however long the page before it."""
    more = written(catalog, lang, fill(catalog, lang, "sms", "more"))
    shown = parts(catalog, lang, "sms", replace(screen, page=0))
    lines = [written(catalog, lang, part.text) for part in shown]
    keep = frozenset(n for n, part in enumerate(shown) if part.kind not in ("body", "notice"))   # listings, options
    switch = written(catalog, lang, fill(catalog, lang, "sms", "languages.footer"))   # the main menu's last line
    if guessed and screen.node not in (MAIN, LANGUAGES) and fits("\n".join(lines + [switch])):
        lines = lines + [switch]
    lead = switch if screen.node == MAIN or (guessed and screen.node != LANGUAGES) else ""
    if screen.brief:   # the numbers a caller asked for: a text the hotline starts, named, with its STOP line first
        lead = written(catalog, lang, fill(catalog, lang, "sms", "textme.stop"))
        lines = [written(catalog, lang, fill(catalog, lang, "sms", "textme.from"))] + lines + [lead]
        keep = frozenset(n + 1 for n in keep)
    return tuple(sized(text) for text in paginate(lines, more, keep=keep, lead=lead))


def language_list(catalog: Catalog, written: Callable[[Catalog, str, str], str]) -> str:
    """The reply while a family's language is not clear: one message, how to choose in English and in Spanish,
    then every language by its own name, each with the number that chooses it."""
    codes = unclear_languages(catalog)
    asked = [written(catalog, code, fill(catalog, code, "sms", "languages")) for code in codes]
    listed = [part.text for part in parts(catalog, codes[0], "sms", Screen(LANGUAGES)) if part.kind == "option"]
    return "\n".join(asked + listed)


@per_catalog(maxsize=1)
def choices(catalog: Catalog) -> SmsReply:
    """The language list as one text message (language_list)."""
    return sized(language_list(catalog, written))


def _page(catalog: Catalog, lang: str, screen: Screen, guessed: bool) -> tuple[SmsReply, ...]:
    """The page of a screen asked for (MORE asks for the next), as one text message."""
    screen_pages = pages(catalog, lang, screen, guessed)
    return (screen_pages[min(screen.page, len(screen_pages) - 1)],)


@dataclass(frozen=True)
class Writer:
    """How one way of texting writes its replies: SMS here, WhatsApp in hotline.whatsapp. The engine's turns and
    render()'s order are the same for both."""

    channel: str
    written: Callable[[Catalog, str, str], str]                 # a text in a language, as sent
    reply: Callable[[str], Any]                                 # a text as a reply (SmsReply, WhatsAppReply)
    screen: Callable[[Catalog, str, Screen, bool], tuple]       # a screen as the messages sent for it
    choices: Callable[[Catalog], Any]                           # the language list, as one reply
    stopped: str = "stopped"                                    # the message that confirms the family's stop word


SMS = Writer("sms", written, sized, _page, choices)   # its stop confirmation names Twilio's STOP


def render(catalog: Catalog, turn: Turn, writer: Writer | None = None) -> list[SmsReply]:
    """The messages for a turn's screens (by SMS each cut to at most three segments): in the conversation's
    language, or while that is not known the language list (one message) or the screen in English and Spanish."""
    writer = writer or SMS
    lang, unclear = turn.state.lang, unclear_languages(catalog)
    replies = []
    for screen in turn.screens if lang is None else ():
        if screen.node == LANGUAGES:   # the list again says "not understood" by itself
            told = [writer.written(catalog, code, fill(catalog, code, "sms", n)) for n in screen.notices
                    if n != "unclear" for code in unclear]
            replies += [writer.reply("\n".join(told))] if told else []
            replies.append(writer.choices(catalog))
    for code in [lang] if lang else unclear:
        for screen in turn.screens:
            if lang is None and screen.node == LANGUAGES:
                continue
            replies += writer.screen(catalog, code, screen, turn.state.guessed)
    return replies


@lru_cache(maxsize=1024)
def document(replies: tuple[SmsReply, ...], status_url: str | None = None) -> str:
    """The TwiML Twilio gets for these replies (made once: replies come from a few pages per language), each
    asking for its delivery status at status_url (Twilio's message status callbacks)."""
    response = MessagingResponse()
    for reply in replies:
        response.message(reply.text, **({"action": status_url, "method": "POST"} if status_url else {}))
    return str(response)


def degraded(catalog: Catalog, text: Inbound, writer: Writer | None = None) -> tuple[Turn, list[SmsReply]]:
    """With no session store: the topic asked for by number or word (else the menu), in the text's
    language, or in English and Spanish when it cannot tell."""
    lang = guess(catalog, text).lang
    codes = [lang] if lang else unclear_languages(catalog)
    replies: list[SmsReply] = []
    written = text.words
    for code in codes:
        said = number_word(catalog, code, written) or written
        chooses = match_option(catalog, catalog.nodes[MAIN], code, said) is not None
        turn = step(catalog, State(channel="sms", lang=code), Input("choose", said) if chooses else Input("start", code))
        replies += render(catalog, turn, writer)
    return turn, replies


def respond(catalog: Catalog, state: State | None, text: Inbound, remembered: str | None = None,
            chosen: str | None = None, restart: bool = False,
            writer: Writer | None = None) -> tuple[Turn, list[SmsReply]]:
    """One text in, the engine's turn and the replies out (by SMS, or the writer's way): all but storage."""
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
    return turn, render(catalog, turn, writer)

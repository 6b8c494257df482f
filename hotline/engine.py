"""The menu engine: state + input -> screens to show + new state + events. Pure: no I/O.

SMS and voice are adapters around this one engine, so a menu or topic changed in
the content files changes for both channels. The engine never touches HTTP,
Redis or Twilio; the adapters turn its Screens into TwiML.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

import orjson

from hotline.content.catalog import Catalog, Node
from hotline.engine_constants import CALLBACK_DIGIT, ERASE_DIGIT, MORE_LANGUAGES_DIGIT, TEXT_ME_DIGIT
from hotline.text import normalize
from hotline.vocabulary import vocabulary

MAIN = "main"
LANGUAGES = "languages"
GOODBYE = "goodbye"
CALLBACK = "callback"          # after hours on a call: what is kept, then confirm a call-back request
CALLBACK_DONE = "callback.done"
CONNECT = "connect"            # on a call: ring the organization just read out
ERASE = "erase"                # on a call: what ERASE deletes, then confirm
FORGOTTEN = "forgotten"        # everything kept for the number was deleted
UNDONE = "not_done"            # a notice: what the caller asked could not be stored, so it was not done
UNSURE = "unsure"              # a notice: on a call, speech the recognizer was not sure of; please press a key
TEXT_ME = "textme"             # on a call: text the caller the numbers of the topic just heard (done by the view)
TEXT_OUTCOMES = ("sent", "again", "failed", "optout", "busy")   # what the caller is told: textme.<outcome>
LANGUAGE_PAGE = 8              # languages offered per page of the call's language menu
STATE_VERSION = 1
SILENCE_LIMIT = 2   # silent prompts in a row before a call ends politely
TURN_LIMIT = 40     # prompts in one call before it ends politely (no endless loops)

InputKind = Literal["start", "choose", "language", "menu", "languages", "repeat", "more", "silence", "unsure"]


@dataclass(frozen=True)
class State:
    """Where one conversation is. A plain value that serializes to JSON with a version."""

    channel: Literal["sms", "voice"] = "sms"
    lang: str | None = None
    node: str = MAIN
    page: int = 0
    misses: int = 0
    turns: int = 0
    after_hours: bool = False
    verified: bool = False   # a call whose caller ID the carrier attested: only then is a number's past used
    withheld: bool = False   # a call with no caller ID: nothing is kept for it, so no call-back and no erase
    texting: bool = False    # a call the hotline can text the numbers it heard to (Twilio's REST API is set up)
    texted: str = ""         # on a call: the topics whose numbers were texted, space-separated (one text each)
    brief: bool = False      # by text: reading a topic's numbers alone (texted after a call), so MORE goes on
    guessed: bool = False    # by text: the language was guessed from what the family wrote, not chosen (a name, the
    #                          list, a remembered choice), so a text clearly in another language switches to it
    version: int = STATE_VERSION   # a field added with a default keeps the version: stored conversations load

    def as_dict(self) -> dict:
        """The state as plain values (for JSON)."""
        return vars(self)   # every field is a plain value

    def changed(self, **changes) -> "State":
        """This state with some fields changed: dataclasses.replace for a State, without its walk through every
        field's definition (a text or a call step makes two or three: a twentieth of a webhook's Python)."""
        if not changes.keys() <= _STATE_FIELDS:
            raise TypeError(f"State has no field {sorted(changes.keys() - _STATE_FIELDS)}")
        new = object.__new__(State)
        new.__dict__.update(self.__dict__, **changes)   # a frozen value, built as __init__ would (no __post_init__)
        return new

    def to_json(self) -> str:
        """A compact JSON form for storage or a URL."""
        return orjson.dumps(vars(self)).decode()

    @classmethod
    def from_json(cls, raw: str | bytes | None, channel: Literal["sms", "voice"] = "sms") -> "State | None":
        """The state in raw, or None when it is absent, unreadable or of another version."""
        try:
            data = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            return None
        return cls.from_dict(data, channel)

    @classmethod
    def from_dict(cls, data: object, channel: Literal["sms", "voice"] = "sms") -> "State | None":
        """The state in plain values, or None when they are not one of this version."""
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return None
        try:
            state = cls(**data)
        except TypeError:
            return None
        ok = (state.channel == channel and isinstance(state.node, str) and isinstance(state.page, int)
              and isinstance(state.misses, int) and isinstance(state.turns, int) and isinstance(state.verified, bool)
              and isinstance(state.withheld, bool) and isinstance(state.texting, bool)
              and isinstance(state.texted, str) and isinstance(state.brief, bool) and isinstance(state.guessed, bool)
              and (state.lang is None or isinstance(state.lang, str)))
        return state if ok else None


_STATE_FIELDS = frozenset(f.name for f in fields(State))


@dataclass(frozen=True)
class Input:
    """What the caller did: chose something, asked for a command, or stayed silent."""

    kind: InputKind
    value: str = ""
    topic: str = ""   # with start or language: a topic to open in that language (a keyword that is also its word)
    guessed: bool = False   # with language: guessed from what the family wrote, not chosen
    confirms: bool = False  # with choose: written in the conversation's guessed language, which it confirms


@dataclass(frozen=True)
class Screen:
    """Something to show or say: a node of the menu (or the language list), with notices before it."""

    node: str
    notices: tuple[str, ...] = ()
    page: int = 0
    target: str = ""   # the resource a CONNECT screen rings, the topic a TEXT_ME screen texts
    brief: bool = False   # a topic without its text: by text, its name and numbers; on a call, what to press next


@dataclass(frozen=True)
class Event:
    """Something that happened, for counting: a topic reached, a language chosen, input not understood."""

    name: str
    value: str = ""


@dataclass(frozen=True)
class Turn:
    """The result of one step: what to show, the new state, what happened, and whether the call ends."""

    screens: tuple[Screen, ...]
    state: State
    events: tuple[Event, ...] = ()
    end: bool = False


def with_notice(turn: Turn, notice: str) -> Turn:
    """The same turn with a notice said or shown before each of its screens."""
    return replace(turn, screens=tuple(replace(s, notices=(notice,) + s.notices) for s in turn.screens))


def step(catalog: Catalog, state: State, event: Input) -> Turn:
    """Advance a conversation by one input."""
    if state.lang is not None and not catalog.has_language(state.lang):
        state = state.changed(lang=None)
    if state.node not in catalog.nodes and state.node not in (LANGUAGES, CALLBACK, ERASE):
        state = state.changed(node=MAIN, page=0)
    state = state.changed(turns=state.turns + 1, guessed=state.guessed and not event.confirms)
    if state.channel == "voice" and state.turns > TURN_LIMIT:
        return _goodbye(state)
    return _HANDLERS[event.kind](catalog, state, event)


def _show(state: State, node: str, *events: Event, notices: tuple[str, ...] = ()) -> Turn:
    new = state.changed(node=node, page=0, misses=0, brief=False)
    return Turn((Screen(node, notices),), new, events)


def _goodbye(state: State) -> Turn:
    return Turn((Screen(GOODBYE),), state, (Event("goodbye"),), end=True)


def _start(catalog: Catalog, state: State, event: Input) -> Turn:
    lang = event.value
    if catalog.has_language(lang):
        return _opened(catalog, state.changed(lang=lang), event.topic, Event("language", lang), notice="intro")
    if state.lang:
        return _show(state, MAIN, Event("topic", MAIN))
    return _show(state, LANGUAGES)


def _opened(catalog: Catalog, state: State, topic: str, *events: Event, notice: str = "") -> Turn:
    """The main menu, or the topic asked for by name (then with the one-line introduction a first text needs)."""
    if topic in catalog.nodes and topic != MAIN:
        return _show(state, topic, *events, Event("topic", topic), notices=(notice,) if notice else ())
    return _show(state, MAIN, *events, Event("topic", MAIN))


def _language(catalog: Catalog, state: State, event: Input) -> Turn:
    if not catalog.has_language(event.value):
        return _show(state, LANGUAGES, Event("unclear"), notices=("unclear",))
    new = state.changed(lang=event.value, guessed=event.guessed)
    return _opened(catalog, new, event.topic, Event("language", event.value))


def _menu(catalog: Catalog, state: State, _: Input) -> Turn:
    if state.lang is None and state.channel == "sms":   # no language yet: the menu is the language list
        return _show(state, LANGUAGES)
    return _show(state, MAIN, Event("topic", MAIN))


def _languages(catalog: Catalog, state: State, _: Input) -> Turn:
    return _show(state, LANGUAGES)


def language_page(catalog: Catalog, channel: str, page: int) -> tuple:
    """The languages on one page of the language menu: all by text, LANGUAGE_PAGE at a time on a call."""
    offered = catalog.offered(channel)
    if channel != "voice" or len(offered) <= LANGUAGE_PAGE + 1:
        return offered
    pages = [offered[i:i + LANGUAGE_PAGE] for i in range(0, len(offered), LANGUAGE_PAGE)]
    return pages[page % len(pages)]


def language_pages(catalog: Catalog, channel: str) -> int:
    """How many pages the language menu has on a channel."""
    offered = len(catalog.offered(channel))
    return 1 if channel != "voice" or offered <= LANGUAGE_PAGE + 1 else -(-offered // LANGUAGE_PAGE)


def _repeat(catalog: Catalog, state: State, _: Input) -> Turn:
    return Turn((Screen(state.node, page=state.page, brief=state.brief),), state.changed(misses=0), (Event("repeat"),))


def _more(catalog: Catalog, state: State, _: Input) -> Turn:
    new = state.changed(page=state.page + 1, misses=0)
    return Turn((Screen(state.node, page=new.page, brief=state.brief),), new, (Event("more"),))


def _silence(catalog: Catalog, state: State, _: Input) -> Turn:
    new = state.changed(misses=state.misses + 1)
    if new.misses >= SILENCE_LIMIT and state.node == LANGUAGES and state.lang is None:
        # A caller who says or presses nothing is not hung up on: English, with how to choose another.
        default = catalog.offered(state.channel)[0].code
        return _show(new.changed(lang=default), MAIN, Event("language", default), Event("topic", MAIN))
    if new.misses >= SILENCE_LIMIT:
        return _goodbye(new)
    return Turn((Screen(state.node, page=state.page),), new, (Event("silence"),))


def _unsure(catalog: Catalog, state: State, _: Input) -> Turn:
    """Words the speech recognizer was not sure of are not acted on (a cough is not a choice): the caller is asked to
    press a key, and hears the same choices again."""
    if state.node in (LANGUAGES, CALLBACK, ERASE):
        menu = state.node
    else:
        node = catalog.nodes[state.node]
        menu = node.id if node.options else MAIN
    new = state.changed(node=menu, page=state.page if menu == LANGUAGES else 0, misses=0, brief=False)
    return Turn((Screen(menu, notices=(UNSURE,), page=new.page),), new, (Event(UNSURE),))


def number_word(catalog: Catalog, lang: str, said: str) -> str | None:
    """The digit a number word stands for ("uno" -> "1"), in the caller's language or English."""
    return vocabulary(catalog).numbers.get(lang, {}).get(said)


def _choose(catalog: Catalog, state: State, event: Input) -> Turn:
    said = event.value   # normalized at the door (hotline.inbound, hotline.voice.read)
    said = number_word(catalog, state.lang or "en", said) or said
    if said == "0":
        return _menu(catalog, state, event)
    if state.node == LANGUAGES:
        if said == MORE_LANGUAGES_DIGIT and language_pages(catalog, state.channel) > 1:
            new = state.changed(page=(state.page + 1) % language_pages(catalog, state.channel), misses=0)
            return Turn((Screen(LANGUAGES, page=new.page),), new)
        lang = match_language(catalog, said, state.channel, state.page)
        return _language(catalog, state, Input("language", lang or ""))
    if state.node == CALLBACK:
        return _callback(catalog, state, said)
    if state.node == ERASE:
        return _erase(catalog, state, said)
    lang = state.lang or "en"
    node = catalog.nodes[state.node]
    # A call changes what is kept for a number (a call-back, an erase) or texts it only when the carrier attests
    # that the caller owns it: anyone can call with anyone's caller ID.
    vouched = state.channel == "voice" and state.verified and not state.withheld
    if vouched and node.id == MAIN and state.after_hours and said == CALLBACK_DIGIT:
        return _show(state, CALLBACK, Event("topic", CALLBACK))
    if vouched and node.id == MAIN and said == ERASE_DIGIT:
        return _show(state, ERASE, Event("topic", ERASE))
    if vouched and state.texting and node.resources and node.id != MAIN and said == TEXT_ME_DIGIT:
        return _text_me(state, node.id)
    if state.channel == "voice" and node.connect and said.isdigit() and 1 <= int(said) <= len(node.resources):
        rid = node.resources[int(said) - 1]
        return Turn((Screen(CONNECT, target=rid),), state.changed(misses=0), (Event("connect", rid),))
    target = match_option(catalog, node, lang, said)
    if target is None and node.id != MAIN:
        target = match_option(catalog, catalog.nodes[MAIN], lang, said)
    if target is None:
        menu = node.id if node.options else MAIN
        return _show(state, menu, Event("unclear"), notices=("unclear",))
    return _show(state, target, Event("topic", target))


def _text_me(state: State, topic: str) -> Turn:
    """The caller asked for this topic's numbers by text: once a topic a call."""
    if topic in state.texted.split():
        return texted(state, topic, "again")
    return Turn((Screen(TEXT_ME, target=topic),), state.changed(misses=0))


def texted(state: State, topic: str, outcome: str) -> Turn:
    """After a TEXT_ME screen, with what came of it (one of TEXT_OUTCOMES): the caller is told, and is back in the
    topic with what to press next."""
    done = f"{state.texted} {topic}".strip() if outcome == "sent" else state.texted
    new = state.changed(node=topic, page=0, misses=0, brief=False, texted=done)
    return Turn((Screen(topic, notices=(f"textme.{outcome}",), brief=True),), new, (Event("textme", outcome),))


def _callback(catalog: Catalog, state: State, said: str) -> Turn:
    if said == "1" and state.verified:   # checked again here: a confirmation only follows an attested offer
        return Turn((Screen(CALLBACK_DONE),), state, (Event("callback", state.lang or ""),), end=True)
    return _show(state, CALLBACK, Event("unclear"), notices=("unclear",))


def _erase(catalog: Catalog, state: State, said: str) -> Turn:
    if said == "1" and state.verified:
        return Turn((Screen(FORGOTTEN),), state, (Event("forget"),), end=True)
    return _show(state, ERASE, Event("unclear"), notices=("unclear",))


def undone(state: State) -> Turn:
    """What the caller asked (a call-back, an erase) could not be stored: say so plainly, then the main menu."""
    return _show(state, MAIN, Event("undone"), notices=(UNDONE,))


def option_words(catalog: Catalog, lang: str, option_goto: str, words: tuple[str, ...] = ()) -> frozenset[str]:
    """All normalized words that choose an option, in the caller's language and English."""
    return vocabulary(catalog).options.get((lang, option_goto), frozenset())


def _contains(said: str, word: str) -> bool:
    return f" {word} " in f" {said} "


def match_option(catalog: Catalog, node: Node, lang: str, said: str) -> str | None:
    """The node an input chooses among a node's options: by digit, else by one unambiguous word."""
    first = said.split(" ", 1)[0] if said else ""
    for opt in node.options:
        if first == opt.digit and (said == first or not said[len(first):].strip().isdigit()):
            return opt.goto
    hits = {opt.goto for opt in node.options if any(_contains(said, w) for w in option_words(catalog, lang, opt.goto))}
    return hits.pop() if len(hits) == 1 else None


def match_language(catalog: Catalog, said: str, channel: str = "sms", page: int = 0) -> str | None:
    """The language an input picks from the language list: its number (on this page), name or keyword; on a call also
    what the speech recognizer writes for its name (heard), or one language's name among other words ("Spanish,
    please")."""
    shown = language_page(catalog, channel, page)
    if said.isdigit() and 1 <= int(said) <= len(shown):
        return shown[int(said) - 1].code
    voice = channel == "voice"
    for lang in catalog.offered(channel):
        names = (lang.name, lang.code) + lang.choosing + (lang.heard if voice else ())
        if any(normalize(n) == said for n in names):
            return lang.code
    named = {lang.code for lang in catalog.offered(channel) if voice
             for n in (lang.name,) + lang.names + lang.heard if normalize(n) and _contains(said, normalize(n))}
    return named.pop() if len(named) == 1 else None


_HANDLERS = {
    "start": _start, "choose": _choose, "language": _language, "menu": _menu,
    "languages": _languages, "repeat": _repeat, "more": _more, "silence": _silence, "unsure": _unsure,
}

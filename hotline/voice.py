"""Voice adapter: keypad or speech -> engine input, and screens -> spoken TwiML.

A call's state travels in the Gather action URL, which Twilio signs along with
the rest of the request, so a call keeps its place even when Redis is away.
"""
from __future__ import annotations

from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline.content.catalog import Catalog
from hotline.engine import LANGUAGES, MAIN, Input, State, Turn, option_words, step
from hotline.render import Part, fill, parts

STEP_URL = "/voice/step"
GATHER_TIMEOUT = 6   # seconds of silence before the prompt counts as unanswered


def start(catalog: Catalog, remembered: str | None) -> Turn:
    """The first turn of a call: the caller's remembered language, else the language choice."""
    state = State(channel="voice", lang=remembered if catalog.has_language(remembered) else None)
    turn = step(catalog, state, Input("start", state.lang or ""))
    return turn


def read(digits: str | None, speech: str | None) -> Input:
    """What the caller did at a prompt: pressed keys, said something, or nothing."""
    digits = (digits or "").strip()
    if digits == "*":
        return Input("repeat")
    if digits:
        return Input("choose", digits)
    if speech and speech.strip():
        return Input("choose", speech)
    return Input("silence")


def resume(catalog: Catalog, raw_state: str | None, digits: str | None, speech: str | None) -> Turn:
    """The next turn of a call from the state in its URL and what the caller did."""
    state = State.from_json(raw_state, "voice")
    if state is None:
        return start(catalog, None)
    return step(catalog, state, read(digits, speech))


def _say(response, catalog: Catalog, part: Part) -> None:
    voice = catalog.language(part.lang).voice or catalog.language("en").voice
    response.say(part.text, language=voice.say, voice=voice.name) if voice.name else response.say(part.text, language=voice.say)


def _greeting(catalog: Catalog, turn: Turn) -> list[Part]:
    if turn.state.turns != 1:
        return []
    codes = [turn.state.lang] if turn.state.lang else [lang.code for lang in catalog.languages[:2]]
    return [Part(fill(catalog, code, "voice", "greeting"), code) for code in codes]


def _hints(catalog: Catalog, turn: Turn) -> str:
    lang = turn.state.lang or "en"
    if turn.state.node == LANGUAGES:
        words = [w for language in catalog.languages for w in (language.name,) + language.keywords]
    else:
        node = catalog.nodes[turn.state.node]
        menu = node if node.options else catalog.nodes[MAIN]
        words = [w for opt in menu.options for w in option_words(catalog, lang, opt.goto, opt.words)]
    return ", ".join(dict.fromkeys(w.lower() for w in words))[:1000]


def render(catalog: Catalog, turn: Turn) -> VoiceResponse:
    """Spoken TwiML for a turn: prompts inside a Gather whose action carries the new state."""
    response = VoiceResponse()
    lang = turn.state.lang
    spoken = _greeting(catalog, turn)
    for screen in turn.screens:
        if turn.end and lang is None:
            spoken += [p for code in [l.code for l in catalog.languages[:2]]
                       for p in parts(catalog, code, "voice", screen)]
        else:
            spoken += parts(catalog, lang or "en", "voice", screen)
    if turn.end:
        for part in spoken:
            _say(response, catalog, part)
        response.hangup()
        return response
    voice = catalog.language(lang).voice or catalog.language("en").voice
    action = f"{STEP_URL}?{urlencode({'s': turn.state.to_json()})}"
    gather = Gather(input="dtmf speech", action=action, method="POST", num_digits=1, timeout=GATHER_TIMEOUT,
                    language=voice.say if lang else "en-US", hints=_hints(catalog, turn),
                    action_on_empty_result=True)
    for part in spoken:
        _say(gather, catalog, part)
    response.append(gather)
    return response


def fallback(catalog: Catalog) -> VoiceResponse:
    """What a caller hears when something inside failed: the Welcome Center number."""
    response = VoiceResponse()
    for language in catalog.languages[:2]:
        _say(response, catalog, Part(fill(catalog, language.code, "voice", "fallback"), language.code))
    response.hangup()
    return response

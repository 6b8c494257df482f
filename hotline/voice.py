"""Voice adapter: keypad or speech -> engine input, and screens -> spoken TwiML.

A call's state travels in the Gather action URL, which Twilio signs along with
the rest of the request, so a call keeps its place even when Redis is away.
Languages Twilio cannot speak are played from audio files (see hotline.audio).
"""
from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline.audio import clip
from hotline.content.catalog import STAFF_LANGUAGES, Catalog
from hotline.content.memo import per_catalog
from hotline.engine import CONNECT, LANGUAGES, MAIN, Input, State, Turn, step, undone, with_notice  # noqa: F401
from hotline.render import Part, fill, parts
from hotline.schedule import FORWARD_TIMEOUT
from hotline.text import bare, normalize, scripts
from hotline.twilio_lists import HINT_MAX_CHARS, HINTS_MAX_ENTRIES
from hotline.schedule import Opening
from hotline.when import closure_words, opening_words

log = logging.getLogger(__name__)

STEP_URL = "/voice/step"
FORWARDED_URL = "/voice/forwarded"
WHISPER_URL = "/voice/whisper"          # the Welcome Center's leg, once it answers: who calls, which key takes it
WHISPER_KEY_URL = "/voice/whisper/key"
GATHER_TIMEOUT = 6     # seconds of silence before a prompt counts as unanswered
CONNECT_TIMEOUT = 30   # seconds an organization rings when a caller asked to be connected


def start(catalog: Catalog, remembered: str | None, after_hours: bool = False, attested: bool = False,
          withheld: bool = False, texting: bool = False) -> Turn:
    """The first turn of a call: the caller's remembered language, else the language choice. Caller ID is
    easily spoofed, so a number's past is used only when the carrier attested it: otherwise a remembered
    number and a stranger hear the very same first answer."""
    usable = remembered if attested else None
    known = usable if usable and any(l.code == usable for l in catalog.offered("voice")) else None
    state = State(channel="voice", lang=known, after_hours=after_hours, verified=attested, withheld=withheld,
                  texting=texting)
    turn = step(catalog, state, Input("start", known or ""))
    return with_notice(turn, "closed") if after_hours and known else turn


def read(state: State, digits: str | None, speech: str | None, confidence: float | None = None,
         sure: float = 0.0) -> Input:
    """What the caller did at a prompt: pressed keys (which win over words), said something the recognizer was sure
    enough of (its confidence at least sure; None when Twilio gave none), said something it was not, or nothing."""
    digits = (digits or "").strip()
    if digits == "*":
        return Input("languages") if state.node == MAIN else Input("repeat")
    if digits:
        return Input("choose", normalize(digits))
    if speech and normalize(speech):
        return Input("unsure") if confidence is not None and confidence < sure else Input("choose", normalize(speech))
    return Input("silence")


def resume(catalog: Catalog, raw_state: str | None, digits: str | None, speech: str | None,
           returning: bool = False, confidence: float | None = None) -> Turn:
    """The next turn of a call from the state in its URL and what the caller did (confidence: Twilio's, for speech;
    the language the Gather listened in says how sure it must be)."""
    state = State.from_json(raw_state, "voice")
    if state is None:
        return start(catalog, None)
    sure = catalog.language(state.lang).confidence
    turn = step(catalog, state, Input("repeat") if returning else read(state, digits, speech, confidence, sure))
    chose_language = any(e.name == "language" for e in turn.events)
    return with_notice(turn, "closed") if state.after_hours and chose_language else turn


def _say(container, catalog: Catalog, part: Part, english: Part | None = None) -> None:
    """Speak a part: a person's recording, else Twilio's voice for the language, else rendered audio, else the
    English text (logged)."""
    voice = catalog.language(part.lang).voice
    found = clip(catalog, part, recordings_only=voice is not None)   # a person's recording wins over any voice
    if voice is not None and not found:
        container.say(part.text, language=voice.say, **({"voice": voice.name} if voice.name else {}))
        return
    if found:
        container.play(f"/audio/{part.lang}/{found}?v={catalog.audio[part.lang][found]}")   # a new file: a new URL
        return
    log.warning("no audio for a prompt", extra={"lang": part.lang, "message_id": part.msg_id})
    if english is not None:
        _say(container, catalog, english)


def _spoken(catalog: Catalog, turn: Turn, opens: Opening | None) -> list[tuple[Part, Part | None]]:
    """What a turn says, each part with its English twin for when a language lacks audio. A date (a reopening more
    than a week away, a long closure ahead) is said only in a language Twilio speaks: audio files cannot hold every
    date, and a date is never worth an English prompt."""
    codes = [turn.state.lang] if turn.state.lang else [lang.code for lang in catalog.offered("voice")[:2]]
    said: list[tuple[Part, Part | None]] = []
    if turn.state.turns == 1:
        said += [(Part(fill(catalog, code, "voice", "greeting"), code, "notice", "greeting"), None) for code in codes]
    for screen in turn.screens:
        if opens is None and "closed" in screen.notices:
            screen = replace(screen, notices=tuple(n for n in screen.notices if n != "closed"))
        flags = {"after_hours": turn.state.after_hours, "withheld": turn.state.withheld, "texting": turn.state.texting,
                 "verified": turn.state.verified}
        for code in (codes if turn.end or screen.node != LANGUAGES else codes[:1]):
            dated = opens is not None and catalog.language(code).voice is not None
            words = opening_words(catalog, code, opens.at, far=opens.far and dated) if opens else {}
            shown = screen
            if dated and opens.closure and "closed" in screen.notices:   # a long closure ahead: said first
                shown = replace(screen, notices=("closure",) + screen.notices)
                words |= closure_words(catalog, code, opens.closure)
            mine = parts(catalog, code, "voice", shown, **flags, **words)
            english: list = [None] * len(mine)
            if catalog.language(code).voice is None:   # only needed where a prompt might lack audio
                twins = parts(catalog, "en", "voice", screen, **flags,
                              **(opening_words(catalog, "en", opens.at) if opens else {}))
                english = twins if len(twins) == len(mine) else english
            said += list(zip(mine, english))
    return said


@per_catalog(maxsize=256)
def _hints(catalog: Catalog, lang: str | None, node: str) -> str:
    """What the caller may say at a prompt, for Twilio's speech recognition in the Gather's language, within Twilio's
    limits: at the language menu the languages' names written in that language's letters (both ways families write
    them: español, espanol); at a menu that language's own words as it writes them, accents and letters kept (a
    spelling without its accents gives way to the one with them: škola, not skola)."""
    listening = catalog.language(lang)
    if node == LANGUAGES:
        letters = scripts(listening.name)
        words = [w for language in catalog.offered("voice") for w in (language.name,) + language.names + language.heard
                 if scripts(w) <= letters and not any(ch.isdigit() for ch in w)]   # 3arabi is typed, not said
        return _within_limits(words)
    if node not in catalog.nodes:
        return ""
    menu = catalog.nodes[node] if catalog.nodes[node].options else catalog.nodes[MAIN]
    table = catalog.messages.get(listening.code, {})
    words = [w.strip().lower() for opt in menu.options for w in table.get(f"{opt.goto}.words", "").split(",")]
    spellings: dict[str, int] = {}
    for word in dict.fromkeys(words):
        spellings[bare(word)] = spellings.get(bare(word), 0) + 1
    return _within_limits([w for w in words if not (spellings[bare(w)] > 1 and w == bare(w))])


def _within_limits(words: list[str]) -> str:
    """Twilio's hints attribute: distinct entries, lower case, at most HINTS_MAX_ENTRIES of HINT_MAX_CHARS each."""
    phrases = [w for w in dict.fromkeys(w.strip().lower() for w in words) if w and len(w) <= HINT_MAX_CHARS]
    return ", ".join(phrases[:HINTS_MAX_ENTRIES])


def _step_url(state: State, **extra: str) -> str:
    return f"{STEP_URL}?{urlencode({'s': state.to_json(), **extra})}"


def render(catalog: Catalog, turn: Turn, opens: Opening | None = None,
           caller_id: str | None = None) -> VoiceResponse:
    """Spoken TwiML for a turn: prompts inside a Gather whose action carries the new state. caller_id is the
    hotline's own number, shown to an organization a caller is connected to (else Twilio's default)."""
    response = VoiceResponse()
    said = _spoken(catalog, turn, opens)
    screen = turn.screens[-1]
    if screen.node == CONNECT:
        for part, english in said:
            _say(response, catalog, part, english)
        response.dial(catalog.resources[screen.target].phone, timeout=CONNECT_TIMEOUT, caller_id=caller_id)
        response.redirect(_step_url(turn.state, back="1"), method="POST")
        return response
    if turn.end:
        for part, english in said:
            _say(response, catalog, part, english)
        response.hangup()
        return response
    # Speech only where Twilio recognizes the language (or a close one); before a choice, the first language's.
    heard = catalog.language(turn.state.lang).speech
    speech = {"language": heard, "hints": _hints(catalog, turn.state.lang, turn.state.node)} if heard else {}
    gather = Gather(input="dtmf speech" if heard else "dtmf", action=_step_url(turn.state), method="POST",
                    num_digits=1, timeout=GATHER_TIMEOUT, action_on_empty_result=True, **speech)
    for part, english in said:
        _say(gather, catalog, part, english)
    response.append(gather)
    return response


@per_catalog(maxsize=1024)
def document(catalog: Catalog, turn: Turn, opens: Opening | None = None, caller_id: str | None = None) -> str:
    """render() as the text Twilio gets, made once per content, turn and opening time (calls repeat them)."""
    return str(render(catalog, turn, opens, caller_id))


def forward(number: str, caller_id: str | None, timeout: int = FORWARD_TIMEOUT) -> VoiceResponse:
    """During open hours: ring the Welcome Center with a whisper for whoever answers (see whisper()), and come back
    to the menu unless a person took the call. The caller ID is the hotline's own number from the configuration
    (HOTLINE_PHONE_NUMBER), never a field of the request."""
    response = VoiceResponse()
    dial = response.dial(caller_id=caller_id, timeout=timeout, action=FORWARDED_URL, method="POST")
    dial.number(number, url=WHISPER_URL, method="POST")
    return response


def whisper(catalog: Catalog) -> VoiceResponse:
    """What the Welcome Center's phone hears once it answers a forwarded call, before the caller is connected: that a
    family is calling the hotline and which key takes the call, in English and Spanish. A person presses it; a
    voicemail or an auto-attendant never does, so its leg ends here and the caller gets the hotline menu."""
    response = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, timeout=GATHER_TIMEOUT, action=WHISPER_KEY_URL, method="POST")
    for code in (c for c in STAFF_LANGUAGES if catalog.has_language(c)):
        _say(gather, catalog, Part(fill(catalog, code, "voice", "whisper"), code, "body", "whisper"))
    response.append(gather)
    response.hangup()
    return response


def connect_staff() -> VoiceResponse:
    """Staff pressed the whisper's key: nothing more on their leg, so Twilio connects them with the caller."""
    return VoiceResponse()


def hang_up() -> VoiceResponse:
    """End the call at once: too many calls this minute, or the Welcome Center took it."""
    response = VoiceResponse()
    response.hangup()
    return response


def fallback(catalog: Catalog) -> VoiceResponse:
    """What a caller hears when something inside failed: the Welcome Center number."""
    response = VoiceResponse()
    for language in catalog.offered("voice")[:2]:
        _say(response, catalog, Part(fill(catalog, language.code, "voice", "fallback"), language.code, "body", "fallback"))
    response.hangup()
    return response

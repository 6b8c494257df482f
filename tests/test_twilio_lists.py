"""Every call, in every language, uses only what Twilio lists: its <Say> voices and languages, its <Gather>
speech languages, its hints limits. The lists are Twilio's own (its Node SDK's types), not ours."""
from __future__ import annotations

import pytest

from hotline.content import load
from hotline.settings import PROJECT_ROOT
from hotline.twilio_lists import HINT_MAX_CHARS, HINTS_MAX_ENTRIES, lists, parse
from tests.conftest import edit
from tests.twilio_client import Call

CATALOG = load(PROJECT_ROOT)[0]
SPOKEN = [language.code for language in CATALOG.offered("voice")]
TWILIO = lists()


def _check(reply, seen: set) -> None:
    for element in reply.root.iter():
        if element.tag == "Say":
            assert element.get("language") in TWILIO["say_language"], element.get("language")
            assert element.get("voice") in TWILIO["say_voice"], element.get("voice")
            seen.add((element.get("language"), element.get("voice")))
        if element.tag == "Gather" and "speech" in element.get("input", ""):
            assert element.get("language") in TWILIO["gather_language"], element.get("language")
            hints = [h.strip() for h in element.get("hints", "").split(",") if h.strip()]
            assert len(hints) <= HINTS_MAX_ENTRIES and all(len(h) <= HINT_MAX_CHARS for h in hints)
            seen.add(("gather", element.get("language")))


def _paths() -> list[tuple[str, ...]]:
    """Every menu a caller can reach from the main menu: each topic and its options, a connection, call-back,
    erase and the language menu's pages."""
    found = [("0",), ("*",), ("*", "9"), ("9",), ("9", "1"), ("8",), ("8", "1"), ("4", "1")]
    for option in CATALOG.nodes["main"].options:
        found += [(option.digit,), (option.digit, "*")]
        found += [(option.digit, sub.digit) for sub in CATALOG.nodes[option.goto].options]
    return found


def _walk(twilio, code: str, seen: set) -> None:
    position = next(i for i, lang in enumerate(CATALOG.offered("voice")) if lang.code == code)
    for n, path in enumerate(_paths()):   # a caller of their own each (one number's calls a minute are limited)
        call = Call(twilio, f"+1860555{2000 + n:04d}", verified=True)
        _check(call.start(), seen)
        for _ in range(position // 8):                            # the language menu's later pages
            _check(call.press("9"), seen)
        _check(call.press(str(position % 8 + 1)), seen)
        for key in path:
            reply = call.press(key)
            _check(reply, seen)
            if reply.root.find("Redirect") is not None:          # connected: back to the list after the call
                _check(call.follow(), seen)
            if reply.gather is None and reply.root.find("Redirect") is None:
                break                                             # the call ended (a call-back asked, an erase)


@pytest.mark.parametrize("code", SPOKEN)
def test_a_walk_of_every_call_menu_uses_only_what_twilio_lists(twilio, code):
    seen: set = set()
    _walk(twilio, code, seen)
    language = CATALOG.language(code)
    if language.voice is not None:
        assert (language.voice.say, language.voice.name) in seen
    if language.speech:
        assert ("gather", language.speech) in seen           # callers may speak, in a code Twilio knows


def test_polish_arabic_chinese_and_the_audio_languages_are_heard_by_twilio():
    assert CATALOG.language("pl").voice.name == "Polly.Ola-Neural"
    assert CATALOG.language("ar").voice.say in TWILIO["say_language"] and CATALOG.language("ar").speech.startswith("ar-")
    assert CATALOG.language("zh").speech == "cmn-Hans-CN"
    for code, speech in (("sw", "sw-"), ("prs", "fa-IR"), ("bs", "hr-HR")):
        assert CATALOG.language(code).voice is None and CATALOG.language(code).speech.startswith(speech)


@pytest.mark.parametrize("change, code", [
    ("name: Polly.Ola-Neural", "name: Polly.Ola"),
    ("say: pl-PL", "say: pl-XX"),
    ("speech: cmn-Hans-CN", "speech: cmn-CN"),
    ("name: Google.uk-UA-Wavenet-A", "name: Google.ru-RU-Wavenet-A"),
])
def test_check_refuses_what_twilio_does_not_list(content_copy, change, code):
    edit(content_copy / "prompts/languages.yaml", change, code)
    catalog, problems = load(content_copy)
    found = [p for p in problems if p.code.startswith("twilio-")]
    assert catalog is None and found and found[0].file == "prompts/languages.yaml" and found[0].line > 1


def test_the_lists_parse_from_twilios_own_type_declarations():
    declarations = '''
    type GatherLanguage = "af-ZA" | "sw-TZ" | "cmn-Hans-CN";
    type SayLanguage = "ar-XA" | "pl-PL";
    type SayVoice = "man" | "Polly.Ola-Neural" | "Google.ar-XA-Chirp3-HD-Aoede";
    '''
    found = parse(declarations)
    assert found["gather_language"] == ["af-ZA", "sw-TZ", "cmn-Hans-CN"]
    assert found["say_voice"][1] == "Polly.Ola-Neural" and found["say_language"] == ["ar-XA", "pl-PL"]
    assert "Polly.Ola" not in TWILIO["say_voice"] and "arb" not in TWILIO["gather_language"]

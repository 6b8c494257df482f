"""Speech on calls: acted on only when Twilio is sure enough, keys first, hints in each language's own letters, and a
language menu that hears the languages' names.

References outside the hotline: Twilio's <Gather> page (SpeechResult and Confidence, 0.0 to 1.0, "Your code
shouldn't expect confidence as a required field"; with input "dtmf speech" the first input detected wins), the
Unicode character database's names for the letters Persian adds to the Arabic alphabet, and lingua's detector
(offline, trained on texts independent of the hotline) for whether the Arabic hints read as Arabic.
"""
from __future__ import annotations

import unicodedata

import pytest
from lingua import Language, LanguageDetectorBuilder

from hotline.content import load
from hotline.settings import PROJECT_ROOT, Settings
from hotline.text import scripts
from tests.conftest import TOKEN, edit
from tests.twilio_client import Call, TwilioClient, call_params

CALLER = "+18605550194"
CATALOG, _ = load(PROJECT_ROOT)
SORRY = "Sorry, please press a key."
MAIN_MENU = "Your child's right to school: press 1."
SCHOOL = "Every child may attend public school"
# The letters Persian (and Dari, Pashto, Urdu) add to the Arabic alphabet, by their Unicode names.
PERSIAN_ONLY = {"ARABIC LETTER FARSI YEH", "ARABIC LETTER KEHEH", "ARABIC LETTER PEH", "ARABIC LETTER TCHEH",
                "ARABIC LETTER JEH", "ARABIC LETTER GAF"}


def in_english(twilio, number: str = CALLER) -> Call:
    call = Call(twilio, number, verified=True)
    call.start()
    call.press("1")
    return call


def hints(reply) -> list[str]:
    return [h.strip() for h in reply.gather.get("hints", "").split(",") if h.strip()]


def test_school_said_with_little_confidence_is_asked_again_with_a_key(twilio):
    call = in_english(twilio)
    unsure = call.say("school", confidence="0.1")
    assert unsure.speech.startswith(SORRY) and MAIN_MENU in unsure.speech and SCHOOL not in unsure.speech
    assert unsure.gather is not None and not unsure.hangup
    assert SCHOOL in call.say("school", confidence="0.93").speech


def test_the_threshold_is_half_by_default(twilio):
    call = in_english(twilio)
    assert call.say("school", confidence="0.49").speech.startswith(SORRY)
    assert SCHOOL in call.say("school", confidence="0.5").speech


def test_a_key_wins_over_words_that_arrive_with_it(twilio):
    call = in_english(twilio)
    both = twilio.post(call.last.gather.get("action"), call_params(CALLER, call.sid, CallStatus="in-progress",
                                                                   Digits="4", SpeechResult="school", Confidence="0.95"))
    assert "For immigration legal help" in both.speech and SCHOOL not in both.speech


def test_speech_without_a_confidence_is_acted_on(twilio):
    """Twilio's <Gather> page: Confidence is not guaranteed to be present."""
    assert SCHOOL in in_english(twilio).say("school", confidence=None).speech


@pytest.mark.parametrize("confidence", ["high", "-0.3", "1.7", "nan"])
def test_a_confidence_that_is_not_one_is_not_sure(twilio, confidence):
    assert in_english(twilio).say("school", confidence=confidence).speech.startswith(SORRY)


def test_unsure_words_are_answered_in_the_callers_language_and_voice(twilio):
    call = Call(twilio, CALLER, verified=True)
    call.start()
    call.press("2")
    unsure = call.say("escuela", confidence="0.2")
    assert unsure.said[0].text == "Perdón, por favor oprima una tecla." and unsure.said[0].voice == "Polly.Lupe-Neural"
    call = Call(twilio, "+18605550195", verified=True)
    call.start()
    call.press("8")                                          # Bosnian: heard from rendered audio
    unsure = call.say("škola", confidence="0.2")
    assert unsure.plays and all(url.startswith("/audio/bs/") for url in unsure.plays) and unsure.said == []


def test_unsure_words_at_the_language_menu_keep_the_menu(twilio):
    call = Call(twilio, CALLER)
    call.start()
    unsure = call.say("español", confidence="0.3")
    assert unsure.speech.startswith(SORRY) and "For English, press 1." in unsure.speech
    assert {s.language for s in call.press("2").said} == {"es-US"}


def test_the_threshold_is_set_per_language_in_the_content(content_copy, settings, redis_client, make_app):
    edit(content_copy / "prompts/languages.yaml", "    speech: es-US\n", "    speech: es-US\n    confidence: 0.95\n")
    twilio = TwilioClient(make_app(Settings(**{**settings.__dict__, "content_dir": content_copy})).test_client(), TOKEN)
    call = Call(twilio, CALLER, verified=True)
    call.start()
    call.press("2")
    assert call.say("escuela", confidence="0.93").said[0].text == "Perdón, por favor oprima una tecla."
    assert SCHOOL in in_english(twilio, "+18605550198").say("school", confidence="0.93").speech   # English keeps 0.5


@pytest.mark.parametrize("line, value, code", [("confidence: 0.5   #", "confidence: 1.5   #", "bad-value"),
                                               ("confidence: 0.5   #", "confidence: high   #", "bad-value"),
                                               ("    speech: es-US\n", "    speech: es-US\n    confidence: -1\n", "bad-value"),
                                               ("confidence: 0.5   #", "confidance: 0.5   #", "unknown-field")])
def test_check_refuses_a_confidence_that_is_not_one(content_copy, line, value, code):
    edit(content_copy / "prompts/languages.yaml", line, value)
    catalog, problems = load(content_copy)
    assert catalog is None and any(p.code == code and "confid" in p.message for p in problems)


# --- Hints: each language's own words, in its own letters ---

def test_arabic_hints_are_in_arabic_letters(twilio):
    call = Call(twilio, CALLER, verified=True)
    call.start()
    menu = call.press("5")
    assert menu.gather.get("language") == "ar-SA"
    words = hints(menu)
    assert "المدرسة" in words and "محامي" in words and len(words) >= 25
    assert all(scripts(w) == {"ARABIC"} for w in words)
    assert not [w for w in words if any(unicodedata.name(ch, "") in PERSIAN_ONLY for ch in w)]
    detector = LanguageDetectorBuilder.from_languages(Language.ARABIC, Language.PERSIAN, Language.URDU).build()
    arabic = [w for w in words if detector.detect_language_of(w) == Language.ARABIC]
    assert len(arabic) >= 0.9 * len(words)          # what remains (حقوق, قانون) Persian writes the same way


def test_latin_hints_keep_their_accents(twilio):
    call = Call(twilio, CALLER, verified=True)
    call.start()
    spanish = hints(call.press("2"))
    assert {"inscripción", "matrícula", "educación", "consejería"} <= set(spanish)
    assert not {"inscripcion", "matricula", "educacion"} & set(spanish)
    call = Call(twilio, "+18605550196", verified=True)
    call.start()
    bosnian = hints(call.press("8"))
    assert "škola" in bosnian and "skola" not in bosnian and "pravna pomoć" in bosnian


def test_dari_and_ukrainian_hints_are_in_their_own_letters():
    from hotline import voice

    assert all(scripts(w) == {"ARABIC"} and not set(w) & set("يىك") for w in voice._hints(CATALOG, "prs", "main").split(", "))
    assert all(scripts(w) == {"CYRILLIC"} for w in voice._hints(CATALOG, "uk", "main").split(", "))


@pytest.mark.parametrize("file, old, new, why", [
    ("translations/ar.yaml", "agents.words: عناصر,", "agents.words: ICE, عناصر,", "Latin letters"),
    ("translations/ar.yaml", "school.words: مدرسة,", "school.words: تسجیل, مدرسة,", "Persian, Dari or Pashto"),
    ("translations/prs.yaml", "school.words: مکتب,", "school.words: مكتب, مکتب,", "Arabic keyboard"),
    ("translations/prs.yaml", "school.words: مکتب,", "school.words: ښوونځی, مکتب,", "only 'ps' uses"),
    ("translations/bs.yaml", "school.words: SKOLA,", "school.words: ШКОЛА, SKOLA,", "Cyrillic letters"),
])
def test_check_refuses_a_hint_in_letters_the_language_does_not_write(content_copy, file, old, new, why):
    edit(content_copy / file, old, new)
    catalog, problems = load(content_copy)
    (found,) = [p for p in problems if p.code == "hint-letters"]
    assert catalog is None and found.file == file and found.line > 1 and why in found.message


def test_the_shipped_hints_pass_the_check():
    _, problems = load(PROJECT_ROOT)
    assert not [p for p in problems if p.code == "hint-letters"]


# --- The language menu hears the languages' names (it listens in English: en-US) ---

NAMES = [("Spanish", "es"), ("español", "es"), ("Espanol", "es"), ("Spanish, please", "es"), ("português", "pt"),
         ("Portuguese", "pt"), ("Kreyol", "ht"), ("Creole", "ht"), ("Polski", "pl"), ("Arabic", "ar"),
         ("Chinese", "zh"), ("Mandarin", "zh"), ("Bosnian", "bs"), ("Dari", "prs"), ("Swahili", "sw"),
         ("Ukrainian", "uk")]


@pytest.mark.parametrize("said, code", NAMES)
def test_saying_a_language_name_at_the_language_menu_chooses_it(twilio, said, code):
    call = Call(twilio, CALLER)
    languages = call.start()
    assert languages.gather.get("language") == "en-US"
    menu = call.say(said, confidence="0.87")
    language = CATALOG.language(code)
    if language.voice is not None:
        assert {s.language for s in menu.said} == {language.voice.say}
    else:
        assert menu.said == [] and all(url.startswith(f"/audio/{code}/") for url in menu.plays)
    assert not menu.speech.startswith("Sorry")


def test_the_language_menu_hints_are_the_names_the_english_recognizer_can_write(twilio):
    words = hints(Call(twilio, CALLER).start())
    assert {"spanish", "español", "espanol", "português", "kreyòl", "creole", "polski", "arabic", "chinese", "mandarin",
            "bosnian", "dari", "swahili", "ukrainian"} <= set(words)
    assert all(scripts(w) <= {"LATIN"} for w in words) and "3arabi" not in words


def test_keys_still_choose_at_the_language_menu_and_two_names_choose_none(twilio):
    call = Call(twilio, CALLER)
    call.start()
    assert "Sorry, I did not understand." in call.say("English or Spanish").speech
    assert call.press("5").said[0].language == "ar-XA"


def test_creole_is_heard_on_calls_only(twilio):
    """A text saying CREOLE may come from a Cape Verdean family: it is not taken for Haitian Creole."""
    assert twilio.text("+18605550197", "creole").messages[0] != CATALOG.text("ht", "intro")

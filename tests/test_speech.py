"""Speech on calls: acted on only when Twilio is sure enough, keys first.

The reference outside the hotline: Twilio's <Gather> page (SpeechResult and Confidence, 0.0 to 1.0, "Your code
shouldn't expect confidence as a required field"; with input "dtmf speech" the first input detected wins).
"""
from __future__ import annotations

import pytest

from hotline.content import load
from hotline.settings import PROJECT_ROOT, Settings
from tests.conftest import TOKEN, edit
from tests.twilio_client import Call, TwilioClient, call_params

CALLER = "+18605550194"
SORRY = "Sorry, please press a key."
MAIN_MENU = "Your child's right to school: press 1."
SCHOOL = "Every child may attend public school"


def in_english(twilio, number: str = CALLER) -> Call:
    call = Call(twilio, number, verified=True)
    call.start()
    call.press("1")
    return call


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

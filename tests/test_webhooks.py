"""/sms, /voice and /healthz as Twilio and a load balancer see them."""
from __future__ import annotations

import pytest

from hotline import conversation
from hotline.settings import Settings
from tests.conftest import TOKEN
from tests.twilio_client import Call, TwilioClient

FAMILY = "+18605550111"
WELCOME = "(860) 695-8400"


def test_first_english_text_gets_menu_and_emergency_line(twilio):
    reply = twilio.text(FAMILY, "Hi")
    assert reply.status == 200 and reply.content_type == "text/xml"
    text = reply.messages[0]
    assert "not legal advice" in text and "911" in text
    assert "4 Free legal help" in text and "LANG" in text


def test_plain_spanish_text_is_answered_in_spanish(twilio):
    text = twilio.text(FAMILY, "buenas noches, tengo miedo por mis hijos").messages[0]
    assert "Responda con un numero" in text and "Ayuda legal gratuita" in text


def test_spanish_keyword_is_answered_in_spanish(twilio):
    assert "Ayuda legal gratuita" in twilio.text(FAMILY, "AYUDA").messages[0]


def test_a_keyword_that_names_a_topic_opens_it_in_that_language(twilio):
    (rights,) = twilio.text(FAMILY, "DERECHOS").messages                 # Spanish "rights": the rights topic
    assert rights.startswith("Linea para familias") and "no asesoria legal" in rights   # who is answering
    assert "orden" in rights and "firmada por un juez" in rights
    (legal,) = twilio.text(FAMILY, "4").messages                         # and the conversation goes on in Spanish
    assert "Ayuda legal de inmigracion" in legal


def test_legal_topic_lists_every_legal_number(twilio):
    twilio.text(FAMILY, "hello")
    text = twilio.text(FAMILY, "4").messages[0]
    for number in ("(860) 692-3085", "(203) 562-2095", "(860) 695-6337", "(860) 541-5030",
                   "(860) 247-3227", "(800) 798-0671"):
        assert number in text


def test_report_topic_gives_federal_civil_rights_offices(twilio):
    twilio.text(FAMILY, "hola")
    text = twilio.read_all(FAMILY, "6", "MAS", "Responda MAS para el resto.")
    assert "(800) 421-3481" in text and "(877) 292-3804" in text and "Derechos Civiles" in text
    assert "(800) 877-8339" in text and "(800) 514-0383" in text   # TDD and TTY lines


def test_menu_word_and_zero_return_to_main_menu(twilio):
    twilio.text(FAMILY, "hello")
    twilio.text(FAMILY, "2")
    assert "Reply with a number" in twilio.text(FAMILY, "menu").messages[0]
    twilio.text(FAMILY, "3")
    assert "Reply with a number" in twilio.text(FAMILY, "0").messages[0]


def test_language_word_offers_the_list_and_switches(twilio):
    twilio.text(FAMILY, "hello")
    listing = twilio.text(FAMILY, "LANG").messages[0]
    assert "1 English" in listing and "2 Español" in listing
    assert "Responda con un numero" in twilio.text(FAMILY, "2").messages[0]
    # The language sticks for the rest of the conversation.
    assert "Ayuda legal de inmigracion" in twilio.text(FAMILY, "4").messages[0]


def test_unrecognized_text_gets_the_menu_with_a_hint(twilio):
    twilio.text(FAMILY, "hello")
    text = twilio.text(FAMILY, "qwerty zxcv").messages[0]
    assert text.startswith("Sorry, I did not understand.")
    assert "1 Your child's right to school" in text


def test_empty_body_still_gets_an_answer(twilio):
    reply = twilio.text(FAMILY, "")
    assert reply.status == 200 and "Reply with the number of your language" in reply.messages[0]


def test_sms_replies_fit_in_three_segments(twilio):
    from hotline.segments import measure

    for lang_word in ("hello", "hola"):
        twilio.text(FAMILY, lang_word)
        for choice in "1234567":
            for message in twilio.text(FAMILY, choice).messages:
                assert measure(message).segments <= 3, message
                assert measure(message).encoding == "GSM-7", message


def test_call_offers_languages_each_in_its_own_voice(twilio):
    reply = Call(twilio, FAMILY).start()
    voices = {s.text: (s.language, s.voice) for s in reply.said}
    assert voices["For English, press 1."] == ("en-US", "Polly.Joanna-Neural")
    assert voices["Para español, oprima 2."] == ("es-US", "Polly.Lupe-Neural")
    gather = reply.gather
    assert gather.get("input") == "dtmf speech" and gather.get("numDigits") == "1"


def test_call_topic_speaks_numbers_digit_by_digit(twilio):
    call = Call(twilio, FAMILY)
    call.start()
    call.press("1")
    speech = call.press("4").speech
    assert "8 6 0, 5 4 1, 5 0 3 0" in speech   # Greater Hartford Legal Aid
    assert "press star" in speech.lower()


def test_call_by_speech_in_spanish(twilio):
    call = Call(twilio, FAMILY)
    call.start()
    menu = call.press("2")
    assert menu.gather.get("language") == "es-US"
    assert "ayuda legal de inmigración" in call.say("quiero hablar con un abogado").speech


def test_star_repeats_and_zero_goes_to_menu(twilio):
    call = Call(twilio, FAMILY)
    call.start()
    call.press("1")
    topic = call.press("3").speech
    assert call.press("*").speech == topic
    assert "press 4" in call.press("0").speech


def test_silence_twice_ends_the_call_with_the_welcome_center(twilio):
    call = Call(twilio, FAMILY)
    call.start()
    call.press("1")
    assert call.wait().gather is not None
    last = call.wait()
    assert last.hangup and "8 6 0, 6 9 5, 8 4 0 0" in last.speech


def test_returning_caller_goes_straight_to_their_language(twilio):
    call = Call(twilio, FAMILY, verified=True)
    call.start()
    call.press("2")
    again = Call(twilio, FAMILY, verified=True).start()
    assert "oprima 4" in again.speech and "press 1" not in again.speech


def test_a_family_that_texted_in_spanish_hears_spanish_when_calling(twilio):
    twilio.text(FAMILY, "hola")
    assert "oprima 1" in Call(twilio, FAMILY, verified=True).start().speech


def test_tampered_voice_state_starts_over(twilio):
    reply = twilio.post("/voice/step?s=%7Bnot-json", {"From": FAMILY, "Digits": "1"})
    assert reply.status == 200 and "press 1" in reply.speech


@pytest.mark.parametrize("path", ["/sms", "/voice", "/voice/step"])
def test_forged_or_missing_signature_is_refused(app, twilio, redis_client, path):
    params = {"From": FAMILY, "Body": "hola", "Digits": "1"}
    assert twilio.post(path, params, signature="forged+signature=").status == 403
    assert twilio.post(path, params, signature="").status == 403
    assert redis_client.keys("*") == []   # nothing was saved


def test_changed_parameter_breaks_the_signature(twilio, app):
    url = "http://localhost/sms"
    signed = twilio.validator.compute_signature(url, {"From": FAMILY, "Body": "hola"})
    assert twilio.post("/sms", {"From": FAMILY, "Body": "STOP"}, signature=signed).status == 403


def test_without_an_auth_token_every_webhook_refuses(settings, redis_client, make_app):
    app = make_app(Settings(**{**settings.__dict__, "twilio_auth_token": None}))
    client = TwilioClient(app.test_client(), TOKEN)
    assert client.text(FAMILY, "hola").status == 403
    assert client.call(FAMILY).status == 403


def test_public_url_is_what_signatures_are_checked_against(settings, redis_client, make_app):
    app = make_app(Settings(**{**settings.__dict__, "public_url": "https://hotline.example.org"}))
    client = TwilioClient(app.test_client(), TOKEN)
    params = {"From": FAMILY, "Body": "hola"}
    assert client.post("/sms", params, signed_url="https://hotline.example.org/sms").status == 200
    assert client.post("/sms", params).status == 403   # signed for http://localhost


def test_forwarded_https_behind_a_proxy_is_honoured(twilio):
    params = {"From": FAMILY, "Body": "hola"}
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hotline.example.org"}
    reply = twilio.post("/sms", params, headers=headers, signed_url="https://hotline.example.org/sms")
    assert reply.status == 200


def test_an_inside_failure_still_gives_the_welcome_center_number(twilio, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(conversation, "text", broken)
    reply = twilio.text(FAMILY, "hola")
    assert reply.status == 200 and WELCOME in reply.messages[0]


def test_voice_failure_still_gives_the_welcome_center_number(twilio, monkeypatch):
    from hotline import voice

    monkeypatch.setattr(voice, "start", lambda *a: 1 / 0)
    reply = twilio.call(FAMILY)
    assert reply.status == 200 and "8 6 0, 6 9 5, 8 4 0 0" in reply.speech and reply.hangup


def test_healthz_ok(app):
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["redis"] == "ok" and body["content"]


def test_redis_down_is_degraded_and_texts_are_still_answered(settings, redis_client, make_app):
    dead = Settings(**{**settings.__dict__, "redis_url": "redis://127.0.0.1:1/0"})
    app = make_app(dead)
    health = app.test_client().get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "degraded"
    client = TwilioClient(app.test_client(), TOKEN)
    assert "Ayuda legal gratuita" in client.text(FAMILY, "hola").messages[0]
    assert "8 6 0, 5 4 1, 5 0 3 0" in (lambda c: (c.start(), c.press("1"), c.press("4"))[-1])(Call(client, FAMILY)).speech


def test_embedded_store_serves_without_redis(settings, make_app):
    app = make_app(Settings(**{**settings.__dict__, "redis_url": None}))
    assert app.test_client().get("/healthz").get_json()["redis"] == "embedded"
    client = TwilioClient(app.test_client(), TOKEN)
    client.text(FAMILY, "hola")
    assert "(860) 541-5030" in client.text(FAMILY, "4").messages[0]


def test_a_first_text_of_a_digit_gets_the_languages_then_the_menu_and_disclaimer(twilio):
    (languages,) = twilio.text(FAMILY, "4").messages                  # a digit says nothing of a language
    assert "Reply with the number of your language" in languages and "4 Kreyòl ayisyen" in languages
    (text,) = twilio.text(FAMILY, "1").messages                       # English: every answer from now on
    assert "not legal advice" in text and "1 Your child's right to school" in text

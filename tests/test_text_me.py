"""A caller presses 8 and gets the numbers they heard by text: sent through a local stand-in for Twilio's REST API
(tests.twilio_api), from the hotline's own number, in the caller's language; never to a hidden number or one
that texted STOP, and a refusal from Twilio is told to the caller while the call goes on."""
from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from bidi import get_display

from hotline.rtl import MARKS
from hotline.stats import Stats
from tests.conftest import SECRET, TOKEN
from tests.servers import Gunicorn
from tests.twilio_client import ACCOUNT, HOTLINE, Call, TwilioClient, call_params

CALLER = "+18604620321"
LEGAL_NUMBERS = ["(860) 692-3085", "(203) 562-2095", "(860) 695-6337", "(860) 541-5030", "(860) 247-3227",
                 "(800) 798-0671", "(203) 946-4811"]   # prompts/resources.yaml: the legal topic's organizations


@pytest.fixture
def app(rest_settings, redis_client, make_app):
    return make_app(rest_settings)


def _legal(twilio, number: str = CALLER, language_digit: str = "1", verified: bool = True) -> Call:
    call = Call(twilio, number, verified=verified)
    call.start()
    call.press(language_digit)
    call.press("4")
    return call


def test_a_caller_gets_the_legal_numbers_by_text_once(twilio, twilio_api, redis_client, app, logged):
    call = _legal(twilio)
    assert "To get these numbers by text message, press 8." in call.last.speech
    after = call.press("8")
    assert "We sent these numbers to your phone in a text message." in after.speech
    assert "CIRI" not in after.speech and after.gather is not None           # back in the topic, not read again
    (text,) = twilio_api.outbox
    assert text["to"] == CALLER and text["from"] == HOTLINE
    assert text["body"].startswith("Hartford Public Schools family line\nFree legal help\n")   # named, as carriers
    assert text["body"].endswith("\nReply STOP to stop.")                                      # expect, with STOP
    assert all(number in text["body"] for number in LEGAL_NUMBERS)
    again = call.press("8")
    assert "We already sent these numbers to your phone during this call." in again.speech
    assert len(twilio_api.outbox) == 1
    assert "CIRI" in call.press("*").speech                                 # star: the topic again, in full
    counts = Stats(app.extensions["hotline"].store).days(app.extensions["hotline"].today(), 1)[0][1]
    assert counts["outcome:numbers texted"] == 1 and counts["outcome:numbers not texted"] == 1
    assert not any(CALLER.encode() in key or CALLER[2:].encode() in key for key in redis_client.keys("*"))
    assert CALLER[2:] not in logged.getvalue() and "692-3085" not in logged.getvalue()   # no number, no body


def test_an_arabic_caller_gets_them_in_arabic_in_order_and_more_brings_the_rest(twilio, twilio_api):
    call = _legal(twilio, language_digit="5")
    assert "للحصول على هذه الأرقام في رسالة نصية، اضغط 8." in call.last.speech
    assert "أرسلنا هذه الأرقام إلى هاتفك في رسالة نصية." in call.press("8").speech
    (text,) = twilio_api.outbox
    first = text["body"]
    assert first.startswith("(1/3) خط عائلات مدارس هارتفورد\nمساعدة قانونية")
    assert first.endswith('أرسل STOP للإيقاف.\nأرسل "المزيد" للباقي.')           # STOP on the first text too
    pages = [first]
    while pages[-1].endswith('أرسل "المزيد" للباقي.') and len(pages) < 5:   # the family replies MORE
        pages += twilio.text(CALLER, "المزيد").messages
    assert len(pages) == 3
    shown = "\n".join(get_display(line) for line in "\n".join(pages).split("\n"))   # as phones draw each line
    shown = "".join(ch for ch in shown if ch not in MARKS)
    assert all(number in shown for number in LEGAL_NUMBERS)


def test_spanish_too_and_each_text_fits_three_segments(twilio, twilio_api):
    call = _legal(twilio, language_digit="2")
    assert "Le enviamos estos números a su teléfono en un mensaje de texto." in call.press("8").speech
    (text,) = twilio_api.outbox
    assert text["body"].startswith("(1/2) Linea para familias de las Escuelas Publicas de Hartford\nAyuda legal")
    assert "(860) 692-3085" in text["body"] and "Responda STOP para no recibir mas." in text["body"]
    assert len(text["body"]) <= 3 * 153


@pytest.mark.parametrize("withheld", ["anonymous", "+266696687"])
def test_a_hidden_number_is_not_offered_a_text_and_gets_none(twilio, twilio_api, withheld):
    call = _legal(twilio, number=withheld, verified=False)
    assert "text message" not in call.last.speech
    assert "Sorry, I did not understand." in call.press("8").speech
    assert twilio_api.outbox == [] and not [r for r in twilio_api.requests if r[0] == "POST"]


def test_a_number_that_texted_stop_gets_no_text_and_is_told_why(twilio, twilio_api):
    twilio.text(CALLER, "STOP")
    heard = _legal(twilio).press("8").speech
    assert "This phone number asked us not to send text messages." in heard
    assert twilio_api.outbox == [] and twilio_api.requests == []   # Twilio was not even asked


def test_a_caller_id_nobody_attested_never_learns_whether_the_number_opted_out(twilio, twilio_api):
    twilio.text(CALLER, "STOP")
    heard = []
    for number in (CALLER, "+18604620322"):            # one texted STOP, the other never wrote
        call = _legal(twilio, number=number, verified=False)
        heard.append([call.last.speech, call.press("8").speech])
    assert heard[0] == heard[1]                          # the same words, whatever the number's past
    assert "To get these numbers by text message, send a text message to this number." in heard[0][0]
    assert "press 8" not in heard[0][0] and twilio_api.outbox == []


@pytest.mark.parametrize("code", [21614, 21610, 21211])
def test_a_refusal_from_twilio_is_told_and_the_call_goes_on(twilio, twilio_api, code, logged):
    twilio_api.refused[CALLER] = code                  # 21614: not a mobile number (a landline)
    call = _legal(twilio, verified=True)
    heard = call.press("8").speech
    told = ("This phone number asked us not to send text messages." if code == 21610
            else "Sorry, we could not send a text message to this phone.")
    assert told in heard and call.last.gather is not None
    assert "Free legal help" in call.press("0").speech             # the call goes on: the main menu
    lines = logged.getvalue()
    assert f'"error":"Twilio error {code} (HTTP 400)"' in lines
    assert CALLER not in lines and CALLER[2:] not in lines


def test_twilio_asking_again_sends_nothing_twice(twilio, twilio_api):
    call = _legal(twilio)
    gather = call.last.gather.get("action")
    first = call.press("8")
    again = twilio.post(gather, {**call_params(CALLER, call.sid), "CallStatus": "in-progress", "Digits": "8"})
    assert again.body == first.body                    # the same answer ...
    assert len(twilio_api.outbox) == 1                 # ... and one text


def test_without_a_twilio_account_nothing_is_offered(settings, redis_client, make_app, twilio_api):
    twilio = TwilioClient(make_app(settings).test_client(), TOKEN)   # no TWILIO_ACCOUNT_SID
    call = _legal(twilio)
    assert "text message" not in call.last.speech
    assert "Sorry, I did not understand." in call.press("8").speech
    assert twilio_api.requests == []



def test_under_the_procfiles_gunicorn_the_text_goes_and_nothing_is_logged(twilio_api, redis_url, redis_client,
                                                                            tmp_path):
    """The Procfile's gevent workers reach Twilio's API (here, its stand-in) while answering the webhook."""
    server = Gunicorn({"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET.decode(),
                       "TWILIO_ACCOUNT_SID": ACCOUNT, "HOTLINE_PHONE_NUMBER": HOTLINE,
                       "HOTLINE_TWILIO_API_URL": twilio_api.url}, tmp_path / "server.log").start()
    try:
        call = call_params(CALLER, StirVerstat="TN-Validation-Passed-A")
        status, body = server.post("/voice", call)
        if ET.fromstring(body).find("Dial") is not None:          # open hours: the Welcome Center does not answer
            status, body = server.post("/voice/forwarded", {**call, "DialCallStatus": "no-answer"})
        for digit in ("1", "4", "8"):
            action = ET.fromstring(body).find("Gather").get("action")
            status, body = server.post(action, {**call, "CallStatus": "in-progress", "Digits": digit})
            assert status == 200
    finally:
        server.stop()
    assert "We sent these numbers to your phone in a text message." in body
    (text,) = twilio_api.outbox
    assert text["to"] == CALLER and text["from"] == HOTLINE and "(860) 692-3085" in text["body"]
    log = server.log()
    assert "TWILIO_ACCOUNT_SID is not set" not in log and "HOTLINE_TWILIO_RETENTION is not set" in log
    assert CALLER[2:] not in log and "692-3085" not in log


def test_check_and_the_start_up_log_say_when_texting_and_purging_are_off(twilio_api):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "HOTLINE_", "REDIS_URL"))}

    def check(**env: str) -> str:
        done = subprocess.run([sys.executable, "-m", "hotline.cli", "check"], capture_output=True, text=True,
                              env={**base, **env})
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    off = check()
    assert "note: TWILIO_ACCOUNT_SID is not set: callers cannot get the numbers they heard by text" in off
    on = check(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, HOTLINE_PHONE_NUMBER=HOTLINE,
               HOTLINE_TWILIO_RETENTION="24h")
    assert "note:" not in on
    assert "note: HOTLINE_PHONE_NUMBER is not set" in check(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN)

"""Open hours: the Welcome Center is rung with a whisper, and only a person's key press ends the hotline's part.

Twilio's own pages are the reference. <Number url>: TwiML "run on the called party's end, after they answer, but
before the parties are connected", where <Gather> and <Hangup> let them decline. <Dial action>: DialCallStatus is
completed, answered, busy, no-answer, failed or canceled, with DialCallSid, DialCallDuration and DialBridged ("whether
or not the dialing call has been connected to the dialed destination"); "completed" is also what a voicemail or an
auto-attendant that answered gets. The leg a <Dial> rings is a call of its own whose requests carry ParentCallSid,
"the call that created this leg". Neither page names a status for a leg that answered and hung up in the whisper
without being connected: it answered (so not no-answer), and was not connected (DialBridged false); both completed
and no-answer are tested for it.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hotline.content import load
from hotline.settings import Settings
from tests.conftest import TOKEN, RedisServer, edit
from tests.twilio_client import Call, TwilioClient

OPEN = dt.datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("America/New_York"))   # a Monday morning
CALLER = "+18605550191"
WELCOME_CENTER = "+18606958400"
WHISPER_EN = "Hartford Public Schools family line: a family is calling. Press 1 to take the call."
WHISPER_ES = ("Línea para familias de las Escuelas Públicas de Hartford: una familia está llamando. "
              "Oprima 1 para tomar la llamada.")
MENU = "For English, press 1."


@pytest.fixture
def call(twilio, now):
    now.value = OPEN
    forwarded = Call(twilio, CALLER)
    forwarded.start()
    return forwarded


def test_open_hours_ring_the_welcome_center_through_a_whisper(call):
    dial = call.last.root.find("Dial")
    number = dial.find("Number")
    assert number.text.strip() == WELCOME_CENTER and number.get("url") == "/voice/whisper"
    assert dial.get("action") == "/voice/forwarded" and dial.get("timeout") == "25"
    whisper = call.answered()
    gather = whisper.gather
    assert gather.get("input") == "dtmf" and gather.get("numDigits") == "1" and int(gather.get("timeout")) > 0
    assert [(s.text, s.language) for s in whisper.said] == [(WHISPER_EN, "en-US"), (WHISPER_ES, "es-US")]
    assert list(whisper.root)[-1].tag == "Hangup"      # no key: Twilio goes on to hang up that leg


def test_a_staff_key_press_connects_and_the_call_then_ends(call, redis_client):
    call.answered()
    taken = call.staff_press("1")
    assert taken.status == 200 and len(taken.root) == 0      # an empty <Response/>: Twilio connects the two
    (key,) = redis_client.scan_iter("hotline:taken:*")
    assert call.sid.encode() not in key and CALLER[2:].encode() not in key
    assert redis_client.get(key) == b"1" and 0 < redis_client.ttl(key) <= 4 * 3600 + 600
    end = call.dial_ends("completed", bridged=True, seconds=312)   # staff hung up after five minutes
    assert end.hangup and end.said == [] and end.gather is None
    assert 0 < redis_client.ttl(key) <= 300            # the call is over: kept only while Twilio may ask again
    assert call.dial_ends("completed", bridged=True).hangup   # Twilio asked again: the same answer


@pytest.mark.parametrize("status", ["completed", "no-answer"])
def test_a_machine_that_never_presses_gives_the_caller_the_menu_at_once(call, status):
    whisper = call.answered()                   # a voicemail greeting: the whisper plays into it, no key comes
    assert whisper.gather.get("action") == "/voice/whisper/key"
    menu = call.dial_ends(status, bridged=False, seconds=14)
    assert MENU in menu.speech and menu.gather is not None and not menu.hangup
    assert "Free legal help: press 4." in call.press("1").speech


def test_a_voicemail_reported_completed_is_not_taken_for_a_person(call):
    """The attack that found the flaw: a plain Dial's voicemail answers, Twilio says completed, the hotline hung up."""
    call.answered()
    assert MENU in call.dial_ends("completed", bridged=False, seconds=40).speech


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed", "canceled"])
def test_a_welcome_center_that_never_answers_gives_the_caller_the_menu(call, status):
    menu = call.dial_ends(status, bridged=False)          # no leg answered: no whisper was ever requested
    assert MENU in menu.speech and menu.gather is not None


def test_a_key_on_another_call_takes_only_that_call(twilio, now):
    now.value = OPEN
    first, second = Call(twilio, CALLER), Call(twilio, "+18605550192")
    first.start(), second.start()
    first.answered(), second.answered()
    first.staff_press("1")
    assert MENU in second.dial_ends("completed", bridged=False).speech    # the second reached a voicemail
    assert first.dial_ends("completed", bridged=True).hangup


def test_after_a_voicemail_an_attested_caller_hears_their_own_language(twilio, now):
    before = Call(twilio, CALLER, verified=True)
    before.start()
    before.press("2")                                   # Spanish, chosen after hours and remembered
    now.value = OPEN
    call = Call(twilio, CALLER, verified=True)
    call.start()
    call.answered()
    menu = call.dial_ends("completed", bridged=False)
    assert "Ayuda legal gratuita: oprima 4." in menu.speech and MENU not in menu.speech
    assert "Para escuchar" not in menu.speech and "call you back" not in menu.speech


def test_an_unattested_caller_id_gets_no_remembered_language_after_a_voicemail(twilio, now):
    before = Call(twilio, CALLER, verified=True)
    before.start()
    before.press("2")
    now.value = OPEN
    spoofed = Call(twilio, CALLER)                      # the same caller ID, not attested by the carrier
    spoofed.start()
    spoofed.answered()
    assert MENU in spoofed.dial_ends("completed", bridged=False).speech


def test_the_whisper_and_its_key_are_refused_without_twilios_signature(call):
    call.answered()
    assert call.twilio.post("/voice/whisper", {"CallSid": "CA1"}, signature="forged").status == 403
    assert call.twilio.post("/voice/whisper/key", {"Digits": "1", "ParentCallSid": call.sid},
                            signature="forged").status == 403
    assert MENU in call.dial_ends("completed", bridged=False).speech   # a forged key press took nothing


def test_with_redis_away_twilios_dialbridged_decides(tmp_path, settings, now, make_app):
    server = RedisServer(tmp_path).start()
    try:
        app = make_app(Settings(**{**settings.__dict__, "redis_url": server.url}))
        twilio = TwilioClient(app.test_client(), TOKEN)
        now.value = OPEN
        taken, machine = Call(twilio, CALLER), Call(twilio, "+18605550193")
        taken.start(), machine.start()
        server.stop()
        taken.answered()
        assert len(taken.staff_press("1").root) == 0       # staff are connected all the same
        machine.answered()
        assert taken.dial_ends("completed", bridged=True).hangup
        assert MENU in machine.dial_ends("completed", bridged=False).speech
    finally:
        server.stop()


def test_the_ringing_time_is_the_schedules(content_copy, settings, redis_client, now, make_app):
    edit(content_copy / "prompts/schedule.yaml", "forward_timeout: 25", "forward_timeout: 40")
    app = make_app(Settings(**{**settings.__dict__, "content_dir": content_copy}))
    now.value = OPEN
    assert TwilioClient(app.test_client(), TOKEN).call(CALLER).root.find("Dial").get("timeout") == "40"


def test_taken_calls_are_counted_without_a_number(call, redis_client):
    call.answered()
    call.staff_press("1")
    call.dial_ends("completed", bridged=True)
    counts = {k.decode(): v for key in redis_client.scan_iter("hotline:stats:*") for k, v in redis_client.hgetall(key).items()}
    assert counts.get("outcome:taken by staff") == b"1" and counts.get("outcome:forwarded") == b"1"
    assert not any(CALLER[2:] in k for k in counts)


@pytest.mark.parametrize("value", ["3", "601", "thirty", "25.5"])
def test_check_refuses_a_ringing_time_twilio_would_not_take(content_copy, value):
    """Twilio's <Dial> page: timeout is at least 5 seconds and at most 600."""
    edit(content_copy / "prompts/schedule.yaml", "forward_timeout: 25", f"forward_timeout: {value}")
    catalog, problems = load(content_copy)
    (found,) = [p for p in problems if p.severity == "error"]
    assert catalog is None and found.file == "prompts/schedule.yaml" and "forward_timeout" in found.message

"""Calls: open hours, after hours, call-backs, connecting, audio, and calls that end politely."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import pytest

from hotline.callbacks import Callbacks
from hotline.keys import Keys
from hotline.redis_link import connect
from hotline.sessions import Store
from hotline.settings import Settings
from tests.conftest import SECRET, TOKEN, edit
from tests.twilio_client import Call, TwilioClient

HARTFORD = ZoneInfo("America/New_York")
CALLER = "+18605550190"
HOTLINE_NUMBER = "+18605550000"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HARTFORD)


def english_menu(twilio) -> str:
    call = Call(twilio, CALLER, verified=True)
    call.start()
    return call.press("1").speech


def test_open_hours_ring_the_welcome_center_with_the_district_number(twilio, now):
    now.value = at(2026, 11, 30, 10, 0)                  # a Monday morning
    reply = twilio.call(CALLER)
    dial = reply.root.find("Dial")
    assert dial is not None and dial.find("Number").text.strip() == "+18606958400"
    assert dial.get("callerId") == HOTLINE_NUMBER and dial.get("timeout") == "25"
    assert dial.get("action") == "/voice/forwarded"


def test_the_caller_id_comes_from_the_configuration_never_from_the_request(twilio, now, settings, make_app):
    now.value = at(2026, 11, 30, 10, 0)
    reply = twilio.call("client:alice", To="client:alice")                  # a SIP or browser client call
    assert reply.root.find("Dial").get("callerId") == HOTLINE_NUMBER
    unset = TwilioClient(make_app(Settings(**{**settings.__dict__, "phone_numbers": ()})).test_client(), TOKEN)
    assert unset.call(CALLER, To="client:alice").root.find("Dial").get("callerId") is None


@pytest.mark.parametrize("command", [["check"], ["serve", "--port", "0"]])
def test_a_hotline_number_that_is_not_e164_is_refused_by_name(command):
    env = {**os.environ, "HOTLINE_PHONE_NUMBER": "860-555-0000"}
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "-m", "hotline.cli", *command], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode != 0
    assert "HOTLINE_PHONE_NUMBER: '860-555-0000' is not a phone number in E.164 form" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
def test_unanswered_welcome_center_falls_back_to_the_menu(twilio, now, status):
    now.value = at(2026, 11, 30, 10, 0)
    reply = twilio.post("/voice/forwarded", {"From": CALLER, "To": HOTLINE_NUMBER, "DialCallStatus": status})
    assert "For English, press 1." in reply.speech and reply.gather is not None
    menu = twilio.post(reply.gather.get("action"), {"From": CALLER, "Digits": "1"})
    assert "call you back" not in menu.speech             # call-backs are for after hours


def test_after_hours_says_when_the_welcome_center_opens(twilio, now):
    now.value = at(2026, 11, 30, 20, 0)                  # Monday evening
    speech = english_menu(twilio)
    assert "The Welcome Center is closed now. It opens Tuesday at 8:00\u202fAM." in speech or \
        "The Welcome Center is closed now. It opens Tuesday at 8:00 AM." in speech
    assert "To ask the Welcome Center to call you back, press 9." in speech


def test_after_hours_in_spanish_says_it_in_spanish(twilio, now):
    now.value = at(2026, 12, 4, 17, 0)                   # Friday after closing
    call = Call(twilio, CALLER, verified=True)
    call.start()
    speech = call.press("2").speech
    assert "El Centro de Bienvenida está cerrado ahora. Abre el lunes a las" in speech


def test_a_holiday_is_closed(twilio, now):
    now.value = at(2026, 12, 25, 10, 0)                  # Christmas Day, a Friday
    assert twilio.call(CALLER).root.find("Dial") is None
    assert "It opens Monday at 8:00" in english_menu(twilio)


def test_a_one_off_closure_is_closed(content_copy, settings, redis_client, now, make_app):
    edit(content_copy / "prompts/schedule.yaml", "closures: []", "closures:\n  - { date: 2026-11-30, name: Snow day }")
    now.value = at(2026, 11, 30, 10, 0)
    app = make_app(Settings(**{**settings.__dict__, "content_dir": content_copy}))
    client = TwilioClient(app.test_client(), TOKEN)
    assert client.call(CALLER).root.find("Dial") is None
    assert "It opens Tuesday at 8:00" in english_menu(client)


def test_returning_caller_hears_their_language_and_how_to_change_it(twilio):
    first = Call(twilio, CALLER, verified=True)
    first.start()
    first.press("3")                                       # Portuguese
    again = Call(twilio, CALLER, verified=True)            # the carrier attests the caller ID
    menu = again.start()
    assert "Para escolher outro idioma, pressione asterisco." in menu.speech
    assert "For English, press 1." not in menu.speech
    assert "For English, press 1." in again.press("*").speech


def test_silence_at_the_language_choice_defaults_to_english_not_a_hang_up(twilio):
    call = Call(twilio, CALLER, verified=True)
    call.start()
    assert "For English, press 1." in call.wait().speech   # repeated once
    menu = call.wait()
    assert not menu.hangup and "Free legal help: press 4." in menu.speech
    assert "To choose another language, press star." in menu.speech


def test_callback_request_end_to_end(twilio, redis_client, redis_url, now):
    call = Call(twilio, CALLER, verified=True)
    call.start()
    call.press("1")
    explained = call.press("9").speech
    assert "14 days" in explained and "phone number" in explained and "language" in explained
    assert "immigration" not in explained.lower() and "status" not in explained.lower()
    done = call.press("1")
    assert done.hangup and "will call you back" in done.speech
    keys = list(redis_client.scan_iter("hotline:callback:*"))
    assert len(keys) == 1
    raw = redis_client.get(keys[0])
    assert CALLER.encode() not in raw and CALLER[2:].encode() not in raw   # encrypted
    assert redis_client.ttl(keys[0]) == -1                                   # kept with no TTL: never evicted ...
    due = redis_client.zscore("hotline:expiry", keys[0]) - time.time()
    assert 13 * 86400 < due <= 14 * 86400                                   # ... and swept after 14 days
    keys, others = Keys.derive(SECRET), Keys.derive(b"another secret, 32 characters long")
    store, other = Store(connect(redis_url), keys.numbers), Store(connect(redis_url), others.numbers)
    try:
        (request,) = Callbacks(store, keys.callbacks).pending()
        assert request.number == CALLER and request.lang == "en" and request.requested_at == now.value
        assert Callbacks(other, others.callbacks).pending() == []   # no one else can read it
    finally:
        store.client.close()
        other.client.close()

    env = {**os.environ, "REDIS_URL": redis_url, "HOTLINE_SECRET": SECRET.decode()}
    listed = subprocess.run([sys.executable, "-m", "hotline.cli", "callbacks"], capture_output=True, text=True, env=env)
    assert listed.returncode == 0 and CALLER in listed.stdout and " en " in listed.stdout
    cleared = subprocess.run([sys.executable, "-m", "hotline.cli", "callbacks", "--clear"],
                             capture_output=True, text=True, env=env)
    assert "cleared 1" in cleared.stdout
    assert list(redis_client.scan_iter("hotline:callback:*")) == []


def test_going_back_from_the_callback_explanation_stores_nothing(twilio, redis_client):
    call = Call(twilio, CALLER, verified=True)
    call.start()
    call.press("1")
    call.press("9")
    assert "Free legal help: press 4." in call.press("0").speech
    assert list(redis_client.scan_iter("hotline:callback:*")) == []


def test_connect_dials_the_organization_read_out(twilio):
    call = Call(twilio, CALLER, verified=True)
    call.start()
    call.press("1")
    call.press("4")
    reply = call.press("6")
    assert "Connecting you to Connecticut Legal Services." in reply.speech
    assert reply.root.find("Dial").text.strip() == "+18007980671"
    assert "/voice/step" in reply.root.findtext("Redirect")
    assert "To be connected now" in call.follow().speech   # back at the list if no one answers


def test_a_call_that_loops_ends_politely(twilio):
    call = Call(twilio, CALLER, verified=True)
    call.start()
    call.press("1")
    for _ in range(60):
        reply = call.press("2")
        if reply.hangup:
            break
    assert reply.hangup and "8 6 0, 6 9 5, 8 4 0 0" in reply.speech


def test_audio_is_served_with_caching_headers(app, twilio):
    call = Call(twilio, CALLER, verified=True)
    call.start()
    url = call.press("4").plays[0]                         # Haitian Creole, rendered audio
    with app.test_client().get(url) as response:
        assert response.status_code == 200 and response.mimetype in ("audio/wav", "audio/x-wav")
        assert "max-age=86400" in response.headers["Cache-Control"] and response.data[:4] == b"RIFF"
    for bad in ("/audio/ht/nothing.wav", "/audio/ht/../../pyproject.toml", "/audio/xx/a.wav",
                "/audio/ht/rendered/../../../../README.md"):
        assert app.test_client().get(bad).status_code == 404


AUDIO_TOOLS = bool(shutil.which("espeak-ng") and shutil.which("sox"))


@pytest.mark.skipif(not AUDIO_TOOLS and not os.environ.get("HOTLINE_REQUIRE_AUDIO_TOOLS"),
                    reason="needs espeak-ng and sox (apt-get install espeak-ng sox); CI installs and requires them")
def test_hotline_audio_renders_changed_prompts_as_8khz_mono(content_copy):
    assert AUDIO_TOOLS, "espeak-ng and sox are required here (HOTLINE_REQUIRE_AUDIO_TOOLS is set)"
    edit(content_copy / "translations/sw.yaml", 'unclear: "Samahani, hatukuelewa."', 'unclear: "Samahani, hatujaelewa."')
    env = {**os.environ, "HOTLINE_CONTENT_DIR": str(content_copy)}
    result = subprocess.run([sys.executable, "-m", "hotline.cli", "audio", "--lang", "sw"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "sw: rendered 1 prompts" in result.stdout and "removed 1 no longer used" in result.stdout
    newest = max((content_copy / "prompts/audio/sw/rendered").glob("*.wav"), key=lambda p: p.stat().st_mtime)
    info = subprocess.run(["soxi", str(newest)], capture_output=True, text=True).stdout
    assert "Sample Rate    : 8000" in info and "Channels       : 1" in info
    report = subprocess.run([sys.executable, "-m", "hotline.cli", "audio", "--report"],
                            capture_output=True, text=True, env=env).stdout
    assert "ps: 0 of" in report and "needs recordings" in report and re.search(r"sw: (\d+) of \1 prompts", report)


def test_recordings_make_pashto_callable_and_win_over_rendered_audio(content_copy, settings, redis_client, now, make_app):
    from hotline import audio
    from hotline.content import load

    catalog, _ = load(content_copy)
    sample = next((content_copy / "prompts/audio/sw/rendered").glob("*.wav")).read_bytes()
    for name, _text in audio.recording_script(catalog, "ps"):   # a volunteer records every prompt listed
        path = content_copy / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sample)
    catalog, _ = load(content_copy)
    assert catalog.language("ps").spoken                        # the list included its own offer on the language menu
    swahili = next(p for p in audio.script(catalog, "sw") if p.msg_id == "unclear")
    recorded = content_copy / f"prompts/audio/sw/recorded/{audio.recording_name(swahili)}.wav"
    recorded.parent.mkdir(parents=True, exist_ok=True)
    recorded.write_bytes(sample)

    app = make_app(Settings(**{**settings.__dict__, "content_dir": content_copy}))
    catalog = app.extensions["hotline"].catalog
    assert audio.clip(catalog, swahili).startswith("recorded/")      # a person's recording wins
    assert audio.missing(catalog, "ps") == []
    client = TwilioClient(app.test_client(), TOKEN)
    call = Call(client, CALLER, verified=True)
    call.start()
    offers = call.press("9").plays
    assert any(url.startswith("/audio/ps/recorded/") for url in offers)
    position = 1 + [l.code for l in catalog.offered("voice")][8:].index("ps")
    menu = call.press(str(position))
    assert menu.plays and all(url.startswith("/audio/ps/recorded/") for url in menu.plays)


def test_a_family_that_only_calls_can_erase_too(twilio, redis_client):
    twilio.text(CALLER, "hola")                                  # a language and a conversation are kept
    call = Call(twilio, CALLER, verified=True)
    menu = call.start().speech                                   # Spanish: remembered from the text
    assert "oprima 8" in menu and "borrar" in menu
    explained = call.press("8").speech
    assert "Para borrar, oprima 1" in explained and "Para volver, oprima 0" in explained
    done = call.press("1")
    assert done.hangup and "borramos todo" in done.speech
    assert [k for k in redis_client.scan_iter("hotline:*") if not k.startswith((b"hotline:rate:all:",
            b"hotline:stats:", b"hotline:once:"))] == []   # once: Twilio's call step ids, hashed, for 5 minutes
    assert "number of your language" in twilio.text(CALLER, "4").messages[0]   # a stranger again: not Spanish

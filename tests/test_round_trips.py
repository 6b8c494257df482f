"""A webhook costs one Redis round trip at most: writes wait for the next read, and none is lost."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
from redis.connection import AbstractConnection

from hotline import sessions
from tests.conftest import TOKEN
from tests.twilio_client import Call, TwilioClient

NUMBER, CALLER = "+18605550131", "+18605550132"
SPANISH_LEGAL_HELP = "Ayuda legal de inmigracion"
CIRI = "(860) 692-3085"


@pytest.fixture
def round_trips(app, redis_client, monkeypatch):
    """Every send to Redis (a pipeline or a script is one send), with the writer thread held back. Not counted:
    the connection's handshake and, on a Redis that has just started, loading the script (once)."""
    monkeypatch.setattr(sessions, "WRITE_DELAY", 3600)
    redis_client.script_load(sessions.LOAD)
    assert app.extensions["hotline"].store.health() == "ok"
    sends = []
    send = AbstractConnection.send_packed_command

    def counted(connection, command, check_health=True):
        sends.append(command)
        return send(connection, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    return sends


def test_texts_and_calls_cost_one_round_trip_each_and_their_writes_arrive(app, twilio, redis_client, round_trips,
                                                                          settings, make_app):
    assert "Linea para familias" in twilio.text(NUMBER, "hola").messages[0]
    (legal,) = twilio.text(NUMBER, "4").messages    # only right if "hola" was kept, in Spanish
    assert SPANISH_LEGAL_HELP in legal and CIRI in legal
    assert "Responda con un numero" in twilio.text(NUMBER, "0").messages[0]
    assert len(round_trips) == 3

    call = Call(twilio, CALLER)
    call.start()
    assert "Ayuda legal" in call.press("2").speech    # Spanish, chosen at the language menu
    assert len(round_trips) == 4                      # the call's start; the choice was queued

    app.extensions["hotline"].store.flush()
    assert len(round_trips) == 5
    other_worker = TwilioClient(make_app(settings).test_client(), TOKEN)   # another process, the same Redis
    (menu,) = other_worker.text(NUMBER, "4").messages
    assert SPANISH_LEGAL_HELP in menu
    assert "oprima" in Call(other_worker, CALLER).start().speech        # the remembered language


def test_erase_is_not_undone_by_a_write_still_waiting(app, twilio, redis_client, round_trips):
    twilio.text(NUMBER, "hola")
    twilio.text(NUMBER, "4")                           # its new position waits in the queue
    assert "borramos todo" in twilio.text(NUMBER, "BORRAR").messages[0]
    app.extensions["hotline"].store.flush()
    assert [k for k in redis_client.scan_iter("hotline:*") if not k.startswith(b"hotline:rate:all:")] == []
    assert "Reply with a number" in twilio.text(NUMBER, "4").messages[0]   # a new conversation, in English


def test_an_idle_worker_sends_its_writes_by_itself(app, twilio, redis_client):
    twilio.text(NUMBER, "hola")
    deadline = time.monotonic() + 10
    while not list(redis_client.scan_iter("hotline:sms:*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(redis_client.scan_iter("hotline:sms:*")), "the writer thread never sent the conversation"
    assert redis_client.get(next(redis_client.scan_iter("hotline:lang:*"))) == b"es"


def test_writes_still_queued_are_sent_when_the_worker_exits(redis_url, redis_client):
    program = ("import sys; from hotline import sessions; from hotline.engine import State; "
               "sessions.WRITE_DELAY = 3600; "
               "store = sessions.Store(sessions.connect(sys.argv[1]), b'secret'); "
               f"assert store.save('{NUMBER}', State(lang='pt'))")
    done = subprocess.run([sys.executable, "-c", program, redis_url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    (key,) = list(redis_client.scan_iter("hotline:lang:*"))
    assert redis_client.get(key) == b"pt" and redis_client.ttl(key) > 89 * 86400

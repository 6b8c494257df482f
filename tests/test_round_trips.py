"""Every answer is written before it is sent, in at most two Redis round trips; retries change nothing;
two texts from one number never step from the same stored position. On a real redis-server."""
from __future__ import annotations

import pytest
from redis.connection import AbstractConnection

from hotline import sessions
from tests.conftest import TOKEN
from tests.twilio_client import Call, TwilioClient, sid

NUMBER, CALLER = "+18605550131", "+18605550132"
SPANISH_LEGAL_HELP = "Ayuda legal de inmigracion"
CIRI = "(860) 692-3085"


@pytest.fixture
def round_trips(app, twilio, redis_client, monkeypatch):
    """Every send to Redis (a pipeline or a script is one send). Not counted: the connections' handshakes and,
    on a Redis that has just started, loading the script (once): a first text from another number does those."""
    redis_client.script_load(sessions.WRITE)
    assert twilio.text("+18605550100", "hello").messages
    sends = []
    send = AbstractConnection.send_packed_command

    def counted(connection, command, check_health=True):
        sends.append(command)
        return send(connection, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    return sends


def _state(redis_client, kind: str) -> dict[bytes, bytes]:
    return {k: redis_client.dump(k) for k in redis_client.scan_iter(f"hotline:{kind}:*")}


def test_each_answer_is_in_redis_when_it_arrives_in_two_round_trips(app, twilio, redis_client, round_trips,
                                                                     settings, make_app):
    other_worker = TwilioClient(make_app(settings).test_client(), TOKEN)   # another process, the same Redis
    assert other_worker.text("+18605550101", "hello").messages
    round_trips.clear()                                                     # its start-up and handshake
    assert "Linea para familias" in twilio.text(NUMBER, "hola").messages[0]
    assert len(round_trips) == 2
    (legal,) = other_worker.text(NUMBER, "4").messages    # right only if "hola" was stored before its answer
    assert SPANISH_LEGAL_HELP in legal and CIRI in legal
    assert "Responda con un numero" in twilio.text(NUMBER, "0").messages[0]
    assert len(round_trips) == 6

    call = Call(twilio, CALLER)
    call.start()
    assert len(round_trips) == 8
    assert "Ayuda legal" in call.press("2").speech and call.press("4")    # Spanish, then a topic
    assert len(round_trips) == 12
    assert "oprima" in Call(other_worker, CALLER).start().speech        # the language, stored before the answer


def test_a_retried_message_gets_the_same_reply_and_changes_nothing(twilio, redis_client):
    twilio.text(NUMBER, "hola")
    params = {"From": NUMBER, "To": "+18605550000", "Body": "2", "NumMedia": "0", "MessageSid": sid("SM")}
    first = twilio.post("/sms", params)
    sessions_before, counts_before = _state(redis_client, "sms"), _state(redis_client, "stats")
    again = twilio.post("/sms", params)                 # Twilio did not hear back in time and sends it again
    assert again.status == 200 and again.messages == first.messages and "ICE" in first.messages[0]
    assert _state(redis_client, "sms") == sessions_before and _state(redis_client, "stats") == counts_before
    (records,) = twilio.text(NUMBER, "1").messages      # stepped once: "1" in the agents topic is student records
    assert "FERPA" in records


def test_a_retried_call_step_gets_the_same_reply_and_changes_nothing(twilio, redis_client):
    call = Call(twilio, CALLER, verified=True)
    call.start()
    call.press("1")                                          # English
    menu = call.last
    callback = call.press("9")                               # after hours: what a call-back keeps
    done = call.press("1")
    assert "will call you back" in done.speech
    kept, counts = _state(redis_client, "callback"), _state(redis_client, "stats")
    again = twilio.post(callback.gather.get("action"), {"From": CALLER, "CallSid": call.sid, "Digits": "1"})
    assert again.body == done.body
    assert _state(redis_client, "callback") == kept and _state(redis_client, "stats") == counts
    assert menu.gather is not None


def test_two_texts_at_once_never_step_from_the_same_position(app, twilio, redis_client, settings, make_app,
                                                             monkeypatch):
    """A text read by one worker while another worker answers a text from the same number: compare-and-set
    makes the first read again and step from what the other stored."""
    other_worker = TwilioClient(make_app(settings).test_client(), TOKEN)
    twilio.text(NUMBER, "hello")                                  # the main menu
    store = app.extensions["hotline"].store
    commit = store.commit
    interleaved = []

    def commit_after_the_other_worker(number, changes, **kwargs):
        if not interleaved:       # between this worker's read and its write, the other worker answers "2"
            interleaved.append(other_worker.text(NUMBER, "2").messages[0])
        return commit(number, changes, **kwargs)

    monkeypatch.setattr(store, "commit", commit_after_the_other_worker)
    (reply,) = twilio.text(NUMBER, "1").messages
    assert "ICE" in interleaved[0]                         # the other worker's text: the agents topic
    assert "FERPA" in reply                                # "1" read from agents (student records), not from the
    assert "Plyler" not in reply                           # main menu it was first read at (school)
    (stored,) = [redis_client.get(k) for k in redis_client.scan_iter("hotline:sms:*")]
    assert b'"node":"records"' in stored

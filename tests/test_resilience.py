"""Redis outages, floods, replays and failures: the hotline keeps answering and keeps nothing it should not."""
from __future__ import annotations

import io
import json
import logging

import pytest
import redis

from hotline import conversation
from hotline.logs import JsonFormatter
from hotline.settings import Settings
from tests.conftest import TOKEN, RedisServer
from tests.twilio_client import Call, TwilioClient

NUMBER = "+18605550177"


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own, to stop and start again."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def test_redis_outage_and_recovery(own_redis, settings, now, make_app):
    app = make_app(Settings(**{**settings.__dict__, "redis_url": own_redis.url}))
    client, store = TwilioClient(app.test_client(), TOKEN), app.extensions["hotline"].store
    client.text(NUMBER, "hola")
    assert app.test_client().get("/healthz").get_json()["status"] == "ok"

    own_redis.stop()
    # The topic asked for by number, in English and Spanish when the text names no language.
    replies = client.text(NUMBER, "4").messages
    assert len(replies) == 2 and "(860) 541-5030" in replies[0]
    assert replies[0].startswith("Immigration legal help") and replies[1].startswith("Ayuda legal de inmigracion")
    assert not store.available()              # Redis is left alone for a few seconds: no wait per request
    assert client.text(NUMBER, "hola").messages[0].startswith("Linea para familias")   # the keyword's language
    health = app.test_client().get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "degraded"
    call = Call(client, NUMBER, verified=True)
    call.start()
    assert "8 6 0, 5 4 1, 5 0 3 0" in (call.press("1"), call.press("4"))[-1].speech   # calls carry their own state

    own_redis.start()
    assert app.test_client().get("/healthz").get_json()["status"] == "ok"     # recovery is automatic
    client.text(NUMBER, "hola")
    assert "Ayuda legal de inmigracion" in client.text(NUMBER, "4").messages[0]
    assert len(client.text(NUMBER, "4").messages) == 1                     # one language again: state is back
    assert redis.Redis.from_url(own_redis.url).keys("hotline:sms:*")


def test_one_number_flooding_gets_no_replies_others_still_do(twilio, redis_client):
    answered = [bool(twilio.text(NUMBER, "hola").messages) for _ in range(25)]
    assert answered[:20] == [True] * 20 and answered[20:] == [False] * 5
    reply = twilio.text(NUMBER, "hola")
    assert reply.status == 200 and reply.root.tag == "Response" and len(reply.root) == 0
    assert twilio.text("+18605550178", "hola").messages


def test_a_text_over_the_limit_changes_nothing_and_is_counted_as_such(twilio, redis_client):
    for _ in range(20):
        assert twilio.text(NUMBER, "hola").messages
    kept = {key: redis_client.dump(key) for pattern in ("hotline:sms:*", "hotline:lang:*")
            for key in redis_client.scan_iter(pattern)}
    day = next(redis_client.scan_iter("hotline:stats:*"))
    before = redis_client.hgetall(day)
    assert twilio.text(NUMBER, "4").messages == []          # stepped to legal help, then refused: nothing stored
    assert {key: redis_client.dump(key) for key in kept} == kept
    after = redis_client.hgetall(day)
    assert int(after[b"outcome:rate limited"]) == int(before.get(b"outcome:rate limited", 0)) + 1
    assert int(after[b"sms"]) == int(before[b"sms"]) + 1                 # one more text came in
    assert not [key for key in after if key.startswith(b"topic:")]        # but no topic was reached
    for key in redis_client.scan_iter("hotline:rate:*"):    # a minute later
        redis_client.delete(key)
    assert "Linea para familias" in twilio.text(NUMBER, "hola").messages[0]   # answered again


def test_the_whole_hotline_has_a_ceiling_per_minute(settings, redis_client, now, make_app):
    app = make_app(Settings(**{**settings.__dict__, "rate_per_minute": 5}))
    client = TwilioClient(app.test_client(), TOKEN)
    answered = [bool(client.text(f"+1860557{n:04d}", "hola").messages) for n in range(8)]
    assert answered == [True] * 5 + [False] * 3


def test_calls_from_one_number_are_limited_too(twilio):
    results = [twilio.call(NUMBER) for _ in range(22)]
    assert all(r.gather is not None for r in results[:20])
    assert results[21].hangup and results[21].said == []


def test_a_replayed_signature_with_other_parameters_is_refused(twilio, redis_client):
    params = {"From": NUMBER, "Body": "hola"}
    signature = twilio.validator.compute_signature("http://localhost/sms", params)
    assert twilio.post("/sms", params, signature=signature).status == 200
    assert twilio.post("/sms", params, signature=signature).status == 200          # the same request again is fine
    assert twilio.post("/sms", {**params, "From": "+18605550999"}, signature=signature).status == 403
    assert twilio.post("/sms", {**params, "Extra": "1"}, signature=signature).status == 403
    assert twilio.post("/voice", params, signature=signature).status == 403          # another URL


def test_wrong_token_is_refused(settings, redis_client, make_app):
    app = make_app(settings)
    wrong = TwilioClient(app.test_client(), "not-the-token")
    assert wrong.text(NUMBER, "hola").status == 403


def test_a_failure_logs_no_number_or_text_and_answers_with_the_welcome_center(twilio, monkeypatch):
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("hotline").addHandler(handler)

    def broken(catalog, store, number, body, **kwargs):
        raise ValueError(f"cannot handle {number}: {body}")

    monkeypatch.setattr(conversation, "text", broken)
    try:
        reply = twilio.text(NUMBER, "my secret words")
    finally:
        logging.getLogger("hotline").removeHandler(handler)
    assert reply.status == 200 and "(860) 695-8400" in reply.messages[0]
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert any(l["event"] == "webhook failed" and l["error"] == "ValueError" for l in lines)
    text = captured.getvalue()
    assert NUMBER not in text and NUMBER[2:] not in text and "secret words" not in text


def test_every_request_logs_one_json_line_with_its_facts(twilio):
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("hotline").addHandler(handler)
    try:
        twilio.text(NUMBER, "hola")
        twilio.call(NUMBER)
    finally:
        logging.getLogger("hotline").removeHandler(handler)
    lines = [line for line in map(json.loads, captured.getvalue().splitlines()) if line["event"] == "request"]
    assert [l["route"] for l in lines] == ["/sms", "/voice"]
    for line in lines:
        assert {"request_id", "route", "status", "duration_ms", "lang", "node", "outcome"} <= set(line)
    assert lines[0]["lang"] == "es" and lines[0]["segments"] >= 1 and lines[0]["encoding"] == "GSM-7"


# --- honest when Redis is away ---------------------------------------------------------------------------

NOT_DONE_ES = "no pudimos hacerlo en este momento"


def test_with_redis_stopped_nothing_that_needs_storing_is_confirmed(own_redis, settings, make_app):
    app = make_app(Settings(**{**settings.__dict__, "redis_url": own_redis.url}))
    client = TwilioClient(app.test_client(), TOKEN)
    client.text(NUMBER, "hola")
    client.text("+18605550190", "hola")
    client.text("+18605550190", "PARAR")                     # opted out while Redis was up
    own_redis.stop()
    for word in ("BORRAR", "PARAR", "EMPEZAR"):
        replies = client.text(NUMBER, word).messages             # in the word's own language (PARAR: es and pt)
        assert replies and all("(860) 695-8400" in reply and "Reply with a number" not in reply
                               and "Responda" not in reply and "borramos todo" not in reply for reply in replies)
    for word in ("START", "STOP", "HELP"):                       # Twilio answers its own words (and keeps its list)
        assert client.text(NUMBER, word).messages == []
    assert NOT_DONE_ES in client.text(NUMBER, "PARAR").messages[0]
    assert client.text("+18605550190", "4").messages == []   # this worker saw it opted out: still nothing

    call = Call(client, NUMBER, verified=True)
    call.start()
    call.press("1")
    assert "14 days" in call.press("9").speech
    after = call.press("1")
    assert "will call you back" not in after.speech and not after.hangup
    assert "could not do that right now" in after.speech and "8 6 0, 6 9 5, 8 4 0 0" in after.speech
    assert "press 8" in after.speech and "To delete, press 1" in call.press("8").speech
    erased = call.press("1")
    assert "we deleted everything" not in erased.speech and "could not do that right now" in erased.speech

    own_redis.start()
    assert app.test_client().get("/healthz").get_json()["status"] == "ok"
    assert "borramos todo" in client.text(NUMBER, "BORRAR").messages[0]


def test_after_one_number_floods_other_families_and_their_commands_are_answered(settings, redis_client, make_app):
    app = make_app(Settings(**{**settings.__dict__, "rate_per_minute": 40}))
    client = TwilioClient(app.test_client(), TOKEN)
    flood = [bool(client.text(NUMBER, "hola").messages) for _ in range(120)]
    assert flood.count(True) == 20                          # its own limit; the rest are not counted for everyone
    answered = [bool(client.text(f"+1860557{n:04d}", "hola").messages) for n in range(19)]
    assert all(answered)
    assert [bool(client.text(f"+1860556{n:04d}", "hola").messages) for n in range(3)] == [True, False, False]
    family = "+18605550150"                                  # the hotline-wide ceiling is reached now
    assert client.text(family, "ENFO").messages and client.text(family, "ERASE").messages   # the hotline's help word
    assert client.text(family, "STOP").messages == []          # Twilio's: Twilio answers it
    assert list(redis_client.scan_iter("hotline:optout:*"))  # stored, though the hotline was at its ceiling


@pytest.mark.parametrize("options, expected", [(("--save", "", "--appendonly", "yes"), "aof"),
                                               (("--save", "900 1", "--appendonly", "no"), "rdb"),
                                               (("--save", "", "--appendonly", "no"), "none")])
def test_healthz_says_whether_redis_keeps_opt_outs_across_a_restart(tmp_path, settings, make_app, options, expected,
                                                                    caplog):
    server = RedisServer(tmp_path, *options).start()
    try:
        with caplog.at_level(logging.WARNING, logger="hotline"):
            app = make_app(Settings(**{**settings.__dict__, "redis_url": server.url}))
        health = app.test_client().get("/healthz").get_json()
        assert health["persistence"] == expected
        warned = any("Redis keeps nothing on disk" in r.getMessage() for r in caplog.records)
        assert warned == (expected == "none")
    finally:
        server.stop()

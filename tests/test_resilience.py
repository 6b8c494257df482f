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
    call = Call(client, NUMBER)
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


def test_the_whole_hotline_has_a_ceiling_per_minute(settings, redis_client, now, make_app):
    app = make_app(Settings(**{**settings.__dict__, "rate_per_minute": 5}))
    client = TwilioClient(app.test_client(), TOKEN)
    answered = [bool(client.text(f"+1860555{n:04d}", "hola").messages) for n in range(8)]
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
    lines = [json.loads(line) for line in captured.getvalue().splitlines() if '"event": "request"' in line]
    assert [l["route"] for l in lines] == ["/sms", "/voice"]
    for line in lines:
        assert {"request_id", "route", "status", "duration_ms", "lang", "node", "outcome"} <= set(line)
    assert lines[0]["lang"] == "es" and lines[0]["segments"] >= 1 and lines[0]["encoding"] == "GSM-7"

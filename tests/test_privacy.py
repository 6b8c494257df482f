"""No phone number or message body is kept in the clear, and every key expires."""
from __future__ import annotations

import io
import logging

from hotline.logs import JsonFormatter
from tests.twilio_client import Call

NUMBERS = ["+18605550177", "+12035550188"]
SECRET_WORDS = "my son Pedro at Burns school"


def _forms(number: str) -> list[str]:
    digits = number.lstrip("+")
    return [number, digits, digits[1:], f"{digits[1:4]}-{digits[4:7]}-{digits[7:]}"]


def test_conversations_leave_no_numbers_or_bodies_in_redis_or_logs(app, twilio, redis_client):
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("hotline")
    logger.addHandler(handler)
    try:
        for number in NUMBERS:
            for body in ("hola", "4", SECRET_WORDS, "IDIOMA", "1", "MENU"):
                assert twilio.text(number, body).status == 200
            call = Call(twilio, number)
            call.start()
            call.press("2")
            call.say(SECRET_WORDS)
            call.press("4")
        twilio.post("/sms", {"From": NUMBERS[0], "Body": "x"}, signature="forged")
    finally:
        logger.removeHandler(handler)

    keys = list(redis_client.scan_iter("*"))
    assert any(k.startswith(b"hotline:sms:") for k in keys), "the conversations should have been stored"
    assert any(k.startswith(b"hotline:lang:") for k in keys), "the languages should have been stored"
    blob = b"\n".join(keys + [redis_client.dump(k) or b"" for k in keys]).decode("latin-1")
    log_text = captured.getvalue()
    assert log_text.count("\n") >= 10
    for number in NUMBERS:
        for form in _forms(number):
            assert form not in blob, f"{form} found in Redis"
            assert form not in log_text, f"{form} found in the log"
    assert "Pedro" not in blob and "Pedro" not in log_text
    for key in keys:   # by a Redis TTL, or (what no memory policy may evict) by the hotline's own sweep
        if key == b"hotline:expiry":
            continue
        assert redis_client.ttl(key) > 0 or redis_client.zscore("hotline:expiry", key), f"{key!r} never expires"

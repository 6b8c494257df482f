"""Staff pages: access, counts without identities, the simulator's endpoints. (Attacks on them: test_attacks.)"""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from hotline.logs import JsonFormatter
from hotline.settings import Settings
from tests.twilio_client import Call

ADMIN = "s3cret-admin-token"
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}


class Staff:
    """A staff member's browser: signed in once by the ?token= link, then its session cookie and the page's
    anti-forgery token, as the pages' own forms and scripts send it."""

    def __init__(self, client):
        self.client = client
        signed_in = client.get(f"/simulator?token={ADMIN}", environ_base=ELSEWHERE)
        assert signed_in.status_code == 303
        page = client.get("/simulator", environ_base=ELSEWHERE).get_data(as_text=True)
        self.csrf = page.split('name="csrf-token" content="')[1].split('"')[0]

    def get(self, path: str):
        return self.client.get(path, environ_base=ELSEWHERE)

    def post(self, path: str, **kwargs):
        return self.send("POST", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self.send("PUT", path, **kwargs)

    def send(self, method: str, path: str, **kwargs):
        kwargs.setdefault("headers", {})["X-CSRF-Token"] = self.csrf
        return self.client.open(path, method=method, environ_base=ELSEWHERE, **kwargs)


@pytest.fixture
def app(settings, redis_client, make_app):
    return make_app(Settings(**{**settings.__dict__, "admin_token": ADMIN}))


@pytest.fixture
def staff(app) -> Staff:
    return Staff(app.test_client())


def test_admin_token_guards_the_pages_and_is_never_logged(app):
    client = app.test_client()
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("hotline").addHandler(handler)
    try:
        assert client.get("/stats", environ_base=ELSEWHERE).status_code == 401
        assert client.get("/stats?token=wrong-guess", environ_base=ELSEWHERE).status_code == 401
        assert client.get("/stats", headers={"Authorization": "Bearer wrong-guess"}).status_code == 401
    finally:
        logging.getLogger("hotline").removeHandler(handler)
    assert "wrong-guess" not in captured.getvalue() and "refused" in captured.getvalue()
    assert client.get("/stats", headers={"Authorization": f"Bearer {ADMIN}"}, environ_base=ELSEWHERE).status_code == 200
    signed_in = client.get(f"/simulator?token={ADMIN}", environ_base=ELSEWHERE)
    assert signed_in.status_code == 303 and "HttpOnly" in signed_in.headers["Set-Cookie"]
    assert client.get("/stats", environ_base=ELSEWHERE).status_code == 200     # the session from the link


def test_stats_count_languages_topics_and_outcomes_without_identities(staff, twilio, redis_client):
    for number, words in (("+18605550301", ["مرحبا", "4"]), ("+18605550302", ["bonjou mwen bezwen èd", "1", "STOP"])):
        for body in words:
            twilio.text(number, body)
    call = Call(twilio, "+18605550303", verified=True)
    call.start()
    call.press("4")            # Haitian Creole, by audio
    call.press("6")            # report discrimination
    page = staff.get("/stats").get_data(as_text=True)
    assert 'id="texts">5<' in page and 'id="calls">1<' in page
    assert "العربية (ar)" in page and "Kreyòl ayisyen (ht)" in page
    assert "legal" in page and "report" in page and "opted out: 1" in page
    keys = [k.decode() for k in redis_client.scan_iter("hotline:stats:*")]
    assert len(keys) == 1 and redis_client.ttl(keys[0]) > 399 * 86400
    fields = {k.decode(): int(v) for k, v in redis_client.hgetall(keys[0]).items()}
    assert fields["sms:lang:ar"] == 2 and fields["topic:legal"] == 1 and fields["voice:lang:ht"] == 1
    everything = " ".join(fields) + page
    for number in ("+18605550301", "8605550302", "5550303"):
        assert number not in everything
    assert not any(len(part) >= 16 and all(c in "0123456789abcdef" for c in part)   # no hashes either
                   for field in fields for part in field.split(":"))
    csv = staff.get("/stats.csv").get_data(as_text=True)
    assert csv.startswith("\ufeffday,") and "sms:lang:ar" in csv.splitlines()[0]


def test_stats_command(app, twilio, redis_url, redis_client, now):
    import datetime as dt

    now.value = dt.datetime.now(dt.timezone.utc)
    twilio.text("+18605550304", "hola")
    twilio.text("+18605550304", "4")
    env = {**os.environ, "REDIS_URL": redis_url, "HOTLINE_SECRET": "x" * 32}
    table = subprocess.run([sys.executable, "-m", "hotline.cli", "stats"], capture_output=True, text=True, env=env)
    assert table.returncode == 0 and "texts 2" in table.stdout and "es 2" in table.stdout and "legal 1" in table.stdout
    csv = subprocess.run([sys.executable, "-m", "hotline.cli", "stats", "--csv", "--days", "3"],
                         capture_output=True, text=True, env=env)
    assert csv.stdout.splitlines()[0].startswith("day,") and len(csv.stdout.splitlines()) == 4


def test_simulator_texts_through_the_sms_path(staff):
    reply = staff.post("/simulator/sms", json={"session": "a1", "body": "مرحبا"}).get_json()
    assert reply["lang"] == "ar" and reply["rtl"] is True
    (first,) = reply["replies"]
    assert first["encoding"] == "UCS-2" and 1 <= first["segments"] <= 3 and "مساعدة قانونية" in first["text"]
    assert "<Message>" in reply["twiml"]
    chosen = staff.post("/simulator/sms", json={"session": "b2", "body": "hi", "lang": "pt"})
    assert "Ajuda juridica" in chosen.get_json()["replies"][0]["text"]


def test_simulator_calls_at_the_chosen_time(staff):
    holiday = staff.post("/simulator/voice", json={"session": "c3", "when": "holiday"}).get_json()
    assert "<Gather" in holiday["twiml"] and "For English, press 1." in holiday["twiml"]
    action = holiday["twiml"].split('action="')[1].split('"')[0].replace("&amp;", "&")
    menu = staff.post("/simulator/voice", json={"session": "c3", "when": "holiday", "action": action,
                                                "digits": "1"}).get_json()["twiml"]
    assert "The Welcome Center is closed now." in menu
    open_hours = staff.post("/simulator/voice", json={"session": "d4", "when": "open hours"})
    assert "<Dial" in open_hours.get_json()["twiml"]


def test_callback_requests_on_the_staff_page(app, staff, twilio):
    call = Call(twilio, "+18605550305", verified=True)
    call.start()
    call.press("2")
    call.press("9")
    call.press("1")                                         # asks for a call back, in Spanish
    page = staff.get("/callbacks").get_data(as_text=True)
    assert "+18605550305" in page and "Español" in page
    assert app.test_client().get("/callbacks", environ_base=ELSEWHERE).status_code == 401
    called = page.split('name="called" value="')[1].split('"')[0]
    form = {"called": called, "csrf_token": page.split('name="csrf_token" value="')[1].split('"')[0]}
    done = staff.client.post("/callbacks/clear", data=form, environ_base=ELSEWHERE, follow_redirects=True)
    assert "Cleared 1 request" in done.get_data(as_text=True) and "+18605550305" not in done.get_data(as_text=True)


def test_the_simulator_shows_the_numbers_a_caller_asks_for_instead_of_texting_them(staff):
    """In the simulator the numbers a caller asks for by text appear in its text thread: nothing is sent (no
    Twilio account is set up here at all)."""
    def press(data):
        return json.loads(staff.post("/simulator/voice", json={"session": "s1", "when": "after hours", **data}).data)

    reply = press({})
    for digit in ("1", "4", "8"):
        action = ET.fromstring(reply["twiml"]).find("Gather").get("action")
        reply = press({"action": action, "digits": digit})
    (text,) = reply["texts"]
    assert text.startswith("Hartford Public Schools family line\nFree legal help\n") and "(860) 692-3085" in text
    assert "We sent these numbers to your phone in a text message." in reply["twiml"]

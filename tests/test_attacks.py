"""Tests an attacker would write: headers that lie, a name rebound to this machine, a page elsewhere posting
to the staff pages, a caller ID that is someone else's, a weak secret, a huge body, clients that trickle.
The last ones go to the Procfile's gunicorn from another loopback address (127.0.0.2), as another machine would."""
from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from hotline.settings import Settings, SettingsError
from tests.conftest import SECRET, TOKEN
from tests.servers import Gunicorn
from tests.twilio_client import Call, message_params

ADMIN = "attack-test-admin-token"
LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}
HASH = re.compile(r"\b[0-9a-f]{24,}\b")
FAMILY = "+18605550400"


@pytest.fixture
def embedded(settings, make_app):
    """Trying the hotline out: the embedded store, no admin token."""
    return make_app(Settings(**{**settings.__dict__, "redis_url": None}))


@pytest.fixture
def guarded(settings, redis_client, make_app):
    """Production: Redis and an admin token."""
    return make_app(Settings(**{**settings.__dict__, "admin_token": ADMIN}))


def _signed_in(app, environ=ELSEWHERE, host="localhost"):
    client = app.test_client()
    answer = client.get(f"/simulator?token={ADMIN}", environ_base=environ, headers={"Host": host})
    assert answer.status_code == 303
    page = client.get("/callbacks", environ_base=environ, headers={"Host": host}).get_data(as_text=True)
    return client, answer, page


# --- who may open the staff pages ------------------------------------------------------------------------

def test_a_forwarded_for_header_opens_nothing(embedded):
    client = embedded.test_client()
    assert client.get("/callbacks", environ_base=LOCAL).status_code == 200
    for header in ({"X-Forwarded-For": "127.0.0.1"}, {"X-Real-IP": "127.0.0.1"}, {"Forwarded": "for=127.0.0.1"}):
        assert client.get("/callbacks", environ_base=ELSEWHERE, headers=header).status_code == 403
        assert client.get("/stats.csv", environ_base=ELSEWHERE, headers=header).status_code == 403


def test_a_name_rebound_to_this_machine_is_refused(embedded):
    client = embedded.test_client()
    rebound = {"Host": "rebind.attacker.example"}
    assert client.get("/callbacks", environ_base=LOCAL, headers=rebound).status_code == 403
    assert client.get("/callbacks", environ_base=LOCAL,
                      headers={**rebound, "X-Forwarded-Host": "localhost"}).status_code == 403   # the original Host
    assert client.post("/callbacks/clear", environ_base=LOCAL, headers=rebound).status_code == 403
    assert client.get("/callbacks", environ_base=LOCAL, headers={"Host": "localhost:5000"}).status_code == 200


def test_with_redis_and_no_admin_token_the_staff_pages_are_closed(settings, redis_client, make_app, caplog):
    app = make_app(settings)
    for page in ("/simulator", "/stats", "/callbacks"):
        assert app.test_client().get(page, environ_base=LOCAL).status_code == 403
    assert any("HOTLINE_ADMIN_TOKEN is not set" in r.getMessage() and "closed" in r.getMessage()
               for r in caplog.records)


def test_with_a_public_url_the_staff_pages_answer_only_to_its_host(settings, redis_client, make_app):
    app = make_app(Settings(**{**settings.__dict__, "admin_token": ADMIN,
                               "public_url": "https://hotline.example.org"}))
    bearer = {"Authorization": f"Bearer {ADMIN}"}
    assert app.test_client().get("/stats", headers={**bearer, "Host": "hotline.example.org"}).status_code == 200
    assert app.test_client().get("/stats", headers={**bearer, "Host": "rebind.attacker.example"}).status_code == 403
    assert app.test_client().get("/stats", headers={**bearer, "Host": "rebind.attacker.example",
                                                     "X-Forwarded-Host": "hotline.example.org"}).status_code == 403
    _, answer, _ = _signed_in(app, host="hotline.example.org")
    assert "Secure" in answer.headers["Set-Cookie"]          # an https public URL: the cookie goes over https only


# --- the staff session ------------------------------------------------------------------------------------

def test_the_token_link_signs_in_and_leaves_no_token_behind(guarded):
    client, answer, page = _signed_in(guarded)
    assert answer.headers["Location"] == "/simulator"                        # no token in the URL, nor a Referer
    cookie = SimpleCookie(answer.headers["Set-Cookie"])["hotline_staff"]
    assert ADMIN not in answer.headers["Set-Cookie"]                          # a session, not the token
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    assert not cookie["secure"]                                               # http here: no public https URL
    lasts = time.mktime(time.strptime(cookie["expires"], "%a, %d %b %Y %H:%M:%S GMT")) - time.mktime(time.gmtime())
    assert 7.9 * 3600 < lasts <= 8 * 3600
    for path in ("/simulator", "/stats", "/callbacks"):
        headers = client.get(path, environ_base=ELSEWHERE).headers
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer" and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]


def test_a_staff_session_ends_after_eight_hours(guarded, monkeypatch):
    import itsdangerous.timed

    client, _, _ = _signed_in(guarded)
    assert client.get("/stats", environ_base=ELSEWHERE).status_code == 200
    later = time.time() + 8 * 3600 + 60
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    assert client.get("/stats", environ_base=ELSEWHERE).status_code == 401


def test_a_cross_site_post_without_the_anti_forgery_token_changes_nothing(guarded, twilio, redis_client):
    call = Call(twilio, FAMILY, verified=True)
    call.start()
    call.press("1")
    call.press("9")
    call.press("1")                                                  # a call-back request
    client, _, page = _signed_in(guarded)
    called = page.split('name="called" value="')[1].split('"')[0]
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    forged = client.post("/callbacks/clear", data={"called": called}, environ_base=ELSEWHERE)
    assert forged.status_code == 403
    other_site = client.post("/callbacks/clear", data={"called": called, "csrf_token": token},
                             environ_base=ELSEWHERE, headers={"Origin": "https://attacker.example"})
    assert other_site.status_code == 403
    simulated = client.post("/simulator/sms", json={"session": "x", "body": "hola"}, environ_base=ELSEWHERE)
    assert simulated.status_code == 403
    assert list(redis_client.scan_iter("hotline:callback:*"))       # still there
    done = client.post("/callbacks/clear", data={"called": called, "csrf_token": token}, environ_base=ELSEWHERE,
                       headers={"Origin": "http://localhost"})
    assert done.status_code == 303 and not list(redis_client.scan_iter("hotline:callback:*"))


def test_no_page_or_command_shows_a_number_hash(guarded, twilio, redis_url):
    call = Call(twilio, FAMILY, verified=True)
    call.start()
    call.press("1")
    call.press("9")
    call.press("1")
    _, _, page = _signed_in(guarded)
    assert FAMILY in page and not HASH.search(page)
    listed = subprocess.run([sys.executable, "-m", "hotline.cli", "callbacks"], capture_output=True, text=True,
                            env={"PATH": "", "REDIS_URL": redis_url, "HOTLINE_SECRET": SECRET.decode()})
    assert FAMILY in listed.stdout and not HASH.search(listed.stdout)


# --- caller ID --------------------------------------------------------------------------------------------

def test_a_spoofed_caller_id_cannot_tell_a_known_number_from_a_stranger(twilio):
    twilio.text(FAMILY, "مرحبا")                                     # this number used the hotline, in Arabic
    known = Call(twilio, FAMILY).start()
    stranger = Call(twilio, "+18605550499").start()
    assert known.body == stranger.body and "For English, press 1." in known.speech
    attested = Call(twilio, FAMILY, verified=True).start()           # the carrier vouches for the caller ID
    assert "اضغط" in attested.speech and "For English, press 1." not in attested.speech
    failed = twilio.call(FAMILY, StirVerstat="TN-Validation-Failed-A")
    assert failed.body.replace(failed.gather.get("action"), "") == stranger.body.replace(
        stranger.gather.get("action"), "")


# --- keys -------------------------------------------------------------------------------------------------

def test_a_weak_secret_stops_the_start(redis_url):
    with pytest.raises(SettingsError, match="HOTLINE_SECRET"):
        Settings.from_env({"REDIS_URL": redis_url, "HOTLINE_SECRET": "a"})
    served = subprocess.run([sys.executable, "-m", "hotline.cli", "serve", "--port", "1"], capture_output=True,
                            text=True, timeout=60, env={"PATH": "", "REDIS_URL": redis_url,
                                                        "HOTLINE_SECRET": "hartford2026"})
    assert served.returncode != 0 and "HOTLINE_SECRET is too short" in served.stderr


def test_hashes_and_call_back_encryption_use_different_keys():
    keys = Settings(secret=SECRET, secret_is_random=False).keys
    assert len({keys.numbers, keys.callbacks, keys.staff, SECRET}) == 4 and "Keys(***)" == repr(keys)


# --- hostile traffic, against the Procfile's gunicorn ----------------------------------------------------

@pytest.fixture
def procfile(redis_url, redis_client, tmp_path):
    server = Gunicorn({"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET.decode()},
                      tmp_path / "server.log").start()
    yield server
    server.stop()


def _from_elsewhere(server: Gunicorn, method: str, path: str, headers: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10, source_address=("127.0.0.2", 0))
    connection.request(method, path, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_from_another_address_no_staff_page_opens_whatever_the_headers(procfile):
    for headers in ({}, {"X-Forwarded-For": "127.0.0.1"}, {"Host": "localhost"},
                    {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": "localhost", "Host": "localhost"}):
        for path in ("/callbacks", "/stats.csv", "/simulator"):
            assert _from_elsewhere(procfile, "GET", path, headers) in (401, 403)


def test_a_twenty_megabyte_body_is_refused_at_once(procfile):
    def rss() -> int:
        return sum(int(next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                            if line.startswith("VmRSS")).split()[1]) for pid in procfile.workers())

    before, size = rss(), 20 * 1024 * 1024
    sock = socket.create_connection(("127.0.0.1", procfile.port), source_address=("127.0.0.2", 0), timeout=10)
    sock.sendall(f"POST /sms HTTP/1.1\r\nHost: hotline\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 f"X-Twilio-Signature: x\r\nContent-Length: {size}\r\n\r\n".encode() + b"a" * 65536)
    answer = sock.recv(4096)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413")
    assert rss() - before < 10 * 1024                     # kB: the body was never read into a worker


def test_thirty_trickling_clients_do_not_hold_up_a_real_text(procfile):
    stop, tricklers = threading.Event(), []

    def trickle():
        sock = socket.create_connection(("127.0.0.1", procfile.port), source_address=("127.0.0.2", 0))
        tricklers.append(sock)
        sock.sendall(b"POST /sms HTTP/1.1\r\nHost: hotline\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 1000\r\n\r\n")
        while not stop.wait(1.0):
            try:
                sock.sendall(b"a")
            except OSError:
                return

    threads = [threading.Thread(target=trickle, daemon=True) for _ in range(30)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    waits = []
    try:
        for n in range(10):
            started = time.monotonic()
            status, _ = procfile.post("/sms", message_params(f"+1860555{n:04d}", "hola"), timeout=10)
            waits.append(time.monotonic() - started)
            assert status == 200
            time.sleep(0.2)
    finally:
        stop.set()
        for sock in tricklers:
            sock.close()
    assert len(tricklers) == 30 and max(waits) < 2.0, waits


"""The Procfile's processes, run from a runtime-only install, as a platform runs them.

Run with the python of a fresh virtual environment into which only the hotline was installed (`pip install -e .`
or `pip install .`, never the test extras), from the project's folder:

    VENV/bin/python .ci/smoke.py

It runs the `release:` line, then the `web:` line (first without REDIS_URL, which must refuse to start, then with
a throwaway redis-server) and posts a signed text and a call as Twilio does, then the `clock:` line against a
local stand-in for Twilio's REST API. It uses nothing the test extras bring: only the standard library and the
twilio package (a runtime dependency). Exit 0 when everything answered as a family and Twilio expect.
"""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))   # last: for the REST API stand-in only (tests/twilio_api.py: the standard library and twilio)
TOKEN = "smoke-test-auth-token-0123456789"
SECRET = "smoke-test-hotline-secret-0123456789abcdef"
HOTLINE = "+18605550000"
ACCOUNT = "AC" + "0" * 32


def fail(message: str) -> None:
    print(f"smoke: FAILED: {message}", flush=True)
    sys.exit(1)


def procfile(kind: str) -> str:
    line = next((l for l in (ROOT / "Procfile").read_text().splitlines() if l.startswith(f"{kind}:")), None)
    if line is None:
        fail(f"the Procfile has no {kind}: line")
    return line[len(kind) + 1:].strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(**extra: str) -> dict[str, str]:
    """This virtual environment's commands first, and none of the machine's own hotline settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "REDIS_URL", "TWILIO_"))}
    base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
    return {**base, **extra}


def shell(line: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    """A Procfile line as a platform runs it: through the shell ($PORT expanded), from the project's folder."""
    return subprocess.Popen(["bash", "-c", f"exec {line}"], env=env, cwd=ROOT, **kwargs)


def post(base: str, path: str, params: dict[str, str]) -> tuple[int, str]:
    url = base + path
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    request = urllib.request.Request(url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def release() -> None:
    done = subprocess.run(["bash", "-c", procfile("release")], env=environment(), cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    last = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode != 0 or not last.startswith("12 languages") or " 0 errors" not in last:
        fail(f"release line: exit {done.returncode}, {last!r}\n{done.stderr[-2000:]}")
    print(f"smoke: release line: {last}", flush=True)


def web_refuses_the_embedded_store() -> None:
    port = free_port()
    done = subprocess.run(["bash", "-c", f"exec {procfile('web')}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=environment(PORT=str(port), TWILIO_AUTH_TOKEN=TOKEN))
    if done.returncode == 0 or "REDIS_URL is not set" not in done.stderr:
        fail(f"the web line without REDIS_URL: exit {done.returncode}\n{done.stderr[-2000:]}")
    print("smoke: web line without REDIS_URL: refused, naming REDIS_URL and HOTLINE_EMBEDDED", flush=True)


def web(redis_url: str, log: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(PORT=str(port), REDIS_URL=redis_url, HOTLINE_SECRET=SECRET, TWILIO_AUTH_TOKEN=TOKEN,
                      HOTLINE_PHONE_NUMBER=HOTLINE)
    with log.open("w") as out:
        server = shell(procfile("web"), env, stdout=out, stderr=out, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not healthy(base):
            if server.poll() is not None or time.monotonic() > deadline:
                fail(f"the web line did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        text = {"MessageSid": "SM" + "1" * 32, "AccountSid": ACCOUNT, "From": "+18605550199", "To": HOTLINE,
                "Body": "hola, necesito ayuda", "NumMedia": "0"}
        status, body = post(base, "/sms", text)
        if status != 200 or "<Message" not in body or "Centro de Bienvenida" not in body:
            fail(f"a signed text: {status} {body[:500]}")
        status, body = post(base, "/sms", {**text, "MessageSid": "SM" + "2" * 32, "Body": "STOP"})
        if status != 200 or "<Message" in body:
            fail(f"STOP: {status} {body[:300]}")
        status, _ = post(base, "/sms", {**text, "MessageSid": "SM" + "3" * 32, "Body": "hola"})
        unsigned = urllib.request.Request(base + "/sms", data=urlencode(text).encode())
        try:
            urllib.request.urlopen(unsigned, timeout=10)
            fail("an unsigned text was answered")
        except urllib.error.HTTPError as exc:
            if exc.code != 403:
                fail(f"an unsigned text: {exc.code}")
        call = {"CallSid": "CA" + "1" * 32, "AccountSid": ACCOUNT, "From": "+18605550199", "To": HOTLINE,
                "CallStatus": "ringing", "Direction": "inbound"}
        status, body = post(base, "/voice", call)
        if status != 200 or ("<Gather" not in body and "<Dial" not in body):
            fail(f"a signed call: {status} {body[:500]}")
        print(f"smoke: web line: a signed text answered in Spanish, STOP held, an unsigned one refused (403), "
              f"a call answered", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if "Traceback" in log.read_text() or "+18605550199" in log.read_text():
        fail(f"the web log holds a traceback or a caller's number:\n{log.read_text()[-3000:]}")


def clock(redis_url: str) -> None:
    import datetime as dt

    from tests.twilio_api import TwilioAPI

    with TwilioAPI((HOTLINE,), TOKEN) as api:
        old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)
        api.message(HOTLINE, "+18605550199", old)
        env = environment(REDIS_URL=redis_url, HOTLINE_SECRET=SECRET, TWILIO_AUTH_TOKEN=TOKEN,
                          TWILIO_ACCOUNT_SID=ACCOUNT, HOTLINE_PHONE_NUMBER=HOTLINE, HOTLINE_TWILIO_RETENTION="7d",
                          HOTLINE_TWILIO_API_URL=api.url)
        process = shell(procfile("clock"), env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                        start_new_session=True)
        deadline = time.monotonic() + 60
        while api.left("Messages") and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
        if api.left("Messages") or "messages: 1 deleted" not in output:
            fail(f"the clock line did not purge:\n{output[-2000:]}")
    print("smoke: clock line: purged Twilio's old record through the REST API", flush=True)


def main() -> None:
    import hotline

    where = Path(hotline.__file__).resolve().parent.parent
    print(f"smoke: the hotline installed in {where}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        redis = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            url = f"redis://127.0.0.1:{port}/0"
            release()
            web_refuses_the_embedded_store()
            web(url, Path(tmp) / "web.log")
            clock(url)
        finally:
            redis.terminate()
            redis.wait(timeout=10)
    print("smoke: ok", flush=True)


if __name__ == "__main__":
    main()

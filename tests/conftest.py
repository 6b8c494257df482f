"""Fixtures: a throwaway real redis-server, settings -> app -> a Twilio-like client."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis

from hotline.app import create_app
from hotline.settings import PROJECT_ROOT, Settings
from tests.twilio_client import TwilioClient

TOKEN = "test-auth-token-0123456789abcdef"
SECRET = b"test-hotline-secret"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/conversations/*.yaml from what the hotline says now.")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis the suite may write to: $REDIS_URL, else a redis-server started on a free port."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not on PATH and REDIS_URL is not set: install redis-server "
                    "(apt-get install redis-server) or point REDIS_URL at a Redis the tests may write to")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def redis_client(redis_url):
    """A client on the test Redis, emptied of the hotline's keys before each test."""
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match="hotline:*"))
    if keys:
        client.delete(*keys)
    return client


@pytest.fixture
def content_dir() -> Path:
    return PROJECT_ROOT


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A copy of the shipped content folder, to change or break."""
    for folder in ("prompts", "translations"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    """Replace one piece of a content file, failing if it is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def settings(redis_url, content_dir) -> Settings:
    return Settings(twilio_auth_token=TOKEN, redis_url=redis_url, secret=SECRET, secret_is_random=False,
                    content_dir=content_dir)


AFTER_HOURS = dt.datetime(2026, 11, 28, 22, 0, tzinfo=ZoneInfo("America/New_York"))   # a Saturday night


@pytest.fixture
def now():
    """The time the app believes it is; tests that need another time change now.value."""
    class Clock:
        value = AFTER_HOURS

        def __call__(self):
            return self.value

    return Clock()


@pytest.fixture
def app(settings, redis_client, now):
    return create_app(settings, clock=now)


@pytest.fixture
def twilio(app) -> TwilioClient:
    """Posts to the app exactly as Twilio would: form-encoded and signed."""
    return TwilioClient(app.test_client(), TOKEN)

"""Fixtures: a throwaway real redis-server, settings -> app -> a Twilio-like client."""
from __future__ import annotations

import datetime as dt
import io
import logging
import os
import shutil
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest
import redis

from hotline.app import create_app
from hotline.logs import JsonFormatter
from hotline.settings import PROJECT_ROOT, Settings
from tests.servers import RedisServer  # noqa: F401  (tests import it from here too)
from tests.twilio_client import ACCOUNT, HOTLINE, TwilioClient

TOKEN = "test-auth-token-0123456789abcdef"
SECRET = b"test-hotline-secret-0123456789abcdef"   # 32 characters or more, as with REDIS_URL


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/conversations/*.yaml from what the hotline says now.")


def _database(url: str, number: int) -> str:
    """The same Redis URL naming another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


def spare_database(url: str) -> str:
    """A database of the Redis at url that holds none of the hotline's keys: the URL's own, else the first of 1-15
    that is empty of them. The tests delete the hotline's keys of the database they use, so they must never use
    one that holds a running hotline's opt-outs and call-backs; where there is none, the suite stops, saying why."""
    candidates = [url] + [_database(url, n) for n in range(1, 16) if f"/{n}" != urlsplit(url).path]
    for candidate in candidates:
        client = redis.Redis.from_url(candidate)
        try:
            if next(client.scan_iter(match="hotline:*", count=1000), None) is None:
                return candidate
        except redis.ResponseError:   # a Redis with one database (a cluster, some managed plans)
            break
        finally:
            client.close()
    pytest.exit("REDIS_URL points at a Redis whose databases all hold the hotline's keys (opt-outs, call-backs): "
                "the tests would delete them. Unset REDIS_URL (the suite starts its own redis-server) or point it "
                "at a Redis the tests may write to", returncode=4)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis the suite may write to: a database of $REDIS_URL that holds no hotline data (never one that does),
    else a redis-server started on a free port."""
    if os.environ.get("REDIS_URL"):
        given = os.environ["REDIS_URL"]
        url = os.environ["REDIS_URL"] = spare_database(given)   # for the commands the tests run, too
        yield url
        os.environ["REDIS_URL"] = given
        client = redis.Redis.from_url(url)   # the suite's own keys: it found the database empty of them
        keys = list(client.scan_iter(match="hotline:*"))
        if keys:
            client.delete(*keys)
        client.close()
        return
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not on PATH and REDIS_URL is not set: install redis-server "
                    "(apt-get install redis-server) or point REDIS_URL at a Redis the tests may write to")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


@pytest.fixture
def redis_client(redis_url):
    """A client on the test Redis, emptied of the hotline's keys before each test."""
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match="hotline:*"))
    if keys:
        client.delete(*keys)
    yield client
    client.close()


@pytest.fixture
def make_app(now):
    """create_app for a test, with the test's clock; the apps' Redis connections are closed afterwards."""
    made = []

    def make(settings, **kwargs):
        kwargs.setdefault("clock", now)
        made.append(create_app(settings, **kwargs))
        return made[-1]

    yield make
    for app in made:
        app.extensions["hotline"].close()


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
                    content_dir=content_dir, phone_numbers=(HOTLINE,))


@pytest.fixture
def logged():
    """Everything the hotline and the twilio SDK log during a test, as the JSON lines production writes."""
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger("hotline"), logging.getLogger("twilio")]
    for logger in loggers:
        logger.addHandler(handler)
    yield captured
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture
def twilio_api():
    """A local stand-in for Twilio's REST API (tests.twilio_api), serving the hotline's account."""
    from tests.twilio_api import TwilioAPI

    with TwilioAPI((HOTLINE,), TOKEN) as api:
        yield api


@pytest.fixture
def rest_settings(settings, twilio_api) -> Settings:
    """The settings with Twilio's REST API set up: TWILIO_ACCOUNT_SID, and the stand-in's URL."""
    return replace(settings, twilio_account_sid=ACCOUNT, twilio_api_url=twilio_api.url)


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
def app(settings, redis_client, make_app):
    return make_app(settings)


@pytest.fixture
def twilio(app) -> TwilioClient:
    """Posts to the app exactly as Twilio would: form-encoded and signed."""
    return TwilioClient(app.test_client(), TOKEN)

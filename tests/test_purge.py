"""`hotline purge`: deleting what Twilio keeps of the hotline's texts and calls, run as staff run it (the command,
in its own process) against a local stand-in for Twilio's REST API (tests.twilio_api)."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest

from hotline.purge import Purge
from hotline.settings import Settings
from hotline.twilio_rest import client
from tests.conftest import TOKEN
from tests.twilio_client import ACCOUNT, HOTLINE

NOW = dt.datetime.now(dt.timezone.utc)
FAMILIES = [f"+1860555{n:04d}" for n in range(1100)]   # more than one page of a thousand


def _purge(api, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "HOTLINE_TWILIO_RETENTION")}
    environ.update({"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PHONE_NUMBER": HOTLINE,
                    "HOTLINE_TWILIO_API_URL": api.url, **env})
    return subprocess.run([sys.executable, "-m", "hotline.cli", "purge", *args], capture_output=True, text=True,
                          env=environ, timeout=timeout)


def _no_number_in(result: subprocess.CompletedProcess) -> None:
    shown = result.stdout + result.stderr
    assert "+1860" not in shown and "860555" not in shown and "hola" not in shown


@pytest.fixture
def records(twilio_api):
    """A day's worth of the hotline's texts and calls, old and new, and another number's."""
    api = twilio_api
    old = [api.message(HOTLINE, number, NOW - dt.timedelta(days=2, seconds=i)) for i, number in enumerate(FAMILIES)]
    old += [api.message(number, HOTLINE, NOW - dt.timedelta(days=3, seconds=i)) for i, number in enumerate(FAMILIES[:40])]
    recent = [api.message(HOTLINE, FAMILIES[0], NOW - dt.timedelta(hours=2)),
              api.message(FAMILIES[1], HOTLINE, NOW - dt.timedelta(hours=23))]
    other = [api.message("+12035550111", "+12035550112", NOW - dt.timedelta(days=9)),
             api.message("+12035550112", "+12035550111", NOW - dt.timedelta(days=9))]
    calls = [api.call(HOTLINE, number, NOW - dt.timedelta(days=1, hours=1, seconds=i)) for i, number in enumerate(FAMILIES[:30])]
    live = api.call(HOTLINE, FAMILIES[5], NOW - dt.timedelta(days=1, hours=2), status="in-progress")
    other_call = api.call("+12035550111", FAMILIES[6], NOW - dt.timedelta(days=4))
    late = old[7]
    api.not_final[late] = 1                                   # answers 20009 once, then goes
    stuck = old[8]
    api.not_final[stuck] = 100                                # never final during this run
    return {"old": old, "recent": recent, "other": other, "calls": calls, "live": live, "other_call": other_call,
            "stuck": stuck}


def test_purge_deletes_every_due_record_across_pages_and_keeps_the_rest(twilio_api, records):
    twilio_api.throttled = 1                                  # the first request meets a 429
    result = _purge(twilio_api, "--older-than", "24h", "--retry-wait", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == f"messages: {len(records['old']) - 1} deleted, 1 not deletable yet (the next run tries again), 0 failed"
    assert lines[2] == f"calls: {len(records['calls'])} deleted, 1 not deletable yet (the next run tries again), 0 failed"
    assert twilio_api.left("Messages") == {records["stuck"], *records["recent"], *records["other"]}
    assert twilio_api.left("Calls") == {records["live"], records["other_call"]}
    lists = [query for method, _, query in twilio_api.requests if method == "GET"]
    assert any("PageToken" in query for query in lists)                  # it followed next_page_uri
    assert all({HOTLINE, f"whatsapp:{HOTLINE}"} & {query.get("To"), query.get("From")} for query in lists)   # only
                                                                                               # the hotline's records
    _no_number_in(result)


def test_a_dry_run_counts_and_deletes_nothing(twilio_api, records):
    before = twilio_api.left("Messages"), twilio_api.left("Calls")
    result = _purge(twilio_api, "--older-than", "24h", "--dry-run")
    assert result.returncode == 0
    assert f"messages: {len(records['old'])} due, 0 not deletable yet" in result.stdout
    assert f"calls: {len(records['calls']) + 1} due, 1 not deletable yet" in result.stdout   # the live call
    assert (twilio_api.left("Messages"), twilio_api.left("Calls")) == before
    assert not [r for r in twilio_api.requests if r[0] == "DELETE"]
    _no_number_in(result)


def test_the_retention_setting_is_the_default_age(twilio_api, records):
    result = _purge(twilio_api, "--dry-run", HOTLINE_TWILIO_RETENTION="30d")
    assert result.returncode == 0 and "messages: 0 due" in result.stdout and "calls: 0 due" in result.stdout


def test_twilio_failing_for_good_is_reported_and_exits_1(twilio_api, records):
    twilio_api.throttled = 10**6                              # 429 to every request, however long it waits
    slept: list[float] = []
    rest = client(Settings(twilio_account_sid=ACCOUNT, twilio_auth_token=TOKEN, twilio_api_url=twilio_api.url))
    report = Purge(rest, (HOTLINE,), sleep=slept.append).run(NOW - dt.timedelta(hours=24))
    assert not report.ok and slept == [1.0, 2.0, 4.0, 8.0] * 2             # backoff, for messages then calls
    assert "problem: listing messages failed: Twilio error 20429 (HTTP 429)" in report.lines()
    assert len(twilio_api.left("Messages")) == len(records["old"]) + 4


def test_a_wrong_auth_token_is_reported_without_a_traceback(twilio_api, records):
    result = _purge(twilio_api, "--older-than", "24h", TWILIO_AUTH_TOKEN="not-the-token")
    assert result.returncode == 1
    assert "problem: listing messages failed: Twilio error 20003 (HTTP 401)" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, env, told", [
    (["--older-than", "24h"], {"TWILIO_ACCOUNT_SID": ""}, "TWILIO_ACCOUNT_SID is not set"),
    (["--older-than", "24h"], {"HOTLINE_PHONE_NUMBER": ""}, "HOTLINE_PHONE_NUMBER is not set"),
    ([], {}, "say how old a record must be to go: --older-than 24h, or set HOTLINE_TWILIO_RETENTION"),
    (["--older-than", "yesterday"], {}, "--older-than: 'yesterday' is not a length of time"),
    ([], {"HOTLINE_TWILIO_RETENTION": "a week"}, "HOTLINE_TWILIO_RETENTION: 'a week' is not a length of time"),
])
def test_what_is_missing_is_said_plainly(twilio_api, args, env, told):
    result = _purge(twilio_api, *args, **env)
    assert result.returncode != 0 and told in result.stderr and "Traceback" not in result.stderr
    assert twilio_api.requests == []


def test_every_runs_again_until_stopped(twilio_api, records):
    environ = {**os.environ, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PHONE_NUMBER": HOTLINE,
               "HOTLINE_TWILIO_API_URL": twilio_api.url, "HOTLINE_TWILIO_RETENTION": "24h"}
    clock = subprocess.Popen([sys.executable, "-m", "hotline.cli", "purge", "--every", "1s", "--retry-wait", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)
    deadline = time.monotonic() + 120
    while sum(1 for r in twilio_api.requests if r[0] == "GET" and r[1] == "Calls") < 4 and time.monotonic() < deadline:
        time.sleep(0.1)                                       # two runs list calls twice each (to and from)
    clock.send_signal(signal.SIGTERM)
    out, err = clock.communicate(timeout=30)
    assert clock.returncode == 0, err
    runs = [line for line in out.splitlines() if line.startswith("messages:")]
    assert len(runs) >= 2 and runs[1].startswith("messages: 0 deleted, 1 not deletable yet")


def test_purge_deletes_the_whatsapp_messages_of_the_hotlines_numbers_too(twilio_api):
    """Twilio keeps a WhatsApp message under whatsapp:+E164 numbers, body included, like a text."""
    api = twilio_api
    old = [api.message(f"whatsapp:{HOTLINE}", f"whatsapp:{FAMILIES[0]}", NOW - dt.timedelta(days=2)),
           api.message(f"whatsapp:{FAMILIES[0]}", f"whatsapp:{HOTLINE}", NOW - dt.timedelta(days=2))]
    recent = api.message(f"whatsapp:{FAMILIES[1]}", f"whatsapp:{HOTLINE}", NOW - dt.timedelta(hours=1))
    other = api.message("whatsapp:+12035550111", "whatsapp:+12035550112", NOW - dt.timedelta(days=9))
    result = _purge(api, "--older-than", "24h", "--retry-wait", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[1].startswith(f"messages: {len(old)} deleted")
    assert api.left("Messages") == {recent, other}
    _no_number_in(result)

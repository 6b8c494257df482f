"""A district deploys the hotline from the README alone: the Procfile's processes as a platform runs them, a Redis
that is missing, mistyped or refuses the password, a secret that is rotated, a test suite pointed at production,
staff work on a platform that wipes its disk, and a spreadsheet saved by Excel in its legacy encoding."""
from __future__ import annotations

import csv
import datetime as dt
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from hotline import carrier
from hotline import settings as settings_module
from hotline.callbacks import Callbacks
from hotline.content import load
from hotline.keys import Keys
from hotline.sessions import Store
from hotline.settings import PROJECT_ROOT, Settings, SettingsError, default_content_dir
from tests.conftest import SECRET, TOKEN, edit
from tests.servers import Gunicorn, RedisServer, free_port, procfile_web
from tests.test_record import tone
from tests.test_staff_pages import ADMIN, Staff
from tests.twilio_client import Call, TwilioClient, message_params

HOTLINE = [sys.executable, "-m", "hotline.cli"]
NEW_SECRET = b"a-new-hotline-secret-after-rotation-0123456789"
FAMILIES = {"+18605550601": "STOP", "+18605550602": "PARAR", "+18605550603": "توقف", "+18605550604": "停止",
            "+18605550605": "stopall"}


def _env(**extra: str) -> dict[str, str]:
    """The environment a platform gives a process: none of this machine's hotline settings, only what is named."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "REDIS_URL", "TWILIO_"))}
    return {**base, **extra}


# --- the web process and its store -------------------------------------------------------------------------------

def test_the_web_process_refuses_the_embedded_store_unless_it_is_meant(tmp_path):
    port = free_port()
    refused = subprocess.run(procfile_web(port), env=_env(TWILIO_AUTH_TOKEN=TOKEN, PORT=str(port)), cwd=PROJECT_ROOT,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 3                              # gunicorn stops before any worker starts
    assert "hotline cannot start: REDIS_URL is not set" in refused.stderr and "HOTLINE_EMBEDDED=1" in refused.stderr
    assert "Traceback" not in refused.stderr
    server = Gunicorn(_env(TWILIO_AUTH_TOKEN=TOKEN, HOTLINE_EMBEDDED="1"), tmp_path / "web.log").start()
    try:
        status, body = server.post("/sms", message_params("+18605550610", "hola"))
        assert status == 200 and "Centro de Bienvenida" in body
    finally:
        server.stop()
    assert "REDIS_URL is not set: using the embedded in-process store" in server.log()


@pytest.mark.parametrize("tls, make_url, reason", [
    (False, lambda server: server.url.replace("redis://", "redis://:wrong-password@"), "authentication failed"),
    (False, lambda server: server.url, "authentication required"),
    (False, lambda server: f"redis://:secret-password@127.0.0.1:{free_port()}/0", "connection refused"),
    (True, lambda server: server.url.replace("rediss://", "rediss://:secret-password@"),
     "its TLS certificate could not be verified (a provider's self-signed certificate, as Heroku's: add "
     "?ssl_cert_reqs=none to REDIS_URL)"),
])
def test_a_redis_that_cannot_be_used_is_named_in_the_log_with_the_reason(tmp_path, tls, make_url, reason):
    server = RedisServer(tmp_path, password="secret-password", tls=tls).start()
    try:
        url = make_url(server)
        web = Gunicorn(_env(TWILIO_AUTH_TOKEN=TOKEN, REDIS_URL=url, HOTLINE_SECRET=SECRET.decode()),
                       tmp_path / "web.log").start()
        web.stop()
        line = next(line for line in web.log().splitlines() if "REDIS_URL cannot be used" in line)
        assert reason in line, line
        assert "127.0.0.1:" in line and "secret-password" not in web.log() and "wrong-password" not in web.log()
    finally:
        server.stop()


def test_heroku_redis_with_its_self_signed_certificate_works_with_the_readme_setting(tmp_path):
    server = RedisServer(tmp_path, password="secret-password", tls=True).start()
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert "?ssl_cert_reqs=none" in readme
    web = Gunicorn(_env(TWILIO_AUTH_TOKEN=TOKEN, REDIS_URL=server.admin_url, HOTLINE_SECRET=SECRET.decode()),
                   tmp_path / "web.log").start()
    try:
        assert web.post("/sms", message_params("+18605550660", "STOP")) == (200, '<?xml version="1.0" encoding="UTF-8"?><Response />')
        status, body = web.post("/sms", message_params("+18605550660", "hello"))
        assert status == 200 and "<Message>" not in body                   # the STOP was stored, over TLS
        client = redis.Redis.from_url(server.admin_url)
        assert len(client.keys("hotline:optout:*")) == 1
        client.close()
    finally:
        web.stop()
        server.stop()
    assert "REDIS_URL cannot be used" not in web.log()


def test_health_answers_200_to_load_balancers_and_503_to_monitors_while_degraded(settings, make_app, redis_client,
                                                                               content_copy):
    app = make_app(replace(settings, content_dir=content_copy))
    client = app.test_client()
    assert client.get("/healthz").json["status"] == "ok" and client.get("/healthz?strict=1").status_code == 200
    edit(content_copy / "prompts/menu.yaml", "goto: legal }", "goto: lawyers }")   # a broken staff edit
    app.extensions["hotline"].keeper.look()
    loose, strict = client.get("/healthz"), client.get("/healthz?strict=1")
    assert loose.status_code == 200 and loose.json["status"] == "degraded" and strict.status_code == 503
    assert "content files have 1 errors" in strict.json["problems"][0]
    edit(content_copy / "prompts/menu.yaml", "goto: lawyers }", "goto: legal }")
    app.extensions["hotline"].keeper.look()
    assert client.get("/healthz?strict=1").status_code == 200
    redis_client.set("hotline:purge:last", '{"ok": false, "at": "2026-11-28T03:00:00+00:00"}')
    failed = client.get("/healthz?strict=1")
    assert failed.status_code == 503 and failed.json["purge"] == "failed" and "hotline purge" in failed.json["problems"][0]


def test_health_is_503_to_monitors_while_redis_is_down(tmp_path, settings, make_app):
    server = RedisServer(tmp_path).start()
    app = make_app(replace(settings, redis_url=server.url))
    server.stop()
    client = app.test_client()
    assert client.get("/healthz").status_code == 200 and client.get("/healthz").json["redis"] == "down"
    assert client.get("/healthz?strict=1").status_code == 503


# --- settings a district can get wrong -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["HOTLINE_RATE_PER_NUMBER", "HOTLINE_RATE_PER_MINUTE"])
def test_a_limit_of_zero_is_refused_at_start(name):
    with pytest.raises(SettingsError, match=f"{name} is 0, which would silence the hotline"):
        Settings.from_env({name: "0"})


def test_the_content_is_found_from_the_working_directory_when_the_package_holds_none(tmp_path, monkeypatch):
    monkeypatch.setattr(settings_module, "PROJECT_ROOT", tmp_path / "site-packages")   # as `pip install .` leaves it
    assert default_content_dir(PROJECT_ROOT) == PROJECT_ROOT
    assert Settings.from_env({}).content_dir == Path.cwd()
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    result = subprocess.run(HOTLINE + ["check"], capture_output=True, text=True, timeout=60,
                            env=_env(HOTLINE_CONTENT_DIR=str(empty)))
    assert result.returncode == 1 and "there is no prompts/ folder in" in result.stderr
    assert "HOTLINE_CONTENT_DIR" in result.stderr and "Traceback" not in result.stderr


def test_requirements_pin_every_runtime_dependency_within_its_bounds():
    """What a platform builds from (requirements.txt, .python-version) agrees with pyproject.toml: every runtime
    dependency, and what its extras bring (gunicorn[gevent] brings packaging), pinned within its bounds."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    lines = [line.split("#")[0].strip() for line in (PROJECT_ROOT / "requirements.txt").read_text().splitlines()]
    pins = {canonicalize_name(r.name): r for r in map(Requirement, (l for l in lines if l and not l.startswith("-")))}
    assert "-e ." in lines                                                  # and the hotline itself, with its command
    assert re.fullmatch(r"3\.1[1-9]", (PROJECT_ROOT / ".python-version").read_text().strip())
    wanted = list(map(Requirement, project["dependencies"]))
    for requirement in list(wanted):
        for extra in requirement.extras:
            wanted += [Requirement(r.split(";")[0]) for r in metadata.requires(requirement.name)
                       if Requirement(r).marker and Requirement(r).marker.evaluate({"extra": extra})]
    for requirement in wanted:
        pin = pins.get(canonicalize_name(requirement.name))
        assert pin is not None, f"{requirement.name} is not pinned in requirements.txt: run .ci/lock"
        (exact,) = [spec.version for spec in pin.specifier if spec.operator == "=="]
        assert requirement.specifier.contains(Version(exact)), f"{pin} is outside pyproject's {requirement}"


def test_the_readme_says_what_the_procfile_does():
    readme, procfile = (PROJECT_ROOT / "README.md").read_text(), (PROJECT_ROOT / "Procfile").read_text()
    connections = re.search(r"--worker-connections (\d+)", procfile)[1]
    workers = re.search(r"--workers (\d+)", procfile)[1]
    assert f"{int(connections):,} connections" in readme and f"{workers} workers" in readme
    assert "python3 -m venv" in readme        # pip into a system Python fails: the README says where to install


def test_the_address_the_readme_gives_answers_with_a_page(settings, make_app, redis_client):
    page = make_app(settings).test_client().get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Hartford Public Schools family hotline" in text and 'href="simulator"' in text and "not legal advice" in text
    assert page.headers["X-Frame-Options"] == "DENY" and "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_translate_with_deepl_and_no_key_says_what_to_set(content_copy):
    result = subprocess.run(HOTLINE + ["translate", "--lang", "pt", "--content-dir", str(content_copy)],
                            capture_output=True, text=True, timeout=60, env=_env(HOTLINE_TRANSLATOR="deepl"))
    assert result.returncode == 1 and "DEEPL_API_KEY" in result.stderr and "Traceback" not in result.stderr


# --- the test suite and production data ------------------------------------------------------------------------------

def test_the_suite_pointed_at_a_redis_holding_hotline_data_leaves_it_all(tmp_path):
    server = RedisServer(tmp_path).start()
    production = redis.Redis.from_url(server.url)
    try:
        production.set("hotline:optout:a-family", "1", ex=3600)
        production.set("hotline:callback:another", b"encrypted", ex=3600)
        production.hset("hotline:stats:2026-11-28", "sms", 40)
        before = {key: production.dump(key) for key in production.keys("*")}
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "tests/test_webhooks.py::test_plain_spanish_text_is_answered_in_spanish"],
                             cwd=PROJECT_ROOT, env={**os.environ, "REDIS_URL": server.url},
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-2000:]
        assert {key: production.dump(key) for key in production.keys("*")} == before   # db 0: untouched
        assert redis.Redis.from_url(server.url.replace("/0", "/1")).keys("hotline:*") == []   # the suite's own: gone
    finally:
        production.close()
        server.stop()


def test_the_suite_refuses_a_redis_whose_only_database_holds_hotline_data(tmp_path):
    server = RedisServer(tmp_path, "--save", "", "--appendonly", "no", "--databases", "1").start()
    production = redis.Redis.from_url(server.url)
    try:
        production.set("hotline:optout:a-family", "1")
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "tests/test_webhooks.py::test_plain_spanish_text_is_answered_in_spanish"],
                             cwd=PROJECT_ROOT, env={**os.environ, "REDIS_URL": server.url},
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 4 and "the tests would delete them" in run.stdout + run.stderr
        assert production.get("hotline:optout:a-family") == b"1"
    finally:
        production.close()
        server.stop()


# --- rotating the secret ----------------------------------------------------------------------------------------------

def test_after_rotating_the_secret_every_stop_language_and_callback_still_holds(settings, make_app, redis_client, now):
    before = TwilioClient(make_app(settings).test_client(), TOKEN)
    for number, word in FAMILIES.items():   # Twilio's own word gets no reply (Twilio answers); a family's own, one
        assert bool(before.text(number, word).messages) == (word.upper() not in carrier.OPT_OUT)
    before.text("+18605550620", "hola")                       # a family that chose Spanish
    call = Call(before, "+18605550621", verified=True)
    call.start()
    call.press("1")
    call.press("9")
    call.press("1")                                           # asks for a call back
    rotated = replace(settings, secret=NEW_SECRET, previous_secret=settings.secret)
    after_app = make_app(rotated)
    after = TwilioClient(after_app.test_client(), TOKEN)
    for number in FAMILIES:
        assert after.text(number, "hello?").messages == [], number            # still opted out
        assert after.text(number, "menu").messages == [], number
    school = after.text("+18605550620", "1").messages[0]           # the conversation goes on, in Spanish
    assert "Plyler" in school and "escuela" in school
    (request,) = after_app.extensions["hotline"].callbacks.pending()
    assert request.number == "+18605550621"
    new_store = after_app.extensions["hotline"].store
    moved = {new_store.key("optout", Store._hash(Keys.derive(NEW_SECRET).numbers, n)) for n in FAMILIES}
    assert all(redis_client.exists(key) for key in moved)                   # moved to the new key as they were seen
    old = {new_store.key("optout", Store._hash(Keys.derive(SECRET).numbers, n)) for n in FAMILIES}
    assert not any(redis_client.exists(key) for key in old)
    assert all(redis_client.zscore("hotline:expiry", key) for key in moved)   # their expiry moved with them


def test_a_previous_secret_must_be_a_whole_secret():
    with pytest.raises(SettingsError, match="HOTLINE_SECRET_PREVIOUS is too short"):
        Settings.from_env({"HOTLINE_SECRET": NEW_SECRET.decode(), "HOTLINE_SECRET_PREVIOUS": "short"})


# --- staff work that must not be lost ---------------------------------------------------------------------------------

def test_callbacks_clear_only_what_staff_saw(settings, make_app, redis_client, redis_url):
    app = make_app(settings)
    twilio = TwilioClient(app.test_client(), TOKEN)
    env = _env(REDIS_URL=redis_url, HOTLINE_SECRET=SECRET.decode())

    def ask(number):
        call = Call(twilio, number, verified=True)
        call.start()
        call.press("1")
        call.press("9")
        call.press("1")

    ask("+18605550631")
    listed = subprocess.run(HOTLINE + ["callbacks"], capture_output=True, text=True, env=env, timeout=60)
    assert "+18605550631" in listed.stdout and "(new)" in listed.stdout
    ask("+18605550632")                                       # comes in after staff looked
    cleared = subprocess.run(HOTLINE + ["callbacks", "--clear"], capture_output=True, text=True, env=env, timeout=60)
    assert "cleared 1 requests" in cleared.stdout and "1 new requests" in cleared.stdout
    (left,) = Callbacks.from_settings(app.extensions["hotline"].store, settings).pending()
    assert left.number == "+18605550632"


def test_the_callbacks_page_marks_what_is_new_since_staff_last_looked(settings, make_app, redis_client):
    app = make_app(replace(settings, admin_token=ADMIN))
    staff, twilio = Staff(app.test_client()), TwilioClient(app.test_client(), TOKEN)
    call = Call(twilio, "+18605550641", verified=True)
    for press in (None, "1", "9", "1"):
        call.start() if press is None else call.press(press)
    first = staff.get("/callbacks").get_data(as_text=True)
    assert "1 new</strong>" in first and "+18605550641" in first
    again = staff.get("/callbacks").get_data(as_text=True)
    assert "new</strong>" not in again and "+18605550641" in again


def test_a_recording_on_a_platform_that_wipes_its_disk_is_never_reported_saved(settings, make_app, redis_client,
                                                                                content_copy):
    heroku = Settings.from_env({"DYNO": "web.1", "HOTLINE_CONTENT_DIR": str(content_copy)})
    assert heroku.ephemeral_disk == "Heroku"
    app = make_app(replace(settings, content_dir=content_copy, admin_token=ADMIN, ephemeral_disk="Heroku"))
    staff = Staff(app.test_client())
    page = staff.get("/record?lang=ps").get_data(as_text=True)
    assert "Heroku" in page and "wipes its disk" in page and 'data-writable="no"' in page
    name = page.split('data-name="')[1].split('"')[0]
    refused = staff.put(f"/record/ps/{name}.wav", data=tone(1.0))
    assert refused.status_code == 409 and "Heroku" in refused.json["error"] and "Download" in refused.json["error"]
    assert not list((content_copy / "prompts/audio").glob("ps/recorded/*"))


def _spreadsheet(path: Path, code: str, rows: list[tuple[str, str, str]], encoding: str) -> None:
    with path.open("w", encoding=encoding, errors="replace", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "English", f"translation ({code})", "notes"])
        for row in rows:
            writer.writerow([*row, ""])


@pytest.mark.parametrize("code, encoding, text", [
    ("ar", "cp1252", "أنت لست وحدك"),                 # Excel's "CSV (Comma delimited)": Arabic letters become ?
    ("pl", "cp1252", "Twoje dziecko może chodzić do szkoły"),   # ż and ł are not in Windows-1252 either
    ("es", "cp1252", "¿Qué necesita? Información"),   # é and ó are, but as bytes that are not UTF-8
])
def test_a_spreadsheet_saved_in_a_legacy_encoding_changes_nothing(content_copy, code, encoding, text):
    target = content_copy / f"translations/{code}.yaml"
    before = target.read_bytes()
    sheet = content_copy / "back.csv"
    _spreadsheet(sheet, code, [("school.label", "Your child's right to school", text)], encoding)
    result = subprocess.run(HOTLINE + ["import", str(sheet), "--content-dir", str(content_copy)],
                            capture_output=True, text=True, timeout=60, env=_env())
    assert result.returncode == 1 and "CSV UTF-8" in result.stderr and "Traceback" not in result.stderr
    assert target.read_bytes() == before


def test_a_changed_phone_number_makes_check_name_the_stale_audio(content_copy):
    edit(content_copy / "prompts/resources.yaml", 'phone: "(860) 695-8400"', 'phone: "(860) 695-8401"')
    result = subprocess.run(HOTLINE + ["check", "--content-dir", str(content_copy)], capture_output=True, text=True,
                            timeout=120, env=_env())
    assert result.returncode == 1
    stale = [line for line in result.stdout.splitlines() if "[stale-audio]" in line]
    assert {line.split("'")[1] for line in stale} == {"ht", "bs", "prs", "sw"}   # the languages heard from files
    assert all("hotline audio --lang" in line for line in stale)


def test_one_yaml_typo_is_reported_alone_and_first(content_copy):
    edit(content_copy / "prompts/en.yaml", 'more: "Reply MORE for the rest."', 'more "Reply MORE for the rest.')
    result = subprocess.run(HOTLINE + ["check", "--content-dir", str(content_copy)], capture_output=True, text=True,
                            timeout=60, env=_env())
    problems = [line for line in result.stdout.splitlines() if "[" in line and line.endswith("]")]
    assert result.returncode == 1 and len(problems) == 1 and problems[0].startswith("prompts/en.yaml:")
    assert "yaml-syntax" in problems[0] and "message missing" not in result.stderr


# --- the calendar -------------------------------------------------------------------------------------------------

def test_public_holidays_close_the_welcome_center_every_year(settings, make_app, redis_client, now):
    from zoneinfo import ZoneInfo

    client = TwilioClient(make_app(settings).test_client(), TOKEN)
    hartford = ZoneInfo("America/New_York")
    for day in (dt.date(2026, 11, 26), dt.date(2027, 11, 25), dt.date(2028, 2, 11)):   # Thanksgiving, Lincoln's
        now.value = dt.datetime.combine(day, dt.time(10), hartford)                      # Birthday (observed)
        assert client.call("+18605550650").root.find("Dial") is None, day
    now.value = dt.datetime(2027, 11, 24, 10, 0, tzinfo=hartford)
    assert client.call("+18605550650").root.find("Dial") is not None


def test_check_warns_when_nothing_is_closed_in_the_coming_year_and_about_past_dates(content_copy):
    edit(content_copy / "prompts/schedule.yaml", "calendars: [US-CT]", "calendars: []")
    edit(content_copy / "prompts/schedule.yaml", "closures: []", "closures:\n  - { date: 2020-02-03, name: Snow day }")
    result = subprocess.run(HOTLINE + ["check", "--content-dir", str(content_copy)], capture_output=True, text=True,
                            timeout=120, env=_env())
    assert result.returncode == 0
    assert "[no-holidays]" in result.stdout and "calendars: [US-CT]" in result.stdout
    assert "2020-02-03 (Snow day) is in the past" in result.stdout
    strict = subprocess.run(HOTLINE + ["check", "--strict", "--content-dir", str(content_copy)], capture_output=True,
                            text=True, timeout=120, env=_env())
    assert strict.returncode == 1


def test_a_calendar_the_holidays_package_does_not_know_is_an_error(content_copy):
    edit(content_copy / "prompts/schedule.yaml", "calendars: [US-CT]", "calendars: [US-XX]")
    catalog, problems = load(content_copy)
    assert catalog is None and any("'US-XX' is not a holiday calendar" in p.message for p in problems)

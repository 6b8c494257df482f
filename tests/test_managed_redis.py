"""Opt-outs and call-backs survive the Redis a district will actually rent. Each test starts a real redis-server set up
the way Heroku, AWS ElastiCache or Google Memorystore set theirs up (a memory limit with the provider's eviction
policy, TLS with a self-signed certificate, a failover behind an endpoint that stays the same, few clients allowed,
snapshots only), and drives the hotline as Twilio does."""
from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
import redis

from hotline.sessions import Store
from hotline.settings import SettingsError
from tests.conftest import SECRET, TOKEN
from tests.servers import Gunicorn, Proxy, RedisServer
from tests.twilio_client import Call, TwilioClient, call_params, message_params

STOPPED = 300          # families that texted STOP
CALLBACKS = 40         # families whose call-back request was confirmed


def _server(tmp_path, *options: str) -> RedisServer:
    return RedisServer(tmp_path, "--save", "", "--appendonly", "no", *options).start()


def _fill(client: redis.Redis, ttl: bool) -> int:
    """Other data until Redis is at its memory limit: with a TTL (conversations, counts), as the hotline's own
    keys would crowd it, or without; how many keys Redis evicted meanwhile."""
    filler = b"x" * 2000
    for batch in range(400):
        pipe = client.pipeline(transaction=False)
        for n in range(200):
            key = f"hotline:sms:filler{batch}-{n}"
            pipe.set(key, filler, ex=86400) if ttl else pipe.set(key, filler)
        try:
            pipe.execute()
        except redis.ResponseError:       # noeviction: full
            break
        if client.info("stats")["evicted_keys"] > 5000:
            break
    return int(client.info("stats")["evicted_keys"])


def _families(twilio) -> tuple[list[str], list[str]]:
    stopped = [f"+186047{n:05d}" for n in range(STOPPED)]
    for number in stopped:
        assert twilio.text(number, "STOP").messages == []
    called = [f"+186048{n:05d}" for n in range(CALLBACKS)]
    for number in called:
        call = Call(twilio, number, verified=True)
        call.start()
        call.press("1")
        call.press("9")
        assert "will call you back" in call.press("1").speech
    return stopped, called


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-ttl", "volatile-random"])
def test_no_opt_out_or_call_back_is_evicted_under_a_volatile_policy(tmp_path, settings, make_app, now, policy):
    server = _server(tmp_path, "--maxmemory", "6mb", "--maxmemory-policy", policy)
    try:
        app = make_app(replace(settings, redis_url=server.url))
        twilio = TwilioClient(app.test_client(), TOKEN)
        stopped, called = _families(twilio)
        evicted = _fill(redis.Redis.from_url(server.url), ttl=True)
        assert evicted > 1000                                          # real memory pressure
        answered = sum(bool(twilio.text(number, "hola").messages) for number in stopped)
        assert answered == 0                                           # every STOP still holds
        assert len(app.extensions["hotline"].callbacks.pending()) == CALLBACKS
    finally:
        server.stop()


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_a_policy_that_could_evict_an_opt_out_is_refused_at_start(tmp_path, settings, make_app, policy):
    server = _server(tmp_path, "--maxmemory", "6mb", "--maxmemory-policy", policy)
    try:
        with pytest.raises(SettingsError, match=f"maxmemory-policy is {policy}.*volatile-lru"):
            make_app(replace(settings, redis_url=server.url))
        web = Gunicorn({"REDIS_URL": server.url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET.decode()},
                       tmp_path / "web.log")
        web.start(wait=False)
        assert web.proc.wait(timeout=60) == 3
        assert f"maxmemory-policy is {policy}" in web.log() and "Traceback" not in web.log()
    finally:
        server.stop()


def test_a_full_redis_under_noeviction_still_honours_every_opt_out_and_says_so(tmp_path, settings, make_app):
    server = _server(tmp_path, "--maxmemory", "6mb", "--maxmemory-policy", "noeviction")
    try:
        app = make_app(replace(settings, redis_url=server.url))
        twilio = TwilioClient(app.test_client(), TOKEN)
        stopped, called = _families(twilio)
        admin = redis.Redis.from_url(server.url)
        _fill(admin, ttl=False)
        used = admin.info("memory")["used_memory"]            # full, and staying full (no buffer freed frees room)
        admin.config_set("maxmemory", used - 200_000)
        with pytest.raises(redis.exceptions.OutOfMemoryError):
            redis.Redis.from_url(server.url).set("hotline:probe", "1")  # full: writes refused
        assert sum(bool(twilio.text(number, "hola").messages) for number in stopped) == 0
        (reply,) = twilio.text("+18604990001", "PARAR").messages[:1]  # a new opt-out cannot be stored: said so
        assert "(860) 695-8400" in reply and "No recibira mas" not in reply
        health = app.test_client().get("/healthz?strict=1")
        assert health.status_code == 503 and "memory is full" in " ".join(health.json["problems"])
        assert health.json["memory_policy"] == "noeviction"
        assert len(app.extensions["hotline"].callbacks.pending()) == CALLBACKS
    finally:
        server.stop()


def test_after_a_failover_stops_are_stored_again_within_seconds_without_a_restart(tmp_path, settings, make_app):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = _server(tmp_path / "a"), _server(tmp_path / "b")
    proxy = Proxy(first.port)
    try:
        url = f"redis://127.0.0.1:{proxy.port}/0"
        app = make_app(replace(settings, redis_url=url))
        twilio = TwilioClient(app.test_client(), TOKEN)
        for n in range(10):                                            # connections open to the first primary
            assert twilio.text(f"+186049{n:05d}", "hola").messages
        redis.Redis(port=second.port).execute_command("REPLICAOF", "127.0.0.1", str(first.port))
        assert Gunicorn.until(lambda: redis.Redis(port=second.port).info("replication")["master_link_status"] == "up")
        redis.Redis(port=second.port).execute_command("REPLICAOF", "NO", "ONE")   # promoted ...
        redis.Redis(port=first.port).execute_command("REPLICAOF", "127.0.0.1", str(second.port))   # ... the old one
        proxy.switch(second.port)                                      # follows, read-only; the endpoint moves
        started = time.monotonic()
        stored = []
        for n in range(40):
            number = f"+186049{n:05d}"
            twilio.text(number, "PARAR")
            stored.append(bool(redis.Redis(port=second.port).exists(app.extensions["hotline"].store.key(
                "optout", app.extensions["hotline"].store.caller(number)))))
            if all(stored[-5:]) and len(stored) >= 5:
                break
        assert all(stored[-5:]) and time.monotonic() - started < 5     # storing again, no restart, within seconds
        assert app.test_client().get("/healthz").json["status"] == "ok"
    finally:
        proxy.close()
        first.stop()
        second.stop()


def test_with_few_clients_allowed_every_text_still_gets_an_answer_and_nothing_fails(tmp_path, redis_client):
    server = _server(tmp_path, "--maxclients", "6")
    web = Gunicorn({"REDIS_URL": server.url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET.decode()},
                   tmp_path / "web.log").start()
    try:
        answers = []

        def text(n: int) -> None:
            answers.append(web.post("/sms", message_params(f"+186050{n:05d}", "hola")))

        threads = [threading.Thread(target=text, args=(n,)) for n in range(60)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        unanswered = [body for status, body in answers if status != 200 or "<Message" not in body]
        assert len(answers) == 60 and unanswered == []
    finally:
        web.stop()
        server.stop()
    assert "Traceback" not in web.log()


def test_snapshots_only_is_reported_as_a_risk_to_opt_outs(tmp_path, settings, make_app, caplog):
    import logging

    server = RedisServer(tmp_path, "--save", "900 1", "--appendonly", "no").start()
    try:
        with caplog.at_level(logging.WARNING, logger="hotline"):
            app = make_app(replace(settings, redis_url=server.url))
        health = app.test_client().get("/healthz").json
        assert health["persistence"] == "rdb" and any("snapshots (RDB)" in risk for risk in health["risks"])
        assert any("a crash loses every STOP since the last one" in r.getMessage() for r in caplog.records)
    finally:
        server.stop()


def test_a_password_and_an_acl_user_in_the_url_work(tmp_path, settings, make_app):
    server = RedisServer(tmp_path, password="admin-password").start()
    try:
        admin = redis.Redis.from_url(server.admin_url)
        admin.execute_command("ACL", "SETUSER", "hotline", "on", ">hotline-password", "~hotline:*", "+@all")
        url = server.url.replace("redis://", "redis://hotline:hotline-password@")
        app = make_app(replace(settings, redis_url=url))
        twilio = TwilioClient(app.test_client(), TOKEN)
        twilio.text("+18604990002", "STOP")
        assert twilio.text("+18604990002", "hola").messages == [] and admin.keys("hotline:optout:*")
    finally:
        server.stop()


# --- retries that cross a STOP or an ERASE, and copies in flight -------------------------------------------------

def test_a_retry_from_before_stop_is_not_answered_with_content(twilio, redis_client):
    first = message_params("+18604990003", "hola")
    assert twilio.post("/sms", first).messages
    twilio.text("+18604990003", "STOP")
    retried = twilio.post("/sms", first)                              # Twilio retries the first text
    assert retried.status == 200 and retried.messages == []


def test_a_retry_from_before_erase_restores_nothing(twilio, redis_client):
    number = "+18604990004"
    twilio.text(number, "hola")
    topic = message_params(number, "4")
    assert twilio.post("/sms", topic).messages
    assert twilio.text(number, "BORRAR").messages
    assert twilio.post("/sms", topic).messages == []                  # the retry: nothing
    assert not list(redis_client.scan_iter("hotline:sms:*")) and not list(redis_client.scan_iter("hotline:lang:*"))


def test_a_retry_after_later_texts_changes_nothing_and_counts_nothing(twilio, app, redis_client):
    """Twilio retries a text whose answer was lost after the family wrote three more (its reply is no longer
    among those kept with the conversation): the conversation does not step again and the day counts it once."""
    import json

    from hotline.stats import Stats

    number = "+18604990006"
    twilio.text(number, "hola")
    lost = message_params(number, "4")
    assert twilio.post("/sms", lost).messages
    for body in ("0", "1", "0"):
        twilio.text(number, body)
    (key,) = redis_client.scan_iter("hotline:sms:*")
    turns = json.loads(redis_client.get(key))["state"]["turns"]
    hotline = app.extensions["hotline"]
    counted = Stats(hotline.store).days(hotline.today(), 1)[0][1]["sms"]
    assert twilio.post("/sms", lost).status == 200                     # the retry
    assert json.loads(redis_client.get(key))["state"]["turns"] == turns
    assert Stats(hotline.store).days(hotline.today(), 1)[0][1]["sms"] == counted


def test_a_retried_stop_counts_once(twilio, app, redis_client):
    stop = message_params("+18604990005", "STOP")
    for _ in range(3):
        twilio.post("/sms", stop)
    hotline = app.extensions["hotline"]
    from hotline.stats import Stats

    counts = Stats(hotline.store).days(hotline.today(), 1)[0][1]
    assert counts["outcome:opted out"] == 1 and counts["sms"] == 1


@pytest.fixture(scope="module")
def web(tmp_path_factory, redis_url):
    server = Gunicorn({"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET.decode(),
                       "HOTLINE_RATE_PER_NUMBER": "1000"}, tmp_path_factory.mktemp("web") / "web.log").start()
    yield server
    server.stop()


def _together(calls) -> list:
    results = [None] * len(calls)

    def run(n):
        results[n] = calls[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _counted_today(url: str) -> dict[str, int]:
    """The day's usage counts as `hotline stats` reads them, the day being the Welcome Center's (Hartford's)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from hotline.stats import Stats

    store = Store(redis.Redis.from_url(url), b"k" * 32)
    try:
        return Stats(store).days(dt.datetime.now(ZoneInfo("America/New_York")).date(), 1)[0][1]
    finally:
        store.close()


def test_copies_of_one_call_back_confirmation_at_once_are_applied_and_counted_once(web, redis_client):
    confirmed = 0
    for n in range(10):
        action, params = web.walk(call_params(f"+186051{n:05d}", StirVerstat="TN-Validation-Passed-A"), "19")
        answers = _together([lambda: web.post(action, {**params, "Digits": "1"})] * 8)
        confirmed += all("call you back" in body for _, body in answers)
    assert confirmed == 10
    assert len(list(redis_client.scan_iter("hotline:callback:*"))) == 10
    assert _counted_today(web.env["REDIS_URL"])["outcome:callback"] == 10


def test_connections_the_provider_closed_while_idle_cost_no_family_a_stop(tmp_path):
    """Providers close idle connections (Heroku's `redis:timeout`, ElastiCache's `timeout` parameter): after a quiet
    night every connection a worker kept is dead, and the first texts of the morning must still be stored."""
    server = _server(tmp_path, "--timeout", "1")
    web = Gunicorn({"REDIS_URL": server.url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET.decode(),
                    "HOTLINE_RATE_PER_NUMBER": "1000"}, tmp_path / "web.log").start()
    try:
        numbers = [f"+186054{n:05d}" for n in range(12)]
        for _ in range(3):   # texts at the same moment: each worker opens several connections, then keeps them
            _together([lambda n=n: web.post("/sms", message_params(n, "hola")) for n in numbers])
        time.sleep(2.5)      # quiet: Redis closes every one of them
        import json
        import urllib.request

        with urllib.request.urlopen(web.base + "/healthz?strict=1", timeout=5) as health:   # a monitor's look
            assert json.loads(health.read())["redis"] == "ok"
        stopped = [web.post("/sms", message_params(number, "PARAR"))[1] for number in numbers[:6]]
        assert all("START" in answer for answer in stopped), stopped          # "no recibirá más mensajes... START"
        keys = redis.Redis.from_url(server.url).keys("hotline:optout:*")
        assert len(keys) == 6
    finally:
        web.stop()
        server.stop()


def test_copies_of_one_text_at_once_get_one_answer_one_step_and_one_count(web, redis_client):
    """Twilio retrying a text while the first copy is still being answered, by another worker: every copy gets the
    same reply, the conversation steps once, and the day counts one text."""
    import json

    def texts_counted() -> int:
        return _counted_today(web.env["REDIS_URL"]).get("sms", 0)

    sent, before = 0, texts_counted()
    for n in range(20):
        number = f"+186053{n:05d}"
        web.post("/sms", message_params(number, "hola"))
        topic = message_params(number, "4")                       # one text, posted six times at once
        answers = _together([lambda: web.post("/sms", topic)] * 6)
        sent += 1
        assert all(status == 200 for status, _ in answers)
        assert len({body for _, body in answers}) == 1 and "(860) 692-3085" in answers[0][1]   # free legal help
        (key,) = redis_client.scan_iter("hotline:sms:*")
        assert json.loads(redis_client.get(key))["state"]["turns"] == 2                   # stepped once
        redis_client.delete(key)
    assert texts_counted() - before == 2 * sent                    # each "hola" and each "4" once


def test_three_texts_from_one_number_at_once_lose_no_step(web, redis_client):
    lost = 0
    for n in range(40):
        number = f"+186052{n:05d}"
        web.post("/sms", message_params(number, "hola"))
        answers = _together([lambda b=b: web.post("/sms", message_params(number, b)) for b in ("1", "0", "2")])
        assert all(status == 200 for status, _ in answers)
        (key,) = redis_client.scan_iter("hotline:sms:*")
        import json

        turns = json.loads(redis_client.get(key))["state"]["turns"]
        lost += turns != 4
        redis_client.delete(key)
    assert lost == 0


# --- staff mistakes and disks ---------------------------------------------------------------------------------------

def test_a_full_temporary_folder_and_a_broken_edit_do_not_take_the_hotline_down(tmp_path, redis_url, redis_client,
                                                                               content_copy):
    from tests.conftest import edit

    (tmp_path / "tmp").mkdir()                                        # a temporary folder that keeps nothing:
    (tmp_path / "tmp" / "hotline-content").write_text("in the way")   # its last good copy can never be written
    web = Gunicorn({"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET.decode(),
                    "HOTLINE_CONTENT_DIR": str(content_copy), "TMPDIR": str(tmp_path / "tmp")},
                   tmp_path / "web.log").start()
    try:
        import json
        import urllib.request

        def version() -> str:
            with urllib.request.urlopen(web.base + "/healthz") as answer:
                return json.loads(answer.read())["content"]

        good = version()
        edit(content_copy / "prompts/menu.yaml", "goto: legal }", "goto: lawyers }")   # a broken staff edit
        time.sleep(2)
        web.kill_workers()                                             # and the workers start again
        status, body = web.post("/sms", message_params("+18604990006", "hola"))
        assert status == 200 and "Centro de Bienvenida" in body
        assert version() == good and web.alive()
    finally:
        web.stop()
    assert "could not save the last good content in the temporary folder" in web.log()


def test_a_recording_on_a_full_disk_gets_a_reason(settings, redis_client, make_app, content_copy, monkeypatch):
    import errno

    from hotline import recordings
    from tests.test_record import tone
    from tests.test_staff_pages import ADMIN, Staff

    app = make_app(replace(settings, content_dir=content_copy, admin_token=ADMIN))
    staff = Staff(app.test_client())
    page = staff.get("/record?lang=ps").get_data(as_text=True)
    name = page.split('data-name="')[1].split('"')[0]

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(recordings, "store", full)
    answer = staff.put(f"/record/ps/{name}.wav", data=tone(1.0))
    assert answer.status_code == 409 and "No space left on device" in answer.json["error"]

"""What a family was told holds when workers die: the Procfile's gunicorn and a real redis-server, with every
worker killed right after answering, graceful reloads and restarts, ERASE racing a text in another worker,
and staff saving a broken file."""
from __future__ import annotations

import random
import signal
import threading
import time
import xml.etree.ElementTree as ET

import orjson
import pytest

from hotline.keys import Keys
from hotline.sessions import Store
from tests.conftest import SECRET, TOKEN, edit
from tests.servers import Gunicorn
from tests.twilio_client import sid

FAMILIES = [f"+1860555{n:04d}" for n in range(4100, 4106)]


def _messages(body: str) -> list[str]:
    return [m.text or "" for m in ET.fromstring(body).iter("Message")]


@pytest.fixture
def server(redis_url, redis_client, tmp_path, content_dir):
    def start(content=content_dir, **env) -> Gunicorn:
        made = Gunicorn({"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET.decode(),
                         "HOTLINE_CONTENT_DIR": str(content), **env}, tmp_path / "server.log")
        started.append(made)
        return made.start()

    started: list[Gunicorn] = []
    yield start
    for each in started:
        each.stop()


def _text(server: Gunicorn, number: str, body: str) -> list[str]:
    status, answer = server.post("/sms", {"From": number, "To": "+18605550000", "Body": body, "NumMedia": "0",
                                          "MessageSid": sid("SM")})
    assert status == 200, answer
    return _messages(answer)


def _at_once(server: Gunicorn, texts: list[tuple[str, str]]) -> list[list[str]]:
    """Each (number, body) texted at the same moment; the answers, in order, once all have arrived."""
    answers: list[list[str]] = [[] for _ in texts]
    threads = [threading.Thread(target=lambda n=n, number=number, body=body:
                                answers.__setitem__(n, _text(server, number, body)))
               for n, (number, body) in enumerate(texts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _counts(redis_client) -> dict[str, int]:
    """The usage counts kept, every day's together."""
    return {k.decode(): int(v) for key in redis_client.scan_iter("hotline:stats:*")
            for k, v in redis_client.hgetall(key).items()}


def _round(server: Gunicorn, texts: dict[str, str]) -> dict[str, list[str]]:
    """Every family texts at the same moment; the answers once all have arrived."""
    return dict(zip(texts, _at_once(server, list(texts.items()))))


def test_killed_reloaded_and_restarted_workers_lose_no_place_no_opt_out_and_no_count(server, redis_client):
    hotline = server()
    families, quitter = FAMILIES[:5], FAMILIES[5]
    sent = 0

    def everyone(body: str, quitter_body: str) -> dict[str, list[str]]:
        nonlocal sent
        sent += len(families) + 1
        return _round(hotline, {**{n: body for n in families}, quitter: quitter_body})

    answers = everyone("hola", "hola")
    assert all("Linea para familias" in answers[n][0] for n in FAMILIES)
    hotline.kill_workers()                       # SIGKILL, right after answering
    answers = everyone("2", "PARAR")
    assert all("ICE" in answers[n][0] for n in families) and "START" in answers[quitter][0]   # confirmed once
    hotline.kill_workers()
    answers = everyone("1", "hola")
    assert all("FERPA" in answers[n][0] for n in families)      # "1" read from the agents topic: records
    assert answers[quitter] == []                                # still opted out
    hotline.signal(signal.SIGHUP)                # a graceful reload, as a deploy does
    time.sleep(1)
    answers = everyone("0", "hola")
    assert all("Responda con un numero" in answers[n][0] for n in families) and answers[quitter] == []
    hotline.stop()                               # SIGTERM to the master: a restart
    assert "Logging error" not in hotline.log() and "TypeError" not in hotline.log()
    hotline = server()
    answers = everyone("4", "hola")
    assert all("Ayuda legal de inmigracion" in answers[n][0] for n in families) and answers[quitter] == []
    hotline.kill_workers()
    counts = _counts(redis_client)
    assert counts["sms"] == sent                 # every text counted, none lost in a worker's memory
    assert counts["outcome:opted out"] == 1
    hotline.stop()
    assert "Logging error" not in hotline.log() and "Traceback" not in hotline.log()
    lines = [orjson.loads(line) for line in hotline.log().splitlines() if line.startswith('{"time"')]
    texts = [line for line in lines if line["event"] == "request" and line["route"] == "/sms"]
    assert len(texts) == sent                    # each text's line written before its answer left, kills or not
    assert all(line["status"] == 200 and line["outcome"] for line in texts)
    assert not any(number[2:] in hotline.log() for number in FAMILIES)


def test_erase_holds_while_a_text_is_in_flight_in_another_worker(server, redis_client):
    hotline = server()
    numbers = Store(redis_client, Keys.derive(SECRET).numbers)   # the keyed hash the hotline stores a number under
    resurrected, later = 0, 0
    for attempt in range(40):
        number = f"+1860556{attempt:04d}"
        assert "Linea para familias" in _text(hotline, number, "hola")[0]
        confirmed = []
        text = threading.Thread(target=_text, args=(hotline, number, "4"))
        text.start()
        time.sleep(random.uniform(0, 0.0005))   # ERASE lands between the text's read and write about 1 in 10
        confirmed += _text(hotline, number, "BORRAR")
        text.join(timeout=30)
        assert confirmed and "borramos todo" in confirmed[0]
        who = numbers.caller(number)
        left = {k.decode(): redis_client.get(k) for k in redis_client.scan_iter(f"hotline:*{who}*")}
        conversation = orjson.loads(left.get(f"hotline:sms:{who}") or b"{}").get("state") or {}
        if left.get(f"hotline:lang:{who}") == b"es" or conversation.get("lang") == "es":
            resurrected += 1                      # the Spanish conversation came back after "everything is deleted"
        elif left:
            later += 1                            # "4" was answered after the erase: a new conversation
    assert resurrected == 0, f"{resurrected} of 40 erased numbers came back"


def test_a_broken_edit_leaves_every_worker_on_one_good_version_and_the_hotline_up(server, content_copy):
    hotline = server(content=content_copy)
    assert "4 Free legal help" in _text(hotline, FAMILIES[0], "hello")[0]
    edit(content_copy / "prompts/en.yaml", "legal.label: Free legal help", "legal.label: Free lawyers and legal help")
    fresh = (f"+1860559{n:04d}" for n in range(10000))       # new families: no one reaches a rate limit
    assert hotline.until(lambda: all("4 Free lawyers and legal help" in _text(hotline, next(fresh), "hello")[0]
                                     for _ in range(12)), 20, 0.2)
    edit(content_copy / "prompts/en.yaml", "keyword.menu: MENU", "keyword.menu: [MENU")   # a YAML syntax error
    time.sleep(2.5)
    hotline.kill_workers()                        # new workers start while the files are broken
    hotline.signal(signal.SIGHUP)
    time.sleep(2)
    menus = [_text(hotline, f"+1860557{n:04d}", "hello")[0] for n in range(40)]
    assert all("4 Free lawyers and legal help" in menu for menu in menus)
    assert hotline.alive() and hotline.healthy()
    log = hotline.log()
    assert "content change refused" in log and "yaml-syntax" in log
    assert "content has errors: serving the last good version" in log
    assert "Worker failed to boot" not in log


def test_workers_agree_even_when_a_good_edit_is_broken_before_every_worker_saw_it(server, content_copy):
    hotline = server(content=content_copy)
    edit(content_copy / "prompts/en.yaml", "legal.label: Free legal help", "legal.label: Free lawyers and legal help")
    time.sleep(0.3)
    edit(content_copy / "prompts/menu.yaml", "goto: legal }", "goto: lawyers }")
    time.sleep(3)
    labels = {"lawyers" if "4 Free lawyers" in m else "legal" for m in
              (_text(hotline, f"+1860558{n:04d}", "hello")[0] for n in range(30))}
    assert len(labels) == 1, "two workers gave two different menus"


def test_a_flood_from_one_number_all_at_once_gets_no_more_replies_than_its_limit(server, redis_client):
    hotline = server()                      # two workers: the texts collide, are read again and stepped again
    answers = _at_once(hotline, [("+18605554200", body) for body in ["hola", "1", "2", "0", "4", "MENU"] * 20])
    assert sum(1 for messages in answers if messages) == 20           # HOTLINE_RATE_PER_NUMBER's default
    counts = _counts(redis_client)
    assert counts["sms"] == 120 and counts["outcome:rate limited"] == 100

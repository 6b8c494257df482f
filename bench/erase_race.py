"""ERASE against a text in flight in another worker, many times: does anything of an erased number come back?

    python bench/erase_race.py [--tries 1000]

Each try: a family texts "hola" (a Spanish conversation starts), then texts "4" and, a moment later (0 to --spread seconds),
BORRAR, both at once, to the Procfile's gunicorn (two workers) on a real redis-server. After the confirmation
"borramos todo", Redis is searched for the family's keys. A Spanish conversation, language or reply there is a
resurrection (must be 0). A conversation in English is the other legitimate order: "4" arrived after the erase,
as a new first text. Loopback only; every process it starts is stopped at the end.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import orjson
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from hotline.keys import Keys  # noqa: E402
from hotline.sessions import Store  # noqa: E402
from tests.servers import Gunicorn, RedisServer  # noqa: E402
from tests.twilio_client import message_params  # noqa: E402

TOKEN, SECRET = "bench-token", "bench-secret-0123456789abcdef0123456789"


def text(server: Gunicorn, number: str, body: str) -> list[str]:
    status, answer = server.post("/sms", message_params(number, body))
    if status != 200:
        raise SystemExit(f"the hotline answered {status}")
    return [m.text or "" for m in ET.fromstring(answer).iter("Message")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tries", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=0.0005, help="seconds: ERASE is sent up to this long after the text")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-erase-"))
    store = RedisServer(workdir).start()
    server = Gunicorn({"REDIS_URL": store.url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET,
                       "HOTLINE_RATE_PER_NUMBER": "1000"}, workdir / "server.log").start()
    client = redis.Redis.from_url(store.url)
    numbers = Store(client, Keys.derive(SECRET.encode()).numbers)   # the keyed hash the hotline stores a number under
    resurrected = erased_clean = answered_after = 0
    started = time.monotonic()
    try:
        for attempt in range(args.tries):
            number = f"+1860{5000000 + attempt:07d}"
            text(server, number, "hola")
            in_flight = threading.Thread(target=text, args=(server, number, "4"))
            in_flight.start()
            time.sleep(random.uniform(0, args.spread))
            confirmed = text(server, number, "BORRAR")
            in_flight.join(timeout=30)
            if not confirmed or "borramos todo" not in confirmed[0]:
                raise SystemExit(f"try {attempt}: the erase was not confirmed: {confirmed}")
            who = numbers.caller(number)
            left = {k.decode(): client.get(k) for k in client.scan_iter(f"hotline:*{who}*")}
            conversation = orjson.loads(left.get(f"hotline:sms:{who}") or b"{}").get("state") or {}
            if left.get(f"hotline:lang:{who}") == b"es" or conversation.get("lang") == "es":
                resurrected += 1
            elif left:
                answered_after += 1
            else:
                erased_clean += 1
    finally:
        client.close()
        server.stop()
        store.stop()
    caught = server.log().count('"outcome":"erased meanwhile"')
    print(f"{args.tries} tries in {time.monotonic() - started:.0f} s, 2 gunicorn workers (Procfile), redis-server")
    print(f"  '4' read before the erase and answered after it (the race itself; its write was refused): {caught}")
    print(f"  erased, nothing left:                          {erased_clean}")
    print(f"  '4' answered after the erase (a new conversation, its language not known): {answered_after}")
    print(f"  the Spanish conversation back after 'borramos todo': {resurrected}")
    return 0 if resurrected == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

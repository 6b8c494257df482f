"""Slow clients: can connections that trickle a body hold up a real text?

    python bench/slow_clients.py [--clients 30] [--seconds 30] [--every 5]

Starts the Procfile's gunicorn and a redis-server on loopback, opens --clients connections from 127.0.0.2 that
send a request's headers and then one byte of its body every --every seconds, and meanwhile sends a signed text
(Twilio's full request shape) every half second. Prints how long each text waited: the worst must stay under
2 seconds (Twilio gives up after 15). Stops by itself after --seconds; every process it starts is stopped.
"""
from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import Gunicorn, RedisServer  # noqa: E402
from tests.twilio_client import message_params  # noqa: E402

TOKEN, SECRET = "bench-token", "bench-secret-0123456789abcdef0123456789"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between the bytes a slow client sends")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-slow-"))
    store = RedisServer(workdir).start()
    server = Gunicorn({"REDIS_URL": store.url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET},
                      workdir / "server.log").start()
    stop, sockets = threading.Event(), []

    def trickle() -> None:
        sock = socket.create_connection(("127.0.0.1", server.port), source_address=("127.0.0.2", 0))
        sockets.append(sock)
        sock.sendall(b"POST /sms HTTP/1.1\r\nHost: hotline\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 100000\r\n\r\n")
        while not stop.wait(args.every):
            try:
                sock.sendall(b"a")
            except OSError:
                return

    threads = [threading.Thread(target=trickle, daemon=True) for _ in range(args.clients)]
    waits, failures = [], 0
    try:
        for thread in threads:
            thread.start()
        time.sleep(1)
        deadline = time.monotonic() + args.seconds
        n = 0
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                status, _ = server.post("/sms", message_params(f"+1860555{n % 10000:04d}", "hola"), timeout=15)
            except OSError:   # no answer within Twilio's 15 seconds
                status = 0
            waits.append(time.monotonic() - started)
            failures += status != 200
            n += 1
            time.sleep(0.5)
    finally:
        stop.set()
        for sock in sockets:
            sock.close()
        server.stop()
        store.stop()
    print(f"{len(sockets)} slow clients (a byte every {args.every:g} s) for {args.seconds:g} s, Procfile gunicorn:")
    print(f"  {len(waits)} real texts, {failures} not answered 200; waited median "
          f"{statistics.median(waits) * 1000:.1f} ms, worst {max(waits) * 1000:.1f} ms (target: under 2 s)")
    return 0 if failures == 0 and max(waits) < 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())

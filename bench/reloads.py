"""Content reloads and worker memory: does each reload leave memory behind?

    python bench/reloads.py [--reloads 100]

Runs the Procfile's gunicorn on a copy of the content and a real redis-server, then changes a message again
and again (as staff editing prompts/en.yaml would), each time waiting until both workers answer with the new
text and sending texts in several languages and a call through it. Prints each worker's resident memory after
10 reloads and after the last; a leak shows as growth between the two. Loopback only; stops by itself.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import ROOT, Gunicorn, RedisServer  # noqa: E402
from tests.twilio_client import call_params, message_params  # noqa: E402

TOKEN, SECRET = "bench-token", "bench-secret-0123456789abcdef0123456789"
BODIES = ["hello", "4", "hola", "6", "مرحبا", "1", "bonjou", "MENU"]


def rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reloads", type=int, default=100)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-reloads-"))
    for folder in ("prompts", "translations"):
        shutil.copytree(ROOT / folder, workdir / "content" / folder)
    english = workdir / "content" / "prompts" / "en.yaml"
    original = english.read_text(encoding="utf-8")
    store = RedisServer(workdir).start()
    server = Gunicorn({"REDIS_URL": store.url, "TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_SECRET": SECRET,
                       "HOTLINE_CONTENT_DIR": str(workdir / "content"), "HOTLINE_RATE_PER_NUMBER": "100000"},
                      workdir / "server.log").start()
    measured: dict[int, dict[int, int]] = {}
    try:
        for reload_ in range(1, args.reloads + 1):
            label = f"Free legal help {reload_}"
            english.write_text(original.replace("legal.label: Free legal help", f"legal.label: {label}"),
                               encoding="utf-8")

            def served() -> bool:
                status, body = server.post("/sms", message_params("+18605550100", "menu"))
                return status == 200 and label in body

            if not server.until(lambda: all(served() for _ in range(6)), 30, 0.2):
                raise SystemExit(f"reload {reload_} never reached every worker:\n{server.log()[-2000:]}")
            for n, body in enumerate(BODIES):
                status, answer = server.post("/sms", message_params(f"+1860555{n:04d}", body))
                ET.fromstring(answer)
            server.post("/voice", call_params("+18605550200"))
            if reload_ in (10, args.reloads):
                measured[reload_] = {pid: rss_kb(pid) for pid in server.workers()}
    finally:
        server.stop()
        store.stop()
    print(f"{args.reloads} content reloads, Procfile gunicorn, real redis-server; resident memory per worker:")
    for reload_, workers in measured.items():
        print(f"  after {reload_:>3} reloads: " + ", ".join(f"{kb / 1024:.1f} MB" for kb in workers.values()))
    first, last = (sum(measured[k].values()) / len(measured[k]) for k in (10, args.reloads))
    print(f"  change from 10 to {args.reloads} reloads: {(last - first) / 1024:+.1f} MB a worker "
          f"({(last - first) / (args.reloads - 10):+.0f} kB a reload)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

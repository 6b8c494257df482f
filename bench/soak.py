"""Soak: mixed SMS and voice traffic against the hotline under gunicorn for a bounded time, with Redis
restarted in the middle. Counts 5xx and invalid TwiML (both must be zero) and compares worker memory.

    python bench/soak.py [--seconds 120] [--clients 6]

Loopback only; every process it starts is stopped at the end. Needs redis-server.
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, TOKEN, content_without_forwarding, free_port, gunicorn_command, wait_for  # noqa: E402

TEXTS = ["hola", "4", "MENU", "1", "bonjou mwen bezwen èd", "مرحبا", "6", "MORE", "LANG", "2", "", "STOP", "START"]


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (the gunicorn workers), in kB."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            status = Path(f"/proc/{child}/status").read_text()
            total += int(next(l for l in status.splitlines() if l.startswith("VmRSS")).split()[1])
    return total


class Load:
    """Clients texting and calling until told to stop; every answer is checked."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.validator = RequestValidator(TOKEN)
        self.counts = {"requests": 0, "5xx": 0, "invalid": 0, "other": 0}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def post(self, path: str, params: dict) -> ET.Element | None:
        url = self.base + path
        request = urllib.request.Request(url, data=urlencode(params).encode(),
                                         headers={"X-Twilio-Signature": self.validator.compute_signature(url, params)})
        status, body = 0, b""
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = -1
        root = None
        with self.lock:
            self.counts["requests"] += 1
            if status >= 500:
                self.counts["5xx"] += 1
            elif status != 200:
                self.counts["other"] += 1
            else:
                try:
                    root = ET.fromstring(body)
                    if root.tag != "Response":
                        raise ValueError(root.tag)
                except (ET.ParseError, ValueError):
                    self.counts["invalid"] += 1
        return root

    def client(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            number = f"+1860{rng.randrange(5550000, 5559999):07d}"
            if rng.random() < 0.6:
                for _ in range(rng.randrange(1, 5)):
                    self.post("/sms", {"From": number, "Body": rng.choice(TEXTS)})
            else:
                root = self.post("/voice", {"From": number, "To": "+18605550000"})
                for _ in range(rng.randrange(1, 4)):
                    gather = root.find("Gather") if root is not None else None
                    if gather is None:
                        break
                    root = self.post(gather.get("action"), {"From": number, "Digits": rng.choice("1234567890*9")})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--clients", type=int, default=6)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-soak-"))
    redis_port, port = free_port(), free_port()
    redis_cmd = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(workdir)]
    redis_proc = subprocess.Popen(redis_cmd, stdout=subprocess.DEVNULL)
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "HOTLINE_SECRET": "soak-secret-0123456789abcdef0123456789", "HOTLINE_CONTENT_DIR": str(content_without_forwarding(workdir))}
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen(gunicorn_command("hotline.wsgi:application", port), env=env, cwd=ROOT, stdout=log, stderr=log)
    load = Load(port)
    threads = []
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        threads = [threading.Thread(target=load.client, args=(i,), daemon=True) for i in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(min(10, args.seconds / 6))                      # let memory settle before the first sample
        memory_start = rss_kb(server.pid)
        time.sleep(args.seconds / 2 - min(10, args.seconds / 6))
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
        print(f"{time.strftime('%H:%M:%S')} Redis stopped")
        time.sleep(5)
        redis_proc = subprocess.Popen(redis_cmd, stdout=subprocess.DEVNULL)
        print(f"{time.strftime('%H:%M:%S')} Redis started again")
        time.sleep(args.seconds / 2 - 5)
        memory_end = rss_kb(server.pid)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=20)
        server.terminate()
        server.wait(timeout=15)
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
        log.close()
    c = load.counts
    growth = (memory_end - memory_start) / memory_start * 100
    print(f"{args.seconds} s, {args.clients} clients: {c['requests']} requests, {c['5xx']} 5xx, "
          f"{c['invalid']} invalid TwiML, {c['other']} other statuses (403 or network)")
    print(f"worker memory: {memory_start} kB after warm-up, {memory_end} kB at the end ({growth:+.1f}%)")
    ok = c["5xx"] == 0 and c["invalid"] == 0 and c["other"] == 0 and growth < 10
    print("soak " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

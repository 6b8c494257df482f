"""Benchmark: the hotline under the Procfile's gunicorn settings with a real Redis, against a bare Flask app
answering constant TwiML under the same settings, both driven by wrk with the same load in one run.

    python bench/run.py [--seconds 10] [--connections 8]

Prints requests per second, p50 and p99 for /sms and /voice for each app, and the ratios.
Everything runs on loopback and stops by itself. Needs redis-server and wrk (apt-get install wrk).
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
TARGET_RATIO, TARGET_P99_MS = 0.6, 25.0
BODIES = ["hola", "4", "menu", "1", "Hello, I need help", "6", "0", "MORE"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError as exc:
            if getattr(exc, "code", None):   # an HTTP error means the server answers
                return
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def gunicorn_command(app: str, port: int) -> list[str]:
    """The Procfile's web line, with $PORT filled in and its app swapped where asked."""
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    words = shlex.split(web[len("web:"):].replace("$PORT", str(port)))
    words[-1] = app
    words = [w for i, w in enumerate(words) if w != "--access-logfile" and (i == 0 or words[i - 1] != "--access-logfile")]
    words = [w for i, w in enumerate(words) if w != "--access-logformat" and (i == 0 or words[i - 1] != "--access-logformat")]
    words[words.index("--bind") + 1] = f"127.0.0.1:{port}"
    return [sys.executable, "-m"] + words


def lua_script(port: int, path: str, count: int = 2000) -> str:
    """A wrk script cycling through signed, form-encoded requests from many different numbers."""
    validator = RequestValidator(TOKEN)
    requests = []
    for n in range(count):
        params = {"From": f"+1860{5550000 + n:07d}", "To": "+18605550000", "Body": BODIES[n % len(BODIES)]}
        if path == "/voice":
            params.pop("Body")
        body = urlencode(params)
        signature = validator.compute_signature(f"http://127.0.0.1:{port}{path}", params)
        requests.append((body, signature))
    entries = ",\n".join(f'{{ {lua(body)}, {lua(sig)} }}' for body, sig in requests)
    return f"""
local requests = {{
{entries}
}}
local i = 0
request = function()
  i = i % #requests + 1
  local r = requests[i]
  return wrk.format("POST", "{path}", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[2],
  }}, r[1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %f %d %d\\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.requests))
end
"""


def lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def drive(port: int, path: str, seconds: int, connections: int, workdir: Path) -> dict:
    script = workdir / f"{port}{path.replace('/', '_')}.lua"
    script.write_text(lua_script(port, path))
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    rps, p50, p99, errors, total = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+)", out).groups()
    return {"rps": float(rps), "p50": float(p50), "p99": float(p99), "errors": int(errors), "requests": int(total)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    for tool in ("redis-server", "wrk"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed: apt-get install {tool if tool == 'wrk' else 'redis-server'}")
    workdir = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    redis_port, hotline_port, bare_port = free_port(), free_port(), free_port()
    processes = [subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)]
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "HOTLINE_SECRET": "bench-secret", "HOTLINE_CONTENT_DIR": str(ROOT),
           # the ceiling against SMS pumping would turn most of a benchmark into empty answers
           "HOTLINE_RATE_PER_MINUTE": str(10 ** 9)}
    log = (workdir / "servers.log").open("w")
    try:
        processes.append(subprocess.Popen(gunicorn_command("hotline.wsgi:application", hotline_port), env=env,
                                          cwd=ROOT, stdout=log, stderr=log))
        processes.append(subprocess.Popen(gunicorn_command("bare:application", bare_port), env=env,
                                          cwd=ROOT / "bench", stdout=log, stderr=log))
        wait_for(f"http://127.0.0.1:{hotline_port}/healthz")
        wait_for(f"http://127.0.0.1:{bare_port}/sms")
        results = {}
        for path in ("/sms", "/voice"):
            for name, port in (("bare", bare_port), ("hotline", hotline_port)):
                drive(port, path, 2, args.connections, workdir)          # warm up
                results[(name, path)] = drive(port, path, args.seconds, args.connections, workdir)
        print(f"{args.connections} connections, {args.seconds} s each, {os.cpu_count()} cores, "
              "gunicorn as in the Procfile, Redis on loopback\n")
        print(f"{'route':<8} {'app':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
        ok = True
        for path in ("/sms", "/voice"):
            for name in ("bare", "hotline"):
                r = results[(name, path)]
                print(f"{path:<8} {name:<8} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>8}")
            ratio = results[("hotline", path)]["rps"] / results[("bare", path)]["rps"]
            p99 = results[("hotline", path)]["p99"]
            meets = ratio >= TARGET_RATIO and p99 < TARGET_P99_MS and results[("hotline", path)]["errors"] == 0
            ok = ok and meets
            print(f"{path:<8} ratio hotline/bare throughput {ratio:.2f} (target >= {TARGET_RATIO}), "
                  f"p99 {p99:.2f} ms (target < {TARGET_P99_MS:.0f}) -> {'meets' if meets else 'MISSES'} targets\n")
        return 0 if ok else 1
    finally:
        for proc in reversed(processes):
            proc.terminate()
        for proc in processes:
            proc.wait(timeout=15)
        log.close()


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the hotline under the Procfile's gunicorn settings with a real Redis, against a bare Flask app
answering constant TwiML and a floor app doing only the form, the signature and one Redis GET, all under
the same settings and driven by wrk with the same load in one run.

    python bench/run.py [--seconds 10] [--connections 8]

Prints requests per second, p50, p99 and CPU per request for /sms and /voice for each app, and the ratios.
Everything runs on loopback and stops by itself. Needs redis-server and wrk (apt-get install wrk).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
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
APPS = {"bare": ("bare:application", ROOT / "bench"), "floor": ("floor:application", ROOT / "bench"),
        "hotline": ("hotline.wsgi:application", ROOT)}
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


def content_without_forwarding(workdir: Path) -> Path:
    """The shipped content, but calls never ring the Welcome Center: every call is measured on the
    hotline's own path (Redis, the menu), whatever the time of day the benchmark runs."""
    content = workdir / "content"
    for folder in ("prompts", "translations"):
        shutil.copytree(ROOT / folder, content / folder)
    schedule = content / "prompts" / "schedule.yaml"
    lines = schedule.read_text(encoding="utf-8").splitlines(keepends=True)
    schedule.write_text("".join(line for line in lines if not line.startswith("forward_to:")), encoding="utf-8")
    return content


def lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process (and its gunicorn workers, its children) has used so far."""
    total = 0.0
    for each in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def drive(port: int, path: str, seconds: int, connections: int, workdir: Path, watch: dict[str, int]) -> dict:
    script = workdir / f"{port}{path.replace('/', '_')}.lua"
    script.write_text(lua_script(port, path))
    before = {name: cpu_seconds(pid) for name, pid in watch.items()}
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rps, p50, p99, errors, total = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+)", out).groups()
    cpu = {name: cpu_seconds(pid) - before[name] for name, pid in watch.items()}
    cpu["wrk"] = (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime)
    per_request = {name: used / int(total) * 1e6 for name, used in cpu.items()}   # microseconds of CPU
    return {"rps": float(rps), "p50": float(p50), "p99": float(p99), "errors": int(errors), "requests": int(total),
            "cpu_us": per_request}


def report(results: dict, args) -> int:
    """Print the table and the verdicts; 0 when the hotline meets both targets on both routes."""
    print(f"{args.connections} connections, {args.seconds} s each, {os.cpu_count()} cores, "
          "gunicorn as in the Procfile, Redis on loopback")
    print("bare: constant TwiML. floor: form, signature, one Redis GET, constant TwiML (the least a webhook\n"
          "with these duties can do). hotline: the real thing.\n")
    print(f"{'route':<8} {'app':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}   "
          "CPU per request, microseconds: app (gunicorn workers), redis-server, wrk")
    ok = True
    for path in ("/sms", "/voice"):
        for name in APPS:
            r = results[(name, path)]
            cpu = r["cpu_us"]
            print(f"{path:<8} {name:<8} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>8}   "
                  f"{cpu['app']:.0f} app, {cpu['redis']:.0f} redis, {cpu['wrk']:.0f} wrk")
        bare = results[("bare", path)]["rps"]
        hotline, floor = results[("hotline", path)], results[("floor", path)]
        ratio = hotline["rps"] / bare
        meets = ratio >= TARGET_RATIO and hotline["p99"] < TARGET_P99_MS and hotline["errors"] == 0
        ok = ok and meets
        print(f"{path:<8} throughput of bare: hotline {ratio:.2f} (target >= {TARGET_RATIO}), floor "
              f"{floor['rps'] / bare:.2f}; hotline/floor {hotline['rps'] / floor['rps']:.2f}; hotline p99 "
              f"{hotline['p99']:.2f} ms (target < {TARGET_P99_MS:.0f}) -> {'meets' if meets else 'MISSES'} targets\n")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    for tool in ("redis-server", "wrk"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed: apt-get install {tool if tool == 'wrk' else 'redis-server'}")
    workdir = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    redis_port = free_port()
    processes = [subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL)]
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "HOTLINE_SECRET": "bench-secret", "HOTLINE_CONTENT_DIR": str(content_without_forwarding(workdir)),
           # the ceiling against SMS pumping would turn most of a benchmark into empty answers
           "HOTLINE_RATE_PER_MINUTE": str(10 ** 9)}
    log = (workdir / "servers.log").open("w")
    try:
        ports, servers = {}, {}
        for name, (app, folder) in APPS.items():
            ports[name] = free_port()
            processes.append(subprocess.Popen(gunicorn_command(app, ports[name]), env=env, cwd=folder,
                                              stdout=log, stderr=log))
            servers[name] = processes[-1].pid
        wait_for(f"http://127.0.0.1:{ports['hotline']}/healthz")
        for name in ("bare", "floor"):
            wait_for(f"http://127.0.0.1:{ports[name]}/sms")
        results = {}
        for path in ("/sms", "/voice"):
            for name in APPS:
                watch = {"app": servers[name], "redis": processes[0].pid}
                drive(ports[name], path, 2, args.connections, workdir, watch)          # warm up
                results[(name, path)] = drive(ports[name], path, args.seconds, args.connections, workdir, watch)
        return report(results, args)
    finally:
        for proc in reversed(processes):
            proc.terminate()
        for proc in processes:
            proc.wait(timeout=15)
        log.close()


if __name__ == "__main__":
    sys.exit(main())

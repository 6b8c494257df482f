"""Benchmark: the hotline under the Procfile's gunicorn settings with a real Redis (and HOTLINE_PUBLIC_URL, as the
README's production checklist deploys it), against a bare Flask app
answering constant TwiML and a floor app doing the least a correct stateful webhook must (the form, the
signature, the caller's state read and written back), all under the same settings and driven by wrk with the
same load in one run.

    python bench/run.py [--rounds 5] [--seconds 5] [--connections 8]

Prints requests per second, p50, p99 and CPU per request for /sms and /voice for each app, and the ratios.
Everything runs on loopback and stops by itself. Needs redis-server and wrk (apt-get install wrk).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import children, free_port, procfile_web  # noqa: E402  (one way to start the Procfile's gunicorn)
from tests.twilio_client import call_params, message_params  # noqa: E402  (Twilio's request shapes)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
TARGET_RATIO, TARGET_P99_MS = 0.8, 25.0   # the hotline's throughput against the floor's; its p99
APPS = {"bare": ("bare:application", ROOT / "bench"), "floor": ("floor:application", ROOT / "bench"),
        "hotline": ("hotline.wsgi:application", ROOT)}
WRK_THREADS = 2
BODIES = ["hola", "4", "menu", "1", "Hello, I need help", "6", "0", "MORE"]


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
    """The Procfile's web line, with $PORT filled in, its app swapped, and no access log (it would measure the disk)."""
    return procfile_web(port, app, access_log=False)


def lua_script(port: int, path: str, workdir: Path, count: int = 40000) -> str:
    """A wrk script sending signed requests in Twilio's full shape from 2,000 numbers, each with a message or call
    id of its own (Twilio never sends one twice but to retry), read from a data file."""
    validator = RequestValidator(TOKEN)
    data = workdir / f"{port}{path.replace('/', '_')}.requests"
    with data.open("w") as out:
        for n in range(count):
            number = f"+1860{5550000 + n % 2000:07d}"
            params = call_params(number) if path == "/voice" else message_params(number, BODIES[n % 2000 % len(BODIES)])
            out.write(f"{validator.compute_signature(f'http://127.0.0.1:{port}{path}', params)}\t{urlencode(params)}\n")
    return f"""
local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local requests = {{}}
init = function(args)
  local n = 0
  for line in io.lines("{data}") do   -- each wrk thread sends its own share: no request is sent twice
    if n % {WRK_THREADS} == id then
      local tab = line:find("\\t", 1, true)
      requests[#requests + 1] = {{ line:sub(tab + 1), line:sub(1, tab - 1) }}
    end
    n = n + 1
  end
end
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


def drive(port: int, path: str, seconds: int, connections: int, workdir: Path, watch: dict[str, int]) -> dict:
    script = workdir / f"{port}{path.replace('/', '_')}.lua"
    script.write_text(lua_script(port, path, workdir))
    before = {name: cpu_seconds(pid) for name, pid in watch.items()}
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{seconds}s", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rps, p50, p99, errors, total = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+)", out).groups()
    cpu = {name: cpu_seconds(pid) - before[name] for name, pid in watch.items()}
    cpu["wrk"] = (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime)
    per_request = {name: used / int(total) * 1e6 for name, used in cpu.items()}   # microseconds of CPU
    return {"rps": float(rps), "p50": float(p50), "p99": float(p99), "errors": int(errors), "requests": int(total),
            "cpu_us": per_request}


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(runs: dict, args) -> int:
    """Print the table and the verdicts; 0 when the hotline meets both targets on both routes. Each figure is
    the median of the rounds, and each ratio the median of the rounds' own ratios: apps measured side by side
    in one round share that moment's load on this machine."""
    print(f"{args.connections} connections, {args.rounds} rounds of {args.seconds} s per app, {os.cpu_count()} cores, "
          "gunicorn as in the Procfile, Redis on loopback, Twilio's full request shape")
    print("bare: constant TwiML. floor: form, signature, the caller's state read and written back (two Redis\n"
          "round trips), constant TwiML: the least a correct stateful webhook does. hotline: the real thing.\n")
    print(f"{'route':<8} {'app':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}   "
          "CPU per request, microseconds: app (gunicorn workers), redis-server, wrk")
    ok = True
    for path in ("/sms", "/voice"):
        for name in APPS:
            rounds = runs[(name, path)]
            cpu = {k: median([r["cpu_us"][k] for r in rounds]) for k in rounds[0]["cpu_us"]}
            print(f"{path:<8} {name:<8} {median([r['rps'] for r in rounds]):>9.0f} "
                  f"{median([r['p50'] for r in rounds]):>8.2f} {median([r['p99'] for r in rounds]):>8.2f} "
                  f"{sum(r['errors'] for r in rounds):>8}   "
                  f"{cpu['app']:.0f} app, {cpu['redis']:.0f} redis, {cpu['wrk']:.0f} wrk")
        pairs = list(zip(runs[("hotline", path)], runs[("floor", path)], runs[("bare", path)]))
        ratio = median([h["rps"] / f["rps"] for h, f, _ in pairs])
        each = ", ".join(f"{h['rps'] / f['rps']:.2f}" for h, f, _ in pairs)
        p99 = median([h["p99"] for h, _, _ in pairs])
        errors = sum(h["errors"] for h, _, _ in pairs)
        meets = ratio >= TARGET_RATIO and p99 < TARGET_P99_MS and errors == 0
        ok = ok and meets
        print(f"{path:<8} hotline/floor {ratio:.2f} (rounds: {each}; target >= {TARGET_RATIO}); of bare: hotline "
              f"{median([h['rps'] / b['rps'] for h, _, b in pairs]):.2f}, floor "
              f"{median([f['rps'] / b['rps'] for _, f, b in pairs]):.2f}; hotline p99 {p99:.2f} ms "
              f"(target < {TARGET_P99_MS:.0f}) -> {'meets' if meets else 'MISSES'} targets\n")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of one app's run in a round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each running every app once, in turn")
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
           "HOTLINE_SECRET": "bench-secret-0123456789abcdef0123456789", "HOTLINE_CONTENT_DIR": str(content_without_forwarding(workdir)),
           # the limits against floods and SMS pumping would turn most of a benchmark into empty answers
           "HOTLINE_RATE_PER_MINUTE": str(10 ** 9), "HOTLINE_RATE_PER_NUMBER": str(10 ** 9)}
    log = (workdir / "servers.log").open("w")
    try:
        ports, servers = {}, {}
        for name, (app, folder) in APPS.items():
            ports[name] = free_port()
            # As the README's production checklist deploys it: with the URL Twilio calls (no proxy headers to read).
            own = {"HOTLINE_PUBLIC_URL": f"http://127.0.0.1:{ports[name]}"} if name == "hotline" else {}
            processes.append(subprocess.Popen(gunicorn_command(app, ports[name]), env={**env, **own}, cwd=folder,
                                              stdout=log, stderr=log))
            servers[name] = processes[-1].pid
        wait_for(f"http://127.0.0.1:{ports['hotline']}/healthz")
        for name in ("bare", "floor"):
            wait_for(f"http://127.0.0.1:{ports[name]}/sms")
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['hotline']}/healthz", timeout=5) as health:
            assert b'"redis"' in health.read(), "another app answers on the hotline's port"
        dead = [name for name, proc in zip(APPS, processes[1:]) if proc.poll() is not None]
        if dead:   # another app answering on its port would be measured in its place
            raise SystemExit(f"{', '.join(dead)} did not start: see {workdir / 'servers.log'}")
        runs: dict[tuple[str, str], list[dict]] = {}
        for path in ("/sms", "/voice"):
            for name in APPS:
                drive(ports[name], path, 2, args.connections, workdir, {"app": servers[name]})   # warm up
            for round_ in range(args.rounds):
                order = list(APPS)[round_ % len(APPS):] + list(APPS)[:round_ % len(APPS)]   # each goes first in turn
                for name in order:
                    watch = {"app": servers[name], "redis": processes[0].pid}
                    runs.setdefault((name, path), []).append(
                        drive(ports[name], path, args.seconds, args.connections, workdir, watch))
        verdict = report(runs, args)
        shutil.rmtree(workdir, ignore_errors=True)   # the request files name 2,000 made-up numbers: not left behind
        return verdict
    finally:
        for proc in reversed(processes):
            proc.terminate()
        for proc in processes:
            proc.wait(timeout=15)
        log.close()


if __name__ == "__main__":
    sys.exit(main())

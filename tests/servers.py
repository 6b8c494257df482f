"""Real servers for the tests and the benchmarks: a throwaway redis-server, and the hotline under the
Procfile's own gunicorn command, driven over HTTP on loopback exactly as Twilio drives it."""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import redis
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port nothing listens on now, and not one this process handed out before: the kernel may give the
    same free port twice in a row, and two servers started one after the other would then share it (the second
    fails to bind while the first answers for both)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


class RedisServer:
    """A throwaway redis-server on a free port, nothing kept on disk unless asked; it can be stopped and
    started again."""

    def __init__(self, workdir: Path, *options: str, password: str = "", tls: bool = False):
        self.port, self.dir, self.proc = free_port(), Path(workdir), None
        self.options = (options or ("--save", "", "--appendonly", "no")) + (("--requirepass", password) if password else ())
        if tls:   # as Heroku's Redis: TLS only, with a self-signed certificate; no client certificates asked for
            cert, key = self_signed(self.dir)
            self.options += ("--tls-port", str(self.port), "--tls-cert-file", str(cert), "--tls-key-file", str(key),
                             "--tls-auth-clients", "no")
        self.url = f"{'rediss' if tls else 'redis'}://127.0.0.1:{self.port}/0"
        self.admin_url = self.url.replace("://", f"://:{password}@") if password else self.url
        self.admin_url += "?ssl_cert_reqs=none" if tls else ""

    def start(self) -> "RedisServer":
        port = "0" if "--tls-port" in self.options else str(self.port)
        self.proc = subprocess.Popen([shutil.which("redis-server"), "--port", port, "--bind", "127.0.0.1",
                                      "--dir", str(self.dir), *self.options],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.admin_url)
        try:
            for _ in range(200):
                try:
                    client.ping()
                    return self
                except redis.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files (made with the cryptography package)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "redis self-signed")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = Path(folder) / "redis.crt", Path(folder) / "redis.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def procfile_web(port: int, app: str | None = None, access_log: bool = True) -> list[str]:
    """The Procfile's web line as a command: $PORT filled in (bound to loopback), its app swapped where asked,
    and its access log left out where asked (benchmarks)."""
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    words = shlex.split(web[len("web:"):].replace("$PORT", str(port)))
    if app:
        words[-1] = app
    if not access_log:
        for flag in ("--access-logfile", "--access-logformat"):
            if flag in words:
                at = words.index(flag)
                del words[at:at + 2]
    words[words.index("--bind") + 1] = f"127.0.0.1:{port}"
    return [sys.executable, "-m"] + words


def children(pid: int) -> list[int]:
    """The child processes of a process (a gunicorn master's workers), found by their parent in /proc: whichever
    of the parent's threads forked them (/proc/PID/task/PID/children lists only the main thread's)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry))
    return sorted(found)


class Gunicorn:
    """The hotline (or another app) under the Procfile's gunicorn, with its log in a file."""

    def __init__(self, env: dict[str, str], log_path: Path, app: str | None = None, cwd: Path = ROOT,
                 token: str = ""):
        self.port = free_port()
        self.env = {**os.environ, **env, "PORT": str(self.port)}
        self.log_path, self.app, self.cwd = Path(log_path), app, cwd
        self.validator = RequestValidator(token or env.get("TWILIO_AUTH_TOKEN", ""))
        self.proc: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> "Gunicorn":
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(procfile_web(self.port, self.app), env=self.env, cwd=self.cwd,
                                     stdout=log, stderr=log)
        log.close()
        if wait and not self.until(self.healthy, 30):
            self.stop()
            raise RuntimeError("gunicorn did not come up:\n" + self.log())
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def workers(self) -> list[int]:
        return children(self.proc.pid) if self.proc else []

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    @staticmethod
    def until(predicate, seconds: float = 20.0, every: float = 0.05) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(every)
        return False

    def kill_workers(self, sig: int = signal.SIGKILL) -> list[int]:
        """Signal every worker (SIGKILL: as a crash or the kernel's OOM killer would); the master starts new ones."""
        killed = self.workers()
        for pid in killed:
            os.kill(pid, sig)
        self.until(lambda: len(self.workers()) >= 1 and not set(self.workers()) & set(killed), 20)
        return killed

    def signal(self, sig: int) -> None:
        os.kill(self.proc.pid, sig)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def walk(self, params: dict, digits: str) -> tuple[str, dict]:
        """A call as Twilio places it: the incoming call, then each key pressed at the Gather it is given; the
        action URL of the Gather reached last, and the parameters a press there is posted with (Digits aside)."""
        import xml.etree.ElementTree as ET

        _, body = self.post("/voice", params)
        for digit in digits:
            action = ET.fromstring(body).find("Gather").get("action")
            _, body = self.post(action, {**params, "CallStatus": "in-progress", "Digits": digit})
        return ET.fromstring(body).find("Gather").get("action"), {**params, "CallStatus": "in-progress"}

    def post(self, path: str, params: dict, timeout: float = 30) -> tuple[int, str]:
        """A signed, form-encoded POST as Twilio sends it: (status, body)."""
        url = self.base + path
        request = urllib.request.Request(url, data=urlencode(params).encode(), headers={
            "X-Twilio-Signature": self.validator.compute_signature(url, params)})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")


class Proxy:
    """A TCP forwarder on a free port, as a provider's endpoint stays the same through a failover: each new
    connection goes to the current target; connections already open stay with the old one."""

    def __init__(self, target_port: int):
        import threading

        self.target = target_port
        self.port = free_port()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        self.open: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def switch(self, target_port: int) -> None:
        """New connections go to another server from now on."""
        self.target = target_port

    def _accept(self) -> None:
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()
        for end in self.open:
            try:
                end.close()
            except OSError:
                pass

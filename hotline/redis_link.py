"""The hotline's connections to Redis, as a managed Redis treats them: short timeouts, a bounded number of
connections a worker, a single failure tried once more, a failover noticed at once, and every failure named in
words a district's IT person can act on (never the password in the URL)."""
from __future__ import annotations

import ssl
import threading
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

TIMEOUT = 0.5           # seconds: Twilio must get an answer even when Redis hangs
MAX_CONNECTIONS = 20    # a worker's connections for the webhooks' scripts (plus SHARED for staff pages and checks)
SHARED = 4


class FailoverAware(redis.Redis):
    """A client that, told by a replica that it is read-only (the primary it reached has become a replica in a
    failover), drops its pool's connections and sends the command once more: the write was refused, not done, so
    sending it again is safe, and the next connections reach whatever the URL leads to now."""

    def execute_command(self, *args, **options):
        try:
            return super().execute_command(*args, **options)
        except redis.ReadOnlyError:
            self.connection_pool.disconnect()
            return super().execute_command(*args, **options)


def connect(url: str | None, single: bool = False) -> redis.Redis:
    """A Redis client with short, explicit timeouts; the embedded store when url is None. single: a client that
    keeps one connection (for one request at a time), without a pool to borrow it from at every command; else a
    small pool that waits for a free connection rather than opening more than SHARED. redis-py retries nothing on
    its own: a script run twice could be applied twice (Clients.run says when to try again)."""
    if url is None:
        import fakeredis

        return fakeredis.FakeRedis()
    options = dict(socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT, retry=Retry(NoBackoff(), 0),
                   health_check_interval=30)
    if single:
        return redis.Redis.from_url(url, single_connection_client=True, **options)
    pool = redis.BlockingConnectionPool.from_url(url, max_connections=SHARED, timeout=TIMEOUT, **options)
    return FailoverAware(connection_pool=pool)


def where(url: str | None) -> str:
    """A Redis URL as it may be logged: scheme, host, port and database, never the user or password."""
    if not url:
        return "the embedded store"
    parts = urlsplit(url)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host or 'localhost'}:{parts.port or 6379}{parts.path or ''}"


def diagnosis(exc: Exception, url: str | None) -> str:
    """Why a Redis could not be used, in words a district's IT person can act on."""
    place = where(url)
    chain, cause = [], exc
    while cause is not None and len(chain) < 6:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    text = " ".join(str(c) for c in chain).lower()
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in chain) or "certificate verify failed" in text:
        return (f"{place}: its TLS certificate could not be verified (a provider's self-signed certificate, as "
                "Heroku's: add ?ssl_cert_reqs=none to REDIS_URL)")
    if any(isinstance(c, ssl.SSLError) for c in chain) or "ssl" in text and "wrong version" in text:
        return f"{place}: the TLS connection failed (rediss:// to a Redis without TLS, or the other way round?)"
    if "noauth" in text or "authentication required" in text or "already authenticated" in text:
        return f"{place}: Redis asks for a password and REDIS_URL gives none (authentication required)"
    if isinstance(exc, redis.AuthenticationError) or "wrongpass" in text or "invalid password" in text \
            or "invalid username-password" in text:
        return f"{place}: the user or password in REDIS_URL was refused (authentication failed)"
    if "name or service not known" in text or "nodename nor servname" in text or "temporary failure in name" in text:
        return f"{place}: the host name could not be found"
    if "connection refused" in text:
        return f"{place}: nothing answers at this host and port (connection refused)"
    if "max number of clients" in text:
        return f"{place}: Redis has as many clients as its maxclients allows (see the README: connections)"
    if isinstance(exc, redis.TimeoutError) or "timed out" in text or "timeout" in text:
        tls = " or rediss:// to a Redis without TLS" if place.startswith("rediss:") else ""
        return f"{place}: no answer within {TIMEOUT} s (a firewall, the wrong host{tls}?)"
    return f"{place}: {type(exc).__name__}"


def outage(exc: Exception) -> bool:
    """Whether a failure says Redis is away (nothing answers: not even a connection), not that one request failed
    (a reply cut or slow, memory full, a replica after a failover), so that the hotline stops asking for a while."""
    if isinstance(exc, redis.ResponseError):   # Redis answered: it is there (OOM, READONLY, a script's error)
        return False
    text = str(exc).lower()
    return isinstance(exc, redis.ConnectionError) and ("connecting" in text or "connection refused" in text
                                                       or "max number of clients" in text)


class Clients:
    """Single-connection clients for the webhooks' scripts, each lent to one request at a time: borrowing from
    redis-py's pool checks the connection with a system call at every command, a fifth of a webhook's Redis time.
    At most MAX_CONNECTIONS a worker (a managed Redis caps its clients: see the README's connections); a request
    that finds them all in use waits up to TIMEOUT for one. An idle client is taken and given back without a lock
    (a list's pop and append are atomic); only opening one, or waiting for one, takes the lock."""

    def __init__(self, url: str, size: int = MAX_CONNECTIONS):
        self.url, self.size = url, size
        self.idle: list[redis.Redis] = []     # the last given back is lent first (its connection is warm)
        self.opened = 0
        self.waiting = 0
        self.lock = threading.Lock()
        self.given_back = threading.Condition(self.lock)

    def borrow(self) -> redis.Redis:
        """A client for one request; ConnectionError when none is free within TIMEOUT."""
        try:
            return self.idle.pop()
        except IndexError:
            pass
        with self.lock:
            while self.opened >= self.size:   # all lent: wait for one given back (or closed, making room)
                self.waiting += 1
                try:
                    if not self.given_back.wait_for(lambda: self.idle or self.opened < self.size, timeout=TIMEOUT):
                        raise redis.ConnectionError(f"all {self.size} connections of this worker are in use")
                finally:
                    self.waiting -= 1
                try:
                    return self.idle.pop()
                except IndexError:   # taken meanwhile by a request that needed no lock, or room to open one
                    continue
            self.opened += 1
        try:
            return connect(self.url, single=True)
        except BaseException:
            with self.lock:
                self.opened -= 1
                self.given_back.notify()
            raise

    def give_back(self, client: redis.Redis, broken: bool = False) -> None:
        """A client back for the next request; a broken one is closed (its place is opened again when needed)."""
        if broken:
            client.close()
            with self.lock:
                self.opened -= 1
                self.given_back.notify()   # a waiting request may open one in its place
            return
        self.idle.append(client)
        if self.waiting:
            with self.lock:
                self.given_back.notify()

    def drop_idle(self) -> None:
        """Close every idle connection: after a failover they all reach the old primary, now a read-only replica,
        and the next requests must connect afresh (to wherever the URL leads now)."""
        while True:
            try:
                client = self.idle.pop()
            except IndexError:
                return
            self.give_back(client, broken=True)

    def close(self) -> None:
        """Close every connection."""
        self.drop_idle()

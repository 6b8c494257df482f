"""Conversation state in Redis: keys are keyed hashes of phone numbers, and every key expires.

Writes that can wait (a conversation's new position, a caller's language) are queued and
sent with the next read of this worker process, so a webhook costs one Redis round trip;
a writer thread sends what no read took within WRITE_DELAY, and the queue is sent at exit.

Nothing here stores a phone number or a message body. A number becomes
HMAC-SHA256(HOTLINE_SECRET, number) before it touches a key, and a value holds
only the menu position and language. Without REDIS_URL an embedded in-process
store (fakeredis, the same Redis commands in memory) lets the hotline be tried
on a machine with nothing else installed.
"""
from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from hotline.engine import State

log = logging.getLogger(__name__)

PREFIX = "hotline"
SESSION_TTL = 24 * 3600          # a conversation is forgotten a day after its last text
LANGUAGE_TTL = 90 * 24 * 3600    # a caller's language is remembered for 90 days
OPT_OUT_TTL = 2 * 365 * 24 * 3600  # STOP is honoured for two years after the last text
TIMEOUT = 0.5                    # seconds: Twilio must get an answer even when Redis hangs
KINDS = ("sms", "voice", "lang", "optout", "callback")   # every kind of key kept for a number
PAUSE = 5.0                      # seconds Redis is left alone after a failure (then tried again)
RATE_WINDOW = 120                # seconds a minute's rate count is kept
WRITE_DELAY = 0.05               # seconds a queued write waits for a read to carry it (texts are seconds apart)


# One round trip for a webhook: this process's queued writes, then the caller's counts and keys.
# KEYS: session, language, opt-out, this number's rate, everyone's rate, then the keys to write;
# ARGV: the rate window, then a value and its seconds to live for each key to write.
LOAD = """
for i = 6, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2 * i - 10], 'EX', ARGV[2 * i - 9])
end
local mine = redis.call('INCR', KEYS[4])
redis.call('EXPIRE', KEYS[4], ARGV[1])
local everyone = redis.call('INCR', KEYS[5])
redis.call('EXPIRE', KEYS[5], ARGV[1])
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3]), mine, everyone}
"""


@dataclass(frozen=True)
class Loaded:
    """What the store knows of a caller: their conversation, their language, and whether Redis answered."""

    state: State | None
    lang: str | None
    ok: bool = True
    opted_out: bool = False
    limited: bool = False   # over the per-number rate or the global ceiling: no reply


def connect(url: str | None) -> redis.Redis:
    """A Redis client with short, explicit timeouts; the embedded store when url is None."""
    if url is None:
        import fakeredis

        return fakeredis.FakeRedis()
    return redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT,
        retry=Retry(NoBackoff(), 1), health_check_interval=30,
    )


class Store:
    """Sessions and remembered languages: one Redis round trip a webhook, writes queued behind reads."""

    def __init__(self, client: redis.Redis, secret: bytes, embedded: bool = False,
                 per_number: int = 20, per_minute: int = 1200):
        self.client = client
        self.secret = secret
        self.embedded = embedded
        self.per_number = per_number      # texts (or calls) one number may send in a minute
        self.per_minute = per_minute      # replies the whole hotline sends in a minute (SMS pumping)
        self.paused_until = 0.0
        self.load_script = client.register_script(LOAD)
        self.queued: list[tuple[str, str, int]] = []   # (key, value, seconds to live) not yet sent
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.writer: threading.Thread | None = None   # started on the first write (again in a forked worker)
        self.closed = threading.Event()
        atexit.register(self.flush)

    def available(self) -> bool:
        """False for a few seconds after Redis failed, so an outage costs no time per request."""
        return time.monotonic() >= self.paused_until

    def _failed(self, exc: Exception) -> None:
        self.paused_until = time.monotonic() + PAUSE
        log.warning("session store unavailable", extra={"error": type(exc).__name__})

    def caller(self, number: str) -> str:
        """The keyed hash that stands for a phone number everywhere in Redis."""
        return hmac.new(self.secret, number.strip().encode(), hashlib.sha256).hexdigest()[:32]

    def _keys(self, number: str, channel: str) -> tuple[str, str]:
        who = self.caller(number)
        return f"{PREFIX}:{channel}:{who}", f"{PREFIX}:lang:{who}"

    def _opt_out_key(self, number: str) -> str:
        return f"{PREFIX}:optout:{self.caller(number)}"

    def _load_keys(self, number: str, channel: str) -> tuple[str, ...]:
        """session, language, opt-out and this minute's rate key of a number: one keyed hash for all."""
        who, minute = self.caller(number), int(time.time() // 60)
        return (f"{PREFIX}:{channel}:{who}", f"{PREFIX}:lang:{who}", f"{PREFIX}:optout:{who}",
                f"{PREFIX}:rate:{who}:{minute}", f"{PREFIX}:rate:all:{minute}")

    def load(self, number: str, channel: str = "sms") -> Loaded:
        """The caller's conversation, language, opt-out and rate counts, in one round trip that also
        carries this process's queued writes; empty if Redis is down."""
        if not self.available():
            return Loaded(None, None, ok=False)
        queued = self._take()
        keys = [*self._load_keys(number, channel), *(key for key, _, _ in queued)]
        try:
            raw_state, raw_lang, opted_out, count, total = self.load_script(
                keys=keys, args=[RATE_WINDOW, *(part for _, value, ttl in queued for part in (value, ttl))])
        except redis.RedisError as exc:
            self._failed(exc)
            return Loaded(None, None, ok=False)
        lang = raw_lang.decode() if raw_lang else None
        limited = count > self.per_number or total > self.per_minute
        return Loaded(State.from_json(raw_state, channel), lang, opted_out=bool(opted_out), limited=limited)

    def _take(self) -> list[tuple[str, str, int]]:
        """The queued writes, in order, for the round trip about to be made."""
        with self.lock:
            queued, self.queued = self.queued, []
        return queued

    def _send(self, commands) -> list | None:
        """One pipelined round trip: the queued writes first (so a delete is not undone by an older
        write), then commands(pipe). The commands' results, or None if Redis failed (the queued
        writes are then dropped)."""
        queued = self._take()
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for key, value, ttl in queued:
                    pipe.set(key, value, ex=ttl)
                commands(pipe)
                return pipe.execute()[len(queued):]
        except redis.RedisError as exc:
            self._failed(exc)
            return None

    def _queue(self, *writes: tuple[str, str, int]) -> bool:
        """Send these SETs with the next read, or within WRITE_DELAY; False if Redis is down."""
        if not self.available():
            return False
        with self.lock:
            self.queued.extend(writes)
            if self.writer is None or not self.writer.is_alive():
                self.writer = threading.Thread(target=self._write_behind, name="hotline-writer", daemon=True)
                self.writer.start()
        if not self.wake.is_set():
            self.wake.set()
        return True

    def _write_behind(self) -> None:
        while self.wake.wait() and not self.closed.is_set():
            self.wake.clear()
            if self.closed.wait(WRITE_DELAY):   # meanwhile a read may carry the writes in its own round trip
                return
            self.flush()

    def flush(self) -> None:
        """Send the queued writes now (the writer thread, at exit, and tests that look into Redis)."""
        if self.queued and self.available():
            self._send(lambda pipe: None)

    def close(self) -> None:
        """Send what is queued, stop the writer thread and close the connections."""
        self.closed.set()
        self.wake.set()
        if self.writer is not None and self.writer.is_alive():
            self.writer.join(timeout=1)
        self.flush()
        atexit.unregister(self.flush)
        self.client.close()

    def set_opt_out(self, number: str, opted_out: bool) -> bool:
        """Record STOP (kept two years, beyond any conversation) or START, at once; False if Redis is down."""
        if not self.available():
            return False
        key = self._opt_out_key(number)
        return self._send(lambda pipe: pipe.set(key, "1", ex=OPT_OUT_TTL) if opted_out else pipe.delete(key)) is not None

    def save(self, number: str, state: State) -> bool:
        """Keep a conversation (a day) and its language (90 days), queued; False if Redis is down."""
        session_key, lang_key = self._keys(number, state.channel)
        writes = [(session_key, state.to_json(), SESSION_TTL)]
        if state.lang:
            writes.append((lang_key, state.lang, LANGUAGE_TTL))
        return self._queue(*writes)

    def remember(self, number: str, lang: str) -> bool:
        """Keep only a caller's language (90 days), as a call does, queued; False if Redis is down."""
        return self._queue((self._keys(number, "sms")[1], lang, LANGUAGE_TTL))

    def forget(self, number: str) -> bool:
        """Delete everything kept for a number (each kind of key, named): False if Redis is down."""
        if not self.available():
            return False
        who = self.caller(number)
        minute = int(time.time() // 60)
        keys = [f"{PREFIX}:{kind}:{who}" for kind in KINDS] + [f"{PREFIX}:rate:{who}:{m}" for m in (minute - 1, minute)]
        return self._send(lambda pipe: pipe.delete(*keys)) is not None

    def health(self) -> str:
        """'ok', 'embedded' or 'down' (a real ping, even while paused: this is how recovery shows)."""
        try:
            self.client.ping()
        except redis.RedisError:
            return "down"
        self.paused_until = 0.0
        return "embedded" if self.embedded else "ok"

"""Conversation state in Redis: keys are keyed hashes of phone numbers, and every key expires.

Nothing here stores a phone number or a message body. A number becomes
HMAC-SHA256(HOTLINE_SECRET, number) before it touches a key, and a value holds
only the menu position and language. Without REDIS_URL an embedded in-process
store (fakeredis, the same Redis commands in memory) lets the hotline be tried
on a machine with nothing else installed.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
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
    """Sessions and remembered languages, one Redis round trip to load and one to save."""

    def __init__(self, client: redis.Redis, secret: bytes, embedded: bool = False,
                 per_number: int = 20, per_minute: int = 1200):
        self.client = client
        self.secret = secret
        self.embedded = embedded
        self.per_number = per_number      # texts (or calls) one number may send in a minute
        self.per_minute = per_minute      # replies the whole hotline sends in a minute (SMS pumping)
        self.paused_until = 0.0

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
        """The caller's conversation, language, opt-out and rate counts, in one round trip; empty if Redis is down."""
        if not self.available():
            return Loaded(None, None, ok=False)
        session_key, lang_key, opt_out_key, mine, everyone = self._load_keys(number, channel)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                pipe.mget(session_key, lang_key, opt_out_key)
                pipe.incr(mine)
                pipe.expire(mine, 120)
                pipe.incr(everyone)
                pipe.expire(everyone, 120)
                (raw_state, raw_lang, opted_out), count, _, total, _ = pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)
            return Loaded(None, None, ok=False)
        lang = raw_lang.decode() if raw_lang else None
        limited = count > self.per_number or total > self.per_minute
        return Loaded(State.from_json(raw_state, channel), lang, opted_out=bool(opted_out), limited=limited)

    def set_opt_out(self, number: str, opted_out: bool) -> bool:
        """Record STOP (kept two years, beyond any conversation) or START; False if Redis is down."""
        if not self.available():
            return False
        try:
            if opted_out:
                self.client.set(self._opt_out_key(number), "1", ex=OPT_OUT_TTL)
            else:
                self.client.delete(self._opt_out_key(number))
        except redis.RedisError as exc:
            self._failed(exc)
            return False
        return True

    def save(self, number: str, state: State) -> bool:
        """Keep a conversation (a day) and its language (90 days); False if Redis is down."""
        if not self.available():
            return False
        session_key, lang_key = self._keys(number, state.channel)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                pipe.set(session_key, state.to_json(), ex=SESSION_TTL)
                if state.lang:
                    pipe.set(lang_key, state.lang, ex=LANGUAGE_TTL)
                pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)
            return False
        return True

    def remember(self, number: str, lang: str) -> bool:
        """Keep only a caller's language (90 days), as a call does; False if Redis is down."""
        if not self.available():
            return False
        try:
            self.client.set(self._keys(number, "sms")[1], lang, ex=LANGUAGE_TTL)
        except redis.RedisError as exc:
            self._failed(exc)
            return False
        return True

    def forget(self, number: str) -> bool:
        """Delete everything kept for a number (each kind of key, named): False if Redis is down."""
        if not self.available():
            return False
        who = self.caller(number)
        minute = int(time.time() // 60)
        keys = [f"{PREFIX}:{kind}:{who}" for kind in KINDS] + [f"{PREFIX}:rate:{who}:{m}" for m in (minute - 1, minute)]
        try:
            self.client.delete(*keys)
        except redis.RedisError as exc:
            self._failed(exc)
            return False
        return True

    def health(self) -> str:
        """'ok', 'embedded' or 'down' (a real ping, even while paused: this is how recovery shows)."""
        try:
            self.client.ping()
        except redis.RedisError:
            return "down"
        self.paused_until = 0.0
        return "embedded" if self.embedded else "ok"

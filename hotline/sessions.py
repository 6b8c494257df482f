"""Conversation state in Redis: keys are keyed hashes of phone numbers, and every key expires.

Every webhook makes at most two round trips, and its answer leaves only after both:
1. a read script: the reply already given to this very message or call step (Twilio retries), else the
   caller's conversation, language and opt-out, and the rate counts (commands are never counted or limited);
2. a write script: the new conversation and language, the reply (kept a few minutes for retries) and the
   usage counts, all at once, so a worker killed after answering has lost nothing.

One number, one sequence: compare-and-set, not a lock. The write stores a conversation only if the
conversation and language it was stepped from are still the ones stored (the conversation changes at every
step: its turn count grows). Otherwise another worker answered a text from the same number in between, and
the text is read and stepped again from what is stored now. A lock would make every text pay for a rare
collision, and a worker killed while holding it would stall the number until the lock expired; a failed
compare costs only the text that collided. If what was read has since been deleted, ERASE came in between:
nothing is written, so a request already in flight cannot bring an erased number back.

Nothing here stores a phone number or a message body. A number becomes HMAC-SHA256(key, number) before it
touches a key, with a key derived from HOTLINE_SECRET for this use only (hotline.keys). Without REDIS_URL an embedded in-process store (fakeredis, the same commands and scripts in
memory) lets the hotline be tried on a machine with nothing else installed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import queue
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import orjson
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from hotline.carrier import BY_HOTLINE, BY_TWILIO
from hotline.engine import State

log = logging.getLogger(__name__)

PREFIX = "hotline"
SESSION_TTL = 24 * 3600            # a conversation is forgotten a day after its last text
LANGUAGE_TTL = 90 * 24 * 3600      # a caller's language is remembered for 90 days
OPT_OUT_TTL = 2 * 365 * 24 * 3600  # STOP is honoured for two years after the last text
RETRY_TTL = 5 * 60                 # a reply is given again to the same message or call step this long
REPLIES_KEPT = 3                   # replies kept with a conversation for Twilio's retries
STATS_TTL = 400 * 24 * 3600        # usage counts (no identities)
TIMEOUT = 0.5                      # seconds: Twilio must get an answer even when Redis hangs
PAUSE = 5.0                        # seconds Redis is left alone after a failure (then tried again)
RATE_WINDOW = 120                  # seconds a minute's rate count is kept
KINDS = ("sms", "voice", "lang", "optout", "callback")   # every kind of key kept for a number
RATES = ("sms", "voice", "voice-unattested")            # a number's rate counters, one for each way it reaches us
OK, CONFLICT, ERASED, DOWN = "ok", "conflict", "erased", "down"

# KEYS: conversation, language, opt-out, this number's rate, everyone's rate, the day's counts.
# ARGV: retry field ('' for none), limit (1 or 0), per number, per minute, rate window, counts' ttl,
#       then the counters to add to when the request is over a limit.
# A conversation that holds the retry field answers at once: a retried request counts toward no limit.
READ = """
local found = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3])
if ARGV[1] ~= '' and found[1] and string.find(found[1], ARGV[1], 1, true) then
  return {1, found[1], found[2], found[3], 0}
end
local limited = 0
if ARGV[2] == '1' then
  local mine = redis.call('INCR', KEYS[4])
  if mine == 1 then redis.call('EXPIRE', KEYS[4], ARGV[5]) end
  if mine > tonumber(ARGV[3]) then
    limited = 1
  else
    local everyone = redis.call('INCR', KEYS[5])
    if everyone == 1 then redis.call('EXPIRE', KEYS[5], ARGV[5]) end
    if everyone > tonumber(ARGV[4]) then limited = 2 end
  end
  if limited > 0 and #ARGV >= 7 then
    local first = redis.call('HINCRBY', KEYS[6], ARGV[7], 1)
    for i = 8, #ARGV do redis.call('HINCRBY', KEYS[6], ARGV[i], 1) end
    if first == 1 then redis.call('EXPIRE', KEYS[6], ARGV[6]) end
  end
end
return {0, found[1], found[2], found[3], limited}
"""

# KEYS: conversation, language, the day's counts, then the keys to set, then the keys to delete.
# ARGV: compare (1 or 0), the conversation and language read ('' for none), keys to set, keys to delete,
#       counts' ttl, counters, then (value, ttl) for each key to set, then the counters to add one to.
WRITE = """
local result = 'ok'
if ARGV[1] == '1' then
  local found = redis.call('MGET', KEYS[1], KEYS[2])
  local session, lang = found[1] or '', found[2] or ''
  if session ~= ARGV[2] or lang ~= ARGV[3] then
    if (ARGV[2] ~= '' and session == '') or (ARGV[3] ~= '' and lang == '') then
      result = 'erased'
    else
      return 'conflict'
    end
  end
end
local sets, dels, counters = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[7])
if result == 'ok' then
  for i = 1, sets do
    redis.call('SET', KEYS[3 + i], ARGV[6 + 2 * i], 'EX', ARGV[7 + 2 * i])
  end
  for i = 1, dels do redis.call('DEL', KEYS[3 + sets + i]) end
end
if counters > 0 then
  local first = redis.call('HINCRBY', KEYS[3], ARGV[8 + 2 * sets], 1)
  for i = 2, counters do redis.call('HINCRBY', KEYS[3], ARGV[7 + 2 * sets + i], 1) end
  if first == 1 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end   -- a day's first count made the key
end
return result
"""


# KEYS: pairs of (a key under the previous secret's hash, the same key under the current one). A key kept under the
# previous hash moves to the current one, its TTL with it, unless the current one already has it.
MIGRATE = """
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 and redis.call('EXISTS', KEYS[i + 1]) == 0 then
    redis.call('RENAME', KEYS[i], KEYS[i + 1])
  end
end
return 1
"""


# KEYS: a mark of what is counted, the day's counts. ARGV: the mark's ttl, the counts' ttl, then the counters.
# Counted once however often Twilio posts it.
COUNT_ONCE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local first = redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
for i = 4, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
if first == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return 1
"""


@dataclass(frozen=True)
class Loaded:
    """What the store knows of a caller, as read: conversation, language, opt-out, limits, a reply to replay."""

    state: State | None
    lang: str | None
    ok: bool = True
    opted_out: bool = False
    opt_out: str | None = None     # whose opt-out it is: hotline.carrier.BY_TWILIO or BY_HOTLINE
    limited: bool = False          # over the per-number rate or the hotline's ceiling: no reply
    replay: str | None = None      # the reply already given to this message or call step ('' for a call's:
                                   # the call's TwiML is made again from its URL, without doing anything twice)
    read: tuple[bytes, bytes] = (b"", b"")   # the raw conversation and language, for compare-and-set
    replies: tuple = ()            # (time, retry field, reply) of the last replies, kept with the conversation


@dataclass
class Changes:
    """What one answer changes in Redis, written in one script before the answer leaves."""

    sets: list[tuple[str, str | bytes, int]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)


def _whose(raw: bytes | None) -> str | None:
    """Whose a kept opt-out is. One kept before the two were told apart ("1") may have been Twilio's: it is
    taken as Twilio's, which only Twilio's own words lift."""
    if not raw:
        return None
    return BY_HOTLINE if raw == BY_HOTLINE.encode() else BY_TWILIO


def record(state: State | None, replies: list) -> str:
    """A conversation as kept: its state, and its last replies for Twilio's retries."""
    return orjson.dumps({"state": state.as_dict() if state else None, "replies": replies}).decode()


def _parse(raw: bytes | None, channel: str) -> tuple[State | None, tuple]:
    """The state and the replies of a kept conversation (a bare state, as kept before replies were)."""
    if not raw:
        return None, ()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, ()
    if isinstance(data, dict) and "replies" in data:
        replies = data["replies"] if isinstance(data["replies"], list) else []
        return State.from_dict(data.get("state"), channel), tuple(r for r in replies if isinstance(r, list)
                                                                  and len(r) == 3)
    return State.from_dict(data, channel), ()


def connect(url: str | None, single: bool = False) -> redis.Redis:
    """A Redis client with short, explicit timeouts; the embedded store when url is None. single: a client
    that keeps one connection (for one thread), without a pool to borrow it from at every command."""
    if url is None:
        import fakeredis

        return fakeredis.FakeRedis()
    return redis.Redis.from_url(
        url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT,
        retry=Retry(NoBackoff(), 1), health_check_interval=30, single_connection_client=single,
    )


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
    if isinstance(exc, redis.TimeoutError) or "timed out" in text or "timeout" in text:
        tls = " or rediss:// to a Redis without TLS" if place.startswith("rediss:") else ""
        return f"{place}: no answer within {TIMEOUT} s (a firewall, the wrong host{tls}?)"
    return f"{place}: {type(exc).__name__}"


def day_key(day: dt.date) -> str:
    """The hash holding one day's usage counts."""
    return f"{PREFIX}:stats:{day.isoformat()}"


class Store:
    """Sessions, remembered languages, opt-outs and counts: a read script and a write script a webhook."""

    def __init__(self, client: redis.Redis, key: bytes, embedded: bool = False,
                 per_number: int = 20, per_minute: int = 1200, url: str | None = None,
                 previous_key: bytes | None = None):
        self.client = client
        self.key_for_numbers = key   # Keys.numbers: never the secret itself
        self.previous_key = previous_key   # the previous secret's Keys.numbers, while a rotation is under way
        self.embedded = embedded
        self.per_number = per_number      # texts (or calls) one number may send in a minute
        self.per_minute = per_minute      # replies the whole hotline sends in a minute (SMS pumping)
        self.paused_until = 0.0
        self.scripts = {script: client.register_script(script).sha for script in (READ, WRITE, MIGRATE, COUNT_ONCE)}
        self.opted_out: dict[str, float] = {}   # callers seen opted out, for while Redis is away
        # The webhooks' scripts run on clients that each keep one connection, lent to one request at a time:
        # borrowing from redis-py's pool checks the connection with a system call at every command, a fifth of
        # a webhook's Redis time here. As many clients as requests ever ran at once; none is made per request.
        self.url = url
        self.idle: queue.SimpleQueue[redis.Redis] = queue.SimpleQueue()
        self.opened: list[redis.Redis] = []

    @classmethod
    def from_settings(cls, settings) -> "Store":
        """The store the settings describe: REDIS_URL's Redis (else the embedded store), keyed by HOTLINE_SECRET
        (and HOTLINE_SECRET_PREVIOUS while a rotation is under way), with the rate limits."""
        previous = settings.previous_keys
        return cls(connect(settings.redis_url), settings.keys.numbers, embedded=settings.redis_url is None,
                   per_number=settings.rate_per_number, per_minute=settings.rate_per_minute, url=settings.redis_url,
                   previous_key=previous.numbers if previous else None)

    def _run(self, script: str, keys: list, args: list):
        """Run one of the scripts by its digest, loading it first where Redis does not have it (a restart)."""
        if self.url is None:
            return self._eval(self.client, script, keys, args)
        try:
            client = self.idle.get_nowait()
        except queue.Empty:
            client = connect(self.url, single=True)
            self.opened.append(client)
        try:
            return self._eval(client, script, keys, args)
        finally:
            self.idle.put(client)

    def _eval(self, client: redis.Redis, script: str, keys: list, args: list):
        try:
            return client.evalsha(self.scripts[script], len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            client.script_load(script)
            return client.evalsha(self.scripts[script], len(keys), *keys, *args)

    def available(self) -> bool:
        """False for a few seconds after Redis failed, so an outage costs no time per request."""
        return time.monotonic() >= self.paused_until

    def _failed(self, exc: Exception) -> None:
        self.paused_until = time.monotonic() + PAUSE
        log.warning("session store unavailable", extra={"error": type(exc).__name__})

    def caller(self, number: str) -> str:
        """The keyed hash that stands for a phone number everywhere in Redis (computed once per request:
        every other method takes it, never the number). While a secret is being rotated, what is kept under the
        number's hash with the previous secret moves to the current one first (its opt-out above all)."""
        who = self._hash(self.key_for_numbers, number)
        if self.previous_key is not None and self.available():
            was = self._hash(self.previous_key, number)
            try:
                self._run(MIGRATE, [key for kind in KINDS for key in (self.key(kind, was), self.key(kind, who))], [])
            except redis.RedisError as exc:
                self._failed(exc)
        return who

    @staticmethod
    def _hash(key: bytes, number: str) -> str:
        return hmac.new(key, number.strip().encode(), hashlib.sha256).hexdigest()[:32]

    @staticmethod
    def key(kind: str, who: str) -> str:
        """The key of one kind (sms, lang, optout, callback...) kept for a caller."""
        return f"{PREFIX}:{kind}:{who}"

    @staticmethod
    def _rate(rate: str, who: str, minute: int) -> str:
        return f"{PREFIX}:rate:{rate}:{who}:{minute}"

    def retry_field(self, *parts: str) -> str:
        """The field a request's reply is kept under: a keyed hash of Twilio's ids for it, never the ids."""
        return hmac.new(self.key_for_numbers, "\n".join(parts).encode(), hashlib.sha256).hexdigest()[:24]

    def load(self, who: str, channel: str = "sms", *, limit: bool = True, retry: str = "",
             day: dt.date | None = None, counts: tuple[str, ...] = (), rate: str = "") -> Loaded:
        """The caller's conversation, language, opt-out and rate counts in one round trip (rates are counted
        only when limit); the reply to replay when retry names a request already answered; empty if Redis is
        down. counts are added to the day's usage counts when the request is over a limit. rate names the number's
        counter (default: the channel's): texts, attested calls and calls anyone could have made with that caller
        ID each have their own, so spoofed calls can neither silence a family's texts nor count them."""
        if not self.available():
            return Loaded(None, None, ok=False)
        minute = int(time.time() // 60)
        keys = [f"{PREFIX}:{channel}:{who}", f"{PREFIX}:lang:{who}", f"{PREFIX}:optout:{who}",   # each channel its own
                self._rate(rate or channel, who, minute), f"{PREFIX}:rate:all:{channel}:{minute}",   # ceiling too
                day_key(day or dt.date.today())]
        args = [retry, "1" if limit else "0", self.per_number, self.per_minute, RATE_WINDOW, STATS_TTL,
                *(counts if day else ())]
        try:
            found = self._run(READ, keys, args)
        except redis.RedisError as exc:
            self._failed(exc)
            return Loaded(None, None, ok=False)
        replayed, raw_state, raw_lang, opted_out, limited = found
        if replayed:
            replay = next((reply for _, field_, reply in _parse(raw_state, channel)[1] if field_ == retry), None)
            if replay is not None:
                return Loaded(None, raw_lang.decode() if raw_lang else None, replay=replay)
            return self.load(who, channel, limit=limit, day=day, counts=counts)   # the field was in a reply's text
        self._note_opt_out(who, bool(opted_out))
        state, replies = _parse(raw_state, channel)
        now = time.time()
        return Loaded(state, raw_lang.decode() if raw_lang else None, opted_out=bool(opted_out),
                      opt_out=_whose(opted_out), limited=bool(limited), read=(raw_state or b"", raw_lang or b""),
                      replies=tuple(r for r in replies if isinstance(r[0], (int, float)) and now - r[0] < RETRY_TTL))

    def _note_opt_out(self, who: str, opted_out: bool) -> None:
        if opted_out:
            self.opted_out[who] = time.monotonic()
            if len(self.opted_out) > 10000:   # bounded: the oldest half goes
                for old in sorted(self.opted_out, key=self.opted_out.get)[:5000]:
                    del self.opted_out[old]
        else:
            self.opted_out.pop(who, None)

    def known_opted_out(self, who: str) -> bool:
        """Whether this worker last saw the caller opted out (asked while Redis is away)."""
        return who in self.opted_out

    def commit(self, who: str, changes: Changes, *, channel: str = "sms", compare: Loaded | None = None,
               day: dt.date | None = None) -> str:
        """Write what an answer changed, with its counts, in one round trip. With compare, only if the
        conversation and language read are still stored: OK, CONFLICT (read again and step again), ERASED
        (deleted in between: nothing written but the counts) or DOWN."""
        if not self.available():
            return DOWN
        counts = list(changes.counts) if day else []
        keys = [f"{PREFIX}:{channel}:{who}", f"{PREFIX}:lang:{who}", day_key(day or dt.date.today()),
                *(key for key, _, _ in changes.sets), *changes.deletes]
        read = compare.read if compare is not None else (b"", b"")
        args = ["1" if compare is not None else "0", read[0], read[1], len(changes.sets), len(changes.deletes),
                STATS_TTL, len(counts), *(part for _, value, ttl in changes.sets for part in (value, ttl)), *counts]
        try:
            result = self._run(WRITE, keys, args)
        except redis.RedisError as exc:
            self._failed(exc)
            return DOWN
        result = result.decode() if isinstance(result, bytes) else result
        if result == OK and any(key.startswith(f"{PREFIX}:optout:") for key, _, _ in changes.sets):
            self._note_opt_out(who, True)
        elif result == OK and f"{PREFIX}:optout:{who}" in changes.deletes:
            self._note_opt_out(who, False)
        return result

    def count_once(self, mark: str, day: dt.date, counters: list[str]) -> bool:
        """Add one to each counter of the day unless what mark names was counted already (a day); False when it was,
        or when Redis is away (a count is not worth a failed request)."""
        if not counters or not self.available():
            return False
        try:
            return bool(self._run(COUNT_ONCE, [f"{PREFIX}:counted:{mark}", day_key(day)], [86400, STATS_TTL, *counters]))
        except redis.RedisError as exc:
            self._failed(exc)
            return False

    def conversation(self, who: str, state: State, loaded: Loaded | None = None, retry: str = "",
                     reply: str | None = None) -> list[tuple[str, str, int]]:
        """The keys that keep a conversation: its place and its last replies (a day), and its language
        (90 days from the start of the last conversation: written when one starts or its language changes)."""
        sets = [(self.key(state.channel, who), record(state, self._replies(loaded, retry, reply)), SESSION_TTL)]
        if state.lang and (loaded is None or loaded.state is None or state.lang != loaded.lang):
            sets.append((self.key("lang", who), state.lang, LANGUAGE_TTL))
        return sets

    def call_steps(self, who: str, loaded: Loaded, retry: str, done: str = "") -> tuple[str, str, int]:
        """The key that keeps which steps of a call were answered, for Twilio's retries: the step, not its TwiML,
        which its URL makes again (a call keeps its place in its URLs), with what a step did outside the call
        (done: whether the numbers were texted), so that a retry says the same and does not do it again."""
        return self.key("voice", who), record(None, self._replies(loaded, retry, done)), RETRY_TTL

    @staticmethod
    def _replies(loaded: Loaded | None, retry: str, reply: str | None) -> list:
        kept = list(loaded.replies) if loaded is not None else []
        if retry and reply is not None:
            kept.append((int(time.time()), retry, reply))
        return kept[-REPLIES_KEPT:]

    def everything(self, who: str, opt_out: bool = True) -> list[str]:
        """Every key kept for a caller, for ERASE (without the opt-out, for an erase made by a call)."""
        minute = int(time.time() // 60)
        return [f"{PREFIX}:{kind}:{who}" for kind in KINDS if opt_out or kind != "optout"] + \
               [self._rate(rate, who, m) for rate in RATES for m in (minute - 1, minute)]

    def diagnose(self) -> str | None:
        """Why Redis cannot be used right now, in words (None when it answers): for the start-up log."""
        if self.embedded:
            return None
        try:
            self.client.ping()
        except redis.RedisError as exc:
            return diagnosis(exc, self.url)
        return None

    def health(self) -> str:
        """'ok', 'embedded' or 'down' (a real ping, even while paused: this is how recovery shows)."""
        try:
            self.client.ping()
        except redis.RedisError:
            return "down"
        self.paused_until = 0.0
        return "embedded" if self.embedded else "ok"

    def persistence(self) -> str:
        """How Redis keeps data across a restart: 'aof', 'rdb', 'none', or 'unknown' where it will not say."""
        if self.embedded:
            return "none"
        try:
            info = self.client.info("persistence")
            if int(info.get("aof_enabled", 0)):
                return "aof"
            save = self.client.config_get("save").get("save", "")
        except redis.ResponseError:
            return "unknown"      # a managed Redis that hides CONFIG
        except redis.RedisError:
            return "unknown"
        return "rdb" if str(save).strip() else "none"

    def close(self) -> None:
        """Close the connections."""
        for client in self.opened:
            client.close()
        self.client.close()

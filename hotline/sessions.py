"""Conversation state in Redis: keys are keyed hashes of phone numbers, and every key expires.

Every webhook makes at most two round trips, and its answer leaves only after both:
1. a read (one MGET): the caller's conversation (with the replies given to its last messages, for Twilio's
   retries), language and opt-outs, and whether an ERASE came after this very message;
2. a write script: the rate counts (commands are never counted or limited: a text over a limit changes nothing),
   the new conversation and language, the reply (kept a few minutes for retries) and the usage counts, all at
   once, so a worker killed after answering has lost nothing.

One number, one sequence: compare-and-set, not a lock. The write stores a conversation only if the
conversation and language it was stepped from are still the ones stored (the conversation changes at every
step: its turn count grows). Otherwise another worker answered a text from the same number in between, and
the text is read and stepped again from what is stored now. A lock would make every text pay for a rare
collision, and a worker killed while holding it would stall the number until the lock expired; a failed
compare costs only the text that collided. If what was read has since been deleted, ERASE came in between:
nothing is written, so a request already in flight cannot bring an erased number back.

Nothing here stores a phone number or a message body. A number becomes HMAC-SHA256(key, number) before it
touches a key, with a key derived from HOTLINE_SECRET for this use only (hotline.keys). Without REDIS_URL an
embedded in-process store (fakeredis, the same commands and scripts in memory) lets the hotline be tried on a
machine with nothing else installed.

Redis as providers rent it: an opt-out and a call-back request are kept with no Redis TTL, so that a `volatile-*`
memory policy never evicts them, and expire by the hotline's own sweep (an expiry index); under an `allkeys-*`
policy anything may be evicted, and the hotline refuses to start, naming it. The scripts are in hotline.scripts,
the connections and what a failure means in hotline.redis_link.
"""
from __future__ import annotations

import datetime as dt
import hmac
import logging
import time
from dataclasses import dataclass, field
from functools import lru_cache

import hiredis
import orjson
import redis

from hotline.carrier import BY_HOTLINE, BY_TWILIO
from hotline.engine import State
from hotline.redis_link import Clients, connect, diagnosis, outage
from hotline.scripts import COUNT_ONCE, MIGRATE, SWEEP, WRITE

log = logging.getLogger(__name__)

PREFIX = "hotline"
SESSION_TTL = 24 * 3600            # a conversation is forgotten a day after its last text
LANGUAGE_TTL = 90 * 24 * 3600      # a caller's language is remembered for 90 days
OPT_OUT_TTL = 2 * 365 * 24 * 3600  # STOP is honoured for two years after the last text
RETRY_TTL = 5 * 60                 # a reply is given again to the same message or call step this long
REPLIES_KEPT = 3                   # replies kept with a conversation for Twilio's retries
STATS_TTL = 400 * 24 * 3600        # usage counts (no identities)
PAUSE = 5.0                        # seconds Redis is left alone when it does not answer at all (then tried again)
RATE_WINDOW = 120                  # seconds a minute's rate count is kept
# A number's opt-outs, one for each way of texting: Twilio's carrier block list (and its STOP) covers SMS only, and a
# family may stop one without the other. A call reads the SMS one: it decides whether the call may text the caller.
OPT_OUTS = {"sms": "optout", "voice": "optout", "whatsapp": "whatsapp-optout"}
OPT_OUT_KINDS = ("optout", "whatsapp-optout")
OTHER_OPT_OUT = {"optout": "whatsapp-optout", "whatsapp-optout": "optout"}   # a number's opt-out on its other way
                                                                              # of texting
KINDS = ("sms", "whatsapp", "voice", "lang", "optout", "whatsapp-optout", "callback")   # every kind of key kept for
                                                                                          # a number
RATES = {"sms": "sms", "whatsapp": "whatsapp", "voice": "voice",   # a number's rate counters, one for each way it
         "voice-unattested": "voice"}                               # reaches us, and the hotline's ceiling each is
                                                                     # counted against
UNEVICTABLE = ("optout", "whatsapp-optout", "callback")   # kinds kept with no Redis TTL (no volatile-* policy
                                                          # evicts them), swept
INDEX = f"{PREFIX}:expiry"             # when each of them is due: a sorted set of keys (the hotline's own TTLs)
SWEPT = 1000                           # keys swept at most at once
TEXTED = {"whatsapp": "sms"}   # a channel that is another way of texting: its conversations are the engine's "sms"
OK, CONFLICT, ERASED, DUPLICATE, LIMITED, DOWN = "ok", "conflict", "erased", "duplicate", "limited", "down"
EVICTS_ANYTHING = ("allkeys-lru", "allkeys-lfu", "allkeys-random")   # maxmemory-policy values that could evict
                                                                     # an opt-out

@dataclass(frozen=True)
class Loaded:
    """What the store knows of a caller, as read: conversation, language, opt-out, a reply to replay."""

    state: State | None
    lang: str | None
    ok: bool = True
    opted_out: bool = False
    opt_out: str | None = None     # whose opt-out it is: hotline.carrier.BY_TWILIO or BY_HOTLINE
    replay: str | None = None      # the reply already given to this message or call step ('' for a call's:
                                   # the call's TwiML is made again from its URL, without doing anything twice)
    before_erase: bool = False     # a retry of a message answered before the number was erased: nothing to do
    other_opt_out: str | None = None   # whose the number's opt-out on the other way of texting is (SMS for a
                                       # WhatsApp message, WhatsApp for an SMS): ERASE keeps one Twilio keeps
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


def _parse(raw: bytes | None, channel: str, since: float | None = None) -> tuple[State | None, tuple]:
    """The state and the replies of a kept conversation (a bare state, as kept before replies were); since: only the
    replies given after that time."""
    if not raw:
        return None, ()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, ()
    if isinstance(data, dict) and "replies" in data:
        replies = data["replies"] if isinstance(data["replies"], list) else []
        return State.from_dict(data.get("state"), channel), tuple(
            r for r in replies if isinstance(r, list) and len(r) == 3
            and (since is None or isinstance(r[0], (int, float)) and r[0] > since))
    return State.from_dict(data, channel), ()


@lru_cache(maxsize=8)
def day_key(day: dt.date) -> str:
    """The hash holding one day's usage counts (every request names it: made once a day)."""
    return f"{PREFIX}:stats:{day.isoformat()}"


class ContentBackup:
    """The last good content in Redis (hotline.content.keeper.Backup): a worker that starts while the files are
    broken and the temporary folder is full still serves it. Not personal data; kept as long as usage counts."""

    def __init__(self, store: "Store"):
        self.store = store

    def put(self, name: str, text: str) -> None:
        """Keep a version's files (a failure is the temporary folder's copy's to make up for)."""
        try:
            self.store.client.set(f"{PREFIX}:content:{name}", text, ex=STATS_TTL)
        except redis.RedisError as exc:
            log.warning("could not keep the last good content in Redis", extra={"error": type(exc).__name__})

    def get(self, name: str) -> str | None:
        """The files kept last, as put."""
        try:
            raw = self.store.client.get(f"{PREFIX}:content:{name}")
        except redis.RedisError:
            return None
        return raw.decode("utf-8") if raw else None


def refuse_evicting(store: "Store") -> None:
    """Refuse (SettingsError) a Redis whose memory policy may evict any key, an opt-out included, naming the policy
    and what to set instead."""
    from hotline.settings import SettingsError

    policy = store.memory_policy()
    if policy in EVICTS_ANYTHING:
        raise SettingsError(f"Redis's maxmemory-policy is {policy}: under memory pressure it may evict any key, an "
                            "opt-out (STOP) or a call-back request included. Set maxmemory-policy to volatile-lru (or "
                            "noeviction) in the Redis provider's settings (Heroku: `heroku redis:maxmemory REDIS "
                            "--policy volatile-lru`); the hotline keeps opt-outs where volatile-lru never evicts them")


class Store:
    """Sessions, remembered languages, opt-outs and counts: one read (MGET) and one write script a webhook."""

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
        self.scripts = {script: client.register_script(script).sha
                        for script in (WRITE, MIGRATE, COUNT_ONCE, SWEEP)}
        self.opted_out: dict[str, float] = {}   # callers seen opted out, for while Redis is away
        self.url = url
        self.clients = Clients(url) if url else None   # the webhooks' scripts' connections, bounded

    def register(self, script: str) -> None:
        """Know another script by its digest (hotline.budgets has one), to run it with the same care."""
        self.scripts[script] = self.client.register_script(script).sha

    @classmethod
    def from_settings(cls, settings) -> "Store":
        """The store the settings describe: REDIS_URL's Redis (else the embedded store), keyed by HOTLINE_SECRET
        (and HOTLINE_SECRET_PREVIOUS while a rotation is under way), with the rate limits."""
        previous = settings.previous_keys
        return cls(connect(settings.redis_url), settings.keys.numbers, embedded=settings.redis_url is None,
                   per_number=settings.rate_per_number, per_minute=settings.rate_per_minute, url=settings.redis_url,
                   previous_key=previous.numbers if previous else None)

    def _run(self, script: str, keys: list, args: list):
        """Run one of the scripts by its digest (loading it first where Redis does not have it: a restart)."""
        return self._send(("EVALSHA", self.scripts[script], len(keys), *keys, *args), script)

    def _send(self, command: tuple, script: str = ""):
        """Send one command (a script's EVALSHA, or a read) and return its reply. A slow reply is tried once more on
        another connection; a read-only replica (a failover) or a connection closed under it (a provider closes idle
        ones: after a quiet night, all of them) drops every idle connection at once and is tried once more on a new
        one, so the next ones reach whatever the URL leads to now. A script whose reply was lost may have run: the
        compare-and-set and the once-mark make running it again change nothing."""
        if self.clients is None:
            return self._attempt(self.client, command, script)
        for attempt in (1, 2):
            client, broken = self.clients.borrow(), False
            try:
                return self._attempt(client, command, script)
            except (redis.ReadOnlyError, redis.ConnectionError, redis.TimeoutError) as exc:
                broken = True
                if not isinstance(exc, redis.TimeoutError):   # a failover, closed connections: no idle one is better
                    self.clients.drop_idle()
                if attempt == 2 or outage(exc):
                    raise
            finally:
                self.clients.give_back(client, broken)
        raise AssertionError("unreachable")

    def _attempt(self, client: redis.Redis, command: tuple, script: str):
        """One attempt on one client; a script that Redis does not have (it restarted) is loaded, then run."""
        try:
            return self._execute(client, command)
        except redis.exceptions.NoScriptError:
            client.script_load(script)
            return self._execute(client, command)

    @staticmethod
    def _execute(client: redis.Redis, command: tuple):
        """A command on a client of Clients (one connection of its own), sent as it is: packed by hiredis, on the
        client's connection, without redis-py's per-argument encoding, lock and retry wrapper (a third of a
        webhook's time in redis-py, measured; Clients and _send decide what is tried again). The embedded store
        goes through redis-py's own execute_command."""
        connection = getattr(client, "connection", None)
        if connection is None:
            return client.execute_command(*command)
        connection.send_packed_command([hiredis.pack_command(command)], check_health=False)
        return connection.read_response()

    def available(self) -> bool:
        """False for a few seconds after Redis failed, so an outage costs no time per request."""
        return time.monotonic() >= self.paused_until

    def _failed(self, exc: Exception) -> None:
        """A request's Redis failed: it answers as well as it can. Only when Redis does not answer at all is it
        left alone for a few seconds, so an outage costs no time per request; a cut reply, a full memory or a
        failover pauses nothing."""
        if outage(exc):
            self.paused_until = time.monotonic() + PAUSE
        log.warning("session store failed", extra={"error": type(exc).__name__, "paused": outage(exc)})

    def caller(self, number: str) -> str:
        """The keyed hash that stands for a phone number everywhere in Redis (computed once per request:
        every other method takes it, never the number). While a secret is being rotated, what is kept under the
        number's hash with the previous secret moves to the current one first (its opt-out above all)."""
        who = self._hash(self.key_for_numbers, number)
        if self.previous_key is not None and self.available():
            was = self._hash(self.previous_key, number)
            try:
                self._run(MIGRATE, [key for kind in KINDS for key in (self.key(kind, was), self.key(kind, who))]
                          + [INDEX], [])
            except redis.RedisError as exc:
                self._failed(exc)
        return who

    @staticmethod
    def _hash(key: bytes, number: str) -> str:
        return hmac.digest(key, number.strip().encode(), "sha256").hex()[:32]   # hmac.new's, in one C call

    @staticmethod
    def key(kind: str, who: str) -> str:
        """The key of one kind (sms, lang, optout, callback...) kept for a caller."""
        return f"{PREFIX}:{kind}:{who}"

    @staticmethod
    def _rate(rate: str, who: str, minute: int) -> str:
        return f"{PREFIX}:rate:{rate}:{who}:{minute}"

    def retry_field(self, *parts: str) -> str:
        """The field a request's reply is kept under: a keyed hash of Twilio's ids for it, never the ids."""
        return hmac.digest(self.key_for_numbers, "\n".join(parts).encode(), "sha256").hex()[:24]

    def load(self, who: str, channel: str = "sms", *, retry: str = "") -> Loaded:
        """The caller's conversation, language and opt-outs in one round trip (one MGET: a Redis that refuses writes
        still answers it); the reply to replay when retry names a request already answered, or nothing to do when it
        names one answered before an ERASE; empty if Redis is down. Nothing is counted here: commit() counts the
        rates."""
        if not self.available():
            return Loaded(None, None, ok=False)
        opt_out = OPT_OUTS.get(channel, "optout")
        keys = (f"{PREFIX}:{channel}:{who}", f"{PREFIX}:lang:{who}", self.key(opt_out, who),   # each channel its own
                self.key("erased", retry or "-"), self.key(OTHER_OPT_OUT[opt_out], who))
        try:
            raw_state, raw_lang, opted_out, erased, other_opt_out = self._send(("MGET", *keys))
        except redis.RedisError as exc:
            self._failed(exc)
            return Loaded(None, None, ok=False)
        lang = raw_lang.decode() if raw_lang else None
        if retry and erased:
            return Loaded(None, None, opted_out=bool(opted_out), opt_out=_whose(opted_out), before_erase=True,
                          other_opt_out=_whose(other_opt_out))
        engine = TEXTED.get(channel, channel)   # the engine's channel: by text, or a call
        # A retry gets the reply kept for it, but not once the number has opted out: then it is read as a new text.
        if retry and not opted_out and raw_state and retry.encode() in raw_state:
            replay = next((reply for _, field_, reply in _parse(raw_state, engine)[1] if field_ == retry), None)
            if replay is not None:
                return Loaded(None, lang, replay=replay)
        self._note_opt_out(keys[2], bool(opted_out))
        state, replies = _parse(raw_state, engine, since=time.time() - RETRY_TTL)
        return Loaded(state, lang, opted_out=bool(opted_out), opt_out=_whose(opted_out),
                      read=(raw_state or b"", raw_lang or b""), other_opt_out=_whose(other_opt_out), replies=replies)

    def _note_opt_out(self, key: str, opted_out: bool) -> None:
        """Remember, by the opt-out's own key (a number's SMS and WhatsApp opt-outs apart), whether it was set."""
        if opted_out:
            self.opted_out[key] = time.monotonic()
            if len(self.opted_out) > 10000:   # bounded: the oldest half goes
                for old in sorted(self.opted_out, key=self.opted_out.get)[:5000]:
                    del self.opted_out[old]
        else:
            self.opted_out.pop(key, None)

    def known_opted_out(self, who: str, channel: str = "sms") -> bool:
        """Whether this worker last saw the caller opted out on this channel (asked while Redis is away)."""
        return self.key(OPT_OUTS.get(channel, "optout"), who) in self.opted_out

    def commit(self, who: str, changes: Changes, *, channel: str = "sms", compare: Loaded | None = None,
               day: dt.date | None = None, once: str = "", rate: str = "", over: tuple[str, ...] = ()) -> str:
        """Write what an answer changed, with its counts, in one round trip. With compare, only if the
        conversation and language read are still stored: OK, CONFLICT (read again and step again), ERASED
        (deleted in between: nothing written but the counts) or DOWN. once: the request's retry field: a copy of
        the same request written already (Twilio retried while the first was in flight) writes and counts nothing
        (DUPLICATE). rate names the number's counter (see RATES; none for a command): texts, attested calls and
        calls anyone could have made with that caller ID each have their own, so spoofed calls can neither silence
        a family's texts nor count them; a request over the number's limit or the hotline's ceiling writes nothing
        and counts only over (LIMITED). An opt-out or a call-back request is kept with no Redis TTL (see
        UNEVICTABLE)."""
        if not self.available():
            return DOWN
        counts, over = (changes.counts, over) if day else ((), ())
        minute = int(time.time() // 60)
        keys = [f"{PREFIX}:{channel}:{who}", f"{PREFIX}:lang:{who}", day_key(day or dt.date.today()), INDEX,
                self.key("once", once or "-"), self._rate(rate or "-", who, minute),
                f"{PREFIX}:rate:all:{RATES.get(rate, '-')}:{minute}"]
        read = compare.read if compare is not None else (b"", b"")
        args = ["1" if compare is not None else "0", read[0], read[1], len(changes.sets), len(changes.deletes),
                STATS_TTL, len(counts), RETRY_TTL if once else 0, self.per_number if rate else 0, self.per_minute,
                RATE_WINDOW, len(over)]
        for key, value, ttl in changes.sets:
            keys.append(key)
            args += (value, -ttl if key.split(":", 2)[1] in UNEVICTABLE else ttl)
        keys += changes.deletes
        args += (*counts, *over)
        try:
            result = self._run(WRITE, keys, args)
        except redis.RedisError as exc:
            self._failed(exc)
            return DOWN
        result = result.decode() if isinstance(result, bytes) else result
        if result == OK:
            written = {key for key, _, _ in changes.sets}
            for key in (self.key(kind, who) for kind in OPT_OUT_KINDS):
                if key in written:
                    self._note_opt_out(key, True)
                elif key in changes.deletes:
                    self._note_opt_out(key, False)
        return result

    @property
    def content_backup(self) -> "ContentBackup | None":
        """Where every worker keeps a copy of the last good content, beside the temporary folder's (None for the
        embedded store, which is the worker's own)."""
        return None if self.embedded else ContentBackup(self)

    def sweep(self, now: float | None = None) -> int:
        """Delete the opt-outs and call-back requests that are due (kept with no Redis TTL: see UNEVICTABLE); how
        many. Every worker sweeps now and then (hotline.app); sweeping twice is harmless."""
        try:
            return int(self._run(SWEEP, [INDEX], [int(now if now is not None else time.time()), SWEPT]))
        except redis.RedisError as exc:
            self._failed(exc)
            return 0

    def adopt(self) -> int:
        """Keep with no Redis TTL (and index) the opt-outs and call-back requests stored with one before this was
        so, until the same moment: once, at start; how many."""
        adopted = 0
        try:
            for kind in UNEVICTABLE:
                for key in self.client.scan_iter(match=f"{PREFIX}:{kind}:*", count=1000):
                    ttl = self.client.ttl(key)
                    if ttl > 0:
                        with self.client.pipeline() as pipe:
                            pipe.zadd(INDEX, {key: int(time.time()) + ttl}).persist(key).execute()
                        adopted += 1
        except redis.RedisError as exc:
            self._failed(exc)
        return adopted

    def memory_policy(self) -> str:
        """Redis's maxmemory-policy ('noeviction', 'volatile-lru', 'allkeys-lru'...), or 'unknown'."""
        if self.embedded:
            return "noeviction"
        try:
            return str(self.client.info("memory").get("maxmemory_policy", "unknown"))
        except redis.RedisError:
            return "unknown"

    def writable(self) -> str | None:
        """Why Redis refuses writes right now (memory full, a read-only replica), or None when it takes them."""
        if self.embedded:
            return None
        try:
            self.client.set(f"{PREFIX}:health", "1", ex=60)
        except redis.ReadOnlyError:
            return "Redis is a read-only replica (a failover?): nothing can be stored"
        except redis.exceptions.OutOfMemoryError:
            return "Redis's memory is full and its policy evicts nothing (noeviction): nothing can be stored"
        except redis.ResponseError as exc:
            return f"Redis refuses writes ({str(exc)[:60]})"
        except redis.RedisError:
            return None   # not answering at all: health() says so
        return None

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
                     reply: str | None = None, channel: str = "") -> list[tuple[str, str, int]]:
        """The keys that keep a conversation: its place and its last replies (a day), and its language
        (90 days from the start of the last conversation: written when one starts or its language changes).
        channel: the way it came (whatsapp), where that is not the engine's (a WhatsApp conversation is by text)."""
        sets = [(self.key(channel or state.channel, who), record(state, self._replies(loaded, retry, reply)),
                 SESSION_TTL)]
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

    def everything(self, who: str, keep: tuple[str, ...] = ()) -> list[str]:
        """Every key kept for a caller, on every channel, for ERASE, but the kinds in keep (an erase made by a
        call keeps the opt-outs; a text's keeps an opt-out that Twilio keeps too)."""
        minute = int(time.time() // 60)
        return [f"{PREFIX}:{kind}:{who}" for kind in KINDS if kind not in keep] + \
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

    def risks(self) -> list[str]:
        """What could lose an opt-out in this Redis's set-up, in words (the start-up log and /healthz)."""
        found = []
        persistence, policy = self.persistence(), self.memory_policy()
        if persistence == "none":
            found.append("Redis keeps nothing on disk (no AOF, no RDB snapshots): a restart forgets every STOP. Turn "
                         "on persistence (appendonly yes) for production; see the README")
        elif persistence == "rdb":
            found.append("Redis keeps only snapshots (RDB): a crash loses every STOP since the last one. Turn on AOF "
                         "(appendonly yes) for production; see the README")
        if policy in EVICTS_ANYTHING:
            found.append(f"Redis's maxmemory-policy is {policy}: it may evict an opt-out; set volatile-lru")
        return found

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
        if self.clients is not None:
            self.clients.close()
        self.client.close()

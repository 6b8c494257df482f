"""Budgets for the texts the hotline starts itself (a caller's press of the text key): every way out is budgeted,
because each text costs money and a spoofed caller ID can name anyone's number (SMS pumping).

Three limits, checked and taken together in one Lua script, so concurrent key presses cannot slip between a
check and its count: one text a topic a call (whatever Twilio retries or a caller presses at once), at most
PER_DAY texts to one number in any 24 hours, and at most HOTLINE_TEXTS_PER_HOUR across the hotline in any hour
(sliding windows: a burst at the turn of a clock hour or day cannot get twice the budget). A text that
could not be sent gives its topic back (the caller may press again), never its place in the counts: a failed
send may still cost, and pressing until one goes through must not bypass the budget.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets

import redis

from hotline.sessions import PREFIX, Store

log = logging.getLogger(__name__)

PER_DAY = 3                 # texts the hotline starts to one number in a day
MARK_TTL = 4 * 3600         # seconds a call's "this topic was texted" is kept (longer than any call)
OK, AGAIN, NUMBER, HOTLINE, DOWN = "ok", "again", "number", "hotline", "down"

# KEYS: this call's mark for the topic, the number's texts of the last day, the hotline's texts of the last hour
#       (sorted sets of the times texts went: sliding windows, which a burst at a clock hour's turn cannot double).
# ARGV: per day, per hour, the mark's ttl, now (seconds, with a unique suffix for the member).
TAKE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return {'again', 0} end
local now = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 86400)
local day = redis.call('ZCARD', KEYS[2])
if day >= tonumber(ARGV[1]) then return {'number', day} end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 3600)
local hour = redis.call('ZCARD', KEYS[3])
if hour >= tonumber(ARGV[2]) then return {'hotline', hour} end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('EXPIRE', KEYS[2], 86400)
redis.call('ZADD', KEYS[3], now, ARGV[5])
redis.call('EXPIRE', KEYS[3], 3600)
return {'ok', hour + 1}
"""


class TextBudget:
    """The budget of the texts the hotline starts, kept in Redis beside everything else (keys without numbers)."""

    def __init__(self, store: Store, per_hour: int, per_day: int = PER_DAY):
        self.store, self.per_hour, self.per_day = store, per_hour, per_day
        store.register(TAKE)

    def _mark(self, call: str, topic: str) -> str:
        return f"{PREFIX}:texted:{self.store.retry_field('text', call, topic)}"

    def take(self, call: str, who: str, topic: str, now: dt.datetime) -> str:
        """Take one text from every budget at once: OK, AGAIN (this call's topic was texted already), NUMBER (the
        number's day is used up), HOTLINE (the hotline's hour is) or DOWN (Redis cannot say: nothing is sent)."""
        seconds = now.timestamp()
        keys = [self._mark(call, topic), f"{PREFIX}:texts:{who}", f"{PREFIX}:texts:all"]
        try:
            result, count = self.store._run(TAKE, keys, [self.per_day, self.per_hour, MARK_TTL, seconds,
                                                         f"{seconds:.6f}:{secrets.token_hex(4)}"])
        except redis.RedisError as exc:
            log.warning("the text budget could not be read: nothing sent", extra={"error": type(exc).__name__})
            return DOWN
        result = result.decode() if isinstance(result, bytes) else result
        if result in (NUMBER, HOTLINE):
            limit = self.per_day if result == NUMBER else self.per_hour
            log.warning("a budget of texts the hotline starts is used up: nothing sent",
                        extra={"budget": "one number a day" if result == NUMBER else "the hotline an hour",
                               "count": int(count), "limit": limit})
        return result

    def give_back(self, call: str, topic: str) -> None:
        """A text that could not be sent: the caller may press for it again (the counts stay taken)."""
        try:
            self.store.client.delete(self._mark(call, topic))
        except redis.RedisError:
            pass

"""Usage counts without identities: per day, how many texts and calls, in which languages, for which topics.

Counts live in one Redis hash a day (hotline:stats:YYYY-MM-DD), kept 400 days, with fields such as
"sms", "voice:lang:ar", "topic:legal", "outcome:opted out". No number, hash or text is ever a field.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

import redis

from hotline.sessions import PREFIX, Store

log = logging.getLogger(__name__)
KEEP = 400 * 24 * 3600
FLUSH_EVERY = 2.0   # seconds between writes of a worker's counts
COUNTED_OUTCOMES = {"opted out", "rate limited", "degraded", "help", "forgotten", "callback", "forwarded",
                    "not answered", "connect"}


def day_key(day: dt.date) -> str:
    return f"{PREFIX}:stats:{day.isoformat()}"


def fields_for(channel: str, lang: str | None, topics: list[str], outcomes: list[str], new: bool = True) -> list[str]:
    """The counters one answered webhook adds to; new is a new text or call (not a later step of a call)."""
    fields = [channel] if new else []
    if lang:
        fields.append(f"{channel}:lang:{lang}")
    fields += [f"topic:{t}" for t in topics]
    fields += [f"outcome:{o}" for o in outcomes if o in COUNTED_OUTCOMES]
    return fields


class Stats:
    """Counting into Redis in batches (no round trip per webhook); counts wait in memory while Redis is away."""

    def __init__(self, store: Store, every: float = FLUSH_EVERY):
        self.store = store
        self.every = every
        self.waiting: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()
        self.flushed = time.monotonic()

    def count(self, today: dt.date, fields: list[str]) -> None:
        """Add one to each field for today; written to Redis at most every few seconds."""
        with self.lock:
            for f in fields:
                self.waiting[(today.isoformat(), f)] = self.waiting.get((today.isoformat(), f), 0) + 1
            due = time.monotonic() - self.flushed >= self.every
        if due:
            self.flush()

    def flush(self) -> None:
        """Write what has been counted (one pipelined round trip)."""
        with self.lock:
            batch, self.waiting = self.waiting, {}
            self.flushed = time.monotonic()
        if not batch:
            return
        if not self.store.available():
            self._keep(batch)
            return
        try:
            with self.store.client.pipeline(transaction=False) as pipe:
                for (day, name), amount in batch.items():
                    pipe.hincrby(f"{PREFIX}:stats:{day}", name, amount)
                for day in {day for day, _ in batch}:
                    pipe.expire(f"{PREFIX}:stats:{day}", KEEP)
                pipe.execute()
        except redis.RedisError:
            self._keep(batch)

    def _keep(self, batch: dict) -> None:
        with self.lock:
            for key, amount in batch.items():
                self.waiting[key] = self.waiting.get(key, 0) + amount

    def days(self, last: dt.date, count: int = 30) -> list[tuple[dt.date, dict[str, int]]]:
        """Counts for the days up to last, oldest first (this worker's waiting counts included)."""
        self.flush()
        days = [last - dt.timedelta(days=n) for n in range(count - 1, -1, -1)]
        with self.store.client.pipeline(transaction=False) as pipe:
            for day in days:
                pipe.hgetall(day_key(day))
            results = pipe.execute()
        return [(day, {k.decode(): int(v) for k, v in result.items()}) for day, result in zip(days, results)]


@dataclass(frozen=True)
class Table:
    """Counts arranged for a page or a CSV: one row a day, one column a counter."""

    columns: list[str]
    rows: list[tuple[dt.date, list[int]]]

    @classmethod
    def of(cls, days: list[tuple[dt.date, dict[str, int]]]) -> "Table":
        columns = sorted({name for _, counts in days for name in counts}, key=lambda c: (c.count(":"), c))
        return cls(columns, [(day, [counts.get(c, 0) for c in columns]) for day, counts in days])

    def totals(self, prefix: str) -> dict[str, int]:
        """Totals over all days for the columns starting with prefix (e.g. 'topic:'); a bare name gives {'': n}."""
        found = {}
        for i, column in enumerate(self.columns):
            if column.startswith(prefix) and (":" in prefix or column == prefix):
                found[column[len(prefix):]] = sum(values[i] for _, values in self.rows)
        return dict(sorted(found.items(), key=lambda item: -item[1]))

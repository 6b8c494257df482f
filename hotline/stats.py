"""Usage counts without identities: per day, how many texts and calls, in which languages, for which topics.

Counts live in one Redis hash a day (hotline:stats:YYYY-MM-DD), kept 400 days, with fields such as
"sms", "voice:lang:ar", "topic:legal", "outcome:opted out". No number, hash or text is ever a field.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from hotline.sessions import Store, day_key

COUNTED_OUTCOMES = {"opted out", "opted in", "answered by Twilio", "rate limited", "degraded", "help", "forgotten", "callback", "forwarded",
                    "not answered", "taken by staff", "connect", "not stored, told so", "ignored sender", "numbers texted",
                    "numbers not texted", "text budget used up"}
EVENT_OUTCOMES = {"callback", "connect", "forget"}   # engine events that are outcomes worth counting


def counts_for(channel: str, lang: str | None, events=(), outcomes=(), new: bool = True) -> list[str]:
    """The counters one answered webhook adds to: the channel (new is a new text or call, not a later step
    of a call), the language, the topics reached and notable outcomes. Never an identity."""
    fields = [channel] if new else []
    if lang:
        fields.append(f"{channel}:lang:{lang}")
    fields += [f"topic:{e.value}" for e in events if e.name == "topic" and e.value != "main"]
    outcomes = list(outcomes) + [("forgotten" if e.name == "forget" else e.name)
                                 for e in events if e.name in EVENT_OUTCOMES]
    outcomes += [("numbers texted" if e.value == "sent" else "numbers not texted") for e in events if e.name == "textme"]
    outcomes += ["text budget used up" for e in events if e.name == "textme" and e.value == "busy"]
    fields += [f"outcome:{o}" for o in outcomes if o in COUNTED_OUTCOMES]
    return fields


@lru_cache(maxsize=None)
def limited(channel: str) -> tuple[str, ...]:
    """The counters a message or call over a rate limit adds to (worked out once a channel: on the hot path)."""
    return tuple(counts_for(channel, None, outcomes=["rate limited"]))


def delivery_counts(status: str, error_code: str = "") -> list[str]:
    """The counters a message status callback adds to: its status, and Twilio's error code for a text that did not
    arrive (30007 carrier filtering, 30034 unregistered 10DLC, 21610 opted out...). Never an identity."""
    return [f"delivery:{status}"] + ([f"error:{error_code}"] if error_code else [])


class Stats:
    """Reading the usage counts; they are written with each answer's own write (see Store.commit)."""

    def __init__(self, store: Store):
        self.store = store

    def days(self, last: dt.date, count: int = 30) -> list[tuple[dt.date, dict[str, int]]]:
        """Counts for the days up to last, oldest first."""
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

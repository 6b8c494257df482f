"""Delete what Twilio keeps of the hotline: the records of every text to and from its numbers (number, body), every
WhatsApp message to and from the same numbers as WhatsApp senders (whatsapp:+E164), and
every call to and from them (number, time), once older than the retention, through Twilio's REST API.

Records are listed with the paged list endpoints (next_page_uri), filtered by number and date, and deleted one
by one (DELETE .../Messages/{Sid}.json, .../Calls/{Sid}.json). Other numbers' records are never listed, a
call still in progress is never deleted, and a record Twilio cannot delete yet (error 20009: typically for an
hour after delivery) is tried again at the end of the run, else left for the next run and counted. Too many
requests (429) and Twilio's own failures (5xx) are retried with a growing pause, then reported. Nothing here
prints or logs a phone number or a body: only counts.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator

from hotline.twilio_rest import FAILURES, described, error_code, retryable

NOT_YET = 20009                  # Twilio: cannot delete this resource before it is complete
GONE = 20404                     # Twilio: no such record (deleted meanwhile): nothing left to delete
FINISHED_CALLS = {"completed", "busy", "failed", "no-answer", "canceled"}
PAGE_SIZE = 1000                 # Twilio's largest page
ATTEMPTS = 5                     # tries of one request that meets 429 or 5xx
BACKOFF = 1.0                    # seconds before the second try, doubled before each next one
RETRY_WAIT = 20.0                # seconds before records that answered 20009 are tried again in the same run
LAST_RUN = "hotline:purge:last"  # how the last run went (ok or not, and when), for /healthz?strict=1
LAST_RUN_TTL = 7 * 24 * 3600


@dataclass
class Tally:
    """What became of one kind of record."""

    due: int = 0        # older than the cutoff, of the hotline's numbers
    deleted: int = 0
    waiting: int = 0    # not deletable yet (20009, or a call in progress): the next run tries again
    failed: int = 0


@dataclass
class Report:
    """What one run did, in counts only."""

    cutoff: dt.datetime
    dry_run: bool
    tallies: dict[str, Tally] = field(default_factory=lambda: {"messages": Tally(), "calls": Tally()})
    problems: Counter = field(default_factory=Counter)   # failures in words (never a number), and how often

    @property
    def ok(self) -> bool:
        """Every due record deleted or not yet deletable (exit 0), else 1."""
        return not self.problems and not any(t.failed for t in self.tallies.values())

    def lines(self) -> list[str]:
        """The report as printed."""
        when = self.cutoff.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        found = [f"Twilio records of the hotline's numbers from before {when}"
                 + (" (dry run: nothing deleted)" if self.dry_run else "")]
        for kind, tally in self.tallies.items():
            if self.dry_run:
                found.append(f"{kind}: {tally.due} due, {tally.waiting} not deletable yet")
            else:
                found.append(f"{kind}: {tally.deleted} deleted, {tally.waiting} not deletable yet (the next run "
                             f"tries again), {tally.failed} failed")
        return found + [f"problem: {problem}" + (f" ({n} times)" if n > 1 else "") for problem, n in self.problems.items()]


def remember(client, report: Report, now: dt.datetime) -> None:
    """Keep how a run went in Redis (no number, no count of anyone's records), for the health check's monitors."""
    if not report.dry_run:
        client.set(LAST_RUN, json.dumps({"ok": report.ok, "at": now.isoformat(timespec="seconds")}), ex=LAST_RUN_TTL)


def last(client) -> dict | None:
    """How the last purge run went ({"ok": ..., "at": ...}), or None when none ran in the last week."""
    raw = client.get(LAST_RUN)
    try:
        found = json.loads(raw) if raw else None
    except ValueError:
        return None
    return found if isinstance(found, dict) and isinstance(found.get("ok"), bool) else None


class Purge:
    """One run of deleting old records through a twilio Client."""

    def __init__(self, client, numbers: tuple[str, ...], *, sleep: Callable[[float], None] = time.sleep,
                 backoff: float = BACKOFF, retry_wait: float = RETRY_WAIT):
        self.client, self.numbers, self.sleep = client, numbers, sleep
        self.backoff, self.retry_wait = backoff, retry_wait

    def run(self, cutoff: dt.datetime, dry_run: bool = False) -> Report:
        """Delete (or with dry_run, count) the records of the hotline's numbers older than cutoff."""
        report = Report(cutoff, dry_run)
        later: list[tuple[str, str]] = []
        for kind in report.tallies:
            try:
                due = list(self._due(kind, cutoff, report.tallies[kind]))
            except FAILURES as exc:
                report.problems[f"listing {kind} failed: {described(exc)}"] += 1
                continue
            for sid in ([] if dry_run else due):
                if self._delete(kind, sid, report) == NOT_YET:
                    later.append((kind, sid))
        if later:   # Twilio finishes records within minutes: once more before leaving them to the next run
            self.sleep(self.retry_wait)
        for kind, sid in later:
            if self._delete(kind, sid, report) == NOT_YET:
                report.tallies[kind].waiting += 1
        return report

    def _due(self, kind: str, cutoff: dt.datetime, tally: Tally) -> Iterator[str]:
        """The sids of this kind of record of the hotline's numbers older than cutoff; calls in progress are
        counted as waiting, not returned."""
        resource = self.client.messages if kind == "messages" else self.client.calls
        before = cutoff.astimezone(dt.timezone.utc).date().isoformat()   # Twilio filters by day: on or before
        seen: set[str] = set()
        addresses = self.numbers + (tuple(f"whatsapp:{number}" for number in self.numbers) if kind == "messages"
                                    else ())   # its WhatsApp sender's messages too (Twilio writes whatsapp:+E164)
        for number in addresses:
            for direction in ({"to": number}, {"from_": number}):
                dates = {"date_sent_before": before} if kind == "messages" else {"start_time_before": before}
                page = self._call(lambda: resource.page(page_size=PAGE_SIZE, **direction, **dates))
                while page is not None:
                    for record in page:
                        when = (record.date_sent if kind == "messages" else record.start_time) or record.date_created
                        if record.sid in seen or when is None or when >= cutoff:
                            continue
                        sender = getattr(record, "from_", None) or getattr(record, "_from", None)   # messages, calls
                        if record.to not in addresses and sender not in addresses:
                            continue   # whatever a list returns, only the hotline's own records are ever deleted
                        seen.add(record.sid)
                        tally.due += 1
                        if kind == "calls" and record.status not in FINISHED_CALLS:
                            tally.waiting += 1     # a call in progress is never deleted
                            continue
                        yield record.sid
                    page = self._call(page.next_page)

    def _delete(self, kind: str, sid: str, report: Report) -> int | None:
        """Delete one record; NOT_YET when Twilio cannot yet (the caller counts it, after its last try)."""
        resource = self.client.messages if kind == "messages" else self.client.calls
        tally = report.tallies[kind]
        try:
            self._call(lambda: resource(sid).delete())
        except FAILURES as exc:
            code = error_code(exc)
            if code == NOT_YET:
                return NOT_YET
            if code != GONE:
                tally.failed += 1
                report.problems[f"deleting {kind} failed: {described(exc)}"] += 1
                return code
        tally.deleted += 1
        return None

    def _call(self, request):
        """A request to Twilio, tried again after a growing pause on 429, 5xx or a network failure."""
        for attempt in range(ATTEMPTS):
            try:
                return request()
            except FAILURES as exc:
                if not retryable(exc) or attempt == ATTEMPTS - 1:
                    raise
                self.sleep(self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")

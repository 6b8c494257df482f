"""Thin Flask views over the adapters: parse the form, load state, step, save, render."""
from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field

from flask import current_app, g, request

from hotline.content import load
from hotline.content.catalog import Catalog
from hotline.content.problems import errors
from hotline.content.watch import Watcher
from hotline.sessions import Store
from hotline.stats import Stats, fields_for
from hotline.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Hotline:
    """What every view needs: settings, the current content and the session store."""

    settings: Settings
    catalog: Catalog
    store: Store
    watcher: Watcher | None = field(default=None, repr=False)
    stats: Stats | None = field(default=None, repr=False)
    clock: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.stats = self.stats or Stats(self.store)

    def today(self):
        """Today's date where the Welcome Center is (the schedule's time zone)."""
        now = self.clock()
        zone = getattr(self.catalog.schedule, "timezone", None)
        return (now.astimezone(zone) if zone else now).date()

    def count(self, channel: str, lang: str | None, events=(), outcomes=(), new: bool = True) -> None:
        """Count an answered webhook: channel, language, topics reached and notable outcomes; no identity."""
        topics = [e.value for e in events if e.name == "topic" and e.value != "main"]
        outcomes = list(outcomes) + [e.name for e in events if e.name in ("callback", "connect")]
        self.stats.count(self.today(), fields_for(channel, lang, topics, outcomes, new))

    def refresh(self) -> None:
        """Pick up changed content files; a change with errors is refused and the last good content kept."""
        if self.watcher is None or not self.watcher.changed():
            return
        catalog, problems = load(self.settings.content_dir)
        if catalog is None:
            log.error("content change refused; still serving the last good content",
                      extra={"content": self.catalog.version, "problems": [str(p) for p in errors(problems)]})
            return
        from hotline import detect

        detect.warm(catalog)
        self.catalog = catalog
        log.info("content reloaded", extra={"content": catalog.version})


def hotline() -> Hotline:
    """The running app's Hotline."""
    return current_app.extensions["hotline"]


def note(**fields) -> None:
    """Add fields to this request's one log line (language, node, outcome...; never a number or a body)."""
    g.log_fields.update(fields)


def start_request() -> None:
    g.request_id = f"{random.getrandbits(48):012x}"   # to find a request's line, not a secret: no system call
    g.started = time.perf_counter()
    g.log_fields = {}


def log_request(response):
    """One JSON line per request: id, route, status, duration and what the view noted."""
    route = request.url_rule.rule if request.url_rule else "(unknown)"
    if route != "/healthz":
        log.info("request", extra={"request_id": g.get("request_id"), "route": route, "method": request.method,
                                   "status": response.status_code,
                                   "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2),
                                   **g.get("log_fields", {})})
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response

"""Thin Flask views over the adapters: parse the form, load state, step, save, render."""
from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app, g, request

from hotline import logs
from hotline.budgets import TextBudget
from hotline.callbacks import Callbacks
from hotline.content.catalog import Catalog
from hotline.content.keeper import Keeper
from hotline.sessions import Store
from hotline.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Hotline:
    """What every view needs: settings, the content being served, the session store and the clock."""

    settings: Settings
    keeper: Keeper
    store: Store
    callbacks: Callbacks
    clock: object = field(default=None, repr=False)
    texter: Callable[[str, str], None] | None = field(default=None, repr=False)   # texts a caller (REST API)
    budget: TextBudget | None = field(default=None, repr=False)   # what the texts the hotline starts may use
    sweeper: object = field(default=None, repr=False)             # deletes what is due with no Redis TTL

    @property
    def catalog(self) -> Catalog:
        """The content this worker serves now (the keeper swaps it when the files change)."""
        return self.keeper.catalog

    def today(self):
        """Today's date where the Welcome Center is (the schedule's time zone): the day usage is counted on."""
        now = self.clock()
        zone = getattr(self.catalog.schedule, "timezone", None)
        return (now.astimezone(zone) if zone else now).date()

    def close(self) -> None:
        """Stop looking at the content files and sweeping, and close the store's connections."""
        self.keeper.close()
        if self.sweeper is not None:
            self.sweeper.close()
        self.store.close()


def hotline() -> Hotline:
    """The running app's Hotline."""
    return current_app.extensions["hotline"]


def note(**fields) -> None:
    """Add fields to this request's one log line (language, node, outcome...; never a number or a body)."""
    g.log_fields.update(fields)


def start_request() -> None:
    # The id is to find a request's line, not a secret: no system call.
    g.log_fields = {"request_id": f"{random.getrandbits(48):012x}", "started": time.perf_counter()}


def log_request(response):
    """One JSON line per request: id, route, status, duration and what the view noted."""
    fields = g.get("log_fields") or {"request_id": "", "started": time.perf_counter()}
    rule = request.url_rule
    route = rule.rule if rule else "(unknown)"
    if route != "/healthz":
        started = fields.pop("started")
        fields.update(route=route, method=request.method, status=response.status_code,
                      duration_ms=round((time.perf_counter() - started) * 1000, 2))
        logs.record(log, "request", fields)
    response.headers["X-Request-Id"] = fields["request_id"]
    return response

"""Work a worker does on its own, every so often, whether or not it gets traffic: in a daemon thread that a
failure never ends (a thread that died would freeze what it keeps current)."""
from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class Periodic:
    """Calls tick() every interval seconds in a daemon thread, after first() once, until closed."""

    name = "hotline-periodic"

    def __init__(self, interval: float):
        self.interval = interval
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self):
        """Start the thread; the object itself, for chaining."""
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self.thread.start()
        return self

    def first(self) -> None:
        """What to do once, in the thread, before the first interval."""

    def tick(self) -> None:
        """What to do every interval."""
        raise NotImplementedError

    def _run(self) -> None:
        self._guarded(self.first)
        while not self.stopped.wait(self.interval):
            self._guarded(self.tick)

    def _guarded(self, work) -> None:
        try:
            work()
        except Exception as exc:   # log and go on: the next interval may succeed
            log.error("periodic work failed", extra={"work": self.name, "error": type(exc).__name__})

    def close(self) -> None:
        """Stop, and wait a moment for the thread."""
        self.stopped.set()
        if self.thread is not None and self.thread.is_alive():
            self.thread.join(timeout=2)

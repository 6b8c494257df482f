"""What no Redis memory policy may evict (opt-outs, call-back requests) is kept with no Redis TTL, so the hotline
deletes it itself when it is due: every worker sweeps once a minute, in a thread of its own (sweeping twice is
harmless), after taking in once, at start, the opt-outs stored with a TTL before."""
from __future__ import annotations

import logging
import threading

from hotline.sessions import Store

log = logging.getLogger(__name__)

INTERVAL = 60.0   # seconds between sweeps


class Sweeper:
    """A daemon thread that sweeps the store's expiry index."""

    def __init__(self, store: Store, interval: float = INTERVAL):
        self.store, self.interval = store, interval
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> "Sweeper":
        """Adopt what was kept with a TTL, then sweep every interval."""
        self.thread = threading.Thread(target=self._run, name="hotline-sweeper", daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        adopted = self.store.adopt()
        if adopted:
            log.info("opt-outs and call-back requests now kept with no Redis TTL", extra={"adopted": adopted})
        while not self.stopped.wait(self.interval):
            swept = self.store.sweep()
            if swept:
                log.info("swept what was due", extra={"swept": swept})

    def close(self) -> None:
        """Stop sweeping."""
        self.stopped.set()
        if self.thread is not None and self.thread.is_alive():
            self.thread.join(timeout=2)

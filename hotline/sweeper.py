"""What no Redis memory policy may evict (opt-outs, call-back requests) is kept with no Redis TTL, so the hotline
deletes it itself when it is due: every worker sweeps once a minute, in a thread of its own (sweeping twice is
harmless), after taking in once, at start, the opt-outs stored with a TTL before."""
from __future__ import annotations

import logging

from hotline.periodic import Periodic
from hotline.sessions import Store

log = logging.getLogger(__name__)

INTERVAL = 60.0   # seconds between sweeps


class Sweeper(Periodic):
    """A daemon thread that sweeps the store's expiry index (start(), close())."""

    name = "hotline-sweeper"

    def __init__(self, store: Store, interval: float = INTERVAL):
        super().__init__(interval)
        self.store = store

    def first(self) -> None:
        """Adopt what was kept with a TTL before."""
        adopted = self.store.adopt()
        if adopted:
            log.info("opt-outs and call-back requests now kept with no Redis TTL", extra={"adopted": adopted})

    def tick(self) -> None:
        """Delete what is due."""
        swept = self.store.sweep()
        if swept:
            log.info("swept what was due", extra={"swept": swept})

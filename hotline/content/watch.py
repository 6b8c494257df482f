"""Notice when content files change, cheaply: a fingerprint of names, sizes and modification times."""
from __future__ import annotations

import threading
import time
from pathlib import Path

FOLDERS = ("prompts", "translations")
INTERVAL = 2.0   # seconds between looks; every worker converges within about this long


def fingerprint(root: Path) -> tuple:
    """Names, sizes and modification times of every content file (audio included)."""
    found = []
    for folder in FOLDERS:
        base = Path(root) / folder
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    found.append((str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


class Watcher:
    """Says, at most once an interval and to one thread at a time, whether the content changed."""

    def __init__(self, root: Path, interval: float = INTERVAL, clock=time.monotonic):
        self.root = Path(root)
        self.interval = interval
        self.clock = clock
        self.seen = fingerprint(self.root)
        self.next_look = clock() + interval
        self.lock = threading.Lock()

    def changed(self) -> bool:
        """True once for each change, when it is time to look and no other thread is looking."""
        if self.clock() < self.next_look or not self.lock.acquire(blocking=False):
            return False
        try:
            self.next_look = self.clock() + self.interval
            now = fingerprint(self.root)
            if now == self.seen:
                return False
            self.seen = now
            return True
        finally:
            self.lock.release()

"""Every worker serves the same content, and a broken file never stops the hotline.

The last good version is the last set of content files that loaded without errors (in any worker, or in
`hotline check`). It is saved as one JSON file beside the system's temporary files, named after the content
folder, so every worker of the machine shares it, and a worker that starts while the files are broken (after
a crash, a kill, a graceful reload or gunicorn's max-requests) boots with it. Only a first start with no good
version ever seen refuses, as the release step does.

Each worker looks at the files every INTERVAL seconds in a thread of its own, whether or not it gets traffic:
a good change is served and saved; a broken one is refused and logged, and the worker serves the saved last
good version, the same one in every worker, even one that never saw it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from typing import Protocol
from pathlib import Path

from hotline.content.catalog import Catalog
from hotline.content.loader import load
from hotline.content.problems import Problem, errors
from hotline.periodic import Periodic

log = logging.getLogger(__name__)

INTERVAL = 1.0                     # seconds between looks at the files
FOLDERS = ("prompts", "translations")


def fingerprint(root: Path) -> tuple:
    """Names, sizes and modification times of the YAML files, and of every folder (a recording saved, renamed
    or removed changes its folder's time): cheap enough to take every second."""
    found = []
    for folder in FOLDERS:
        base = Path(root) / folder
        for directory, folders, files in os.walk(base):
            folders.sort()
            for name in [""] + sorted(f for f in files if f.endswith((".yaml", ".yml"))):
                try:
                    stat = os.stat(os.path.join(directory, name) if name else directory)
                except OSError:
                    continue
                found.append((os.path.join(directory, name), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def saved_path(root: Path) -> Path:
    """Where the last good version of a content folder is kept on this machine."""
    name = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "hotline-content" / f"last-good-{name}.json"


@dataclass(frozen=True)
class Saved:
    """A last good version: its files, its version and when it was saved."""

    files: dict[str, bytes]
    version: str
    saved: str


class Backup(Protocol):
    """A second place for the last good version (the Redis every worker shares), for when the temporary folder
    cannot keep it (full, or wiped): get() the text put() there last, or None."""

    def put(self, name: str, text: str) -> None: ...

    def get(self, name: str) -> str | None: ...


def save(root: Path, catalog: Catalog, backup: Backup | None = None) -> None:
    """Keep a catalog's files as the last good version (atomically: a reader sees the old file or the new), in
    the temporary folder and in the backup."""
    path = saved_path(root)
    current = read_saved(root, backup)
    if current is not None and current.version == catalog.version and path.exists():
        return
    data = json.dumps({"version": catalog.version,
                       "saved": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                       "files": {rel: raw.decode("utf-8") for rel, raw in catalog.files.items()}}, ensure_ascii=False)
    if backup is not None and (current is None or current.version != catalog.version):
        backup.put(path.stem, data)
    temporary = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".last-good-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError as exc:   # a full or read-only temporary folder: the backup keeps it
        log.warning("could not save the last good content in the temporary folder",
                    extra={"error": type(exc).__name__, "backup": backup is not None})
        if temporary:
            Path(temporary).unlink(missing_ok=True)


def read_saved(root: Path, backup: Backup | None = None) -> Saved | None:
    """The last good version saved for a content folder, if any: the temporary folder's, else the backup's."""
    path = saved_path(root)
    for read in (lambda: path.read_text(encoding="utf-8"), lambda: backup.get(path.stem) if backup else None):
        try:
            data = json.loads(read() or "null")
            return Saved({rel: text.encode("utf-8") for rel, text in data["files"].items()}, data["version"],
                         data["saved"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return None


def load_saved(root: Path, backup: Backup | None = None) -> tuple[Catalog | None, Saved | None]:
    """The saved last good version as a catalog (with the folder's audio), or None."""
    saved = read_saved(root, backup)
    if saved is None:
        return None, None
    catalog, _ = load(root, files=saved.files)
    return catalog, saved


def _saved_stamp(root: Path) -> tuple:
    try:
        stat = saved_path(root).stat()
        return stat.st_size, stat.st_mtime_ns
    except OSError:
        return ()


def start_catalog(root: Path, backup: Backup | None = None) -> tuple[Catalog | None, list[Problem]]:
    """The catalog a worker starts with: the files if they are good (then saved), else the last good version."""
    catalog, problems = load(root)
    if catalog is not None:
        save(root, catalog, backup)
        return catalog, problems
    fallback, saved = load_saved(root, backup)
    if fallback is None:
        return None, problems
    log.error("content has errors: serving the last good version", extra={
        "content": fallback.version, "saved": saved.saved, "problems": [str(p) for p in errors(problems)]})
    return fallback, problems


class Keeper(Periodic):
    """Holds the catalog a worker serves and keeps it current from a thread of its own (start(), close())."""

    name = "hotline-content"

    def __init__(self, root: Path, catalog: Catalog, interval: float = INTERVAL, on_change=None,
                 refused: list[Problem] = (), backup: Backup | None = None):
        super().__init__(interval)
        self.root = Path(root)
        self.backup = backup
        self.catalog = catalog
        self.refused = tuple(str(p) for p in refused)   # the errors of the files on disk, while they are refused
        self.on_change = on_change          # called with each new catalog before it is served
        self.seen = (fingerprint(self.root), _saved_stamp(self.root))

    def tick(self) -> None:
        """Look at the files (every interval)."""
        self.look()

    def look(self) -> bool:
        """Serve a good change or, while the files are broken, the saved last good version; True if it changed."""
        files, stamp = fingerprint(self.root), _saved_stamp(self.root)
        if (files, stamp) == self.seen:
            return False
        files_changed = files != self.seen[0]
        self.seen = (files, stamp)
        catalog, problems = load(self.root)
        if catalog is not None:
            self.refused = ()
            save(self.root, catalog, self.backup)
            self.seen = (files, _saved_stamp(self.root))
            return self._serve(catalog, "content reloaded")
        self.refused = tuple(str(p) for p in errors(problems))
        if files_changed:
            log.error("content change refused; still serving the last good content",
                      extra={"content": self.catalog.version, "problems": [str(p) for p in errors(problems)]})
        fallback, _ = load_saved(self.root, self.backup)
        if fallback is not None and fallback.version != self.catalog.version:
            return self._serve(fallback, "serving the last good content saved by another process")
        return False

    def _serve(self, catalog: Catalog, message: str) -> bool:
        if catalog.version == self.catalog.version:
            return False
        if self.on_change is not None:
            self.on_change(catalog)
        self.catalog = catalog
        log.info(message, extra={"content": catalog.version})
        return True

"""Gunicorn's settings for the Procfile's web line (`--config python:hotline.gunicorn_hooks`): the environment is
checked once in the master, before any worker starts, so a deployment that cannot work stops with one sentence
(exit status 3) instead of workers that fail to boot one after the other; and the access log's fields are
escaped for JSON, so a request path with quotes, backslashes or control characters can neither break the log's
JSON lines nor write a line of its own."""
from __future__ import annotations

import json
import sys

from gunicorn.glogging import Logger, SafeAtoms

from hotline.settings import Settings, SettingsError

BOOT_ERROR = 3   # gunicorn's own status for "the app cannot boot" (Arbiter.WORKER_BOOT_ERROR)


def on_starting(server) -> None:
    """Refuse to start on settings that cannot describe a working hotline (the embedded store unless
    HOTLINE_EMBEDDED=1, a short secret, a bad number, a Redis that may evict an opt-out), naming what to change."""
    try:
        settings = Settings.from_env()
        settings.require_store()
        if settings.redis_url:
            from hotline.sessions import Store, refuse_evicting

            store = Store.from_settings(settings)
            refuse_evicting(store)
            store.close()
    except SettingsError as exc:
        print(f"hotline cannot start: {exc}", file=sys.stderr, flush=True)
        sys.exit(BOOT_ERROR)


class JsonAtoms(SafeAtoms):
    """The access log's fields, each string escaped as inside a JSON string (the Procfile's format is JSON)."""

    def __init__(self, atoms):   # in place of SafeAtoms' own quoting, which escapes quotes but not backslashes
        dict.__init__(self, {key: json.dumps(value)[1:-1] if isinstance(value, str) else value
                             for key, value in atoms.items()})


class AccessLog(Logger):
    """Gunicorn's logger, with the access log's fields escaped for JSON."""

    atoms_wrapper_class = JsonAtoms


logger_class = AccessLog   # a gunicorn setting: this module is the Procfile's --config

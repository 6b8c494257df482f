"""Gunicorn's hooks for the Procfile's web line (`--config python:hotline.gunicorn_hooks`): the environment is
checked once in the master, before any worker starts, so a deployment that cannot work stops with one sentence
(exit status 3) instead of workers that fail to boot one after the other."""
from __future__ import annotations

import sys

from hotline.settings import Settings, SettingsError

BOOT_ERROR = 3   # gunicorn's own status for "the app cannot boot" (Arbiter.WORKER_BOOT_ERROR)


def on_starting(server) -> None:
    """Refuse to start on settings that cannot describe a working hotline (the embedded store unless
    HOTLINE_EMBEDDED=1, a short secret, a bad number), naming the variable."""
    try:
        Settings.from_env().require_store()
    except SettingsError as exc:
        print(f"hotline cannot start: {exc}", file=sys.stderr, flush=True)
        sys.exit(BOOT_ERROR)

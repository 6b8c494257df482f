"""The WSGI entry point the Procfile's gunicorn serves."""
import gc
import sys

from hotline.app import ContentError, create_app
from hotline.gunicorn_hooks import BOOT_ERROR
from hotline.settings import Settings, SettingsError

try:
    settings = Settings.from_env()
    settings.require_store()
    application = create_app(settings)
except (SettingsError, ContentError) as exc:   # said in words, without a traceback; gunicorn's master then stops
    print(f"hotline cannot start: {exc}", file=sys.stderr, flush=True)
    sys.exit(BOOT_ERROR)
# What start-up made (the content, the language detector's tables, the libraries) lives as long as the worker:
# out of the collector's sight, a full collection takes a millisecond instead of tens (each one a pause for
# every request in the worker).
gc.freeze()

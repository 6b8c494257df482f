"""The WSGI entry point the Procfile's gunicorn serves."""
import gc

from hotline.app import create_app
from hotline.settings import Settings

application = create_app(Settings.from_env())
# What start-up made (the content, the language detector's tables, the libraries) lives as long as the worker:
# out of the collector's sight, a full collection takes a millisecond instead of tens (each one a pause for
# every request in the worker).
gc.freeze()

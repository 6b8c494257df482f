"""The WSGI entry point the Procfile's gunicorn serves."""
from hotline.app import create_app
from hotline.settings import Settings

application = create_app(Settings.from_env())

"""The WSGI entry point for production: ``gunicorn eds_toolkit.wsgi:app`` (settings from EDS_* variables)."""

from eds_toolkit.web import create_app
from eds_toolkit.web.app import start_background_work

app = create_app()
start_background_work(app)

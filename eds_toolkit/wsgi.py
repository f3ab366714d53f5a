"""The WSGI entry point for production: ``gunicorn eds_toolkit.wsgi:app`` (settings from EDS_* variables)."""

from eds_toolkit.web import create_app

app = create_app()

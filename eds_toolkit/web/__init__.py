"""The citizen web service (Flask): pages, JSON API, cabinet, PKI files."""

from eds_toolkit.web.app import create_app

__all__ = ["create_app"]

"""Rate limits (Flask-Limiter): per client address, and per IIN on the steps that take an IIN."""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from eds_toolkit.settings import Settings


def iin_key() -> str:
    """The IIN in a JSON or form body (digits only), else the client address."""
    data = request.get_json(silent=True) if request.is_json else request.form
    value = (data or {}).get("iin") if hasattr(data, "get") else None
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return f"iin:{digits}" if digits else f"addr:{get_remote_address()}"


def make_limiter(app: Flask, settings: Settings) -> Limiter:
    """A limiter on the configured storage (memory:// per process, redis://... shared)."""
    return Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings.ratelimit_storage_url,
        enabled=settings.ratelimit_enabled,
        headers_enabled=True,
        strategy="moving-window",
    )

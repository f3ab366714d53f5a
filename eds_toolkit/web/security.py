"""Security headers on every response, and cookie settings."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, Response


def content_security_policy(connect_sources: Sequence[str] = ()) -> str:
    """The CSP of every page; ``connect_sources`` widen ``connect-src`` (the agent page adds its ws URL)."""
    connect = " ".join(("'self'", *connect_sources))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        f"media-src 'self' blob:; connect-src {connect}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def install_security_headers(app: Flask, *, hsts: bool) -> None:
    """CSP with frame-ancestors 'none', nosniff, no referrer, no caching of flow pages.

    A view that needs more (the certificates page talks to ``eds agent``) sets its own
    ``Content-Security-Policy`` from :func:`content_security_policy`; it is kept.
    """

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # same-origin, not no-referrer: Flask-WTF's HTTPS check needs the Referer of our own forms
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not headers.get("Cache-Control"):
            headers["Cache-Control"] = "no-store"
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

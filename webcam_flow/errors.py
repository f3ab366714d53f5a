"""Error types raised where bad input enters the library."""

from __future__ import annotations


class BadInput(ValueError):
    """Input the library cannot work with (undecodable, too large, wrong type); the message says why."""


class NoFaceFound(LookupError):
    """An image decoded fine but holds no face we can use (e.g. an identity-card photo without a face)."""

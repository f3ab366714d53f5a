"""Reading JSON bodies safely: a body that does not parse is a 400 problem (``json_invalid``), never a 500.

``json.loads`` raises ``RecursionError`` (not a ``ValueError``) on JSON nested about 1,000 deep, which
Flask's ``get_json`` lets through even with ``silent=True``; :class:`GuardedJSONProvider` turns it into
the ``ValueError`` Flask expects, and :class:`ServiceRequest` answers every parse failure with
:class:`JsonInvalid`.
"""

from __future__ import annotations

from typing import Any

from flask import Request
from flask.json.provider import DefaultJSONProvider

from eds_toolkit.core.refusals import Refusal


class JsonInvalid(Refusal):
    """The body says it is JSON but does not parse (malformed, not UTF-8, or nested too deep)."""

    status = 400
    code = "json_invalid"
    title = "Malformed JSON"
    localized_in_api = False  # a client's bug, for its developer: the detail stays in English


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with nesting too deep for Python's parser reported as a ``ValueError``."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse ``s``; ``ValueError`` for anything that does not parse, however deep it nests."""
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deep") from None


class ServiceRequest(Request):
    """The service's request: a JSON body that does not parse is refused with :class:`JsonInvalid`."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Called by ``get_json()`` (not silent): ``e`` is the parse error, None for another content type."""
        if e is None:
            return super().on_json_loading_failed(e)
        raise JsonInvalid("The body is not valid JSON (or is nested too deep): send a JSON object.")

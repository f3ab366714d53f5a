"""The NCALayer modules the agent answers, one file each, all with one shape (:class:`AgentModule`)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from eds_agent.errors import BadRequest

Method = Callable[[Any, str], Any]
"""A module method: (the request's ``args``, who asks) -> the result to wrap."""


@dataclass(frozen=True)
class AgentModule:
    """A module name, its reply style (``basics`` or ``common``) and its methods.

    ``read_only`` names the methods that never ask the citizen and change nothing: they are answered
    at once, even while another request waits for the citizen's answer.
    """

    name: str
    style: Literal["basics", "common"]
    methods: dict[str, Method]
    read_only: frozenset[str] = frozenset()


def flag(value: Any) -> bool:
    """NCALayer's booleans arrive as JSON booleans or as the strings "true"/"false"."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def decode_base64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise BadRequest(f"The {what} must be a Base64 string.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"The {what} is not valid Base64.") from None

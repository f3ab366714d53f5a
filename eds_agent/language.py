"""Which language the agent speaks to the citizen: the page's, else the system's, else English.

A page names its language per request (``args.locale``, as NCALayer's ``basics.sign`` carries it) or
once for the agent (``commonUtils.changeLocale``). The request's language lives in a context variable
set by the dispatcher for the thread that runs the request, so the questions asked while answering it
read it without every module passing it along.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Literal, cast

Language = Literal["kk", "ru", "en"]
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")
_ALIASES = {"kz": "kk", "qq": "kk"}  # NCALayer and some portals say "kz" for Kazakh

_requested: ContextVar[Language | None] = ContextVar("eds_agent_requested_language", default=None)
_page_choice: Language | None = None  # set by changeLocale; NCALayer's locale is agent-wide too


def parse_language(value: object) -> Language | None:
    """``"kk"``, ``"kz"``, ``"ru_RU.UTF-8"``, ``"en-GB"`` -> a language we speak; anything else -> None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    code = _ALIASES.get(code, code)
    return cast(Language, code) if code in LANGUAGES else None


def system_language(environ: Mapping[str, str] | None = None) -> Language | None:
    """The desktop's language from ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG`` (the first one set)."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            return parse_language(environ[name])
    return None


def set_request_language(value: object) -> None:
    """The language the current request asked for (ignored unless we speak it)."""
    _requested.set(parse_language(value))


def set_page_language(value: object) -> None:
    """``changeLocale``: the language for every later request that names none."""
    global _page_choice
    _page_choice = parse_language(value) or _page_choice


def current_language() -> Language:
    """The request's language, else the page's last ``changeLocale``, else the system's, else English."""
    return _requested.get() or _page_choice or system_language() or "en"

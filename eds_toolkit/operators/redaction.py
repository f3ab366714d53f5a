"""Console pages never show a citizen's IIN in clear, except the one the operator typed (or a review's
applicant, whose decision needs it): IINs in free text (audit details, officers named at the command
line) are hidden here."""

from __future__ import annotations

import re
from collections.abc import Iterable

IIN_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:IIN)?(\d{12})(?![0-9A-Za-z])")
HIDDEN = "············"


def hide_iins(text: str | None, keep: Iterable[str] = ()) -> str:
    """``text`` with every 12-digit number (an IIN, also as ``IIN<digits>``) hidden, except those in
    ``keep``."""
    if not text:
        return ""
    kept = set(keep)
    return IIN_IN_TEXT.sub(lambda m: m.group(0) if m.group(1) in kept else HIDDEN, text)

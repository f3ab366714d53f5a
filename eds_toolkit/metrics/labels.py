"""Label values that can never carry a person's data: codes only, anything else is ``other``.

Every label value the metrics show comes from the service's own vocabularies (actions, refusal codes,
verdict reasons, profiles); this is the fence in case a stored value is ever something else. A value
passes only if it reads like a code (lower-case letters, digits, ``_ . : ,``) and holds no run of four
or more digits, so no IIN (12 digits), phone number, serial or token can reach a label.
"""

from __future__ import annotations

import re

OTHER = "other"
NONE = "none"
_CODE = re.compile(r"[a-z][a-z0-9_.:,]{0,99}\Z")
_DIGIT_RUN = re.compile(r"\d{4,}")


def safe_label(value: str | None) -> str:
    """``value`` if it is a plain code; ``none`` for no value; ``other`` for anything else."""
    if value is None or value == "":
        return NONE
    if not _CODE.match(value) or _DIGIT_RUN.search(value):
        return OTHER
    return value

"""The scores the report shows and the candidate thresholds it tries (``--would-refuse``)."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from eds_toolkit.identify_report.records import Try

# Score families: the verdicts' keys that matter for calibrating a threshold, per check. A turn's scores
# exist only for the turns the task asked and the check found; the face match's distance is the farthest
# live probe, against the state's photo (record_) and against the identity card's (id_).
SCORES: dict[str, tuple[str, tuple[str, ...]]] = {
    "turn_deg": ("liveness", ("turn_left_deg", "turn_right_deg")),
    "parallax": ("liveness", ("parallax_turn_left", "parallax_turn_right")),
    "turn_texture": ("liveness", ("turn_texture_turn_left", "turn_texture_turn_right")),
    "colour_correlation": ("liveness", ("colour_correlation",)),
    "colour_amplitude": ("liveness", ("colour_amplitude",)),
    "ear_min": ("liveness", ("ear_min",)),
    "mouth_max": ("liveness", ("mouth_max",)),
    "face_distance": ("face_match", ("record_distance_max", "id_distance_max")),
}
SCORE_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    key: (check, (key,)) for check, keys in SCORES.values() for key in keys
}
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_RULE = re.compile(r"\s*([a-z_]+)\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*")


class BadOption(ValueError):
    """An option of the report that cannot be used: a malformed rule or day, a score the report lacks."""


@dataclass(frozen=True)
class Rule:
    """A candidate refusal: a try is refused when any of ``keys`` it carries compares true to ``value``."""

    text: str
    score: str
    comparison: str
    value: float
    check: str
    keys: tuple[str, ...]

    def refuses(self, attempt: Try) -> bool:
        compare = COMPARISONS[self.comparison]
        return attempt.check == self.check and any(
            compare(attempt.scores[key], self.value) for key in self.keys if key in attempt.scores
        )

    def measured(self, attempt: Try) -> bool:
        """Whether the try carries the score at all (a blink-only task has no turn score)."""
        return attempt.check == self.check and any(key in attempt.scores for key in self.keys)


def parse_rule(text: str) -> Rule:
    """``turn_texture>0.87``: a score (a family of :data:`SCORES` or one of its keys), ``>``, ``>=``, ``<``
    or ``<=``, and a number."""
    found = _RULE.fullmatch(text)
    if found is None:
        raise BadOption(
            f"--would-refuse {text!r} is not SCORE<OP>VALUE (e.g. turn_texture>0.87; OP one of > >= < <=)."
        )
    score, comparison, value = found.groups()
    if score in SCORES:
        check, keys = SCORES[score]
    elif score in SCORE_KEYS:
        check, keys = SCORE_KEYS[score]
    else:
        known = ", ".join(dict.fromkeys([*SCORES, *SCORE_KEYS]))
        raise BadOption(f"--would-refuse {text!r}: unknown score {score!r}; known scores: {known}.")
    return Rule(text.strip().replace(" ", ""), score, comparison, float(value), check, keys)

"""The report's figures, computed from the enrolments' traces: a JSON-ready dict (``--json`` prints it, the
text tables are made from it). Counts come with shares and 95% Wilson intervals; scores with percentiles
(linear interpolation between the sorted values, numpy's default)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from eds_toolkit.identify_report.records import PASSED, QUALITY, REFERRED, REFUSED, Trace, Try
from eds_toolkit.identify_report.scores import SCORES, BadOption, Rule
from eds_toolkit.intervals import wilson

CHECKS = ("selfie", "liveness", "face_match")
PERCENTILES = (1, 5, 50, 95, 99)
REVIEW_DECISIONS = ("accepted", "refused", "undecided")


@dataclass(frozen=True)
class Period:
    """Whole days in the service's time zone, both included; None: unbounded."""

    since: dt.date | None
    until: dt.date | None
    time_zone: str

    @classmethod
    def of_days(cls, since: str | None, until: str | None, time_zone: str) -> Period:
        """The period of ``--since``/``--until`` (YYYY-MM-DD); BadOption for a malformed day or an empty
        period."""
        first, last = _day(since, "--since"), _day(until, "--until")
        if first and last and first > last:
            raise BadOption(f"--since {since} is after --until {until}: the period is empty.")
        return cls(first, last, time_zone)

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """[start, end) in UTC: from the first day's midnight to the midnight after the last day."""
        zone = ZoneInfo(self.time_zone)

        def midnight(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)

        start = midnight(self.since) if self.since else None
        end = midnight(self.until + dt.timedelta(days=1)) if self.until else None
        return start, end

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "time_zone": self.time_zone,
        }


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadOption(f"{option} {text!r} is not a day: write it as YYYY-MM-DD.") from None


def share(count: int, n: int) -> dict[str, Any]:
    """``count`` of ``n`` with its share and 95% Wilson interval (None when ``n`` is 0)."""
    low, high = wilson(count, n)
    known = n > 0
    return {
        "count": count,
        "of": n,
        "share": round(count / n, 4) if known else None,
        "low": round(low, 4) if known else None,
        "high": round(high, 4) if known else None,
    }


def percentiles(values: Sequence[float]) -> dict[str, Any]:
    """n and the 1/5/50/95/99th percentiles (None without values)."""
    figures: dict[str, Any] = {"n": len(values)}
    points = np.percentile(values, PERCENTILES) if values else [None] * len(PERCENTILES)
    for p, value in zip(PERCENTILES, points, strict=True):
        figures[f"p{p}"] = None if value is None else round(float(value), 6)
    return figures


def enrolment_outcome(trace: Trace) -> str:
    """finished, failed:<reason>, gave_up:<the step it stopped at>, or in_progress."""
    if trace.finished:
        return "finished"
    if trace.state == "failed":
        return f"failed:{trace.failure_reason or 'unknown'}"
    if not trace.expired:
        return "in_progress"
    if any(t.accepted for t in trace.of("face_match")):
        return "gave_up:after_identification"
    if any(t.outcome == REFERRED and t.review is None for t in trace.of("face_match")):
        return "gave_up:officer_review"
    if any(t.outcome == PASSED for t in trace.of("liveness")):
        return "gave_up:face_match"
    if any(t.outcome == PASSED for t in trace.of("selfie")):
        return "gave_up:video"
    return "gave_up:selfie"


def _counted(counter: Counter, n: int, name: str) -> list[dict[str, Any]]:
    """Each key with its share of ``n``, the most frequent first."""
    return [
        {name: key, **share(count, n)} for key, count in sorted(counter.items(), key=lambda i: (-i[1], i[0]))
    ]


def _tries_section(tries: list[Try], check: str) -> dict[str, Any]:
    n = len(tries)
    kinds = (PASSED, REFUSED, QUALITY, REFERRED) if check == "face_match" else (PASSED, REFUSED, QUALITY)
    outcomes = Counter(t.outcome for t in tries)
    reasons = Counter(reason for t in tries if t.refused for reason in t.reasons)
    return {
        "n": n,
        "outcomes": [{"outcome": kind, **share(outcomes[kind], n)} for kind in kinds],
        "reasons": _counted(reasons, n, "reason"),
    }


def _genuine_refusals(traces: list[Trace]) -> dict[str, Any]:
    """The lower bound: people who finished (so were real) and had a video try refused first."""
    finished = [t for t in traces if t.finished]
    tries = [attempt for trace in finished for attempt in trace.of("liveness")]
    refused = [attempt for attempt in tries if attempt.refused]
    refused_people = sum(1 for trace in finished if any(t.refused for t in trace.of("liveness")))
    stopped = sum(
        1
        for trace in traces
        if trace.ended
        and not trace.finished
        and any(t.refused for t in trace.of("liveness"))
        and not any(t.outcome == PASSED for t in trace.of("liveness"))
    )
    return {
        "finished": len(finished),
        "enrolments": share(refused_people, len(finished)),
        "tries": share(len(refused), len(tries)),
        "tries_costing_an_attempt": sum(1 for t in refused if t.outcome == REFUSED),
        "reasons": _counted(Counter(r for t in refused for r in t.reasons), len(tries), "reason"),
        "stopped_after_a_refused_video": stopped,
        "upper_if_all_stopped_were_genuine": share(refused_people + stopped, len(finished) + stopped),
        "in_progress": sum(1 for t in traces if not t.ended),
    }


def _score_groups(traces: list[Trace], check: str) -> dict[str, list[Try]]:
    tries = [attempt for trace in traces for attempt in trace.of(check)]
    groups = {
        "passed": [t for t in tries if t.outcome == PASSED],
        "refused": [t for t in tries if t.refused],
    }
    if check == "face_match":
        groups["referred"] = [t for t in tries if t.outcome == REFERRED]
    groups["finished"] = [attempt for trace in traces if trace.finished for attempt in trace.of(check)]
    return groups


def _distributions(traces: list[Trace]) -> list[dict[str, Any]]:
    rows = []
    for family, (check, keys) in SCORES.items():
        groups = _score_groups(traces, check)
        for key in keys:
            for group, tries in groups.items():
                values = [t.scores[key] for t in tries if key in t.scores]
                if values:
                    rows.append(
                        {
                            "score": key,
                            "family": family,
                            "check": check,
                            "group": group,
                            **percentiles(values),
                        }
                    )
    return rows


def _would_refuse(traces: list[Trace], rules: Sequence[Rule]) -> list[dict[str, Any]]:
    finished = [t for t in traces if t.finished]
    rows = []
    sets = [(rule.text, [rule]) for rule in rules]
    if len(rules) > 1:
        sets.append(("any of them", list(rules)))
    for text, chosen in sets:
        checks = {rule.check for rule in chosen}
        passed = [t for trace in traces for t in trace.tries if t.check in checks and t.accepted]
        hit = [t for t in passed if any(rule.refuses(t) for rule in chosen)]
        people = sum(
            1
            for trace in finished
            if any(t.accepted and any(r.refuses(t) for r in chosen) for t in trace.tries)
        )
        rows.append(
            {
                "rule": text,
                "checks": sorted(checks),
                "passed_tries_with_the_score": sum(1 for t in passed if any(r.measured(t) for r in chosen)),
                "passed_tries": share(len(hit), len(passed)),
                "finished_enrolments": share(people, len(finished)),
            }
        )
    return rows


def _reviews(traces: list[Trace]) -> dict[str, Any]:
    referred = [t for trace in traces for t in trace.of("face_match") if t.outcome == REFERRED]
    by_decision: dict[str, list[Try]] = {d: [] for d in REVIEW_DECISIONS}
    for attempt in referred:
        by_decision[attempt.review or "undecided"].append(attempt)
    distances = []
    for key in SCORES["face_distance"][1]:
        for decision, tries in by_decision.items():
            values = [t.scores[key] for t in tries if key in t.scores]
            if values:
                distances.append({"score": key, "decision": decision, **percentiles(values)})
    return {
        "referred": len(referred),
        "decisions": [{"decision": d, **share(len(t), len(referred))} for d, t in by_decision.items()],
        "distances": distances,
    }


def build_report(traces: Iterable[Trace], period: Period, rules: Sequence[Rule] = ()) -> dict[str, Any]:
    """Every figure of ``eds identify report`` for the enrolments started in ``period``."""
    traces = list(traces)
    outcomes = Counter(enrolment_outcome(trace) for trace in traces)
    return {
        "period": period.as_json(),
        "empty": not traces,
        "enrolments": {"n": len(traces), "outcomes": _counted(outcomes, len(traces), "outcome")},
        "tries": {
            check: _tries_section([t for tr in traces for t in tr.of(check)], check) for check in CHECKS
        },
        "genuine_refusals": _genuine_refusals(traces),
        "scores": _distributions(traces),
        "would_refuse": _would_refuse(traces, rules),
        "reviews": _reviews(traces),
    }

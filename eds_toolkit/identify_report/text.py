"""The report as text tables for an administrator's terminal (the same figures as ``--json``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eds_toolkit.identify_report.figures import PERCENTILES

CHECK_NAMES = {"selfie": "selfie", "liveness": "video (liveness)", "face_match": "face match"}


def rate(figure: dict[str, Any]) -> str:
    """``3/40 7.5% (2.6-19.9%)``; ``0/0`` when there is nothing to count."""
    if not figure["of"]:
        return f"{figure['count']}/0"
    return (
        f"{figure['count']}/{figure['of']} {100 * figure['share']:.1f}% "
        f"({100 * figure['low']:.1f}-{100 * figure['high']:.1f}%)"
    )


def rate_cells(figure: dict[str, Any]) -> list[str]:
    """``3/40``, ``7.5%``, ``2.6-19.9%``: a count as three table cells."""
    if not figure["of"]:
        return [f"{figure['count']}/0", "-", "-"]
    return [
        f"{figure['count']}/{figure['of']}",
        f"{100 * figure['share']:.1f}%",
        f"{100 * figure['low']:.1f}-{100 * figure['high']:.1f}%",
    ]


RATE = ["count", "share", "95% CI"]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Columns padded to their widest cell, the first one left-aligned, the others right-aligned."""
    cells = [[str(c) for c in headers], *[["-" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    ]


def _period(period: dict[str, Any]) -> str:
    since, until = period["since"] or "the first enrolment", period["until"] or "now"
    return f"enrolments started from {since} to {until} ({period['time_zone']})"


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report, one table per section; one sentence when the period has nothing."""
    if report["empty"]:
        return [
            f"Nothing to report: none of the {_period(report['period'])} reached a decision of the webcam "
            "steps."
        ]
    lines = [
        f"Identification report: {_period(report['period'])}.",
        "Enrolments that reached a decision of the webcam steps, each with all its tries; aggregates only.",
        "Counts with 95% Wilson intervals.",
        "",
        f"Enrolments ({report['enrolments']['n']})",
        *table(
            ["outcome", *RATE], [[o["outcome"], *rate_cells(o)] for o in report["enrolments"]["outcomes"]]
        ),
    ]
    for check, section in report["tries"].items():
        lines += ["", f"Tries: {CHECK_NAMES[check]} ({section['n']})"]
        rows = [[o["outcome"], *rate_cells(o)] for o in section["outcomes"]]
        rows += [[f"  refused for {r['reason']}", *rate_cells(r)] for r in section["reasons"]]
        lines += table(["outcome", *RATE], rows)
    lines += ["", *_genuine_lines(report["genuine_refusals"])]
    lines += [
        "",
        "Scores of the tries (percentiles; a group no try of which carries the score is not listed)",
    ]
    lines += table(
        ["score", "tries", "n", *[f"p{p}" for p in PERCENTILES]],
        [[s["score"], s["group"], s["n"], *[s[f"p{p}"] for p in PERCENTILES]] for s in report["scores"]],
    )
    if report["would_refuse"]:
        lines += [
            "",
            "What a candidate threshold would have refused (tries that passed, enrolments that finished)",
        ]
        lines += table(
            ["rule", "passed tries", "share", "95% CI", "finished", "share", "95% CI", "carry the score"],
            [
                [
                    w["rule"],
                    *rate_cells(w["passed_tries"]),
                    *rate_cells(w["finished_enrolments"]),
                    w["passed_tries_with_the_score"],
                ]
                for w in report["would_refuse"]
            ],
        )
    return lines + ["", *_review_lines(report["reviews"])]


def _genuine_lines(genuine: dict[str, Any]) -> list[str]:
    lines = [
        "Genuine refusals, a lower bound: people refused on a video try who then passed and got their "
        "certificates",
        f"finished enrolments: {genuine['finished']}",
        f"refused at least once, then finished: {rate(genuine['enrolments'])}",
        f"video tries of those who finished, refused: {rate(genuine['tries'])}"
        f" ({genuine['tries_costing_an_attempt']} of them cost an attempt)",
    ]
    if genuine["reasons"]:
        lines += table(
            ["refused them for", *RATE], [[r["reason"], *rate_cells(r)] for r in genuine["reasons"]]
        )
    lines += [
        f"not in the bound: {genuine['stopped_after_a_refused_video']} enrolment(s) ended after a refused "
        "video try without passing one (people who gave up, or attacks);",
        f"  if every one of them was a real person: {rate(genuine['upper_if_all_stopped_were_genuine'])}",
        f"still in progress, not counted: {genuine['in_progress']}",
    ]
    return lines


def _review_lines(reviews: dict[str, Any]) -> list[str]:
    lines = [f"Review queue: face matches referred to an officer ({reviews['referred']})"]
    if not reviews["referred"]:
        return lines
    lines += table(["decision", *RATE], [[d["decision"], *rate_cells(d)] for d in reviews["decisions"]])
    lines += table(
        ["distance", "decision", "n", *[f"p{p}" for p in PERCENTILES]],
        [
            [d["score"], d["decision"], d["n"], *[d[f"p{p}"] for p in PERCENTILES]]
            for d in reviews["distances"]
        ],
    )
    return lines

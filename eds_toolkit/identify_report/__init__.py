"""``eds identify report``: how identification decided for real citizens over a period, to calibrate its
thresholds on real enrolments (docs/identify.md, "Calibrating on real enrolments"). Reads the decisions the
service recorded (``records``), computes counts with Wilson intervals, the genuine-refusal lower bound,
score percentiles and what candidate thresholds would have refused (``figures``, ``scores``), and prints
them as tables (``text``) or JSON. Aggregates only: no IIN, name, phone, enrolment id or picture."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from eds_toolkit.identify_report.figures import Period, build_report
from eds_toolkit.identify_report.records import read_traces
from eds_toolkit.identify_report.scores import BadOption, Rule, parse_rule
from eds_toolkit.identify_report.text import report_lines

__all__ = ["BadOption", "Period", "Rule", "identification_report", "parse_rule", "report_lines"]


def identification_report(
    session: Session, period: Period, rules: Sequence[Rule] = (), *, now: dt.datetime
) -> dict[str, Any]:
    """The report of the enrolments started in ``period`` (``now``: which unfinished ones have expired)."""
    start, end = period.bounds()
    return build_report(read_traces(session, start, end, now), period, rules)

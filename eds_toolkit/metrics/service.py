"""The service's metrics, read from the database (and the job queue's Redis) on each scrape.

Nothing here is counted in a process's memory: every process of every machine answers the same numbers
for the same database, so the scrape may go to any of them. Counters come from rows that are only ever
added: ``audit_events`` (append-only, see ``core/audit.py``) and ``ca_certificates`` (never deleted; a
revocation is never undone), so they never go down across restarts. Label values pass
:func:`~eds_toolkit.metrics.labels.safe_label`: codes only, never an IIN, a phone number or a secret.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ca.authority import CertificateAuthority
from ca.crl import crl_status
from ca.errors import CAError
from ca.person import Identification
from ca.store import REVOCATION_REASONS, CertificateStore, issued_counts, revoked_counts, valid_count
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.models import IdentificationReview
from eds_toolkit.flow.identification.review import PENDING
from eds_toolkit.jobs import CheckQueue, QueueUnavailable, RedisChecks
from eds_toolkit.jobs.queues import QUEUE_NAME
from eds_toolkit.metrics.audit_tally import AuditTally, TallyReading
from eds_toolkit.metrics.labels import OTHER, safe_label
from national_profile.profiles import Profile
from webcam_flow.liveness import Challenge
from webcam_flow.verdict import MESSAGES

# the identification decisions' audit actions (flow/identification/decision.py) and their outcomes
CHECKS = {"identify_selfie": "selfie", "identify_liveness": "liveness", "identify_face_match": "face_match"}
DECISIONS = {"ok": "accept", "referred": "refer", "refused": "refuse"}
REVIEW_ACTION = "identification_review"  # an officer decided a referred match (reason: accepted/refused)
REVIEW_DECISIONS = ("accepted", "refused")
SMS_FAILED = "sms_failed"  # the reason of every event that records a failed send
# the steps that send an SMS, shown at 0 before their first failure (a series that appears at 1 hides it
# from rate()); a failure of any other step shows up as its own series
SMS_ACTIONS = ("start", "resend_code", "register_phone", "owner_notice")
EXPIRING_WITHIN = dt.timedelta(days=30)
CHALLENGES = frozenset(challenge.value for challenge in Challenge)  # challenge_missing:<challenge>


class ServiceCollector:
    """A Prometheus collector of the service's business metrics (docs/metrics.md lists them)."""

    def __init__(self, ctx: ServiceContext, engine: Engine, ca_directory: Path, checks: CheckQueue) -> None:
        self.ctx = ctx
        self.engine = engine
        self.ca_directory = ca_directory
        self.checks = checks
        self.tally = AuditTally(spelled_out=frozenset(CHECKS))

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        now = self.ctx.now()
        with self.ctx.session() as session:
            families = [
                *audit_families(self.tally.read(session)),
                *certificate_families(session, now),
                *review_queue_families(session, now),
            ]
        families += crl_families(self.engine, self.ca_directory, now)
        families += queue_families(self.checks)
        yield from families
        took = GaugeMetricFamily(
            "eds_metrics_collect_seconds", "How long reading these metrics took (database and queue)."
        )
        took.add_metric([], time.perf_counter() - started)
        yield took


def _counter(
    name: str, documentation: str, labels: list[str], zeros: Iterable[tuple[str, ...]] = ()
) -> tuple[CounterMetricFamily, Counter]:
    """A counter family and its values by labels, the ``zeros`` shown before their first event."""
    family = CounterMetricFamily(name, documentation, labels=labels)
    return family, Counter({key: 0 for key in zeros})


def _filled(family: Metric, values: Counter) -> Metric:
    for labels, value in sorted(values.items()):
        family.add_metric(list(labels), value)
    return family


def _verdict_code(code: str) -> str:
    """A verdict reason code (``no_face``, ``challenge_missing:blink``) as is; anything else ``other``."""
    name, _, parameter = code.partition(":")
    return code if name in MESSAGES and (not parameter or parameter in CHALLENGES) else OTHER


def _verdict_reasons(reason: str | None) -> list[str] | None:
    """The verdict reason codes of a decision's event (``a,b:param``), or None when the event is a step
    refusal (a bad upload, a step out of order) rather than a decision."""
    codes = (reason or "").split(",")
    if codes[0].partition(":")[0] not in MESSAGES:
        return None
    return [_verdict_code(code) for code in codes]


def audit_families(reading: TallyReading) -> list[Metric]:
    """Events, refusals, identification decisions and reviews, and failed SMS, from the audit tally."""
    events, events_values = _counter(
        "eds_audit_events", "Audit events recorded, by action and outcome.", ["action", "outcome"]
    )
    refusals, refusal_values = _counter(
        "eds_refusals",
        "Steps refused (audit events with outcome refused), by action and the refusal's code "
        "(an identification decision's reasons, comma-separated, as recorded).",
        ["action", "reason"],
    )
    decisions, decision_values = _counter(
        "eds_identification_decisions",
        "Identification decisions (selfie, liveness video, face match): accept, refer to an officer, refuse.",
        ["check", "outcome"],
        zeros=[(check, outcome) for check in CHECKS.values() for outcome in DECISIONS.values()],
    )
    reasons, reason_values = _counter(
        "eds_identification_refusal_reasons",
        "Reasons of refused identification decisions; a decision refused for several reasons counts "
        "once under each.",
        ["check", "reason"],
    )
    reviews, review_values = _counter(
        "eds_identification_reviews_decided",
        "Referred face matches decided by an officer.",
        ["decision"],
        zeros=[(decision,) for decision in REVIEW_DECISIONS],
    )
    sms, sms_values = _counter(
        "eds_sms_failures",
        "SMS the provider did not take (events with reason sms_failed), by the step that sent it.",
        ["action"],
        zeros=[(action,) for action in SMS_ACTIONS],
    )
    for (action, outcome, reason), n in reading.counts.items():
        events_values[(safe_label(action), safe_label(outcome))] += n
        if outcome == "refused":
            refusal_values[(safe_label(action), safe_label(reason))] += n
        if reason == SMS_FAILED:
            sms_values[(safe_label(action),)] += n
        if action == REVIEW_ACTION and outcome == "ok":
            review_values[(safe_label(reason),)] += n
        check = CHECKS.get(action)
        if check is None or outcome not in DECISIONS:
            continue
        codes = _verdict_reasons(reason) if outcome == "refused" else []
        if codes is None:  # a refused step, not a decision: counted in eds_refusals_total only
            continue
        decision_values[(check, DECISIONS[outcome])] += n
        if not TallyReading.cut(reason):  # a cut list is counted whole below
            for code in codes:
                reason_values[(check, safe_label(code))] += n
    for (action, code), n in reading.spelled_out.items():
        reason_values[(CHECKS[action], safe_label(_verdict_code(code)))] += n
    return [
        _filled(events, events_values),
        _filled(refusals, refusal_values),
        _filled(decisions, decision_values),
        _filled(reasons, reason_values),
        _filled(reviews, review_values),
        _filled(sms, sms_values),
    ]


def certificate_families(session: Session, now: dt.datetime) -> list[Metric]:
    """Certificates issued (by profile and how the person was identified), revoked by reason, valid and
    expiring within 30 days."""
    issued, issued_values = _counter(
        "eds_certificates_issued",
        "Certificates issued, by profile (auth, sign) and how the person was identified "
        "(remote_digital_id, renewal, service_centre).",
        ["profile", "identification"],
        zeros=[(profile.value, way.value) for profile in Profile for way in Identification],
    )
    for (profile, identification), n in issued_counts(session).items():
        issued_values[(safe_label(profile), safe_label(identification))] += n
    revoked, revoked_values = _counter(
        "eds_certificates_revoked",
        "Certificates revoked, by RFC 5280 reason (superseded: replaced by a new pair).",
        ["reason"],
        zeros=[(reason,) for reason in REVOCATION_REASONS],
    )
    for reason, n in revoked_counts(session).items():
        revoked_values[(safe_label(reason),)] += n
    valid = GaugeMetricFamily("eds_certificates_valid", "Certificates valid now (not revoked, not expired).")
    valid.add_metric([], valid_count(session, now))
    expiring = GaugeMetricFamily(
        "eds_certificates_expiring_within_30_days",
        "Valid certificates whose validity ends within 30 days (the renewal wave ahead).",
    )
    expiring.add_metric([], valid_count(session, now, expiring_within=EXPIRING_WITHIN))
    return [_filled(issued, issued_values), _filled(revoked, revoked_values), valid, expiring]


def review_queue_families(session: Session, now: dt.datetime) -> list[Metric]:
    """Referred face matches waiting for an officer, and how long the oldest has waited."""
    review = IdentificationReview
    pending, oldest = session.execute(
        select(func.count(), func.min(review.created_at)).where(review.status == PENDING)
    ).one()
    waiting = GaugeMetricFamily(
        "eds_identification_reviews_pending", "Referred face matches waiting for an officer's decision."
    )
    waiting.add_metric([], pending)
    age = GaugeMetricFamily(
        "eds_identification_review_oldest_seconds",
        "Seconds the oldest pending review has waited (0 when none waits).",
    )
    age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
    return [waiting, age]


def crl_families(engine: Engine, ca_directory: Path, now: dt.datetime) -> list[Metric]:
    """Each published CRL's age (since its thisUpdate) and the seconds to its nextUpdate (negative once
    it has passed: relying parties then refuse it). Nothing before the CA exists or publishes."""
    try:
        issuing_cert, root_cert = CertificateAuthority.read_chain(ca_directory)
    except CAError:
        return []
    published = crl_status(CertificateStore(engine), issuing_cert, root_cert)
    age = GaugeMetricFamily(
        "eds_crl_age_seconds",
        "Seconds since the newest published CRL's thisUpdate (base and delta of the issuing CA, root).",
        labels=["crl"],
    )
    left = GaugeMetricFamily(
        "eds_crl_next_update_seconds",
        "Seconds until the newest published CRL's nextUpdate; negative: it is out of date.",
        labels=["crl"],
    )
    for status in published:
        age.add_metric([status.which], status.age(now).total_seconds())
        left.add_metric([status.which], (status.next_update - now).total_seconds())
    return [age, left]


def queue_families(checks: CheckQueue) -> list[Metric]:
    """The identification job queue (only with ``EDS_QUEUE_URL``): whether Redis answered, and its jobs
    waiting, running and failed (failed jobs are kept 10 minutes)."""
    if not isinstance(checks, RedisChecks):
        return []
    up = GaugeMetricFamily(
        "eds_queue_up", "1 when the job queue's Redis answered this scrape.", labels=["queue"]
    )
    jobs = GaugeMetricFamily(
        "eds_queue_jobs", "Jobs on the identification queue, by state.", labels=["queue", "state"]
    )
    try:
        depths = checks.depths()
    except QueueUnavailable:
        up.add_metric([QUEUE_NAME], 0)
        return [up]
    up.add_metric([QUEUE_NAME], 1)
    for state, n in depths.items():
        jobs.add_metric([QUEUE_NAME, state], n)
    return [up, jobs]

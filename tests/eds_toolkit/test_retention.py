"""`eds db purge`: failed/expired enrolments lose their SMS code rows and transient data, finished liveness
tasks and ended cabinet sessions go, once older than the window; audit events and certificates stay."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from flow_helpers import KNOWN_IIN, api_start, api_to_pin_set, code_for, make_csr_pem, wait_for_sms
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ca.store import CertificateRecord
from eds_toolkit.cli import main
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow import cabinet
from eds_toolkit.flow.cabinet_models import CabinetSession
from eds_toolkit.flow.identification.models import IdentificationRecord, LivenessTaskRecord
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.otp import OneTimeCode
from eds_toolkit.retention import PurgeCounts, purge
from eds_toolkit.web.context import service

DAY = dt.timedelta(days=1)


def count(engine, model, *where) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def add_identification(ctx, enrolment_id: str, *, task_used: bool) -> None:
    now = ctx.now()
    with ctx.session() as session:
        if session.get(IdentificationRecord, enrolment_id) is None:
            session.add(
                IdentificationRecord(
                    enrolment_id=enrolment_id,
                    selfie_encoding=b"\x01" * 16,
                    selfie_image=b"\xff\xd8 jpeg",
                    updated_at=now,
                )
            )
        session.add(
            LivenessTaskRecord(
                enrolment_id=enrolment_id,
                nonce_hash=f"{enrolment_id[:20]}-{task_used}".ljust(64, "0")[:64],
                challenges="blink",
                issued_at=now,
                deadline=now + dt.timedelta(minutes=2),
                used_at=now if task_used else None,
            )
        )
        session.commit()


@pytest.fixture
def world(client, ctx, outbox, clock, app):
    """An enrolment left at 'started' (it expires), then an issued one, each with identification data."""
    abandoned = api_start(client)
    add_identification(ctx, abandoned.id, task_used=False)
    clock.advance(3600 * 2)  # the first one is past its time-to-live now
    issued = api_to_pin_set(client, ctx, outbox)
    pair = {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()}
    assert issued.post("certificates", pair).status_code == 201
    add_identification(ctx, issued.id, task_used=True)
    cabinet.close_session(ctx, cabinet.open_session(ctx, KNOWN_IIN, lifetime=dt.timedelta(hours=1)))
    wait_for_sms()  # the owner's notice of the issuance is audited after the answer
    return service(app).engine, abandoned.id, issued.id


def test_purge_keeps_everything_inside_the_window(world, clock):
    engine, abandoned, _issued = world
    before = count(engine, OneTimeCode)
    assert purge(engine, older_than=30 * DAY, now=clock.now() + 10 * DAY) == PurgeCounts()
    assert count(engine, OneTimeCode) == before
    assert count(engine, IdentificationRecord, IdentificationRecord.enrolment_id == abandoned) == 1


def test_purge_after_the_window_deletes_transient_data_and_keeps_audit_and_certificates(world, clock):
    engine, abandoned, issued = world
    audit_before, certificates_before = count(engine, AuditEvent), count(engine, CertificateRecord)
    issued_codes = count(engine, OneTimeCode, OneTimeCode.enrolment_id == issued)
    assert count(engine, OneTimeCode, OneTimeCode.enrolment_id == abandoned) == 1 and issued_codes >= 1

    counts = purge(engine, older_than=30 * DAY, now=clock.now() + 31 * DAY)

    assert counts == PurgeCounts(
        sms_codes=1,
        liveness_tasks=2,
        identification_records=1,
        enrolments_cleared=1,
        cabinet_sessions=1,
        signin_throttles=0,
    )
    assert count(engine, OneTimeCode, OneTimeCode.enrolment_id == abandoned) == 0
    assert count(engine, OneTimeCode, OneTimeCode.enrolment_id == issued) == issued_codes  # issued: kept
    assert count(engine, IdentificationRecord, IdentificationRecord.enrolment_id == abandoned) == 0
    assert count(engine, IdentificationRecord, IdentificationRecord.enrolment_id == issued) == 1
    assert count(engine, LivenessTaskRecord) == 0
    assert count(engine, CabinetSession) == 0
    with Session(engine) as session:
        assert session.get(Enrolment, abandoned).phone is None
        assert session.get(Enrolment, issued).phone is not None
    assert count(engine, AuditEvent) == audit_before
    assert count(engine, CertificateRecord) == certificates_before
    assert purge(engine, older_than=30 * DAY, now=clock.now() + 31 * DAY) == PurgeCounts()  # idempotent


def test_an_unfinished_liveness_task_is_kept_until_its_deadline(client, ctx, clock, app):
    engine = service(app).engine
    enrolment = api_start(client)
    add_identification(ctx, enrolment.id, task_used=False)
    assert (
        purge(engine, older_than=dt.timedelta(0), now=clock.now() + dt.timedelta(minutes=1)).liveness_tasks
        == 0
    )
    assert (
        purge(engine, older_than=dt.timedelta(0), now=clock.now() + dt.timedelta(minutes=3)).liveness_tasks
        == 1
    )


def test_a_negative_window_is_refused(app):
    with pytest.raises(ValueError, match="negative"):
        purge(service(app).engine, older_than=-DAY)


def test_the_cli_prints_counts_and_honours_older_than(world, home, monkeypatch):
    engine, abandoned, _issued = world  # dated 2026-03-02 by the frozen clock: long past for the real clock
    monkeypatch.delenv("EDS_DATABASE_URL", raising=False)
    runner = CliRunner()
    kept = runner.invoke(main, ["--home", str(home), "db", "purge", "--older-than", "36500"])
    assert kept.exit_code == 0, kept.output
    assert "SMS code rows deleted: 0" in kept.output
    assert count(engine, OneTimeCode, OneTimeCode.enrolment_id == abandoned) == 1
    purged = runner.invoke(main, ["--home", str(home), "db", "purge", "--older-than", "30"])
    assert purged.exit_code == 0, purged.output
    assert "purged data older than 30 days" in purged.output
    assert "SMS code rows deleted: 1" in purged.output
    assert "identification records deleted: 1" in purged.output
    assert count(engine, OneTimeCode, OneTimeCode.enrolment_id == abandoned) == 0
    refused = runner.invoke(main, ["--home", str(home), "db", "purge", "--older-than", "-1"])
    assert refused.exit_code == 2


def test_the_cli_on_an_empty_database_says_to_upgrade_first(tmp_path, monkeypatch):
    monkeypatch.delenv("EDS_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "db", "purge"])
    assert result.exit_code == 1
    assert "eds db upgrade" in result.output and "nothing was deleted" in result.output


def test_phone_changes_are_deleted_once_stopped_applied_or_stale(client, ctx, outbox, clock, app):
    from flow_helpers import NEW_PHONE

    from eds_toolkit.flow.phone_change_models import PhoneChange

    enrolment = api_start(client)
    assert enrolment.post("phone", {"phone": NEW_PHONE}).status_code == 202
    assert enrolment.post("phone/confirm", {"code": code_for(outbox, NEW_PHONE)}).status_code == 200
    engine = service(app).engine
    assert count(engine, PhoneChange) == 1
    # never used after its 72-hour hold: usable for a week more, then stale
    assert purge(engine, older_than=30 * DAY, now=clock.now() + 33 * DAY).phone_changes == 0
    assert purge(engine, older_than=30 * DAY, now=clock.now() + 41 * DAY).phone_changes == 1
    assert count(engine, PhoneChange) == 0


def test_kept_keystores_are_deleted_once_their_pickup_time_is_over_whatever_the_window(
    client, ctx, outbox, clock, app
):
    from flow_helpers import GOOD_PASSWORD

    from eds_toolkit.flow.pickup_models import KeystorePickup

    enrolment = api_to_pin_set(client, ctx, outbox)
    assert (
        enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD}).status_code
        == 201
    )
    engine = service(app).engine
    assert count(engine, KeystorePickup) == 1
    assert purge(engine, older_than=30 * DAY, now=ctx.now()).keystore_pickups == 0  # within its time
    clock.advance(15 * 60)
    assert purge(engine, older_than=30 * DAY, now=ctx.now()).keystore_pickups == 1  # minutes, not days
    assert count(engine, KeystorePickup) == 0
    assert count(engine, CertificateRecord) == 2  # the certificates stay

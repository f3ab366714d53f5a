"""``revoke_valid``: a compare-and-set on ``valid`` for many certificates at once, in chunks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from ca.errors import CAError
from ca.store import CertificateRecord, revoke_valid

NOW = dt.datetime(2026, 12, 4, 10, 30, 15, 123456, tzinfo=dt.UTC)


def stored(store, count: int, revoked: set[int] = frozenset()) -> list[str]:
    """``count`` records (those numbered in ``revoked`` already revoked, superseded); their serials."""
    serials = [f"{n + 1:040x}" for n in range(count)]
    rows = [
        {
            "serial": serial,
            "iin": "850314312017",
            "profile": "auth",
            "identification": "remote_digital_id",
            "subject": "CN=X",
            "not_before": NOW - dt.timedelta(days=1),
            "not_after": NOW + dt.timedelta(days=364),
            "status": "revoked" if n in revoked else "valid",
            "revoked_at": NOW - dt.timedelta(hours=1) if n in revoked else None,
            "revocation_reason": "superseded" if n in revoked else None,
            "fingerprint_sha256": f"{n:064x}",
            "spki_sha256": f"{n:064x}",
            "pem": "",
            "enrolment_id": None,
            "created_at": NOW,
        }
        for n, serial in enumerate(serials)
    ]
    with store.session() as session:
        session.execute(insert(CertificateRecord), rows)
        session.commit()
    return serials


def statuses(store) -> dict[str, tuple[str, str | None]]:
    with store.session() as session:
        rows = session.execute(
            select(CertificateRecord.serial, CertificateRecord.status, CertificateRecord.revocation_reason)
        )
        return {serial: (status, reason) for serial, status, reason in rows}


def test_only_the_valid_ones_are_revoked_and_returned_in_the_order_given(store):
    serials = stored(store, 1200, revoked={5, 700})  # more than two chunks of 500
    asked = list(reversed(serials)) + [serials[0], "ff" * 20]  # a repeat, and one not in the store
    with store.session() as session:
        revoked = revoke_valid(session, asked, NOW, "key_compromise")
        session.commit()
    expected = [s for s in reversed(serials) if s not in (serials[5], serials[700])]
    assert revoked == expected
    now_stored = statuses(store)
    assert now_stored[serials[5]] == now_stored[serials[700]] == ("revoked", "superseded")
    assert all(now_stored[s] == ("revoked", "key_compromise") for s in expected)
    with store.session() as session:
        when = session.scalar(
            select(CertificateRecord.revoked_at).where(CertificateRecord.serial == serials[0])
        )
    assert when == NOW.replace(microsecond=0)


def test_a_second_revocation_gets_nothing_back(store):
    serials = stored(store, 3)
    with store.session() as session:
        assert revoke_valid(session, serials[:2], NOW, "superseded") == serials[:2]
        session.commit()
    with store.session() as session:
        assert revoke_valid(session, serials, NOW, "key_compromise") == [serials[2]]
        session.rollback()  # nothing kept: the third stays valid
    assert statuses(store)[serials[2]] == ("valid", None)


@pytest.mark.parametrize("reason", ["remove_from_crl", "keyCompromise", ""])
def test_an_unknown_reason_is_refused_before_anything_changes(store, reason):
    serials = stored(store, 1)
    with store.session() as session, pytest.raises(CAError, match="Revocation reason must be one of"):
        revoke_valid(session, serials, NOW, reason)
    assert statuses(store)[serials[0]] == ("valid", None)

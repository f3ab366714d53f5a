"""The certificate store: listing filters and revocation."""

from __future__ import annotations

import datetime as dt

import pytest
from ca_test_support import IIN, OTHER_IIN, make_csr, person, rsa_key

from ca.errors import CAError, CertificateNotFound


@pytest.fixture
def populated(loaded_ca, store):
    """Certificates issued at different dates: IIN (3 of them), OTHER_IIN (1)."""
    issued = {}
    for label, moment, iin in (
        ("old", dt.datetime(2026, 1, 10, tzinfo=dt.UTC), IIN),
        ("mid", dt.datetime(2026, 6, 1, tzinfo=dt.UTC), IIN),
        ("new", dt.datetime(2026, 11, 1, tzinfo=dt.UTC), IIN),
        ("other", dt.datetime(2026, 6, 1, tzinfo=dt.UTC), OTHER_IIN),
    ):
        authority = loaded_ca.replace(store=store, clock=lambda m=moment: m)
        csr = make_csr(rsa_key(index=30 + (iin == OTHER_IIN)), iin=None)
        issued[label] = authority.issue(csr, person(iin=iin), "sign").record.serial
    return issued


def serials(records) -> set[str]:
    return {r.serial for r in records}


def test_list_filters_by_iin(store, populated):
    assert serials(store.list(iin=OTHER_IIN)) == {populated["other"]}
    assert len(serials(store.list(iin=IIN))) == 3


def test_list_expiring_within_days_counts_from_now_and_skips_expired_and_revoked(store, populated):
    now = dt.datetime(2026, 12, 20, tzinfo=dt.UTC)
    assert serials(store.list(expiring_within_days=30, now=now)) == {populated["old"]}
    assert serials(store.list(expiring_within_days=200, now=now)) == {
        populated["old"],
        populated["mid"],
        populated["other"],
    }
    store.revoke(populated["mid"], "superseded")
    assert populated["mid"] not in serials(store.list(expiring_within_days=200, now=now))
    later = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)  # "old" has expired by then
    assert populated["old"] not in serials(store.list(expiring_within_days=400, now=later))


def test_revocation_is_recorded_once(store, populated):
    moment = dt.datetime(2026, 7, 1, 12, 0, 0, tzinfo=dt.UTC)
    record = store.revoke(populated["mid"], "key_compromise", now=moment)
    assert (record.status, record.revocation_reason, record.revoked_at) == (
        "revoked",
        "key_compromise",
        moment,
    )
    assert serials(store.list(status="revoked")) == {populated["mid"]}
    with pytest.raises(CAError, match="already revoked on 2026-07-01"):
        store.revoke(populated["mid"], "superseded")
    assert store.get(populated["mid"]).revocation_reason == "key_compromise"


def test_revoking_an_unknown_serial_or_with_an_unknown_reason_is_refused(store, populated):
    with pytest.raises(CertificateNotFound, match="No certificate with serial"):
        store.revoke("ab" * 20)
    with pytest.raises(CertificateNotFound, match="hexadecimal"):
        store.revoke("not-a-serial")
    with pytest.raises(CAError, match="must be one of"):
        store.revoke(populated["old"], "because")
    assert serials(store.list(status="revoked")) == set()


def test_bad_filters_are_refused(store):
    with pytest.raises(CAError, match="valid, expired, revoked"):
        list(store.list(status="lost"))
    with pytest.raises(CAError, match="0 or more"):
        list(store.list(expiring_within_days=-1))


def test_expired_is_derived_from_not_after_and_the_stored_status_stays_valid(store, populated):
    now = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)  # "old" ended 2027-01-10; the others end from June
    assert serials(store.list(status="expired", now=now)) == {populated["old"]}
    running = {populated["mid"], populated["new"], populated["other"]}
    assert serials(store.list(status="valid", now=now)) == running
    old = store.get(populated["old"])
    assert (old.status, old.status_at(now)) == ("valid", "expired")
    store.revoke(populated["old"], "superseded")
    assert serials(store.list(status="expired", now=now)) == set()
    assert store.get(populated["old"]).status_at(now) == "revoked"

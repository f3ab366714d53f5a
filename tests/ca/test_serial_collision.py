"""A serial already stored is never reused: a fresh one is drawn, or the CA refuses and stores nothing."""

from __future__ import annotations

import itertools

import pytest
from ca_test_support import OTHER_IIN, count_records, make_csr, person, rsa_key

import ca.authority
from ca.authority import SERIAL_ATTEMPTS, random_serial
from ca.errors import CAError

TAKEN = random_serial()
FRESH = [random_serial() for _ in range(3)]


def serials_from(monkeypatch, values) -> None:
    source = iter(values)
    monkeypatch.setattr(ca.authority, "random_serial", lambda: next(source))


def test_issue_draws_a_fresh_serial_when_one_is_taken(authority, store, monkeypatch):
    serials_from(monkeypatch, [TAKEN, TAKEN, TAKEN, FRESH[0]])
    first = authority.issue(make_csr(), person(), "sign")
    second = authority.issue(make_csr(), person(), "sign")
    assert (int(first.record.serial, 16), int(second.record.serial, 16)) == (TAKEN, FRESH[0])
    assert second.certificate.serial_number == FRESH[0]


def test_issue_refuses_cleanly_when_every_serial_is_taken(authority, store, monkeypatch):
    serials_from(monkeypatch, itertools.repeat(TAKEN))
    authority.issue(make_csr(), person(), "sign")
    with pytest.raises(CAError, match="serial") as caught:
        authority.issue(make_csr(), person(), "sign")
    assert "nothing was issued" in str(caught.value)
    assert count_records(store) == 1


def test_bulk_issuance_redraws_serials_taken_in_the_store_or_in_the_batch(authority, store, monkeypatch):
    serials_from(monkeypatch, [TAKEN, TAKEN, TAKEN, *FRESH])
    authority.issue(make_csr(), person(), "sign")
    requests = [
        (make_csr(), person(), "sign")
    ] * 2  # both drawn TAKEN: one clashes with the store, one with both
    issued = list(authority.issue_many(requests))
    assert sorted(int(i.record.serial, 16) for i in issued) == sorted(FRESH[:2])
    assert sorted(int(r.serial, 16) for r in store.list()) == sorted([TAKEN, *FRESH[:2]])


def test_bulk_issuance_refuses_cleanly_when_no_free_serial_is_found(authority, store, monkeypatch):
    serials_from(monkeypatch, itertools.repeat(TAKEN))
    authority.issue(make_csr(rsa_key(index=42), iin=None), person(OTHER_IIN), "sign")
    requests = [(make_csr(), person(), "sign"), (make_csr(), person(), "sign")]
    with pytest.raises(CAError, match=f"{SERIAL_ATTEMPTS} tries"):
        list(authority.issue_many(requests, batch_size=2))
    assert count_records(store) == 1


def test_bulk_issuance_losing_a_race_for_a_serial_refuses_the_batch_cleanly(authority, store, monkeypatch):
    """Another process stores the serial between the check and the insert (simulated: the check sees none)."""
    serials_from(monkeypatch, itertools.repeat(TAKEN))
    authority.issue(make_csr(), person(), "sign")
    monkeypatch.setattr(ca.authority, "_taken_serials", lambda connection, serials: set())
    with pytest.raises(CAError, match="nothing of this batch was stored"):
        list(authority.issue_many([(make_csr(), person(), "sign")]))
    assert count_records(store) == 1

"""One public key is certified for one person and one profile (AUTH or SIGN); renewing it is allowed."""

from __future__ import annotations

import pickle

import pytest
from ca_test_support import IIN, OTHER_IIN, count_records, make_csr, person, rsa_key

from ca.errors import IssuanceRefused

KEY = rsa_key(index=40)


def refusal(call) -> IssuanceRefused:
    with pytest.raises(IssuanceRefused) as caught:
        call()
    return caught.value


def test_a_key_already_certified_for_another_person_or_profile_is_refused_and_nothing_is_stored(
    authority, store
):
    first = authority.issue(make_csr(KEY, iin=None), person(IIN), "sign")
    for who, profile in ((person(OTHER_IIN), "sign"), (person(IIN), "auth")):
        refused = refusal(lambda w=who, p=profile: authority.issue(make_csr(KEY, iin=None), w, p))
        assert refused.code == "key_reused"
        assert "new key pair" in str(refused) and OTHER_IIN not in str(refused)
    assert [r.serial for r in store.list()] == [first.record.serial]
    assert len(first.record.spki_sha256) == 64


def test_the_same_key_for_the_same_person_and_profile_renews(authority, store):
    first = authority.issue(make_csr(KEY), person(), "auth")
    second = authority.issue(make_csr(KEY), person(), "auth")
    assert first.record.serial != second.record.serial
    assert first.record.spki_sha256 == second.record.spki_sha256
    assert count_records(store) == 2


def test_a_revoked_certificates_key_still_belongs_to_its_person(authority, store):
    first = authority.issue(make_csr(KEY, iin=None), person(IIN), "sign")
    store.revoke(first.record.serial, "superseded")
    refused = refusal(lambda: authority.issue(make_csr(KEY, iin=None), person(OTHER_IIN), "sign"))
    assert refused.code == "key_reused" and count_records(store) == 1


def test_auth_and_sign_with_one_key_in_one_callers_session_are_refused(authority, store):
    with store.session() as session:
        authority.issue(make_csr(KEY), person(), "auth", enrolment_id="e1", session=session)
        refused = refusal(
            lambda: authority.issue(make_csr(KEY), person(), "sign", enrolment_id="e1", session=session)
        )
        session.rollback()
    assert refused.code == "key_reused" and count_records(store) == 0


def test_bulk_issuance_refuses_a_reused_key_within_a_batch_and_against_the_store(authority, store):
    other = rsa_key(index=41)
    requests = [(make_csr(other, iin=None), person(IIN), "sign")] * 3
    requests += [(make_csr(other, iin=None), person(OTHER_IIN), "sign"), (make_csr(KEY), person(), "sign")]
    yielded = []
    with pytest.raises(IssuanceRefused) as caught:
        for issued in authority.issue_many(requests, batch_size=10):
            yielded.append(issued.record.serial)
    assert caught.value.code == "key_reused"
    assert len(yielded) == 3 and sorted(r.serial for r in store.list()) == sorted(yielded)

    stored_then_reused = [(make_csr(KEY), person(), "auth"), (make_csr(other, iin=None), person(IIN), "auth")]
    yielded = []
    with pytest.raises(IssuanceRefused) as caught:
        for issued in authority.issue_many(stored_then_reused, batch_size=10):
            yielded.append(issued.record.serial)
    assert caught.value.code == "key_reused"
    assert len(yielded) == 1 and count_records(store) == 4


def test_a_refusal_survives_pickling_so_process_pools_report_it():
    refused = pickle.loads(pickle.dumps(IssuanceRefused("key_reused", "message")))
    assert (refused.code, str(refused)) == ("key_reused", "message")

"""The CA issues to an enrolment only on the proof its own record holds: the remote-enrolment proof is
read from the enrolment's audit trail, so an enrolment that never passed identification is refused by
the CA itself, even where the flow's state check is bypassed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flow_helpers import KNOWN_IIN, KNOWN_PHONE, api_start, api_to_pin_set, code_for, make_csr_pem
from sqlalchemy import update

from ca.person import Identification
from ca.proofs import IdentityNotProven
from ca.store import certificates_of_enrolment
from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.flow import confirm_application, issue_with_csrs
from eds_toolkit.flow.issuance import remote_enrolment_proof
from eds_toolkit.flow.models import Enrolment

ROOT = Path(__file__).resolve().parents[2]
SERVICE_PACKAGES = sorted(p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests")


def phone_confirmed(client, outbox):
    """An enrolment whose SMS code is confirmed and that went no further."""
    enrolment = api_start(client)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    return enrolment


def proof_for(ctx, enrolment_id: str):
    with ctx.session() as session:
        return remote_enrolment_proof(ctx, session, session.get(Enrolment, enrolment_id))


def force_state(ctx, enrolment_id: str, state: str) -> None:
    """Move the row by hand, as a bug or a bypassed state check would: no transition, no audit event."""
    with ctx.session() as session:
        session.execute(update(Enrolment).where(Enrolment.id == enrolment_id).values(state=state))
        session.commit()


def test_an_identified_enrolments_proof_names_the_person_from_the_base(client, ctx, outbox):
    enrolment = api_to_pin_set(client, ctx, outbox)
    person = proof_for(ctx, enrolment.id).verified_person()
    assert person.iin == KNOWN_IIN
    assert person.identification == Identification.REMOTE_DIGITAL_ID
    assert person.surname == ctx.citizens.lookup(KNOWN_IIN).surname


def test_the_ca_refuses_an_enrolment_that_never_passed_identification(client, ctx, outbox):
    enrolment = phone_confirmed(client, outbox)
    proof = proof_for(ctx, enrolment.id)
    assert (proof.phone_confirmed, proof.liveness_passed, proof.face_matched) == (True, False, False)
    with ctx.session() as session:
        with pytest.raises(IdentityNotProven) as caught:
            ctx.ca().issue(make_csr_pem(KNOWN_IIN), proof, "auth", enrolment_id=enrolment.id, session=session)
        session.rollback()
    assert caught.value.code == "remote_identification_incomplete"
    assert "liveness" in str(caught.value) and "face match" in str(caught.value)
    with ctx.session() as session:
        assert certificates_of_enrolment(session, enrolment.id) == []


def test_a_state_set_by_hand_is_not_identification_and_nothing_is_issued(client, ctx, outbox):
    enrolment = phone_confirmed(client, outbox)
    force_state(ctx, enrolment.id, "pin_set")  # the flow's own state check now passes
    confirm_application(ctx, enrolment.id)  # and the application shown and confirmed
    assert proof_for(ctx, enrolment.id).face_matched is False
    with pytest.raises(InvalidInput) as caught:
        issue_with_csrs(ctx, enrolment.id, make_csr_pem(KNOWN_IIN), make_csr_pem(KNOWN_IIN))
    assert caught.value.code == "remote_identification_incomplete"
    response = enrolment.post(
        "certificates",
        {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()},
    )
    assert response.status_code == 422 and response.get_json()["code"] == "remote_identification_incomplete"
    assert enrolment.state() == "pin_set"
    with ctx.session() as session:
        assert certificates_of_enrolment(session, enrolment.id) == []


def test_an_identified_enrolment_moved_back_by_hand_proves_no_face_match(client, ctx, outbox):
    enrolment = api_to_pin_set(client, ctx, outbox)
    force_state(ctx, enrolment.id, "phone_confirmed")
    assert proof_for(ctx, enrolment.id).face_matched is False


def test_only_the_flow_makes_a_remote_enrolment_proof():
    """The proof's booleans are only as good as whoever sets them: in the service, that is the one
    function reading them from the enrolment's record."""
    makers = []
    for package in SERVICE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                if (
                    getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                ) == "RemoteEnrolmentProof":
                    makers.append(str(path.relative_to(ROOT)))
    assert "eds_toolkit" in SERVICE_PACKAGES and "ca" in SERVICE_PACKAGES
    assert makers == ["eds_toolkit/flow/issuance.py"]

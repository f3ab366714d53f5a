"""POST /certificates/csr asked for JSON (the page's script): the pair + chain, refusals as problem details,
and "already issued" hands back the one pair instead of a second."""

from __future__ import annotations

from cryptography import x509
from flow_helpers import KNOWN_IIN, KNOWN_PHONE, api_start, code_for, make_csr_pem
from portal_agent_helpers import csrf_of
from sqlalchemy import func, select

from ca.store import CertificateRecord

JSON = {"Accept": "application/json"}


def _post_csrs(client, auth: bytes, sign: bytes, *, csrf: str | None = None):
    return client.post(
        "/certificates/csr",
        data={"auth_csr": auth.decode(), "sign_csr": sign.decode()},
        headers={**JSON, "X-CSRFToken": csrf if csrf is not None else csrf_of(client)},
    )


def _records(ctx, enrolment_id: str) -> int:
    with ctx.session() as session:
        return session.scalar(
            select(func.count())
            .select_from(CertificateRecord)
            .where(CertificateRecord.enrolment_id == enrolment_id)
        )


def _iin_of(certificate: x509.Certificate) -> str:
    return certificate.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)[0].value


def test_json_answer_has_both_certificates_and_the_chain_that_issued_them(
    client, ctx, enrolment_at_certificates
):
    response = _post_csrs(client, make_csr_pem(KNOWN_IIN), make_csr_pem(KNOWN_IIN))

    assert response.status_code == 201
    assert response.mimetype == "application/json"
    body = response.get_json()
    auth = x509.load_pem_x509_certificate(body["auth_certificate"].encode())
    sign = x509.load_pem_x509_certificate(body["sign_certificate"].encode())
    chain = x509.load_pem_x509_certificates(body["chain"].encode())
    assert len(chain) == 2  # issuing CA, then root
    for certificate in (auth, sign):
        certificate.verify_directly_issued_by(chain[0])
        assert _iin_of(certificate) == f"IIN{KNOWN_IIN}"
    chain[0].verify_directly_issued_by(chain[1])
    assert (int(body["auth_serial"], 16), int(body["sign_serial"], 16)) == (
        auth.serial_number,
        sign.serial_number,
    )
    assert enrolment_at_certificates.state() == "issued"
    assert _records(ctx, enrolment_at_certificates.id) == 2


def test_a_second_post_is_told_already_issued_and_gets_the_same_pair_not_a_new_one(
    client, ctx, enrolment_at_certificates
):
    first = _post_csrs(client, make_csr_pem(KNOWN_IIN), make_csr_pem(KNOWN_IIN)).get_json()

    again = _post_csrs(client, make_csr_pem(KNOWN_IIN), make_csr_pem(KNOWN_IIN))

    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    body = again.get_json()
    assert body["code"] == "already_issued"
    assert "already issued" in body["detail"]
    assert body["issued"] == first
    assert _records(ctx, enrolment_at_certificates.id) == 2


def test_a_bad_request_is_a_problem_and_changes_nothing(client, ctx, enrolment_at_certificates):
    response = _post_csrs(
        client, b"-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n", make_csr_pem(KNOWN_IIN)
    )

    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] and body["detail"]
    assert "issued" not in body
    assert enrolment_at_certificates.state() == "pin_set"
    assert _records(ctx, enrolment_at_certificates.id) == 0


def test_without_the_csrf_token_nothing_is_issued(client, ctx, enrolment_at_certificates):
    response = _post_csrs(client, make_csr_pem(KNOWN_IIN), make_csr_pem(KNOWN_IIN), csrf="")

    assert response.status_code == 400
    assert enrolment_at_certificates.state() == "pin_set"
    assert _records(ctx, enrolment_at_certificates.id) == 0


def test_a_browser_form_post_still_gets_the_html_page(client, enrolment_at_certificates):
    response = client.post(
        "/certificates/csr",
        data={
            "csrf_token": csrf_of(client),
            "auth_csr": make_csr_pem(KNOWN_IIN).decode(),
            "sign_csr": make_csr_pem(KNOWN_IIN).decode(),
        },
        headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    )

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert 'id="auth-certificate"' in response.get_data(as_text=True)


def test_an_enrolment_not_at_this_step_is_refused_in_json_without_certificates(client, outbox):
    enrolment = api_start(client)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    with client.session_transaction() as session:
        session["enrolment_id"] = enrolment.id

    response = _post_csrs(client, make_csr_pem(KNOWN_IIN), make_csr_pem(KNOWN_IIN))

    assert response.status_code == 409
    assert response.get_json()["code"] == "step_out_of_order"
    assert enrolment.state() == "phone_confirmed"

"""The server-made keystores' download: what the page is told, and a lost download's way out (a new pair
within the same identification, the lost pair revoked keyCompromise, shown so by the CA's CRL and OCSP)."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import zipfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp as x509_ocsp
from flow_helpers import (
    GOOD_PASSWORD,
    GOOD_PIN,
    KNOWN_IIN,
    KNOWN_PHONE,
    code_for,
    csrf,
    make_settings,
    submit,
)
from sqlalchemy import select

from ca.store import CertificateRecord
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow import describe
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from tests.evidence_free import mark_identified

JSON = {"Accept": "application/json"}


def to_certificates_step(client, ctx, outbox) -> str:
    submit(client, "/", "/start", iin=KNOWN_IIN)
    submit(client, "/code", "/code", code=code_for(outbox, KNOWN_PHONE))
    with client.session_transaction() as session:
        identifier = session["enrolment_id"]
    mark_identified(ctx, identifier)
    assert submit(client, "/pin", "/pin", pin=GOOD_PIN, pin_confirmation=GOOD_PIN).status_code == 302
    assert submit(client, "/certificates/review", "/certificates/review").status_code == 302
    return identifier


def download(client, action: str = "/certificates/server", headers=None, **fields):
    data = {"csrf_token": csrf(client, "/certificates"), "password": GOOD_PASSWORD}
    data["password_confirmation"] = data["password"]
    data.update(fields)
    return client.post(action, data=data, headers=headers or {})


def keystore_names(zip_bytes: bytes) -> list[str]:
    return sorted(zipfile.ZipFile(io.BytesIO(zip_bytes)).namelist())


def store_rows(ctx, serials) -> dict[str, CertificateRecord]:
    with ctx.session() as session:
        rows = session.scalars(select(CertificateRecord).where(CertificateRecord.serial.in_(list(serials))))
        return {row.serial: row for row in rows}


def test_the_page_is_told_which_keystore_is_for_signing_in_and_which_for_signing(client, ctx, outbox):
    to_certificates_step(client, ctx, outbox)
    page = client.get("/certificates").get_data(as_text=True)
    assert "eds-keystores.zip" in page and "downloads folder" in page
    assert "for signing in (AUTH)" in page and "for signing documents (SIGN)" in page
    response = download(client, headers=JSON)
    assert response.status_code == 200
    body = response.get_json()
    assert body["filename"] == "eds-keystores.zip"
    names = {file["profile"]: file["name"] for file in body["files"]}
    assert names["auth"].startswith("AUTH_RSA256_") and names["sign"].startswith("RSA256_")
    assert keystore_names(base64.b64decode(body["zip"])) == sorted(names.values())


def test_a_refused_download_asked_by_the_script_answers_problem_details_naming_the_field(client, ctx, outbox):
    to_certificates_step(client, ctx, outbox)
    response = download(client, headers=JSON, password_confirmation="other")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["field"] == "password"


def serials_of(ctx, identifier) -> list[str]:
    return [row["serial"] for row in describe(ctx, identifier).certificates]


def test_a_lost_download_gets_a_new_pair_and_the_ca_shows_the_lost_one_revoked(
    client, ctx, outbox, home, tmp_path
):
    identifier = to_certificates_step(client, ctx, outbox)
    first = download(client)
    assert first.mimetype == "application/zip"
    lost = serials_of(ctx, identifier)
    assert len(lost) == 2

    page = client.get("/certificates").get_data(as_text=True)
    assert 'id="server-keys"' not in page  # pressing it again would only say "already issued"
    assert 'id="replace-keys"' in page and "Your previous certificates will be revoked" in page

    unconfirmed = download(client, "/certificates/replace")
    assert unconfirmed.status_code == 422
    assert "tick the box" in unconfirmed.get_data(as_text=True)
    assert all(row.status == "valid" for row in store_rows(ctx, lost).values())

    replaced = download(client, "/certificates/replace", confirm_revocation="yes")
    assert replaced.status_code == 200 and replaced.mimetype == "application/zip"
    new = serials_of(ctx, identifier)
    assert set(new).isdisjoint(lost) and len(new) == 2
    assert len(keystore_names(replaced.data)) == 2
    rows = store_rows(ctx, lost + new)
    assert [(rows[s].status, rows[s].revocation_reason) for s in lost] == [("revoked", "key_compromise")] * 2
    assert [rows[s].status for s in new] == ["valid", "valid"]

    with ctx.session() as session:
        events = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == "replace_on_server").order_by(AuditEvent.id)
            )
        )
    assert [(e.outcome, e.reason) for e in events] == [
        ("refused", "replacement_not_confirmed"),
        ("ok", "download_lost"),
    ]
    event = events[1]
    assert event.enrolment_id == identifier
    detail = json.loads(event.detail)
    assert sorted(detail["revoked"]) == sorted(lost) and detail["revocation_reason"] == "key_compromise"

    # the CA's own CRL, read by openssl
    crl_der = client.get("/pki/crl").data
    crl = x509.load_der_x509_crl(crl_der)
    for serial in lost:
        entry = crl.get_revoked_certificate_by_serial_number(int(serial, 16))
        assert entry is not None
        assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
            x509.ReasonFlags.key_compromise
        )
    for serial in new:
        assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is None
    (tmp_path / "crl.der").write_bytes(crl_der)
    text = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", str(tmp_path / "crl.der"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert text.count("Key Compromise") >= 2

    # the CA's own OCSP responder, over HTTP, checked with openssl
    authority = ctx.ca()
    chain = tmp_path / "chain.pem"
    chain.write_bytes(authority.chain_pem())
    issuing = tmp_path / "issuing.pem"
    issuing.write_bytes(authority.issuing_cert.public_bytes(serialization.Encoding.PEM))
    pems = {row.serial: row.pem for row in rows.values()}
    for serial, expected in [(lost[0], "revoked"), (new[0], "good")]:
        leaf = tmp_path / f"{serial}.pem"
        leaf.write_text(pems[serial])
        request = tmp_path / f"{serial}.req"
        subprocess.run(
            ["openssl", "ocsp", "-issuer", str(issuing), "-cert", str(leaf), "-reqout", str(request)],
            capture_output=True,
            check=True,
        )
        answer = client.post(
            "/pki/ocsp", data=request.read_bytes(), headers={"Content-Type": "application/ocsp-request"}
        )
        (tmp_path / f"{serial}.resp").write_bytes(answer.data)
        result = subprocess.run(
            ["openssl", "ocsp", "-reqin", str(request), "-respin", str(tmp_path / f"{serial}.resp")]
            + ["-CAfile", str(chain), "-resp_text"],
            capture_output=True,
            text=True,
        )
        assert "Response verify OK" in result.stderr + result.stdout
        assert f"Cert Status: {expected}" in result.stdout
        if expected == "revoked":
            assert "keyCompromise" in result.stdout
    # and cryptography's reading of the same responder
    leaf = x509.load_pem_x509_certificate(pems[lost[1]].encode())
    built = (
        x509_ocsp.OCSPRequestBuilder().add_certificate(leaf, authority.issuing_cert, hashes.SHA1()).build()
    )
    answered = x509_ocsp.load_der_ocsp_response(
        client.post(
            "/pki/ocsp",
            data=built.public_bytes(serialization.Encoding.DER),
            headers={"Content-Type": "application/ocsp-request"},
        ).data
    )
    assert answered.certificate_status == x509_ocsp.OCSPCertStatus.REVOKED
    assert answered.revocation_reason == x509.ReasonFlags.key_compromise


def test_new_pairs_are_limited_per_identification(home, clock, outbox):
    app = create_app(make_settings(home, clock, replacements_per_enrolment=1))
    client, ctx = app.test_client(), service(app).flow
    identifier = to_certificates_step(client, ctx, outbox)
    download(client)
    assert download(client, "/certificates/replace", confirm_revocation="yes").status_code == 200
    current = serials_of(ctx, identifier)
    again = download(client, "/certificates/replace", headers=JSON, confirm_revocation="yes")
    assert again.status_code == 409
    assert again.get_json()["code"] == "replacements_used_up"
    assert serials_of(ctx, identifier) == current
    assert all(row.status == "valid" for row in store_rows(ctx, current).values())
    assert 'id="no-replacement"' in client.get("/certificates").get_data(as_text=True)


def test_no_new_pair_once_the_identification_has_expired(client, ctx, clock, outbox):
    identifier = to_certificates_step(client, ctx, outbox)
    download(client)
    lost = serials_of(ctx, identifier)
    clock.advance(ctx.enrolment_ttl + 1)
    late = download(client, "/certificates/replace", headers=JSON, confirm_revocation="yes")
    assert late.status_code == 409
    assert late.get_json()["code"] == "replacement_closed"
    assert all(row.status == "valid" for row in store_rows(ctx, lost).values())


OTHER_IIN, OTHER_PHONE = "920721433024", "+77051234568"  # another demo citizen with a phone


def test_another_browser_cannot_replace_a_citizens_pair_nor_confirm_their_application(
    app, client, ctx, outbox
):
    """The attacker knows the victim's enrolment id (the certificates page carries it) and has a session
    of their own, or none: neither the lost-download replacement nor the review acts on the victim."""
    victim = to_certificates_step(client, ctx, outbox)
    assert download(client).mimetype == "application/zip"
    issued = serials_of(ctx, victim)

    stranger = app.test_client()  # no session at all
    for action in ("/certificates/replace", "/certificates/review"):
        answer = stranger.post(
            action,
            data={
                "enrolment_id": victim,
                "confirm_revocation": "yes",
                "password": GOOD_PASSWORD,
                "password_confirmation": GOOD_PASSWORD,
            },
        )
        assert answer.status_code in (302, 400, 403, 409), (action, answer.status_code)
        assert answer.mimetype != "application/zip"

    attacker = app.test_client()  # a citizen of their own, at the same step, before any download
    submit(attacker, "/", "/start", iin=OTHER_IIN)
    submit(attacker, "/code", "/code", code=code_for(outbox, OTHER_PHONE))
    with attacker.session_transaction() as session:
        own = session["enrolment_id"]
    mark_identified(ctx, own)
    submit(attacker, "/pin", "/pin", pin=GOOD_PIN, pin_confirmation=GOOD_PIN)
    submit(attacker, "/certificates/review", "/certificates/review")
    replaced = download(attacker, "/certificates/replace", confirm_revocation="yes", enrolment_id=victim)
    assert replaced.mimetype != "application/zip" and replaced.status_code >= 400

    rows = store_rows(ctx, issued)
    assert [rows[s].status for s in issued] == ["valid", "valid"], "the victim's pair was revoked"
    assert serials_of(ctx, victim) == issued
    with ctx.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "replace_on_server", AuditEvent.outcome == "ok")
        )
        assert not list(events)

    forged = app.test_client()
    forged.set_cookie("session", "eyJlbnJvbG1lbnRfaWQiOiJ4In0.forged.signature")  # a made-up cookie
    assert forged.post("/certificates/replace", data={"confirm_revocation": "yes"}).status_code in (302, 400)

"""The issued certificates and the chain download as PEM files from the issued page (that browser's
enrolment only) and from the cabinet (signed-in citizen's own certificates only)."""

from __future__ import annotations

import io
import re

from cryptography import x509
from flow_helpers import GOOD_PIN, KNOWN_IIN, KNOWN_PHONE, code_for, make_csr_pem

from tests.evidence_free import mark_identified

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r'<a (?:id|class)="(download[^"]*)" href="([^"]+)" download>')


def token(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def issue_on_pages(client, ctx, outbox) -> str:
    client.post("/start", data={"csrf_token": token(client, "/"), "iin": KNOWN_IIN})
    client.post("/code", data={"csrf_token": token(client, "/code"), "code": code_for(outbox, KNOWN_PHONE)})
    with client.session_transaction() as session:
        mark_identified(ctx, session["enrolment_id"])
    client.post(
        "/pin", data={"csrf_token": token(client, "/pin"), "pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}
    )
    client.post("/certificates/review", data={"csrf_token": token(client, "/certificates/review")})
    issued = client.post(
        "/certificates/csr",
        data={
            "csrf_token": token(client, "/certificates"),
            "auth_csr_file": (io.BytesIO(make_csr_pem(KNOWN_IIN)), "auth.csr"),
            "sign_csr_file": (io.BytesIO(make_csr_pem(KNOWN_IIN)), "sign.csr"),
        },
        content_type="multipart/form-data",
    )
    assert issued.status_code == 200
    return issued.get_data(as_text=True)


def download(client, href: str) -> list[x509.Certificate]:
    response = client.get(href)
    assert response.status_code == 200, href
    assert response.mimetype == "application/x-pem-file"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return x509.load_pem_x509_certificates(response.data)


def test_the_issued_page_links_to_both_certificates_and_the_chain(app, client, ctx, outbox):
    page = issue_on_pages(client, ctx, outbox)
    links = dict(LINK.findall(page))
    shown = re.findall(r'<pre class="pem" id="(auth-certificate|sign-certificate)">(.*?)</pre>', page, re.S)
    serials = {name: x509.load_pem_x509_certificate(pem.encode()).serial_number for name, pem in shown}
    assert download(client, links["download-auth"])[0].serial_number == serials["auth-certificate"]
    assert download(client, links["download-sign"])[0].serial_number == serials["sign-certificate"]
    chain = download(client, links["download-chain"])
    assert len(chain) == 2 and chain[0].issuer == chain[1].subject == chain[1].issuer  # issuing CA, root

    stranger = app.test_client()  # another browser has no enrolment: nothing to download
    assert stranger.get(links["download-auth"]).status_code == 404


def test_the_files_are_not_there_before_issuance(client, outbox):
    client.post("/start", data={"csrf_token": token(client, "/"), "iin": KNOWN_IIN})
    assert client.get("/certificates/auth.pem").status_code == 404
    assert client.get("/certificates/private.pem").status_code == 404


def test_the_cabinet_offers_each_certificate_and_the_chain_to_its_owner_only(app, client, ctx, outbox):
    issue_on_pages(client, ctx, outbox)
    signed_in = client.post(
        "/cabinet/login",
        data={"csrf_token": token(client, "/cabinet/login"), "iin": KNOWN_IIN, "pin": GOOD_PIN},
    )
    assert signed_in.status_code == 302
    links = LINK.findall(client.get("/cabinet/").get_data(as_text=True))
    files = [href for kind, href in links if kind == "download"]
    assert len(files) == 2
    for href in files:
        certificate = download(client, href)[0]
        assert format(certificate.serial_number, "x") in href.lower()
    assert len(download(client, dict(links)["download-chain"])) == 2
    assert client.get("/cabinet/certificates/00ff00ff.pem").status_code == 404

    anonymous = app.test_client()
    for href in (files[0], "/cabinet/chain.pem"):
        answer = anonymous.get(href)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/cabinet/login")

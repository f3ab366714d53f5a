"""The /pki endpoints the issued certificates point to: CA certificates, CRL and OCSP."""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from flow_helpers import KNOWN_IIN, api_to_pin_set, make_csr_pem

from ca.store import CertificateStore
from eds_toolkit.web.context import service


def issued_pair(client, ctx, outbox) -> tuple[x509.Certificate, x509.Certificate, x509.Certificate]:
    enrolment = api_to_pin_set(client, ctx, outbox)
    csrs = {"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()}
    body = enrolment.post("certificates", csrs).get_json()
    issuing = x509.load_pem_x509_certificates(body["chain"].encode())[0]
    return (
        x509.load_pem_x509_certificate(body["auth_certificate"].encode()),
        x509.load_pem_x509_certificate(body["sign_certificate"].encode()),
        issuing,
    )


def ocsp_status(client, certificate, issuing, *, get: bool = False) -> ocsp.OCSPCertStatus:
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuing, hashes.SHA1()).build()
    der = request.public_bytes(serialization.Encoding.DER)
    if get:
        answer = client.get("/pki/ocsp/" + base64.b64encode(der).decode())
    else:
        answer = client.post("/pki/ocsp", data=der, content_type="application/ocsp-request")
    assert answer.status_code == 200
    assert answer.mimetype == "application/ocsp-response"
    response = ocsp.load_der_ocsp_response(answer.data)
    assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    return response.certificate_status


def test_revoked_certificate_is_in_the_crl_and_ocsp_says_revoked(app, client, ctx, outbox):
    auth, sign, issuing = issued_pair(client, ctx, outbox)
    assert ocsp_status(client, sign, issuing) == ocsp.OCSPCertStatus.GOOD
    CertificateStore(service(app).engine).revoke(format(sign.serial_number, "x"), "key_compromise")

    response = client.get("/pki/crl")
    assert response.status_code == 200
    assert response.mimetype == "application/pkix-crl"
    crl = x509.load_der_x509_crl(response.data)
    assert crl.is_signature_valid(issuing.public_key())
    assert crl.get_revoked_certificate_by_serial_number(sign.serial_number) is not None
    assert crl.get_revoked_certificate_by_serial_number(auth.serial_number) is None

    assert ocsp_status(client, sign, issuing) == ocsp.OCSPCertStatus.REVOKED
    assert ocsp_status(client, auth, issuing, get=True) == ocsp.OCSPCertStatus.GOOD


def test_certificates_point_at_this_service(client, ctx, outbox):
    auth, _sign, _issuing = issued_pair(client, ctx, outbox)
    aia = auth.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    locations = {d.access_location.value for d in aia}
    assert "http://127.0.0.1:5000/pki/issuing.cer" in locations
    assert "http://127.0.0.1:5000/pki/ocsp" in locations
    for path in ("/pki/issuing.cer", "/pki/root.cer", "/pki/crl"):
        assert client.get(path).status_code == 200


def test_garbage_ocsp_request_gets_malformed_request(client):
    answer = client.post("/pki/ocsp", data=b"not an ocsp request", content_type="application/ocsp-request")
    assert (
        ocsp.load_der_ocsp_response(answer.data).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )

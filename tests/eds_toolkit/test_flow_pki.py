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


def test_the_delta_crl_is_served_and_names_the_base_it_extends(app, client, ctx, outbox):
    _auth, sign, issuing = issued_pair(client, ctx, outbox)
    base = x509.load_der_x509_crl(client.get("/pki/crl").data)
    response = client.get("/pki/delta.crl")
    assert response.status_code == 200 and response.mimetype == "application/pkix-crl"
    delta = x509.load_der_x509_crl(response.data)
    assert delta.is_signature_valid(issuing.public_key())
    base_number = base.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).value.crl_number == base_number
    (point,) = base.extensions.get_extension_for_class(x509.FreshestCRL).value
    assert point.full_name[0].value == "http://127.0.0.1:5000/pki/delta.crl"
    (point,) = sign.extensions.get_extension_for_class(x509.FreshestCRL).value
    assert point.full_name[0].value == "http://127.0.0.1:5000/pki/delta.crl"
    assert client.get("/pki/crl").data == base.public_bytes(serialization.Encoding.DER)  # not due: the same


def test_the_root_crl_is_served_once_published_where_the_root_key_is(app, client, home):
    from ca.authority import CertificateAuthority, load_root_key
    from ca.crl import publish_root_crl
    from eds_toolkit.bootstrap import ca_directory, ca_passphrase

    assert client.get("/pki/root.crl").status_code == 404
    settings = service(app).settings
    root_cert = CertificateAuthority.read_chain(ca_directory(home))[1]
    root_key = load_root_key(ca_directory(home), ca_passphrase(settings))
    publish_root_crl(CertificateStore(service(app).engine), root_cert, root_key)
    response = client.get("/pki/root.crl")
    assert response.status_code == 200 and response.mimetype == "application/pkix-crl"
    assert x509.load_der_x509_crl(response.data).is_signature_valid(root_cert.public_key())

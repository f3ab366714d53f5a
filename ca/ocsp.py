"""An OCSP responder (RFC 6960) for the issuing CA, answering from the certificate store."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from ca.authority import CertificateAuthority
from ca.crl import REASON_FLAGS

RESPONSE_LIFETIME = dt.timedelta(hours=1)
NONCE_LENGTHS = range(1, 33)  # RFC 8954 2.1: 1 to 32 octets; any other length is a malformed request


def _issuer_hashes(issuer: x509.Certificate, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """The CertID hashes of ``issuer``: of its DER subject name and of its public key's bit string."""
    name_hash = hashes.Hash(algorithm)
    name_hash.update(issuer.subject.public_bytes())
    key_bits = issuer.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    key_hash = hashes.Hash(algorithm)
    key_hash.update(key_bits)
    return name_hash.finalize(), key_hash.finalize()


def respond(request_der: bytes, authority: CertificateAuthority, *, now: dt.datetime | None = None) -> bytes:
    """A DER OCSP response to a DER OCSP request: good, revoked or unknown, signed by the issuing CA.

    The status is read from the store at the moment of the request. A malformed request (or a nonce of
    0 or more than 32 octets, RFC 8954) gets ``malformedRequest``; a request about another CA's
    certificates gets ``unauthorized``. A nonce is echoed in the response; a request without one is
    answered without one.
    """
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = request.hash_algorithm
        nonce = _nonce(request)
    except Exception:  # whatever the parser rejects (bad DER, unknown hash) is a malformed request
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if nonce is not None and len(nonce.nonce) not in NONCE_LENGTHS:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    name_hash, key_hash = _issuer_hashes(authority.issuing_cert, algorithm)
    if (request.issuer_name_hash, request.issuer_key_hash) != (name_hash, key_hash):
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    moment = (now or authority.clock()).replace(microsecond=0)
    record = authority.store.get(f"{request.serial_number:x}") if authority.store else None
    status, revoked_at, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
    if record is not None and record.status == "revoked":
        # revocationTime is when it was revoked; since when the key may be compromised (invalidityDate)
        # is on the CRL entry only
        status, revoked_at = ocsp.OCSPCertStatus.REVOKED, record.revoked_at
        reason = REASON_FLAGS.get(record.revocation_reason or "")
    elif record is not None:
        status = ocsp.OCSPCertStatus.GOOD
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=name_hash,
        issuer_key_hash=key_hash,
        serial_number=request.serial_number,
        algorithm=algorithm,
        cert_status=status,
        this_update=moment,
        next_update=moment + RESPONSE_LIFETIME,
        revocation_time=revoked_at,
        revocation_reason=reason,
    )
    if nonce is not None:
        builder = builder.add_extension(nonce, critical=False)
    return authority.sign_ocsp(builder).public_bytes(serialization.Encoding.DER)


def _nonce(request: ocsp.OCSPRequest) -> x509.OCSPNonce | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value
    except x509.ExtensionNotFound:
        return None


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)

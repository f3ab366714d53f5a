"""Revocation of the signer certificate from CRLs and OCSP responses, "as of" a time.

Each source is read and checked (issuer, signature, authorised responder, freshness) and the result
is a ``RevocationCheck`` that says what was found and, when nothing decides, why.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp

from eds_toolkit.signatures import gost
from eds_toolkit.signatures.errors import SignatureInputError
from eds_toolkit.signatures.verdict import RevocationCheck
from national_profile.names import subject_text

# An OCSP response without nextUpdate (the national CA's) is taken as current for this long after
# thisUpdate; ours carry nextUpdate (one hour).
OCSP_WITHOUT_NEXT_UPDATE_VALID_FOR = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class OcspSingleStatus:
    """One certificate's status inside an OCSP response."""

    serial: str  # lower-case hex
    status: str  # good / revoked / unknown
    this_update: dt.datetime
    next_update: dt.datetime | None
    revoked_at: dt.datetime | None
    reason: str | None
    for_issuer: bool  # issuer name and key hashes match the issuer given


@dataclass(frozen=True)
class OcspResponseInfo:
    """An OCSP response read and checked against an issuer."""

    response_status: str
    produced_at: dt.datetime | None
    responder: str | None  # the signing certificate's subject
    signature_valid: bool
    responder_authorised: bool  # the issuer itself, or a certificate it issued with id-kp-OCSPSigning
    responses: tuple[OcspSingleStatus, ...]
    nonce: bytes | None = None  # the id-pkix-ocsp-nonce extension's value, when the response has one


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from DER or PEM bytes, or SignatureInputError."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as error:
        raise SignatureInputError(f"The CRL cannot be read: {error}") from None


def check_with_crls(
    certificate: x509.Certificate, issuer: x509.Certificate, crls: Sequence[bytes], at: dt.datetime
) -> RevocationCheck:
    """The status from the first CRL of the certificate's issuer, signed by it and current at ``at``."""
    problems = []
    for data in crls:
        crl = load_crl(data)
        if crl.issuer != certificate.issuer:
            problems.append(f"a CRL of another CA ({subject_text(crl.issuer)})")
            continue
        profile_problem = crl_profile_problem(crl, issuer)
        if profile_problem:
            problems.append(profile_problem)
            continue
        try:
            signature_valid = _crl_signature_valid(crl, issuer)
        except gost.UnsupportedGostAlgorithm as error:
            problems.append(f"a CRL whose signature cannot be checked ({error})")
            continue
        if not signature_valid:
            problems.append("a CRL whose signature does not verify with the issuing CA's key")
            continue
        next_update = crl.next_update_utc
        if next_update is not None and at > next_update:
            problems.append(
                f"a CRL that expired on {next_update:%Y-%m-%d %H:%M} UTC, before the time checked"
            )
            continue
        entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        issued = crl.last_update_utc
        if entry is not None and entry.revocation_date_utc <= at:
            return RevocationCheck(
                "crl",
                "revoked",
                entry.revocation_date_utc,
                _crl_reason(entry),
                issued,
                f"Listed in the CRL of {issued:%Y-%m-%d %H:%M} UTC.",
            )
        detail = f"Not listed in the CRL of {issued:%Y-%m-%d %H:%M} UTC."
        if entry is not None:
            detail = f"Revoked on {entry.revocation_date_utc:%Y-%m-%d %H:%M} UTC, after the time checked."
        return RevocationCheck("crl", "good", None, None, issued, detail)
    return RevocationCheck("crl", "unknown", detail=_nothing_usable("CRL", problems))


# CRL extensions a complete, direct CRL of end-entity certificates may carry (RFC 5280 5.2).
_KNOWN_CRL_EXTENSIONS = {
    x509.oid.ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    x509.oid.ExtensionOID.CRL_NUMBER,
    x509.oid.ExtensionOID.ISSUING_DISTRIBUTION_POINT,
    x509.oid.ExtensionOID.FRESHEST_CRL,
    x509.oid.ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
    x509.oid.ExtensionOID.ISSUER_ALTERNATIVE_NAME,
}


def crl_profile_problem(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> str | None:
    """Why this CRL cannot decide an end-entity certificate's status, or None.

    RFC 5280: the issuer must be allowed to sign CRLs (cRLSign when it states a key usage); the CRL
    must be a complete (not delta), direct CRL covering end-entity certificates for all reasons,
    with no critical extension we do not process, and its inner and outer signature algorithms
    must agree."""
    try:
        usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.crl_sign:
            return "a CRL signed by a CA certificate without the cRLSign key usage"
    except x509.ExtensionNotFound:
        pass
    except (ValueError, x509.DuplicateExtension) as error:
        return f"a CRL whose issuer certificate has malformed extensions ({error})"
    try:
        extensions = list(crl.extensions)
    except (ValueError, x509.DuplicateExtension) as error:
        return f"a CRL with malformed extensions ({error})"
    for extension in extensions:
        if extension.oid == x509.oid.ExtensionOID.DELTA_CRL_INDICATOR:
            return "a delta CRL, not a complete CRL"
        if extension.critical and extension.oid not in _KNOWN_CRL_EXTENSIONS:
            return f"a CRL with an unknown critical extension {extension.oid.dotted_string}"
        if isinstance(extension.value, x509.IssuingDistributionPoint):
            scope = extension.value
            if scope.only_contains_ca_certs or scope.only_contains_attribute_certs:
                return "a CRL that covers only CA or attribute certificates"
            if scope.only_some_reasons:
                return "a CRL that covers only some revocation reasons"
            if scope.indirect_crl:
                return "an indirect CRL (not supported)"
    outer = asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER))
    if outer["signature_algorithm"].dump() != outer["tbs_cert_list"]["signature"].dump():
        return "a CRL whose inner and outer signature algorithms differ"
    if outer["tbs_cert_list"]["version"].native != "v2":
        return "a version 1 CRL (RFC 5280 requires version 2)"
    return None


def read_ocsp_response(data: bytes, issuer: x509.Certificate) -> OcspResponseInfo:
    """Read a DER OCSP response and check its signature and responder against ``issuer``."""
    try:
        response = ocsp.load_der_ocsp_response(data)
    except ValueError as error:
        raise SignatureInputError(f"The OCSP response cannot be read: {error}") from None
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return OcspResponseInfo(response.response_status.name.lower(), None, None, False, False, ())
    signer = _ocsp_signer(response, issuer)
    signature_valid = signer is not None and _verifies(signer, response)
    authorised = signer is not None and _authorised_responder(signer, issuer, response.produced_at_utc)
    name_hashes = {}
    statuses = []
    for single in response.responses:
        algorithm = single.hash_algorithm
        if algorithm.name not in name_hashes:
            name_hashes[algorithm.name] = _issuer_hashes(issuer, algorithm)
        statuses.append(
            OcspSingleStatus(
                serial=f"{single.serial_number:x}",
                status=single.certificate_status.name.lower(),
                this_update=single.this_update_utc,
                next_update=single.next_update_utc,
                revoked_at=single.revocation_time_utc,
                reason=single.revocation_reason.name if single.revocation_reason else None,
                for_issuer=(single.issuer_name_hash, single.issuer_key_hash) == name_hashes[algorithm.name],
            )
        )
    return OcspResponseInfo(
        "successful",
        response.produced_at_utc,
        subject_text(signer.subject) if signer is not None else None,
        signature_valid,
        authorised,
        tuple(statuses),
        _nonce(response),
    )


def check_with_ocsp(
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    responses: Sequence[bytes],
    at: dt.datetime,
    nonce: bytes | None = None,
) -> RevocationCheck:
    """The certificate's status from the first signed, authorised, current OCSP response about it.

    With ``nonce`` (the request's), a response must echo it (RFC 8954): a replayed one decides nothing.
    """
    problems = []
    serial = f"{certificate.serial_number:x}"
    for data in responses:
        try:
            info = read_ocsp_response(data, issuer)
        except gost.UnsupportedGostAlgorithm as error:
            problems.append(f"an OCSP response whose signature cannot be checked ({error})")
            continue
        if info.response_status != "successful":
            problems.append(f"an OCSP response with status {info.response_status}")
            continue
        if nonce is not None and info.nonce != nonce:
            problems.append("an OCSP response whose nonce is not the request's (a replayed response)")
            continue
        if not (info.signature_valid and info.responder_authorised):
            problems.append("an OCSP response not signed by the CA or a responder it authorised")
            continue
        mine = [single for single in info.responses if single.serial == serial and single.for_issuer]
        if not mine:
            about = ", ".join(single.serial for single in info.responses) or "no certificate"
            problems.append(f"an OCSP response about {about}, not about this certificate ({serial})")
            continue
        single = mine[0]
        current_until = single.next_update or single.this_update + OCSP_WITHOUT_NEXT_UPDATE_VALID_FOR
        if at > current_until:
            problems.append(
                f"an OCSP response that was current only until {current_until:%Y-%m-%d %H:%M} UTC"
            )
            continue
        if single.status == "revoked" and single.revoked_at is not None and single.revoked_at <= at:
            return RevocationCheck(
                "ocsp",
                "revoked",
                single.revoked_at,
                single.reason,
                info.produced_at,
                f"The OCSP responder {info.responder} says revoked.",
            )
        if single.status == "unknown":
            problems.append("an OCSP response that does not know this certificate")
            continue
        return RevocationCheck(
            "ocsp", "good", None, None, info.produced_at, f"The OCSP responder {info.responder} says good."
        )
    return RevocationCheck("ocsp", "unknown", detail=_nothing_usable("OCSP response", problems))


def _nothing_usable(what: str, problems: list[str]) -> str:
    if not problems:
        return f"No {what} was available for the signer certificate."
    return f"No usable {what}: found " + "; ".join(problems) + "."


def _crl_reason(entry: x509.RevokedCertificate) -> str | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        return None


def _issuer_hashes(issuer: x509.Certificate, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """CertID hashes (RFC 6960 4.1.1): of the issuer's DER name and of its public key BIT STRING value."""
    key_bits = gost.public_key_bits(issuer)
    return _digest(algorithm, issuer.subject.public_bytes()), _digest(algorithm, key_bits)


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    digest = hashes.Hash(type(algorithm)())
    digest.update(data)
    return digest.finalize()


def _ocsp_signer(response: ocsp.OCSPResponse, issuer: x509.Certificate) -> x509.Certificate | None:
    """The certificate matching the responder id: the issuer or one carried in the response."""
    key_hash = response.responder_key_hash  # ResponderID byKey is a SHA-1 hash (RFC 6960 4.2.1)
    with warnings.catch_warnings():  # the national CA's responder has an 80-character CN (X.520 says 64)
        warnings.simplefilter("ignore", UserWarning)
        name = response.responder_name
        for candidate in (issuer, *response.certificates):
            if name is not None and candidate.subject == name:
                return candidate
            if key_hash is not None and _issuer_hashes(candidate, hashes.SHA1())[1] == key_hash:  # noqa: S303
                return candidate
    return None


def _verifies(signer: x509.Certificate, response: ocsp.OCSPResponse) -> bool:
    algorithm = response.signature_algorithm_oid.dotted_string
    if gost.is_gost_signature(algorithm):
        return gost.verify(gost.spki_of(signer), algorithm, response.signature, response.tbs_response_bytes)
    try:
        key = signer.public_key()  # a GOST key under a non-GOST signature algorithm does not load
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(
                response.signature,
                response.tbs_response_bytes,
                padding.PKCS1v15(),
                response.signature_hash_algorithm,
            )
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(
                response.signature, response.tbs_response_bytes, ec.ECDSA(response.signature_hash_algorithm)
            )
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, TypeError):
        return False
    return True


def _authorised_responder(signer: x509.Certificate, issuer: x509.Certificate, at: dt.datetime) -> bool:
    """RFC 6960 4.2.2.2: the CA itself, or a certificate the CA issued with id-kp-OCSPSigning."""
    if gost.spki_of(signer) == gost.spki_of(issuer):
        return True
    if signer.issuer != issuer.subject or not signer.not_valid_before_utc <= at <= signer.not_valid_after_utc:
        return False
    if gost.is_gost_signature(signer.signature_algorithm_oid.dotted_string):
        if not gost.verify_issued_by(signer, issuer):
            return False
        return _has_ocsp_signing(signer)
    try:
        signer.verify_directly_issued_by(issuer)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return _has_ocsp_signing(signer)


def _crl_signature_valid(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    algorithm = crl.signature_algorithm_oid.dotted_string
    if gost.is_gost_signature(algorithm):
        return gost.verify(gost.spki_of(issuer), algorithm, crl.signature, crl.tbs_certlist_bytes)
    try:
        return crl.is_signature_valid(issuer.public_key())
    except (UnsupportedAlgorithm, TypeError):  # e.g. an RSA CRL from a CA whose certificate has a GOST key
        return False


def _nonce(response: ocsp.OCSPResponse) -> bytes | None:
    try:
        return response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None


def _has_ocsp_signing(certificate: x509.Certificate) -> bool:
    """id-kp-OCSPSigning in the EKU. Read with asn1crypto: ``cryptography`` refuses to parse every
    extension of the national CA's responder certificate (its OCSP No Check has an empty value)."""
    parsed = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    for extension in parsed["tbs_certificate"]["extensions"]:
        if extension["extn_id"].native == "extended_key_usage":
            return "ocsp_signing" in extension["extn_value"].parsed.native
    return False

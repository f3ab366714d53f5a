"""Signature verification for the registration service: CMS and XML signatures, certificates,
revocation, timestamp tokens. No Flask here; verdicts are data (see ``verdict.py``)."""

from eds_toolkit.signatures.errors import MalformedInput, SignatureInputError, UnsupportedInput
from eds_toolkit.signatures.revocation import OcspResponseInfo, load_crl, read_ocsp_response
from eds_toolkit.signatures.timestamp import (
    TimestampReply,
    check_timestamp_token,
    read_timestamp_reply,
    read_timestamp_token,
)
from eds_toolkit.signatures.verdict import (
    CertificateVerdict,
    CmsVerdict,
    Reason,
    RevocationCheck,
    SignatureVerdict,
    Signer,
    TimestampInfo,
)
from eds_toolkit.signatures.verify import REVOCATION_MODES, verify_certificate, verify_cms, verify_cms_signers
from eds_toolkit.signatures.verify_xml import XmlVerdict, verify_xml

__all__ = [
    "REVOCATION_MODES",
    "CertificateVerdict",
    "CmsVerdict",
    "MalformedInput",
    "OcspResponseInfo",
    "Reason",
    "RevocationCheck",
    "SignatureInputError",
    "SignatureVerdict",
    "Signer",
    "TimestampInfo",
    "UnsupportedInput",
    "XmlVerdict",
    "TimestampReply",
    "check_timestamp_token",
    "load_crl",
    "read_ocsp_response",
    "read_timestamp_reply",
    "read_timestamp_token",
    "verify_certificate",
    "verify_cms",
    "verify_cms_signers",
    "verify_xml",
]

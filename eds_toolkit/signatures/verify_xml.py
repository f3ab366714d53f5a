"""``verify_xml``: an XML document's XMLDSig signatures, each with the same certificate checks as CMS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from eds_toolkit.signatures.errors import SignatureInputError
from eds_toolkit.signatures.verdict import Reason, SignatureVerdict, _jsonable
from eds_toolkit.signatures.verify import (
    CrlFetcher,
    OcspFetcher,
    RevocationMode,
    certificate_options,
    checked_moment,
    with_certificate_checks,
)
from eds_toolkit.signatures.xml_reader import XmlSignature, read_signed_xml
from national_profile.profiles import Profile


@dataclass(frozen=True)
class XmlVerdict:
    """One verdict per ds:Signature, in document order; ``ok`` only when every one of them holds."""

    ok: bool
    checked_at: dt.datetime
    signatures: tuple[SignatureVerdict, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO 8601, enums as their codes."""
        return _jsonable(asdict(self))

    def describe(self) -> str:
        """One line per signature a person reads."""
        return "\n".join(verdict.describe() for verdict in self.signatures)


def verify_xml(
    xml: bytes,
    *,
    trust_roots: Sequence,
    at: dt.datetime | None = None,
    enforce_iin_check_digit: bool = False,
    required_profile: Profile | str | None = None,
    revocation: RevocationMode = "auto",
    crls: Sequence[bytes] = (),
    ocsp_responses: Sequence[bytes] = (),
    fetch_crls: CrlFetcher | None = None,
    fetch_ocsp: OcspFetcher | None = None,
) -> XmlVerdict:
    """Verify every XML signature of ``xml`` as of ``at`` (default: now).

    Each signature: that it covers the document (``xml_reader``), its reference digest and value,
    then its signer certificate as ``verify_certificate`` checks it (path, IIN, profile, revocation).
    Raises SignatureInputError for a document that cannot be checked at all (not XML, a DTD, no
    signature); every other failure is a verdict with reason codes.
    """
    if not trust_roots:
        raise SignatureInputError("No trusted root certificate was given.")
    moment = checked_moment(at)
    options = {**certificate_options(locals()), "at": moment}
    verdicts = tuple(_signature_verdict(signature, moment, options) for signature in read_signed_xml(xml))
    return XmlVerdict(ok=all(verdict.ok for verdict in verdicts), checked_at=moment, signatures=verdicts)


def _signature_verdict(signature: XmlSignature, moment: dt.datetime, options: dict) -> SignatureVerdict:
    common = {
        "checked_at": moment,
        "digest_algorithm": signature.digest_algorithm,
        "content_digest": signature.digest_value.hex() or None,
    }
    reasons: list[Reason] = []
    messages: list[str] = []
    if signature.reason is not None:
        reasons.append(signature.reason)
        messages.append(signature.problem)
    certificate = signature.signer_certificate
    if certificate is None:
        if Reason.SIGNER_CERTIFICATE_MISSING not in reasons:
            reasons.append(Reason.SIGNER_CERTIFICATE_MISSING)
            messages.append("The XML signature does not carry the signer's certificate.")
        return SignatureVerdict(False, tuple(reasons), tuple(messages), **common)
    return with_certificate_checks(certificate, signature.certificates, reasons, messages, options, common)

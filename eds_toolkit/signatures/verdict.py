"""Verdicts are data: what was checked, against what, with which revocation source, and why it failed."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from national_profile.profiles import Profile


class Reason(StrEnum):
    """Why a signature was not accepted. Stable codes: scripts and the audit log keep them."""

    SIGNATURE_INVALID = "signature_invalid"  # the signature does not verify with the signer's key
    CONTENT_MODIFIED = "content_modified"  # the message digest does not match the content
    SIGNER_CERTIFICATE_MISSING = "signer_certificate_missing"
    PATH_INVALID = "path_invalid"  # no chain to a trusted root, or a certificate on it is bad
    CERTIFICATE_EXPIRED = "certificate_expired"  # not valid at the time checked
    CERTIFICATE_REVOKED = "certificate_revoked"
    REVOCATION_UNAVAILABLE = "revocation_unavailable"  # revocation was asked for and could not be decided
    WRONG_PROFILE = "wrong_profile"  # e.g. an AUTH certificate where a SIGN certificate is required
    INVALID_IIN = "invalid_iin"  # the subject's IIN is malformed (or fails the enforced check digit)
    DOCUMENT_NOT_COVERED = "document_not_covered"  # an XML signature that does not sign the whole document
    ALGORITHM_UNSUPPORTED = "algorithm_unsupported"  # e.g. a GOST XML signature: not checked, not accepted
    SIGNING_TIME_OUTSIDE_VALIDITY = "signing_time_outside_validity"  # claimed outside the certificate's life
    SIGNING_TIME_AFTER_CHECK = "signing_time_after_check"  # claimed after the time checked (--at)
    TIME_BUDGET_EXCEEDED = "time_budget_exceeded"  # a CMS's later signers, once its time budget is spent
    TIMESTAMP_INVALID = "timestamp_invalid"  # the signature's time-stamp is not over its signature value


@dataclass(frozen=True)
class Signer:
    """Who signed, as the signer certificate says."""

    iin: str | None
    common_name: str | None
    surname: str | None
    given_name: str | None
    patronymic: str | None
    profile: Profile | None  # None: the certificate is neither SIGN nor AUTH
    serial: str  # lower-case hex
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime

    @property
    def profile_label(self) -> str:
        """``SIGN``, ``AUTH`` or ``UNKNOWN``, as texts for people name the profile."""
        return self.profile.name if self.profile is not None else "UNKNOWN"


@dataclass(frozen=True)
class RevocationCheck:
    """The outcome of the revocation check of the signer certificate.

    ``source``: "none" (not asked), "crl" or "ocsp"; ``status``: "good", "revoked", "unknown" or
    "not_checked". ``issued_at`` is the CRL's thisUpdate or the OCSP response's producedAt.
    """

    source: str = "none"
    status: str = "not_checked"
    revoked_at: dt.datetime | None = None
    reason: str | None = None
    issued_at: dt.datetime | None = None
    detail: str = ""


@dataclass(frozen=True)
class TimestampInfo:
    """An RFC 3161 timestamp token's TSTInfo: what was stamped (the imprint) and when."""

    gen_time: dt.datetime
    imprint_algorithm: str
    imprint: str  # hex
    serial_number: int
    policy: str
    tsa: str | None
    signer: str | None
    matches_signature: bool | None = None  # for a token inside a CMS: is it over this signature value?
    accuracy_seconds: float | None = None
    verified: bool | None = None  # TSA signature, EKU and chain checked (None: not asked)
    problem: str = ""  # why it did not verify


@dataclass(frozen=True)
class CertificateVerdict:
    """Whether a certificate is valid as of a time: path, IIN, profile, revocation. ``ok`` when no reasons."""

    ok: bool
    reasons: tuple[Reason, ...]
    messages: tuple[str, ...]
    checked_at: dt.datetime
    holder: Signer
    chain: tuple[str, ...] = ()  # subjects, the certificate first, trust anchor last
    revocation: RevocationCheck = field(default_factory=RevocationCheck)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO 8601, enums as their codes."""
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class SignatureVerdict:
    """The whole verdict. ``ok`` only when ``reasons`` is empty."""

    ok: bool
    reasons: tuple[Reason, ...]
    messages: tuple[str, ...]
    checked_at: dt.datetime
    signer: Signer | None = None
    signing_time: dt.datetime | None = None
    digest_algorithm: str | None = None
    content_digest: str | None = None
    detached: bool = False
    chain: tuple[str, ...] = ()  # subjects, signer first, trust anchor last
    revocation: RevocationCheck = field(default_factory=RevocationCheck)
    timestamp: TimestampInfo | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO 8601, enums as their codes."""
        return _jsonable(asdict(self))

    def describe(self) -> str:
        """One line a person reads: who signed and whether it holds, or why not."""
        who = "unknown signer"
        if self.signer is not None:
            who = f"{self.signer.common_name or self.signer.subject} (IIN {self.signer.iin or '?'}, "
            who += f"{self.signer.profile_label} certificate)"
        if self.ok:
            return f"Valid signature by {who} as of {self.checked_at:%Y-%m-%d %H:%M:%S} UTC."
        return f"Signature NOT valid ({who}): " + " ".join(self.messages)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        # the JSON contract names a certificate of neither profile "unknown" (Signer.profile is None)
        return {
            key: "unknown" if key == "profile" and item is None else _jsonable(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


@dataclass(frozen=True)
class CmsVerdict:
    """Every signer of a CMS, each with its own verdict. ``ok`` only when every signer's verdict is."""

    ok: bool
    checked_at: dt.datetime
    detached: bool
    signers: tuple[SignatureVerdict, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO 8601, enums as their codes."""
        return _jsonable(asdict(self))

    def describe(self) -> str:
        """One line per signer."""
        return "\n".join(f"Signer {i}: {v.describe()}" for i, v in enumerate(self.signers, start=1))

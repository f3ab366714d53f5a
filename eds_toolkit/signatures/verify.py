"""``verify_cms`` and ``verify_certificate``: checked end to end, returning verdicts (data)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from cryptography import x509

from eds_toolkit.signatures.certificate_info import check_iin, signer_of
from eds_toolkit.signatures.cms_reader import SignedCmsSigners, SignerCheck, read_signers
from eds_toolkit.signatures.errors import SignatureInputError
from eds_toolkit.signatures.guard import verdict_or_input_error
from eds_toolkit.signatures.path import validate_path
from eds_toolkit.signatures.revocation import check_with_crls, check_with_ocsp
from eds_toolkit.signatures.timestamp import check_timestamp_token, proven_time
from eds_toolkit.signatures.verdict import (
    CertificateVerdict,
    CmsVerdict,
    Reason,
    RevocationCheck,
    SignatureVerdict,
)
from national_profile.names import subject_text
from national_profile.profiles import Profile

RevocationMode = Literal["none", "crl", "ocsp", "auto"]
CrlFetcher = Callable[[x509.Certificate], Sequence[bytes]]
OcspFetcher = Callable[[x509.Certificate, x509.Certificate], Sequence[bytes]]
REVOCATION_MODES = ("none", "crl", "ocsp", "auto")
CMS_TIME_BUDGET_SECONDS = 3.0  # signers are started within it (one already started may finish after)
CERTIFICATE_OPTIONS = (
    "trust_roots",
    "enforce_iin_check_digit",
    "required_profile",
    "revocation",
    "crls",
    "ocsp_responses",
    "fetch_crls",
    "fetch_ocsp",
)
"""The arguments a signature's verification hands on, as they are, to ``verify_certificate``."""


def checked_moment(at: dt.datetime | None) -> dt.datetime:
    """The time a verification checks as of: ``at`` in UTC, or now."""
    return (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def certificate_options(arguments: dict[str, Any]) -> dict[str, Any]:
    """The ``CERTIFICATE_OPTIONS`` among a verifying function's ``arguments`` (its ``locals()``)."""
    return {name: arguments[name] for name in CERTIFICATE_OPTIONS}


@verdict_or_input_error
def verify_certificate(
    certificate: x509.Certificate,
    *,
    trust_roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate] = (),
    at: dt.datetime | None = None,
    enforce_iin_check_digit: bool = False,
    required_profile: Profile | str | None = None,
    revocation: RevocationMode = "auto",
    crls: Sequence[bytes] = (),
    ocsp_responses: Sequence[bytes] = (),
    fetch_crls: CrlFetcher | None = None,
    fetch_ocsp: OcspFetcher | None = None,
) -> CertificateVerdict:
    """Is ``certificate`` a valid individual's certificate as of ``at`` (default: now)?

    Path to ``trust_roots`` (pyhanko-certvalidator), the holder's IIN, the profile when
    ``required_profile`` is given, and revocation: ``crl`` / ``ocsp`` need that source to decide,
    ``auto`` takes OCSP when it decides and CRLs otherwise, ``none`` skips it. Given CRLs and
    responses are used first; the fetchers are called only when those do not decide.
    """
    if revocation not in REVOCATION_MODES:
        raise SignatureInputError(f"Revocation mode must be one of {', '.join(REVOCATION_MODES)}.")
    if not trust_roots:
        raise SignatureInputError("No trusted root certificate was given.")
    try:
        wanted_profile = Profile(required_profile) if required_profile is not None else None
    except ValueError:
        raise SignatureInputError(
            f"The required profile is 'sign' or 'auth', not {required_profile!r}."
        ) from None
    moment = checked_moment(at)
    holder = signer_of(certificate)
    reasons: list[Reason] = []
    messages: list[str] = []
    iin_problem = check_iin(holder.iin, enforce_check_digit=enforce_iin_check_digit)
    if iin_problem:
        reasons.append(Reason.INVALID_IIN)
        messages.append(iin_problem)
    if wanted_profile is not None and holder.profile != wanted_profile:
        reasons.append(Reason.WRONG_PROFILE)
        messages.append(
            f"A {wanted_profile.value.upper()} certificate is required; this is "
            f"a {holder.profile_label} certificate."
        )
    path = validate_path(certificate, intermediates=intermediates, trust_roots=trust_roots, at=moment)
    if not path.ok:
        reasons.append(path.reason)
        messages.append(path.message)
    revocation_check = RevocationCheck()
    if path.ok and revocation != "none":
        revocation_check = _revocation(
            certificate, path.issuer, moment, revocation, crls, ocsp_responses, fetch_crls, fetch_ocsp
        )
        if revocation_check.status == "revoked":
            reasons.append(Reason.CERTIFICATE_REVOKED)
            messages.append(
                f"The certificate was revoked on {revocation_check.revoked_at:%Y-%m-%d %H:%M} UTC."
            )
        elif revocation_check.status != "good":
            reasons.append(Reason.REVOCATION_UNAVAILABLE)
            messages.append(
                f"Whether the certificate is revoked could not be decided. {revocation_check.detail}"
            )
    return CertificateVerdict(
        ok=not reasons,
        reasons=tuple(reasons),
        messages=tuple(messages),
        checked_at=moment,
        holder=holder,
        chain=tuple(subject_text(cert.subject) for cert in path.chain),
        revocation=revocation_check,
    )


@verdict_or_input_error
def verify_cms(
    cms_der: bytes,
    *,
    content: bytes | None = None,
    trust_roots: Sequence[x509.Certificate],
    at: dt.datetime | None = None,
    enforce_iin_check_digit: bool = False,
    required_profile: Profile | str | None = None,
    revocation: RevocationMode = "auto",
    crls: Sequence[bytes] = (),
    ocsp_responses: Sequence[bytes] = (),
    fetch_crls: CrlFetcher | None = None,
    fetch_ocsp: OcspFetcher | None = None,
) -> SignatureVerdict:
    """Verify a single-signer CMS (attached, or detached with ``content``) as of ``at`` (default: now).

    The content digest and the signature, the claimed signing time, then the signer certificate as
    ``verify_certificate`` checks it. A signature time-stamp (CAdES-T) that verifies is the proof of
    time: the certificate is checked as of the time-stamp (a signature made while it was valid stays
    valid after it expires); one that is not over the signature value is refused. Raises
    SignatureInputError for input that cannot be checked at all (a CMS with several signers included:
    ``verify_cms_signers`` checks each); every other failure is a verdict with reason codes.
    """
    if not trust_roots:
        raise SignatureInputError("No trusted root certificate was given.")
    parsed = read_signers(cms_der, content)
    if len(parsed.signers) != 1:
        raise SignatureInputError(f"The CMS has {len(parsed.signers)} signers; one is expected here.")
    options = certificate_options(locals())
    moment = checked_moment(at)
    return _verify_signer(parsed.signers[0], parsed, moment, options)


@verdict_or_input_error
def verify_cms_signers(
    cms_der: bytes,
    *,
    content: bytes | None = None,
    trust_roots: Sequence[x509.Certificate],
    at: dt.datetime | None = None,
    enforce_iin_check_digit: bool = False,
    required_profile: Profile | str | None = None,
    revocation: RevocationMode = "auto",
    crls: Sequence[bytes] = (),
    ocsp_responses: Sequence[bytes] = (),
    fetch_crls: CrlFetcher | None = None,
    fetch_ocsp: OcspFetcher | None = None,
) -> CmsVerdict:
    """Verify every signer of a CMS as ``verify_cms`` verifies one: each signer its own verdict.

    A signer whose algorithms this verifier does not implement gets the reason
    ``algorithm_unsupported``; the others are checked all the same.
    """
    if not trust_roots:
        raise SignatureInputError("No trusted root certificate was given.")
    started = time.monotonic()
    deadline = started + CMS_TIME_BUDGET_SECONDS
    # half the time for the signatures, the rest for the certificates of the signers checked
    parsed = read_signers(cms_der, content, deadline=started + CMS_TIME_BUDGET_SECONDS / 2)
    options = certificate_options(locals())
    moment = checked_moment(at)
    verdicts = []
    for index, signer in enumerate(parsed.signers):
        # e.g. many GOST signers (a few hundred ms each); the first signer is always checked
        if signer.skipped or (index > 0 and time.monotonic() > deadline):
            verdicts.append(_not_checked(signer, parsed, moment))
        else:
            verdicts.append(_verify_signer(signer, parsed, moment, options))
    return CmsVerdict(
        ok=all(verdict.ok for verdict in verdicts),
        checked_at=moment,
        detached=parsed.detached,
        signers=verdicts,
    )


def _not_checked(parsed: SignerCheck, cms: SignedCmsSigners, moment: dt.datetime) -> SignatureVerdict:
    message = (
        f"Not checked: the CMS's verification time ({CMS_TIME_BUDGET_SECONDS:g} s) was spent on the "
        "signers before this one."
    )
    return SignatureVerdict(
        False,
        (Reason.TIME_BUDGET_EXCEEDED,),
        (message,),
        checked_at=moment,
        signer=signer_of(parsed.signer_certificate) if parsed.signer_certificate is not None else None,
        signing_time=parsed.signing_time,
        digest_algorithm=parsed.digest_algorithm,
        detached=cms.detached,
    )


def _verify_signer(
    parsed: SignerCheck, cms: SignedCmsSigners, moment: dt.datetime, options: dict[str, Any]
) -> SignatureVerdict:
    """One signer's verdict: its cryptography, its claimed signing time, then its certificate."""
    timestamp = None
    if parsed.timestamp_token is not None:
        timestamp = check_timestamp_token(
            parsed.timestamp_token,
            stamped=parsed.signature_value,
            trust_roots=options["trust_roots"],
            intermediates=cms.certificates,
        )
    proof = proven_time(timestamp)
    certificate_moment = proof if proof is not None and proof <= moment else moment
    common = {
        "checked_at": moment,
        "signing_time": parsed.signing_time,
        "digest_algorithm": parsed.digest_algorithm,
        "content_digest": parsed.content_digest.hex(),
        "detached": cms.detached,
        "timestamp": timestamp,
    }
    certificate = parsed.signer_certificate
    if certificate is None:
        message = "The CMS does not carry the signer's certificate."
        return SignatureVerdict(False, (Reason.SIGNER_CERTIFICATE_MISSING,), (message,), **common)
    if parsed.unsupported:
        return SignatureVerdict(
            False,
            (Reason.ALGORITHM_UNSUPPORTED,),
            (f"This signer's signature cannot be checked: {parsed.unsupported}",),
            signer=signer_of(certificate),
            **common,
        )
    reasons: list[Reason] = []
    messages: list[str] = []
    if not parsed.digest_matches:
        reasons.append(Reason.CONTENT_MODIFIED)
        messages.append("The signed content was changed after signing (digest mismatch).")
    if not parsed.signature_valid:
        reasons.append(Reason.SIGNATURE_INVALID)
        messages.append("The signature does not verify with the signer certificate's key.")
    for reason, message in signing_time_problems(parsed.signing_time, certificate, moment):
        reasons.append(reason)
        messages.append(message)
    if timestamp is not None and timestamp.matches_signature is False:
        reasons.append(Reason.TIMESTAMP_INVALID)
        messages.append("The signature's time-stamp is not over this signature.")
    return with_certificate_checks(
        certificate, cms.certificates, reasons, messages, {**options, "at": certificate_moment}, common
    )


def with_certificate_checks(
    certificate: x509.Certificate,
    carried: Sequence[x509.Certificate],
    reasons: list[Reason],
    messages: list[str],
    options: dict[str, Any],
    common: dict[str, Any],
) -> SignatureVerdict:
    """A signature's verdict: its own ``reasons`` and ``messages``, then its signer ``certificate`` as
    ``verify_certificate`` checks it with ``options`` (the other ``carried`` certificates as intermediates);
    ``common`` holds the verdict's other fields."""
    verdict = verify_certificate(
        certificate,
        intermediates=[cert for cert in carried if cert != certificate],
        **options,
    )
    return SignatureVerdict(
        ok=not (reasons or verdict.reasons),
        reasons=(*reasons, *verdict.reasons),
        messages=(*messages, *verdict.messages),
        signer=verdict.holder,
        chain=verdict.chain,
        revocation=verdict.revocation,
        **common,
    )


def signing_time_problems(
    signing_time: dt.datetime | None, certificate: x509.Certificate, at: dt.datetime
) -> list[tuple[Reason, str]]:
    """Why the signer's claimed signing time cannot be right (none when no time is claimed).

    A signature claimed after the time checked, or outside the certificate's life, is refused: the
    claim is the signer's own, and such a claim says the signature was not made as stated."""
    if signing_time is None:
        return []
    claimed = signing_time.astimezone(dt.UTC)
    problems = []
    if claimed > at:
        problems.append(
            (
                Reason.SIGNING_TIME_AFTER_CHECK,
                f"The signature claims it was made on {claimed:%Y-%m-%d %H:%M} UTC, after the time checked.",
            )
        )
    if not certificate.not_valid_before_utc <= claimed <= certificate.not_valid_after_utc:
        problems.append(
            (
                Reason.SIGNING_TIME_OUTSIDE_VALIDITY,
                f"The signature claims it was made on {claimed:%Y-%m-%d %H:%M} UTC, when the certificate "
                f"was not valid ({certificate.not_valid_before_utc:%Y-%m-%d} to "
                f"{certificate.not_valid_after_utc:%Y-%m-%d}).",
            )
        )
    return problems


def _revocation(
    certificate: x509.Certificate,
    issuer: x509.Certificate | None,
    at: dt.datetime,
    mode: RevocationMode,
    crls: Sequence[bytes],
    ocsp_responses: Sequence[bytes],
    fetch_crls: CrlFetcher | None,
    fetch_ocsp: OcspFetcher | None,
) -> RevocationCheck:
    if issuer is None:  # the certificate is itself a trust root
        return RevocationCheck("none", "not_checked", detail="The certificate is a trusted root.")
    attempts: list[Callable[[], RevocationCheck]] = []
    if mode in ("ocsp", "auto"):
        attempts.append(lambda: check_with_ocsp(certificate, issuer, ocsp_responses, at))
        if fetch_ocsp is not None:
            attempts.append(
                lambda: _fetched(
                    "ocsp",
                    lambda: check_with_ocsp(certificate, issuer, fetch_ocsp(certificate, issuer) or (), at),
                )
            )
    if mode in ("crl", "auto"):
        attempts.append(lambda: check_with_crls(certificate, issuer, crls, at))
        if fetch_crls is not None:
            attempts.append(
                lambda: _fetched(
                    "crl", lambda: check_with_crls(certificate, issuer, fetch_crls(certificate) or (), at)
                )
            )
    undecided = []
    for attempt in attempts:
        result = attempt()
        if result.status in ("good", "revoked"):
            return result
        undecided.append(result)
    details = " ".join(dict.fromkeys(result.detail for result in undecided))
    return RevocationCheck(mode if mode != "auto" else "none", "unknown", detail=details)


def _fetched(source: str, check: Callable[[], RevocationCheck]) -> RevocationCheck:
    """Run a check on fetched data; a fetcher that fails (network, server) leaves it undecided."""
    try:
        return check()
    except SignatureInputError as error:
        return RevocationCheck(
            source, "unknown", detail=f"The fetched {source.upper()} data is unusable: {error}"
        )
    except Exception as error:  # noqa: BLE001 - the outside world: any failure means "could not fetch"
        return RevocationCheck(source, "unknown", detail=f"Fetching {source.upper()} data failed: {error}")

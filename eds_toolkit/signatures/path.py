"""Certification path validation "as of" a time, with pyhanko-certvalidator, bounded.

Revocation is not decided here (``revocation.py`` does it from the CRLs and OCSP responses it is
given, with reasons we can report); this module builds and checks the chain: signatures, validity
periods at the time checked, CA constraints, key usage, and the trust anchor's own validity and
constraints (path length, name constraints).

Path building is ours (``path_search.py``), bounded in depth, breadth and time: certvalidator's
own builder walks every path depth first without remembering dead ends, so a CMS stuffed with
cross-certified intermediates kept it busy for minutes. Each candidate path is then validated by
certvalidator (RFC 5280 6.1).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.authority import CertTrustAnchor, TrustQualifiers
from pyhanko_certvalidator.errors import (
    DisallowedAlgorithmError,
    ExpiredError,
    InvalidCertificateError,
    NotYetValidError,
    PathValidationError,
    ValidationError,
)
from pyhanko_certvalidator.name_trees import process_general_subtrees
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.policy_decl import PKIXValidationParams
from pyhanko_certvalidator.validate import async_validate_path, validate_usage

from eds_toolkit.signatures.gost import GostSignatureValidator, UnsupportedGostAlgorithm
from eds_toolkit.signatures.guard import classify
from eds_toolkit.signatures.path_search import CandidatePath, PathSearch, SearchLimits
from eds_toolkit.signatures.verdict import Reason


@dataclass(frozen=True)
class PathResult:
    """The validated chain (signer first, trust anchor last) or why there is none."""

    chain: tuple[x509.Certificate, ...]
    reason: Reason | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.reason is None

    @property
    def issuer(self) -> x509.Certificate | None:
        return self.chain[1] if len(self.chain) > 1 else None


def validate_path(
    signer: x509.Certificate,
    *,
    intermediates: Sequence[x509.Certificate],
    trust_roots: Sequence[x509.Certificate],
    at: dt.datetime,
    key_usage: frozenset[str] = frozenset({"digital_signature"}),
    limits: SearchLimits | None = None,
) -> PathResult:
    """Build and validate a path from ``signer`` to one of ``trust_roots`` as of ``at``.

    A trust root need not be self-signed (the national CA publishes its issuing CA on its own), but
    it must be valid at ``at`` and, unless it is the signer itself, a CA allowed to sign certificates.
    """
    try:
        leaf = _asn1(signer)
        anchors = [_asn1(root) for root in trust_roots]
        others = [_asn1(cert) for cert in intermediates]
    except ValueError as error:
        return PathResult((), Reason.PATH_INVALID, f"A certificate cannot be read: {error}.")
    expired = _not_valid_at(leaf, at)
    if expired:
        return PathResult((), Reason.CERTIFICATE_EXPIRED, expired)
    context = ValidationContext(
        trust_roots=anchors,
        moment=at,
        allow_fetching=False,
        revocation_mode="soft-fail",  # no revocation data is given here: see revocation.py
        signature_validator=GostSignatureValidator(),  # the national CA's GOST algorithms too
    )
    failures: list[PathResult] = []
    search = None
    try:
        search = PathSearch(leaf, others, anchors, limits or SearchLimits())
        deadline = time.monotonic() + search.limits.time_budget
        for candidate in search.paths():
            if failures and time.monotonic() > deadline:  # GOST checks are slow: validation is bounded too
                search.gave_up = f"Path validation stopped after {search.limits.time_budget:g} s."
                break
            failure = _check_anchor(candidate.anchor, is_signer=candidate.signer_is_anchor, at=at)
            if failure is None:
                failure = _validate(context, leaf, candidate, key_usage)
            if failure is None:
                certificates = (
                    [leaf]
                    if candidate.signer_is_anchor
                    else [leaf, *reversed(candidate.intermediates), candidate.anchor]
                )
                return PathResult(tuple(x509.load_der_x509_certificate(c.dump()) for c in certificates))
            failures.append(failure)
    except Exception as error:  # noqa: BLE001 - a hostile certificate fails deep inside the parsers
        failures.insert(0, _failure(error))
    gave_up = search.gave_up if search is not None else ""
    if gave_up and not failures:
        return PathResult((), Reason.PATH_INVALID, gave_up)
    if not failures:
        message = "The signer certificate does not chain to a trusted root."
        if search is not None and search.depth_reached:
            limit = search.limits.max_intermediates
            message = f"The signer certificate does not chain to a trusted root within {limit} intermediates."
        return PathResult((), Reason.PATH_INVALID, message)
    # Like certvalidator: prefer a reason other than a bad signature (the likelier wrong path).
    chosen = next((f for f in failures if "signature" not in f.message), failures[0])
    if gave_up:
        chosen = PathResult((), chosen.reason, f"{chosen.message} {gave_up}")
    return chosen


def _not_valid_at(leaf: asn1_x509.Certificate, at: dt.datetime) -> str:
    """Why the signer certificate itself is not valid at ``at`` (whatever its path), or ""."""
    validity = leaf["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if at < not_before:
        return (
            f"The certificate is not valid until {not_before:%Y-%m-%d %H:%M:%S} UTC, after the time checked."
        )
    if at > not_after:
        return f"The certificate expired on {not_after:%Y-%m-%d %H:%M:%S} UTC, before the time checked."
    return ""


def _check_anchor(anchor: asn1_x509.Certificate, *, is_signer: bool, at: dt.datetime) -> PathResult | None:
    """A trust root must be valid at ``at``; one that issued the path must be a CA that may sign."""
    name = anchor.subject.human_friendly
    validity = anchor["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if not not_before <= at <= not_after:
        return PathResult(
            (),
            Reason.PATH_INVALID,
            f"The trusted root {name} is not valid at the time checked (valid "
            f"{not_before:%Y-%m-%d} to {not_after:%Y-%m-%d}).",
        )
    if is_signer:
        return None
    constraints = anchor.basic_constraints_value
    if constraints is not None and not constraints["ca"].native:
        return PathResult((), Reason.PATH_INVALID, f"The trusted root {name} is not a CA certificate.")
    usage = anchor.key_usage_value
    if usage is not None and "key_cert_sign" not in usage.native:
        return PathResult(
            (), Reason.PATH_INVALID, f"The trusted root {name} may not sign certificates (key usage)."
        )
    return None


def _validate(
    context: ValidationContext,
    leaf: asn1_x509.Certificate,
    candidate: CandidatePath,
    key_usage: frozenset[str],
) -> PathResult | None:
    """None when certvalidator accepts the candidate path and the signer's key usage; else why not."""
    duplicated = _duplicate_extension(
        [candidate.anchor] if candidate.signer_is_anchor else [leaf, *candidate.intermediates]
    )
    if duplicated:
        return PathResult((), Reason.PATH_INVALID, f"A certificate on the path is malformed: {duplicated}")
    trust_anchor = CertTrustAnchor(candidate.anchor, quals=_qualifiers(candidate.anchor))
    if candidate.signer_is_anchor:
        path = ValidationPath(trust_anchor, [], None)
    else:
        path = ValidationPath(trust_anchor, candidate.intermediates, leaf)
    try:
        _run(async_validate_path(context, path))
        validate_usage(leaf, set(key_usage), None, False)
    except (ExpiredError, NotYetValidError) as error:
        return PathResult((), Reason.CERTIFICATE_EXPIRED, f"{error}.")
    except (InvalidCertificateError, DisallowedAlgorithmError, PathValidationError, ValidationError) as error:
        return PathResult((), Reason.PATH_INVALID, f"The certification path is not valid: {error}.")
    except UnsupportedGostAlgorithm as error:  # e.g. GOST 34.310-2004 without the gostsum program
        return PathResult((), Reason.PATH_INVALID, f"A certificate on the path cannot be checked: {error}.")
    except Exception as error:  # noqa: BLE001 - a hostile certificate fails deep inside the parsers
        return _failure(error)
    return None


def _failure(error: Exception) -> PathResult:
    """A parser's failure on a certificate of the path as a verdict; anything else is a bug: raised."""
    problem = classify(error)
    if problem is None:
        raise error
    if problem.kind == "unsupported":  # e.g. the national CA's GOST 34.310 keys
        return PathResult(
            (),
            Reason.PATH_INVALID,
            f"A certificate on the path uses an algorithm this verifier cannot check: {error}.",
        )
    return PathResult((), Reason.PATH_INVALID, f"A certificate on the path is malformed: {problem}")


def _duplicate_extension(certificates: list[asn1_x509.Certificate]) -> str:
    """RFC 5280 4.2: a certificate must not carry an extension twice (certvalidator lets it pass)."""
    for cert in certificates:
        seen = set()
        for extension in cert["tbs_certificate"]["extensions"]:
            oid = extension["extn_id"].dotted
            if oid in seen:
                return f"{cert.subject.human_friendly} carries extension {oid} twice."
            seen.add(oid)
    return ""


def _qualifiers(anchor: asn1_x509.Certificate) -> TrustQualifiers:
    """What the root certificate itself constrains: its validity, path length and name constraints.

    Its certificate policies are not imposed (the national CA's roots name policies that its
    issuing CAs restate differently)."""
    params = None
    constraints = anchor.name_constraints_value
    if constraints is not None:
        permitted, excluded = constraints["permitted_subtrees"], constraints["excluded_subtrees"]
        params = PKIXValidationParams(
            initial_permitted_subtrees=process_general_subtrees(permitted) if permitted.native else None,
            initial_excluded_subtrees=process_general_subtrees(excluded) if excluded.native else None,
        )
    validity = anchor["tbs_certificate"]["validity"]
    return TrustQualifiers(
        max_path_length=anchor.max_path_length,
        standard_parameters=params,
        valid_from=validity["not_before"].native,
        valid_until=validity["not_after"].native,
    )


def _run(coroutine):
    """Run certvalidator's coroutine; from inside a running event loop (the agent), in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))

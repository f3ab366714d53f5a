"""Certification path validation "as of" a time, with pyhanko-certvalidator.

Revocation is not decided here (``revocation.py`` does it from the CRLs and OCSP responses it is
given, with reasons we can report); this module builds and checks the chain: signatures, validity
periods at the time checked, CA constraints, key usage.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    DisallowedAlgorithmError,
    ExpiredError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    ValidationError,
)

from eds_toolkit.signatures.gost import GostSignatureValidator, UnsupportedGostAlgorithm
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
) -> PathResult:
    """Build and validate a path from ``signer`` to one of ``trust_roots`` as of ``at``.

    A trust root need not be self-signed (the national CA publishes its issuing CA on its own).
    """
    context = ValidationContext(
        trust_roots=[_asn1(root) for root in trust_roots],
        other_certs=[_asn1(cert) for cert in intermediates],
        moment=at,
        allow_fetching=False,
        revocation_mode="soft-fail",  # no revocation data is given here: see revocation.py
        signature_validator=GostSignatureValidator(),  # the national CA's GOST algorithms too
    )
    validator = CertificateValidator(_asn1(signer), validation_context=context)
    try:
        path = _run(validator.async_validate_usage(set(key_usage)))
    except (ExpiredError, NotYetValidError) as error:
        return PathResult((), Reason.CERTIFICATE_EXPIRED, f"{error}.")
    except PathBuildingError:
        return PathResult((), Reason.PATH_INVALID, "The signer certificate does not chain to a trusted root.")
    except (InvalidCertificateError, DisallowedAlgorithmError, PathValidationError, ValidationError) as error:
        return PathResult((), Reason.PATH_INVALID, f"The certification path is not valid: {error}.")
    except UnsupportedGostAlgorithm as error:  # e.g. GOST 34.310-2004 without the gostsum program
        return PathResult((), Reason.PATH_INVALID, f"A certificate on the path cannot be checked: {error}.")
    except UnsupportedAlgorithm as error:
        return PathResult(
            (),
            Reason.PATH_INVALID,
            f"A certificate on the path uses an algorithm this verifier cannot check: {error}.",
        )
    certificates = [
        x509.load_der_x509_certificate(cert.dump()) for cert in path.iter_certs(include_root=True)
    ]
    certificates.reverse()
    return PathResult(tuple(certificates))


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

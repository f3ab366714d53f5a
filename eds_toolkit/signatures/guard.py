"""Every input gets a verdict: what the parsers raise on hostile input becomes a SignatureInputError.

asn1crypto, cryptography and pyhanko-certvalidator parse lazily, so a damaged certificate or CMS
can fail deep inside a check with ValueError, TypeError, KeyError, IndexError, RecursionError (deep
nesting), ``DuplicateExtension`` or NotImplementedError. The public entry points are wrapped here so
that such input is named "malformed" or "unsupported" instead of escaping as a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from eds_toolkit.signatures.errors import MalformedInput, SignatureInputError, UnsupportedInput

MALFORMED = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    RecursionError,
    UnicodeError,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
    x509.InvalidVersion,
)
UNSUPPORTED = (NotImplementedError, UnsupportedAlgorithm)

P = ParamSpec("P")
R = TypeVar("R")


def classify(error: BaseException) -> SignatureInputError | None:
    """The input error ``error`` stands for, or None when it is not one of the parsers' failures."""
    if isinstance(error, SignatureInputError):
        return error
    if isinstance(error, UNSUPPORTED):
        return UnsupportedInput(f"The input uses something this verifier does not support: {_text(error)}")
    if isinstance(error, RecursionError):
        return MalformedInput("The input is malformed: its ASN.1 structure is nested too deeply.")
    if isinstance(error, MALFORMED):
        return MalformedInput(f"The input is malformed: {_text(error)}")
    return None


def verdict_or_input_error(function: Callable[P, R]) -> Callable[P, R]:
    """Let ``function`` return its verdict or raise SignatureInputError, and nothing else of the parsers'."""

    @functools.wraps(function)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except SignatureInputError:
            raise
        except (*MALFORMED, *UNSUPPORTED) as error:
            raise classify(error) from error

    return guarded


def _text(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:300]

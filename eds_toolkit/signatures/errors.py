"""Errors for input the verifier cannot even read (as opposed to a signature that reads but fails)."""

from __future__ import annotations


class SignatureInputError(ValueError):
    """The file is not a CMS signature we can read, or something needed to check it is missing."""

    kind = "unusable"


class MalformedInput(SignatureInputError):
    """The input breaks its own format (bad DER, duplicate extensions, nesting too deep)."""

    kind = "malformed"


class UnsupportedInput(SignatureInputError):
    """The input is well formed but uses something this verifier does not implement."""

    kind = "unsupported"

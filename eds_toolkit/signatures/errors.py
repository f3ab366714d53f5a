"""Errors for input the verifier cannot even read (as opposed to a signature that reads but fails)."""

from __future__ import annotations


class SignatureInputError(ValueError):
    """The file is not a CMS signature we can read, or something needed to check it is missing."""

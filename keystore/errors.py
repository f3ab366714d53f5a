"""Errors of the keystore library: each message tells a citizen what to do next."""

from __future__ import annotations


class KeystoreError(Exception):
    """Base of every keystore error; ``str(error)`` is a message a citizen can act on."""


class WrongPassword(KeystoreError):
    """The password does not open the keystore or key file."""


class CorruptKeystore(KeystoreError):
    """The file is not a readable keystore / key file (truncated, damaged or another format)."""


class WeakPassword(KeystoreError):
    """The password does not meet the password policy."""


class UnsupportedKey(KeystoreError):
    """The key (or the algorithm asked for) is not one the national profile allows."""


class KeyCertificateMismatch(KeystoreError):
    """The certificate or the chain does not belong with the private key."""


class KeystoreExists(KeystoreError):
    """A file of that name already exists; the keystore library never overwrites one."""


class InvalidPersonData(KeystoreError):
    """The IIN or a name given for a certificate request is not valid."""

"""Errors the CA raises: each message tells the operator or citizen what to do next."""

from __future__ import annotations


class CAError(Exception):
    """Base of every CA error; ``str(error)`` is a message an operator can act on."""


class IssuanceRefused(CAError):
    """The CA refused to issue; ``code`` is a stable reason for programs, the message is for people.

    Codes: ``malformed_csr``, ``bad_signature``, ``weak_signature``, ``weak_key``, ``unsupported_key``,
    ``invalid_iin``, ``iin_mismatch``, ``invalid_name``, ``unknown_profile``, ``already_issued``,
    ``key_reused``, ``ca_expiring``; and the identity proofs' codes (``ca.proofs.IdentityNotProven``).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self):  # picklable, so a refusal crosses process boundaries (multiprocessing pools)
        return type(self), (self.code, str(self))


class CAAlreadyExists(CAError):
    """``initialise`` found a CA in the directory and will not overwrite it."""


class CANotInitialised(CAError):
    """No CA in the directory: run ``eds ca init`` first."""


class WrongCAPassphrase(CAError):
    """The passphrase does not decrypt the CA private keys."""


class PassphraseMissing(CAError):
    """Neither ``EDS_CA_PASSPHRASE`` nor a passphrase file was given, or the passphrase is unusable."""


class CertificateNotFound(CAError):
    """No certificate with that serial number in the store."""

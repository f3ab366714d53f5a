"""Identity proofs: each module proves who a person is in its own way and yields a ``VerifiedPerson``.

One shape (``IdentityProof.verified_person()``), one file per way of proving, like step-ca's
provisioners. Issuance never imports these: adding a proof never touches ``ca.authority``.
"""

from __future__ import annotations

from typing import Protocol

from ca.errors import CAError
from ca.person import VerifiedPerson
from national_profile.iin import InvalidIIN, parse_iin


class IdentityNotProven(CAError):
    """The evidence does not prove the person's identity; ``code`` says which check failed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class IdentityProof(Protocol):
    """Evidence of who a person is; ``verified_person`` checks it or raises ``IdentityNotProven``."""

    def verified_person(self) -> VerifiedPerson: ...


def require_valid_iin(iin: str) -> str:
    try:
        return parse_iin(iin).value
    except InvalidIIN as exc:
        raise IdentityNotProven("invalid_iin", f"IIN {iin!r} is not valid: {exc}") from None

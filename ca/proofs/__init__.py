"""Identity proofs: each module proves who a person is in its own way and yields a ``VerifiedPerson``.

One shape (``IdentityProof.verified_person()``), one file per way of proving, like step-ca's
provisioners. ``CertificateAuthority.issue`` takes a proof and asks it for the person itself; it imports
only this shape, never a proof: adding a proof never touches ``ca.authority``.
"""

from __future__ import annotations

from typing import Protocol

from ca.errors import IssuanceRefused
from ca.person import VerifiedPerson
from national_profile.iin import InvalidIIN, parse_iin


class IdentityNotProven(IssuanceRefused):
    """The evidence does not prove the person's identity; ``code`` says which check failed.

    An issuance refusal like any other: the CA refuses with it when the proof it was given fails.
    """


class IdentityProof(Protocol):
    """Evidence of who a person is; ``verified_person`` checks it or raises ``IdentityNotProven``."""

    def verified_person(self) -> VerifiedPerson: ...


def require_valid_iin(iin: str) -> str:
    try:
        return parse_iin(iin).value
    except InvalidIIN as exc:
        raise IdentityNotProven("invalid_iin", f"IIN {iin!r} is not valid: {exc}") from None

"""An operator at a service centre saw the identity document and vouches for the person."""

from __future__ import annotations

from dataclasses import dataclass

from ca.person import Identification, VerifiedPerson
from ca.proofs import IdentityNotProven, require_valid_iin


@dataclass(frozen=True)
class ServiceCentreProof:
    """The operator's record of an in-person check: who checked, which document, whom."""

    operator_id: str
    document_number: str
    iin: str
    surname: str
    given_name: str
    patronymic: str | None = None

    def verified_person(self) -> VerifiedPerson:
        if not self.operator_id.strip():
            raise IdentityNotProven(
                "operator_missing", "An in-person identification names the operator who did it."
            )
        if not self.document_number.strip():
            raise IdentityNotProven(
                "document_missing", "An in-person identification records the identity document's number."
            )
        return VerifiedPerson(
            iin=require_valid_iin(self.iin),
            surname=self.surname,
            given_name=self.given_name,
            patronymic=self.patronymic,
            identification=Identification.SERVICE_CENTRE,
        )

"""Remote enrolment ("Digital ID"): SMS code to the registered phone, liveness, and a face match."""

from __future__ import annotations

from dataclasses import dataclass

from ca.person import Identification, VerifiedPerson
from ca.proofs import IdentityNotProven, require_valid_iin


@dataclass(frozen=True)
class RemoteEnrolmentProof:
    """What the citizen flow established; names come from the citizens base, never from the citizen.

    The booleans are only as true as whoever sets them: in the service, the one maker is
    ``eds_toolkit.flow.issuance.remote_enrolment_proof``, which reads them from the enrolment's audit
    trail (a test checks there is no other).
    """

    iin: str
    surname: str
    given_name: str
    patronymic: str | None
    phone_confirmed: bool
    liveness_passed: bool
    face_matched: bool

    def verified_person(self) -> VerifiedPerson:
        missing = [
            step
            for step, done in (
                ("the SMS code to the registered phone", self.phone_confirmed),
                ("the liveness check", self.liveness_passed),
                ("the face match with the identity document", self.face_matched),
            )
            if done is not True
        ]
        if missing:
            raise IdentityNotProven(
                "remote_identification_incomplete",
                f"Remote identification is not complete: {', '.join(missing)} has not been passed.",
            )
        return VerifiedPerson(
            iin=require_valid_iin(self.iin),
            surname=self.surname,
            given_name=self.given_name,
            patronymic=self.patronymic,
            identification=Identification.REMOTE_DIGITAL_ID,
        )

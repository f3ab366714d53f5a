"""Evidence-free shortcuts for tests and benchmarks: put an enrolment through identification without
any picture, or hand the CA a person with no proof at all. They live here, never in the service's
packages, so no code path of the service can mark a person identified without the webcam steps'
evidence, nor issue to a person nobody proved."""

from __future__ import annotations

from dataclasses import dataclass

from ca.person import Identification, VerifiedPerson
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.machine import State, load_for_step, transition
from eds_toolkit.flow.models import Enrolment

IDENTIFICATION_ORDER = (State.PHONE_CONFIRMED, State.SELFIE_OK, State.LIVENESS_OK, State.FACE_MATCHED)


def advance_identification(ctx: ServiceContext, enrolment_id: str, to_state: State) -> Enrolment:
    """Move one identification state forward (selfie_ok, liveness_ok, face_matched), in order."""
    if to_state not in IDENTIFICATION_ORDER[1:]:
        raise ValueError(f"{to_state} is not an identification state")
    previous = IDENTIFICATION_ORDER[IDENTIFICATION_ORDER.index(to_state) - 1]
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {previous})
        transition(
            ctx, session, enrolment, to_state, action=f"identification_{to_state}", reason="marked_by_library"
        )
        session.commit()
        return enrolment


def mark_identified(ctx: ServiceContext, enrolment_id: str) -> Enrolment:
    """Put an enrolment whose phone is confirmed through every identification state."""
    enrolment = None
    for state in IDENTIFICATION_ORDER[1:]:
        enrolment = advance_identification(ctx, enrolment_id, state)
    assert enrolment is not None
    return enrolment


@dataclass(frozen=True)
class StatedPerson:
    """An identity proof that checks nothing: the person as the test states them, identified as
    ``identification`` says. For tests of what the CA does with a person, not of how one is proven."""

    iin: str
    surname: str
    given_name: str
    patronymic: str | None = None
    identification: Identification = Identification.REMOTE_DIGITAL_ID

    def verified_person(self) -> VerifiedPerson:
        return VerifiedPerson(self.iin, self.surname, self.given_name, self.patronymic, self.identification)

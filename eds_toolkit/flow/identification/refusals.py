"""How the identification steps refuse: an unusable upload (400, costs nothing), a negative decision
(422, costs an attempt) and the last attempt used up (422, the enrolment failed)."""

from __future__ import annotations

from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow.machine import State
from webcam_flow.verdict import Verdict

SERVICE_CENTRE = (
    "Remote identification did not succeed and this enrolment is stopped. Please visit a service "
    "centre with your identity card to be identified in person."
)


class BadUpload(Refusal):
    """The upload is not something a decision can be made on (not a picture, too big, too many frames)."""

    status = 400
    code = "bad_upload"
    title = "Upload refused"


class IdentificationRefused(Refusal):
    """A check decided negatively; the citizen may try again (``attempts_left`` in the extras)."""

    status = 422
    code = "identification_refused"
    title = "Check not passed"


class IdentificationFailed(Refusal):
    """The last attempt of a check was negative: the enrolment is now failed."""

    status = 422
    code = "identification_failed"
    title = "Identification failed"


def refusal(verdict: Verdict, attempts_left: int, state: str) -> Refusal:
    """The refusal of a negative ``verdict`` that left the enrolment at ``state`` (failed: the citizen is
    sent to a service centre; else told how many tries are left)."""
    if state == str(State.FAILED):
        return IdentificationFailed(
            f"{verdict.message()} {SERVICE_CENTRE}",
            reasons=list(verdict.reasons),
            attempts_left=0,
            state=str(State.FAILED),
        )
    tries = "try" if attempts_left == 1 else "tries"
    return IdentificationRefused(
        f"{verdict.message()} ({attempts_left} {tries} left.)",
        reasons=list(verdict.reasons),
        attempts_left=attempts_left,
        state=state,
    )

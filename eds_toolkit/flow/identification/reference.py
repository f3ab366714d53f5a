"""The state's photo of the IIN's owner: remote identification is possible only against it.

Checked right after the SMS step (before any camera step, and never before: nothing about the IIN
is told to someone who has not received a code) and again at the face match, where the live face
(selfie and video) must match it. No record, no photo, or a photo without exactly one face: the
enrolment is stopped and the citizen is sent to a service centre, with the same answer in each case.
"""

from __future__ import annotations

import logging

import numpy as np

from eds_toolkit.citizens import CitizensRegistryError
from eds_toolkit.citizens.photo import UnusablePhoto, reference_encoding
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import ServiceCentreRequired, ServiceUnavailable
from eds_toolkit.flow.identification.failure import mark_failed
from eds_toolkit.flow.machine import FINAL_STATES, State
from eds_toolkit.flow.models import Enrolment

log = logging.getLogger("eds_toolkit.identify")

NO_REFERENCE = "no_reference_photo"  # the audit reason (also when the IIN is not in the register)
SERVICE_CENTRE_MESSAGE = (
    "Remote issuance needs the photo the state holds for your IIN, and it cannot be used for you. "
    "Please visit a public service centre with your identity card to get an EDS."
)


def state_photo_encoding(ctx: ServiceContext, iin: str, engine=None) -> np.ndarray:
    """The face on the photo the register holds for ``iin``; ServiceCentreRequired when there is none
    usable, ServiceUnavailable when the register does not answer."""
    try:
        citizen = ctx.citizens.lookup(iin)
    except (CitizensRegistryError, OSError) as error:
        raise ServiceUnavailable(
            "The citizens register is not answering right now. Nothing was changed: please try again "
            "in a few minutes.",
            code="registry_unavailable",
        ) from error
    if citizen is None or not citizen.photo:
        raise ServiceCentreRequired(SERVICE_CENTRE_MESSAGE)
    try:
        return reference_encoding(citizen.photo, engine)
    except UnusablePhoto as error:
        log.warning("The photo on record for an enrolment cannot serve as a reference: %s", error)
        raise ServiceCentreRequired(SERVICE_CENTRE_MESSAGE) from None


def stop_for_service_centre(ctx: ServiceContext, enrolment_id: str, client_address: str | None) -> None:
    """Fail the enrolment (reason ``no_reference_photo``) unless it has already ended."""
    with ctx.session() as session:
        enrolment = session.get(Enrolment, enrolment_id)
        if enrolment is None or State(enrolment.state) in FINAL_STATES:
            return
        mark_failed(ctx, session, enrolment, NO_REFERENCE, client_address)
        session.commit()


def require_state_photo(
    ctx: ServiceContext, enrolment_id: str, iin: str, client_address: str | None, engine=None
):
    """The state photo's encoding (with ``engine``: its Template); without one the enrolment is stopped and
    ServiceCentreRequired raised."""
    try:
        return state_photo_encoding(ctx, iin, engine)
    except ServiceCentreRequired:
        stop_for_service_centre(ctx, enrolment_id, client_address)
        raise

"""The ID-photo step, where the face match is decided: the library matches the live face (the selfie and
the video's template) against the state's photo of the IIN, and the identity-card photo against the live
face. Positive -> ``face_matched`` and the kept encodings are deleted (also when the attempts run out).
Without a usable state photo the enrolment stops (ServiceCentreRequired, ``reference.py``)."""

from __future__ import annotations

from typing import Any

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.blocking import begin_step
from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.decision import Decision, StepOutcome, apply_decision, audited_step
from eds_toolkit.flow.identification.encodings import unpack_encodings
from eds_toolkit.flow.identification.pictures import decode_picture
from eds_toolkit.flow.identification.reference import require_state_photo
from eds_toolkit.flow.machine import State
from eds_toolkit.flow.models import Enrolment
from webcam_flow.match import match_identity


@audited_step("identify_face_match")
def submit_id_photo(
    ctx: ServiceContext,
    enrolment_id: str,
    image_bytes: bytes,
    *,
    config: IdentifyConfig = IdentifyConfig(),
    client_address: str | None = None,
) -> StepOutcome:
    """Match the live face (selfie and video) against the state's photo of the IIN's owner, and the
    identity-card photo against the live face; positive -> ``face_matched``, and the kept encodings
    are deleted. Without a usable state photo the enrolment stops (ServiceCentreRequired)."""
    record = begin_step(ctx, enrolment_id, State.LIVENESS_OK, config, client_address)
    image = decode_picture(image_bytes, config, "identity-card photo")
    with ctx.session() as session:
        iin = session.get(Enrolment, enrolment_id).iin
    state_photo = require_state_photo(ctx, enrolment_id, iin, client_address)
    verdict = match_identity(
        state_photo,
        image,
        selfie=unpack_encodings(record.selfie_encoding),
        video=unpack_encodings(record.video_encodings),
        threshold=config.match_threshold,
    )
    store: dict[str, Any] = {"selfie_encoding": None, "video_encodings": None}
    kept = {"image": ("id-photo", image_bytes), "context": {"threshold": config.match_threshold}}
    return apply_decision(
        ctx,
        enrolment_id,
        Decision(verdict, store, kept=kept),
        from_state=State.LIVENESS_OK,
        to_state=State.FACE_MATCHED,
        config=config,
        client_address=client_address,
    )

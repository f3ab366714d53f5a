"""The selfie step: the library's quality check and the selfie's face encoding; a good selfie moves the
enrolment to ``selfie_ok`` and its encoding is kept for the video and the face match. The live hints
under the camera run the same quality check without deciding anything."""

from __future__ import annotations

from typing import Any

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.blocking import begin_step
from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.decision import Decision, StepOutcome, apply_decision, audited_step
from eds_toolkit.flow.identification.encodings import forget_stale_encodings, pack_templates
from eds_toolkit.flow.identification.pictures import decode_picture
from eds_toolkit.flow.identification.replay import first_answer
from eds_toolkit.flow.machine import State, load_for_step
from webcam_flow.engines import DLIB, Template, engine_id
from webcam_flow.match import face_template
from webcam_flow.selfie import check_selfie, selfie_and_encoding
from webcam_flow.verdict import Verdict


def selfie_hint(
    ctx: ServiceContext, enrolment_id: str, image_bytes: bytes, *, config: IdentifyConfig = IdentifyConfig()
) -> Verdict:
    """The selfie quality check alone, for the live hints under the camera: no attempt, no state change."""
    with ctx.session() as session:
        load_for_step(ctx, session, enrolment_id, {State.PHONE_CONFIRMED})
    return check_selfie(decode_picture(image_bytes, config, "picture", max_pixels=config.max_frame_pixels))


@audited_step("identify_selfie")
def submit_selfie(
    ctx: ServiceContext,
    enrolment_id: str,
    image_bytes: bytes,
    *,
    config: IdentifyConfig = IdentifyConfig(),
    client_address: str | None = None,
    submission: str | None = None,
) -> StepOutcome:
    """Check the selfie's quality; a good one moves the enrolment to ``selfie_ok`` and its face encoding
    is kept for the later checks.
    ``submission``: the job's id when the check runs on the job queue, kept with the decision (a run of
    the job after a killed one answers it again)."""
    if submission is not None and (answered := first_answer(ctx, enrolment_id, submission, config, "selfie")):
        return answered  # a job run again after its worker was killed: the decision it already made
    begin_step(ctx, enrolment_id, State.PHONE_CONFIRMED, config, client_address)
    forget_stale_encodings(ctx)
    image = decode_picture(image_bytes, config, "selfie")
    verdict, encoding = selfie_and_encoding(image)
    store: dict[str, Any] = {}
    if encoding is not None:
        # dlib's encoding for the liveness check; the face-match engine's template when it is another;
        # the picture itself until the face match is decided (an officer compares it when referred)
        templates = [Template(engine_id(DLIB), encoding)]
        if config.engine is not DLIB:
            templates.append(face_template(image, engine=config.engine))
        store = {"selfie_encoding": pack_templates(templates)}
        if config.archive is None:  # with the archive on, the review refers to the archive's copy
            store["selfie_image"] = image_bytes
    return apply_decision(
        ctx,
        enrolment_id,
        Decision(verdict, store, submission, kept={"image": ("selfie", image_bytes)}),
        from_state=State.PHONE_CONFIRMED,
        to_state=State.SELFIE_OK,
        config=config,
        client_address=client_address,
    )

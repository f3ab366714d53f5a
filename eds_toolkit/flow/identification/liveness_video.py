"""The liveness video step: the task's frames go to the library (nonce, challenges in their time slots,
one live face, the selfie's face, a frontal face for the match); a passed video moves the enrolment to
``liveness_ok`` and the video's template is kept for the face match. A resend gets its first verdict."""

from __future__ import annotations

from collections.abc import Sequence

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import StepOutOfOrder
from eds_toolkit.flow.identification.archiving import kept_frames
from eds_toolkit.flow.identification.blocking import begin_step
from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.decision import Decision, StepOutcome, apply_decision, audited_step
from eds_toolkit.flow.identification.encodings import pack_templates, unpack_encodings
from eds_toolkit.flow.identification.nonces import DatabaseNonces, find_task, spent_at, task_seconds
from eds_toolkit.flow.identification.pictures import decode_frames
from eds_toolkit.flow.identification.refusals import BadUpload
from eds_toolkit.flow.identification.replay import await_first_answer, first_answer, submission_digest
from eds_toolkit.flow.machine import State
from webcam_flow.engines import DLIB, Template, engine_id
from webcam_flow.errors import BadInput
from webcam_flow.liveness import check_task_and_template
from webcam_flow.match import sampled_template
from webcam_flow.video import Frame


@audited_step("identify_liveness")
def submit_liveness(
    ctx: ServiceContext,
    enrolment_id: str,
    nonce: str,
    frames: Sequence[Frame | tuple[float, bytes]],
    *,
    config: IdentifyConfig = IdentifyConfig(),
    client_address: str | None = None,
    camera: str | None = None,
    resumed: bool = False,
) -> StepOutcome:
    """Check the task's frames: the nonce (this enrolment's newest task, unused, in time), each challenge
    in its time slot (``seconds_per_challenge`` each, as the page showed them), one live face, the
    selfie's face. Positive -> ``liveness_ok`` with the video's template kept.

    The same nonce and frames sent again (the page resends once when the connection dropped) get the
    first request's verdict again: the resend costs no attempt and is not refused as a reused nonce.
    ``camera``: the camera's name as the page read it (a virtual camera is refused, ``virtual_camera``).
    ``resumed``: the job queue runs the check again after its worker was killed mid-check; the nonce that
    run consumed is used again when nothing was decided since (``DatabaseNonces.reclaim``)."""
    submission = submission_digest(nonce, frames)
    answered = first_answer(ctx, enrolment_id, submission, config)
    if answered is not None:
        return answered
    try:
        record = begin_step(ctx, enrolment_id, State.SELFIE_OK, config, client_address)
    except StepOutOfOrder:
        # The same frames' first request may have moved the enrolment on since we looked: its verdict
        answered = first_answer(ctx, enrolment_id, submission, config)
        if answered is not None:
            return answered
        raise
    decoded = decode_frames(frames, config)
    selfie = unpack_encodings(record.selfie_encoding)
    task, newest = find_task(ctx, enrolment_id, nonce)
    seconds = task_seconds(ctx, enrolment_id, nonce) or config.seconds_per_challenge
    try:
        verdict, template = check_task_and_template(
            task,
            nonce,
            decoded,
            now=ctx.now().timestamp(),
            registry=DatabaseNonces(ctx, enrolment_id, reclaim=resumed),
            reference_encoding=selfie[0] if selfie else None,
            seconds_per_challenge=seconds,
            newest=newest,
            camera=camera,
        )
    except BadInput as error:
        raise BadUpload(f"The video frames could not be used: {error}.", code="bad_frame") from None
    if "nonce_reused" in verdict.reasons:  # maybe a resend racing its first request: wait for that
        spent = spent_at(ctx, enrolment_id, nonce)
        answered = await_first_answer(ctx, enrolment_id, submission, spent or ctx.now(), config)
        if answered is not None:
            return answered
    store: dict = {}
    if template is not None:
        templates = [Template(engine_id(DLIB), template)]
        if config.engine is not DLIB:  # the face-match engine's template of the same frames
            engine_template = sampled_template(decoded, engine=config.engine)
            templates += [engine_template] if engine_template is not None else []
        store = {"video_encodings": pack_templates(templates)}
    return apply_decision(
        ctx,
        enrolment_id,
        Decision(verdict, store, submission, kept=kept_frames(frames, task, config, seconds)),
        from_state=State.SELFIE_OK,
        to_state=State.LIVENESS_OK,
        config=config,
        client_address=client_address,
    )

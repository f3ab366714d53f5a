"""The ID-photo step, where the face match is decided: the library matches the live face (the selfie and
the video's template) against the state's photo of the IIN, and the identity-card photo against the live
face. Three outcomes (IdentifyConfig.bands, per engine): accept -> ``face_matched`` and the kept encodings are
deleted (also when the attempts run out); refer -> ``face_review``, an officer decides (``review.py``);
refuse -> an attempt used.
Without a usable state photo the enrolment stops (ServiceCentreRequired, ``reference.py``)."""

from __future__ import annotations

from typing import Any

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.blocking import begin_step
from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.decision import Decision, StepOutcome, apply_decision, audited_step
from eds_toolkit.flow.identification.encodings import unpack_templates
from eds_toolkit.flow.identification.pictures import decode_picture
from eds_toolkit.flow.identification.reference import require_state_photo
from eds_toolkit.flow.identification.replay import first_answer
from eds_toolkit.flow.identification.review import has_pending_review, refer
from eds_toolkit.flow.machine import State
from eds_toolkit.flow.models import Enrolment
from webcam_flow.engines import engine_id
from webcam_flow.match import match_identity
from webcam_flow.verdict import NEEDS_REVIEW, Verdict


@audited_step("identify_face_match")
def submit_id_photo(
    ctx: ServiceContext,
    enrolment_id: str,
    image_bytes: bytes,
    *,
    config: IdentifyConfig = IdentifyConfig(),
    client_address: str | None = None,
    submission: str | None = None,
) -> StepOutcome:
    """Match the live face (selfie and video) against the state's photo of the IIN's owner, and the
    identity-card photo against the live face; positive -> ``face_matched``, and the kept encodings
    are deleted. Without a usable state photo the enrolment stops (ServiceCentreRequired).
    ``submission``: the job's id when the check runs on the job queue, kept with the decision (a run of
    the job after a killed one answers it again)."""
    if submission is not None and (
        answered := first_answer(ctx, enrolment_id, submission, config, "face_match")
    ):
        return answered  # a job run again after its worker was killed: the decision it already made
    record = begin_step(ctx, enrolment_id, State.LIVENESS_OK, config, client_address)
    image = decode_picture(image_bytes, config, "identity-card photo")
    with ctx.session() as session:
        iin = session.get(Enrolment, enrolment_id).iin
    engine = config.engine
    tag = engine_id(engine)
    state_photo = require_state_photo(ctx, enrolment_id, iin, client_address, engine)
    # only this engine's templates: a template of another engine (the setting changed during the
    # enrolment) is never compared, and without the engine's own the match has no probes (refused)
    verdict = match_identity(
        state_photo,
        image,
        selfie=[t for t in unpack_templates(record.selfie_encoding) if t.engine == tag],
        video=[t for t in unpack_templates(record.video_encodings) if t.engine == tag],
        engine=engine,
        bands=config.bands,
    )
    if verdict.ok and has_pending_review(ctx, iin):
        # another enrolment of this IIN waits for an officer: no automatic accept meanwhile (no fishing)
        verdict = Verdict.decide("face_match", [NEEDS_REVIEW], {**verdict.scores, "pending_review": 1})
    if verdict.outcome == "refer":
        return refer(
            ctx,
            enrolment_id,
            verdict,
            engine=tag,
            id_photo=image_bytes,
            config=config,
            client_address=client_address,
        )
    store: dict[str, Any] = {"selfie_encoding": None, "video_encodings": None, "selfie_image": None}
    bands = config.bands
    context = {"engine": tag, "accept_at_most": bands.accept_at_most, "refuse_above": bands.refuse_above}
    kept = {"image": ("id-photo", image_bytes), "context": context}
    return apply_decision(
        ctx,
        enrolment_id,
        Decision(verdict, store, submission, kept=kept),
        from_state=State.LIVENESS_OK,
        to_state=State.FACE_MATCHED,
        config=config,
        client_address=client_address,
    )

"""Helpers for the identification tests: an enrolment at phone_confirmed, uploads through the API."""

from __future__ import annotations

import io
import json

from flow_helpers import KNOWN_IIN, KNOWN_PHONE, ApiEnrolment, api_start, code_for
from sqlalchemy import select
from sqlalchemy.orm import undefer

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow.identification.models import IdentificationRecord
from tests.reflection import reflect_jpegs
from webcam_flow.colour import ColourSequence

# The colour sequence of each task handed out through new_task(), by nonce: send_frames() lights the
# frames with it, as a camera facing the page's screen would see them (tests/reflection.py).
_TASK_COLOURS: dict[str, ColourSequence] = {}


def phone_confirmed(client, outbox, iin: str = KNOWN_IIN) -> ApiEnrolment:
    enrolment = api_start(client, iin)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    return enrolment


def send_image(
    enrolment: ApiEnrolment, step: str, data: bytes, name: str = "photo.jpg", headers: dict | None = None
):
    return enrolment.client.post(
        f"/api/v1/enrolments/{enrolment.id}/{step}",
        data={"image": (io.BytesIO(data), name)},
        headers={**enrolment.auth, **(headers or {})},
        content_type="multipart/form-data",
    )


def new_task(enrolment: ApiEnrolment, **form) -> dict:
    """A liveness task; ``form``: e.g. ``seconds_per_challenge`` ("I need more time")."""
    response = enrolment.client.post(
        f"/api/v1/enrolments/{enrolment.id}/liveness", headers=enrolment.auth, data=form or None
    )
    assert response.status_code == 201, response.get_json()
    task = response.get_json()
    remember_colours(task)
    return task


def remember_colours(task: dict) -> None:
    """Keep a task's colour sequence (when it has one) for :func:`lit`."""
    if task.get("colours"):
        _TASK_COLOURS[task["nonce"]] = ColourSequence.from_json(task["colours"])


def lit(nonce: str, frames: list[tuple[float, bytes]]) -> list[tuple[float, bytes]]:
    """``frames`` with the reflection of the colours of the task handed out with ``nonce`` (unchanged when
    that task had none, or was not handed out through :func:`new_task`)."""
    colours = _TASK_COLOURS.get(nonce)
    return reflect_jpegs(frames, colours) if colours is not None and frames else list(frames)


def send_frames(
    enrolment: ApiEnrolment,
    nonce: str,
    frames: list[tuple[float, bytes]],
    *,
    reflect: bool = True,
    headers: dict | None = None,
    **extra,
):
    """POST the frames; ``reflect``: lit by the task's colours first (:func:`lit`), as a citizen's camera
    would see them (False: exactly as given, a replay)."""
    frames = lit(nonce, frames) if reflect else frames
    data = {
        "nonce": nonce,
        "timestamps": ",".join(str(round(t * 1000)) for t, _ in frames),
        "frames": [(io.BytesIO(jpeg), f"frame-{i}.jpg") for i, (_, jpeg) in enumerate(frames)],
        **extra,
    }
    return enrolment.client.post(
        f"/api/v1/enrolments/{enrolment.id}/liveness/frames",
        data=data,
        headers={**enrolment.auth, **(headers or {})},
        content_type="multipart/form-data",
    )


def problem(response) -> dict:
    assert response.mimetype == "application/problem+json", response.data[:300]
    body = response.get_json()
    assert body["status"] == response.status_code
    return body


def decisions(ctx, enrolment_id: str) -> list[dict]:
    """The identification decisions in the audit log: action, outcome and the verdict stored with it."""
    with ctx.sessions() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.enrolment_id == enrolment_id, AuditEvent.action.like("identify_%"))
            .order_by(AuditEvent.id)
        )
        return [
            {"action": e.action, "outcome": e.outcome, "reason": e.reason, **json.loads(e.detail or "{}")}
            for e in events
        ]


def record(ctx, enrolment_id: str) -> IdentificationRecord | None:
    with ctx.sessions() as session:
        return session.get(
            IdentificationRecord,
            enrolment_id,
            options=[
                undefer(IdentificationRecord.selfie_image),
                undefer(IdentificationRecord.id_photo_image),
            ],
        )

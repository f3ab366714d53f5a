"""Helpers for the identification tests: an enrolment at phone_confirmed, uploads through the API, and
instances whose enrolments went through the real checks once, for tests to start from a copy."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from flow_helpers import KNOWN_IIN, KNOWN_PHONE, ApiEnrolment, api_start, code_for, wait_for_sms
from sqlalchemy import select
from sqlalchemy.orm import undefer

from eds_toolkit.clock import FrozenClock
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.flow.identification.models import IdentificationRecord
from eds_toolkit.settings import Settings
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
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


def past_the_selfie(client, outbox: Path, selfie_jpeg: bytes) -> ApiEnrolment:
    """KNOWN_IIN's enrolment through the SMS code and the selfie check: at selfie_ok."""
    enrolment = phone_confirmed(client, outbox)
    response = send_image(enrolment, "selfie", selfie_jpeg)
    assert response.status_code == 200, response.get_json()
    return enrolment


def past_the_video(
    client, outbox: Path, selfie_jpeg: bytes, frames: list[tuple[float, bytes]]
) -> ApiEnrolment:
    """KNOWN_IIN's enrolment through the SMS code, the selfie and the video check (``frames``, lit by
    the task's colours): at liveness_ok."""
    enrolment = past_the_selfie(client, outbox, selfie_jpeg)
    assert send_frames(enrolment, new_task(enrolment)["nonce"], frames).status_code == 200
    return enrolment


def refer_through_the_service(
    client, outbox: Path, selfie_jpeg: bytes, frames: list[tuple[float, bytes]], id_photo_jpeg: bytes
) -> ApiEnrolment:
    """KNOWN_IIN's enrolment past the video, then the ID photo: at face_review (on an app whose accept
    band is empty, so that every match is referred)."""
    enrolment = past_the_video(client, outbox, selfie_jpeg, frames)
    assert send_image(enrolment, "id-photo", id_photo_jpeg).get_json()["state"] == "face_review"
    return enrolment


def copy_instance(source: Path, target: Path) -> Path:
    """A copy of the instance directory ``source`` at ``target``; its SQLite database copied through
    SQLite's backup, whole even when pages are still in the write-ahead log."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("eds.sqlite3*"))
    with (
        closing(sqlite3.connect(source / "eds.sqlite3")) as original,
        closing(sqlite3.connect(target / "eds.sqlite3")) as copy,
    ):
        original.backup(copy)
    return target


@dataclass(frozen=True)
class Walked:
    """An instance directory whose enrolments were walked through the service."""

    home: Path
    enrolments: tuple[tuple[str, str], ...]  # (id, token), oldest first
    now: dt.datetime  # its clock after the last

    def start(self, home: Path, clock: FrozenClock) -> Path:
        """Copy the instance to ``home`` for a test, its ``clock`` brought to the instance's if behind."""
        copy_instance(self.home, home)
        clock.advance(max(0.0, (self.now - clock.now()).total_seconds()))
        return home

    def enrolments_for(self, client) -> list[ApiEnrolment]:
        return [ApiEnrolment(client, id, token) for id, token in self.enrolments]


class WalkedInstances:
    """Instances with 1, 2, ... enrolments walked through the real service by ``walk`` to ``stage`` (one
    SMS code a minute to a number: ``gap_s`` apart), each made once, on a copy of the one with one fewer:
    a test marked ``walked(n, stage)`` starts from a copy (:func:`instance_for`) instead of walking the
    real checks again."""

    def __init__(
        self,
        directory: Path,
        ca_template: Path,
        clock: FrozenClock,
        settings: Callable[[Path, FrozenClock], Settings],
        walk: Callable[[object, Path], ApiEnrolment],
        stage: str,
        gap_s: float = 61.0,
    ) -> None:
        self.directory, self.ca_template, self.clock = directory, ca_template, clock
        self.settings, self.walk, self.stage, self.gap_s = settings, walk, stage, gap_s
        self.made: dict[int, Walked] = {}

    def __call__(self, count: int) -> Walked:
        if count not in self.made:
            home = self.directory / f"{self.stage}-{count}"
            if count == 1:
                home.mkdir()
                shutil.copytree(self.ca_template, home / "ca")
                earlier: tuple[tuple[str, str], ...] = ()
            else:
                earlier = self(count - 1).enrolments
                copy_instance(self(count - 1).home, home)
                self.clock.advance(self.gap_s)
            app = create_app(self.settings(home, self.clock))
            enrolment = self.walk(app.test_client(), home / "outbox.jsonl")
            wait_for_sms()
            service(app).engine.dispose()
            self.made[count] = Walked(home, (*earlier, (enrolment.id, enrolment.token)), self.clock.now())
        return self.made[count]

    def for_test(self, request) -> Walked | None:
        """The instance the test's ``walked(n, stage)`` marker asks for (None: unmarked, another stage)."""
        marker = request.node.get_closest_marker("walked")
        if marker is None or marker.args[1] != self.stage:
            return None
        return self(marker.args[0])


def instance_for(
    request, tmp_path: Path, clock: FrozenClock, ca_template: Path, *walked: WalkedInstances
) -> Path:
    """The test's instance directory: a copy of the one its ``walked(n, stage)`` marker asks for (its
    ``clock`` brought to that instance's), else a new one with the CA."""
    for instances in walked:
        if chosen := instances.for_test(request):
            return chosen.start(tmp_path / "home", clock)
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    return home

"""An identification check as a job: what the step needs (the enrolment, the uploaded bytes, the nonce,
the camera, the client's address, the identification settings), and what it decided, both plain data
that a queue can carry between processes. The job runs the SAME step function as the request did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow import identification as steps

CHECKS = ("selfie", "liveness", "face_match")


@dataclass(frozen=True)
class CheckJob:
    """One check to decide. ``image`` for the selfie and the ID photo; ``nonce``, ``frames`` (seconds,
    JPEG bytes) and ``camera`` for the video."""

    check: str
    enrolment_id: str
    config: steps.IdentifyConfig
    client_address: str | None = None
    image: bytes = field(default=b"", repr=False)  # never a picture or a nonce in a log line
    nonce: str = field(default="", repr=False)
    frames: tuple[tuple[float, bytes], ...] = field(default=(), repr=False)
    camera: str | None = None

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise ValueError(f"unknown check {self.check!r}; one of {', '.join(CHECKS)}")


@dataclass(frozen=True)
class CheckResult:
    """What a check decided: its outcome, or its refusal as data (type, message, code, extras)."""

    outcome: steps.StepOutcome | None = None
    refusal_type: type[Refusal] | None = None
    message: str = ""
    code: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def refused(cls, error: Refusal) -> CheckResult:
        return cls(refusal_type=type(error), message=error.message, code=error.code, extra=dict(error.extra))

    def unwrap(self) -> steps.StepOutcome:
        """The outcome; a refusal is raised again as the step raised it."""
        if self.outcome is not None:
            return self.outcome
        assert self.refusal_type is not None
        error = self.refusal_type.__new__(self.refusal_type)
        Exception.__init__(error, self.message)
        error.code, error.extra = self.code, dict(self.extra)
        raise error


def run_check(
    ctx: ServiceContext, job: CheckJob, *, job_id: str | None = None, resumed: bool = False
) -> CheckResult:
    """Decide ``job`` with the step function. ``job_id`` (on a queue) is kept with the decision, so that
    a run after a killed one (``resumed``) answers the decision already made, with no second decision and
    no attempt counted; a video is found by its nonce and frames, and the nonce its killed run spent is
    used again when nothing was decided."""
    common = {"config": job.config, "client_address": job.client_address}
    try:
        if job.check == "liveness":
            outcome = steps.submit_liveness(
                ctx,
                job.enrolment_id,
                job.nonce,
                list(job.frames),
                camera=job.camera,
                resumed=resumed,
                **common,
            )
        elif job.check == "selfie":
            outcome = steps.submit_selfie(ctx, job.enrolment_id, job.image, submission=job_id, **common)
        else:
            outcome = steps.submit_id_photo(ctx, job.enrolment_id, job.image, submission=job_id, **common)
    except Refusal as error:
        return CheckResult.refused(error)
    return CheckResult(outcome=outcome)

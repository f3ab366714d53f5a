"""With ``keep_images``: every decision's input (selfie, video frames, ID photo) and verdict go to the
operators' archive (``eds_toolkit.identify_archive``), after the decision is committed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.config import IdentifyConfig
from webcam_flow.liveness import LivenessTask
from webcam_flow.verdict import Verdict
from webcam_flow.video import Frame

log = logging.getLogger("eds_toolkit.identify")


def keep(
    ctx: ServiceContext,
    enrolment_id: str,
    verdict: Verdict,
    kept: dict[str, Any],
    attempt: int,
    config: IdentifyConfig,
) -> None:
    """Archive one decision (``kept``: IdentifyArchive.keep's image / frames / context). The decision is
    already committed: a failure to keep is logged (without the pictures) and does not undo it."""
    archive = config.archive
    if archive is None:
        return
    try:
        archive.keep(enrolment_id, verdict.to_dict(), attempt=attempt, at=ctx.now(), **kept)
    except (OSError, ValueError) as error:
        log.error("Could not keep the %s decision's images for review: %s", verdict.check, error)


def kept_frames(
    frames: Sequence[Frame | tuple[float, bytes]],
    task: LivenessTask | None,
    config: IdentifyConfig,
    seconds_per_challenge: float | None = None,
) -> dict[str, Any]:
    """What the archive keeps of a liveness decision: the frames as sent and the task they answered."""
    if config.archive is None:
        return {}
    return {
        "frames": [(f.t, f.image) if isinstance(f, Frame) else (f[0], f[1]) for f in frames],
        "context": {
            "challenges": [c.value for c in task.challenges] if task is not None else [],
            "seconds_per_challenge": seconds_per_challenge or config.seconds_per_challenge,
        },
    }

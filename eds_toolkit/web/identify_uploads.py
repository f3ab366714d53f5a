"""Reading identification uploads (a photo, or video frames with their times) from a request, with the
larger body limit these endpoints need and the identification settings of the app."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import replace

from flask import request

from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow.identification import BadUpload, IdentifyConfig
from eds_toolkit.identify_archive import IdentifyArchive, archive_root
from eds_toolkit.settings import Settings
from eds_toolkit.web.context import identify_config

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
UPLOAD_BLUEPRINTS = frozenset({"identify", "identify_api"})

log = logging.getLogger("eds_toolkit.identify")


def _with_archive(config: IdentifyConfig, settings: Settings) -> IdentifyConfig:
    """Kept material lives under the instance home; what is past its days is deleted now, at start
    (also when keeping has been switched off since)."""
    days = config.keep_days
    config = replace(config, archive_dir=archive_root(settings.home))
    clock = settings.clock
    now = clock.now() if clock is not None else dt.datetime.now(dt.UTC)
    removed = IdentifyArchive(config.archive_dir, days).purge(now)
    if removed:
        log.info("Deleted the kept identification images of %d enrolments older than %d days.", removed, days)
    return config


def resolved_identification(settings: Settings) -> IdentifyConfig:
    """The identification settings the app runs with: ``settings.identify`` (else the defaults) with the
    archive under the instance home, purged of what is past its days."""
    config = _with_archive(settings.identify or IdentifyConfig(), settings)
    if config.fixed_challenges:
        log.warning(
            "EDS_LIVENESS_CHALLENGES is set: every liveness task asks %s. Randomisation is OFF, so a "
            "recorded video can answer every task; this is a test hook, unset it in production.",
            ",".join(c.value for c in config.fixed_challenges),
        )
    if not config.colour_challenge:
        log.warning(
            "EDS_COLOUR_CHALLENGE=0: liveness tasks carry no colour challenge, so a replayed or animated "
            "video of a citizen is not refused for its light; switch it back on in production."
        )
    return config


def raise_upload_limit() -> None:
    """Before every request: the identification endpoints take larger bodies than the rest.

    Registered before CSRFProtect's own check, which reads the form and so applies the limit.
    """
    if request.blueprint in UPLOAD_BLUEPRINTS and request.method == "POST":
        request.max_content_length = identify_config().max_upload_bytes


def largest_body(settings: Settings) -> int:
    """The largest request body any endpoint takes, in bytes: the identification uploads' limit or
    ``EDS_MAX_CONTENT_LENGTH``, whichever is larger (what the WSGI server may refuse before the app)."""
    identify = settings.identify or IdentifyConfig()
    return max(settings.max_content_length, identify.max_upload_bytes)


class UploadTooLarge(Refusal):
    """The request body is over the identification endpoints' limit."""

    status = 413
    code = "too_large"
    title = "Upload too large"


def too_large() -> UploadTooLarge:
    """The refusal for a body over the limit, naming the limit these endpoints really have."""
    config = identify_config()
    return UploadTooLarge(
        f"What you sent is too large: at most {_size(config.max_upload_bytes)} per request, "
        f"{config.max_frames} video frames of at most {_size(config.max_frame_bytes)} each."
    )


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MiB" if count >= 4 * 1024 * 1024 else f"{count // 1024} KiB"


def uploaded_image(field: str = "image") -> bytes:
    """The picture in multipart field ``field``, or a raw ``image/*`` body; empty bytes if none."""
    upload = request.files.get(field)
    if upload is not None:
        return upload.read()
    if request.mimetype in IMAGE_TYPES:
        return request.get_data()
    return b""


def uploaded_frames() -> list[tuple[float, bytes]]:
    """The ``frames`` files in capture order with their times: ``timestamps`` is a comma-separated list
    of milliseconds (one per frame); without it the frames are taken as 10 per second."""
    files = request.files.getlist("frames")
    raw = (request.form.get("timestamps") or "").strip()
    if not raw:
        return [(index / 10, upload.read()) for index, upload in enumerate(files)]
    try:
        times = [float(value) / 1000 for value in raw.split(",")]
    except ValueError:
        raise BadUpload(
            "timestamps must be comma-separated milliseconds, one per frame.", code="bad_frame_times"
        ) from None
    if len(times) != len(files) or not all(math.isfinite(t) for t in times):
        raise BadUpload(
            f"{len(files)} frames but {len(times)} timestamps were sent: send one time per frame.",
            code="bad_frame_times",
        )
    return [(t, upload.read()) for t, upload in zip(times, files, strict=True)]


def asked_seconds() -> float | None:
    """The time per movement the citizen asked for ("I need more time"): form or query field
    ``seconds_per_challenge``; None when absent or not a number (the service keeps it within its limits)."""
    raw = (request.values.get("seconds_per_challenge") or "").strip()
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None

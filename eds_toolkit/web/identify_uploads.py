"""Reading identification uploads (a photo, or video frames with their times) from a request, with the
larger body limit these endpoints need and the identification settings of the app."""

from __future__ import annotations

import math

from flask import Flask, current_app, request

from eds_toolkit.flow.identify_steps import BadUpload, IdentifyConfig

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
UPLOAD_BLUEPRINTS = frozenset({"identify", "identify_api"})


def identify_config() -> IdentifyConfig:
    """The app's identification settings (``create_app`` reads them from ``EDS_*`` variables)."""
    return current_app.extensions["eds_identify"]


def install_identification_settings(app: Flask, config: IdentifyConfig | None = None) -> None:
    """Keep the settings on the app and raise the body limit for the identification endpoints only.

    Must run before CSRFProtect is set up: its check reads the form, which applies the limit.
    """
    app.extensions["eds_identify"] = config or IdentifyConfig.from_env()

    @app.before_request
    def _identification_upload_limit() -> None:
        if request.blueprint in UPLOAD_BLUEPRINTS and request.method == "POST":
            request.max_content_length = identify_config().max_upload_bytes


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

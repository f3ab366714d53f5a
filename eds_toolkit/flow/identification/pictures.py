"""Decoding what the citizen sends (a photo, the video's frames) within the configured bounds; anything
unusable is a BadUpload before any decision, and costs no attempt."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.refusals import BadUpload
from webcam_flow.errors import BadInput
from webcam_flow.images import decode_image, ensure_rgb
from webcam_flow.video import Frame, fit_width

FRAME_WIDTH = 640  # video frames are shrunk to this width right after decoding (the checks' size)


def decode_picture(
    data: bytes, config: IdentifyConfig, what: str, *, max_pixels: int | None = None
) -> np.ndarray:
    """One uploaded photo (``what`` names it in the refusal), at most ``max_image_pixels`` unless told."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise BadUpload(f"No {what} was sent: choose a JPEG, PNG or WebP photo.", code="image_missing")
    try:
        return decode_image(
            bytes(data), max_bytes=config.max_image_bytes, max_pixels=max_pixels or config.max_image_pixels
        )
    except BadInput as error:
        raise BadUpload(f"The {what} could not be used: {error}.", code="bad_image") from None


def decode_frames(frames: Sequence[Frame | tuple[float, bytes]], config: IdentifyConfig) -> list[Frame]:
    """Decode the uploaded frames (bounded in number, bytes and pixels) in capture order, each shrunk
    to :data:`FRAME_WIDTH` as soon as it is decoded so that a request never holds large pictures."""
    if not frames:
        raise BadUpload("No video frames were sent. Record the video again.", code="frames_missing")
    if len(frames) > config.max_frames:
        raise BadUpload(
            f"{len(frames)} frames were sent; at most {config.max_frames} are accepted.",
            code="too_many_frames",
        )
    decoded: list[Frame] = []
    for index, frame in enumerate(frames):
        if isinstance(frame, Frame):
            decoded.append(frame)
            continue
        t, data = frame
        if len(data) > config.max_frame_bytes:
            raise BadUpload(
                f"Frame {index + 1} is {len(data):,} bytes; at most {config.max_frame_bytes:,} "
                "bytes per frame are accepted.",
                code="frame_too_large",
            )
        try:
            image = decode_image(
                bytes(data), max_bytes=config.max_frame_bytes, max_pixels=config.max_frame_pixels
            )
            decoded.append(Frame(float(t), ensure_rgb(fit_width(image, FRAME_WIDTH))))
        except BadInput as error:
            raise BadUpload(f"Frame {index + 1} could not be read: {error}.", code="bad_frame") from None
    times = [f.t for f in decoded]
    if any(b <= a for a, b in zip(times, times[1:], strict=False)):
        raise BadUpload(
            "The frame times must increase: send the frames in the order they were captured.",
            code="bad_frame_times",
        )
    return decoded

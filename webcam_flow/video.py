"""Read a video file the way the identification page sends frames: about 10 per second."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from webcam_flow.errors import BadInput

MAX_FRAMES = 600


class BadVideo(BadInput):
    """The file cannot be read as a video; the message says why."""


@dataclass(frozen=True)
class Frame:
    """One frame: ``t`` in seconds (client capture time, or index / fps) and an RGB uint8 image."""

    t: float
    image: np.ndarray


def fit_width(image: np.ndarray, max_width: int) -> np.ndarray:
    """Scale down to at most ``max_width`` pixels wide, keeping the aspect ratio."""
    height, width = image.shape[:2]
    if width <= max_width:
        return image
    size = (max_width, max(1, round(height * max_width / width)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def frames_from_video(
    path: Path, *, fps: float = 10, max_width: int = 640, start: int = 0, stop: int | None = None
) -> list[Frame]:
    """Frames sampled at ``fps`` from the video's frames ``start``..``stop`` (source frame numbers,
    ``stop`` exclusive), RGB, at most ``max_width`` wide; ``t`` is the source time in seconds."""
    if fps <= 0:
        raise BadVideo("the sampling rate must be positive")
    path = Path(path)
    if not path.is_file():
        raise BadVideo(f"{path}: no such video file")
    capture = cv2.VideoCapture(str(path))
    try:
        source_fps = capture.get(cv2.CAP_PROP_FPS)
        if not capture.isOpened() or not source_fps or source_fps <= 0:
            raise BadVideo(f"{path}: not a video OpenCV can read (use MP4/H.264 or WebM)")
        step = source_fps / fps
        frames: list[Frame] = []
        index, next_pick = 0, float(start)
        while stop is None or index < stop:
            ok, bgr = capture.read()
            if not ok:
                break
            if index >= start and index >= round(next_pick):
                rgb = cv2.cvtColor(fit_width(bgr, max_width), cv2.COLOR_BGR2RGB)
                frames.append(Frame(index / source_fps, np.ascontiguousarray(rgb)))
                next_pick += step
                if len(frames) > MAX_FRAMES:
                    raise BadVideo(
                        f"{path}: more than {MAX_FRAMES} frames at {fps:g} per second; send a shorter video"
                    )
            index += 1
    finally:
        capture.release()
    if not frames:
        raise BadVideo(f"{path}: no frames could be read")
    return frames

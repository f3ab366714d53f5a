"""Where the face is in each frame of a video: the boxes the landmarks of :mod:`webcam_flow.tracking`
start from.

Search the whole first frame once, then detect at one fixed scale, just enough for the tracked face, in a
window around the previous face; fall back to a whole-frame search when it is lost. Frames closer together
than DETECTION_INTERVAL_S (a blink's slot at 25 frames a second) are not all searched: the face hardly moves
in 40 ms, and a box between two agreeing detections serves the landmarks as well as the detector's own.
``naive=True`` is the reference the benchmark compares with: face_recognition's detection (upsampled once)
on every full-size frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple

import numpy as np

from webcam_flow import faces

# Tracking searches a narrower window when the frame's rescaled copy has at most this many pixels.
WHOLE_FRAME_MAX_PIXELS = 160_000
# Once followed, the face is looked for in a window this many face sizes wider than its last box on
# each side (the whole frame when not found there): the detector's cost grows with the pixels it scans.
TRACKING_MARGIN = 0.3
# The detector runs on a followed face at most this often (seconds of the frames' times): at the page's
# 10 frames a second on every frame, at 25 (a blink's slot) on about every third. A frame in between takes
# the box interpolated from the detections before and after it when those agree (the face moved by at
# most AGREE_MAX_SHIFT face sizes and changed size by at most AGREE_MAX_SCALE); else it is detected too.
DETECTION_INTERVAL_S = 0.09
AGREE_MAX_SHIFT = 0.1
AGREE_MAX_SCALE = 0.1


def search_size(image: np.ndarray) -> float:
    """Smallest face (px) a whole-frame search looks for: 12% of the short side, at least 40 px."""
    return max(40.0, 0.12 * min(image.shape[:2]))


def find_face(
    image: np.ndarray, previous: faces.Face | None, tracked_size: float | None = None
) -> faces.Face | None:
    """The tracked face in ``image``: the one nearest ``previous`` if given, else the largest.

    Once a face is tracked the detector runs at one fixed scale (from ``tracked_size``) in a
    window around the previous face (TRACKING_MARGIN face sizes on each side when the frame's copy
    is small, the usual webcam case of a large face; 0.6 else): a face that does not move gets the
    same box every frame.
    """
    if previous is not None:
        size = tracked_size or previous.size
        min_face = 0.75 * size
        margin = TRACKING_MARGIN * max(size, previous.size)
        if image.shape[0] * image.shape[1] * (faces.HOG_WINDOW / min_face) ** 2 > WHOLE_FRAME_MAX_PIXELS:
            margin = 0.6 * max(size, previous.size)
        region = faces.Face(
            previous.left - margin,
            previous.top - margin,
            previous.right + margin,
            previous.bottom + margin,
        )
        near = faces.detect_faces(image, min_face=min_face, region=region)
        if near:
            px, py = previous.centre
            return min(near, key=lambda f: (f.centre[0] - px) ** 2 + (f.centre[1] - py) ** 2)
    found = faces.detect_faces(image, min_face=search_size(image))
    return max(found, key=lambda f: f.size) if found else None


def _naive_face(image: np.ndarray) -> faces.Face | None:
    import face_recognition

    boxes = face_recognition.face_locations(image)
    if not boxes:
        return None
    top, right, bottom, left = max(boxes, key=lambda b: (b[2] - b[0]) * (b[1] - b[3]))
    return faces.Face(float(left), float(top), float(right), float(bottom))


def locate(
    images: Sequence[np.ndarray], times: Sequence[float] | None = None, *, naive: bool = False
) -> list[faces.Face | None]:
    """The face box in each frame (None where there is none). With ``times``, once the face is followed
    the detector runs on a frame only :data:`DETECTION_INTERVAL_S` after the last one it ran on (and on the
    last frame); a frame in between takes the box :func:`interpolated` from the detections around it."""
    if naive:
        return [_naive_face(image) for image in images]
    located: list[faces.Face | None] = [None] * len(images)
    skipped: list[int] = []
    previous: faces.Face | None = None
    tracked_size: float | None = None
    last_t = -np.inf
    for i, image in enumerate(images):
        if (
            times is not None
            and previous is not None
            and i + 1 < len(images)
            and times[i] - last_t < DETECTION_INTERVAL_S - 1e-6
        ):
            skipped.append(i)
            continue
        face = find_face(image, previous, tracked_size)
        if face is not None and tracked_size is None:
            # Re-detect the first face at the tracking scale, so its box is comparable.
            tracked_size = face.size
            face = find_face(image, face, tracked_size) or face
        located[i] = face
        previous = face or previous
        last_t = float(times[i]) if times is not None else last_t
    waiting = set(skipped)
    for i in skipped:  # in order: the frame before is settled, the next detected one (j) is not skipped
        j = next(k for k in range(i + 1, len(images)) if k not in waiting)
        span = times[j] - times[i - 1]
        box = interpolated(located[i - 1], located[j], (times[i] - times[i - 1]) / span) if span > 0 else None
        if box is None:  # the face moved, changed size or was lost: detected as on any frame
            box = find_face(
                images[i], next((f for f in reversed(located[:i]) if f is not None), None), tracked_size
            )
        located[i] = box
    return located


def interpolated(before: faces.Face | None, after: faces.Face | None, fraction: float) -> faces.Face | None:
    """The box ``fraction`` of the way from ``before`` to ``after`` when both are there and agree (the face
    moved and changed size by at most :data:`AGREE_MAX_SHIFT` and :data:`AGREE_MAX_SCALE`), else None."""
    if before is None or after is None:
        return None
    (bx, by), (ax, ay) = before.centre, after.centre
    shift = float(np.hypot(ax - bx, ay - by)) / max(before.size, 1.0)
    scale = abs(after.size / max(before.size, 1.0) - 1.0)
    if shift > AGREE_MAX_SHIFT or scale > AGREE_MAX_SCALE:
        return None

    return faces.Face(*(a + fraction * (b - a) for a, b in zip(astuple(before), astuple(after), strict=True)))

"""Where the face is in each frame of a video: the boxes the landmarks of :mod:`webcam_flow.tracking`
start from.

Search the whole first frame once, then detect at one fixed scale, just enough for the tracked face, in a
window around the previous face; fall back to a whole-frame search when it is lost.
``naive=True`` is the reference the benchmark compares with: face_recognition's detection (upsampled once)
on every full-size frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from webcam_flow import faces

# Tracking searches a narrower window when the frame's rescaled copy has at most this many pixels.
WHOLE_FRAME_MAX_PIXELS = 160_000
# Once followed, the face is looked for in a window this many face sizes wider than its last box on
# each side (the whole frame when not found there): the detector's cost grows with the pixels it scans.
TRACKING_MARGIN = 0.3


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


def locate(images: Sequence[np.ndarray], *, naive: bool = False) -> list[faces.Face | None]:
    """The face box in each frame (None where there is none)."""
    located: list[faces.Face | None] = []
    previous: faces.Face | None = None
    tracked_size: float | None = None
    for image in images:
        if naive:
            face = _naive_face(image)
        else:
            face = find_face(image, previous, tracked_size)
            if face is not None and tracked_size is None:
                # Re-detect the first face at the tracking scale, so its box is comparable.
                tracked_size = face.size
                face = find_face(image, face, tracked_size) or face
        located.append(face)
        previous = face or previous
    return located

"""Face match: the face on the identity-card photo against the selfie, the video's frames and
the photo on record."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from webcam_flow import faces
from webcam_flow.errors import BadInput, NoFaceFound
from webcam_flow.images import ensure_rgb
from webcam_flow.tracking import FRONTAL_FOR_ENCODING, track
from webcam_flow.verdict import Verdict
from webcam_flow.video import Frame, fit_width

# Chosen from all pairs of the test faces (benchmarks/identify.py prints the table): the
# same person is 0.08-0.52 apart on photos and 0.31-0.58 between the Hamilton video frames
# and his photo; different people are 0.70 or more apart. 0.6 (face_recognition's own
# tolerance) sits in the gap, so no two different people in the data match and a genuine
# video-to-photo pair near 0.5 does.
DEFAULT_THRESHOLD = 0.6
WORK_MAX_SIDE = 1280
MIN_FACE_PX = 40.0


def face_encoding(image: np.ndarray, *, allow_rotation: bool = False) -> np.ndarray:
    """The 128-d encoding of the largest face in ``image`` (the portrait on an identity card
    is the largest face on it). With ``allow_rotation`` a photo taken sideways or upside down
    is tried at 90, 270 and 180 degrees too. Raises :class:`NoFaceFound`."""
    image = ensure_rgb(image)
    height, width = image.shape[:2]
    factor = min(1.0, WORK_MAX_SIDE / max(height, width))
    if factor < 1.0:
        image = cv2.resize(
            image, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA
        )
    turns = (0, 1, 3, 2) if allow_rotation else (0,)
    rotations = [np.ascontiguousarray(np.rot90(image, k)) if k else image for k in turns]
    # A quick look for a big face in every orientation first, then down to MIN_FACE_PX.
    for min_face in (max(MIN_FACE_PX, 0.2 * min(image.shape[:2])), MIN_FACE_PX):
        for rotated in rotations:
            found = faces.detect_faces(rotated, min_face=min_face)
            if found:
                return faces.encoding(rotated, max(found, key=lambda f: f.size))
    hint = " in any orientation" if allow_rotation else ""
    raise NoFaceFound(f"no face found on the picture{hint}")


def video_probes(frames: Sequence[Frame], *, count: int = 8) -> list[np.ndarray]:
    """Encodings of up to ``count`` roughly frontal frames of a video, evenly spaced."""
    images = [fit_width(ensure_rgb(f.image), 640) for f in frames]
    observations = track(images, [f.t for f in frames])
    return [
        o.encoding for o in observations if o.encoding is not None and abs(o.yaw) <= FRONTAL_FOR_ENCODING
    ][: count + 1]


def match(
    reference: np.ndarray, probes: Sequence[np.ndarray], *, threshold: float = DEFAULT_THRESHOLD
) -> Verdict:
    """Every probe (selfie, video frames, photo on record) must be within ``threshold`` of the
    reference (the identity-card face); the scores carry the distances."""
    if not 0 < threshold < 2:
        raise BadInput("the threshold must be between 0 and 2")
    reference = np.asarray(reference, dtype=np.float64)
    if reference.shape != (128,):
        raise BadInput("the reference must be a 128-d face encoding")
    distances = [faces.distance(reference, np.asarray(p, dtype=np.float64)) for p in probes]
    scores = {"threshold": threshold, "probes": len(distances)}
    if not distances:
        return Verdict.decide("face_match", ["no_probes"], scores)
    scores.update(
        distance_min=min(distances), distance_median=float(np.median(distances)), distance_max=max(distances)
    )
    return Verdict.decide("face_match", ["no_match"] if max(distances) > threshold else [], scores)

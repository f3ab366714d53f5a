"""Face match: the face on the identity-card photo against the selfie, the video's frames and
the photo on record."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from webcam_flow import faces
from webcam_flow.errors import BadInput, NoFaceFound
from webcam_flow.images import ensure_rgb
from webcam_flow.tracking import ENCODED_FRAMES, FRONTAL_FOR_ENCODING, track
from webcam_flow.verdict import Verdict
from webcam_flow.video import Frame, fit_width

# Chosen from all pairs of the test faces (benchmarks/identify.py prints them): photos of one
# person are 0.08-0.43 apart, single Hamilton video frames 0.37-0.53 from his photo (the
# "genuine video-to-photo pair near 0.5"); different people are 0.695 or more apart on photos
# and 0.572 at the closest between a poor 90-px video frame and a photo. 0.55 sits in the gap
# between 0.53 and 0.57, so no two different people in the data match. A video is compared as
# one template (the mean of its frontal frames' encodings): genuine 0.20-0.33, others >= 0.64.
DEFAULT_THRESHOLD = 0.55
WORK_MAX_SIDE = 1280
MIN_FACE_PX = 40.0
# A video stands in a face match as one template made from a few evenly spaced frames (the liveness
# check already compared the video's face with the selfie; these few stand for the video).
TEMPLATE_FRAMES = 4  # frames sampled, evenly spaced
TEMPLATE_PROBES = 4  # frontal encodings kept from them (video_probes keeps up to one more)


def face_encoding(image: np.ndarray, *, allow_rotation: bool = False) -> np.ndarray:
    """The 128-d encoding of the most confident face detection in ``image`` (on an identity card,
    the portrait). With ``allow_rotation`` a photo taken sideways or upside down is tried at 90,
    270 and 180 degrees too, and the most confident detection over all of them is used.
    Raises :class:`NoFaceFound`."""
    image = _work_copy(ensure_rgb(image))
    turns = (0, 1, 3, 2) if allow_rotation else (0,)
    rotations = [np.ascontiguousarray(np.rot90(image, k)) if k else image for k in turns]
    # A quick look for a big face first, then down to MIN_FACE_PX; among the orientations the
    # most confident detection wins (a sideways face can fool the detector into a weak hit).
    for min_face in (max(MIN_FACE_PX, 0.2 * min(image.shape[:2])), MIN_FACE_PX):
        found = [
            (face, rotated)
            for rotated in rotations
            for face in faces.detect_faces(rotated, min_face=min_face)
        ]
        if found:
            face, rotated = max(found, key=lambda pair: (pair[0].score, pair[0].size))
            return faces.encoding(rotated, face)
    hint = " in any orientation" if allow_rotation else ""
    raise NoFaceFound(f"no face found on the picture{hint}")


def portrait_encoding(image: np.ndarray) -> np.ndarray:
    """The encoding of the one face on a portrait (the photo a register holds for a person).

    Raises :class:`NoFaceFound` without a face and :class:`BadInput` with more than one: a reference
    photo must say unambiguously whose face it is."""
    image = _work_copy(ensure_rgb(image))
    found = faces.detect_faces(image, min_face=MIN_FACE_PX)
    if not found:
        raise NoFaceFound("no face found on the photo")
    if len(found) > 1:
        raise BadInput(f"{len(found)} faces on the photo: a reference photo shows one person only")
    return faces.encoding(image, found[0])


def _work_copy(image: np.ndarray) -> np.ndarray:
    """``image`` shrunk (aspect kept) so that its longer side is at most WORK_MAX_SIDE."""
    height, width = image.shape[:2]
    factor = min(1.0, WORK_MAX_SIDE / max(height, width))
    if factor == 1.0:
        return image
    return cv2.resize(image, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA)


def video_probes(frames: Sequence[Frame], *, count: int = ENCODED_FRAMES) -> list[np.ndarray]:
    """Encodings of up to ``count`` + 1 roughly frontal frames of a video, evenly spaced."""
    images = [fit_width(ensure_rgb(f.image), 640) for f in frames]
    observations = track(images, [f.t for f in frames])
    chosen = [
        o.encoding for o in observations if o.encoding is not None and abs(o.yaw) <= FRONTAL_FOR_ENCODING
    ]
    return chosen[: count + 1]


def video_template(encodings: Sequence[np.ndarray]) -> np.ndarray:
    """One encoding for a video: the mean of its frames' encodings (steadier than any single frame)."""
    if not len(encodings):
        raise NoFaceFound("no frame of the video shows a usable face")
    return np.mean(np.asarray(encodings, dtype=np.float64), axis=0)


def sampled_template(frames: Sequence[Frame]) -> np.ndarray | None:
    """The video's :func:`video_template` from :data:`TEMPLATE_FRAMES` evenly spaced frames, or from all
    frames when none of those shows the face from the front; None when no frame does."""
    step = max(1, len(frames) // TEMPLATE_FRAMES)
    probes = video_probes(frames[::step], count=TEMPLATE_PROBES) or video_probes(
        frames, count=TEMPLATE_PROBES
    )
    # one template per video (the mean of its frontal frames): single frames of a genuine video reach
    # 0.53 from the ID photo, the template stays near 0.2-0.33 (docs/identify.md)
    return video_template(probes) if probes else None


def match(
    reference: np.ndarray, probes: Sequence[np.ndarray], *, threshold: float = DEFAULT_THRESHOLD
) -> Verdict:
    """Every probe (the selfie, the video's :func:`video_template`, the photo on record) must be
    within ``threshold`` of the reference (the identity-card face); the scores carry the distances."""
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


def match_identity(
    record: np.ndarray,
    id_photo: np.ndarray,
    *,
    selfie: Sequence[np.ndarray],
    video: Sequence[np.ndarray],
    threshold: float = DEFAULT_THRESHOLD,
) -> Verdict:
    """Is the live person the person on record? The live face (``selfie`` and ``video`` encodings)
    against the photo on record decides (``record_*`` scores, else ``no_match_record``); the face on
    the identity-card photo (any rotation) must match the live face too (``id_*``, else ``no_match``),
    an additional check only. Never decided on the selfie (or the video) alone: ``no_video_face`` /
    ``no_probes``; no face on the card: ``no_face_on_reference``."""
    if not selfie or not video:
        return Verdict.decide("face_match", ["no_video_face" if selfie else "no_probes"], {})
    try:
        card = face_encoding(id_photo, allow_rotation=True)
    except NoFaceFound:
        return Verdict.decide("face_match", ["no_face_on_reference"], {})
    live = [*selfie, *video]
    against_record = match(record, live, threshold=threshold)
    against_card = match(card, live, threshold=threshold)
    reasons = ["no_match_record" if r == "no_match" else r for r in against_record.reasons]
    reasons += [r for r in against_card.reasons if r not in reasons]
    scores = {f"record_{key}": value for key, value in against_record.scores.items()}
    scores.update({f"id_{key}": value for key, value in against_card.scores.items()})
    scores["record_photo"] = 1.0
    return Verdict.decide("face_match", reasons, scores)

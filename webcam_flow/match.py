"""Face match: the face on the identity-card photo against the selfie, the video's frames and
the photo on record."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from webcam_flow import faces
from webcam_flow.engines import (
    DLIB,
    Bands,
    FaceEngine,
    Template,
    combined,
    engine_id,
    require_engine,
    template_of,
)
from webcam_flow.errors import BadInput, NoFaceFound
from webcam_flow.images import ensure_rgb
from webcam_flow.tracking import ENCODED_FRAMES, FRONTAL_FOR_ENCODING, track
from webcam_flow.verdict import NEEDS_REVIEW, Verdict
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
    return faces.encoding(*_best_face(image, allow_rotation))


def face_template(image: np.ndarray, *, engine: FaceEngine, allow_rotation: bool = False) -> Template:
    """:func:`face_encoding` made by ``engine``: the face's template, tagged with the engine's id."""
    return template_of(engine, *_best_face(image, allow_rotation))


def _best_face(image: np.ndarray, allow_rotation: bool) -> tuple[np.ndarray, faces.Face]:
    """The (work image, face) of the most confident detection, over the orientations tried."""
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
            return rotated, face
    hint = " in any orientation" if allow_rotation else ""
    raise NoFaceFound(f"no face found on the picture{hint}")


def portrait_encoding(image: np.ndarray) -> np.ndarray:
    """The encoding of the one face on a portrait (the photo a register holds for a person).

    Raises :class:`NoFaceFound` without a face and :class:`BadInput` with more than one: a reference
    photo must say unambiguously whose face it is."""
    return portrait_template(image, engine=DLIB).vector


def portrait_template(image: np.ndarray, *, engine: FaceEngine) -> Template:
    """:func:`portrait_encoding` made by ``engine``."""
    image = _work_copy(ensure_rgb(image))
    found = faces.detect_faces(image, min_face=MIN_FACE_PX)
    if not found:
        raise NoFaceFound("no face found on the photo")
    if len(found) > 1:
        raise BadInput(f"{len(found)} faces on the photo: a reference photo shows one person only")
    return template_of(engine, image, found[0])


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


def sampled_template(frames: Sequence[Frame], *, engine: FaceEngine | None = None):
    """The video's :func:`video_template` from :data:`TEMPLATE_FRAMES` evenly spaced frames, or from all
    frames when none of those shows the face from the front; None when no frame does. With ``engine``
    the same frames are encoded by it and a :class:`Template` is returned."""
    step = max(1, len(frames) // TEMPLATE_FRAMES)
    if engine is not None:
        templates = _engine_probes(frames[::step], engine) or _engine_probes(frames, engine)
        return combined(engine, templates) if templates else None
    probes = video_probes(frames[::step], count=TEMPLATE_PROBES) or video_probes(
        frames, count=TEMPLATE_PROBES
    )
    # one template per video (the mean of its frontal frames): single frames of a genuine video reach
    # 0.53 from the ID photo, the template stays near 0.2-0.33 (docs/identify.md)
    return video_template(probes) if probes else None


def _engine_probes(frames: Sequence[Frame], engine: FaceEngine) -> list[Template]:
    """``engine``'s templates of up to TEMPLATE_PROBES roughly frontal frames (tracked as video_probes)."""
    images = [fit_width(ensure_rgb(f.image), 640) for f in frames]
    observations = track(images, [f.t for f in frames])
    chosen = [
        template_of(engine, images[o.index], o.face)
        for o in observations
        if o.face is not None and abs(o.yaw) <= FRONTAL_FOR_ENCODING
    ]
    return chosen[:TEMPLATE_PROBES]


def _as_template(value: Template | np.ndarray) -> Template:
    """A bare 128-d array is dlib's encoding (how the library's callers passed them before engines)."""
    if isinstance(value, Template):
        return value
    vector = np.asarray(value, dtype=np.float64)
    if vector.shape != (128,):
        raise BadInput("a face encoding without its engine must be dlib's 128-d vector")
    return Template(engine_id(DLIB), vector)


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
    return match_templates(
        _as_template(reference),
        [_as_template(p) for p in probes],
        engine=DLIB,
        bands=Bands(threshold, threshold),
    )


def match_templates(
    reference: Template, probes: Sequence[Template], *, engine: FaceEngine, bands: Bands
) -> Verdict:
    """Every probe against the reference, decided by the farthest: within ``bands.accept_at_most`` ->
    positive; beyond ``bands.refuse_above`` -> ``no_match``; between -> ``needs_review`` (an officer
    decides). Templates of another engine are refused (EngineMismatch)."""
    require_engine(engine, [reference, *probes])
    distances = [float(engine.distance(reference.vector, p.vector)) for p in probes]
    # "threshold": refused above it (as before the bands); "accept_at_most" only with three outcomes
    scores: dict[str, float] = {"threshold": bands.refuse_above, "probes": len(distances)}
    if bands.accept_at_most != bands.refuse_above:
        scores["accept_at_most"] = bands.accept_at_most
    if not distances:
        return Verdict.decide("face_match", ["no_probes"], scores)
    scores.update(
        distance_min=min(distances), distance_median=float(np.median(distances)), distance_max=max(distances)
    )
    outcome = bands.outcome(max(distances))
    reasons = {"accept": [], "refer": [NEEDS_REVIEW], "refuse": ["no_match"]}[outcome]
    return Verdict.decide("face_match", reasons, scores)


def match_identity(
    record: Template | np.ndarray,
    id_photo: np.ndarray,
    *,
    selfie: Sequence[Template | np.ndarray],
    video: Sequence[Template | np.ndarray],
    threshold: float = DEFAULT_THRESHOLD,
    engine: FaceEngine = DLIB,
    bands: Bands | None = None,
) -> Verdict:
    """Is the live person the person on record? The live face (``selfie`` and ``video`` templates)
    against the photo on record decides (``record_*`` scores, else ``no_match_record``); the face on
    the identity-card photo (any rotation) must match the live face too (``id_*``, else ``no_match``),
    an additional check only. Never decided on the selfie (or the video) alone: ``no_video_face`` /
    ``no_probes``; no face on the card: ``no_face_on_reference``.

    With ``bands`` there are three outcomes: a distance between the bands in either comparison, and no
    refusal, gives ``needs_review`` (:attr:`Verdict.outcome` ``refer``); without, ``threshold`` splits
    two. Every template must be ``engine``'s (EngineMismatch otherwise, before any picture is read)."""
    if not selfie or not video:
        return Verdict.decide("face_match", ["no_video_face" if selfie else "no_probes"], {})
    bands = bands or Bands(threshold, threshold)
    record = _as_template(record)
    live = [_as_template(t) for t in (*selfie, *video)]
    require_engine(engine, [record, *live])
    try:
        card = face_template(id_photo, engine=engine, allow_rotation=True)
    except NoFaceFound:
        return Verdict.decide("face_match", ["no_face_on_reference"], {})
    against_record = match_templates(record, live, engine=engine, bands=bands)
    against_card = match_templates(card, live, engine=engine, bands=bands)
    reasons = ["no_match_record" if r == "no_match" else r for r in against_record.reasons]
    reasons += [r for r in against_card.reasons if r not in reasons]
    if any(r != NEEDS_REVIEW for r in reasons):  # a refusal is never turned into a review
        reasons = [r for r in reasons if r != NEEDS_REVIEW]
    scores = {f"record_{key}": value for key, value in against_record.scores.items()}
    scores.update({f"id_{key}": value for key, value in against_card.scores.items()})
    scores["record_photo"] = 1.0
    return Verdict.decide("face_match", reasons, scores)

"""Follow one face through a sequence of frames and measure it in each frame.

Fast path (what the service uses): search the whole first frame once, then detect at one
fixed scale, just enough for the tracked face, in a window around the previous face; fall back
to a whole-frame search when it is lost. Landmarks for every frame, encodings for a few evenly
spaced, roughly frontal frames.
``naive=True`` is the reference the benchmark compares with: face_recognition's detection
(upsampled once) and an encoding on every full-size frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from webcam_flow import faces
from webcam_flow.landmarks import eye_aspect_ratio, interocular, mouth_opening, yaw_index
from webcam_flow.pose import head_pose

ENCODED_FRAMES = 8  # identity is checked on this many evenly spaced frames (plus the most frontal)
FRONTAL_FOR_ENCODING = 0.3  # |yaw index| up to which a frame is frontal enough to encode
THUMB_WIDTH = 64
# Tracking searches a narrower window when the frame's rescaled copy has at most this many pixels.
WHOLE_FRAME_MAX_PIXELS = 160_000
_STABLE_POINTS = np.r_[27:48]  # nose bridge, nose, eyes: they do not move with the mouth
# Once followed, the face is looked for in a window this many face sizes wider than its last box on
# each side (the whole frame when not found there): the detector's cost grows with the pixels it scans.
TRACKING_MARGIN = 0.3


@dataclass(frozen=True)
class Observation:
    """What one frame shows: the tracked face (or None), its landmarks and measures."""

    index: int
    t: float
    thumb: np.ndarray  # small grey copy of the frame, for motion and cut checks
    face: faces.Face | None = None
    points: np.ndarray | None = None
    ear: float = float("nan")
    yaw: float = float("nan")  # yaw index (landmarks.yaw_index): picks frontal frames to encode
    yaw_deg: float = float("nan")  # head pose in degrees (pose.head_pose): what movements are read from
    pitch_deg: float = float("nan")
    mouth: float = float("nan")
    scale: float = float("nan")  # interocular distance in pixels
    encoding: np.ndarray | None = None


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


def thumbnail(image: np.ndarray) -> np.ndarray:
    """A small grey copy (64 px wide, aspect kept) as float32."""
    height, width = image.shape[:2]
    size = (THUMB_WIDTH, max(1, round(height * THUMB_WIDTH / width)))
    grey = cv2.cvtColor(cv2.resize(image, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    return grey.astype(np.float32)


def measure(
    index: int,
    t: float,
    image: np.ndarray,
    face: faces.Face | None,
    *,
    thumb: np.ndarray | None = None,
    points: np.ndarray | None = None,
) -> Observation:
    """Landmarks, EAR, yaw (index and degrees), pitch and mouth opening of ``face`` in ``image``
    (``thumb`` and ``points``: already computed for this frame and this face)."""
    thumb = thumbnail(image) if thumb is None else thumb
    if face is None:
        return Observation(index, t, thumb)
    points = faces.landmarks(image, face) if points is None else points
    pose = head_pose(points, image.shape[1], image.shape[0])
    return Observation(
        index,
        t,
        thumb,
        face,
        points,
        ear=eye_aspect_ratio(points),
        yaw=yaw_index(points),
        yaw_deg=pose.yaw,
        pitch_deg=pose.pitch,
        mouth=mouth_opening(points),
        scale=interocular(points),
    )


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


def encoded_indices(observations: Sequence[Observation], count: int = ENCODED_FRAMES) -> list[int]:
    """Frames whose encoding is computed: the most frontal one first, then up to ``count`` evenly
    spaced among the roughly frontal ones (encodings of strongly turned faces drift)."""
    with_face = [o for o in observations if o.face is not None]
    if not with_face:
        return []
    frontal = [o for o in with_face if abs(o.yaw) <= FRONTAL_FOR_ENCODING] or with_face
    anchor = min(frontal, key=lambda o: abs(o.yaw)).index
    indices = [o.index for o in frontal]
    if len(indices) > count:
        indices = [indices[i] for i in np.linspace(0, len(indices) - 1, count).round().astype(int)]
    return [anchor] + [i for i in indices if i != anchor]


def _anchored_box(anchor: faces.Face, anchor_points: np.ndarray, points: np.ndarray) -> faces.Face | None:
    """``anchor`` moved by the similarity transform that takes ``anchor_points`` to ``points``."""
    matrix, _ = cv2.estimateAffinePartial2D(anchor_points[_STABLE_POINTS], points[_STABLE_POINTS])
    if matrix is None:
        return None
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    cx, cy = matrix @ np.array([*anchor.centre, 1.0])
    half_w, half_h = anchor.width * scale / 2, anchor.height * scale / 2
    return faces.Face(cx - half_w, cy - half_h, cx + half_w, cy + half_h, anchor.score)


def track(images: Sequence[np.ndarray], times: Sequence[float], *, naive: bool = False) -> list[Observation]:
    """One :class:`Observation` per frame, in order; encodings on the frames of :func:`encoded_indices`
    (on every frame with a face when ``naive``).

    The landmark predictor depends on the box it starts from, and detector boxes jump between
    pyramid levels even when the face does not move. So the landmarks of every frame are
    re-estimated from the first frame's box carried along by the face's motion: a still or
    rigidly moved picture then gets the same landmarks in every frame, up to resampling noise.
    """
    thumbs = [thumbnail(image) for image in images]
    observations = _anchored(images, times, thumbs, locate(images, naive=naive))
    chosen = [o.index for o in observations if o.face is not None] if naive else encoded_indices(observations)
    for i in chosen:
        observations[i] = replace(observations[i], encoding=faces.encoding(images[i], observations[i].face))
    return observations


def _anchored(
    images: Sequence[np.ndarray],
    times: Sequence[float],
    thumbs: Sequence[np.ndarray],
    located: Sequence[faces.Face | None],
) -> list[Observation]:
    """Each frame measured from the first face's box carried along by the face's motion, which the
    landmarks from its ``located`` box give; the first face's frame (and a frame whose carried box is
    unusable) from its ``located`` box and those landmarks."""
    rough = [
        None if face is None else faces.landmarks(image, face)
        for image, face in zip(images, located, strict=True)
    ]
    first = next((i for i, face in enumerate(located) if face is not None), None)
    observations = []
    for i, (image, t, face, thumb, points) in enumerate(
        zip(images, times, located, thumbs, rough, strict=True)
    ):
        box = None
        if first is not None and face is not None and i > first:
            box = _anchored_box(located[first], rough[first], points)
        if box is not None and box.width > 8:
            observations.append(
                measure(i, float(t), image, box.clipped(image.shape[1], image.shape[0]), thumb=thumb)
            )
        else:
            observations.append(measure(i, float(t), image, face, thumb=thumb, points=points))
    return observations

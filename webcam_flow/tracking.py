"""Follow one face through a sequence of frames and measure it in each frame.

Fast path (what the service uses): the face is found in each frame by :mod:`webcam_flow.locating`;
landmarks for every frame, encodings for a few evenly spaced, roughly frontal frames.
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
from webcam_flow.locating import locate
from webcam_flow.pose import head_pose

ENCODED_FRAMES = 5  # identity is checked on this many evenly spaced frames (plus the most frontal)
FRONTAL_FOR_ENCODING = 0.3  # |yaw index| up to which a frame is frontal enough to encode
THUMB_WIDTH = 64
_STABLE_POINTS = np.r_[27:48]  # nose bridge, nose, eyes: they do not move with the mouth


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
    observations = _anchored(images, times, thumbs, locate(images, times, naive=naive))
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

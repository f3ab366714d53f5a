"""Selfie quality: one face, inside the on-screen circle, large, sharp, well lit, frontal, eyes open."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from webcam_flow import faces
from webcam_flow.errors import NoFaceFound
from webcam_flow.images import ensure_rgb
from webcam_flow.landmarks import eye_aspect_ratio, yaw_index
from webcam_flow.match import face_encoding
from webcam_flow.verdict import Verdict

WORK_MAX_SIDE = 1280  # bigger selfies are checked on a copy this size (aspect kept)
# Thresholds, measured on ../shared/testdata/faces and crafted variants (tests/webcam_flow):
MAX_CENTRE_OFFSET = 0.35  # face centre to circle centre, in circle radii
MIN_FACE_SHARE = 0.35  # face box size over the circle's diameter
MIN_SHARPNESS = 60.0  # variance of the Laplacian of the face resized to 128x128 (sharp photos: 150-1500)
MIN_BRIGHTNESS, MAX_BRIGHTNESS = 60.0, 200.0  # mean grey level of the face box (photos: 90-170)
MAX_YAW = 0.25  # |yaw index|; see landmarks.yaw_index
MIN_EYE_ASPECT = 0.17  # eye aspect ratio: open eyes 0.18-0.43 in the photos, closed 0.12-0.165 in the videos


@dataclass(frozen=True)
class Circle:
    """The on-screen circle, in image pixels."""

    cx: float
    cy: float
    r: float

    @classmethod
    def default(cls, height: int, width: int) -> Circle:
        """Centred, radius 0.35 of the shorter side (what the selfie page draws)."""
        return cls(width / 2, height / 2, 0.35 * min(height, width))

    def scaled(self, factor: float) -> Circle:
        return Circle(self.cx * factor, self.cy * factor, self.r * factor)


def face_crop(image: np.ndarray, face: faces.Face, size: int = 128) -> np.ndarray:
    """The face box as a ``size`` x ``size`` grey image (for sharpness and light)."""
    left, top = int(face.left), int(face.top)
    right, bottom = max(left + 2, int(face.right)), max(top + 2, int(face.bottom))
    grey = cv2.cvtColor(image[top:bottom, left:right], cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (size, size), interpolation=cv2.INTER_AREA)


def sharpness(crop: np.ndarray) -> float:
    """Variance of the Laplacian of the contrast-normalised crop: low when blurred, whatever the light."""
    grey = crop.astype(np.float64)
    normalised = (grey - grey.mean()) / (grey.std() + 1e-6) * 50.0
    return float(cv2.Laplacian(normalised, cv2.CV_64F).var())


def check_selfie(image: np.ndarray, *, circle: Circle | None = None) -> Verdict:
    """Is this selfie good enough to identify the citizen? Reasons say what to change."""
    image = ensure_rgb(image)
    height, width = image.shape[:2]
    circle = circle or Circle.default(height, width)
    factor = min(1.0, WORK_MAX_SIDE / max(height, width))
    if factor < 1.0:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        circle = circle.scaled(factor)
    # Look for faces down to half the smallest acceptable size, so a small face is reported
    # as "too small" rather than "no face".
    min_face = max(40.0, 0.5 * MIN_FACE_SHARE * 2 * circle.r)
    found = faces.detect_faces(image, min_face=min_face)
    scores: dict[str, float] = {"faces": len(found)}
    if not found:
        return Verdict.decide("selfie", ["no_face"], scores)
    if len(found) > 1:
        return Verdict.decide("selfie", ["several_faces"], scores)
    face = found[0]
    reasons: list[str] = []
    offset = float(np.hypot(face.centre[0] - circle.cx, face.centre[1] - circle.cy)) / circle.r
    share = face.size / (2 * circle.r)
    points = faces.landmarks(image, face)
    crop = face_crop(image, face)
    scores.update(
        centre_offset=offset,
        face_share=share,
        sharpness=sharpness(crop),
        brightness=float(crop.mean()),
        yaw=yaw_index(points),
        eye_aspect=eye_aspect_ratio(points),
        detector_score=face.score,
    )
    if offset > MAX_CENTRE_OFFSET:
        reasons.append("face_off_centre")
    if share < MIN_FACE_SHARE:
        reasons.append("too_small")
    if scores["brightness"] < MIN_BRIGHTNESS:
        reasons.append("too_dark")
    elif scores["brightness"] > MAX_BRIGHTNESS:
        reasons.append("too_bright")
    if scores["sharpness"] < MIN_SHARPNESS:
        reasons.append("blurred")
    if abs(scores["yaw"]) > MAX_YAW:
        reasons.append("not_frontal")
    if scores["eye_aspect"] < MIN_EYE_ASPECT:
        reasons.append("eyes_closed")
    return Verdict.decide("selfie", reasons, scores)


def selfie_and_encoding(
    image: np.ndarray, *, circle: Circle | None = None
) -> tuple[Verdict, np.ndarray | None]:
    """:func:`check_selfie`, and for a good selfie the face encoding the later checks compare with; a
    selfie whose face cannot be encoded is refused (``no_face``): a selfie only counts with its encoding."""
    verdict = check_selfie(image, circle=circle)
    if not verdict.ok:
        return verdict, None
    try:
        return verdict, face_encoding(image)
    except NoFaceFound:
        return Verdict.decide("selfie", ["no_face"], verdict.scores), None

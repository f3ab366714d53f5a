"""Face detection, 68-point landmarks and encodings (dlib models shipped in face_recognition_models).

Detection is the expensive step (dlib's HOG detector scans an 80x80 window over an image
pyramid), so it runs on a copy scaled just enough to find faces of the size we care
about, and the boxes are mapped back to the full image. The aspect ratio is always kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

HOG_WINDOW = 80  # dlib's frontal face detector finds faces of about 80 px and larger


@dataclass(frozen=True)
class Face:
    """One detected face: box in full-image pixels and the detector's confidence."""

    left: float
    top: float
    right: float
    bottom: float
    score: float = 0.0

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def size(self) -> float:
        return (self.width + self.height) / 2

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def clipped(self, width: int, height: int) -> Face:
        return Face(
            max(0.0, self.left),
            max(0.0, self.top),
            min(width - 1.0, self.right),
            min(height - 1.0, self.bottom),
            self.score,
        )

    def pixels(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) rounded to whole pixels, as dlib gets the box."""
        return (round(self.left), round(self.top), round(self.right), round(self.bottom))

    def css(self) -> tuple[int, int, int, int]:
        """(top, right, bottom, left) as face_recognition wants it."""
        return (round(self.top), round(self.right), round(self.bottom), round(self.left))


@cache
def _models():
    """Load the dlib models once per process (imported lazily: importing them takes a second)."""
    import dlib
    import face_recognition_models

    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(face_recognition_models.pose_predictor_model_location()),
        dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location()),
        dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location()),
    )


def _rectangle(face: Face):
    import dlib

    return dlib.rectangle(*face.pixels())


def detect_faces(image: np.ndarray, *, min_face: float, region: Face | None = None) -> list[Face]:
    """Faces of at least about ``min_face`` px (full-image scale), best score first.

    The image (or ``region`` of it) is rescaled by ``HOG_WINDOW / min_face`` so the detector
    works on the smallest copy that can still see such a face.
    """
    detector = _models()[0]
    height, width = image.shape[:2]
    x0 = y0 = 0
    if region is not None:
        x0, y0 = max(0, int(region.left)), max(0, int(region.top))
        x1, y1 = min(width, int(np.ceil(region.right))), min(height, int(np.ceil(region.bottom)))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return []
        image = image[y0:y1, x0:x1]
    scale = HOG_WINDOW / max(float(min_face), 1.0)
    if abs(scale - 1.0) > 0.05:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        new_size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        work = cv2.resize(image, new_size, interpolation=interpolation)
    else:
        scale, work = 1.0, image
    rects, scores, _ = detector.run(np.ascontiguousarray(work), 0, 0.0)
    faces = [
        Face(
            x0 + r.left() / scale,
            y0 + r.top() / scale,
            x0 + r.right() / scale,
            y0 + r.bottom() / scale,
            float(s),
        ).clipped(width, height)
        for r, s in zip(rects, scores, strict=True)
    ]
    return sorted(faces, key=lambda f: -f.score)


def landmarks(image: np.ndarray, face: Face) -> np.ndarray:
    """The 68 iBUG landmarks of ``face`` as a float array (68, 2) in full-image pixels."""
    shape = _models()[1](image, _rectangle(face))
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


def encoding(image: np.ndarray, face: Face) -> np.ndarray:
    """The 128-d dlib ResNet encoding of ``face`` (what face_recognition.face_encodings computes)."""
    _, _, five_points, encoder = _models()
    shape = five_points(image, _rectangle(face))
    return np.array(encoder.compute_face_descriptor(image, shape, 1), dtype=np.float64)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two encodings (face_recognition's face_distance)."""
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))

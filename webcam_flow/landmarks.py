"""Measures read off the 68 iBUG landmarks: eye aspect ratio, head yaw, mouth opening.

Indices (0-based): jaw 0-16, brows 17-26, nose 27-35 (tip 30), eyes 36-41 and 42-47,
outer lips 48-59 (corners 48 and 54), inner lips 60-67 (61-63 top, 65-67 bottom).
"""

from __future__ import annotations

import numpy as np


def eye_aspect_ratio(points: np.ndarray) -> float:
    """Mean EAR of both eyes (Soukupova & Cech 2016): about 0.25-0.45 open, below 0.2 closed."""

    def one(eye: np.ndarray) -> float:
        vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        return float(vertical / (2.0 * np.linalg.norm(eye[0] - eye[3]) + 1e-9))

    return (one(points[36:42]) + one(points[42:48])) / 2.0


def mouth_opening(points: np.ndarray) -> float:
    """Inner-lip gap over mouth width: about 0.0-0.2 closed or talking, above 0.3 open."""
    gap = np.linalg.norm(points[62] - points[66])
    return float(gap / (np.linalg.norm(points[48] - points[54]) + 1e-9))


def interocular(points: np.ndarray) -> float:
    """Distance between the eye centres in pixels: the face's scale."""
    return float(np.linalg.norm(points[36:42].mean(axis=0) - points[42:48].mean(axis=0)))


def yaw_index(points: np.ndarray) -> float:
    """Head yaw as a ratio in [-1, 1]: 0 facing the camera, about +-0.25 a clear turn, +-0.6 a strong one.

    Measured along the eye line: (nose tip to the image-left cheek contour minus nose tip to the
    image-right cheek contour) over their sum. Uses no mouth or chin point, so speaking or
    opening the mouth does not move it (a 3D pose fit with the chin did).

    Direction convention: POSITIVE = the person turned their head to THEIR LEFT, which on a
    non-mirrored camera image moves the nose toward the image's RIGHT; negative = to their right.
    """
    left_eye, right_eye = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    axis = (right_eye - left_eye) / (np.linalg.norm(right_eye - left_eye) + 1e-9)
    to_left = float(np.dot(points[30] - points[2], axis))
    to_right = float(np.dot(points[14] - points[30], axis))
    return (to_left - to_right) / (abs(to_left) + abs(to_right) + 1e-9)

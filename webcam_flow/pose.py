"""Head pose in degrees from the 68 iBUG landmarks: a generic 3D face fitted with ``cv2.solvePnP``.

The camera is not calibrated: its focal length is taken as the frame's width (a webcam's field of view
of about 50-60 degrees) and its centre as the frame's centre. Only points that do not move with the
mouth, the brows or the eyelids are fitted (nose and eye corners), so speaking, laughing or blinking
does not turn the head.

Direction convention, as everywhere in webcam_flow: POSITIVE yaw = the person turned their head to
THEIR LEFT, which on a non-mirrored camera image moves the nose toward the image's RIGHT. Positive
pitch = looking up.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# A mean adult face in millimetres (x to the image's right, y down, z away from the camera), at the
# landmarks fitted: nose bridge and tip (27-30), the nostrils (31-35), the eye corners (36, 39, 42, 45).
# Rounded values of the widely used in-the-wild mean shape of the 68 landmarks (OpenFace's PDM).
_MODEL_INDICES = np.array([27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 39, 42, 45])
_MODEL_POINTS = np.array(
    [
        [0.7, -42.2, -13.4],
        [0.8, -31.0, -21.2],
        [1.0, -19.9, -29.3],
        [1.2, -8.4, -36.9],
        [-14.8, 2.6, -20.1],
        [-7.2, 4.8, -23.5],
        [0.6, 6.6, -25.9],
        [8.3, 4.7, -23.7],
        [15.2, 2.6, -20.9],
        [-46.0, -37.5, 7.0],
        [-19.6, -36.8, -0.1],
        [19.3, -37.0, -0.7],
        [45.2, -38.1, 4.9],
    ]
)


@dataclass(frozen=True)
class HeadPose:
    """Yaw, pitch and roll in degrees (see the module's direction convention)."""

    yaw: float
    pitch: float
    roll: float


NO_POSE = HeadPose(float("nan"), float("nan"), float("nan"))


def camera_matrix(width: int, height: int) -> np.ndarray:
    """Approximate intrinsics of an uncalibrated webcam: focal length = frame width, centre of the frame."""
    focal = float(width)
    return np.array([[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]])


def head_pose(points: np.ndarray, width: int, height: int) -> HeadPose:
    """The head's rotation relative to the camera's axis, from the landmarks of one frame."""
    image_points = np.ascontiguousarray(points[_MODEL_INDICES], dtype=np.float64)
    camera = camera_matrix(width, height)
    # EPnP for a start, refined by Levenberg-Marquardt (the iterative solver alone can flip the face).
    ok, rotation, translation = cv2.solvePnP(
        _MODEL_POINTS, image_points, camera, None, flags=cv2.SOLVEPNP_EPNP
    )
    if ok:
        ok, rotation, translation = cv2.solvePnP(
            _MODEL_POINTS,
            image_points,
            camera,
            None,
            rvec=rotation,
            tvec=translation,
            useExtrinsicGuess=True,
            flags=cv2.SOLVEPNP_ITERATIVE,
        )
    if not ok:
        return NO_POSE
    matrix, _ = cv2.Rodrigues(rotation)
    facing = matrix @ np.array([0.0, 0.0, -1.0])  # where the face looks (toward the camera at rest)
    across = matrix @ np.array([1.0, 0.0, 0.0])  # from the face's image-left to its image-right side
    yaw = np.degrees(np.arctan2(facing[0], -facing[2]))
    pitch = np.degrees(np.arctan2(-facing[1], np.hypot(facing[0], facing[2])))
    roll = np.degrees(np.arctan2(across[1], across[0]))
    return HeadPose(float(yaw), float(pitch), float(roll))

"""Passive liveness signals: what a printed photo, a replayed still or an edited video gives away.

All thresholds were measured on ../shared/testdata (see the constants); values are
relative (to the face's interocular distance, to 0-255 grey levels), so they do not
depend on the camera's resolution.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from webcam_flow.faces import distance
from webcam_flow.tracking import Observation

# Landmarks a homography is fitted to: brows, nose, eyes and lips (the jaw contour is a
# silhouette, not fixed points on the face, and is noisier).
_RIGID_POINTS = np.arange(17, 68)

# Landmark residual (RMS / interocular distance) after the best homography from the first
# face frame; the 75th percentile over the frames, so a few frames where the landmark
# predictor lands differently neither make nor break it. A still photo repeated, shifted,
# zoomed, rotated or tilted in perspective, with camera noise and JPEG, measures 0.008-0.015;
# real faces 0.035 (d18 only talking), 0.038 (d19 blinking and talking), 0.08-0.10 (Hamilton
# turning, d18 opening the mouth).
RIGID_MAX_RESIDUAL = 0.025
# Mean absolute grey-level change (0-255, 64-px-wide thumbnails) from the first frame below
# which the frames count as one still image; real clips reach 2 or more.
STATIC_MAX_CHANGE = 1.5
# Between consecutive frames: a cut changes the grey-level histogram (Bhattacharyya distance
# 0.34-0.39 at the Hamilton cuts, at most 0.08 inside a shot) or makes the face jump (by 2.3
# and 8.8 face sizes at those cuts, at most 0.55 inside a shot, across a missed frame).
CUT_MIN_HISTOGRAM_DISTANCE = 0.2
CUT_MIN_FACE_JUMP = 1.2
# Distance of each (roughly frontal) encoded frame to the most frontal one. Lin-Manuel Miranda
# turning his head in the Hamilton clip reaches 0.59 (his frames are 0.31-0.58 from his photo);
# the other person after the cut is 0.70-0.89 away, as are all different people in the test data.
SAME_FACE_MAX_DISTANCE = 0.65


def nonrigid_residual(observations: Sequence[Observation]) -> float:
    """How far the face deviates from moving as one flat picture: 75th percentile over the frames."""
    with_face = [o for o in observations if o.points is not None]
    if len(with_face) < 2:
        return 0.0
    reference = with_face[0].points[_RIGID_POINTS].astype(np.float32)
    residuals = []
    for obs in with_face[1:]:
        target = obs.points[_RIGID_POINTS].astype(np.float32)
        homography, _ = cv2.findHomography(reference, target, 0)
        if homography is None:
            continue
        projected = cv2.perspectiveTransform(reference.reshape(-1, 1, 2), homography).reshape(-1, 2)
        rms = float(np.sqrt(((projected - target) ** 2).sum(axis=1).mean()))
        residuals.append(rms / max(obs.scale, 1.0))
    return float(np.percentile(residuals, 75)) if residuals else 0.0


def image_change(observations: Sequence[Observation]) -> float:
    """Largest mean grey-level difference of any frame from the first (thumbnails)."""
    first = observations[0].thumb
    return max(
        (float(np.abs(o.thumb - first).mean()) for o in observations[1:] if o.thumb.shape == first.shape),
        default=0.0,
    )


def _histogram(thumb: np.ndarray) -> np.ndarray:
    hist = cv2.calcHist([thumb], [0], None, [32], [0, 256])
    return hist / max(float(hist.sum()), 1.0)


def largest_cut(observations: Sequence[Observation]) -> tuple[float, float]:
    """(largest histogram distance, largest face jump in face sizes) between consecutive frames."""
    hist_worst = jump_worst = 0.0
    for before, after in zip(observations, observations[1:], strict=False):
        hist_worst = max(
            hist_worst,
            float(
                cv2.compareHist(_histogram(before.thumb), _histogram(after.thumb), cv2.HISTCMP_BHATTACHARYYA)
            ),
        )
        if before.face is not None and after.face is not None:
            (bx, by), (ax, ay) = before.face.centre, after.face.centre
            jump = float(np.hypot(ax - bx, ay - by)) / max(before.face.size, 1.0)
            ratio = max(before.face.size, after.face.size) / max(min(before.face.size, after.face.size), 1.0)
            jump_worst = max(jump_worst, jump, (ratio - 1.0) * 2.0)
    return hist_worst, jump_worst


def identity_spread(
    observations: Sequence[Observation], reference: np.ndarray | None = None
) -> tuple[float, float]:
    """(largest distance of an encoded frame to the most frontal one, largest distance to ``reference``)."""
    encodings = [o.encoding for o in observations if o.encoding is not None]
    anchor = min((o for o in observations if o.encoding is not None), key=lambda o: abs(o.yaw), default=None)
    spread = max((distance(e, anchor.encoding) for e in encodings), default=0.0) if anchor else 0.0
    to_reference = (
        max((distance(e, reference) for e in encodings), default=0.0) if reference is not None else 0.0
    )
    return spread, to_reference


def passive_reasons(
    observations: Sequence[Observation], reference: np.ndarray | None = None
) -> tuple[list[str], dict[str, float]]:
    """Reason codes and scores of the passive checks (frames assumed to contain a face)."""
    reasons: list[str] = []
    residual = nonrigid_residual(observations)
    change = image_change(observations)
    histogram_cut, face_jump = largest_cut(observations)
    spread, to_reference = identity_spread(observations, reference)
    if change < STATIC_MAX_CHANGE and residual < RIGID_MAX_RESIDUAL:
        reasons.append("static_frames")
    elif residual < RIGID_MAX_RESIDUAL:
        reasons.append("rigid_plane_motion")
    if histogram_cut > CUT_MIN_HISTOGRAM_DISTANCE or face_jump > CUT_MIN_FACE_JUMP:
        reasons.append("scene_cut")
    if spread > SAME_FACE_MAX_DISTANCE or to_reference > SAME_FACE_MAX_DISTANCE:
        reasons.append("face_changed")
    scores = {
        "nonrigid_residual": residual,
        "image_change": change,
        "cut_histogram_distance": histogram_cut,
        "cut_face_jump": face_jump,
        "identity_spread": spread,
    }
    if reference is not None:
        scores["max_distance_to_reference"] = to_reference
    return reasons, scores

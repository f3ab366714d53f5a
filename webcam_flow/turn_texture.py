"""3D consistency of head turns read from the image: a 2D warp of a photo only moves its pixels.

Between the frame at rest nearest the turn and the turn's peak frame, the rest frame's face is warped onto
the peak's 68 landmarks (piecewise-affine on their Delaunay triangles) and compared with the peak's grey
levels, per half of the face, eyes and mouth left out, after a blur and with each half's brightness and
contrast normalised (normalised cross-correlation). A photo warped by an animator is predicted up to the
resampling, the landmarks' error and the camera; a real head turning 20-30 degrees is not: the far cheek
slides behind the nose, the near side of the nose comes into view, the shading changes as the face turns.

**It does not separate them with a margin, so it refuses nothing** (docs/identify.md): the Hamilton clip's
real turns score 0.56-0.92 (33 turns; 0.56-0.85 for the turns of 20 degrees or more, 0.92 for a 16-degree
one), photos animated with triangles 0.875-0.985 and with a thin-plate spline field and a softer camera
0.88-0.96 (0.86 with a rendered shading change). The score is reported in the verdict
(``turn_texture_<turn>``) for data collection.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from webcam_flow.movements import TURN_MIN_DEG, TURN_RETURN_DEG, Neutral, find_movements
from webcam_flow.tracking import Observation

# Frames counted as the rest: within this many degrees of the person's neutral yaw (as the parallax score).
NEUTRAL_WITHIN_DEG = 5.0
# Blur before comparing, in interocular distances: the texture a warp resamples is not the signal.
BLUR_IOD = 0.04
# Masks are shrunk by this many interocular distances (the contour is a silhouette, the background moves).
ERODE_IOD = 0.05
# Window of the smooth optical flow that absorbs the landmarks' error, in interocular distances.
REFINE_WINDOW_IOD = 0.4

# The halves of the face in the image (not the person's): from the jaw to the nose's midline, below the
# lower eyelids and outside the mouth.
_IMAGE_LEFT = [1, 2, 3, 4, 5, 48, 31, 32, 33, 30, 29, 28, 27, 39, 40, 41, 36]
_NOSE = [27, 39, 31, 32, 33, 34, 35, 42]
_IMAGE_RIGHT = [15, 14, 13, 12, 11, 54, 35, 34, 33, 30, 29, 28, 27, 42, 47, 46, 45]


def _triangles(points: np.ndarray) -> np.ndarray:
    """Delaunay triangles (index triples) of ``points``."""
    lo = points.min(axis=0) - 2
    hi = points.max(axis=0) + 2
    subdiv = cv2.Subdiv2D((float(lo[0]), float(lo[1]), float(hi[0] - lo[0] + 1), float(hi[1] - lo[1] + 1)))
    for x, y in points:
        subdiv.insert((float(x), float(y)))
    found = []
    for tri in subdiv.getTriangleList().reshape(-1, 3, 2):
        distances = np.linalg.norm(points[None, :, :] - tri[:, None, :], axis=2)
        index = distances.argmin(axis=1)
        if distances[np.arange(3), index].max() < 0.5 and len(set(index)) == 3:
            found.append(index)
    return np.array(found, dtype=np.int32).reshape(-1, 3)


def piecewise_maps(
    source: np.ndarray, target: np.ndarray, triangles: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``cv2.remap`` maps (x, y) taking each ``target`` triangle's pixels from its ``source`` triangle, in an
    image of ``shape``, and the label of the triangle each pixel is in (0: none; the maps are the identity
    there)."""
    h, w = shape
    label = np.zeros((h, w), np.int32)
    affines = [np.array([[1.0, 0, 0], [0, 1.0, 0]])]
    for i, tri in enumerate(triangles, start=1):
        dst, src = target[tri].astype(np.float32), source[tri].astype(np.float32)
        (ax, ay), (bx, by) = dst[1] - dst[0], dst[2] - dst[0]
        if abs(ax * by - ay * bx) < 1e-3:
            affines.append(affines[0])
            continue
        affines.append(cv2.getAffineTransform(dst, src))
        cv2.fillConvexPoly(label, np.round(dst * 16).astype(np.int32), i, cv2.LINE_8, 4)
    matrices = np.array(affines)[label]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    map_x = matrices[..., 0, 0] * xs + matrices[..., 0, 1] * ys + matrices[..., 0, 2]
    map_y = matrices[..., 1, 0] * xs + matrices[..., 1, 1] * ys + matrices[..., 1, 2]
    return map_x.astype(np.float32), map_y.astype(np.float32), label


def warp_onto(
    image: np.ndarray, source: np.ndarray, target: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """``image`` (grey float32) warped piecewise-affinely so ``source`` points land on ``target`` points,
    in an image of ``shape``; NaN outside the triangles."""
    map_x, map_y, label = piecewise_maps(source, target, _triangles(target), shape)
    out = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR)
    out[label == 0] = np.nan
    return out


def _grey(image: np.ndarray) -> np.ndarray:
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return grey.astype(np.float32)


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 1e-6 else 1.0


def region_agreement(
    rest: np.ndarray, rest_points: np.ndarray, peak: np.ndarray, peak_points: np.ndarray
) -> dict[str, float]:
    """How well the rest frame, warped onto the peak's landmarks (:func:`warp_onto`) and then moved by a
    smooth optical flow that absorbs the landmarks' error (:func:`_refined`), predicts the peak frame:
    normalised cross-correlation of the grey levels per region (``left`` and ``right`` halves of the face
    in the image, ``nose``); 1 is a perfect prediction."""
    iod = float(np.linalg.norm(peak_points[42:48].mean(axis=0) - peak_points[36:42].mean(axis=0)))
    margin = 0.3 * iod
    lo = np.maximum(np.floor(peak_points.min(axis=0) - margin).astype(int), 0)
    hi = np.minimum(np.ceil(peak_points.max(axis=0) + margin).astype(int), [peak.shape[1], peak.shape[0]])
    shape = (int(hi[1] - lo[1]), int(hi[0] - lo[0]))
    target = peak_points - lo
    sigma = max(0.5, BLUR_IOD * iod)
    rest_grey = cv2.GaussianBlur(_grey(rest), (0, 0), sigma)
    peak_grey = cv2.GaussianBlur(_grey(peak)[lo[1] : hi[1], lo[0] : hi[0]], (0, 0), sigma)
    predicted = _refined(warp_onto(rest_grey, rest_points, target, shape), peak_grey, iod)
    erode = max(1, int(round(ERODE_IOD * iod)))
    kernel = np.ones((2 * erode + 1, 2 * erode + 1), np.uint8)
    result = {}
    for name, polygon in (("left", _IMAGE_LEFT), ("right", _IMAGE_RIGHT), ("nose", _NOSE)):
        mask = np.zeros(shape, np.uint8)
        cv2.fillPoly(mask, [np.round(target[polygon]).astype(np.int32)], 255)
        inside = (cv2.erode(mask, kernel) > 0) & np.isfinite(predicted)
        result[name] = _ncc(predicted[inside], peak_grey[inside]) if inside.sum() > 20 else 1.0
    return result


def _refined(predicted: np.ndarray, peak: np.ndarray, iod: float) -> np.ndarray:
    """``predicted`` moved by a smooth optical flow onto ``peak``: what the landmarks' error explains."""
    filled = np.where(np.isfinite(predicted), predicted, peak)
    a = np.clip(filled, 0, 255).astype(np.uint8)
    b = np.clip(peak, 0, 255).astype(np.uint8)
    window = max(5, int(round(REFINE_WINDOW_IOD * iod)) | 1)
    flow = cv2.calcOpticalFlowFarneback(b, a, None, 0.5, 2, window, 3, 5, 1.1, cv2.OPTFLOW_FARNEBACK_GAUSSIAN)
    h, w = peak.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return cv2.remap(predicted, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR, borderValue=np.nan)


def _turn_frames(
    observations: Sequence[Observation], neutral: Neutral, sign: float, seen_t: float
) -> tuple[Observation | None, Observation | None]:
    """The turn first seen in full at ``seen_t``: its peak frame and the rest frame nearest it in time."""
    peak = None
    for obs in observations:
        if obs.points is None or not np.isfinite(obs.yaw_deg) or obs.t < seen_t:
            continue
        away = sign * (obs.yaw_deg - neutral.yaw_deg)
        if away < TURN_RETURN_DEG:
            break
        if peak is None or away > sign * (peak.yaw_deg - neutral.yaw_deg):
            peak = obs
    if peak is None or sign * (peak.yaw_deg - neutral.yaw_deg) < TURN_MIN_DEG:
        return None, None
    at_rest = [
        o
        for o in observations
        if o.points is not None and abs(o.yaw_deg - neutral.yaw_deg) <= NEUTRAL_WITHIN_DEG
    ]
    if not at_rest:
        return None, peak
    return min(at_rest, key=lambda o: abs(o.t - peak.t)), peak


def turn_agreements(
    images: Sequence[np.ndarray], observations: Sequence[Observation], asked: Sequence[str]
) -> list[dict[str, float]]:
    """For each asked turn found: its kind, the peak's yaw from neutral, the far half's, the near half's
    and the nose's agreement (:func:`region_agreement`) and their mean (``agreement``)."""
    neutral, movements = find_movements(observations)
    found = []
    for movement in movements:
        if movement.kind not in asked or not movement.kind.startswith("turn_"):
            continue
        sign = 1.0 if movement.kind == "turn_left" else -1.0
        rest, peak = _turn_frames(observations, neutral, sign, movement.seen_t)
        if rest is None or peak is None:
            continue
        halves = region_agreement(images[rest.index], rest.points, images[peak.index], peak.points)
        # Turning to their left, the nose moves to the image's right: the far half is the image's right.
        far, near = ("right", "left") if sign > 0 else ("left", "right")
        found.append(
            {
                "kind": movement.kind,
                "yaw": sign * (peak.yaw_deg - neutral.yaw_deg),
                "far": halves[far],
                "near": halves[near],
                "nose": halves["nose"],
                "agreement": (halves[far] + halves[near] + halves["nose"]) / 3,
                "rest_t": rest.t,
                "peak_t": peak.t,
            }
        )
    return found


def turn_texture_scores(
    images: Sequence[np.ndarray], observations: Sequence[Observation], asked: Sequence[str]
) -> dict[str, float]:
    """``turn_texture_<turn>`` for each asked turn found: the agreement of the turn's peak with its rest
    frame warped in 2D; of several turns of that kind, the lowest (the most three-dimensional)."""
    scores: dict[str, float] = {}
    for turn in turn_agreements(images, observations, asked):
        key = f"turn_texture_{turn['kind']}"
        scores[key] = min(turn["agreement"], scores.get(key, 1.0))
    return scores

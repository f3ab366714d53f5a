"""Presentation attacks generated from ../shared/testdata: printed, animated, replayed and swapped faces.

Nothing here is committed but code: each function builds a list of :class:`~webcam_flow.video.Frame` at
the page's 10 frames a second, deterministically from a seed. The attacker knows the task (the page shows
it): each movement is made in the middle of the slot the schedule gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

from tests.testdata import shared_file
from webcam_flow import faces
from webcam_flow.images import decode_image
from webcam_flow.turn_texture import piecewise_maps
from webcam_flow.video import Frame, frames_from_video

FPS = 10.0
SIZE = 480  # the attack's frames: a face-centred square, like the LivePortrait clips
SECONDS_PER_CHALLENGE = 3.0


def load_photo(name: str, size: int = SIZE) -> np.ndarray:
    """A photo of ../shared/testdata/faces cropped square around its largest face (3 face sizes wide)."""
    image = decode_image(shared_file(f"faces/{name}").read_bytes())
    face = max(faces.detect_faces(image, min_face=40), key=lambda f: f.size)
    half = int(face.size * 1.5)
    padded = cv2.copyMakeBorder(image, half, half, half, half, cv2.BORDER_REFLECT)
    x, y = int(face.centre[0]) + half, int(face.centre[1]) + half
    crop = padded[y - half : y + half, x - half : x + half]
    return np.ascontiguousarray(cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA))


def load_video(name: str, first: int = 0, stop: int | None = None) -> list[Frame]:
    """A video of ../shared/testdata/video at the page's rate, source frames ``first``..``stop``."""
    return frames_from_video(shared_file(f"video/{name}"), fps=FPS, start=first, stop=stop)


def photo_landmarks(image: np.ndarray) -> np.ndarray:
    """The 68 landmarks of the largest face in ``image``."""
    face = max(faces.detect_faces(image, min_face=40), key=lambda f: f.size)
    return faces.landmarks(image, face)


# --- camera ------------------------------------------------------------------------------------------


def camera(
    image: np.ndarray, rng: np.random.Generator, *, noise: float = 3.0, quality: int = 85
) -> np.ndarray:
    """Sensor noise and the JPEG the page sends."""
    noisy = np.clip(image.astype(np.int16) + rng.normal(0, noise, image.shape).astype(np.int16), 0, 255)
    ok, data = cv2.imencode(".jpg", noisy.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)


def _smooth(rng: np.random.Generator, count: int = 1, waves: int = 3) -> Callable[[float], np.ndarray]:
    """``count`` smooth random signals of t (sums of slow sines, 0.2-1.2 Hz), each about -1..1."""
    freq = rng.uniform(0.2, 1.2, (waves, count))
    phase = rng.uniform(0, 2 * np.pi, (waves, count))
    return lambda t: np.sin(2 * np.pi * freq * t + phase).sum(axis=0) / np.sqrt(waves)


def _held(image: np.ndarray, t: float, hand: Callable[[float], np.ndarray], amount: float) -> np.ndarray:
    """``image`` moved as a plane by a hand: shift, zoom, roll and a tilt about the vertical axis."""
    h, w = image.shape[:2]
    dx, dy, zoom, roll, tilt = hand(t)[:5] * amount
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 4 * roll, 1 + 0.06 * zoom)
    matrix[:, 2] += (0.03 * w * dx, 0.03 * h * dy)
    d = 0.04 * w * tilt
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    tilted = np.float32([[d, d / 3], [w - d, -d / 3], [w - d, h + d / 3], [d, h - d / 3]])
    perspective = cv2.getPerspectiveTransform(corners, tilted) @ np.vstack([matrix, [0, 0, 1]])
    return cv2.warpPerspective(image, perspective, (w, h), borderMode=cv2.BORDER_REFLECT)


def _times(challenges: Sequence[str], seconds_per_challenge: float) -> list[float]:
    return [i / FPS for i in range(int(round(len(challenges) * seconds_per_challenge * FPS)))]


# --- printed -----------------------------------------------------------------------------------------


def printed(
    photo: np.ndarray,
    challenges: Sequence[str] = ("blink", "turn_left"),
    seconds_per_challenge: float = SECONDS_PER_CHALLENGE,
    *,
    seed: int = 0,
    motion: float = 1.0,
) -> list[Frame]:
    """A still photo held in front of the camera, moved as one plane (shift, zoom, roll, tilt)."""
    rng = np.random.default_rng(seed)
    hand = _smooth(rng, 5)
    return [
        Frame(t, camera(_held(photo, t, hand, motion), rng))
        for t in _times(challenges, seconds_per_challenge)
    ]


# --- piecewise-affine warps on landmarks ---------------------------------------------------------------


def _border_points(shape: tuple[int, ...], per_side: int = 4) -> np.ndarray:
    h, w = shape[:2]
    steps = np.linspace(0, 1, per_side + 1)[:-1]
    top = [(s * (w - 1), 0) for s in steps]
    right = [(w - 1, s * (h - 1)) for s in steps]
    bottom = [((1 - s) * (w - 1), h - 1) for s in steps]
    left = [(0, (1 - s) * (h - 1)) for s in steps]
    return np.array(top + right + bottom + left, dtype=np.float64)


def triangulate(points: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Delaunay triangles (index triples) of ``points`` inside an image of ``shape``."""
    h, w = shape[:2]
    subdiv = cv2.Subdiv2D((-1, -1, w + 2, h + 2))
    for x, y in points:
        subdiv.insert((float(x), float(y)))
    triangles = []
    for tri in subdiv.getTriangleList().reshape(-1, 3, 2):
        distances = np.linalg.norm(points[None, :, :] - tri[:, None, :], axis=2)
        index = distances.argmin(axis=1)
        if distances[np.arange(3), index].max() < 0.5 and len(set(index)) == 3:
            triangles.append(index)
    return np.array(triangles, dtype=np.int32)


def piecewise_affine(
    image: np.ndarray, source: np.ndarray, target: np.ndarray, triangles: np.ndarray
) -> np.ndarray:
    """``image`` warped so that each triangle of ``source`` points lands on its triangle of ``target``."""
    map_x, map_y, _ = piecewise_maps(source, target, triangles, image.shape[:2])
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


# --- animated ----------------------------------------------------------------------------------------


def _envelope(t: float, start: float, rise: float, hold: float, fall: float) -> float:
    """0 before ``start``, up to 1 over ``rise`` (smoothly), held, down to 0 over ``fall``."""
    if t < start or t > start + rise + hold + fall:
        return 0.0
    if t < start + rise:
        x = (t - start) / rise
    elif t <= start + rise + hold:
        x = 1.0
    else:
        x = 1 - (t - start - rise - hold) / fall
    return float(0.5 - 0.5 * np.cos(np.pi * x))


_UPPER_LIDS = ((37, 41), (38, 40), (43, 47), (44, 46))
_LOWER_LIP = np.array([55, 56, 57, 58, 59, 65, 66, 67])
_JAW_WEIGHTS = {
    3: 0.15,
    4: 0.35,
    5: 0.6,
    6: 0.85,
    7: 1.0,
    8: 1.0,
    9: 1.0,
    10: 0.85,
    11: 0.6,
    12: 0.35,
    13: 0.15,
}


def animated_points(
    points: np.ndarray,
    *,
    turn: float = 0.0,
    blink: float = 0.0,
    mouth: float = 0.0,
    jitter: np.ndarray | None = None,
    nose_shift: float = 0.4,
    nose_extra: float = 0.15,
    mouth_drop: float = 0.35,
) -> np.ndarray:
    """Where a 2D animator puts the 68 landmarks of a flat photo.

    ``turn`` in -1..1 (positive: the person's left, the nose to the image's right): the face's horizontal
    coordinate is remapped piecewise-linearly so the nose line moves by ``nose_shift`` interocular
    distances while the face's outline stays, compressing one half and stretching the other; the nose
    (bridge to nostrils, as one piece) moves ``nose_extra`` further. ``blink``
    0..1 lowers the upper lids onto the lower ones; ``mouth`` 0..1 drops the lower lip and the chin by
    ``mouth_drop`` interocular distances. ``jitter`` (68, 2), in interocular distances, is idle motion.
    """
    left_eye, right_eye = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    scale = float(np.linalg.norm(right_eye - left_eye))
    across = (right_eye - left_eye) / scale
    down = np.array([-across[1], across[0]])
    origin = points[27:31].mean(axis=0)
    xi = (points - origin) @ across / scale
    eta = (points - origin) @ down / scale
    width = 1.15 * float(np.abs(xi[:17]).max())
    shift = turn * nose_shift
    inside = np.abs(xi) < width
    moved = np.where(
        xi < 0, -width + (xi + width) * (width + shift) / width, shift + xi * (width - shift) / width
    )
    xi = np.where(inside, moved, xi)
    xi[27:36] += turn * nose_extra
    out = points.copy()
    for upper, lower in _UPPER_LIDS:
        out[upper] += 0.95 * blink * (points[lower] - points[upper])
    eta = (out - origin) @ down / scale
    drop = np.zeros(68)
    drop[_LOWER_LIP] = 1.0
    drop[[48, 54, 60, 64]] = 0.3
    for index, weight in _JAW_WEIGHTS.items():
        drop[index] = weight
    eta = eta + mouth * mouth_drop * drop
    result = origin + np.outer(xi * scale, across) + np.outer(eta * scale, down)
    if jitter is not None:
        result += jitter * scale
    return result


def _schedule(
    challenges: Sequence[str], seconds_per_challenge: float
) -> Callable[[float], tuple[float, float, float]]:
    """(turn, blink, mouth) amounts at time t: each movement in the middle of its own slot."""
    moves = []
    for k, challenge in enumerate(challenges):
        middle = (k + 0.5) * seconds_per_challenge
        moves.append((challenge, middle))

    def amounts(t: float) -> tuple[float, float, float]:
        turn = blink = mouth = 0.0
        for challenge, middle in moves:
            if challenge in ("turn_left", "turn_right"):
                sign = 1.0 if challenge == "turn_left" else -1.0
                turn += sign * _envelope(t, middle - 0.8, 0.5, 0.8, 0.5)
            elif challenge == "blink":
                blink += _envelope(t, middle - 0.2, 0.1, 0.3, 0.1)
            elif challenge == "open_mouth":
                mouth += _envelope(t, middle - 0.7, 0.3, 1.0, 0.3)
        return turn, blink, mouth

    return amounts


def _mouth_inside(image: np.ndarray, target: np.ndarray, mouth: float) -> np.ndarray:
    """Paint the opened mouth's inside dark, as a real open mouth is."""
    if mouth < 0.05:
        return image
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(target[60:68]).astype(np.int32)], 255)
    alpha = cv2.GaussianBlur(mask, (5, 5), 0).astype(np.float32)[..., None] / 255 * min(1.0, mouth * 1.2)
    dark = np.array([60, 25, 25], np.float32)
    return (image * (1 - alpha) + dark * alpha).astype(np.uint8)


def _closed_eyes(image: np.ndarray, points: np.ndarray, amount: float) -> np.ndarray:
    """Paint each eye (``points``: where the open eye is) over with the skin around it and a dark lash line
    along the lower lid, as a closed eye looks."""
    if amount < 0.05:
        return image
    out = image.astype(np.float32)
    for eye in (points[36:42], points[42:48]):
        polygon = np.round(eye).astype(np.int32)
        mask = np.zeros(image.shape[:2], np.uint8)
        cv2.fillConvexPoly(mask, cv2.convexHull(polygon), 255)
        width = int(max(3, np.linalg.norm(eye[3] - eye[0]) * 0.25))
        grown = cv2.dilate(mask, np.ones((width, width), np.uint8))
        ring = (cv2.dilate(grown, np.ones((width, width), np.uint8)) > 0) & (grown == 0)
        skin = np.median(out[ring], axis=0)
        alpha = cv2.GaussianBlur(grown, (0, 0), width / 3).astype(np.float32)[..., None] / 255 * amount
        out = out * (1 - alpha) + skin * alpha
        lashes = np.round(eye[[0, 5, 4, 3]] + [0, -0.5]).astype(np.int32)
        line = np.zeros(image.shape[:2], np.uint8)
        cv2.polylines(line, [lashes], False, 255, max(1, width // 2), cv2.LINE_AA)
        beta = line.astype(np.float32)[..., None] / 255 * amount
        out = out * (1 - beta) + skin * 0.35 * beta
    return np.clip(out, 0, 255).astype(np.uint8)


def animated(
    photo: np.ndarray,
    challenges: Sequence[str],
    seconds_per_challenge: float = SECONDS_PER_CHALLENGE,
    *,
    seed: int = 0,
    idle: float = 0.035,
    nose_shift: float = 0.4,
    nose_extra: float = 0.15,
    mouth_drop: float = 0.35,
    motion: float = 0.5,
    points: np.ndarray | None = None,
    move_points: Callable[..., np.ndarray] = animated_points,
    warp: str = "affine",
    shading: float = 0.0,
) -> list[Frame]:
    """The photo animated with non-rigid 2D warps on its landmarks, each asked movement in its slot.

    ``idle`` (interocular distances) is smooth random non-rigid jitter of every landmark, which clears the
    rigid-plane check; ``motion`` scales a hand's plane motion on top (a phone held to the camera).

    ``warp``: ``"affine"``, piecewise-affine on the landmarks' Delaunay triangles; ``"spline"``, a smooth
    thin-plate spline field through the same points (a different model from the one
    webcam_flow.turn_texture predicts with), followed by a softer camera (:func:`soft_camera`: blur,
    brightness and contrast flicker, noise, JPEG at quality 80). ``shading`` (0..1) darkens the far half of
    the face and lightens the near half by up to that share as the head turns (a rendered change of light).
    """
    rng = np.random.default_rng(seed)
    points = photo_landmarks(photo) if points is None else points
    # Keep the closed inner lips apart, so the mouth can open between them.
    points = points.copy()
    points[65:68, 1] = np.maximum(points[65:68, 1], points[[63, 62, 61], 1] + 1.0)
    border = _border_points(photo.shape)
    source = np.vstack([points, border])
    triangles = triangulate(source, photo.shape)
    amounts = _schedule(challenges, seconds_per_challenge)
    wobble = _smooth(rng, 68 * 2)
    hand = _smooth(rng, 5)
    frames = []
    for t in _times(challenges, seconds_per_challenge):
        turn, blink, mouth = amounts(t)
        jitter = idle * wobble(t).reshape(68, 2)
        target = move_points(
            points,
            turn=turn,
            blink=blink,
            mouth=mouth,
            jitter=jitter,
            nose_shift=nose_shift,
            nose_extra=nose_extra,
            mouth_drop=mouth_drop,
        )
        if warp == "spline":
            image = thin_plate_spline(photo, source, np.vstack([target, border]))
        else:
            image = piecewise_affine(photo, source, np.vstack([target, border]), triangles)
        image = _mouth_inside(image, target, mouth)
        if blink > 0.05:
            opened = move_points(points, turn=turn, mouth=mouth, jitter=jitter, nose_shift=nose_shift)
            image = _closed_eyes(image, opened, blink)
        if shading:
            image = _turn_shading(image, target, turn * shading)
        held = _held(image, t, hand, motion)
        frames.append(Frame(t, soft_camera(held, rng) if warp == "spline" else camera(held, rng)))
    return frames


def thin_plate_spline(image: np.ndarray, source: np.ndarray, target: np.ndarray, step: int = 8) -> np.ndarray:
    """``image`` warped by the thin-plate spline that takes ``target`` points back to ``source`` points:
    a smooth field (solved on a grid every ``step`` pixels, interpolated bicubically), no triangles."""
    h, w = image.shape[:2]
    scale = float(max(h, w))
    ctrl = target / scale

    def kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        r2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
        return np.where(r2 > 0, 0.5 * r2 * np.log(np.maximum(r2, 1e-12)), 0.0)

    n = len(ctrl)
    affine = np.hstack([np.ones((n, 1)), ctrl])
    system = np.zeros((n + 3, n + 3))
    system[:n, :n] = kernel(ctrl, ctrl) + 1e-6 * np.eye(n)
    system[:n, n:] = affine
    system[n:, :n] = affine.T
    rhs = np.zeros((n + 3, 2))
    rhs[:n] = source / scale
    weights = np.linalg.solve(system, rhs)
    gh, gw = h // step + 2, w // step + 2
    gy, gx = np.mgrid[0:gh, 0:gw].astype(np.float64) * step
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1) / scale
    mapped = kernel(grid, ctrl) @ weights[:n] + np.hstack([np.ones((len(grid), 1)), grid]) @ weights[n:]
    mapped = (mapped * scale).reshape(gh, gw, 2).astype(np.float32)
    # Pixel (x, y) reads the grid at (x / step, y / step).
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) / step
    dense = cv2.remap(mapped, xs, ys, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    map_x, map_y = np.ascontiguousarray(dense[..., 0]), np.ascontiguousarray(dense[..., 1])
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _turn_shading(image: np.ndarray, points: np.ndarray, amount: float) -> np.ndarray:
    """A light change across the face as it turns: the far half (the nose's side, ``amount`` > 0: the
    image's right) darker, the near half lighter, by up to ``amount``, smoothly across the face."""
    if abs(amount) < 0.01:
        return image
    left, right = points[:17, 0].min(), points[:17, 0].max()
    centre, half = (left + right) / 2, max(1.0, (right - left) / 2)
    xs = (np.arange(image.shape[1]) - centre) / half
    gain = 1 - amount * np.tanh(1.5 * xs)
    return np.clip(image * gain[None, :, None], 0, 255).astype(np.uint8)


def soft_camera(
    image: np.ndarray, rng: np.random.Generator, *, blur: float = 0.8, flicker: float = 0.04
) -> np.ndarray:
    """A cheaper camera than :func:`camera`: blur, brightness and contrast flicker per frame, sensor noise
    and JPEG at quality 80."""
    soft = cv2.GaussianBlur(image, (0, 0), blur).astype(np.float32)
    gain, offset = 1 + flicker * rng.normal(), 255 * flicker / 2 * rng.normal()
    soft = np.clip((soft - 128) * gain + 128 + offset, 0, 255).astype(np.uint8)
    return camera(soft, rng, quality=80)


# --- replayed ----------------------------------------------------------------------------------------


def replayed(
    video: Sequence[Frame],
    *,
    seed: int = 0,
    gamma: float = 1.6,
    moire: float = 0.08,
    blur: float = 1.2,
    screen_share: float = 0.82,
) -> list[Frame]:
    """A real video played on a screen and filmed: moire, the screen's gamma, blur, a visible bezel on a
    wall, a slight perspective, camera noise and JPEG. Times are kept."""
    rng = np.random.default_rng(seed)
    h, w = video[0].image.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle, period = rng.uniform(0.2, 0.5), rng.uniform(2.6, 3.4)  # pixel grid beating with the sensor's
    pattern = np.cos(2 * np.pi * (xs * np.cos(angle) + ys * np.sin(angle)) / period)
    pattern *= np.cos(2 * np.pi * (xs * np.sin(angle) - ys * np.cos(angle)) / (period * 1.1))
    gamma_table = (255 * (np.arange(256) / 255) ** gamma).astype(np.uint8)
    wall = np.full((h, w, 3), (120, 112, 100), np.uint8)
    bezel = 0.03 * w
    sw, sh = w * screen_share, h * screen_share
    x0, y0 = (w - sw) / 2, (h - sh) / 2
    screen = np.float32([[x0, y0], [x0 + sw, y0 + 0.02 * h], [x0 + sw, y0 + sh - 0.02 * h], [x0, y0 + sh]])
    outer = screen + np.float32([[-bezel, -bezel], [bezel, -bezel], [bezel, bezel], [-bezel, bezel]])
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    to_screen = cv2.getPerspectiveTransform(corners, screen)
    out = []
    for frame in video:
        shown = cv2.LUT(frame.image, gamma_table).astype(np.float32)
        shown = np.clip(shown * (1 + moire * pattern[..., None]), 0, 255).astype(np.uint8)
        canvas = wall.copy()
        cv2.fillConvexPoly(canvas, np.round(outer).astype(np.int32), (15, 15, 18))
        warped = cv2.warpPerspective(shown, to_screen, (w, h))
        mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), to_screen, (w, h)) > 127
        canvas[mask] = warped[mask]
        canvas = cv2.GaussianBlur(canvas, (0, 0), blur)
        out.append(Frame(frame.t, camera(canvas, rng)))
    return out


# --- swapped -----------------------------------------------------------------------------------------


def swapped(video: Sequence[Frame], photo: np.ndarray, *, seed: int = 0) -> list[Frame]:
    """Another person's real video with the victim's face (from ``photo``) warped onto each frame by the
    landmarks, colour-matched and feathered into the frame (a cheap face swap). Frames without a face are
    kept as they are."""
    rng = np.random.default_rng(seed)
    source = photo_landmarks(photo)
    out = []
    for frame in video:
        image = frame.image
        found = faces.detect_faces(image, min_face=40)
        if not found:
            out.append(Frame(frame.t, camera(image, rng)))
            continue
        target = faces.landmarks(image, max(found, key=lambda f: f.size))
        h, w = image.shape[:2]
        resized = cv2.resize(photo, (w, h)) if photo.shape[:2] != (h, w) else photo
        scaled = source * np.array([w / photo.shape[1], h / photo.shape[0]])
        border = _border_points(image.shape)
        both_source, both_target = np.vstack([scaled, border]), np.vstack([target, border])
        warped = piecewise_affine(resized, both_source, both_target, triangulate(both_target, image.shape))
        mask = np.zeros((h, w), np.uint8)
        outline = np.vstack([target[:17], target[26:16:-1]]).astype(np.float32)
        cv2.fillConvexPoly(mask, np.round(cv2.convexHull(outline)[:, 0]).astype(np.int32), 255)
        inside = mask > 0
        if inside.any():
            warped = warped.astype(np.float32)
            warped += image[inside].mean(axis=0) - warped[inside].mean(axis=0)
            warped = np.clip(warped, 0, 255)
        alpha = cv2.GaussianBlur(cv2.erode(mask, np.ones((7, 7), np.uint8)), (0, 0), 4).astype(np.float32)
        alpha = alpha[..., None] / 255
        blended = (image * (1 - alpha) + warped * alpha).astype(np.uint8)
        out.append(Frame(frame.t, camera(blended, rng)))
    return out

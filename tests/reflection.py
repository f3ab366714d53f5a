"""A reflecting camera for tests: real video frames as a webcam would see them while the page lights the
face with a colour sequence (there is no real camera here).

Model: a screen of colour S (RGB in 0..1) adds light to the room's; a skin pixel of albedo ``a`` becomes
``a * (A + k S)``, i.e. each channel is multiplied by ``1 + amplitude * S_c`` where the screen lights
the face (``amplitude``: the relative change of a channel under a fully saturated primary, e.g. 0.03 =
R rises by 3% when the screen turns red). The light falls off away from the face (the background is
farther from the screen), then the camera adds noise and the page sends JPEG at quality 0.8.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import cv2
import numpy as np

from webcam_flow.colour import PALETTE, ColourSequence
from webcam_flow.faces import Face
from webcam_flow.locating import locate
from webcam_flow.video import Frame

JPEG_QUALITY = 80  # the page's canvas.toBlob(..., 'image/jpeg', 0.8)
CAMERA_NOISE = 2.0  # grey levels, per pixel and channel
BACKGROUND_SHARE = 0.2  # how much of the face's reflection reaches the background
LAG_S = 0.1  # the camera shows the screen's colour this much later


def screen_rgb(name: str) -> np.ndarray:
    value = PALETTE[name].lstrip("#")
    return np.array([int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)], np.float32)


def _weights(shape: tuple[int, ...], face: Face | None) -> np.ndarray:
    """1 on the face, falling to BACKGROUND_SHARE a face size or more away."""
    height, width = shape[:2]
    if face is None:
        return np.full((height, width), BACKGROUND_SHARE, np.float32)
    cx, cy = face.centre
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    distance2 = ((x - cx) ** 2 + (y - cy) ** 2) / (0.8 * face.size) ** 2
    return (BACKGROUND_SHARE + (1 - BACKGROUND_SHARE) * np.exp(-distance2)).astype(np.float32)


def jpeg_roundtrip(image: np.ndarray, quality: int = JPEG_QUALITY) -> np.ndarray:
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def reflect(
    frames: Sequence[Frame],
    sequence: ColourSequence | None,
    *,
    amplitude: float = 0.03,
    lag_s: float = LAG_S,
    everywhere: bool = False,
    boxes: Sequence[Face | None] | None = None,
    noise: float = CAMERA_NOISE,
    seed: int = 0,
) -> list[Frame]:
    """``frames`` as the service receives them from a camera facing a screen that shows ``sequence``
    (counted from the first frame, seen ``lag_s`` late). ``sequence`` None: no reflection (a replay), only
    noise and JPEG. ``everywhere``: the whole picture is lit alike (a photo or a screen held up to the
    camera). ``boxes``: the face in each frame (found with the tracker when not given)."""
    rng = np.random.default_rng(seed)
    if boxes is None and sequence is not None and not everywhere:
        boxes = locate([f.image for f in frames])
    start = frames[0].t if frames else 0.0
    out = []
    for i, frame in enumerate(frames):
        lighting = None
        if sequence is not None:
            screen = screen_rgb(sequence.colour_at(frame.t - start - lag_s))
            if everywhere:
                weight = np.ones(frame.image.shape[:2], np.float32)
            else:
                weight = _weights(frame.image.shape, boxes[i] if boxes else None)
            lighting = (screen, weight)
        out.append(Frame(frame.t, _camera_sees(frame.image, lighting, amplitude, rng, noise)))
    return out


def _camera_sees(
    image: np.ndarray,
    lighting: tuple[np.ndarray, np.ndarray] | None,
    amplitude: float,
    rng: np.random.Generator,
    noise: float,
) -> np.ndarray:
    """One frame of :func:`reflect`: lit by the screen's colour and weights (``lighting``; None: not
    lit), the camera's noise drawn from ``rng``, then the page's JPEG."""
    image = image.astype(np.float32)
    if lighting is not None:
        screen, weight = lighting
        image *= 1 + amplitude * weight[..., None] * screen[None, None, :]
    if noise:
        image += rng.normal(0, noise, image.shape).astype(np.float32)
    tinted = np.clip(np.round(image), 0, 255).astype(np.uint8)
    return jpeg_roundtrip(tinted)


def reflect_jpegs(
    frames: Sequence[tuple[float, bytes]], sequence: ColourSequence, *, amplitude: float = 0.03
) -> list[tuple[float, bytes]]:
    """The service tests' (seconds, JPEG) frames with the reflection of their task's ``sequence``, on the
    whole picture (quicker: no face search; the check reads only the cheeks).

    The same bytes as ``reflect(..., everywhere=True)`` then JPEG, made quicker for the many tasks of a
    test process: a frame's result depends only on its picture, its place in the list and the colour
    on the screen (one of six), so each is made once and kept, its camera noise drawn from the noise
    generator's state at that place (kept too)."""
    shapes = tuple(_jpeg_shape(data) for _, data in frames)
    known = _NOISE_STATES.get(shapes)
    states = []
    rng = np.random.default_rng(0)
    start = frames[0][0] if frames else 0.0
    out = []
    for i, (t, data) in enumerate(frames):
        if known:
            rng.bit_generator.state = known[i]
        else:
            states.append(rng.bit_generator.state)
        colour = sequence.colour_at(t - start - LAG_S)
        key = (data, shapes[:i], colour, amplitude)
        if key not in _REFLECTED_JPEGS:
            image = cv2.cvtColor(
                cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
            )
            lighting = (screen_rgb(colour), np.ones(image.shape[:2], np.float32))
            seen = _camera_sees(image, lighting, amplitude, rng, CAMERA_NOISE)
            ok, encoded = cv2.imencode(
                ".jpg", cv2.cvtColor(seen, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
            )
            assert ok
            _REFLECTED_JPEGS[key] = encoded.tobytes()
        elif not known:
            rng.normal(0, CAMERA_NOISE, shapes[i])  # this frame's noise, to reach the next frame's
        out.append((t, _REFLECTED_JPEGS[key]))
    _NOISE_STATES.setdefault(shapes, tuple(states))
    return out


# reflect_jpegs' frames: (JPEG, shapes of the frames before it, screen colour, amplitude) -> JPEG; and the
# state of its noise generator before each frame, by the shapes of the frames
_REFLECTED_JPEGS: dict[tuple, bytes] = {}
_NOISE_STATES: dict[tuple, tuple[dict, ...]] = {}


@functools.cache
def _jpeg_shape(data: bytes) -> tuple[int, ...]:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape

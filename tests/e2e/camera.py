"""Y4M files for Chromium's fake camera, made from ../shared/testdata.

Chromium plays a Y4M file given by ``--use-file-for-fake-video-capture`` in a loop as the
webcam. The format is a text header ``YUV4MPEG2 W.. H.. F30:1 Ip A1:1 C420jpeg`` followed,
per frame, by ``FRAME\\n`` and the frame's I420 bytes. Files are written into tmp dirs by
fixtures, never committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from ..testdata import shared_file

SIZE = 480
FPS = 30


def fit_square(image_bgr: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Scale to cover ``size`` x ``size`` keeping the aspect ratio, then crop the middle.

    Portraits are cropped a little above the middle, where the face usually is.
    """
    height, width = image_bgr.shape[:2]
    scale = size / min(height, width)
    resized = cv2.resize(
        image_bgr,
        (max(size, round(width * scale)), max(size, round(height * scale))),
        interpolation=cv2.INTER_AREA,
    )
    new_h, new_w = resized.shape[:2]
    left = (new_w - size) // 2
    top = (new_h - size) // 3 if new_h > new_w else (new_h - size) // 2
    return np.ascontiguousarray(resized[top : top + size, left : left + size])


def video_frames(path: Path, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
    """BGR frames ``start``..``stop`` (exclusive) of a video file, squared to SIZE x SIZE."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f"OpenCV cannot open the video {path}")
    try:
        index = 0
        while stop is None or index < stop:
            ok, frame = capture.read()
            if not ok:
                break
            if index >= start:
                yield fit_square(frame)
            index += 1
    finally:
        capture.release()


def crop_around_face(image_bgr: np.ndarray, face_share: float = 0.45) -> np.ndarray:
    """A square crop centred on the one face, the face ``face_share`` of its side, scaled to SIZE.

    This is how a photo held up to a webcam looks: the face in the middle, filling the circle.
    """
    import face_recognition  # slow import; only the still camera needs it

    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    faces = face_recognition.face_locations(rgb)
    if len(faces) != 1:
        raise ValueError(f"expected exactly one face in the photo, found {len(faces)}")
    top, right, bottom, left = faces[0]
    height, width = image_bgr.shape[:2]
    side = min(round((bottom - top) / face_share), height, width)
    centre_y, centre_x = (top + bottom) // 2, (left + right) // 2
    y0 = min(max(0, centre_y - side // 2), height - side)
    x0 = min(max(0, centre_x - side // 2), width - side)
    crop = image_bgr[y0 : y0 + side, x0 : x0 + side]
    return np.ascontiguousarray(cv2.resize(crop, (SIZE, SIZE), interpolation=cv2.INTER_AREA))


def still_frames(path: Path, count: int) -> Iterator[np.ndarray]:
    """The same photo, cropped around its face, ``count`` times: the printed-photo attack."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"OpenCV cannot read the image {path}")
    square = crop_around_face(image)
    for _ in range(count):
        yield square


def write_y4m(frames: Iterable[np.ndarray], destination: Path, fps: int = FPS) -> int:
    """Write BGR frames (all the same size, even sides) as Y4M; returns the number of frames."""
    count = 0
    with destination.open("wb") as out:
        for frame in frames:
            height, width = frame.shape[:2]
            if count == 0:
                if width % 2 or height % 2:
                    raise ValueError(f"Y4M 4:2:0 frames need even sides, got {width}x{height}")
                out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
                first_shape = frame.shape
            elif frame.shape != first_shape:
                raise ValueError(f"frame {count} is {frame.shape}, the first was {first_shape}")
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
            count += 1
    if count == 0:
        raise ValueError("no frames to write")
    return count


def read_y4m(path: Path) -> list[np.ndarray]:
    """Read back a Y4M written by :func:`write_y4m` as BGR frames (to check the writer)."""
    data = path.read_bytes()
    header, _, body = data.partition(b"\n")
    fields = header.split()
    if fields[0] != b"YUV4MPEG2":
        raise ValueError(f"{path} is not a YUV4MPEG2 file")
    width = int(next(f for f in fields if f.startswith(b"W"))[1:])
    height = int(next(f for f in fields if f.startswith(b"H"))[1:])
    frame_bytes = width * height * 3 // 2
    frames = []
    offset = 0
    while offset < len(body):
        if body[offset : offset + 6] != b"FRAME\n":
            raise ValueError(f"{path}: no FRAME marker at byte {offset}")
        offset += 6
        yuv = np.frombuffer(body[offset : offset + frame_bytes], dtype=np.uint8).reshape(
            height * 3 // 2, width
        )
        frames.append(cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420))
        offset += frame_bytes
    return frames


def bounced(frames: Iterable[np.ndarray]) -> list[np.ndarray]:
    """Frames forward then backward (without repeating the ends), so a looped file never jumps.

    Chromium loops the file; a plain loop jumps from the last frame to the first, which looks
    like a scene cut to a liveness check (d18: a mean pixel change of 4.8 at the wrap against
    at most 1.6 between neighbouring frames).
    """
    forward = list(frames)
    return forward + forward[-2:0:-1]


def make_video_camera(
    destination: Path,
    video: str = "video/liveportrait_d18.mp4",
    start: int = 0,
    stop: int | None = None,
    *,
    bounce: bool = True,
) -> Path:
    """A Y4M of frames ``start``..``stop`` of a test video, played forward then backward by default."""
    frames = video_frames(shared_file(video), start, stop)
    write_y4m(bounced(frames) if bounce else frames, destination)
    return destination


def make_still_camera(destination: Path, photo: str = "faces/obama.jpg", frames: int = 30) -> Path:
    """A Y4M showing one still photo (the printed-photo attack)."""
    write_y4m(still_frames(shared_file(photo), frames), destination)
    return destination


REFLECTING_CAMERA_JS = Path(__file__).with_name("static") / "reflecting_camera.js"
# As tests/webcam_flow/test_colour_challenge.py's genuine faces: a channel rises by 3% under its primary.
REFLECTION_AMPLITUDE = 0.03


def reflecting_camera(driver, amplitude: float = REFLECTION_AMPLITUDE) -> None:
    """Make ``driver``'s camera reflect the page's screen colour (static/reflecting_camera.js), on every
    page loaded from now on: Chromium's fake camera cannot see the screen."""
    source = REFLECTING_CAMERA_JS.read_text().replace("__AMPLITUDE__", repr(float(amplitude)))
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})

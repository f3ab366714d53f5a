"""The fake camera reaches a page the way the citizen flow uses it: getUserMedia -> video -> canvas.

These prove the harness: a Y4M made from the shared test data plays as the webcam of headless
Chromium, and a frame read back from the page's canvas shows the face of that file.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import cv2
import face_recognition
import numpy as np
import pytest
from PIL import Image

from ..testdata import shared_file
from .browser import data_url_bytes, wait_for
from .camera import bounced, read_y4m, video_frames, write_y4m

SAME_PERSON = 0.6  # face_recognition's usual tolerance; MANIFEST: same person 0.08-0.52, others 0.70-0.95


def _encoding_of(rgb: np.ndarray) -> np.ndarray:
    encodings = face_recognition.face_encodings(rgb)
    assert len(encodings) == 1, f"expected one face, found {len(encodings)}"
    return encodings[0]


def _photo_encoding(relative: str) -> np.ndarray:
    return _encoding_of(face_recognition.load_image_file(shared_file(relative)))


def _grab(driver) -> np.ndarray:
    """The page's current camera frame as RGB pixels, read through canvas.toDataURL (PNG)."""
    png = data_url_bytes(driver.execute_script("return window.grabFrame();"))
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _open_probe(driver, site_url: str) -> dict:
    driver.get(f"{site_url}/camera_probe.html")
    state = wait_for(
        lambda: driver.execute_script(
            "const p = window.cameraProbe; return (p.ready && p.drawn > 2) || p.error ? p : null;"
        ),
        timeout=15,
        message="the camera probe page to show camera frames",
    )
    assert state["error"] is None, f"getUserMedia failed: {state['error']}"
    return state


def test_y4m_round_trip_keeps_the_pictures(tmp_path: Path):
    frames = list(video_frames(shared_file("video/liveportrait_d18.mp4"), 90, 100))
    path = tmp_path / "clip.y4m"

    assert write_y4m(frames, path) == 10
    assert path.read_bytes().startswith(b"YUV4MPEG2 W480 H480 F30:1 Ip A1:1 C420jpeg\nFRAME\n")
    back = read_y4m(path)
    assert len(back) == 10
    # 4:2:0 subsampling loses some colour detail, not the picture.
    worst = max(float(np.mean(cv2.absdiff(a, b))) for a, b in zip(frames, back, strict=True))
    assert worst < 4.0


def test_bounced_video_loops_without_a_jump():
    frames = bounced(video_frames(shared_file("video/liveportrait_d18.mp4"), 60, 201))
    assert len(frames) == 141 + 139
    looped = [*frames, frames[0]]
    steps = [float(np.mean(cv2.absdiff(a, b))) for a, b in zip(looped, looped[1:], strict=False)]
    # A plain loop of d18 jumps by 4.8 at the wrap; neighbouring frames differ by at most 1.6.
    assert max(steps) < 2.0


def test_y4m_writer_refuses_odd_sizes_and_mixed_frames(tmp_path: Path):
    with pytest.raises(ValueError, match="even sides"):
        write_y4m([np.zeros((481, 480, 3), np.uint8)], tmp_path / "odd.y4m")
    with pytest.raises(ValueError, match="frame 1"):
        write_y4m(
            [np.zeros((480, 480, 3), np.uint8), np.zeros((240, 240, 3), np.uint8)], tmp_path / "mixed.y4m"
        )


@pytest.mark.browser
def test_live_video_plays_as_the_webcam_and_shows_its_person(
    open_browser, live_camera, static_site, screenshots, screenshot_dir
):
    driver = open_browser(live_camera)
    shots = screenshots(driver, screenshot_dir)
    state = _open_probe(driver, static_site.url)
    assert (state["settings"]["width"], state["settings"]["height"]) == (480, 480)
    shots.take("camera-on")

    frames = []
    for _ in range(5):
        frames.append(_grab(driver))
        time.sleep(0.15)

    first = frames[0]
    assert first.shape == (480, 480, 3)
    change = max(float(np.mean(cv2.absdiff(first, later))) for later in frames[1:])
    assert change > 0.5, "the camera shows a still picture, not the video"
    person = _photo_encoding("faces/liveportrait_person_d18.jpg")
    stranger = _photo_encoding("faces/obama.jpg")
    seen = _encoding_of(first)
    assert face_recognition.face_distance([person], seen)[0] < SAME_PERSON
    assert face_recognition.face_distance([stranger], seen)[0] > SAME_PERSON


@pytest.mark.browser
def test_still_photo_camera_shows_the_same_frame_over_and_over(
    open_browser, photo_camera, static_site, screenshots, screenshot_dir
):
    driver = open_browser(photo_camera)
    shots = screenshots(driver, screenshot_dir)
    _open_probe(driver, static_site.url)
    shots.take("camera-on")

    frames = []
    for _ in range(3):
        frames.append(_grab(driver))
        time.sleep(0.25)

    for later in frames[1:]:
        assert int(np.max(cv2.absdiff(frames[0], later))) <= 2, "consecutive frames of a still photo differ"
    seen = _encoding_of(frames[0])
    assert face_recognition.face_distance([_photo_encoding("faces/obama2.jpg")], seen)[0] < SAME_PERSON
    assert (
        face_recognition.face_distance([_photo_encoding("faces/liveportrait_person_d18.jpg")], seen)[0]
        > SAME_PERSON
    )

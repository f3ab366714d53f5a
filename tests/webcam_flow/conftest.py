"""Session fixtures: the videos of ../shared/testdata are decoded once."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from webcam_testdata import LIVEPORTRAIT_FPS, load_face, segment, shared_file

from webcam_flow.video import Frame, frames_from_video


@pytest.fixture(scope="session")
def hamilton() -> list[Frame]:
    return frames_from_video(shared_file("video/short_hamilton_clip.mp4"))


@pytest.fixture(scope="session")
def d18() -> list[Frame]:
    return frames_from_video(shared_file("video/liveportrait_d18.mp4"))


@pytest.fixture(scope="session")
def d19() -> list[Frame]:
    return frames_from_video(shared_file("video/liveportrait_d19.mp4"))


@pytest.fixture(scope="session")
def d18_still() -> np.ndarray:
    """The d18 person's still photo at 480x480 (their mouth is open on it)."""
    return cv2.resize(load_face("liveportrait_person_d18.jpg"), (480, 480), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="session")
def d18_talk(d18) -> list[Frame]:
    """d18 source frames 60-159: mouth open (66-93), a blink (94-97), mouth open again (114-153)."""
    return segment(d18, 60, 160, LIVEPORTRAIT_FPS)


@pytest.fixture(scope="session")
def d19_blinks(d19) -> list[Frame]:
    """d19 source frames 0-129: blinks at 6 and 83-100, a small turn that does not count."""
    return segment(d19, 0, 130, LIVEPORTRAIT_FPS)

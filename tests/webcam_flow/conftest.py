"""Session fixtures: the videos of ../shared/testdata are decoded once."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from webcam_testdata import load_face, shared_file

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

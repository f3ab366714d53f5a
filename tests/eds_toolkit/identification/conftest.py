"""Fixtures for identification in the flow: real frames and photos from ../shared/testdata, decoded
and JPEG-encoded once per session, and an app whose liveness tasks ask for blink then open_mouth
(the movements the LivePortrait d18 clip shows). A test marked ``walked(n, stage)`` starts from a copy of
an instance where n enrolments of KNOWN_IIN went through the real checks to ``stage`` (selfie_ok:
:func:`at_selfie_ok`, liveness_ok: :func:`at_liveness_ok`), walked once per module."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from flow_helpers import TESTDATA, ApiEnrolment, frozen_clock, make_settings
from identify_helpers import WalkedInstances, instance_for, past_the_selfie, past_the_video

from eds_toolkit.flow.identification import IdentifyConfig
from eds_toolkit.settings import Settings
from eds_toolkit.web import create_app
from webcam_flow.liveness import Challenge
from webcam_flow.video import frames_from_video

D18_CHALLENGES = (Challenge.BLINK, Challenge.OPEN_MOUTH)


def jpeg(image_rgb: np.ndarray, quality: int = 90) -> bytes:
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    assert ok
    return data.tobytes()


@pytest.fixture(scope="session")
def d18_frames() -> list[tuple[float, bytes]]:
    """The d18 talking head sampled at 10 fps as the page sends it: (seconds, JPEG bytes)."""
    frames = frames_from_video(TESTDATA / "video" / "liveportrait_d18.mp4", fps=10)
    return [(frame.t, jpeg(frame.image, 85)) for frame in frames]


@pytest.fixture(scope="session")
def selfie_jpeg() -> bytes:
    """A selfie of the d18 person: the first frame of the clip."""
    frame = frames_from_video(TESTDATA / "video" / "liveportrait_d18.mp4", fps=10, stop=1)[0]
    return jpeg(frame.image, 92)


@pytest.fixture(scope="session")
def blinking_selfie_jpeg() -> bytes:
    """A selfie of the d18 person taken as they blink (source frame 95, eyes closed)."""
    frame = frames_from_video(TESTDATA / "video" / "liveportrait_d18.mp4", fps=30, start=95, stop=96)[0]
    return jpeg(frame.image, 92)


@pytest.fixture(scope="session")
def id_photo_jpeg() -> bytes:
    """The d18 person's still photo, standing in for the identity-card photo."""
    return (TESTDATA / "faces" / "liveportrait_person_d18.jpg").read_bytes()


@pytest.fixture(scope="session")
def obama_jpeg() -> bytes:
    return (TESTDATA / "faces" / "obama.jpg").read_bytes()


@pytest.fixture(scope="session")
def no_face_jpeg() -> bytes:
    """A 640x480 picture of a soft gradient: decodes fine, holds no face."""
    x = np.linspace(40, 200, 640, dtype=np.float32)
    y = np.linspace(0, 30, 480, dtype=np.float32)[:, None]
    grey = (x[None, :] + y).astype(np.uint8)
    return jpeg(np.dstack([grey, grey, np.flipud(grey)]))


@pytest.fixture(scope="session")
def still_frames(selfie_jpeg) -> list[tuple[float, bytes]]:
    """A printed-photo attack: the same still picture 40 times at 10 fps."""
    return [(index / 10, selfie_jpeg) for index in range(40)]


@pytest.fixture
def identify_config() -> IdentifyConfig:
    return IdentifyConfig(fixed_challenges=D18_CHALLENGES)


@pytest.fixture
def app(home, clock, identify_config):
    return create_app(make_settings(home, clock, identify=identify_config))


def _d18_settings(home: Path, clock) -> Settings:
    return make_settings(home, clock, identify=IdentifyConfig(fixed_challenges=D18_CHALLENGES))


@pytest.fixture(scope="module")
def past_selfies(tmp_path_factory, ca_template, selfie_jpeg) -> WalkedInstances:
    """Instances with KNOWN_IIN's enrolment past the selfie once, twice (61 s apart), ..., each walked
    through the real checks once for the module."""
    return WalkedInstances(
        tmp_path_factory.mktemp("past-selfies"),
        ca_template,
        frozen_clock(),
        _d18_settings,
        lambda client, outbox: past_the_selfie(client, outbox, selfie_jpeg),
        "selfie_ok",
    )


@pytest.fixture(scope="module")
def past_videos(tmp_path_factory, ca_template, selfie_jpeg, d18_frames) -> WalkedInstances:
    """Instances with KNOWN_IIN's enrolment past the video check once, twice (61 s apart), ..., each
    walked through the real checks once for the module (the match bands only matter at the ID photo)."""
    return WalkedInstances(
        tmp_path_factory.mktemp("past-videos"),
        ca_template,
        frozen_clock(),
        _d18_settings,
        lambda client, outbox: past_the_video(client, outbox, selfie_jpeg, d18_frames),
        "liveness_ok",
    )


@pytest.fixture
def home(request, tmp_path, clock, ca_template, past_selfies, past_videos) -> Path:
    """The test's instance: a copy of the one its ``walked(n, stage)`` marker asks for, else a new one."""
    return instance_for(request, tmp_path, clock, ca_template, past_selfies, past_videos)


@pytest.fixture
def at_selfie_ok(request, client, past_selfies) -> list[ApiEnrolment]:
    """The enrolments past the selfie in the test's instance (``walked(n, "selfie_ok")``), oldest first."""
    return past_selfies.for_test(request).enrolments_for(client)


@pytest.fixture
def at_liveness_ok(request, client, past_videos) -> list[ApiEnrolment]:
    """The enrolments past the video check in the test's instance (``walked(n, "liveness_ok")``), oldest
    first."""
    return past_videos.for_test(request).enrolments_for(client)

"""The cheap injection signals: a virtual camera's name and frame times no page produces."""

from __future__ import annotations

import pytest

from webcam_flow.injection import camera_reasons, timing_reasons


@pytest.mark.parametrize(
    "label",
    [
        "OBS Virtual Camera",
        "OBS-Camera",
        "ManyCam Virtual Webcam",
        "XSplit VCam",
        "Snap Camera",
        "e2eSoft iVCam",
        "Dummy video device (0x0000)",
        "v4l2loopback",
        "fake_device_0",
        "Unity Video Capture",
    ],
)
def test_virtual_camera_programs_are_named_as_such(label: str):
    reasons, scores = camera_reasons(label)
    assert reasons == ["virtual_camera"]
    assert scores["virtual_camera"] == 1.0


@pytest.mark.parametrize(
    "label",
    [
        "Integrated Camera (04f2:b6d9)",
        "FaceTime HD Camera",
        "HD Pro Webcam C920 (046d:082d)",
        "USB2.0 HD UVC WebCam",
        "camera2 1, facing front",
        "",
        None,
    ],
)
def test_real_cameras_and_an_unnamed_one_are_not_held_against_the_citizen(label: str | None):
    assert camera_reasons(label) == ([], {"virtual_camera": 0.0})


def test_the_pages_frame_times_pass_with_their_jitter_as_scores():
    times = [0.0, 0.101, 0.2, 0.302, 0.401, 0.5, 0.54, 0.581, 0.62, 0.661]
    reasons, scores = timing_reasons(times)
    assert reasons == []
    assert scores["frame_interval_min_ms"] == pytest.approx(39.0)
    assert scores["frame_interval_median_ms"] == pytest.approx(99.0)
    assert scores["frame_interval_jitter_ms"] > 0


def test_a_burst_of_frames_no_page_sends_is_named():
    # A script posting a recorded video in one go, 2 ms apart.
    assert timing_reasons([i * 0.002 for i in range(30)])[0] == ["frame_timing"]
    assert timing_reasons([0.0])[0] == []


def test_a_browser_under_load_whose_timers_bunch_is_not_refused():
    # Timers fired late, then three at once (a loaded machine or a slow phone): a few frames 1 ms apart.
    times = [0.0, 0.1, 0.2, 0.45, 0.451, 0.452, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    reasons, scores = timing_reasons(times)
    assert reasons == []
    assert scores["frame_interval_min_ms"] == pytest.approx(1.0)
    assert 0 < scores["frame_interval_bunched_share"] < 0.5

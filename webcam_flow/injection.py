"""Cheap signals of a video injected instead of filmed: the camera's name and the frames' timing.

Both come from the page, so an attacker who writes their own client can forge them: they stop the
off-the-shelf tools (a virtual camera program, a script posting frames in a burst), not a determined
injector. The colour challenge (``webcam_flow.colour``) and the movements are the checks a recording
cannot answer; these only add what is free to check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

# Names (case-insensitive, as the browser's MediaStreamTrack.label gives them) of camera devices that are
# programs, not cameras: they play any video, a deepfake included, as if it were a webcam. Chromium's own
# test device (``fake_device_0``, from --use-fake-device-for-media-stream) plays a file given on the
# command line: the same injection, for anyone who starts Chromium with that flag.
VIRTUAL_CAMERAS = re.compile(
    r"obs[ -]?(virtual|studio|camera)|manycam|xsplit|snap camera|splitcam|e2esoft|vcam|camtwist|"
    r"virtual ?cam|v4l2 ?loopback|dummy video device|akvirtualcamera|webcamoid|youcam|"
    r"fake_device|fake webcam|unity video capture|droidcam virtual",
    re.IGNORECASE,
)
# The page samples the camera at most 25 times a second (40 ms apart). A browser under load fires its
# timers late and then bunched, so a few frames may come a millisecond apart (seen in the browser tests on a
# loaded machine); a video posted by a script in one go has most of its frames closer than this.
MIN_FRAME_INTERVAL_S = 0.010
MAX_BUNCHED_SHARE = 0.5  # of the intervals; above it the times are a burst, not a page's recording


def camera_reasons(label: str | None) -> tuple[list[str], dict[str, float]]:
    """``virtual_camera`` when the page's camera is a known virtual-camera program (``label`` may be None:
    an old page, or a browser that did not say; that is not held against the citizen)."""
    if label and VIRTUAL_CAMERAS.search(label):
        return ["virtual_camera"], {"virtual_camera": 1.0}
    return [], {"virtual_camera": 0.0}


def timing_reasons(times: Sequence[float]) -> tuple[list[str], dict[str, float]]:
    """The frames' times (seconds): ``frame_timing`` when most intervals are shorter than any the page's
    timers make (a burst); the median interval, its jitter (the median absolute deviation, ms), the shortest
    and the share of bunched intervals as scores for the audit log."""
    intervals = np.diff(np.asarray(times, dtype=float))
    if intervals.size == 0:
        return [], {}
    median = float(np.median(intervals))
    scores = {
        "frame_interval_median_ms": round(median * 1000, 2),
        "frame_interval_jitter_ms": round(float(np.median(np.abs(intervals - median))) * 1000, 2),
        "frame_interval_min_ms": round(float(intervals.min()) * 1000, 2),
        "frame_interval_bunched_share": round(float((intervals < MIN_FRAME_INTERVAL_S).mean()), 3),
    }
    reasons = ["frame_timing"] if scores["frame_interval_bunched_share"] > MAX_BUNCHED_SHARE else []
    return reasons, scores

"""Finding the face in each frame: every frame at the page's 10 a second, about every third at 25."""

from __future__ import annotations

import math

import pytest
from webcam_testdata import shared_file

from webcam_flow import locating
from webcam_flow.faces import Face
from webcam_flow.video import frames_from_video


def test_a_box_between_two_agreeing_detections_is_interpolated():
    before, after = Face(100, 100, 300, 300, 2.0), Face(110, 104, 312, 306, 1.0)
    assert locating.interpolated(before, after, 0.5) == Face(105, 102, 306, 303, 1.5)
    assert locating.interpolated(before, after, 0.0) == before


@pytest.mark.parametrize(
    "after",
    [
        None,
        Face(150, 100, 350, 300),  # moved by a quarter of the face
        Face(100, 100, 340, 340),  # grew by a fifth (another pyramid level)
    ],
)
def test_no_box_is_made_up_when_the_detections_disagree(after):
    assert locating.interpolated(Face(100, 100, 300, 300), after, 0.5) is None
    assert locating.interpolated(None, Face(100, 100, 300, 300), 0.5) is None


def _counting(monkeypatch) -> list[int]:
    calls = []
    find_face = locating.find_face

    def counted(image, previous, tracked_size=None):
        calls.append(1)
        return find_face(image, previous, tracked_size)

    monkeypatch.setattr(locating, "find_face", counted)
    return calls


def test_at_10_frames_a_second_every_frame_is_searched_as_without_times(d18):
    frames = d18[:20]
    images, times = [f.image for f in frames], [f.t for f in frames]
    assert locating.locate(images, times) == locating.locate(images)


def test_at_25_frames_a_second_the_detector_runs_about_10_times_a_second(monkeypatch):
    frames = frames_from_video(shared_file("video/liveportrait_d18.mp4"), fps=25, start=94, stop=154)
    images, times = [f.image for f in frames], [f.t for f in frames]
    every = locating.locate(images)
    calls = _counting(monkeypatch)
    thinned = locating.locate(images, times)
    assert len(frames) == 50 and len(calls) <= 30  # 51 on every frame (twice on the first one)
    for full, box in zip(every, thinned, strict=True):
        assert box is not None
        assert math.dist(box.centre, full.centre) < 0.1 * full.size
        assert abs(box.size / full.size - 1) < 0.25  # the detector's own boxes jump by a pyramid level

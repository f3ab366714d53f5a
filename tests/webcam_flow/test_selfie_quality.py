"""Selfie quality checks fire on crafted cases, derived in the test from the real photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from webcam_testdata import LIVEPORTRAIT_FPS, centred_on_face, load_face, segment, shared_file

from webcam_flow.selfie import Circle, check_selfie, selfie_and_encoding
from webcam_flow.video import frames_from_video


@pytest.fixture(scope="module")
def centred_obama() -> np.ndarray:
    return centred_on_face(load_face("obama.jpg"))


@pytest.mark.parametrize(
    "name",
    [
        "obama.jpg",
        "obama_small.jpg",
        "obama3.jpg",
        "biden2.jpg",
        "kit_harington1.jpeg",
        "liveportrait_person_d18.jpg",
    ],
)
def test_a_frontal_face_centred_in_the_circle_passes(name):
    verdict = check_selfie(centred_on_face(load_face(name)))
    assert verdict.ok, verdict.to_dict()
    assert verdict.scores["faces"] == 1


@pytest.mark.parametrize("name", ["two_people.jpg", "obama_and_biden.jpg"])
def test_several_faces_are_refused(name):
    verdict = check_selfie(load_face(name))
    assert verdict.reasons == ("several_faces",)
    assert verdict.scores["faces"] >= 2


def test_a_picture_without_a_face_is_refused():
    # The top-left corner of the Obama portrait: background only.
    verdict = check_selfie(np.ascontiguousarray(load_face("obama.jpg")[:300, :300]))
    assert verdict.reasons == ("no_face",)


def test_a_good_selfie_comes_with_its_encoding_and_a_refused_one_without(centred_obama):
    verdict, encoding = selfie_and_encoding(centred_obama)
    assert verdict == check_selfie(centred_obama) and verdict.ok
    assert encoding is not None and encoding.shape == (128,)
    verdict, encoding = selfie_and_encoding(np.ascontiguousarray(load_face("obama.jpg")[:300, :300]))
    assert verdict.reasons == ("no_face",) and encoding is None


def test_too_dark_and_too_bright_are_told_apart(centred_obama):
    dark = (centred_obama * 0.2).astype(np.uint8)
    bright = (centred_obama * 0.3 + 178).astype(np.uint8)
    assert check_selfie(dark).reasons[:1] == ("too_dark",)
    assert check_selfie(bright).reasons[:1] == ("too_bright",)
    # Sharpness is measured on the contrast-normalised face: light alone does not read as blur.
    assert "blurred" not in check_selfie(dark).reasons + check_selfie(bright).reasons


def test_a_blurred_selfie_is_refused(centred_obama):
    blurred = cv2.GaussianBlur(centred_obama, (0, 0), centred_obama.shape[0] / 100)
    verdict = check_selfie(blurred)
    assert verdict.reasons == ("blurred",)
    assert verdict.scores["sharpness"] < check_selfie(centred_obama).scores["sharpness"] / 10


def test_a_face_outside_the_circle_is_off_centre(centred_obama):
    size = centred_obama.shape[0]
    canvas = np.full((size * 2, size * 2, 3), 128, np.uint8)
    canvas[:size, :size] = centred_obama  # face in the top-left quarter
    verdict = check_selfie(canvas, circle=Circle(size, size, 0.5 * size))
    assert "face_off_centre" in verdict.reasons
    assert verdict.scores["centre_offset"] > 1


def test_a_face_far_from_the_camera_is_too_small(centred_obama):
    size = centred_obama.shape[0]
    canvas = np.full((size * 3, size * 3, 3), 128, np.uint8)
    canvas[size : 2 * size, size : 2 * size] = centred_obama  # centred, a third of the width
    verdict = check_selfie(canvas)
    assert verdict.reasons == ("too_small",)


def test_the_circle_the_page_drew_is_used(centred_obama):
    size = centred_obama.shape[0]
    assert check_selfie(centred_obama, circle=Circle(size / 2, size / 2, 0.35 * size)).ok
    assert (
        "face_off_centre"
        in check_selfie(centred_obama, circle=Circle(0.2 * size, 0.2 * size, 0.2 * size)).reasons
    )


def test_a_turned_head_is_not_frontal():
    verdict = check_selfie(centred_on_face(load_face("kit_harington2.jpeg")))
    assert verdict.reasons == ("not_frontal",)
    assert abs(verdict.scores["yaw"]) > 0.4


@pytest.mark.parametrize(("video", "frame"), [("d19", 85), ("d18", 95)])
def test_closed_eyes_are_refused(video, frame, request):
    # Mid-blink source frames (eyes shut; eye aspect ratio 0.12-0.15 here).
    frames = frames_from_video(
        shared_file(f"video/liveportrait_{video}.mp4"), fps=30, start=frame, stop=frame + 1
    )
    verdict = check_selfie(frames[0].image)
    assert "eyes_closed" in verdict.reasons
    opened = segment(request.getfixturevalue(video), 30, 31, LIVEPORTRAIT_FPS)[0].image
    assert check_selfie(opened).ok

"""Presentation attacks built from the shared test data (tests/attacks.py), decided on the page's schedule.

What today's checks do on each attack is pinned as measured; the attacks they let through are strict
xfails that name the gap, so a defence that closes one turns its test red until the xfail is removed.
"""

from __future__ import annotations

import pytest
from webcam_testdata import HAMILTON_FPS, segment

from tests.attacks import animated, load_photo, load_video, printed, replayed, swapped
from webcam_flow.liveness import check_liveness
from webcam_flow.match import face_encoding
from webcam_flow.passive import RIGID_MAX_RESIDUAL

S = 3.0  # seconds per challenge, the service's default


@pytest.fixture(scope="module")
def s42() -> object:
    return load_photo("liveportrait_s42.jpg")


def test_a_printed_photo_moved_in_front_of_the_camera_is_refused(s42):
    verdict = check_liveness(
        printed(s42, ("blink", "turn_left")), ("blink", "turn_left"), seconds_per_challenge=S
    )
    assert verdict.reasons[0] == "rigid_plane_motion"
    assert verdict.scores["nonrigid_residual"] < RIGID_MAX_RESIDUAL


@pytest.mark.xfail(
    strict=True,
    reason="issue 10: a photo animated with 2D warps (a half of the face compressed, the nose moved, idle "
    "jitter) passes; neither the landmark parallax nor the image's turn texture separates it with a margin "
    "(docs/identify.md)",
)
def test_a_photo_animated_with_a_fake_turn_is_refused(s42):
    challenges = ("open_mouth", "turn_right")
    verdict = check_liveness(
        animated(s42, challenges, S, seed=1, nose_shift=0.45, nose_extra=0.2, mouth_drop=0.45, idle=0.04),
        challenges,
        seconds_per_challenge=S,
    )
    assert not verdict.ok, verdict.to_dict()


def test_an_animated_turn_reads_as_a_real_turn_on_dlib_landmarks(s42):
    # Why the parallax score refuses nothing: dlib re-fits a learnt 3D-face shape to the warped photo.
    challenges = ("turn_left",)
    verdict = check_liveness(
        animated(s42, challenges, S, nose_shift=0.45, nose_extra=0.2, idle=0.04),
        challenges,
        seconds_per_challenge=S,
    )
    assert verdict.ok, verdict.to_dict()
    assert verdict.scores["turn_left_deg"] > 20
    assert verdict.scores["nonrigid_residual"] > RIGID_MAX_RESIDUAL
    assert 0.3 < verdict.scores["parallax_turn_left"] < 0.5  # the real turns measure 0.24-0.50
    # The image-based score (webcam_flow.turn_texture) finds this warp flat (0.89), but a real 16-degree
    # turn reads 0.92: it is kept for data collection and refuses nothing either.
    assert 0.85 < verdict.scores["turn_texture_turn_left"] < 1


def test_real_turns_carry_their_parallax_scores(hamilton):
    verdict = check_liveness(segment(hamilton, 82, 211, HAMILTON_FPS), ["turn_right", "turn_left"])
    assert verdict.ok, verdict.to_dict()
    assert 0.2 < verdict.scores["parallax_turn_right"] < 0.55
    assert 0.2 < verdict.scores["parallax_turn_left"] < 0.55
    # The rest frame warped in 2D predicts a real turn's peak poorly (0.63 and 0.72 here).
    assert verdict.scores["turn_texture_turn_right"] < 0.8
    assert verdict.scores["turn_texture_turn_left"] < 0.8


@pytest.mark.xfail(
    strict=True,
    reason="issue 10: a real video re-filmed from a screen (moire, gamma, blur, bezel) passes the library's "
    "checks without the colour challenge (with it, refused: benchmarks/presentation_attacks.py)",
)
def test_a_replayed_video_is_refused():
    video = load_video("liveportrait_d18.mp4", 60, 160)  # mouth open, a blink, mouth open again
    verdict = check_liveness(replayed(video), ["blink", "open_mouth"])
    assert not verdict.ok, verdict.to_dict()


def test_a_cheap_face_swap_loses_the_blink_and_does_not_match_the_victim():
    video = load_video("liveportrait_d18.mp4", 60, 160)
    victim = load_photo("obama.jpg")
    verdict = check_liveness(
        swapped(video, victim), ["blink", "open_mouth"], reference_encoding=face_encoding(victim)
    )
    # The victim's open eyes are pasted over the blink; the swapped face is 0.60 from the victim's photo,
    # beyond the match threshold (0.55) but inside the same-face limit (0.65).
    assert verdict.reasons == ("challenge_missing:blink",)
    assert not [key for key in verdict.scores if key.startswith("turn_texture_")]  # no turn was asked
    assert 0.55 < verdict.scores["max_distance_to_reference"] < 0.65


def test_against_the_colour_challenge_an_animation_made_before_the_task_is_refused(s42):
    """The animated photo that passes above, played on a screen held up to the camera while the page shows
    the task's colours: the screen's glass reflects a tenth of what skin would (tests/reflection.py), and
    the animation was made before the sequence was known."""
    import random

    from tests.reflection import reflect
    from webcam_flow.colour import new_sequence

    challenges = ("open_mouth", "turn_right")  # this one passes without the challenge (the xfail above)
    frames = animated(s42, challenges, S, seed=1, nose_shift=0.45, nose_extra=0.2, mouth_drop=0.45, idle=0.04)
    sequence = new_sequence(len(challenges) * S, random.Random(3))
    on_a_screen = reflect(frames, sequence, amplitude=0.003, everywhere=True)
    verdict = check_liveness(on_a_screen, challenges, seconds_per_challenge=S, colours=sequence)
    assert not verdict.ok
    assert {"colour_not_seen", "colour_mismatch"} & set(verdict.reasons), verdict.to_dict()
    assert verdict.scores["colour_correlation"] < 0.75

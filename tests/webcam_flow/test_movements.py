"""Movements are clear excursions from the person's own neutral, and the order is judged on those only:
a glance, a laugh, a blink between frames are not held against the citizen. Measured series (10 frames a
second, as the page sends them) stand in for the landmarks, so each case shows exactly one behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from webcam_flow.faces import Face
from webcam_flow.liveness import Challenge, challenge_reasons
from webcam_flow.movements import TURN_MIN_DEG, find_movements, neutral_yaw
from webcam_flow.tracking import Observation

FPS = 10
S = 3.0  # seconds per challenge, as the service's default


def clip(seconds: float, *, yaw=0.0, mouth=0.05, ear=0.3, events=()) -> list[Observation]:
    """A face resting at ``yaw`` degrees for ``seconds``; ``events``: (start s, stop s, field, value)."""
    observations = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        values = {"yaw_deg": yaw, "mouth": mouth, "ear": ear}
        for start, stop, name, value in events:
            if start <= t < stop:
                values[name] = value
        observations.append(
            Observation(i, t, np.zeros((1, 1), np.float32), Face(0, 0, 100, 100), None, **values)
        )
    return observations


def test_a_turn_counts_only_when_clear_and_held():
    assert find_movements(clip(3, events=[(1.0, 1.6, "yaw_deg", 25.0)]))[1][0].kind == "turn_left"
    assert find_movements(clip(3, events=[(1.0, 1.6, "yaw_deg", -25.0)]))[1][0].kind == "turn_right"
    glance = clip(3, events=[(1.0, 1.6, "yaw_deg", 10.0)])
    one_frame = clip(3, events=[(1.0, 1.1, "yaw_deg", 30.0)])  # a landmark jump, not a movement
    assert find_movements(glance)[1] == [] and find_movements(one_frame)[1] == []


def test_turns_are_measured_from_the_persons_own_neutral():
    # A camera 7 degrees to the side: the person rests at -7, turns to +10 (17 from rest) and to -25.
    observations = clip(6, yaw=-7.0, events=[(1.0, 1.6, "yaw_deg", 10.0), (4.0, 4.6, "yaw_deg", -25.0)])
    neutral, movements = find_movements(observations)
    assert neutral.yaw_deg == pytest.approx(-7.0)
    assert [(m.kind, round(m.amplitude)) for m in movements] == [("turn_left", 17), ("turn_right", 18)]
    assert all(m.amplitude >= TURN_MIN_DEG for m in movements)


def test_the_neutral_is_not_pulled_by_a_long_held_turn():
    yaws = np.r_[np.zeros(20), np.full(40, -25.0)]  # two thirds of the clip turned
    assert neutral_yaw(yaws) == 0.0


def test_a_glance_toward_the_next_turn_is_not_that_turn_early():
    # Asked: turn right, then turn left. In the first slot a 10-degree glance to the left, then the turn.
    observations = clip(
        6, events=[(0.5, 1.2, "yaw_deg", 10.0), (1.5, 2.3, "yaw_deg", -28.0), (3.8, 4.6, "yaw_deg", 28.0)]
    )
    reasons, scores = challenge_reasons(
        observations, [Challenge.TURN_RIGHT, Challenge.TURN_LEFT], seconds_per_challenge=S
    )
    assert reasons == [], scores
    assert scores["turn_left_at_s"] == pytest.approx(3.8)


def test_a_clear_turn_before_its_slot_is_still_out_of_order():
    observations = clip(6, events=[(1.0, 1.8, "yaw_deg", 28.0), (3.8, 4.6, "yaw_deg", -28.0)])
    reasons, _ = challenge_reasons(
        observations, [Challenge.TURN_RIGHT, Challenge.TURN_LEFT], seconds_per_challenge=S
    )
    assert reasons == ["wrong_order"]


def test_a_laugh_before_the_mouth_slot_is_not_the_mouth_opened_early():
    # Asked: blink, then open the mouth. The citizen laughs (a short, half-open mouth) during the blink slot.
    observations = clip(
        6,
        events=[
            (0.8, 1.1, "mouth", 0.36),
            (1.5, 1.6, "ear", 0.1),
            (2.0, 2.2, "mouth", 0.33),
            (3.6, 4.8, "mouth", 0.6),
        ],
    )
    reasons, scores = challenge_reasons(
        observations, [Challenge.BLINK, Challenge.OPEN_MOUTH], seconds_per_challenge=S
    )
    assert reasons == [], scores
    assert scores["open_mouth_at_s"] == pytest.approx(3.6)


def test_a_wide_held_opening_before_its_slot_is_out_of_order():
    observations = clip(6, events=[(0.5, 1.5, "mouth", 0.65), (1.8, 1.9, "ear", 0.1)])
    reasons, _ = challenge_reasons(
        observations, [Challenge.TURN_LEFT, Challenge.OPEN_MOUTH], seconds_per_challenge=S
    )
    assert "wrong_order" in reasons


def test_a_blink_not_seen_in_its_slot_is_not_seen_never_wrong_order():
    # A blink in the first slot, none in the blink's own slot (it may have fallen between two frames).
    observations = clip(6, events=[(1.0, 1.1, "ear", 0.1), (1.5, 2.5, "mouth", 0.6)])
    reasons, _ = challenge_reasons(
        observations, [Challenge.OPEN_MOUTH, Challenge.BLINK], seconds_per_challenge=S
    )
    assert reasons == ["challenge_missing:blink"]
    unscheduled, _ = challenge_reasons(observations, [Challenge.OPEN_MOUTH, Challenge.BLINK])
    assert unscheduled == ["challenge_missing:blink"]


def test_a_blink_is_measured_against_the_persons_own_eyes():
    # Narrow eyes (median EAR 0.2): a dip to 0.13 is a blink; 0.17 (85% of the median) is not.
    assert [m.kind for m in find_movements(clip(2, ear=0.2, events=[(1.0, 1.1, "ear", 0.13)]))[1]] == [
        "blink"
    ]
    assert find_movements(clip(2, ear=0.2, events=[(1.0, 1.1, "ear", 0.17)]))[1] == []

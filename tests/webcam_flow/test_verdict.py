"""Verdicts are data with stable reason codes and a sentence per reason."""

from __future__ import annotations

import json

import pytest

from webcam_flow.verdict import MESSAGES, Verdict, reason_message


def test_a_verdict_without_reasons_is_positive_and_round_trips_through_json():
    verdict = Verdict.decide("face_match", [], {"distance_max": 0.41234567})
    assert verdict.ok and verdict.reasons == ()
    assert json.loads(json.dumps(verdict.to_dict())) == {
        "check": "face_match",
        "ok": True,
        "reasons": [],
        "scores": {"distance_max": 0.4123},
    }
    assert verdict.message() == "Your face matches the photo on your identity card."


def test_a_stored_verdict_is_read_back_as_it_was():
    verdict = Verdict.decide("liveness", ["static_frames"], {"frames": 40, "image_change": 0.51})
    stored = json.loads(json.dumps({**verdict.to_dict(), "attempt": 2, "submission": "ab"}))
    assert Verdict.from_dict(stored) == verdict


def test_reasons_make_a_negative_verdict_and_duplicates_are_dropped():
    verdict = Verdict.decide("liveness", ["scene_cut", "face_changed", "scene_cut"], {})
    assert not verdict.ok and verdict.reasons == ("scene_cut", "face_changed")
    assert len(verdict.messages()) == 2


def test_inconsistent_verdicts_cannot_be_built():
    with pytest.raises(ValueError):
        Verdict("selfie", True, ("blurred",))
    with pytest.raises(ValueError):
        Verdict("selfie", False, ())
    with pytest.raises(ValueError):
        Verdict("coffee", True, ())


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_reason_code_has_a_sentence(code):
    sentence = reason_message(f"{code}:blink" if code == "challenge_missing" else code)
    assert sentence.endswith(".") and "{" not in sentence


def test_a_missing_challenge_names_the_movement_in_plain_words():
    assert "turn your head to your left" in reason_message("challenge_missing:turn_left")

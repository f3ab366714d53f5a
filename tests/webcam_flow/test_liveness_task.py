"""Liveness tasks: random challenges, a one-time nonce and a deadline."""

from __future__ import annotations

import random

import pytest

from webcam_flow.liveness import (
    Challenge,
    LivenessTask,
    MemoryNonceRegistry,
    check_task,
    check_task_and_template,
    new_task,
)

NOW = 1_700_000_000.0


@pytest.fixture
def d18_task() -> LivenessTask:
    """A task the d18 clip fulfils (it blinks at frame 94-97 and opens the mouth before and after)."""
    return LivenessTask(
        nonce="a" * 32, challenges=(Challenge.BLINK, Challenge.OPEN_MOUTH), issued_at=NOW, deadline=NOW + 60
    )


def test_new_tasks_ask_two_or_three_distinct_challenges_in_random_order():
    rng = random.Random(1)
    tasks = [new_task(rng=rng, now=NOW) for _ in range(200)]
    assert {len(t.challenges) for t in tasks} == {2, 3}
    assert all(len(set(t.challenges)) == len(t.challenges) for t in tasks)
    assert len({t.challenges for t in tasks}) > 20
    assert len({t.nonce for t in tasks}) == 200
    assert all(len(t.nonce) == 32 and int(t.nonce, 16) >= 0 for t in tasks)
    assert all(t.issued_at == NOW and t.deadline == NOW + 60 for t in tasks)


def test_the_default_randomness_is_the_system_one():
    first, second = new_task(now=NOW, count=3, ttl=30), new_task(now=NOW, count=3, ttl=30)
    assert first.nonce != second.nonce
    assert first.deadline == NOW + 30 and len(first.challenges) == 3


def test_a_fulfilled_task_passes_once_and_its_nonce_cannot_be_reused(d18_talk, d18_task):
    registry = MemoryNonceRegistry()
    first = check_task(d18_task, d18_task.nonce, d18_talk, now=NOW + 10, registry=registry)
    assert first.ok, first.to_dict()
    replay = check_task(d18_task, d18_task.nonce, d18_talk, now=NOW + 11, registry=registry)
    assert replay.reasons == ("nonce_reused",)


def test_frames_after_the_deadline_are_refused_and_burn_the_nonce(d18_talk, d18_task):
    registry = MemoryNonceRegistry()
    late = check_task(d18_task, d18_task.nonce, d18_talk, now=NOW + 61, registry=registry)
    assert late.reasons == ("nonce_expired",)
    assert not registry.consume(d18_task.nonce)


def test_frames_sent_with_another_sessions_nonce_are_refused(d18_talk, d18_task):
    registry = MemoryNonceRegistry()
    verdict = check_task(d18_task, "b" * 32, d18_talk, now=NOW + 1, registry=registry)
    assert verdict.reasons == ("nonce_mismatch",)
    assert registry.consume(d18_task.nonce)  # the real nonce is still unused


def test_a_nonce_of_no_task_or_of_an_older_task_is_refused_and_not_consumed(d18_talk, d18_task):
    registry = MemoryNonceRegistry()
    unknown = check_task(None, d18_task.nonce, d18_talk, now=NOW + 1, registry=registry)
    assert unknown.reasons == ("nonce_mismatch",)
    older = check_task(d18_task, d18_task.nonce, d18_talk, now=NOW + 1, registry=registry, newest=False)
    assert older.reasons == ("nonce_superseded",)
    assert registry.consume(d18_task.nonce)


def test_a_passed_video_comes_with_its_template_and_a_refused_one_without(d18_talk, d18_task):
    registry = MemoryNonceRegistry()
    nonce = d18_task.nonce
    verdict, template = check_task_and_template(d18_task, nonce, d18_talk, now=NOW + 5, registry=registry)
    assert verdict.ok and template is not None and template.shape == (128,)
    verdict, template = check_task_and_template(d18_task, nonce, d18_talk, now=NOW + 6, registry=registry)
    assert verdict.reasons == ("nonce_reused",) and template is None


def test_a_task_with_a_missing_challenge_fails_even_with_a_fresh_nonce(d18_talk):
    task = LivenessTask(
        nonce="c" * 32,
        challenges=(Challenge.OPEN_MOUTH, Challenge.TURN_RIGHT),
        issued_at=NOW,
        deadline=NOW + 60,
    )
    verdict = check_task(task, task.nonce, d18_talk, now=NOW + 5, registry=MemoryNonceRegistry())
    assert verdict.reasons == ("challenge_missing:turn_right",)
    assert verdict.scores["age_s"] == 5


def test_a_task_is_serialisable_for_the_page():
    task = new_task(rng=random.Random(3), now=NOW, count=2)
    data = task.to_dict()
    assert data["nonce"] == task.nonce and data["challenges"] == [c.value for c in task.challenges]

"""Identification settings from EDS_* variables, and the liveness task's randomness (fixed only by
configuration, never by a request)."""

from __future__ import annotations

import random

import pytest
from flow_helpers import change_identification
from identify_helpers import phone_confirmed, send_image

from eds_toolkit.flow.identification import IdentifyConfig, start_liveness
from eds_toolkit.settings import Settings, SettingsError
from webcam_flow.liveness import Challenge


def test_settings_come_from_the_environment():
    config = IdentifyConfig.from_env(
        {
            "EDS_LIVENESS_CHALLENGES": "open_mouth, blink",
            "EDS_IDENTIFY_ATTEMPTS": "5",
            "EDS_LIVENESS_TTL": "30",
            "EDS_IDENTIFY_KEEP_IMAGES": "yes",
        }
    )
    assert config.fixed_challenges == (Challenge.OPEN_MOUTH, Challenge.BLINK)
    assert (config.selfie_attempts, config.liveness_attempts, config.id_photo_attempts) == (5, 5, 5)
    assert config.liveness_ttl == 30 and config.keep_images is True
    assert IdentifyConfig.from_env({}) == IdentifyConfig()


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("EDS_LIVENESS_CHALLENGES", "blink,smile", "unknown challenge"),
        ("EDS_LIVENESS_CHALLENGES", "blink,blink", "only once"),
        ("EDS_IDENTIFY_ATTEMPTS", "three", "whole number"),
        ("EDS_IDENTIFY_ATTEMPTS", "0", "at least 1"),
        ("EDS_FACE_MATCH_THRESHOLD", "2.5", "between 0 and 2"),
        ("EDS_LIVENESS_TTL", "soon", "must be a number"),
    ],
)
def test_unusable_settings_are_refused_with_the_variable_named(name, value, said):
    with pytest.raises(SettingsError, match=said) as caught:
        IdentifyConfig.from_env({name: value})
    assert name in str(caught.value)


def test_tasks_are_random_two_or_three_distinct_challenges_unless_configured(
    app, client, ctx, outbox, selfie_jpeg
):
    enrolment = phone_confirmed(client, outbox)
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    # A client cannot choose the challenges: what it sends with the request is ignored.
    response = client.post(
        f"/api/v1/enrolments/{enrolment.id}/liveness",
        json={"challenges": ["turn_left"]},
        headers=enrolment.auth,
    )
    assert [c["code"] for c in response.get_json()["challenges"]] == [
        "blink",
        "open_mouth",
    ]  # the app's config
    config = IdentifyConfig(max_tasks=40)
    rng = random.Random(7)
    sequences = {start_liveness(ctx, enrolment.id, config=config, rng=rng).task.challenges for _ in range(30)}
    assert len(sequences) > 10
    assert all(len(s) in (2, 3) and len(set(s)) == len(s) for s in sequences)
    assert {len(s) for s in sequences} == {2, 3}


def test_the_number_of_tasks_per_enrolment_is_bounded(client, ctx, outbox, selfie_jpeg):
    enrolment = phone_confirmed(client, outbox)
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    for _ in range(10):
        assert (
            client.post(f"/api/v1/enrolments/{enrolment.id}/liveness", headers=enrolment.auth).status_code
            == 201
        )
    response = client.post(f"/api/v1/enrolments/{enrolment.id}/liveness", headers=enrolment.auth)
    assert response.status_code == 429 and response.get_json()["code"] == "too_many_tasks"


def test_configured_to_keep_images_the_selfie_is_kept_as_a_file_not_in_the_database(
    app, client, ctx, home, outbox, selfie_jpeg
):

    from identify_helpers import record

    from eds_toolkit.identify_archive import archive_root

    change_identification(app, keep_images=True, archive_dir=archive_root(home))
    enrolment = phone_confirmed(client, outbox)
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    assert record(ctx, enrolment.id).selfie_image is None
    (kept,) = (archive_root(home) / enrolment.id).glob("*/selfie.jpg")
    assert kept.read_bytes() == selfie_jpeg


def test_the_retention_of_kept_images_comes_from_the_environment():
    assert IdentifyConfig.from_env({}).keep_days == 30
    assert IdentifyConfig.from_env({"EDS_IDENTIFY_KEEP_DAYS": "7"}).keep_days == 7
    for bad in ("0", "a week"):
        with pytest.raises(SettingsError, match="EDS_IDENTIFY_KEEP_DAYS"):
            IdentifyConfig.from_env({"EDS_IDENTIFY_KEEP_DAYS": bad})


def test_fixed_challenges_are_announced_at_start_and_in_the_audit(
    monkeypatch, caplog, home, clock, ctx, outbox, selfie_jpeg
):
    import logging

    from flow_helpers import make_settings
    from identify_helpers import decisions

    from eds_toolkit.web import create_app

    monkeypatch.setenv("EDS_LIVENESS_CHALLENGES", "blink")  # given a Settings, the app reads no variable
    with caplog.at_level(logging.WARNING, logger="eds_toolkit.identify"):
        create_app(make_settings(home, clock))
    assert not [r for r in caplog.records if "EDS_LIVENESS_CHALLENGES" in r.getMessage()]

    settings = Settings.from_env({"EDS_LIVENESS_CHALLENGES": "blink,open_mouth"}, home=home)
    with caplog.at_level(logging.WARNING, logger="eds_toolkit.identify"):
        app = create_app(make_settings(home, clock, identify=settings.identify))
    warned = [r for r in caplog.records if "EDS_LIVENESS_CHALLENGES" in r.getMessage()]
    assert len(warned) == 1 and warned[0].levelno == logging.WARNING
    assert "Randomisation is OFF" in warned[0].getMessage() and "blink,open_mouth" in warned[0].getMessage()

    client = app.test_client()
    enrolment = phone_confirmed(client, outbox)
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    assert (
        client.post(f"/api/v1/enrolments/{enrolment.id}/liveness", headers=enrolment.auth).status_code == 201
    )
    task_event = [d for d in decisions(ctx, enrolment.id) if d["action"] == "identify_liveness_task"][-1]
    assert task_event["fixed"] is True and task_event["challenges"] == ["blink", "open_mouth"]
    start_liveness(ctx, enrolment.id, config=IdentifyConfig())
    task_event = [d for d in decisions(ctx, enrolment.id) if d["action"] == "identify_liveness_task"][-1]
    assert task_event["fixed"] is False


def test_a_config_made_in_code_is_checked_as_one_from_the_environment():
    for bad in ({"keep_days": 0}, {"liveness_attempts": 0}, {"match_threshold": 2.5}):
        with pytest.raises(SettingsError):
            IdentifyConfig(**bad)


def test_settings_carry_the_identification_config_read_from_their_own_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EDS_IDENTIFY_ATTEMPTS", "9")  # the process environment is not the one given
    settings = Settings.from_env({"EDS_IDENTIFY_ATTEMPTS": "4", "EDS_IDENTIFY_KEEP_DAYS": "7"}, home=tmp_path)
    assert settings.identify.liveness_attempts == 4 and settings.identify.keep_days == 7


def test_the_colour_challenge_is_on_unless_the_settings_turn_it_off(
    home, clock, caplog, client, ctx, outbox, selfie_jpeg
):
    from flow_helpers import make_settings

    from eds_toolkit.web import create_app

    assert IdentifyConfig().colour_challenge and IdentifyConfig.from_env({}).colour_challenge
    off = IdentifyConfig.from_env({"EDS_COLOUR_CHALLENGE": "0"})
    assert off.colour_challenge is False
    with caplog.at_level("WARNING", logger="eds_toolkit.identify"):
        create_app(make_settings(home, clock, identify=off))
    assert "EDS_COLOUR_CHALLENGE=0" in caplog.text

    enrolment = phone_confirmed(client, outbox)
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    assert start_liveness(ctx, enrolment.id, config=off).task.colours is None
    assert start_liveness(ctx, enrolment.id, config=IdentifyConfig()).task.colours is not None

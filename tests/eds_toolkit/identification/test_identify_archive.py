"""EDS_IDENTIFY_KEEP_IMAGES: every identification decision keeps its input and verdict as files under the
instance home (0700/0600) for a retention period; `eds identify export` writes them out so that
`eds identify selfie/liveness/match` re-check the decisions; without the setting nothing is kept."""

from __future__ import annotations

import datetime as dt
import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from flow_helpers import make_settings
from identify_helpers import decisions, new_task, phone_confirmed, record, send_frames, send_image

from eds_toolkit.cli import main
from eds_toolkit.flow.identification import IdentifyConfig
from eds_toolkit.identify_archive import IdentifyArchive, archive_root
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service


def eds(home: Path, *args: str):
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_all_decisions(client, outbox, no_face_jpeg, selfie_jpeg, still_frames, d18_frames, obama, id_photo):
    """A refused then a passed decision of each check; returns the enrolment (now face_matched)."""
    enrolment = phone_confirmed(client, outbox)
    assert send_image(enrolment, "selfie", no_face_jpeg).status_code == 422
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    still = send_frames(enrolment, new_task(enrolment)["nonce"], still_frames, reflect=False)  # as sent
    assert still.status_code == 422
    assert send_frames(enrolment, new_task(enrolment)["nonce"], d18_frames).status_code == 200
    assert send_image(enrolment, "id-photo", obama).status_code == 422
    assert send_image(enrolment, "id-photo", id_photo).status_code == 200
    assert enrolment.state() == "face_matched"
    return enrolment


def test_without_the_setting_nothing_is_kept(
    app,
    client,
    ctx,
    home,
    outbox,
    no_face_jpeg,
    selfie_jpeg,
    still_frames,
    d18_frames,
    obama_jpeg,
    id_photo_jpeg,
):
    assert service(app).settings.identify.archive is None
    enrolment = run_all_decisions(
        client, outbox, no_face_jpeg, selfie_jpeg, still_frames, d18_frames, obama_jpeg, id_photo_jpeg
    )
    assert not archive_root(home).exists() or not any(archive_root(home).rglob("*"))
    kept = record(ctx, enrolment.id)
    assert kept.selfie_image is None and kept.id_photo_image is None
    result = eds(home, "identify", "export", enrolment.id, "--out", str(home.parent / "out"))
    assert result.exit_code == 1 and "Nothing is kept" in result.output
    assert not (home.parent / "out").exists()


@pytest.fixture
def keeping_app(home, clock, identify_config):
    return create_app(make_settings(home, clock, identify=replace(identify_config, keep_images=True)))


def test_every_decision_keeps_its_images_and_the_export_rechecks_them(
    keeping_app, home, outbox, no_face_jpeg, selfie_jpeg, still_frames, d18_frames, obama_jpeg, id_photo_jpeg
):
    client, ctx = keeping_app.test_client(), service(keeping_app).flow
    enrolment = run_all_decisions(
        client, outbox, no_face_jpeg, selfie_jpeg, still_frames, d18_frames, obama_jpeg, id_photo_jpeg
    )
    root = archive_root(home)
    folders = sorted((root / enrolment.id).iterdir())
    assert [f.name.split("-")[1:3] for f in folders] == [
        ["selfie", "1"],
        ["selfie", "2"],
        ["liveness", "1"],
        ["liveness", "2"],
        ["face_match", "1"],
        ["face_match", "2"],
    ]
    assert (folders[0] / "selfie.jpg").read_bytes() == no_face_jpeg  # refused ones are kept too
    assert (folders[1] / "selfie.jpg").read_bytes() == selfie_jpeg
    still = sorted((folders[2] / "frames").glob("frame-*.jpg"))
    assert len(still) == len(still_frames) and still[0].read_bytes() == still_frames[0][1]
    assert len(list((folders[3] / "frames").glob("frame-*.jpg"))) == len(d18_frames)
    assert (folders[4] / "id-photo.jpg").read_bytes() == obama_jpeg
    for path in [root, *root.rglob("*")]:
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path

    out = home.parent / "exported"
    result = eds(home, "identify", "export", enrolment.id, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o700 and all(mode(p) == (0o700 if p.is_dir() else 0o600) for p in out.rglob("*"))
    listing = json.loads((out / "verdicts.json").read_text())
    audited = [d for d in decisions(ctx, enrolment.id) if d["action"] != "identify_liveness_task"]
    assert [(e["check"], e["ok"], e["reasons"], e["scores"]) for e in listing] == [
        (d["check"], d["ok"], d["reasons"], d["scores"]) for d in audited
    ]
    assert listing[3]["challenges"] == ["blink", "open_mouth"] and listing[3]["seconds_per_challenge"] == 3.0

    # each decision re-checked from the exported files gives the recorded decision again
    for entry in listing:
        command = entry["recheck"]
        assert command[:2] == ["eds", "identify"], entry
        rerun = CliRunner().invoke(main, command[1:], catch_exceptions=False)
        verdict = json.loads(rerun.output.splitlines()[0])
        assert verdict["ok"] is entry["ok"], (entry["folder"], rerun.output)
        assert rerun.exit_code == (0 if entry["ok"] else 1)
        if not entry["ok"]:
            assert set(verdict["reasons"]) & set(entry["reasons"]), (entry, verdict)

    again = eds(home, "identify", "export", enrolment.id, "--out", str(out))
    assert again.exit_code == 1 and "not an empty folder" in again.output  # never overwritten


def test_kept_images_are_deleted_after_the_retention_at_start_and_by_purge(
    keeping_app, home, clock, outbox, selfie_jpeg, identify_config
):
    client = keeping_app.test_client()
    enrolment = phone_confirmed(client, outbox)
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    folder = archive_root(home) / enrolment.id
    assert folder.is_dir()
    archive = IdentifyArchive(archive_root(home), keep_days=30)
    assert archive.purge(clock.now() + dt.timedelta(days=29)) == 0 and folder.is_dir()

    clock.advance(31 * 24 * 3600)  # the service starting a month later deletes them
    create_app(make_settings(home, clock, identify=IdentifyConfig(keep_images=True)))
    assert not folder.exists()

    # `eds identify purge` (real time; the frozen clock is in 2026-03): kept then, gone now
    clock.set(dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    second = phone_confirmed(client, outbox)
    assert send_image(second, "selfie", selfie_jpeg).status_code == 200
    kept = eds(home, "identify", "purge")
    assert kept.exit_code == 0 and json.loads(kept.output) == {"deleted_enrolments": 0, "keep_days": 30}
    assert (archive_root(home) / second.id).is_dir()
    purged = eds(home, "identify", "purge", "--days", "7")
    assert json.loads(purged.output) == {"deleted_enrolments": 1, "keep_days": 7}
    assert not (archive_root(home) / second.id).exists()

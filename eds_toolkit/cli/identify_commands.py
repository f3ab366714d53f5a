"""`eds identify` commands: re-check a selfie, a liveness video or a face match from files; export
and purge the material kept for that (``EDS_IDENTIFY_KEEP_IMAGES=1``).

Each check prints one JSON verdict (check, ok, reasons, scores, message) on stdout.
Exit status: 0 positive verdict, 1 negative verdict, 2 bad input (unreadable or unsupported
file, unknown challenge). A "video" may also be a folder of frames exported by ``eds identify export``
(``frames.json`` with each frame's time), checked with the times the page recorded.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from eds_toolkit.cli import instance_database, instance_service, instance_settings

if TYPE_CHECKING:  # imported where used: OpenCV and numpy load only for a check (not for --help, not eds ca)
    import numpy as np

    from eds_toolkit.identify_archive import IdentifyArchive
    from webcam_flow.verdict import Verdict

# Existence is checked by the commands (_existing), so that a missing file is a JSON verdict with exit 2
# like any other bad input, not a click usage error.
FILE = click.Path(path_type=Path)


def _existing(*paths: Path) -> None:
    from eds_toolkit.identify_archive import FRAME_INDEX
    from webcam_flow.errors import BadInput

    for path in paths:
        if path.is_dir() and (path / FRAME_INDEX).is_file():
            continue
        if not path.is_file():
            raise BadInput(f"{path}: no such file" if not path.exists() else f"{path}: not a file")


def _emit(verdict: Verdict, message: str | None = None, **extra: object) -> None:
    """Print the verdict (and ``extra`` keys) as one JSON line and exit 0 (positive) or 1 (negative)."""
    body = {**verdict.to_dict(), "message": message or verdict.message(), **extra}
    click.echo(json.dumps(body, ensure_ascii=False))
    raise click.exceptions.Exit(0 if verdict.ok else 1)


def _bad_input_exits_2(check: str) -> Callable[[Callable], Callable]:
    """Bad input: a negative verdict (``image``/``bad_image`` for pictures, else ``check``/``bad_input``)
    with the error as its message on stdout, the error on stderr, exit 2."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            from webcam_flow.errors import BadInput
            from webcam_flow.images import BadImage
            from webcam_flow.verdict import Verdict

            try:
                return command(*args, **kwargs)
            except (BadInput, OSError) as exc:
                if isinstance(exc, BadImage):
                    verdict = Verdict.decide("image", ["bad_image"], {})
                else:
                    verdict = Verdict.decide(check, ["bad_input"], {})
                click.echo(json.dumps({**verdict.to_dict(), "message": str(exc)}, ensure_ascii=False))
                click.echo(f"Error: {exc}", err=True)
                raise click.exceptions.Exit(2) from None

        return wrapper

    return decorate


def _read_image(path: Path) -> np.ndarray:
    from webcam_flow.images import MAX_BYTES, BadImage, decode_image

    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    try:
        return decode_image(data)
    except BadImage as exc:
        raise BadImage(f"{path}: {exc}") from exc


def _frames(path: Path, **sampling: object) -> list:
    """The frames of a video file (sampled), or of an exported frames folder (all, with their times)."""
    from eds_toolkit.identify_archive import FRAME_INDEX
    from webcam_flow.errors import BadInput
    from webcam_flow.images import ensure_rgb
    from webcam_flow.video import Frame, fit_width, frames_from_video

    if not path.is_dir():
        return frames_from_video(path, **sampling)
    try:
        index = json.loads((path / FRAME_INDEX).read_text())
        entries = [(float(item["t"]), path / Path(str(item["file"])).name) for item in index]
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInput(
            f"{path / FRAME_INDEX}: not a frame list written by eds identify export ({exc})"
        ) from None
    return [Frame(t, ensure_rgb(fit_width(_read_image(file), 640))) for t, file in entries]


@click.group("identify")
def identify() -> None:
    """Re-check remote identification decisions from files (selfie, liveness video, face match)."""


@identify.command("selfie")
@click.argument("image", type=FILE)
@_bad_input_exits_2("selfie")
def selfie_command(image: Path) -> None:
    """Check a selfie's quality (one face, in the centred circle, sharp, lit, frontal, eyes open)."""
    from webcam_flow.selfie import check_selfie

    _existing(image)
    _emit(check_selfie(_read_image(image)))


@identify.command("liveness")
@click.argument("video", type=FILE)
@click.option(
    "--challenges",
    required=True,
    help="Comma-separated, in the order asked: blink, turn_left, turn_right, open_mouth "
    "(turn_left = the person turns to THEIR left).",
)
@click.option(
    "--fps",
    type=click.FloatRange(min=1, max=30),
    default=10.0,
    show_default=True,
    help="Frames per second taken from the video (the page sends about 10).",
)
@click.option("--start-frame", type=click.IntRange(min=0), default=0, help="First video frame to use.")
@click.option("--stop-frame", type=click.IntRange(min=1), default=None, help="Video frame to stop before.")
@click.option(
    "--seconds-per-challenge",
    type=click.FloatRange(min=0.5, max=30),
    default=None,
    help="Check the page's schedule too, as the service does: challenge k shown from k times this many "
    "seconds after the first frame used (the service's default is 3). Without it only the order is checked.",
)
@_bad_input_exits_2("liveness")
def liveness_command(
    video: Path,
    challenges: str,
    fps: float,
    start_frame: int,
    stop_frame: int | None,
    seconds_per_challenge: float | None,
) -> None:
    """Check that the video shows the challenges, in order, by one live face (no deadline; time slots
    only with --seconds-per-challenge)."""
    from webcam_flow.liveness import check_liveness, parse_challenges

    _existing(video)
    asked = parse_challenges([c for c in challenges.split(",") if c.strip()] or [""])
    frames = _frames(video, fps=fps, start=start_frame, stop=stop_frame)
    _emit(check_liveness(frames, asked, seconds_per_challenge=seconds_per_challenge))


@identify.command("match")
@click.argument("id_photo", type=FILE)
@click.argument("probes", nargs=-1, required=True, type=FILE)
@click.option(
    "--threshold",
    type=click.FloatRange(min=0.05, max=1.5),
    default=None,
    help="Largest encoding distance that still counts as the same person (default 0.55).",
)
@_bad_input_exits_2("face_match")
def match_command(id_photo: Path, probes: tuple[Path, ...], threshold: float | None) -> None:
    """Match the face on an identity-card photo (any rotation) against photos or videos of the citizen
    (a video counts as one probe: the mean encoding of its frontal frames). The output's ``distances``
    gives each probe's distance, so a refusal shows which probe failed."""
    from webcam_flow.errors import NoFaceFound
    from webcam_flow.faces import distance
    from webcam_flow.images import sniff_format
    from webcam_flow.match import DEFAULT_THRESHOLD, face_encoding, match, video_probes, video_template
    from webcam_flow.verdict import Verdict

    _existing(id_photo, *probes)
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    reference_image = _read_image(id_photo)
    encodings: list[tuple[str, np.ndarray]] = []
    faceless: list[str] = []
    for probe in probes:
        is_image = False
        if probe.is_file():
            with probe.open("rb") as handle:
                is_image = sniff_format(handle.read(16)) is not None
        if is_image:
            try:
                encodings.append((probe.name, face_encoding(_read_image(probe))))
            except NoFaceFound:
                faceless.append(probe.name)
        else:
            found = video_probes(_frames(probe))
            if found:
                encodings.append((probe.name, video_template(found)))
            else:
                faceless.append(probe.name)
    try:
        reference = face_encoding(reference_image, allow_rotation=True)
    except NoFaceFound:
        _emit(Verdict.decide("face_match", ["no_face_on_reference"], {"threshold": threshold}))
    verdict = match(reference, [encoding for _, encoding in encodings], threshold=threshold)
    per_probe = [
        {"probe": name, "distance": round(distance(reference, encoding), 4)} for name, encoding in encodings
    ]
    per_probe += [{"probe": name, "distance": None} for name in faceless]
    if faceless:
        reasons = ["no_face", *verdict.reasons]
        verdict = Verdict.decide(
            "face_match", reasons, {**verdict.scores, "probes_without_face": len(faceless)}
        )
    _emit(verdict, distances=per_probe)


def _archive(obj: object, days: int | None) -> IdentifyArchive:
    """The instance's archive (``--home``), kept ``days`` (else ``EDS_IDENTIFY_KEEP_DAYS``, else 30)."""
    import os

    from eds_toolkit.flow.identification import IdentifyConfig
    from eds_toolkit.identify_archive import IdentifyArchive, archive_root
    from eds_toolkit.settings import SettingsError

    if days is None:
        try:
            days = IdentifyConfig.from_env(os.environ).keep_days
        except SettingsError as error:
            raise click.UsageError(str(error)) from None
    return IdentifyArchive(archive_root(obj.home), days)  # type: ignore[attr-defined]


@identify.command("export")
@click.argument("enrolment_id")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="A new (or empty) folder to write to; made 0700, files 0600.",
)
@click.pass_obj
def export_command(obj: object, enrolment_id: str, out: Path) -> None:
    """Write the images an enrolment's decisions used (selfie, liveness frames, ID photo; passed or
    refused) and their verdicts (verdicts.json, with the eds identify command that re-checks each)."""
    from eds_toolkit.identify_archive import ArchiveError

    try:
        listing = _archive(obj, None).export(enrolment_id, out)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    for entry in listing:
        outcome = "ok" if entry.get("ok") else "refused: " + ",".join(entry.get("reasons", []))
        click.echo(f"{entry['folder']}  {entry['check']} attempt {entry.get('attempt')}  {outcome}")
    click.echo(f"{len(listing)} decisions written to {out} (verdicts.json)")


@identify.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Keep this many days (default EDS_IDENTIFY_KEEP_DAYS, else 30).",
)
@click.pass_obj
def purge_command(obj: object, days: int | None) -> None:
    """Delete kept identification images of enrolments whose last decision is older than the retention
    (the service also does this at start; run it daily, e.g. from cron)."""
    import datetime as dt

    archive = _archive(obj, days)
    removed = archive.purge(dt.datetime.now(dt.UTC))
    click.echo(json.dumps({"deleted_enrolments": removed, "keep_days": archive.keep_days}))


@identify.group("review")
def review() -> None:
    """Face matches referred to an officer (neither accepted nor refused automatically): list them, write
    out their pictures, accept or refuse each once. Exit 0 done, 1 refused, 2 bad input."""


@review.command("list")
@click.option("--all", "show_all", is_flag=True, help="Decided reviews too (default: pending only).")
@click.pass_obj
def review_list(obj: object, show_all: bool) -> None:
    """One JSON line per review: id, enrolment, status, engine, scores, who decided."""
    from eds_toolkit.flow.identification.review import list_reviews

    ctx, _ = instance_service(obj)
    for entry in list_reviews(ctx, status=None if show_all else "pending"):
        click.echo(json.dumps(entry.as_json(), sort_keys=True))


@review.command("pictures")
@click.argument("review_id", type=int)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="A new folder.")
@click.pass_obj
def review_pictures_command(obj: object, review_id: int, out: Path) -> None:
    """Write a pending review's selfie, ID photo and the state photo to compare (0600 files)."""
    from eds_toolkit.core.refusals import Refusal
    from eds_toolkit.flow.identification.review import review_pictures

    ctx, _ = instance_service(obj)
    try:
        pictures = review_pictures(ctx, review_id)
    except Refusal as error:
        click.echo(json.dumps({"ok": False, "code": error.code, "message": error.message}))
        raise SystemExit(2) from None
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, data in pictures.items():
        suffix = {"\x89P": ".png", "RI": ".webp"}.get(data[:2].decode("latin-1"), ".jpg")
        target = out / f"{name}{suffix}"
        target.touch(mode=0o600)
        target.write_bytes(data)
        click.echo(str(target))


def _decide(obj: object, review_id: int, accept: bool, officer: str, note: str | None) -> None:
    from eds_toolkit.core.refusals import InvalidInput, NotFound, Refusal
    from eds_toolkit.flow.identification.review import decide_review

    ctx, config = instance_service(obj)
    try:
        decided = decide_review(ctx, review_id, accept=accept, officer=officer, note=note, config=config)
    except Refusal as error:
        click.echo(json.dumps({"ok": False, "code": error.code, "message": error.message}))
        raise SystemExit(2 if isinstance(error, InvalidInput | NotFound) else 1) from None
    click.echo(json.dumps({"ok": True, **decided.as_json()}, sort_keys=True))


_officer = click.option("--officer", required=True, help="The deciding officer's staff identifier (audited).")
_note = click.option("--note", default=None, help="Why (kept with the decision and in the audit log).")


@review.command("accept")
@click.argument("review_id", type=int)
@_officer
@_note
@click.pass_obj
def review_accept(obj: object, review_id: int, officer: str, note: str | None) -> None:
    """The live face is the person of the state photo: the enrolment goes on to the PIN step."""
    _decide(obj, review_id, True, officer, note)


@review.command("refuse")
@click.argument("review_id", type=int)
@_officer
@_note
@click.pass_obj
def review_refuse(obj: object, review_id: int, officer: str, note: str | None) -> None:
    """Not the same person: the enrolment fails (counted like any failed identification of the IIN)."""
    _decide(obj, review_id, False, officer, note)


@identify.command("report")
@click.option("--since", metavar="YYYY-MM-DD", help="First day, in the service's time zone (EDS_TIME_ZONE).")
@click.option("--until", metavar="YYYY-MM-DD", help="Last day, included. Default: no bound either side.")
@click.option(
    "--would-refuse",
    "rules",
    multiple=True,
    metavar="SCORE<OP>VALUE",
    help="A candidate threshold, e.g. turn_texture>0.87 (OP > >= < <=; several allowed): the tries that "
    "passed and the enrolments that finished it would have refused.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of the tables.")
@click.pass_obj
def report_command(
    obj: object, since: str | None, until: str | None, rules: tuple[str, ...], as_json: bool
) -> None:
    """How identification decided for the enrolments started in a period, to calibrate its thresholds on
    real citizens: tries and enrolments per outcome and reason, the genuine-refusal lower bound, score
    percentiles, candidate thresholds, the review queue's distances. Aggregates only. Exit 2: bad option."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from eds_toolkit.identify_report import BadOption, Period, identification_report, parse_rule, report_lines

    settings = instance_settings(obj)
    try:
        period = Period.of_days(since, until, settings.time_zone)
        chosen = [parse_rule(rule) for rule in rules]
    except BadOption as error:
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(2) from None
    engine = instance_database(settings)
    try:
        with Session(engine) as session:
            report = identification_report(session, period, chosen, now=dt.datetime.now(dt.UTC))
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(report_lines(report)))


COMMANDS: list[click.Command] = [identify]

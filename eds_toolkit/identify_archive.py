"""Kept identification material, so that operators can re-check a disputed decision.

Only with ``EDS_IDENTIFY_KEEP_IMAGES=1``: every identification decision (selfie, liveness video, ID-photo
match; passed or refused) keeps what it used and its verdict under ``<home>/identify-archive/``::

    <enrolment id>/<NNN>-<check>-<attempt>/verdict.json      check, ok, reasons, scores, attempt, time
                                            selfie.jpg | id-photo.jpg    the uploaded bytes as received
                                            frames/frame-000.jpg ... frames/frames.json  (liveness)

Folders are 0700 and files 0600. :meth:`IdentifyArchive.purge` deletes an enrolment's material once its
newest decision is older than ``keep_days`` (the service calls it at start; ``eds identify purge``);
:meth:`IdentifyArchive.export` copies one enrolment's material out for ``eds identify liveness/match``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from webcam_flow.images import sniff_format

ARCHIVE_DIR = "identify-archive"
DEFAULT_KEEP_DAYS = 30
VERDICT = "verdict.json"
FRAMES = "frames"
FRAME_INDEX = "frames.json"
_ENROLMENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # fullmatch: "$" would let "id\n" through
_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


class ArchiveError(ValueError):
    """A request the archive cannot serve (unknown enrolment, bad id, an output folder in the way)."""


def archive_root(home: Path) -> Path:
    """Where the instance at ``home`` keeps identification material."""
    return Path(home) / ARCHIVE_DIR


def _mkdir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _write(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _image_bytes(data: bytes | np.ndarray) -> tuple[bytes, str]:
    """Uploaded bytes as received (with their format's extension); a decoded RGB frame as PNG."""
    if isinstance(data, np.ndarray):
        ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(data), cv2.COLOR_RGB2BGR))
        if not ok:
            raise ArchiveError("a frame could not be encoded")
        return encoded.tobytes(), ".png"
    return bytes(data), _EXTENSIONS.get(sniff_format(bytes(data[:16])) or "", ".bin")


@dataclass(frozen=True)
class IdentifyArchive:
    """The kept material of one instance (``root`` is ``<home>/identify-archive``)."""

    root: Path
    keep_days: int = DEFAULT_KEEP_DAYS

    def enrolment_dir(self, enrolment_id: str) -> Path:
        if not isinstance(enrolment_id, str) or not _ENROLMENT_ID.fullmatch(enrolment_id):
            raise ArchiveError(f"{enrolment_id!r} is not an enrolment id")
        return self.root / enrolment_id

    def keep(
        self,
        enrolment_id: str,
        verdict: dict[str, Any],
        *,
        attempt: int,
        at: dt.datetime,
        image: tuple[str, bytes] | None = None,
        frames: Sequence[tuple[float, bytes | np.ndarray]] = (),
        context: dict[str, Any] | None = None,
    ) -> Path:
        """Write one decision: ``verdict`` (check, ok, reasons, scores), the ``image`` (name, bytes) or the
        liveness ``frames`` (seconds, bytes or RGB array) and ``context`` (e.g. the challenges asked).
        Returns the decision's folder."""
        folder = _mkdir(self.enrolment_dir(enrolment_id))
        _mkdir(self.root)
        os.chmod(self.root, 0o700)
        decision = self._new_decision_dir(folder, f"{verdict['check']}-{attempt}")
        files: list[str] = []
        if image is not None:
            data, extension = _image_bytes(image[1])
            _write(decision / f"{image[0]}{extension}", data)
            files.append(f"{image[0]}{extension}")
        if frames:
            frame_dir = _mkdir(decision / FRAMES)
            index = []
            for number, (t, data) in enumerate(frames):
                encoded, extension = _image_bytes(data)
                file_name = f"frame-{number:03d}{extension}"
                _write(frame_dir / file_name, encoded)
                index.append({"file": file_name, "t": float(t)})
            _write(frame_dir / FRAME_INDEX, json.dumps(index).encode())
            files.append(f"{FRAMES}/")
        record = {
            "enrolment_id": enrolment_id,
            **verdict,
            "attempt": attempt,
            "at": at.astimezone(dt.UTC).isoformat(),
            "files": files,
            **(context or {}),
        }
        _write(decision / VERDICT, json.dumps(record, ensure_ascii=False, indent=1).encode())
        return decision

    @staticmethod
    def _new_decision_dir(folder: Path, label: str) -> Path:
        """``NNN-<check>-<attempt>``: numbered in the order decided (a parallel decision takes the next)."""
        number = len([p for p in folder.iterdir() if p.is_dir()]) + 1
        while True:
            decision = folder / f"{number:03d}-{label}"
            try:
                decision.mkdir(mode=0o700)
                return decision
            except FileExistsError:
                number += 1

    def decisions(self, enrolment_id: str) -> list[tuple[Path, dict[str, Any]]]:
        """The enrolment's kept decisions, oldest first (empty when nothing is kept)."""
        folder = self.enrolment_dir(enrolment_id)
        if not folder.is_dir():
            return []
        found = []
        for decision in sorted(p for p in folder.iterdir() if (p / VERDICT).is_file()):
            found.append((decision, json.loads((decision / VERDICT).read_text())))
        return found

    def purge(self, now: dt.datetime) -> int:
        """Delete the material of every enrolment whose newest decision is older than ``keep_days``;
        returns how many enrolments' folders were deleted."""
        if not self.root.is_dir():
            return 0
        limit = now - dt.timedelta(days=self.keep_days)
        removed = 0
        for folder in self.root.iterdir():
            if not folder.is_dir() or not _ENROLMENT_ID.fullmatch(folder.name):
                continue
            times = [dt.datetime.fromisoformat(record["at"]) for _, record in self.decisions(folder.name)]
            if not times or max(times) < limit:
                shutil.rmtree(folder)
                removed += 1
        return removed

    def export(self, enrolment_id: str, out: Path) -> list[dict[str, Any]]:
        """Copy the enrolment's kept material to ``out`` (a new or empty folder; 0700, files 0600) with
        ``verdicts.json``: each decision's verdict, its folder and the ``eds identify`` command that
        re-checks it. Returns the list written there."""
        kept = self.decisions(enrolment_id)
        if not kept:
            raise ArchiveError(
                f"Nothing is kept for enrolment {enrolment_id}: images are kept only with "
                f"EDS_IDENTIFY_KEEP_IMAGES=1, and for {self.keep_days} days."
            )
        out = Path(out)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise ArchiveError(f"{out} already exists and is not an empty folder; choose a new one.")
        _mkdir(out)
        listing = []
        last: dict[str, Path] = {}
        for decision, record in kept:
            target = out / decision.name
            shutil.copytree(decision, target, copy_function=shutil.copy2)
            for path in [target, *target.rglob("*")]:
                os.chmod(path, 0o700 if path.is_dir() else 0o600)
            listing.append(
                {**record, "folder": decision.name, "recheck": recheck_command(record, target, last)}
            )
            if record.get("ok"):
                last[record["check"]] = target
        _write(out / "verdicts.json", json.dumps(listing, ensure_ascii=False, indent=1).encode())
        return listing


def recheck_command(record: dict[str, Any], folder: Path, passed: dict[str, Path]) -> list[str] | None:
    """The ``eds identify`` arguments that re-check a kept decision from the exported files (the face
    match uses the last passed selfie and video before it); None when the material is not there."""
    files = record.get("files", [])
    check = record.get("check")
    if check == "selfie" and files:
        return ["eds", "identify", "selfie", str(folder / files[0])]
    if check == "liveness" and f"{FRAMES}/" in files:
        command = ["eds", "identify", "liveness", str(folder / FRAMES)]
        command += ["--challenges", ",".join(record.get("challenges", []))]
        if record.get("seconds_per_challenge"):
            command += ["--seconds-per-challenge", str(record["seconds_per_challenge"])]
        return command
    if check == "face_match" and files:
        probes = []
        if "selfie" in passed:
            probes += [str(p) for p in sorted(passed["selfie"].iterdir()) if p.name != VERDICT]
        if "liveness" in passed:
            probes.append(str(passed["liveness"] / FRAMES))
        if probes:
            command = ["eds", "identify", "match", str(folder / files[0]), *probes]
            if record.get("threshold"):
                command += ["--threshold", str(record["threshold"])]
            return command
    return None

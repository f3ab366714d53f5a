"""Key requests waiting for their certificates, remembered across agent restarts.

A request's two keys wait encrypted in ``<store>/.pending/<enrolment>/``, next to their CSRs.
The secret that opens them, the person's IIN and that folder are a *record* in
``<home>/agent/pending/<enrolment>.json`` (0600 in a 0700 folder, beside the agent's TLS key), apart
from the keys: a restarted agent (or a rebooted computer) still installs the certificates. Installing
deletes the record, so leftover key files can no longer be opened by anyone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PENDING_DIR = ".pending"
ROLES = ("auth", "sign")


@dataclass(frozen=True)
class PendingRequest:
    """Keys made for one enrolment: whose (``iin``), where (``directory``), and what opens them."""

    enrolment_id: str
    iin: str
    directory: Path
    secret: str

    @property
    def key_dir(self) -> Path:
        return self.directory / PENDING_DIR / self.enrolment_id


def write_key_files(
    request: PendingRequest, encrypted_keys: dict[str, bytes], csrs: dict[str, bytes]
) -> None:
    """Put the encrypted keys and their CSRs into ``request.key_dir`` all at once (staging + rename).

    Raises OSError with nothing left behind; an older folder of the same enrolment is replaced.
    """
    pending_root = request.key_dir.parent
    staging = pending_root / f".staging-{request.enrolment_id}-{secrets.token_hex(4)}"
    try:
        pending_root.mkdir(mode=0o700, exist_ok=True)
        staging.mkdir(mode=0o700)
        for role in ROLES:
            write_private(staging / f"{role}.key.pem", encrypted_keys[role])
            write_private(staging / f"{role}.csr.pem", csrs[role])
        write_private(
            staging / "request.json",
            json.dumps({"enrolment_id": request.enrolment_id, "iin": request.iin}).encode(),
        )
        if request.key_dir.exists():
            shutil.rmtree(request.key_dir)
        staging.rename(request.key_dir)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def remove_key_files(request: PendingRequest) -> None:
    """Delete the waiting keys (and ``.pending`` itself once no other request waits there)."""
    shutil.rmtree(request.key_dir, ignore_errors=True)
    with contextlib.suppress(OSError):
        request.key_dir.parent.rmdir()


class PendingRecords:
    """The records of waiting requests: files under ``state_dir``, or memory only when it is None."""

    def __init__(self, state_dir: Path | None) -> None:
        self.state_dir = state_dir
        self._memory: dict[str, PendingRequest] = {}

    def _path(self, enrolment_id: str) -> Path:
        assert self.state_dir is not None
        return self.state_dir / f"{enrolment_id}.json"

    def get(self, enrolment_id: str) -> PendingRequest | None:
        if self.state_dir is None:
            return self._memory.get(enrolment_id)
        path = self._path(enrolment_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return PendingRequest(data["enrolment_id"], data["iin"], Path(data["directory"]), data["secret"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("the record of a waiting request is unreadable: %s", path)
            return None

    def put(self, request: PendingRequest) -> None:
        """Remember ``request`` (atomically: a crash leaves the old record or the new one)."""
        if self.state_dir is None:
            self._memory[request.enrolment_id] = request
            return
        self.state_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.state_dir.mkdir(exist_ok=True, mode=0o700)
        record = {
            "enrolment_id": request.enrolment_id,
            "iin": request.iin,
            "directory": str(request.directory),
            "secret": request.secret,
        }
        temporary = self.state_dir / f".{request.enrolment_id}-{secrets.token_hex(4)}.tmp"
        try:
            write_private(temporary, json.dumps(record).encode())
            os.replace(temporary, self._path(request.enrolment_id))
        except OSError:
            temporary.unlink(missing_ok=True)
            raise

    def remove(self, enrolment_id: str) -> None:
        if self.state_dir is None:
            self._memory.pop(enrolment_id, None)
            return
        self._path(enrolment_id).unlink(missing_ok=True)

    def ids(self) -> list[str]:
        if self.state_dir is None:
            return sorted(self._memory)
        if not self.state_dir.is_dir():
            return []
        return sorted(path.stem for path in self.state_dir.glob("*.json") if not path.name.startswith("."))


def write_private(path: Path, data: bytes) -> None:
    """A new file only its owner reads (0600), flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())

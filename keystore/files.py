"""Writing secret files safely: never over an existing file, never half-written, owner-only."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from keystore.errors import KeystoreExists


def _exists_error(path: Path) -> KeystoreExists:
    return KeystoreExists(f"{path} already exists; it was left untouched. Choose another folder or name.")


def write_new_file(path: Path, data: bytes, mode: int = 0o600) -> Path:
    """Write ``data`` to ``path`` atomically (temp file, fsync, link into place); refuse if it exists.

    The temp file is created owner-only in the same directory, so the final file is never readable by
    others and never seen half-written. Where hard links are unsupported (FAT on a USB stick) the temp
    file is renamed into place after a last check.
    """
    path = Path(path)
    if path.exists():
        raise _exists_error(path)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.chmod(temp_name, mode)  # mkstemp makes it 0600; a CSR may be world-readable
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp_name, path)
        except FileExistsError:
            raise _exists_error(path) from None
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            if path.exists():
                raise _exists_error(path) from None
            os.replace(temp_name, path)
        _fsync_directory(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
    return path


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""Where the CA passphrase comes from: a file given by the operator, else ``EDS_CA_PASSPHRASE``."""

from __future__ import annotations

import os
from pathlib import Path

from ca.errors import PassphraseMissing

MIN_PASSPHRASE_LENGTH = 12


def load_passphrase(passphrase_file: Path | None) -> bytes:
    """The CA passphrase: the file's first line when a file is given, else ``$EDS_CA_PASSPHRASE``.

    An explicit file wins over the environment, as command-line options do over ambient settings.
    """
    if passphrase_file is not None:
        try:
            text = Path(passphrase_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise PassphraseMissing(
                f"Cannot read the passphrase file {passphrase_file}: {exc.strerror}."
            ) from None
        lines = text.splitlines()
        passphrase = lines[0] if lines else ""
        source = f"the passphrase file {passphrase_file}"
    elif os.environ.get("EDS_CA_PASSPHRASE"):
        passphrase = os.environ["EDS_CA_PASSPHRASE"]
        source = "EDS_CA_PASSPHRASE"
    else:
        raise PassphraseMissing(
            "No CA passphrase: set EDS_CA_PASSPHRASE or pass --passphrase-file FILE (first line is used)."
        )
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise PassphraseMissing(
            f"The CA passphrase from {source} is shorter than {MIN_PASSPHRASE_LENGTH} characters."
        )
    return passphrase.encode("utf-8")

"""Getting an instance ready: schema migrations, the embedded test CA, demo citizens and registers (once,
under a lock)."""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from eds_toolkit.settings import Settings

log = logging.getLogger("eds_toolkit")


def ca_directory(home: Path) -> Path:
    """Where the CA files live: ``<home>/ca``."""
    return home / "ca"


@contextmanager
def instance_lock(home: Path) -> Iterator[None]:
    """Serialise start-up work between processes (gunicorn workers start together)."""
    path = home / ".startup.lock"
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_test_ca(home: Path, base_url: str) -> None:
    """Create a TEST CA in ``<home>/ca`` if none exists; its passphrase goes to ``<home>/ca/passphrase``."""
    from ca.authority import CertificateAuthority
    from ca.config import CAConfig

    directory = ca_directory(home)
    if CertificateAuthority.exists(directory):
        return
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    passphrase_file = directory / "passphrase"
    if not passphrase_file.exists():
        fd = os.open(passphrase_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
    passphrase = passphrase_file.read_text().splitlines()[0].encode()
    CertificateAuthority.initialise(directory, passphrase, CAConfig(base_url=base_url))
    log.warning(
        "Created a TEST CA in %s (passphrase stored in %s): it is for testing only, its certificates "
        "are not legally valid signatures.",
        directory,
        passphrase_file,
    )


def ca_passphrase(settings: Settings) -> bytes:
    """The CA passphrase: EDS_CA_PASSPHRASE, EDS_CA_PASSPHRASE_FILE, else the embedded test CA's file.

    A CA whose issuing key lives in a PKCS#11 token needs none (it logs in with EDS_CA_PIN).
    """
    from ca.config import CAConfig
    from ca.passphrase import load_passphrase

    config_file = ca_directory(settings.home) / "ca.json"
    if config_file.exists() and CAConfig.from_file(config_file).issuing_key_in_token:
        return b""
    if settings.ca_passphrase:
        return settings.ca_passphrase
    if settings.ca_passphrase_file:
        return load_passphrase(settings.ca_passphrase_file)
    embedded = ca_directory(settings.home) / "passphrase"
    if embedded.exists():
        return load_passphrase(embedded)
    return load_passphrase(None)  # raises PassphraseMissing with the operator's instructions


def prepare_instance(settings: Settings, engine: Engine, sessions) -> None:
    """Migrate the schema; with the embedded defaults also create the test CA and load demo citizens and
    the demo registers."""
    from eds_toolkit.migrations import current, upgrade

    with instance_lock(settings.home):
        before = current(engine)
        upgrade(engine)
        after = current(engine)
        if after != before:
            log.info("Database schema upgraded from %s to revision %s.", before or "empty", after)
        if settings.create_test_ca:
            ensure_test_ca(settings.home, settings.base_url)
        if settings.load_demo_citizens:
            from eds_toolkit.citizens.importing import DEMO_PHOTOS_DIR, load_demo_citizens

            photos = settings.demo_photos_dir or DEMO_PHOTOS_DIR
            if not photos.is_dir():
                log.warning(
                    "No demo reference photos in %s (EDS_DEMO_PHOTOS_DIR): the demo citizens have no photo "
                    "on record, so remote issuance sends them to a service centre.",
                    photos,
                )
            with sessions() as session:
                added = load_demo_citizens(session, photos_dir=photos)
                session.commit()
            if added:
                log.info("Loaded %d demo citizens.", added)
        if settings.load_demo_registers:
            from eds_toolkit.registers import load_demo_registers

            with sessions() as session:
                added = load_demo_registers(session, clock=settings.clock)
            if added:
                log.info("Loaded %d demo register records and people.", added)

"""Server-made keystores kept until picked up, so that no crash loses the keys of an issued pair.

The zip of the two .p12 files is built inside the transaction that issues the pair and stored with it
(``KeystorePickup``): the files are encrypted with the password the citizen chose (PBES2, AES-256),
which the service never stores. Asking again with that password within ``keystore_pickup_seconds``
(a retry after a lost answer, a killed process, a closed tab) gets the same files, not "already
issued"; another password is told so and gets nothing. After that the kept copy is not served and
``eds db purge`` deletes it; a lost download then has the replacement (``replacement.py``).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from cryptography.hazmat.primitives import serialization
from sqlalchemy import delete
from sqlalchemy.orm import Session

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput
from eds_toolkit.flow.issued import IssuedPair, ServerKeystores
from eds_toolkit.flow.pickup_models import KeystorePickup
from keystore.errors import CorruptKeystore, WrongPassword
from keystore.pkcs12 import open_keystore


def keep(ctx: ServiceContext, session: Session, enrolment_id: str, made: ServerKeystores) -> None:
    """Store ``made`` for ``enrolment_id`` in the caller's transaction (replacing an earlier one)."""
    now = ctx.now()
    session.merge(
        KeystorePickup(
            enrolment_id=enrolment_id,
            auth_serial=made.pair.auth_serial,
            sign_serial=made.pair.sign_serial,
            zip_bytes=made.zip_bytes,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ctx.keystore_pickup_seconds),
        )
    )


def kept(ctx: ServiceContext, session: Session, enrolment_id: str, password: str) -> ServerKeystores | None:
    """The keystores kept for ``enrolment_id`` if still within their time, opened with ``password``;
    None when there are none. ``keystore_password_differs`` when ``password`` does not open them."""
    row = session.get(KeystorePickup, enrolment_id)
    if row is None or ctx.now() >= row.expires_at:
        return None
    archive = zipfile.ZipFile(io.BytesIO(row.zip_bytes))
    names = archive.namelist()
    try:
        opened = [open_keystore(archive.read(name), password) for name in names]
    except (WrongPassword, CorruptKeystore):
        raise InvalidInput(
            "Your keystores were already made, with the password you typed the first time: type that "
            "password to download them again.",
            code="keystore_password_differs",
        ) from None
    pem = serialization.Encoding.PEM
    pair = IssuedPair(
        auth_pem=opened[0].certificate.public_bytes(pem),
        sign_pem=opened[1].certificate.public_bytes(pem),
        chain_pem=b"".join(certificate.public_bytes(pem) for certificate in opened[0].chain),
        auth_serial=row.auth_serial,
        sign_serial=row.sign_serial,
    )
    return ServerKeystores(row.zip_bytes, (names[0], names[1]), pair, delivered_again=True)


def purge_expired(session: Session, now: dt.datetime) -> int:
    """Delete the kept keystores past their time; how many."""
    deleted = session.execute(
        delete(KeystorePickup).where(KeystorePickup.expires_at <= now),
        execution_options={"synchronize_session": False},
    )
    return deleted.rowcount

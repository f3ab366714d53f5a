"""The issued certificates as PEM files: for the browser that made the enrolment, and for the signed-in
citizen's cabinet. Certificates are public, but each is handed only to its owner's session."""

from __future__ import annotations

from dataclasses import dataclass

from ca.store import certificate, current_pair_of_enrolment
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import NotFound
from eds_toolkit.flow.machine import State
from eds_toolkit.flow.models import Enrolment

FILE_KINDS = ("auth", "sign", "chain")


@dataclass(frozen=True)
class PemFile:
    """A file to download: its name and PEM text."""

    filename: str
    pem: bytes


def enrolment_certificate_file(ctx: ServiceContext, enrolment_id: str, kind: str) -> PemFile:
    """The AUTH or SIGN certificate, or the CA chain, of an issued enrolment; else NotFound."""
    if kind not in FILE_KINDS:
        raise NotFound("There is no such certificate file.")
    with ctx.session() as session:
        enrolment = session.get(Enrolment, enrolment_id) if enrolment_id else None
        if enrolment is None or enrolment.state != str(State.ISSUED):
            raise NotFound("Your certificates are not issued yet.")
        if kind == "chain":
            return chain_file(ctx)
        row = next(
            (row for row in current_pair_of_enrolment(session, enrolment.id) if row.profile == kind), None
        )
    if row is None:
        raise NotFound("There is no such certificate file.")
    return _record_file(row)


def citizen_certificate_file(ctx: ServiceContext, iin: str, serial: str) -> PemFile:
    """One of this citizen's certificates by serial (hex, any case); NotFound for anybody else's."""
    with ctx.session() as session:
        row = certificate(session, serial.strip().lower())
    if row is None or row.iin != iin:
        raise NotFound("There is no such certificate among yours.")
    return _record_file(row)


def chain_file(ctx: ServiceContext) -> PemFile:
    """The CA chain (issuing CA, then root) that ``eds keystore build --chain`` takes."""
    return PemFile("chain.pem", ctx.ca().chain_pem())


def _record_file(row) -> PemFile:
    pem = row.pem if isinstance(row.pem, bytes) else row.pem.encode()
    return PemFile(f"{row.profile.upper()}_{row.serial}.pem", pem)

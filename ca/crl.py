"""The CA's CRLs as it publishes them: the issuing CA's complete (base) and delta CRLs, and the root's.

Each CRL is numbered from a stored counter per issuer (``ca.store.next_crl_number``) and kept in the
store (``ca_crls``), from where the web serves it. ``publish_due`` publishes what is due (by the
schedules below) or what is forced; the counter's lock makes two processes publishing at once take
turns, and the second finds the first's CRL fresh and publishes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ca.authority import CertificateAuthority, sign_root_crl
from ca.errors import CAError
from ca.store import (
    CertificateRecord,
    CertificateStore,
    CRLCounter,
    PublishedCRL,
    keep_crl,
    latest_crl,
    next_crl_number,
)

REASON_FLAGS: dict[str, x509.ReasonFlags] = {
    "key_compromise": x509.ReasonFlags.key_compromise,
    "ca_compromise": x509.ReasonFlags.ca_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "certificate_hold": x509.ReasonFlags.certificate_hold,
    "privilege_withdrawn": x509.ReasonFlags.privilege_withdrawn,
}


@dataclass(frozen=True)
class CRLSchedule:
    """How long a CRL is valid (nextUpdate - thisUpdate) and when, before that, the next one is made."""

    lifetime: dt.timedelta
    republish_after: dt.timedelta

    def due(self, latest: PublishedCRL | None, now: dt.datetime) -> bool:
        return latest is None or now >= latest.this_update + self.republish_after


BASE = CRLSchedule(lifetime=dt.timedelta(days=7), republish_after=dt.timedelta(days=1))
DELTA = CRLSchedule(lifetime=dt.timedelta(days=1), republish_after=dt.timedelta(hours=1))
# The root signs only issuing CA certificates and is kept offline: a yearly CRL (the CA/Browser Forum's
# ceiling for CRLs of CA certificates is 12 months), made a month before it runs out.
ROOT = CRLSchedule(lifetime=dt.timedelta(days=365), republish_after=dt.timedelta(days=335))


def issuer_key(certificate: x509.Certificate) -> str:
    """The store's name of a CRL issuer: SHA-256 of its DER subject (stable across a re-key)."""
    return hashlib.sha256(certificate.subject.public_bytes()).hexdigest()


@dataclass(frozen=True)
class Published:
    """What one ``publish_due`` call published (None: nothing of that kind was due)."""

    base: x509.CertificateRevocationList | None = None
    delta: x509.CertificateRevocationList | None = None

    def __iter__(self):
        return iter(crl for crl in (self.base, self.delta) if crl is not None)


def publish_due(
    authority: CertificateAuthority, *, now: dt.datetime | None = None, force: bool = False
) -> Published:
    """Publish the issuing CA's base CRL (with a fresh delta after it) and delta CRL if due, or forced.

    A new base is due a day after the last one, a new delta an hour after the last one (or once a new
    base exists). Nothing is published (and no number used) when nothing is due.
    """
    store = _store_of(authority)
    moment = (now or authority.clock()).replace(microsecond=0)
    key = issuer_key(authority.issuing_cert)
    if not force and not _issuing_crls_due(store.session, key, moment):
        return Published()
    with store.session() as session:
        try:
            # Numbers for a CA whose earlier CRLs were numbered by time (microseconds) continue above them.
            number = next_crl_number(session, key, first=_legacy_number(now or authority.clock()))
            base = latest_crl(session, key, "base")
            delta = latest_crl(session, key, "delta")
            published = Published()
            if force or BASE.due(base, moment):
                crl = _base_crl(authority, session, number, moment)
                base = _store(session, key, "base", crl, None)
                number = next_crl_number(session, key, first=1)
                published = Published(base=crl)
            if published.base is not None or force or _delta_due(delta, base, moment):
                crl = _delta_crl(authority, session, number, base, moment)
                _store(session, key, "delta", crl, base.number)
                published = Published(base=published.base, delta=crl)
            if published.base is None and published.delta is None:
                session.rollback()  # another process published first: the number is given back
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
    return published


def build_crl(
    authority: CertificateAuthority, *, now: dt.datetime | None = None
) -> x509.CertificateRevocationList:
    """Publish a new base CRL now (and a delta after it), whatever is due; return the base."""
    return publish_due(authority, now=now, force=True).base


def publish_root_crl(
    store: CertificateStore,
    root_cert: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    *,
    revoked: Iterable[tuple[int, dt.datetime, str]] = (),
    now: dt.datetime | None = None,
    force: bool = False,
) -> x509.CertificateRevocationList | None:
    """Publish the root's CRL if due: the entries of its last CRL and ``revoked`` (issuing CA
    certificates revoked now: ``(serial, date, reason)``), so a revocation is never dropped.

    The root key signs it where the root is kept; the CRL goes to the same store the web serves from.
    """
    moment = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    key = issuer_key(root_cert)
    with store.session() as session:
        try:
            number = next_crl_number(session, key, first=1)
            previous = latest_crl(session, key, "base")
            revoked = list(revoked)
            if not force and not revoked and not ROOT.due(previous, moment):
                session.rollback()
                return None
            entries = (
                {} if previous is None else {e.serial_number: e for e in x509.load_der_x509_crl(previous.der)}
            )
            for serial, revoked_at, reason in revoked:
                entries.setdefault(serial, _entry(serial, revoked_at, reason))
            builder = _builder(moment, ROOT, number, [], list(entries.values()))
            crl = sign_root_crl(builder, root_cert, root_key)
            _store(session, key, "base", crl, None)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return crl


def import_root_crl(
    store: CertificateStore, root_cert: x509.Certificate, data: bytes
) -> x509.CertificateRevocationList:
    """Store a root CRL signed on the offline root's machine (``eds ca crl --root --out``), for the web.

    Refused unless the root signed it and its number is above the newest stored root CRL's; the
    counter is moved up to it, so a root CRL made here later still numbers above it.
    """
    try:
        crl = x509.load_der_x509_crl(data) if data[:1] == b"\x30" else x509.load_pem_x509_crl(data)
    except ValueError:
        raise CAError("This file is not a CRL (DER or PEM).") from None
    if crl.issuer != root_cert.subject or not crl.is_signature_valid(root_cert.public_key()):
        raise CAError("This CRL is not signed by this CA's root: nothing was stored.")
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        raise CAError("This CRL has no CRL number: nothing was stored.") from None
    key = issuer_key(root_cert)
    with store.session() as session:
        try:
            taken = next_crl_number(session, key, first=1)
            latest = latest_crl(session, key, "base")
            if latest is not None and number <= latest.number:
                raise CAError(
                    f"The root CRL stored here is number {latest.number}; this one is {number}: "
                    "an older CRL is never put back."
                )
            if taken < number:
                session.execute(
                    update(CRLCounter).where(CRLCounter.issuer_sha256 == key).values(last_number=number)
                )
            _store(session, key, "base", crl, None)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return crl


@dataclass(frozen=True)
class CRLStatus:
    """Where one published CRL stands: for the operator's status page, metrics (CRL age) and the CLI."""

    which: str  # "base", "delta" or "root"
    number: int
    this_update: dt.datetime
    next_update: dt.datetime
    base_number: int | None  # a delta's base

    def age(self, now: dt.datetime) -> dt.timedelta:
        return now - self.this_update

    def overdue(self, now: dt.datetime) -> bool:
        """True once nextUpdate has passed: relying parties refuse the CRL from then on."""
        return now >= self.next_update


def crl_status(
    store: CertificateStore, issuing_cert: x509.Certificate, root_cert: x509.Certificate
) -> list[CRLStatus]:
    """The newest published base, delta and root CRLs (those published so far), without their DER;
    needs no key (``CertificateAuthority.read_chain`` gives the certificates)."""
    found = []
    with store.session() as session:
        for which, issuer, kind in (
            ("base", issuing_cert, "base"),
            ("delta", issuing_cert, "delta"),
            ("root", root_cert, "base"),
        ):
            row = latest_crl(session, issuer_key(issuer), kind)
            if row is not None:
                found.append(CRLStatus(which, row.number, row.this_update, row.next_update, row.base_number))
    return found


def current_crl(authority: CertificateAuthority, which: str) -> bytes | None:
    """The DER of the newest published ``base``, ``delta`` or ``root`` CRL, or None if none is."""
    store = _store_of(authority)
    issuer = authority.root_cert if which == "root" else authority.issuing_cert
    kind = "delta" if which == "delta" else "base"
    with store.session() as session:
        published = latest_crl(session, issuer_key(issuer), kind)
        return None if published is None else published.der


def _store_of(authority: CertificateAuthority):
    if authority.store is None:
        raise CAError("This CA was loaded without a certificate store; it cannot publish a CRL.")
    return authority.store


def _legacy_number(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _issuing_crls_due(make_session, key: str, moment: dt.datetime) -> bool:
    """A read without locks: is a base or delta due? (Re-checked under the counter's lock.)"""
    with make_session() as session:
        base, delta = latest_crl(session, key, "base"), latest_crl(session, key, "delta")
        return BASE.due(base, moment) or _delta_due(delta, base, moment)


def _delta_due(delta: PublishedCRL | None, base: PublishedCRL | None, moment: dt.datetime) -> bool:
    return base is not None and (
        delta is None or delta.base_number != base.number or DELTA.due(delta, moment)
    )


def _entry(
    serial: int, revoked_at: dt.datetime, reason: str | None, invalid_since: dt.datetime | None = None
) -> x509.RevokedCertificate:
    entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
    if reason in REASON_FLAGS:  # "unspecified" is left out (RFC 5280 5.3.1)
        entry = entry.add_extension(x509.CRLReason(REASON_FLAGS[reason]), False)
    if invalid_since is not None:  # RFC 5280 5.3.2: non-critical, GeneralizedTime
        entry = entry.add_extension(x509.InvalidityDate(invalid_since), False)
    return entry.build()


def _revoked(session: Session) -> Iterable[tuple[str, dt.datetime, str | None, dt.datetime | None]]:
    """``(serial, revoked_at, reason, invalidity date)`` of every revoked certificate, streamed in issue
    order."""
    record = CertificateRecord
    statement = (
        select(record.serial, record.revoked_at, record.revocation_reason, record.invalidity_date)
        .where(record.status == "revoked")
        .order_by(record.id)
    )
    return session.execute(statement.execution_options(yield_per=2000))


def _builder(
    moment: dt.datetime,
    schedule: CRLSchedule,
    number: int,
    extensions: list[tuple[x509.ExtensionType, bool]],
    entries: list[x509.RevokedCertificate],
) -> x509.CertificateRevocationListBuilder:
    """A CRL builder given every entry at once (``add_revoked_certificate`` copies the list each time:
    quadratic: 37 s for 100,000 entries, 6 s given at once)."""
    return x509.CertificateRevocationListBuilder(
        last_update=moment,
        next_update=moment + schedule.lifetime,
        extensions=[
            x509.Extension(value.oid, critical, value)
            for value, critical in [(x509.CRLNumber(number), False), *extensions]
        ],
        revoked_certificates=entries,
    )


def _base_crl(
    authority: CertificateAuthority, session: Session, number: int, moment: dt.datetime
) -> x509.CertificateRevocationList:
    """Every revoked certificate, with Freshest CRL naming the delta (RFC 5280 5.2.6)."""
    delta_url = x509.UniformResourceIdentifier(authority.config.delta_crl_url)
    freshest = x509.FreshestCRL([x509.DistributionPoint([delta_url], None, None, None)])
    entries = [_entry(int(serial, 16), *revocation) for serial, *revocation in _revoked(session)]
    return authority.sign_crl(_builder(moment, BASE, number, [(freshest, False)], entries))


def _delta_crl(
    authority: CertificateAuthority,
    session: Session,
    number: int,
    base: PublishedCRL,
    moment: dt.datetime,
) -> x509.CertificateRevocationList:
    """The certificates revoked since ``base``: revoked in the store, not listed on the base (RFC 5280
    5.2.4; the deltaCRLIndicator is critical and names the base's number)."""
    on_base = {entry.serial_number for entry in x509.load_der_x509_crl(base.der)}
    entries = [
        _entry(int(serial, 16), *revocation)
        for serial, *revocation in _revoked(session)
        if int(serial, 16) not in on_base
    ]
    indicator = x509.DeltaCRLIndicator(base.number)
    return authority.sign_crl(_builder(moment, DELTA, number, [(indicator, True)], entries))


def _store(
    session: Session, key: str, kind: str, crl: x509.CertificateRevocationList, base_number: int | None
) -> PublishedCRL:
    row = PublishedCRL(
        issuer_sha256=key,
        kind=kind,
        number=crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number,
        base_number=base_number,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        der=crl.public_bytes(serialization.Encoding.DER),
    )
    keep_crl(session, row)
    return row

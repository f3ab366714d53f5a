"""The certificate store: every issued certificate, its status and its revocation (SQLAlchemy 2.0).

``CertificateRecord`` is queried only here and in ``ca``: the service reads certificates through the
named queries below (in its own session and transaction) and revokes through ``supersede`` or
``CertificateStore.revoke``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Index,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ca.errors import CAError, CertificateNotFound

STATUSES = ("valid", "expired", "revoked")  # the stored column holds valid/revoked; expired is derived
REVOCATION_REASONS = (
    "unspecified",
    "key_compromise",
    "ca_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "certificate_hold",
    "privilege_withdrawn",
)


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC (SQLite has no time zones), always returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class CABase(DeclarativeBase):
    """Declarative base of the CA's own tables (prefixed ``ca_``)."""


class CertificateRecord(CABase):
    """One issued certificate."""

    __tablename__ = "ca_certificates"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "profile", name="uq_ca_certificates_enrolment_profile"),
        Index("ix_ca_certificates_iin", "iin"),
        Index("ix_ca_certificates_status_not_after", "status", "not_after"),
        Index("ix_ca_certificates_spki_sha256", "spki_sha256"),
        # the operators' counts (eds_toolkit/metrics): issued by profile and proof, revoked by reason
        Index("ix_ca_certificates_profile_identification", "profile", "identification"),
        Index("ix_ca_certificates_status_reason", "status", "revocation_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # lower-case hex, no separators
    iin: Mapped[str] = mapped_column(String(12))
    profile: Mapped[str] = mapped_column(String(8))  # "auth" / "sign"
    identification: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(512))  # RFC 4514 string
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(8), default="valid")  # "valid" / "revoked"
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # RFC 5280 5.3.2: since when the key may be compromised, as the holder or an officer said (or None)
    invalidity_date: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64))
    spki_sha256: Mapped[str] = mapped_column(String(64))  # SHA-256 of the subject's public key (DER SPKI)
    pem: Mapped[str] = mapped_column(Text)
    enrolment_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    def status_at(self, now: dt.datetime | None = None) -> str:
        """``revoked``, ``expired`` (not_after passed, derived: never stored) or ``valid``."""
        if self.status == "revoked":
            return "revoked"
        return "expired" if self.not_after <= (now or dt.datetime.now(dt.UTC)) else "valid"

    def __repr__(self) -> str:
        return f"<CertificateRecord {self.serial} {self.profile} IIN{self.iin} {self.status}>"


class KeyBinding(CABase):
    """The one person and profile a public key is certified for: the database refuses a second binding.

    Written in the transaction that stores the certificate, so two issuers racing to certify one key for
    two people cannot both succeed: the primary key lets only one binding exist.
    """

    __tablename__ = "ca_key_bindings"

    spki_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    iin: Mapped[str] = mapped_column(String(12))
    profile: Mapped[str] = mapped_column(String(8))

    def __repr__(self) -> str:
        return f"<KeyBinding {self.spki_sha256[:16]}... {self.profile} IIN{self.iin}>"


def bind_keys(connection: Connection | Session, bindings: dict[str, tuple[str, str]]) -> None:
    """Store ``{spki_sha256: (iin, profile)}`` bindings not yet stored; an existing binding is kept as is.

    Rows go in key order (concurrent batches then wait for each other instead of deadlocking). On
    PostgreSQL a binding another transaction is writing makes this wait for it to commit or roll back.
    Read the result with ``key_holders``: a key bound to someone else keeps its first holder.
    """
    if not bindings:
        return
    rows = [
        {"spki_sha256": key_id, "iin": iin, "profile": profile}
        for key_id, (iin, profile) in sorted(bindings.items())
    ]
    dialect = (
        connection.get_bind().dialect.name if isinstance(connection, Session) else connection.dialect.name
    )
    if dialect in ("postgresql", "sqlite"):
        statement = (postgresql if dialect == "postgresql" else sqlite).insert(KeyBinding)
        connection.execute(statement.on_conflict_do_nothing(index_elements=["spki_sha256"]), rows)
        return
    stored = key_holders(connection, list(bindings))  # elsewhere a racing insert raises IntegrityError
    missing = [row for row in rows if row["spki_sha256"] not in stored]
    if missing:
        connection.execute(insert(KeyBinding), missing)


def key_holders(connection: Connection | Session, key_ids: list[str]) -> dict[str, tuple[str, str]]:
    """``{spki_sha256: (iin, profile)}`` of the stored bindings among ``key_ids``."""
    columns = KeyBinding.__table__.c
    holders: dict[str, tuple[str, str]] = {}
    unique = sorted(set(key_ids))
    for start in range(0, len(unique), _IN_CHUNK):
        statement = select(columns.spki_sha256, columns.iin, columns.profile).where(
            columns.spki_sha256.in_(unique[start : start + _IN_CHUNK])
        )
        holders.update((key_id, (iin, profile)) for key_id, iin, profile in connection.execute(statement))
    return holders


_IN_CHUNK = 500  # values per IN (...) query, well under every database's parameter limit


class CRLCounter(CABase):
    """The last CRL number one CRL issuer used: its complete and delta CRLs share it (RFC 5280 5.2.4)."""

    __tablename__ = "ca_crl_counters"

    issuer_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the DER name
    last_number: Mapped[int] = mapped_column(BigInteger())


class PublishedCRL(CABase):
    """The newest published CRL of each issuer and kind (``base``, ``delta``), as the web serves it."""

    __tablename__ = "ca_crls"
    __table_args__ = (UniqueConstraint("issuer_sha256", "number", name="uq_ca_crls_issuer_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # "base" (a complete CRL) / "delta"
    number: Mapped[int] = mapped_column(BigInteger())
    base_number: Mapped[int | None] = mapped_column(BigInteger(), nullable=True)  # a delta's base CRL
    this_update: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    next_update: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    der: Mapped[bytes] = mapped_column(LargeBinary(), deferred=True)  # loaded when read (MBs)

    def __repr__(self) -> str:
        return f"<PublishedCRL {self.kind} #{self.number} of {self.issuer_sha256[:16]}...>"


def next_crl_number(session: Session, issuer_sha256: str, first: int) -> int:
    """Take the issuer's next CRL number (``first`` when it has none yet) in the caller's transaction.

    The increment locks the counter row (PostgreSQL) or the database (SQLite) until the transaction ends,
    so of two processes publishing at once the second waits, then reads what the first committed; a
    rollback gives the number back.
    """
    table = CRLCounter.__table__
    dialect = session.get_bind().dialect.name
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    session.execute(
        statement.values(issuer_sha256=issuer_sha256, last_number=first - 1).on_conflict_do_nothing(
            index_elements=["issuer_sha256"]
        )
    )
    return session.execute(
        update(table)
        .where(table.c.issuer_sha256 == issuer_sha256)
        .values(last_number=table.c.last_number + 1)
        .returning(table.c.last_number)
    ).scalar_one()


def latest_crl(session: Session, issuer_sha256: str, kind: str) -> PublishedCRL | None:
    """The issuer's newest published CRL of ``kind`` (``base`` or ``delta``), or None."""
    return session.scalars(
        select(PublishedCRL)
        .where(PublishedCRL.issuer_sha256 == issuer_sha256, PublishedCRL.kind == kind)
        .order_by(PublishedCRL.number.desc())
        .limit(1)
    ).one_or_none()


def keep_crl(session: Session, crl: PublishedCRL) -> None:
    """Store ``crl`` as its issuer's newest of its kind; the older ones of that kind are dropped."""
    session.execute(
        delete(PublishedCRL).where(
            PublishedCRL.issuer_sha256 == crl.issuer_sha256,
            PublishedCRL.kind == crl.kind,
            PublishedCRL.number < crl.number,
        )
    )
    session.add(crl)
    session.flush()


def certificate(session: Session, serial: str) -> CertificateRecord | None:
    """The record with ``serial`` in its stored form (40 lower-case hex digits), or None."""
    return session.scalars(select(CertificateRecord).where(CertificateRecord.serial == serial)).one_or_none()


def certificates_of_enrolment(session: Session, enrolment_id: str) -> list[CertificateRecord]:
    """The certificates issued to one enrolment (or one renewal): AUTH, then SIGN."""
    return list(
        session.scalars(
            select(CertificateRecord)
            .where(CertificateRecord.enrolment_id == enrolment_id)
            .order_by(CertificateRecord.profile)
        )
    )


def newest_certificate(session: Session) -> CertificateRecord | None:
    """The certificate issued last (the console's OCSP self-check asks about it)."""
    return session.scalars(select(CertificateRecord).order_by(CertificateRecord.id.desc()).limit(1)).first()


def certificates_of_iin(session: Session, iin: str) -> list[CertificateRecord]:
    """Every certificate of ``iin``, whatever its status, newest first."""
    return list(
        session.scalars(
            select(CertificateRecord)
            .where(CertificateRecord.iin == iin)
            .order_by(CertificateRecord.not_before.desc())
        )
    )


def valid_certificates_of(session: Session, iin: str, now: dt.datetime) -> list[CertificateRecord]:
    """The certificates of ``iin`` that are valid at ``now`` (not revoked, not expired), oldest first."""
    return list(
        session.scalars(
            select(CertificateRecord)
            .where(
                CertificateRecord.iin == iin,
                CertificateRecord.status == "valid",
                CertificateRecord.not_after > now,
            )
            .order_by(CertificateRecord.id)
        )
    )


@dataclass(frozen=True)
class ExpiringCertificate:
    """The few columns of an AUTH certificate that a renewal reminder needs."""

    id: int
    serial: str
    iin: str
    not_after: dt.datetime


def expiring_pair_auth_certificates(
    session: Session, *, now: dt.datetime, until: dt.datetime, after_id: int = 0, limit: int = 500
) -> list[ExpiringCertificate]:
    """Valid AUTH certificates issued as a pair (with an enrolment or renewal id) whose ``not_after`` is
    in ``(now, until]``, in issue order after the record ``after_id``: at most ``limit``, so a caller
    pages through a wave of any size with the last ``id`` it got."""
    c = CertificateRecord
    rows = session.execute(
        select(c.id, c.serial, c.iin, c.not_after)
        .where(
            c.profile == "auth",
            c.status == "valid",
            c.enrolment_id.is_not(None),
            c.not_after > now,
            c.not_after <= until,
            c.id > after_id,
        )
        .order_by(c.id)
        .limit(limit)
    )
    return [ExpiringCertificate(*row) for row in rows]


def is_valid_at(session: Session, serial: str, now: dt.datetime) -> bool:
    """Whether the certificate ``serial`` is neither revoked (or superseded) nor expired at ``now``."""
    c = CertificateRecord
    return (
        session.scalar(select(func.count()).where(c.serial == serial, c.status == "valid", c.not_after > now))
        == 1
    )


def pair_expiry_counts(
    session: Session, *, since: dt.datetime, until: dt.datetime, now: dt.datetime, within_days: list[int]
) -> dict[str, int]:
    """Counts over the AUTH certificates of pairs whose ``not_after`` is in ``(since, until]``: ``due``
    (valid, not yet expired), ``due_within_<n>`` (of those, expiring within n days of ``now``), ``renewed``
    (superseded by a new pair), ``expired_unrenewed`` (expired while valid), ``revoked`` (any other
    reason)."""
    c = CertificateRecord
    valid = c.status == "valid"
    columns = {
        "due": func.count().filter(valid, c.not_after > now),
        "expired_unrenewed": func.count().filter(valid, c.not_after <= now),
        "renewed": func.count().filter(c.status == "revoked", c.revocation_reason == "superseded"),
        "revoked": func.count().filter(c.status == "revoked", c.revocation_reason != "superseded"),
    }
    for days in within_days:
        horizon = now + dt.timedelta(days=days)
        columns[f"due_within_{days}"] = func.count().filter(valid, c.not_after > now, c.not_after <= horizon)
    row = session.execute(
        select(*(column.label(name) for name, column in columns.items())).where(
            c.profile == "auth", c.enrolment_id.is_not(None), c.not_after > since, c.not_after <= until
        )
    ).one()
    return {name: int(value or 0) for name, value in row._mapping.items()}


def issued_counts(session: Session) -> dict[tuple[str, str], int]:
    """``{(profile, identification): n}`` of every certificate ever stored (rows are never deleted)."""
    record = CertificateRecord
    rows = session.execute(
        select(record.profile, record.identification, func.count()).group_by(
            record.profile, record.identification
        )
    )
    return {(profile, identification): n for profile, identification, n in rows}


def revoked_counts(session: Session) -> dict[str | None, int]:
    """``{revocation reason: n}`` of the revoked certificates (a revocation is never undone)."""
    record = CertificateRecord
    rows = session.execute(
        select(record.revocation_reason, func.count())
        .where(record.status == "revoked")
        .group_by(record.revocation_reason)
    )
    return {reason: n for reason, n in rows}


def valid_count(session: Session, now: dt.datetime, *, expiring_within: dt.timedelta | None = None) -> int:
    """How many certificates are valid at ``now`` (not revoked, not expired); with ``expiring_within``,
    only those whose validity ends within it."""
    record = CertificateRecord
    statement = select(func.count()).where(record.status == "valid", record.not_after > now)
    if expiring_within is not None:
        statement = statement.where(record.not_after <= now + expiring_within)
    return session.scalar(statement) or 0


REPLACEMENT_MARK = "~r"
"""``<enrolment id>~r<n>``: the CA store's enrolment_id of an enrolment's n-th replacement pair, so that
UNIQUE(enrolment_id, profile) still allows one pair per (enrolment, replacement number)."""


def replacement_id(enrolment_id: str, number: int) -> str:
    """The store's enrolment_id of ``enrolment_id``'s ``number``-th replacement pair (1, 2, ...)."""
    return f"{enrolment_id}{REPLACEMENT_MARK}{number}"


def pairs_of_enrolment(session: Session, enrolment_id: str) -> list[list[CertificateRecord]]:
    """The pairs issued to one enrolment, the first pair then each replacement in order (AUTH, then SIGN).

    The last one is the enrolment's current pair; ``len(...) - 1`` is how many times it was replaced.
    """
    prefix = f"{enrolment_id}{REPLACEMENT_MARK}"
    rows = session.scalars(
        select(CertificateRecord)
        .where(
            (CertificateRecord.enrolment_id == enrolment_id)
            | CertificateRecord.enrolment_id.startswith(prefix, autoescape=True)
        )
        .order_by(CertificateRecord.profile)
    )
    by_number: dict[int, list[CertificateRecord]] = {}
    for row in rows:
        suffix = row.enrolment_id[len(prefix) :] if row.enrolment_id != enrolment_id else "0"
        if suffix.isdigit():
            by_number.setdefault(int(suffix), []).append(row)
    return [by_number[number] for number in sorted(by_number)]


def current_pair_of_enrolment(session: Session, enrolment_id: str) -> list[CertificateRecord]:
    """The enrolment's pair in force: its last replacement, else its first pair (AUTH, then SIGN)."""
    pairs = pairs_of_enrolment(session, enrolment_id)
    return pairs[-1] if pairs else []


def revoke_valid(
    session: Session,
    serials: list[str],
    now: dt.datetime,
    reason: str,
    *,
    invalid_since: dt.datetime | None = None,
) -> list[str]:
    """Revoke the still-valid ones of ``serials`` with ``reason`` (one of REVOCATION_REASONS), in the
    caller's transaction; returns the serials actually revoked, in the order given. No commit.

    ``invalid_since``: since when the key may be compromised (the CRL entry's invalidityDate, RFC 5280
    5.3.2); never after ``now``, and stored as a certificate's notBefore when it is earlier than that.

    Each revocation is a compare-and-set on ``valid``: of two transactions revoking one certificate,
    only one gets it back. One UPDATE ... RETURNING per 500 serials, in serial order (so concurrent
    revocations lock rows in one order): 5,000 of 100,000 stored take 0.66 s on SQLite, one UPDATE
    each took 2.4 s.
    """
    _check_revocation(reason, invalid_since, now)
    table = CertificateRecord.__table__
    values = {"status": "revoked", "revoked_at": now.replace(microsecond=0), "revocation_reason": reason}
    if invalid_since is not None:
        since = literal(invalid_since.replace(microsecond=0), UTCDateTime())  # stored as naive UTC
        values["invalidity_date"] = case((table.c.not_before > since, table.c.not_before), else_=since)
    wanted = list(dict.fromkeys(serials))
    revoked: set[str] = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), _IN_CHUNK):
        changed = session.execute(
            update(table)
            .where(table.c.serial.in_(ordered[start : start + _IN_CHUNK]), table.c.status == "valid")
            .values(values)
            .returning(table.c.serial)
        )
        revoked.update(changed.scalars())
    return [serial for serial in wanted if serial in revoked]


def _check_revocation(reason: str, invalid_since: dt.datetime | None, now: dt.datetime) -> None:
    if reason not in REVOCATION_REASONS:
        raise CAError(f"Revocation reason must be one of: {', '.join(REVOCATION_REASONS)}.")
    if invalid_since is not None and invalid_since > now:
        raise CAError("The invalidity date (compromised since) cannot be after the revocation.")


def supersede(session: Session, serials: list[str], now: dt.datetime) -> list[str]:
    """Revoke the still-valid ones of ``serials`` with reason ``superseded`` (a new pair replaces them),
    in the caller's transaction (see :func:`revoke_valid`)."""
    return revoke_valid(session, serials, now, "superseded")


def normalise_serial(serial: str) -> str:
    """Accept ``41:E4:5C...``, ``0x41e4...`` or plain hex, leading zeros or not; return the stored form:
    lower-case hex, zero-padded to 40 digits (20 bytes)."""
    text = serial.strip().lower().removeprefix("0x").replace(":", "").replace(" ", "")
    if not text or len(text) > 128 or any(c not in "0123456789abcdef" for c in text):
        raise CertificateNotFound(f"{serial!r} is not a certificate serial number (hexadecimal).")
    return f"{int(text, 16):040x}"


class CertificateStore:
    """Reads and updates certificate records. Issuance adds records through ``CertificateAuthority``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_schema(self) -> None:
        """Create the CA tables (standalone use; the service creates them with its migrations)."""
        CABase.metadata.create_all(self.engine)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def get(self, serial: str) -> CertificateRecord | None:
        with self.session() as session:
            return session.scalars(
                select(CertificateRecord).where(CertificateRecord.serial == normalise_serial(serial))
            ).one_or_none()

    def list(
        self,
        *,
        iin: str | None = None,
        status: str | None = None,
        expiring_within_days: int | None = None,
        now: dt.datetime | None = None,
    ) -> Iterator[CertificateRecord]:
        """Records in issue order, streamed. ``status``: one of STATUSES (expired = valid but past
        not_after at ``now``). ``expiring_within_days``: valid, not_after within N days."""
        moment = now or dt.datetime.now(dt.UTC)
        statement = select(CertificateRecord).order_by(CertificateRecord.id)
        if iin is not None:
            statement = statement.where(CertificateRecord.iin == iin)
        if status == "revoked":
            statement = statement.where(CertificateRecord.status == "revoked")
        elif status == "valid":
            statement = statement.where(
                CertificateRecord.status == "valid", CertificateRecord.not_after > moment
            )
        elif status == "expired":
            statement = statement.where(
                CertificateRecord.status == "valid", CertificateRecord.not_after <= moment
            )
        elif status is not None:
            raise CAError(f"Status is one of {', '.join(STATUSES)}, not {status!r}.")
        if expiring_within_days is not None:
            if expiring_within_days < 0:
                raise CAError("--expiring-within takes a number of days, 0 or more.")
            statement = statement.where(
                CertificateRecord.status == "valid",
                CertificateRecord.not_after > moment,
                CertificateRecord.not_after <= moment + dt.timedelta(days=expiring_within_days),
            )
        with self.session() as session:
            yield from session.scalars(statement.execution_options(yield_per=500))

    def revoke(
        self,
        serial: str,
        reason: str = "unspecified",
        *,
        now: dt.datetime | None = None,
        invalid_since: dt.datetime | None = None,
    ) -> CertificateRecord:
        """Mark a certificate revoked (once: a second revocation is refused, the first date stands);
        ``invalid_since`` as in :func:`revoke_valid`."""
        moment = now or dt.datetime.now(dt.UTC)
        _check_revocation(reason, invalid_since, moment)
        key = normalise_serial(serial)
        with self.session() as session, session.begin():
            record = session.scalars(
                select(CertificateRecord).where(CertificateRecord.serial == key).with_for_update()
            ).one_or_none()
            if record is None:
                raise CertificateNotFound(f"No certificate with serial {key} in this CA's store.")
            if record.status == "revoked":
                raise CAError(
                    f"Certificate {key} was already revoked on {record.revoked_at:%Y-%m-%d %H:%M} UTC."
                )
            record.status = "revoked"
            record.revoked_at = moment.replace(microsecond=0)
            record.revocation_reason = reason
            if invalid_since is not None:
                record.invalidity_date = max(invalid_since.replace(microsecond=0), record.not_before)
        return record

    def revoked(self) -> Iterator[CertificateRecord]:
        """Every revoked certificate, for the CRL."""
        return self.list(status="revoked")

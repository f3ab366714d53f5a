"""One-time SMS codes: 6 digits, valid 5 minutes, single use, 5 wrong tries, resends throttled.

Codes are stored only as HMAC-SHA256 under a server secret (``configure(secret)`` once at start-up, or
``secret=`` per call) and compared in constant time. A newer code replaces the older ones. A code made
for ``UNSENT_PHONE`` never verifies. Wrong tries beyond one code (per enrolment, per IIN) are counted
from the rows' ``attempts`` by ``eds_toolkit.flow.codes.use_code`` (``wrong_tries``, the limits below).

Transactions: ``issue_code`` and ``verify_code`` change the session but never commit. The caller
commits in both the success and the failure case, because a wrong try must still count::

    try:
        verify_code(session, enrolment_id=eid, purpose="login", code=entered, clock=clock)
    except OtpError:
        session.commit()      # keeps the attempts counter; the enrolment state is unchanged
        raise
    ...move the enrolment forward...
    session.commit()

For ``issue_code``: issue and commit, then send the SMS outside any transaction (a provider may take
seconds); if sending fails, delete the code again. ``eds_toolkit.flow.codes.prepare_code`` + ``deliver``
do exactly that for the enrolment flow and the registration service (``deliver_later`` sends after the
answer, for the start and the resend).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets

from sqlalchemy import Index, Integer, Select, String, func, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from eds_toolkit.citizens.phone import normalise_phone
from eds_toolkit.clock import Clock, UtcDateTime
from eds_toolkit.db import Base
from eds_toolkit.translations import N_, gettext_in

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_INTERVAL = dt.timedelta(seconds=60)
MAX_CODES_PER_HOUR = 5
# Per destination number, across every enrolment: one phone cannot be flooded by starting many enrolments.
PHONE_RESEND_INTERVAL = dt.timedelta(seconds=60)
MAX_CODES_PER_PHONE_PER_HOUR = 5
# Wrong codes counted beyond one code (NIST SP 800-63B 5.2.2: a resend or a new enrolment never brings
# fresh tries). Applied by eds_toolkit.flow.codes.use_code, counted from the rows' ``attempts``.
MAX_WRONG_CODES_PER_ENROLMENT = 10  # over all its codes and purposes; then the enrolment fails
MAX_WRONG_CODES_PER_IIN = 20  # over the IIN's enrolments whose codes were made within the window
WRONG_CODES_WINDOW = dt.timedelta(hours=24)  # then code entry for the IIN is refused until it frees
# where the code of an IIN without a phone (or of a throttled start) "goes": never sent, never throttled per
# phone, and never accepted (its own digits are a wrong try, so the answer is a wrong code's)
UNSENT_PHONE = "+77000000000"
PURPOSES = ("login", "phone")

_secret: bytes | None = None


class OneTimeCode(Base):
    """An issued code: only its keyed hash is kept."""

    __tablename__ = "one_time_codes"
    __table_args__ = (
        Index("ix_one_time_codes_enrolment_purpose", "enrolment_id", "purpose", "id"),
        Index("ix_one_time_codes_phone_created", "phone", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # when the provider took the SMS (``mark_sent``); until then the code before it stays usable
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OtpError(Exception):
    """A code step refused; ``.code`` is a stable reason for pages and the API, ``.params`` its numbers."""

    code = "otp_error"

    def __init__(self, message: str, **params: int) -> None:
        super().__init__(message)
        self.params = params


class CodeWrong(OtpError):
    code = "code_wrong"

    def __init__(self, remaining: int) -> None:
        super().__init__(f"The code is wrong: {remaining} tries left.", remaining=remaining)
        self.remaining = remaining


class CodeMalformed(OtpError):
    """Not 6 digits: refused without counting a try."""

    code = "code_malformed"

    def __init__(self) -> None:
        super().__init__(f"The code is {CODE_DIGITS} digits.")


class CodeExpired(OtpError):
    code = "code_expired"

    def __init__(self) -> None:
        super().__init__("The code has expired: ask for a new one.")


class CodeAlreadyUsed(OtpError):
    code = "code_already_used"

    def __init__(self) -> None:
        super().__init__("This code was already used: ask for a new one.")


class NoActiveCode(OtpError):
    code = "no_active_code"

    def __init__(self) -> None:
        super().__init__("No code was sent yet: ask for a code.")


class TooManyAttempts(OtpError):
    code = "too_many_attempts"

    def __init__(self) -> None:
        super().__init__(f"{MAX_ATTEMPTS} wrong tries: this code no longer works, ask for a new one.")


class ResendTooSoon(OtpError):
    code = "resend_too_soon"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"A new code can be sent in {retry_after} seconds.", retry_after=retry_after)
        self.retry_after = retry_after


class TooManyResends(OtpError):
    code = "too_many_resends"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"{MAX_CODES_PER_HOUR} codes were sent in the last hour: try again in {minutes} minutes.",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


class PhoneResendTooSoon(ResendTooSoon):
    """The destination number got a code (for any enrolment) less than a minute ago."""


class TooManyCodesToPhone(TooManyResends):
    """The destination number got the hourly maximum of codes, counted over every enrolment."""


class OtpNotConfigured(RuntimeError):
    """No server secret for hashing codes was configured."""


def configure(secret: str | bytes) -> None:
    """Set the server secret codes are hashed under (at least 16 bytes; the same on every worker)."""
    global _secret
    _secret = _as_key(secret)


def issue_code(
    session: Session,
    *,
    enrolment_id: str,
    purpose: str,
    phone: str,
    clock: Clock,
    secret: str | bytes | None = None,
) -> tuple[OneTimeCode, str]:
    """A new code for ``enrolment_id`` + ``purpose`` sent to ``phone``: the row (flushed) and the code.

    Raises ResendTooSoon within 60 s of the previous code, TooManyResends after 5 codes in an hour,
    PhoneResendTooSoon / TooManyCodesToPhone (subclasses, same codes) when ``phone`` itself got a code
    within a minute or 5 in an hour for any enrolment, InvalidPhone for a number that is not a Kazakh
    mobile. Earlier codes stop working once this one's SMS was sent (:func:`mark_sent`): a process
    killed while sending never leaves the citizen without a code that works. Commits nothing (see the
    module docstring).
    """
    key = _key(secret)
    _check_purpose(purpose)
    number = normalise_phone(phone)
    now = clock.now()
    if number != UNSENT_PHONE:
        _serialise_per_phone(session, number)
    _check_enrolment_throttle(session, enrolment_id, purpose, now)
    if number != UNSENT_PHONE:
        check_phone_throttle(session, number, now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = OneTimeCode(
        enrolment_id=enrolment_id,
        purpose=purpose,
        phone=number,
        code_hash=_hash(key, enrolment_id, purpose, number, code),
        created_at=now,
        expires_at=now + CODE_TTL,
        attempts=0,
    )
    session.add(row)
    session.flush()
    return row, code


def _check_enrolment_throttle(session: Session, enrolment_id: str, purpose: str, now: dt.datetime) -> None:
    recent = session.scalars(
        select(OneTimeCode.created_at)
        .where(
            OneTimeCode.enrolment_id == enrolment_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.created_at > now - dt.timedelta(hours=1),
        )
        .order_by(OneTimeCode.created_at)
    ).all()
    _raise_if_throttled(recent, now, RESEND_INTERVAL, MAX_CODES_PER_HOUR, ResendTooSoon, TooManyResends)


def _serialise_per_phone(session: Session, phone: str) -> None:
    """Make concurrent codes to one number take turns until commit, so the throttle counts them all."""
    take_turns(session, f"otp-phone:{phone}")


def take_turns(session: Session, name: str) -> None:
    """Make transactions that call this with the same ``name`` take turns until they commit.

    PostgreSQL: a transaction-scoped advisory lock keyed on ``name``. SQLite: an empty UPDATE, which
    takes the database's write lock before the caller reads (writers are serialised there anyway).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif dialect == "sqlite":
        session.execute(text("UPDATE one_time_codes SET attempts = attempts WHERE id = -1"))


def check_phone_throttle(session: Session, phone: str, now: dt.datetime) -> None:
    """Raise PhoneResendTooSoon or TooManyCodesToPhone when ``phone`` (normalised) may not get a code now."""
    recent = session.scalars(
        select(OneTimeCode.created_at)
        .where(OneTimeCode.phone == phone, OneTimeCode.created_at > now - dt.timedelta(hours=1))
        .order_by(OneTimeCode.created_at)
    ).all()
    _raise_if_throttled(
        recent,
        now,
        PHONE_RESEND_INTERVAL,
        MAX_CODES_PER_PHONE_PER_HOUR,
        PhoneResendTooSoon,
        TooManyCodesToPhone,
    )


def _raise_if_throttled(
    recent: list[dt.datetime],
    now: dt.datetime,
    interval: dt.timedelta,
    per_hour: int,
    too_soon: type[ResendTooSoon],
    too_many: type[TooManyResends],
) -> None:
    """``recent``: creation times of the codes of the last hour, oldest first."""
    if not recent:
        return
    since_last = now - recent[-1]
    if since_last < interval:
        raise too_soon(math.ceil((interval - since_last).total_seconds()))
    if len(recent) >= per_hour:
        window_frees = recent[-per_hour] + dt.timedelta(hours=1)
        raise too_many(math.ceil((window_frees - now).total_seconds()))


def mark_sent(session: Session, row_id: int, now: dt.datetime, *, end_earlier: bool = True) -> None:
    """The SMS of code ``row_id`` was taken by the provider: it is sent, and (``end_earlier``) the codes
    before it of the same enrolment and purpose stop working. Commits nothing."""
    row = session.get(OneTimeCode, row_id)
    if row is None:
        return
    row.sent_at = now
    if not end_earlier:
        return
    session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.enrolment_id == row.enrolment_id,
            OneTimeCode.purpose == row.purpose,
            OneTimeCode.id < row_id,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session="fetch")
    )


def unsent_codes(session: Session, *, waited_since: dt.datetime, now: dt.datetime) -> list[OneTimeCode]:
    """Codes committed before ``waited_since`` whose SMS was never sent (the process that made them died
    before sending), still usable and each the latest of its enrolment and purpose."""
    latest = (
        select(func.max(OneTimeCode.id))
        .group_by(OneTimeCode.enrolment_id, OneTimeCode.purpose)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            select(OneTimeCode).where(
                OneTimeCode.id.in_(latest),
                OneTimeCode.sent_at.is_(None),
                OneTimeCode.used_at.is_(None),
                OneTimeCode.phone != UNSENT_PHONE,
                OneTimeCode.attempts < MAX_ATTEMPTS,
                OneTimeCode.created_at < waited_since,
                OneTimeCode.expires_at > now,
            )
        )
    )


def reissue_unsent_code(
    session: Session, row: OneTimeCode, *, clock: Clock, secret: str | bytes | None = None
) -> tuple[OneTimeCode, str] | None:
    """A new code beside ``row``, whose SMS is not known to be sent (its process died): the new row and
    its code, or None when another process took ``row`` first or it was sent or used meanwhile (a
    conditional update: one of them wins). ``row`` is taken as sent (its process may have handed it to
    the provider just before dying) and stays usable until it expires: send the new one with
    ``mark_sent(..., end_earlier=False)``. No throttle applies: the citizen asked for nothing. Commits
    nothing."""
    now = clock.now()
    won = session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == row.id, OneTimeCode.sent_at.is_(None), OneTimeCode.used_at.is_(None))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        return None
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    fresh = OneTimeCode(
        enrolment_id=row.enrolment_id,
        purpose=row.purpose,
        phone=row.phone,
        code_hash=_hash(_key(secret), row.enrolment_id, row.purpose, row.phone, code),
        created_at=now,
        expires_at=now + CODE_TTL,
        attempts=0,
    )
    session.add(fresh)
    session.flush()
    return fresh, code


def verify_code(
    session: Session,
    *,
    enrolment_id: str,
    purpose: str,
    code: str,
    clock: Clock,
    secret: str | bytes | None = None,
) -> OneTimeCode:
    """Check ``code`` against the latest code of ``enrolment_id`` + ``purpose`` and mark it used. The code
    before it is accepted too while it is still usable: until the latest one's SMS is sent (a send in
    progress, or a process killed while sending; ``mark_sent`` ends it then), or for its whole life when
    the latest was sent in place of a code whose SMS may or may not have gone (``reissue_unsent_code``).
    Wrong tries count on the latest code.

    Raises CodeMalformed, NoActiveCode, CodeAlreadyUsed, TooManyAttempts, CodeExpired or
    CodeWrong(remaining); the 5th wrong try raises TooManyAttempts. A code issued to ``UNSENT_PHONE``
    never verifies: any entry, its own digits too, is a counted wrong try. Commits nothing: the caller
    commits even on failure so the attempts counter persists (see the module docstring).
    """
    key = _key(secret)
    _check_purpose(purpose)
    entered = "".join((code or "").split()).replace("-", "")
    if len(entered) != CODE_DIGITS or not entered.isascii() or not entered.isdigit():
        raise CodeMalformed()
    latest_two = session.scalars(
        select(OneTimeCode)
        .where(OneTimeCode.enrolment_id == enrolment_id, OneTimeCode.purpose == purpose)
        .order_by(OneTimeCode.id.desc())
        .limit(2)
    ).all()
    if not latest_two:
        raise NoActiveCode()
    row = latest_two[0]
    session.refresh(row)
    now = clock.now()
    _raise_if_unusable(row, now)
    matches = _matches(key, row, entered)
    if not matches and len(latest_two) == 2:  # usable only until the latest was sent (mark_sent)
        earlier = latest_two[1]
        session.refresh(earlier)
        if _usable(earlier, now) and _matches(key, earlier, entered):
            row, matches = earlier, True
    # A code sent nowhere (no phone, or a throttled number) proves nothing: even its digits are wrong.
    if matches and row.phone != UNSENT_PHONE:
        # Conditional update: of two requests racing with the right code, only one wins.
        won = session.execute(
            update(OneTimeCode)
            .where(
                OneTimeCode.id == row.id,
                OneTimeCode.used_at.is_(None),
                OneTimeCode.attempts < MAX_ATTEMPTS,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.refresh(row)
        if not won:
            _raise_if_unusable(row, now)
            raise CodeAlreadyUsed()
        if row is not latest_two[0]:  # the earlier code was used: the unsent newer one ends with it
            latest_two[0].expires_at = min(latest_two[0].expires_at, now)
        return row
    session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == row.id, OneTimeCode.attempts < MAX_ATTEMPTS)
        .values(attempts=OneTimeCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    remaining = MAX_ATTEMPTS - row.attempts
    if remaining <= 0:
        raise TooManyAttempts()
    raise CodeWrong(remaining)


def wrong_tries(
    session: Session, keys: Select | list[str], *, since: dt.datetime | None = None
) -> list[tuple[dt.datetime, int]]:
    """Wrong tries per code of ``keys`` (enrolment ids, or a select of them), oldest code first:
    ``(created_at, attempts)`` for each code with at least one, made after ``since`` if given."""
    query = (
        select(OneTimeCode.created_at, OneTimeCode.attempts)
        .where(OneTimeCode.enrolment_id.in_(keys), OneTimeCode.attempts > 0)
        .order_by(OneTimeCode.created_at, OneTimeCode.id)
    )
    if since is not None:
        query = query.where(OneTimeCode.created_at > since)
    return [(created_at, attempts) for created_at, attempts in session.execute(query)]


def codes_sent_since(session: Session, *, enrolment_id: str, purpose: str, since: dt.datetime) -> int:
    """How many codes were issued for ``enrolment_id`` + ``purpose`` since ``since``."""
    return session.scalar(
        select(func.count())
        .select_from(OneTimeCode)
        .where(
            OneTimeCode.enrolment_id == enrolment_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.created_at >= since,
        )
    )


# TRANSLATORS: an SMS (keep it short); {code} is the 6-digit code
SMS_TEXT = N_("Your one-time code: {code}. Valid for 5 minutes. Never tell it to anyone.")


def sms_text(code: str, *, language: str = "en") -> str:
    """The SMS body for ``code`` in ``language`` (en, kk, ru; others fall back to English). Never log it."""
    if len(code) != CODE_DIGITS or not code.isdigit():
        raise ValueError("sms_text needs a 6-digit code")
    return gettext_in(language, SMS_TEXT, code=code)


def _matches(key: bytes, row: OneTimeCode, entered: str) -> bool:
    expected = _hash(key, row.enrolment_id, row.purpose, row.phone, entered)
    return hmac.compare_digest(expected.encode(), row.code_hash.encode())


def _usable(row: OneTimeCode, now: dt.datetime) -> bool:
    return row.used_at is None and row.attempts < MAX_ATTEMPTS and now < row.expires_at


def _raise_if_unusable(row: OneTimeCode, now: dt.datetime) -> None:
    if row.used_at is not None:
        raise CodeAlreadyUsed()
    if row.attempts >= MAX_ATTEMPTS:
        raise TooManyAttempts()
    if now >= row.expires_at:
        raise CodeExpired()


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}, not {purpose!r}")


def _hash(key: bytes, enrolment_id: str, purpose: str, phone: str, code: str) -> str:
    message = "\x1f".join((enrolment_id, purpose, phone, code)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _key(secret: str | bytes | None) -> bytes:
    if secret is not None:
        return _as_key(secret)
    if _secret is None:
        raise OtpNotConfigured("no OTP secret: call eds_toolkit.otp.configure(secret) at start-up")
    return _secret


def _as_key(secret: str | bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    if len(key) < 16:
        raise ValueError("the OTP secret must be at least 16 bytes")
    return key

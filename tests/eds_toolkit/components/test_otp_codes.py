import threading

import pytest
from sqlalchemy import select, text

from eds_toolkit import otp
from eds_toolkit.otp import (
    CodeAlreadyUsed,
    CodeExpired,
    CodeMalformed,
    CodeWrong,
    NoActiveCode,
    OneTimeCode,
    OtpNotConfigured,
    ResendTooSoon,
    TooManyAttempts,
    TooManyResends,
    issue_code,
    sms_text,
    verify_code,
)
from eds_toolkit.sms import SmsDeliveryError

PHONE = "+77011234567"


def issue(session, clock, enrolment="enr-1", purpose="login", phone=PHONE):
    row, code = issue_code(session, enrolment_id=enrolment, purpose=purpose, phone=phone, clock=clock)
    session.commit()
    return row, code


def verify(session, clock, code, enrolment="enr-1", purpose="login"):
    """The caller's side as the module docstring asks: commit on success and on failure."""
    try:
        return verify_code(session, enrolment_id=enrolment, purpose=purpose, code=code, clock=clock)
    finally:
        session.commit()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_is_six_digits_valid_five_minutes(session, clock):
    row, code = issue(session, clock)
    assert len(code) == 6 and code.isdigit()
    assert row.expires_at - row.created_at == otp.CODE_TTL
    assert row.phone == PHONE and row.attempts == 0 and row.used_at is None


def test_the_right_code_verifies_and_is_marked_used(session, clock):
    _, code = issue(session, clock)
    clock.advance(30)
    used = verify(session, clock, code)
    assert used.used_at == clock.now()


def test_code_cannot_be_used_twice(sessions, session, clock):
    _, code = issue(session, clock)
    verify(session, clock, code)
    with sessions() as other, pytest.raises(CodeAlreadyUsed, match="already used"):
        verify(other, clock, code)


def test_code_entered_with_spaces_is_accepted(session, clock):
    _, code = issue(session, clock)
    verify(session, clock, f" {code[:3]} {code[3:]} ")


def test_code_works_until_five_minutes_then_expires(sessions, session, clock):
    _, code = issue(session, clock)
    clock.advance(299)
    with sessions() as other:
        verify(other, clock, code)

    _, code = issue(session, clock, enrolment="enr-2")
    clock.advance(300)
    with pytest.raises(CodeExpired, match="expired"):
        verify(session, clock, code, enrolment="enr-2")


def test_five_wrong_tries_then_a_new_code_is_needed(sessions, session, clock):
    _, code = issue(session, clock)
    for remaining in (4, 3, 2, 1):
        with sessions() as attempt, pytest.raises(CodeWrong) as refused:
            verify(attempt, clock, wrong(code))
        assert refused.value.remaining == remaining
        assert refused.value.code == "code_wrong"
    with pytest.raises(TooManyAttempts):
        verify(session, clock, wrong(code))
    # Even the right code no longer works.
    with sessions() as attempt, pytest.raises(TooManyAttempts, match="ask for a new one"):
        verify(attempt, clock, code)
    clock.advance(60)
    _, fresh = issue(session, clock)
    with sessions() as attempt:
        verify(attempt, clock, fresh)


def test_wrong_tries_persist_when_the_caller_commits_after_the_failure(sessions, session, clock):
    _, code = issue(session, clock)
    for _ in range(2):
        with pytest.raises(CodeWrong):
            verify(session, clock, wrong(code))
    with sessions() as fresh:
        assert fresh.scalars(select(OneTimeCode.attempts)).one() == 2


def test_malformed_code_is_refused_without_counting_a_try(session, clock):
    issue(session, clock)
    for bad in ("12345", "1234567", "12a456", "", "١٢٣٤٥٦"):
        with pytest.raises(CodeMalformed, match="6 digits"):
            verify(session, clock, bad)
    assert session.scalars(select(OneTimeCode.attempts)).one() == 0


def test_no_code_issued(session, clock):
    with pytest.raises(NoActiveCode):
        verify(session, clock, "123456")


def test_resend_within_a_minute_is_refused_with_the_wait(session, clock):
    issue(session, clock)
    clock.advance(25)
    with pytest.raises(ResendTooSoon) as refused:
        issue(session, clock)
    assert refused.value.retry_after == 35
    assert "35 seconds" in str(refused.value)
    clock.advance(35)
    issue(session, clock)


def test_at_most_five_codes_an_hour(session, clock):
    for _ in range(5):
        issue(session, clock)
        clock.advance(60)
    with pytest.raises(TooManyResends) as refused:
        issue(session, clock)
    # The first code was 5 minutes ago: the window frees 55 minutes from now.
    assert refused.value.retry_after == 55 * 60
    clock.advance(55 * 60)
    issue(session, clock)
    assert session.query(OneTimeCode).count() == 6


def test_throttle_is_per_enrolment_and_purpose(session, clock):
    issue(session, clock, enrolment="a", purpose="login", phone="+77011110001")
    issue(session, clock, enrolment="a", purpose="phone", phone="+77011110002")
    issue(session, clock, enrolment="b", purpose="login", phone="+77011110003")


def test_one_phone_is_throttled_across_enrolments(session, clock):
    issue(session, clock, enrolment="a")
    with pytest.raises(ResendTooSoon) as too_soon:
        issue(session, clock, enrolment="b", phone="8 701 123 45 67")  # the same number, spelled otherwise
    assert too_soon.value.code == "resend_too_soon" and too_soon.value.retry_after == 60
    for enrolment in "bcde":
        clock.advance(61)
        issue(session, clock, enrolment=enrolment)
    clock.advance(61)
    with pytest.raises(TooManyResends) as too_many:
        issue(session, clock, enrolment="f")
    assert too_many.value.code == "too_many_resends"
    clock.advance(too_many.value.retry_after)
    issue(session, clock, enrolment="f")


def test_codes_that_are_never_sent_are_not_throttled_per_phone(session, clock):
    for enrolment in "abcdefg":
        issue(session, clock, enrolment=enrolment, phone=otp.UNSENT_PHONE)


def test_a_new_code_replaces_the_previous_one_once_its_sms_was_sent(session, clock):
    first_row, first = issue(session, clock)
    otp.mark_sent(session, first_row.id, clock.now())
    clock.advance(61)
    second_row, second = issue(session, clock)
    session.refresh(first_row)
    assert first_row.expires_at > clock.now(), "while the new SMS is not sent, the first code stays"
    otp.mark_sent(session, second_row.id, clock.now())
    session.refresh(first_row)
    assert first_row.expires_at == clock.now()
    if first != second:
        with pytest.raises(CodeWrong):
            verify(session, clock, first)
    verify(session, clock, second)


def test_while_the_new_sms_is_in_doubt_the_earlier_code_works_and_wrong_tries_count_on_the_new_one(
    session, clock
):
    first_row, first = issue(session, clock)
    otp.mark_sent(session, first_row.id, clock.now())
    clock.advance(61)
    second_row, second = issue(session, clock)  # its SMS never confirmed (a process killed while sending)
    wrong = next(c for c in (f"{n:06d}" for n in range(10)) if c not in (first, second))
    with pytest.raises(CodeWrong):
        verify(session, clock, wrong)
    session.refresh(second_row)
    session.refresh(first_row)
    assert (second_row.attempts, first_row.attempts) == (1, 0)
    assert verify(session, clock, first).id == first_row.id
    session.refresh(second_row)
    assert second_row.expires_at <= clock.now(), "the unsent newer code ends with the one used"


def test_code_is_bound_to_enrolment_and_purpose(session, clock):
    _, code = issue(session, clock, enrolment="a", purpose="phone")
    issue(session, clock, enrolment="b", purpose="phone", phone="+77011110002")
    issue(session, clock, enrolment="a", purpose="login", phone="+77011110003")
    with pytest.raises(CodeWrong):
        verify(session, clock, code, enrolment="b", purpose="phone")
    with pytest.raises(CodeWrong):
        verify(session, clock, code, enrolment="a", purpose="login")
    verify(session, clock, code, enrolment="a", purpose="phone")


def test_codes_are_stored_only_as_keyed_hashes(engine, session, clock):
    codes = []
    for n in range(5):
        _, code = issue(session, clock, enrolment=f"enr-{n}", phone=f"+7701111000{n}")
        codes.append(code)
    with engine.connect() as raw:
        rows = raw.execute(text("SELECT * FROM one_time_codes")).all()
    assert len(rows) == 5
    stored = " ".join(str(value) for row in rows for value in row)
    for code in codes:
        assert code not in stored
    hashes = [row.code_hash for row in session.scalars(select(OneTimeCode))]
    assert all(len(h) == 64 for h in hashes)


def test_the_hash_depends_on_the_server_secret(session, clock):
    _, code = issue(session, clock)
    with pytest.raises(CodeWrong):
        verify_code(session, enrolment_id="enr-1", purpose="login", code=code, clock=clock, secret=b"x" * 32)


def test_codes_are_compared_in_constant_time(monkeypatch, session, clock):
    calls = []
    real = otp.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(otp.hmac, "compare_digest", spy)
    _, code = issue(session, clock)
    with pytest.raises(CodeWrong):
        verify(session, clock, wrong(code))
    verify(session, clock, code)
    assert len(calls) == 2


def test_two_racing_requests_with_the_right_code_only_one_wins(sessions, session, clock):
    _, code = issue(session, clock)
    first = sessions()
    verify_code(first, enrolment_id="enr-1", purpose="login", code=code, clock=clock)  # not committed yet
    outcome = {}

    def second_tab():
        with sessions() as second:
            try:
                verify(second, clock, code)
                outcome["result"] = "verified"
            except CodeAlreadyUsed:
                outcome["result"] = "already used"

    racer = threading.Thread(target=second_tab)
    racer.start()
    racer.join(0.5)
    assert racer.is_alive(), "the second request must wait for the first one's transaction"
    first.commit()
    first.close()
    racer.join(10)
    assert outcome["result"] == "already used"


def test_without_a_secret_codes_are_refused(monkeypatch, session, clock):
    monkeypatch.setattr(otp, "_secret", None)
    with pytest.raises(OtpNotConfigured, match="configure"):
        issue_code(session, enrolment_id="e", purpose="login", phone=PHONE, clock=clock)
    with pytest.raises(ValueError, match="16 bytes"):
        otp.configure("short")


def test_bad_purpose_and_bad_phone_are_refused(session, clock):
    with pytest.raises(ValueError, match="purpose"):
        issue_code(session, enrolment_id="e", purpose="signup", phone=PHONE, clock=clock)
    with pytest.raises(ValueError, match="mobile code"):
        issue_code(session, enrolment_id="e", purpose="login", phone="+79161234567", clock=clock)
    assert session.query(OneTimeCode).count() == 0


@pytest.mark.parametrize(
    ("language", "word"),
    [
        ("en", "one-time code"),
        ("kk", "Бір реттік код"),
        ("ru", "Одноразовый код"),
        ("ru-RU", "Одноразовый"),
        ("de", "one-time code"),
    ],
)
def test_sms_text_in_three_languages(language, word):
    text = sms_text("042917", language=language)
    assert "042917" in text and word in text


def test_sms_text_needs_a_code():
    with pytest.raises(ValueError):
        sms_text("")


class BrokenGateway:
    def send(self, phone, text, *, sender="1414"):
        raise SmsDeliveryError("the SMS provider failed (HTTP 502); gave up after 3 attempts")


def test_issue_and_verify_commit_nothing_themselves(sessions, session, clock):
    _, code = issue_code(session, enrolment_id="e", purpose="login", phone=PHONE, clock=clock)
    session.rollback()
    assert session.query(OneTimeCode).count() == 0
    _, code = issue(session, clock, enrolment="e")
    verify_code(session, enrolment_id="e", purpose="login", code=code, clock=clock)
    session.rollback()  # the step failed later: the code is not spent
    with sessions() as other:
        verify(other, clock, code, enrolment="e")


def test_a_code_never_sent_refuses_even_its_right_digits_and_the_try_counts(sessions, session, clock):
    _, code = issue(session, clock, phone=otp.UNSENT_PHONE)
    with sessions() as attempt, pytest.raises(CodeWrong) as refused:
        verify(attempt, clock, code)
    assert refused.value.remaining == otp.MAX_ATTEMPTS - 1  # exactly what a wrong code gets
    with sessions() as fresh:
        row = fresh.scalars(select(OneTimeCode)).one()
    assert row.attempts == 1 and row.used_at is None

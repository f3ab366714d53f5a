"""The application the citizen reviews before issuance: what the certificates will say about them.

Shown after the PIN (state ``pin_set``), built the way the CA builds the subject (names from the citizens
base, cleaned by ``national_profile``); the citizen confirms it once, and issuance refuses
(``application_not_confirmed``) until they have. The confirmation is a flag on the enrolment, audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import InvalidInput, NotInRegister, StepOutOfOrder
from eds_toolkit.core.versioned import compare_and_set
from eds_toolkit.flow.machine import CHANGED_ELSEWHERE, State, load_for_step, refusals_audited, subject_of
from eds_toolkit.flow.models import Enrolment
from national_profile.names import InvalidName, clean_name, national_subject_and_text

NOT_CONFIRMED = "Check and confirm the name and IIN that go into your certificates before they are issued."


@dataclass(frozen=True)
class Application:
    """The subject of both certificates as the CA will write it, and whether the citizen confirmed it."""

    iin: str
    common_name: str  # CN: "SURNAME GIVEN"
    surname: str
    given_name: str
    patronymic: str | None  # the certificate's GIVENNAME attribute, when there is one
    subject: str  # the whole subject as RFC 4514 text, as the certificate will show it
    confirmed: bool

    def as_json(self) -> dict:
        return {
            "iin": self.iin,
            "common_name": self.common_name,
            "surname": self.surname,
            "given_name": self.given_name,
            "patronymic": self.patronymic,
            "subject": self.subject,
            "confirmed": self.confirmed,
        }


def _application(ctx: ServiceContext, enrolment: Enrolment) -> Application:
    record = ctx.citizens.lookup(enrolment.iin)
    if record is None:
        raise NotInRegister(
            "Your records are not in the citizens register, so an EDS cannot be issued remotely. "
            "Please visit a public service centre with your identity card."
        )
    try:
        name, subject = national_subject_and_text(
            record.iin, record.surname, record.given_name, record.patronymic or None
        )
        given = clean_name(record.given_name, "given name")
    except InvalidName as error:
        raise InvalidInput(
            f"Your name in the citizens register cannot go into a certificate ({error}). "
            "Please visit a public service centre with your identity card.",
            code="invalid_name",
        ) from None

    def value(oid: x509.ObjectIdentifier) -> str | None:
        found = name.get_attributes_for_oid(oid)
        return str(found[0].value) if found else None

    return Application(
        iin=record.iin,
        common_name=value(NameOID.COMMON_NAME) or "",
        surname=value(NameOID.SURNAME) or "",
        given_name=given,
        patronymic=value(NameOID.GIVEN_NAME),  # the national profile's GIVENNAME holds the patronymic
        subject=subject,
        confirmed=enrolment.application_confirmed_at is not None,
    )


def application_of(ctx: ServiceContext, enrolment_id: str) -> Application:
    """The application of an enrolment waiting for its certificates (``pin_set``); else a clear refusal."""
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.PIN_SET})
        return _application(ctx, enrolment)


@refusals_audited("confirm_application")
def confirm_application(
    ctx: ServiceContext, enrolment_id: str, *, client_address: str | None = None
) -> Application:
    """The citizen confirms the application they were shown; once (a second confirmation changes nothing)."""
    with ctx.session() as session:
        enrolment = load_for_step(ctx, session, enrolment_id, {State.PIN_SET})
        application = _application(ctx, enrolment)
        if application.confirmed:
            return application
        compare_and_set(
            session,
            enrolment,
            conflict=CHANGED_ELSEWHERE,
            application_confirmed_at=ctx.now(),
            updated_at=ctx.now(),
        )
        audit.record_about(
            ctx,
            session,
            subject_of(enrolment),
            "confirm_application",
            audit.OK,
            client_address=client_address,
        )
        session.commit()
    return Application(**{**application.__dict__, "confirmed": True})


def require_confirmed(enrolment: Enrolment) -> None:
    """Refuse issuance (``application_not_confirmed``) until the citizen confirmed the application."""
    if enrolment.application_confirmed_at is None:
        raise StepOutOfOrder(NOT_CONFIRMED, code="application_not_confirmed")

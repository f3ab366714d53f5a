"""Every call the cabinet's residence pages make into the registration library, in one place: the form's
fields meet the library's parameters here, and whose application is whose is decided here (the applicant
signed in, or the owner of the address), so a change of the library's API changes this module only."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from eds_toolkit.citizens import CitizensRegistryError
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.registers import InvalidRecord
from eds_toolkit.registers.records import checked_address_id
from eds_toolkit.registration import (
    ApplicationView,
    application_document,
    describe,
    file_application,
    owner_decides,
    send_owner_code,
    send_signing_code,
    sign_with_code,
    sign_with_eds,
)
from eds_toolkit.registration.decision_texts import decision_message
from eds_toolkit.registration.errors import ApplicationNotFound, InvalidApplication
from eds_toolkit.registration.listing import applications_of, awaiting_consent_of
from eds_toolkit.registration.notices import reference
from eds_toolkit.registration.owner_consent import (
    KeptDecision,
    confirm_with_eds,
    consent_document,
    decline,
    owner_decision_of,
)
from eds_toolkit.registration.signed_copy import SignedCopy, signed_copy
from eds_toolkit.translations import N_
from national_profile.iin import is_valid_iin

__all__ = [
    "ApplicationForm",
    "ApplicationView",
    "KeptDecision",
    "SignedCopy",
    "application_document",
    "awaiting_consent",
    "confirm_with_eds",
    "consent_document",
    "decline",
    "decision_text",
    "file",
    "history",
    "masked_name_of",
    "name_of",
    "owner_decides",
    "owner_decision_of",
    "owners_application",
    "reference",
    "send_owner_code",
    "send_signing_code",
    "sign_with_code",
    "sign_with_eds",
    "signed_copy_of",
    "your_application",
]

# the form's problems, by field (English msgids; the page shows them in its language)
PERSON_NOT_CHOSEN = N_("Choose whom you register.")
PERSON_IIN_INVALID = N_("The IIN of the person you register is not valid: check the 12 digits.")
PERSON_IS_YOU = N_("This is your own IIN: choose “Myself”.")
ADDRESS_ID_MISSING = N_("Enter the address's number in the property register, e.g. AST-1001.")
ADDRESS_ID_INVALID = N_(
    "An address number is up to 40 Latin letters, digits, dots, dashes or underscores, e.g. AST-1001."
)
OWNER_IIN_INVALID = N_("The owner's IIN is not valid: check the 12 digits.")

PERSON_SELF, PERSON_OTHER = "self", "other"
FORM_FIELDS = ("person_iin", "address_id", "owner_iin")  # the library's field names the form shares


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of the form: an English msgid and its placeholders."""

    message: str
    params: dict[str, object]


@dataclass(frozen=True)
class ApplicationForm:
    """What the citizen typed: whom they register (``self`` or ``other`` with their IIN), the address's
    number in the property register, and which owner is to confirm (only when there are several)."""

    person: str = ""
    person_iin: str = ""
    address_id: str = ""
    owner_iin: str = ""

    @classmethod
    def from_fields(cls, fields: MultiDict) -> ApplicationForm:
        return cls(
            person=fields.get("person", ""),
            person_iin=fields.get("person_iin", "").strip(),
            address_id=fields.get("address_id", "").strip(),
            owner_iin=fields.get("owner_iin", "").strip(),
        )

    def problems(self, applicant_iin: str) -> dict[str, Problem]:
        """Every field's problem at once (field -> Problem), before anything is filed."""
        found: dict[str, Problem] = {}
        if self.person not in (PERSON_SELF, PERSON_OTHER):
            found["person"] = Problem(PERSON_NOT_CHOSEN, {})
        elif self.person == PERSON_OTHER:
            if not is_valid_iin(self.person_iin):
                found["person_iin"] = Problem(PERSON_IIN_INVALID, {})
            elif self.person_iin == applicant_iin:
                found["person_iin"] = Problem(PERSON_IS_YOU, {})
        if not self.address_id:
            found["address_id"] = Problem(ADDRESS_ID_MISSING, {})
        else:
            try:
                checked_address_id(self.address_id)
            except InvalidRecord:
                found["address_id"] = Problem(ADDRESS_ID_INVALID, {})
        if self.owner_iin and not is_valid_iin(self.owner_iin):
            found["owner_iin"] = Problem(OWNER_IIN_INVALID, {})
        return found


def file(ctx: ServiceContext, applicant_iin: str, form: ApplicationForm, client_address: str | None) -> str:
    """File the signed-in citizen's draft; its id. (The token the API hands out is not needed: the
    cabinet's session says who the applicant is.) InvalidApplication carries the form field, when the
    refusal is about one (an address in no register, an owner who is not one, several owners)."""
    try:
        filed = file_application(
            ctx,
            applicant_iin=applicant_iin,
            person_iin=form.person_iin if form.person == PERSON_OTHER else None,
            address_id=form.address_id,
            owner_iin=form.owner_iin or None,
            client_address=client_address,
        )
    except InvalidApplication as error:
        field = error.extra.get("field")
        raise InvalidApplication(
            error.message, code=error.code, field=field if field in FORM_FIELDS else None
        ) from None
    return filed.application.id


def decision_text(code: str | None, language: str) -> str | None:
    """What a rule's code says (refused, returned, at a service centre...), in ``language``."""
    return decision_message(code, language)


def your_application(ctx: ServiceContext, application_id: str, applicant_iin: str) -> ApplicationView:
    """The application when ``applicant_iin`` filed it; another's is "not found", as a missing one."""
    view = describe(ctx, application_id)
    if view.applicant_iin != applicant_iin:
        raise ApplicationNotFound("This application does not exist.")
    return view


def owners_application(ctx: ServiceContext, application_id: str, owner_iin: str) -> ApplicationView:
    """The application when ``owner_iin`` owns its address (their consent is asked); else "not found"."""
    view = describe(ctx, application_id)
    if view.owner_iin != owner_iin:
        raise ApplicationNotFound("This application does not exist.")
    return view


def history(ctx: ServiceContext, applicant_iin: str) -> list[ApplicationView]:
    return applications_of(ctx, applicant_iin)


def awaiting_consent(ctx: ServiceContext, owner_iin: str) -> list[ApplicationView]:
    return awaiting_consent_of(ctx, owner_iin)


def signed_copy_of(ctx: ServiceContext, application_id: str, *, verify: bool = True) -> SignedCopy:
    return signed_copy(ctx, application_id, verify=verify)


def name_of(ctx: ServiceContext, iin: str) -> str | None:
    """A person's name from the citizens base, for the owner's page (None when not known or the base
    does not answer: the page then shows the IIN alone)."""
    try:
        record = ctx.citizens.lookup(iin)
    except CitizensRegistryError:
        return None
    if record is None:
        return None
    return " ".join(part for part in (record.surname, record.given_name, record.patronymic) if part)


def masked_name_of(ctx: ServiceContext, iin: str) -> str | None:
    """A person's name as the portal shows it to someone else: the given name and the surname's first
    letter, the rest hidden ("Aigerim S***"); None when the citizens base does not know it."""
    try:
        record = ctx.citizens.lookup(iin)
    except CitizensRegistryError:
        return None
    if record is None or not (record.given_name or record.surname):
        return None
    surname = f"{record.surname[:1]}***" if record.surname else ""
    return " ".join(part for part in (record.given_name, surname) if part)

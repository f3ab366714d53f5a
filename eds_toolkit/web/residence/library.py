"""Every call the cabinet's residence pages make into the registration library, in one place: the form's
fields meet the library's parameters here, and whose application is whose is decided here (the applicant
signed in, or the owner of the address), so a change of the library's API changes this module only."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from eds_toolkit.citizens import CitizensRegistryError
from eds_toolkit.core.context import ServiceContext
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
from eds_toolkit.registration.errors import ApplicationNotFound, InvalidApplication
from eds_toolkit.registration.listing import applications_of, awaiting_consent_of
from eds_toolkit.registration.notices import reference
from eds_toolkit.registration.service import MAX_ADDRESS_LENGTH
from eds_toolkit.registration.signed_copy import SignedCopy, signed_copy
from eds_toolkit.translations import N_
from national_profile.iin import InvalidIIN, parse_iin

__all__ = [
    "MAX_ADDRESS_LENGTH",
    "ApplicationForm",
    "ApplicationView",
    "SignedCopy",
    "applicant_name",
    "application_document",
    "awaiting_consent",
    "file",
    "history",
    "owner_decides",
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
ADDRESS_MISSING = N_("Enter the address: city, street, house and flat.")
ADDRESS_TOO_LONG = N_("The address is at most {limit} characters.")
OWNER_NOT_CHOSEN = N_("Choose who owns this home.")
OWNER_IIN_INVALID = N_("The owner's IIN is not valid: check the 12 digits.")
OWNER_IS_YOU = N_("This is your own IIN: choose “I own this home”.")

OWNER_SELF, OWNER_OTHER = "self", "other"
FORM_FIELDS = ("address", "owner_iin")  # the library's field names the form shares


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of the form: an English msgid and its placeholders."""

    message: str
    params: dict[str, object]


@dataclass(frozen=True)
class ApplicationForm:
    """What the citizen typed: the address, who owns it (``self`` or ``other``) and the owner's IIN."""

    address: str = ""
    owner: str = ""
    owner_iin: str = ""

    @classmethod
    def from_fields(cls, fields: MultiDict) -> ApplicationForm:
        return cls(
            address=" ".join(fields.get("address", "").split()),
            owner=fields.get("owner", ""),
            owner_iin=fields.get("owner_iin", "").strip(),
        )

    def problems(self, applicant_iin: str) -> dict[str, Problem]:
        """Every field's problem at once (field -> Problem), before anything is filed."""
        found: dict[str, Problem] = {}
        if not self.address:
            found["address"] = Problem(ADDRESS_MISSING, {})
        elif len(self.address) > MAX_ADDRESS_LENGTH:
            found["address"] = Problem(ADDRESS_TOO_LONG, {"limit": MAX_ADDRESS_LENGTH})
        if self.owner not in (OWNER_SELF, OWNER_OTHER):
            found["owner"] = Problem(OWNER_NOT_CHOSEN, {})
        elif self.owner == OWNER_OTHER:
            try:
                owner = parse_iin(self.owner_iin).value
            except InvalidIIN:
                found["owner_iin"] = Problem(OWNER_IIN_INVALID, {})
            else:
                if owner == applicant_iin:
                    found["owner_iin"] = Problem(OWNER_IS_YOU, {})
        return found


def file(ctx: ServiceContext, applicant_iin: str, form: ApplicationForm, client_address: str | None) -> str:
    """File the signed-in citizen's draft; its id. (The token the API hands out is not needed: the
    cabinet's session says who the applicant is.) InvalidApplication carries the form field."""
    try:
        filed = file_application(
            ctx,
            applicant_iin=applicant_iin,
            address=form.address,
            owner_iin=form.owner_iin if form.owner == OWNER_OTHER else None,
            client_address=client_address,
        )
    except InvalidApplication as error:
        field = error.extra.get("field")
        raise InvalidApplication(error.message, field=field if field in FORM_FIELDS else None) from None
    return filed.application.id


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


def applicant_name(ctx: ServiceContext, iin: str) -> str | None:
    """The applicant's name from the citizens base for the owner's page (None when not known or the
    base does not answer: the page then shows the IIN alone)."""
    try:
        record = ctx.citizens.lookup(iin)
    except CitizensRegistryError:
        return None
    if record is None:
        return None
    return " ".join(part for part in (record.surname, record.given_name, record.patronymic) if part)

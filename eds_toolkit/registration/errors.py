"""Refusals of the registration service: flow-style errors (stable code, HTTP status, a message to act on)."""

from __future__ import annotations

from eds_toolkit.core.refusals import CodeRefused, InvalidInput, NotFound, Refusal, StepOutOfOrder


class ApplicationNotFound(NotFound):
    """No such application (or the token is not its token)."""

    code = "application_not_found"


class ApplicationNotOpen(StepOutOfOrder):
    """The application's status does not allow this step (e.g. a second signature, a late owner)."""

    code = "application_not_open"


class InvalidApplication(InvalidInput):
    """The application's fields are malformed (IIN, address)."""

    code = "invalid_application"


class SignatureRefused(Refusal):
    """The EDS signature does not hold, or is not the applicant's SIGN signature over this application."""

    status = 422
    code = "signature_refused"
    title = "Signature refused"


__all__ = [
    "ApplicationNotFound",
    "ApplicationNotOpen",
    "CodeRefused",
    "InvalidApplication",
    "SignatureRefused",
]

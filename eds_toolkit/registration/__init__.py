"""The registration service: residence-registration applications signed with the EDS or an SMS code,
confirmed by the address owner within one hour (see ``service``)."""

from eds_toolkit.registration.models import ResidenceApplication, Status
from eds_toolkit.registration.service import (
    OWNER_CONFIRMATION_WINDOW,
    ApplicationView,
    FiledApplication,
    application_document,
    authenticate,
    describe,
    file_application,
    owner_decides,
    return_overdue,
    send_owner_code,
    send_signing_code,
    sign_with_code,
    sign_with_eds,
)

__all__ = [
    "OWNER_CONFIRMATION_WINDOW",
    "ApplicationView",
    "FiledApplication",
    "ResidenceApplication",
    "Status",
    "application_document",
    "authenticate",
    "describe",
    "file_application",
    "owner_decides",
    "return_overdue",
    "send_owner_code",
    "send_signing_code",
    "sign_with_code",
    "sign_with_eds",
]

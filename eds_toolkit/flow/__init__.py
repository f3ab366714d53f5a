"""The citizen flow: one function per step, shared by the HTML pages and the JSON API."""

from eds_toolkit.flow.application import Application, application_of, confirm_application
from eds_toolkit.flow.issuance import issue_on_server, issue_with_csrs
from eds_toolkit.flow.issued import IssuedPair, ServerKeystores
from eds_toolkit.flow.machine import State
from eds_toolkit.flow.phone import confirm_phone, register_phone
from eds_toolkit.flow.phone_change import confirm_with_owner_code, stop_with_owner_code
from eds_toolkit.flow.pin_step import set_pin
from eds_toolkit.flow.replacement import replace_on_server
from eds_toolkit.flow.start import Started, resend_code, start, submit_code
from eds_toolkit.flow.status import EnrolmentView, authenticate, describe

__all__ = [
    "Application",
    "EnrolmentView",
    "IssuedPair",
    "ServerKeystores",
    "Started",
    "State",
    "application_of",
    "authenticate",
    "confirm_application",
    "confirm_phone",
    "confirm_with_owner_code",
    "describe",
    "issue_on_server",
    "issue_with_csrs",
    "register_phone",
    "replace_on_server",
    "resend_code",
    "set_pin",
    "start",
    "stop_with_owner_code",
    "submit_code",
]

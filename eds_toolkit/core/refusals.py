"""Refusals: one hierarchy for every step of every service (enrolment, registration, renewal, identification).

Each refusal has a stable ``code`` for clients, an HTTP status and a message a person can act on; the web
layer renders any of them one way (problem+json under ``/api/``, the error page elsewhere).
"""

from __future__ import annotations


class Refusal(Exception):
    """Base refusal. ``str(e)`` is a message a citizen can act on; ``code`` is stable for clients."""

    status = 400
    code = "bad_request"
    title = "Request refused"

    def __init__(self, message: str, *, code: str | None = None, **extra: object) -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.extra = extra

    @property
    def message(self) -> str:
        return str(self.args[0])


class InvalidInput(Refusal):
    """The input is malformed or breaks a rule (IIN, phone, PIN, CSR, password)."""

    status = 422
    code = "invalid_input"
    title = "Invalid input"


class CodeRefused(Refusal):
    """The SMS code is wrong, expired, used, or has had too many tries."""

    status = 422
    code = "code_refused"
    title = "Code refused"


class NotFound(Refusal):
    """No such enrolment (or not yours)."""

    status = 404
    code = "not_found"
    title = "Not found"


class StepOutOfOrder(Refusal):
    """The enrolment is not in a state where this step is allowed."""

    status = 409
    code = "step_out_of_order"
    title = "Step not allowed now"


class ConcurrentChange(Refusal):
    """Another request (a second tab) moved the enrolment first."""

    status = 409
    code = "concurrent_change"
    title = "Changed elsewhere"


class EnrolmentExpired(Refusal):
    """The enrolment ran past its lifetime; the citizen starts again."""

    status = 409
    code = "enrolment_expired"
    title = "Enrolment expired"


class AlreadyIssued(Refusal):
    """This enrolment already has its certificate pair."""

    status = 409
    code = "already_issued"
    title = "Already issued"


class NotInRegister(Refusal):
    """The citizen is not in the citizens register: no remote issuance, a service centre can help."""

    status = 409
    code = "not_in_register"
    title = "Not in the citizens register"


class ServiceCentreRequired(Refusal):
    """Remote identification cannot bind a face to this IIN (no usable photo on record, or the citizen
    is not in the register): the enrolment is stopped and the citizen is sent to a service centre."""

    status = 409
    code = "service_centre_required"
    title = "Visit a service centre"


class TooManyRequests(Refusal):
    """Throttled: resend too soon, too many resends, sign-in locked."""

    status = 429
    code = "too_many_requests"
    title = "Too many requests"


class ServiceUnavailable(Refusal):
    """An outside service failed (SMS gateway, CA not initialised); nothing was changed."""

    status = 503
    code = "service_unavailable"
    title = "Service unavailable"

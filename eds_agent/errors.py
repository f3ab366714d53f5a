"""What can go wrong in the agent, as types with a message a citizen can act on.

Each error has a stable ``code`` the page can branch on; the protocol layer turns it into
NCALayer's error envelope (``protocol.py``). Messages never contain passwords or keys.
"""

from __future__ import annotations


class AgentError(Exception):
    """Base class. ``code`` is machine-readable, ``str(error)`` is for the citizen."""

    code = "GENERAL_ERROR"


class BadRequest(AgentError):
    """The request's arguments are missing or of the wrong type."""

    code = "INVALID_SIGNING_PARAMS"


class InvocationError(BadRequest):
    """An argument of the wrong JSON type (e.g. signingParams a number): NCALayer's INVOCATION_ERROR."""

    code = "INVOCATION_ERROR"


class TimestampNotSupported(BadRequest):
    """The page asked for a signature time-stamp (``tsaProfile``); this agent cannot add one."""

    code = "TSA_NOT_SUPPORTED"


class UnknownModule(AgentError):
    code = "MODULE_NOT_FOUND"


class UnknownMethod(AgentError):
    code = "METHOD_NOT_FOUND"


class CancelledByUser(AgentError):
    """The citizen declined a confirmation (or closed a prompt)."""

    code = "action.canceled"


class PortalRefused(AgentError):
    """The page's site is not one the citizen allowed (they refused it, or the agent cannot ask)."""

    code = "ORIGIN_NOT_ALLOWED"


class NoSuitableKey(AgentError):
    """No keystore in the folder matches the requested key type / filters."""

    code = "NO_SUITABLE_KEY"


class WrongKeystorePassword(AgentError):
    code = "WRONG_PASSWORD"


class WeakKeystorePassword(AgentError):
    code = "WEAK_PASSWORD"


class StoreNotWritable(AgentError):
    code = "STORE_NOT_WRITABLE"


class DiskFull(AgentError):
    code = "DISK_FULL"


class NoPendingRequest(AgentError):
    """installCertificates for an enrolment this agent made no requests for (or forgot on restart)."""

    code = "NO_PENDING_REQUEST"


class EnrolmentMismatch(AgentError):
    """A certificate names another person, or belongs to another enrolment's keys."""

    code = "ENROLMENT_MISMATCH"


class BadCertificate(AgentError):
    """A certificate or chain that cannot be parsed or was not issued by the given chain."""

    code = "BAD_CERTIFICATE"


class KeystoreRefused(AgentError):
    """The keystore library refused (e.g. a keystore of that name already exists)."""

    code = "KEYSTORE_ERROR"

"""What the sign-in pages say when a session was ended because its AUTH certificate no longer signs
anyone in (``eds_toolkit.signed_challenge.certificate_gone``): the console's and the cabinet's."""

from __future__ import annotations

from eds_toolkit.translations import N_
from eds_toolkit.web.i18n import translate

# certificate_gone's reason -> the English text (msgid)
MESSAGES = {
    "certificate_revoked": N_(
        "You were signed out: the AUTH certificate you signed in with has been revoked. Sign in again "
        "with a valid certificate."
    ),
    "certificate_superseded": N_(
        "You were signed out: the AUTH certificate you signed in with was replaced by a renewal. Sign in "
        "again with the new one."
    ),
    "certificate_expired": N_(
        "You were signed out: the AUTH certificate you signed in with has expired. Sign in again with a "
        "valid certificate."
    ),
    "unknown_certificate": N_(
        "You were signed out: the AUTH certificate you signed in with is not in this CA's records. Sign "
        "in again."
    ),
}


def ended_message(reason: object) -> str | None:
    """The sign-in page's message for a session ended for ``reason`` (None: no message)."""
    text = MESSAGES.get(reason) if isinstance(reason, str) else None
    return translate(text) if text else None

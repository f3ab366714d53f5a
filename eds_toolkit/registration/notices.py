"""The SMS texts of the registration service: each says what the code confirms, the code first.

Codes go only into the SMS, never into logs or audit events.
"""

from __future__ import annotations

from eds_toolkit.translations import N_, gettext_in

# TRANSLATORS: an SMS; {code} is the 6-digit code, {ref} the application's reference (8 characters)
APPLICANT_TEXT = N_(
    "Code {code} signs your residence registration application {ref}. Valid 5 minutes. "
    "Never tell it to anyone."
)
# TRANSLATORS: an SMS to the owner of the address; {who} is the applicant's name
OWNER_TEXT = N_(
    "Code {code}: as the owner you agree to register {who} at {address} (application {ref}). "
    "Valid 5 minutes. Never tell it to anyone."
)


def reference(application_id: str) -> str:
    """The short application reference people read in an SMS."""
    return application_id[:8].upper()


def applicant_code_text(code: str, application_id: str, *, language: str = "en") -> str:
    return gettext_in(language, APPLICANT_TEXT, code=code, ref=reference(application_id))


def owner_code_text(code: str, application_id: str, *, who: str, address: str, language: str = "en") -> str:
    return gettext_in(
        language, OWNER_TEXT, code=code, ref=reference(application_id), who=who, address=address
    )

"""A service centre's decision on an application the rules sent offline (``sent_offline``): what an
officer checks in person before registering, the reasons a refusal may give, and the SMS that tells the
applicant. The texts of the codes are in ``decision_texts`` (the citizen reads them); the officer's step
is ``eds_toolkit.operators.offline_decisions``."""

from __future__ import annotations

from dataclasses import dataclass

from eds_toolkit.registration.notices import reference
from eds_toolkit.translations import N_, gettext_in

REGISTERED = "service_centre_registered"  # the outcome reason of a registration there


@dataclass(frozen=True)
class Check:
    """Something the officer sees in person before registering: all must be ticked."""

    name: str
    label: str  # English msgid
    source: str


CHECKS = (
    Check(
        "identity_document",
        N_("The applicant's identity document was seen, and it is the applicant's."),
        "the applicant comes in person (the news of 2025-11-18: offline only, at a service centre)",
    ),
    Check(
        "owner_permission",
        N_(
            "The guardianship authority's permission, or the consent of the owner's legal representative, "
            "was seen (the original)."
        ),
        "our reading: a minor's or an incapable owner's rights are exercised by their legal representative "
        "under the guardianship authority (Civil Code arts. 26-27; the Code on marriage and family)",
    ),
)
CHECK_NAMES = tuple(check.name for check in CHECKS)

REFUSAL_REASONS = (
    "service_centre_identity_not_confirmed",
    "service_centre_no_guardianship_permission",
    "service_centre_documents_invalid",
    "service_centre_withdrawn",
)
"""The reasons a refusal at a service centre may give (their texts: ``decision_texts.DECISION_TEXTS``)."""

SERVICE_CENTRE_REASONS = frozenset({REGISTERED, *REFUSAL_REASONS})


def decided_at_service_centre(outcome_reason: str | None) -> bool:
    """Whether an application's outcome was recorded by a service centre (not by the rules or the owner)."""
    return outcome_reason in SERVICE_CENTRE_REASONS


# TRANSLATORS: an SMS; {ref} is the application's reference (8 characters)
REGISTERED_SMS = N_(
    "Your residence registration application {ref} was decided at a public service centre: registered. "
    "See History of services."
)
# TRANSLATORS: an SMS; {ref} is the application's reference (8 characters)
REFUSED_SMS = N_(
    "Your residence registration application {ref} was decided at a public service centre: refused. "
    "The reason is in History of services."
)


def outcome_sms_text(application_id: str, status: str, *, language: str = "en") -> str:
    """The SMS to the applicant once a service centre decided: the reference and the outcome only."""
    text = REGISTERED_SMS if status == "registered" else REFUSED_SMS
    return gettext_in(language, text, ref=reference(application_id))

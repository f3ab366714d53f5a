"""What each registration rule's code tells the citizen: the English text is the msgid, the code its
msgctxt (as the refusals of ``eds_toolkit/web/error_texts.py``, which includes these); Kazakh and Russian
come from the gettext catalogues."""

from __future__ import annotations

from eds_toolkit.translations import NC_, SOURCE_LANGUAGE, base_language, pgettext_in

DECISION_TEXTS: dict[str, str] = dict(
    [
        NC_(
            "under_14",
            "Children under 14 are not registered on their own: under article 16 of the Civil Code, a child "
            "under fourteen has their residence where their parents or other legal representatives have "
            "theirs.",
        ),
        NC_(
            "representative_not_capable",
            "Only an adult with full legal capacity can register another person's residence.",
        ),
        NC_(
            "parent_or_representative_required",
            "A child aged 14 to 16 is registered by a parent or legal representative recorded as such in the "
            "register, signing with their own EDS.",
        ),
        NC_(
            "guardian_required",
            "A person whom a court found incapable or of limited capacity is registered by their guardian or "
            "legal representative recorded in the register, signing with their own EDS.",
        ),
        NC_(
            "applies_in_person",
            "From the age of 16 a citizen registers their own residence, signing with their own EDS. Only "
            "the tenant of state rental housing registers the people listed in its rental contract.",
        ),
        NC_(
            "applicant_not_in_rental_contract",
            "This address is state rental housing and you are not listed in its rental contract, so the "
            "application was returned. For questions, contact the local executive body (akimat).",
        ),
        NC_(
            "person_not_in_rental_contract",
            "This address is state rental housing and the person to be registered is not listed in its "
            "rental contract, so the application was returned. For questions, contact the local executive "
            "body (akimat).",
        ),
        NC_(
            "owner_minor_or_incapable",
            "This address is owned, in whole or in part, by a minor or by a person whom a court found "
            "incapable or of limited capacity. Registration at it is done only in person, at a public "
            "service centre.",
        ),
        NC_(
            "owner_consent_required",
            "You are not an owner of this address: the owner gets an SMS code from 1414 and must confirm "
            "within one hour.",
        ),
        NC_(
            "owner_not_in_register",
            "The owner named is not an owner of this address in the property register: name one of its "
            "owners.",
        ),
        NC_("applicant_owns", "You own or part-own this address: no owner's consent is needed."),
        NC_(
            "state_rental_contract",
            "The person is listed in the state rental contract of this address: no owner's consent is "
            "needed.",
        ),
        # decided in person at a public service centre (``service_centre``): registered, or a refusal reason
        NC_(
            "service_centre_registered",
            "Registered at a public service centre: the documents were checked in person.",
        ),
        NC_(
            "service_centre_identity_not_confirmed",
            "Refused at a public service centre: the applicant's identity document was not presented, or it "
            "is not the applicant's.",
        ),
        NC_(
            "service_centre_no_guardianship_permission",
            "Refused at a public service centre: neither the guardianship authority's permission nor the "
            "consent of the owner's legal representative was presented.",
        ),
        NC_(
            "service_centre_documents_invalid",
            "Refused at a public service centre: the documents presented are not valid or do not match the "
            "registers.",
        ),
        NC_(
            "service_centre_withdrawn",
            "Refused at a public service centre: the applicant withdrew the application.",
        ),
        # refusals when filing
        NC_(
            "address_not_in_register",
            "This address is in neither the property register nor the state rental housing register: choose "
            "the address from the register.",
        ),
        NC_("owner_required", "This address has several owners: name the one who is to confirm."),
        NC_(
            "registers_unavailable",
            "The registers cannot be checked right now. Nothing was changed; please try again later.",
        ),
    ]
)


def decision_message(code: str | None, language: str | None = None) -> str | None:
    """The text of a rule's ``code`` in ``language`` (English when it has no translation yet)."""
    english = DECISION_TEXTS.get(code or "")
    if english is None or base_language(language) == SOURCE_LANGUAGE:
        return english
    return pgettext_in(language, code, english)

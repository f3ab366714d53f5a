"""The words the residence pages show for the library's codes: statuses, decisions, a signature verdict's
reasons. English msgids marked with ``N_``; a code with no text here is shown as it is."""

from __future__ import annotations

from eds_toolkit.translations import N_

SERVICE_NAME = N_("Registration at the place of residence")

STATUS_WORDS = {
    "draft": N_("Not signed yet"),
    "submitted": N_("Being processed"),
    "awaiting_owner": N_("Waiting for the owner's consent"),
    "registered": N_("Registered"),
    "returned": N_("Returned"),
    "rejected": N_("Rejected"),
    "refused": N_("Refused"),
    "sent_offline": N_("Only at a service centre"),
}

# what the rules say of a draft before it is signed (eds_toolkit.registration.rules.Outcome)
OUTCOME_WORDS = {
    "ok": N_("It will be registered"),
    "needs_owner_consent": N_("The owner will be asked to confirm"),
    "refused": N_("It will be refused"),
    "returned": N_("It will be returned"),
    "offline": N_("It cannot be done online"),
}
# one rule's own answer, as the list of checks on a decided application shows it
CHECK_WORDS = {
    "ok": N_("Passed"),
    "needs_owner_consent": N_("The owner confirms"),
    "refused": N_("Refused"),
    "returned": N_("Returned"),
    "offline": N_("Only at a service centre"),
}

# what the owner's part of the decision means for the applicant, by the library's outcome_reason (the
# rules' own codes have their texts in eds_toolkit.registration.decision_texts)
DECISIONS = {
    "owner_confirmed": N_("The owner of the home confirmed it."),
    "owner_declined": N_("The owner of the home refused. You can file a new application."),
    "owner_not_confirmed": N_("The owner did not confirm within one hour. You can file a new application."),
}

# the owner's decision as kept (eds_toolkit.registration.models.OwnerDecision: decision, method), as the
# applicant and the owner read it...
OWNER_DECISION_SENTENCES = {
    ("confirmed", "eds"): N_("The owner confirmed it by signing the consent with their EDS."),
    ("confirmed", "sms"): N_("The owner confirmed it with the code sent to them by SMS."),
    ("declined", "sms"): N_("The owner refused it with the code sent to them by SMS."),
    ("declined", "cabinet"): N_("The owner refused it in their personal cabinet."),
}
# ...and as an officer reads it: "<decision>: <method>"
OWNER_DECISION_WORDS = {"confirmed": N_("Confirmed"), "declined": N_("Declined")}
OWNER_METHOD_WORDS = {
    "eds": N_("signed with the owner's EDS (SIGN certificate)"),
    "sms": N_("with the SMS code from 1414"),
    "cabinet": N_("in the owner's personal cabinet"),
}

WAITING_FOR_OWNER = N_(
    "The owner of the home got an SMS code from 1414 and has until {deadline} to confirm. If they do "
    "not, the application is returned."
)

SIGNED_WITH = {"eds": N_("EDS (SIGN certificate)"), "sms": N_("One-time SMS code")}

# a signature verdict's reason codes (eds_toolkit.signatures.Reason), as the applicant reads them
VERDICT_REASONS = {
    "signature_invalid": N_("The signature does not verify with the certificate's key."),
    "content_modified": N_("The signed document is not this application."),
    "signer_certificate_missing": N_("The signature does not include the signer's certificate."),
    "path_invalid": N_("The certificate was not issued by a trusted certification authority."),
    "certificate_expired": N_("The certificate was not valid at the time of signing."),
    "certificate_revoked": N_("The certificate had been revoked."),
    "revocation_unavailable": N_("Whether the certificate was revoked could not be checked."),
    "wrong_profile": N_("This is not a SIGN certificate: sign with your SIGN key (RSA256_…), not AUTH."),
    "invalid_iin": N_("The IIN in the certificate is not valid."),
    "signing_time_outside_validity": N_("The signing time is outside the certificate's validity."),
    "signing_time_after_check": N_("The signing time is later than the time checked."),
    "algorithm_unsupported": N_("The signature's algorithm is not supported."),
    "timestamp_invalid": N_("The signature's time-stamp is not over this signature."),
    "time_budget_exceeded": N_("The signature could not be checked in time."),
    "document_not_covered": N_("The signature does not cover the whole document."),
}

REVOCATION_WORDS = {
    "good": N_("Not revoked"),
    "revoked": N_("Revoked"),
    "unknown": N_("Could not be checked"),
    "not_checked": N_("Not checked"),
}

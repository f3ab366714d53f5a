"""Words the certificate pages of the console show for the store's codes (gettext msgids, N_)."""

from __future__ import annotations

from eds_toolkit.translations import N_

STATUS_WORDS = {"valid": N_("Valid"), "expired": N_("Expired"), "revoked": N_("Revoked")}

# The store's reason code -> what it means (the RFC 5280 name is shown beside it).
REASON_WORDS = {
    "key_compromise": N_("the private key was lost, stolen or may be known to someone else"),
    "affiliation_changed": N_("the holder's name or other details in the certificate changed"),
    "superseded": N_("replaced by a new certificate, with no suspicion about the key"),
    "cessation_of_operation": N_("no longer needed (the holder gave it up, or died)"),
    "privilege_withdrawn": N_("the CA withdrew it: the identification or the application was not genuine"),
    "unspecified": N_("no reason given"),
    "certificate_hold": N_("on hold"),
    "ca_compromise": N_("the CA's key was compromised"),
}

ORIGIN_WORDS = {
    "enrolment": N_("Remote enrolment"),
    "replacement": N_("Replacement pair after a lost download"),
    "renewal": N_("Renewal signed with the earlier AUTH certificate"),
    "direct": N_("Issued directly by the CA (service centre or command line), no enrolment"),
}

# The audit action that revoked a certificate -> who did it, in words ({name}: the operator).
REVOKED_BY_WORDS = {
    "operator_revoke": N_("CA operator {name}"),
    "operator_bulk_revoke": N_("bulk revocation approved by {name}"),
    "replace_on_server": N_("the holder, asking for a new pair after a lost download"),
    "self_revocation": N_("the holder, from the cabinet (key lost or stolen)"),
    "renewal": N_("the holder's renewal (a new pair)"),
    "issue_with_csrs": N_("the holder's new enrolment (a new pair)"),
    "issue_on_server": N_("the holder's new enrolment (a new pair)"),
}
NOT_RECORDED = N_("not in the audit log (for example eds ca revoke at the command line)")

# The console's own audit actions, for the history table (the citizens' steps use history_text).
CONSOLE_ACTIONS = {
    "operator_signin": N_("Signed in to the operators' console"),
    "operator_session_ended": N_(
        "Signed out of the operators' console: the AUTH certificate is no longer valid"
    ),
    "operator_search": N_("A CA operator searched for this IIN"),
    "operator_view_certificate": N_("A CA operator opened a certificate's page"),
    "operator_revoke": N_("Certificates revoked by a CA operator"),
    "operator_bulk_revoke": N_("Certificates revoked in a bulk revocation"),
    "bulk_revocation_proposed": N_("Bulk revocation proposed"),
    "bulk_revocation_approved": N_("Bulk revocation approved"),
    "bulk_revocation_rejected": N_("Bulk revocation rejected"),
    "operator_export_expiring": N_("Expiring certificates downloaded as CSV"),
}

# The citizen's history speaks to the citizen; the console tells the operator about the holder instead.
ABOUT_THE_HOLDER = {
    "A CA operator looked up your certificates": CONSOLE_ACTIONS["operator_search"],
    "A CA operator looked you up": N_("A CA operator's search for this IIN was refused"),
    "A CA operator opened the record of one of your certificates": CONSOLE_ACTIONS[
        "operator_view_certificate"
    ],
    "A revocation of your certificates was not carried out": N_(
        "A revocation of the holder's certificates was not carried out"
    ),
    "You proposed a bulk revocation in the CA operators' console": CONSOLE_ACTIONS[
        "bulk_revocation_proposed"
    ],
    "Your bulk revocation proposal was not accepted": N_("A bulk revocation proposal was not accepted"),
    "You approved a bulk revocation in the CA operators' console": CONSOLE_ACTIONS[
        "bulk_revocation_approved"
    ],
    "Your approval of a bulk revocation was refused": N_("An approval of a bulk revocation was refused"),
    "You rejected a bulk revocation in the CA operators' console": CONSOLE_ACTIONS[
        "bulk_revocation_rejected"
    ],
    "Your rejection of a bulk revocation was refused": N_("A rejection of a bulk revocation was refused"),
    "You downloaded the list of expiring certificates in the CA operators' console": CONSOLE_ACTIONS[
        "operator_export_expiring"
    ],
    "Certificates issued for your own keys": N_("Certificates issued for keys the holder made"),
    "Signed out of the cabinet: the AUTH certificate you signed in with is no longer valid": N_(
        "Signed out of the cabinet: the AUTH certificate the session was opened with is no longer valid"
    ),
    "Code to revoke your certificates sent by SMS": N_(
        "Code to revoke the holder's certificates sent by SMS"
    ),
    "Code to revoke your certificates not sent": N_("Code to revoke the holder's certificates not sent"),
    "Certificates revoked at your request: key lost or stolen": N_(
        "Certificates revoked at the holder's request: key lost or stolen"
    ),
    "Revocation of your certificates not confirmed": N_(
        "Revocation of the holder's certificates not confirmed"
    ),
    "Application signed with your EDS": N_("Application signed with the applicant's EDS"),
    "The outcome of your application was sent by SMS": N_("The outcome of the application was sent by SMS"),
    "The SMS with the outcome of your application could not be sent": N_(
        "The SMS with the outcome of the application could not be sent"
    ),
    "Application returned: you are not listed in the state rental contract": N_(
        "Application returned: the applicant is not listed in the state rental contract"
    ),
}

OCSP_WORDS = {"good": N_("good"), "revoked": N_("revoked"), "unknown": N_("unknown")}

PROPOSAL_STATES = {
    "pending": N_("Waiting for a second CA administrator"),
    "approved": N_("Approved: revoked"),
    "rejected": N_("Rejected"),
    "expired": N_("Expired: not approved within 24 hours"),
}

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

OCSP_WORDS = {"good": N_("good"), "revoked": N_("revoked"), "unknown": N_("unknown")}

PROPOSAL_STATES = {
    "pending": N_("Waiting for a second CA administrator"),
    "approved": N_("Approved: revoked"),
    "rejected": N_("Rejected"),
    "expired": N_("Expired: not approved within 24 hours"),
}

"""The cabinet's history in words: each audit event as a short sentence a citizen understands.

Sentences are English msgids of the gettext catalogues (``eds_toolkit/translations``), so the page shows
them in its own language. The event's internal reason codes and its client address never reach the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from eds_toolkit.registration.service_centre import REFUSAL_REASONS
from eds_toolkit.translations import N_

STEP_RECORDED = N_("Step recorded")
WRONG_SMS_CODE = N_("Wrong SMS code")
SMS_CODE_EXPIRED = N_("The SMS code had expired")
STEP_UNDONE = N_("A step was undone")
SMS_FAILED_UNDONE = N_("The SMS could not be sent, so the step was undone")

# action -> (sentence when it went through, sentence when it was refused)
SENTENCES: dict[str, tuple[str, str]] = {
    "start": (N_("Enrolment started"), N_("Enrolment could not start")),
    "submit_code": (N_("Phone confirmed with the SMS code"), N_("SMS code not accepted")),
    "resend_code": (N_("A new SMS code was sent"), N_("A new SMS code could not be sent")),
    "register_phone": (
        N_("New phone number registered, a code was sent to it"),
        N_("Phone number not accepted"),
    ),
    "confirm_phone": (N_("New phone number confirmed with the SMS code"), N_("SMS code not accepted")),
    "identify_selfie": (N_("Selfie checked"), N_("Selfie not accepted")),
    "identification_selfie_ok": (N_("Selfie accepted"), N_("Selfie not accepted")),
    "identify_liveness_task": (N_("Video check started"), N_("Video check could not start")),
    "identify_liveness": (N_("Video checked"), N_("Video check not passed")),
    "identification_liveness_ok": (N_("Video check passed"), N_("Video check not passed")),
    "identify_face_match": (
        N_("Face compared with the state photo and the identity-card photo"),
        N_("Face did not match the state photo or the identity-card photo"),
    ),
    "identification_face_matched": (
        N_("Face matched the state photo and the identity-card photo"),
        N_("Face did not match the state photo or the identity-card photo"),
    ),
    "identification_failed": (
        N_("Identification failed: the enrolment was stopped"),
        N_("Identification failed"),
    ),
    "not_in_register": (
        N_("Not found in the citizens register: the enrolment was stopped"),
        N_("Not found in the citizens register"),
    ),
    "set_pin": (N_("PIN set"), N_("PIN not accepted")),
    "confirm_application": (
        N_("Name and IIN for the certificates checked and confirmed"),
        N_("Name and IIN for the certificates not confirmed"),
    ),
    "phone_change_confirm": (
        N_("Phone change confirmed with the code sent to the previous number"),
        N_("Wrong code for the previous number"),
    ),
    "phone_change_stopped": (
        N_("Phone change stopped by the owner of the previous number: the enrolment was stopped"),
        N_("Phone change stopped"),
    ),
    "owner_notice": (
        N_("The phone number on record was told by SMS"),
        N_("The SMS to the number on record failed"),
    ),
    "identification_face_review": (
        N_("Face match sent to an officer for review"),
        N_("Face match could not be sent for review"),
    ),
    "identification_review": (
        N_("An officer decided on the face match"),
        N_("Face match review not decided"),
    ),
    # the CA operators' console (eds_toolkit.operators): what it did with this person's certificates
    "operator_search": (N_("A CA operator looked up your certificates"), N_("A CA operator looked you up")),
    "operator_view_certificate": (
        N_("A CA operator opened the record of one of your certificates"),
        N_("A CA operator opened the record of one of your certificates"),
    ),
    "operator_revoke": (
        N_("Certificates revoked by the certification authority"),
        N_("A revocation of your certificates was not carried out"),
    ),
    "operator_bulk_revoke": (
        N_("Certificates revoked by the certification authority"),
        N_("A revocation of your certificates was not carried out"),
    ),
    # ...and what an operator did there, in their own history (an operator is a citizen too)
    "bulk_revocation_proposed": (
        N_("You proposed a bulk revocation in the CA operators' console"),
        N_("Your bulk revocation proposal was not accepted"),
    ),
    "bulk_revocation_approved": (
        N_("You approved a bulk revocation in the CA operators' console"),
        N_("Your approval of a bulk revocation was refused"),
    ),
    "bulk_revocation_rejected": (
        N_("You rejected a bulk revocation in the CA operators' console"),
        N_("Your rejection of a bulk revocation was refused"),
    ),
    "operator_export_expiring": (
        N_("You downloaded the list of expiring certificates in the CA operators' console"),
        N_("The list of expiring certificates was not downloaded"),
    ),
    "issue_with_csrs": (N_("Certificates issued for your own keys"), N_("Certificates not issued")),
    "issue_on_server": (N_("Certificates issued"), N_("Certificates not issued")),
    "keystores_delivered_again": (
        N_("The keystores made on the server were downloaded again"),
        N_("The keystores were not downloaded again"),
    ),
    "replace_on_server": (
        N_("New certificates issued for a lost download; the previous ones revoked"),
        N_("New certificates for a lost download not issued"),
    ),
    "expire": (N_("Enrolment expired: it was not finished in time"), N_("Enrolment expired")),
    "renewal": (N_("Certificates renewed"), N_("Certificate renewal refused")),
    "renewal_reminder": (
        N_("Reminder sent: the certificates expire soon"),
        N_("The expiry reminder could not be sent"),
    ),
    # the operators' own events, as their history shows them
    "operator_added": (N_("Made an operator of the certification authority"), N_("Not made an operator")),
    "operator_disabled": (N_("Operator access ended"), N_("Operator access not ended")),
    "operator_signin": (
        N_("Signed in to the operators' console"),
        N_("Sign-in to the operators' console refused"),
    ),
    "operator_session_ended": (
        N_("Signed out of the operators' console: the AUTH certificate is no longer valid"),
        N_("Signed out of the operators' console: the AUTH certificate is no longer valid"),
    ),
    "cabinet_session_ended": (
        N_("Signed out of the cabinet: the AUTH certificate you signed in with is no longer valid"),
        N_("Signed out of the cabinet: the AUTH certificate you signed in with is no longer valid"),
    ),
    "audit_log_viewed": (N_("The audit log was viewed"), N_("The audit log could not be viewed")),
    "audit_log_exported": (N_("The audit log was exported"), N_("The audit log could not be exported")),
    "crl_published": (N_("A revocation list was published"), N_("A revocation list could not be published")),
    "application_viewed": (
        N_("An officer opened the registration application"),
        N_("The registration application could not be opened"),
    ),
    "review_picture_viewed": (
        N_("An officer viewed the identification pictures"),
        N_("The identification pictures could not be viewed"),
    ),
    "self_revocation_code": (
        N_("Code to revoke your certificates sent by SMS"),
        N_("Code to revoke your certificates not sent"),
    ),
    "self_revocation": (
        N_("Certificates revoked at your request: key lost or stolen"),
        N_("Revocation of your certificates not confirmed"),
    ),
    "application.file": (N_("Residence registration application filed"), N_("Application not filed")),
    "application.signing_code": (N_("Signing code sent by SMS"), N_("Signing code not sent")),
    "application.sign_sms": (N_("Application signed with the SMS code"), N_("Application not signed")),
    "application.sign_eds": (N_("Application signed with your EDS"), N_("Application not signed")),
    "application.await_owner": (
        N_("Application sent to the owner for confirmation"),
        N_("Application not sent"),
    ),
    "application.register": (N_("Residence registered"), N_("Residence not registered")),
    "application.owner_code": (N_("Confirmation code sent to the owner"), N_("Confirmation code not sent")),
    "application.owner_decision": (N_("Owner's decision recorded"), N_("Owner's decision not accepted")),
    "application.owner_sign_eds": (
        N_("Owner confirmed the registration by signing the consent with their EDS"),
        N_("Owner's EDS signature of the consent not accepted"),
    ),
    "application.owner_decline": (
        N_("Owner refused the registration in their personal cabinet"),
        N_("Owner's refusal not accepted"),
    ),
    "application.return": (
        N_("Application returned: the owner did not confirm in time"),
        N_("Application returned"),
    ),
    "application.refuse": (
        N_("Application refused: the registration rules do not allow it"),
        N_("Application refused"),
    ),
    "application.send_offline": (
        N_("Application sent to a public service centre: it cannot be decided online"),
        N_("Application not sent to a service centre"),
    ),
    "application.service_centre_decision": (
        N_("Application decided at a public service centre"),
        N_("A decision at a public service centre was not recorded"),
    ),
    "application.outcome_sms": (
        N_("The outcome of your application was sent by SMS"),
        N_("The SMS with the outcome of your application could not be sent"),
    ),
}

# (action or "*", reason code) -> a more precise sentence than the action's own
REASON_SENTENCES: dict[tuple[str, str], str] = {
    ("*", "code_wrong"): WRONG_SMS_CODE,
    ("*", "code_expired"): SMS_CODE_EXPIRED,
    ("application.owner_decision", "owner_confirmed"): N_("Owner confirmed the registration"),
    ("application.owner_decision", "owner_declined"): N_("Owner declined the registration"),
    ("application.return", "applicant_not_in_rental_contract"): N_(
        "Application returned: you are not listed in the state rental contract"
    ),
    ("application.return", "person_not_in_rental_contract"): N_(
        "Application returned: the person is not listed in the state rental contract"
    ),
    ("application.service_centre_decision", "service_centre_registered"): N_(
        "Residence registered at a public service centre"
    ),
    **{
        ("application.service_centre_decision", code): N_("Application refused at a public service centre")
        for code in REFUSAL_REASONS
    },
    ("identification_review", "accepted"): N_("An officer confirmed that the face matches"),
    ("identification_review", "refused"): N_("An officer found that the face does not match"),
}

ALL_SENTENCES: frozenset[str] = frozenset(
    [STEP_RECORDED, STEP_UNDONE, SMS_FAILED_UNDONE]
    + [text for pair in SENTENCES.values() for text in pair]
    + list(REASON_SENTENCES.values())
)


class AuditRow(Protocol):
    """What the history needs of an audit event (``eds_toolkit.flow.models.AuditEvent``)."""

    action: str
    outcome: str
    reason: str | None
    at: dt.datetime


@dataclass(frozen=True)
class HistoryLine:
    """One line of the cabinet's history: when, an English sentence (a catalogue msgid), refused or not."""

    at: dt.datetime
    sentence: str
    refused: bool


def sentence_for(action: str, outcome: str, reason: str | None = None) -> str:
    """The English sentence for one event; an unknown action is a generic line, never its raw code.

    An ``undone`` event (the audit log keeps the step and adds one) says the step was undone, and why
    when the SMS could not be sent."""
    if outcome == "undone":
        return SMS_FAILED_UNDONE if reason == "sms_failed" else STEP_UNDONE
    refused = outcome != "ok"
    if reason:
        specific = REASON_SENTENCES.get((action, reason))
        if specific is None and refused and action in SENTENCES:
            specific = REASON_SENTENCES.get(("*", reason))
        if specific is not None:
            return specific
    pair = SENTENCES.get(action)
    if pair is None:
        return STEP_RECORDED
    return pair[1] if refused else pair[0]


def history_lines(events: list[AuditRow]) -> list[HistoryLine]:
    """The events as sentences, in the given order."""
    return [
        HistoryLine(
            at=event.at,
            sentence=sentence_for(event.action, event.outcome, event.reason),
            refused=event.outcome != "ok",
        )
        for event in events
    ]

"""The cabinet's history in words: each audit event as a short sentence a citizen understands.

Sentences are English keys of the i18n catalogue (``eds_toolkit.web.i18n.MESSAGES``), so the page shows
them in its own language. The event's internal reason codes and its client address never reach the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

STEP_RECORDED = "Step recorded"
WRONG_SMS_CODE = "Wrong SMS code"
SMS_CODE_EXPIRED = "The SMS code had expired"

# action -> (sentence when it went through, sentence when it was refused)
SENTENCES: dict[str, tuple[str, str]] = {
    "start": ("Enrolment started", "Enrolment could not start"),
    "submit_code": ("Phone confirmed with the SMS code", "SMS code not accepted"),
    "resend_code": ("A new SMS code was sent", "A new SMS code could not be sent"),
    "register_phone": ("New phone number registered, a code was sent to it", "Phone number not accepted"),
    "confirm_phone": ("New phone number confirmed with the SMS code", "SMS code not accepted"),
    "identify_selfie": ("Selfie checked", "Selfie not accepted"),
    "identification_selfie_ok": ("Selfie accepted", "Selfie not accepted"),
    "identify_liveness_task": ("Video check started", "Video check could not start"),
    "identify_liveness": ("Video checked", "Video check not passed"),
    "identification_liveness_ok": ("Video check passed", "Video check not passed"),
    "identify_face_match": (
        "Face compared with the state photo and the identity-card photo",
        "Face did not match the state photo or the identity-card photo",
    ),
    "identification_face_matched": (
        "Face matched the state photo and the identity-card photo",
        "Face did not match the state photo or the identity-card photo",
    ),
    "identification_failed": ("Identification failed: the enrolment was stopped", "Identification failed"),
    "not_in_register": (
        "Not found in the citizens register: the enrolment was stopped",
        "Not found in the citizens register",
    ),
    "set_pin": ("PIN set", "PIN not accepted"),
    "phone_change_confirm": (
        "Phone change confirmed with the code sent to the previous number",
        "Wrong code for the previous number",
    ),
    "phone_change_stopped": (
        "Phone change stopped by the owner of the previous number: the enrolment was stopped",
        "Phone change stopped",
    ),
    "owner_notice": ("The phone number on record was told by SMS", "The SMS to the number on record failed"),
    "issue_with_csrs": ("Certificates issued for your own keys", "Certificates not issued"),
    "issue_on_server": ("Certificates issued", "Certificates not issued"),
    "expire": ("Enrolment expired: it was not finished in time", "Enrolment expired"),
    "renewal": ("Certificates renewed", "Certificate renewal refused"),
    "application.file": ("Residence registration application filed", "Application not filed"),
    "application.signing_code": ("Signing code sent by SMS", "Signing code not sent"),
    "application.sign_sms": ("Application signed with the SMS code", "Application not signed"),
    "application.sign_eds": ("Application signed with your EDS", "Application not signed"),
    "application.await_owner": ("Application sent to the owner for confirmation", "Application not sent"),
    "application.register": ("Residence registered", "Residence not registered"),
    "application.owner_code": ("Confirmation code sent to the owner", "Confirmation code not sent"),
    "application.owner_decision": ("Owner's decision recorded", "Owner's decision not accepted"),
    "application.return": ("Application returned: the owner did not confirm in time", "Application returned"),
}

# (action or "*", reason code) -> a more precise sentence than the action's own
REASON_SENTENCES: dict[tuple[str, str], str] = {
    ("*", "code_wrong"): WRONG_SMS_CODE,
    ("*", "code_expired"): SMS_CODE_EXPIRED,
    ("application.owner_decision", "owner_confirmed"): "Owner confirmed the registration",
    ("application.owner_decision", "owner_declined"): "Owner declined the registration",
}

ALL_SENTENCES: frozenset[str] = frozenset(
    [STEP_RECORDED] + [text for pair in SENTENCES.values() for text in pair] + list(REASON_SENTENCES.values())
)


class AuditRow(Protocol):
    """What the history needs of an audit event (``eds_toolkit.flow.models.AuditEvent``)."""

    action: str
    outcome: str
    reason: str | None
    at: dt.datetime


@dataclass(frozen=True)
class HistoryLine:
    """One line of the cabinet's history: when, an English sentence (a catalogue key), refused or not."""

    at: dt.datetime
    sentence: str
    refused: bool


def sentence_for(action: str, outcome: str, reason: str | None = None) -> str:
    """The English sentence for one event; an unknown action is a generic line, never its raw code."""
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

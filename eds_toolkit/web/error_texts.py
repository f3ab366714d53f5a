"""The refusals a citizen can read, by code: the English text is the msgid, the code its msgctxt.

Their Kazakh and Russian texts are in the gettext catalogues (``eds_toolkit/translations``). In English a
refusal keeps the step's own, most specific message; the text here is what the translators translate.
``{name}`` placeholders take the refusal's numbers; ``weak_pin.<rule>`` is the more precise text for a
weak PIN refused by ``rule`` (``eds_toolkit.pin.RULES``).
"""

from __future__ import annotations

from eds_toolkit.registration.decision_texts import DECISION_TEXTS
from eds_toolkit.translations import NC_

# code -> English text (msgid; msgctxt = the code)
ERROR_TEXTS: dict[str, str] = dict(
    [
        NC_("invalid_iin", "The IIN is not valid: check the 12 digits."),
        NC_("code_format", "The code from the SMS is 6 digits."),
        NC_("code_wrong", "The code is wrong: {remaining} tries left."),
        NC_("code_expired", "The code has expired: ask for a new one."),
        NC_("code_already_used", "This code was already used: ask for a new one."),
        NC_("too_many_attempts", "5 wrong tries: this code no longer works, ask for a new one."),
        NC_(
            "too_many_wrong_codes",
            "Too many wrong SMS codes were entered, so this enrolment was stopped. Please start again "
            "later or visit a service centre.",
        ),
        NC_(
            "too_many_wrong_codes_for_iin",
            "Too many wrong SMS codes were entered for this IIN recently, so this enrolment was "
            "stopped and codes cannot be entered for it now (for at most 24 hours). Please start again "
            "later or visit a service centre.",
        ),
        NC_("resend_too_soon", "A new code can be sent in {retry_after} seconds."),
        NC_("too_many_resends", "Too many codes were sent in the last hour: try again later."),
        NC_("step_out_of_order", "This step is not available yet: please finish the previous step first."),
        NC_("enrolment_expired", "This enrolment has expired. Please start again with your IIN."),
        NC_(
            "application_not_confirmed",
            "Check and confirm the name and IIN that go into your certificates before they are issued.",
        ),
        NC_(
            "invalid_name",
            "Your name in the citizens register cannot go into a certificate. Please visit a public service "
            "centre with your identity card.",
        ),
        NC_(
            "concurrent_change",
            "This enrolment was changed in another window or tab. Please reload the page.",
        ),
        NC_(
            "already_issued",
            "The certificates for this enrolment were already issued. Sign in to your cabinet to see them.",
        ),
        NC_(
            "replacement_closed",
            "A new pair can only be asked for within the identification that issued the first one, and it "
            "has ended. Start again with your IIN: the new certificates then replace the ones you hold now.",
        ),
        NC_(
            "replacements_used_up",
            "A new pair was already made {limit} times in this identification, the most allowed. Start "
            "again with your IIN, or visit a public service centre.",
        ),
        NC_(
            "keystore_password_differs",
            "Your keystores were already made, with the password you typed the first time: type that "
            "password to download them again.",
        ),
        NC_(
            "replacement_not_confirmed",
            "Confirm that your previous certificates will be revoked: tick the box, then try again.",
        ),
        NC_("weak_pin", "This PIN is too easy to guess."),
        NC_("weak_pin.length", "The PIN must be exactly 6 digits."),
        NC_("weak_pin.same_digits", "The PIN must not be one digit repeated."),
        NC_("weak_pin.straight_run", "The PIN must not be a run of digits like 123456 or 654321."),
        NC_("weak_pin.birth_date", "The PIN must not be your birth date."),
        NC_(
            "weak_pin.birth_year",
            "The PIN must not contain your birth year with the month or day of your birth.",
        ),
        NC_("weak_pin.common", "This PIN is too common: choose one that is harder to guess."),
        NC_("pin_mismatch", "The two PINs are different: type the same PIN twice."),
        NC_("wrong_credentials", "The IIN or PIN is wrong."),
        NC_("csrf", "The form has expired or did not come from this site. Reload the page and try again."),
        NC_("rate_limited", "Too many requests: please wait a little and try again."),
        NC_("too_large", "What you sent is too large."),
        # identification uploads (the verdicts' own sentences are in verdict_text.py)
        NC_("image_missing", "No photo was sent: choose a JPEG, PNG or WebP photo."),
        NC_("bad_image", "The file could not be read as a photo. Send a JPEG, PNG or WebP picture."),
        NC_("frames_missing", "No video frames were sent. Record the video again."),
        NC_("too_many_frames", "Too many video frames were sent. Record the video again."),
        NC_("frame_too_large", "A video frame is too large. Record the video again."),
        NC_("bad_frame", "A video frame could not be read. Record the video again."),
        NC_("bad_frame_times", "The video frames arrived out of order. Record the video again."),
        NC_(
            "too_many_tasks",
            "Too many video checks were started for this enrolment. Please start again or visit a "
            "service centre.",
        ),
        # the enrolment API's own refusals (problem+json ``detail`` in the client's language)
        NC_(
            "sms_failed", "We could not send the SMS right now. Nothing was changed; please try again later."
        ),
        NC_(
            "registry_unavailable",
            "The citizens register is not answering right now. Please try again in a few minutes.",
        ),
        NC_(
            "not_in_register",
            "Your records are not in the citizens register, so an EDS cannot be issued remotely. "
            "Please visit a public service centre with your identity card.",
        ),
        NC_(
            "service_centre_required",
            "Remote issuance needs the photo the state holds for your IIN, and it cannot be used for "
            "you. Please visit a public service centre with your identity card to get an EDS.",
        ),
        NC_(
            "phone_change_pending",
            "Your phone number was changed, so for your protection the certificates can be issued from "
            "{release}, or now if you type the code we sent to your previous number.",
        ),
        NC_("phone_change_stopped", "The owner of the previous number stopped this phone change."),
        NC_("owner_code_format", "The code sent to the previous number is 8 digits."),
        NC_("owner_code_wrong", "This code does not stop any change. Check the IIN and the code in the SMS."),
        NC_(
            "owner_code_locked",
            "Too many wrong codes: the new number takes effect when the waiting time ends.",
        ),
        NC_("no_phone_change", "This enrolment is not waiting for a phone change."),
        NC_(
            "invalid_phone",
            "The phone number is not valid: a Kazakh mobile number looks like +7 701 234 56 78.",
        ),
        NC_(
            "code_for_new_phone_expected",
            "You asked to register a new phone number: enter the code sent to that number instead.",
        ),
        NC_("no_active_code", "No code was sent yet: ask for a code."),
        NC_("code_malformed", "The code is 6 digits."),
        NC_(
            "enrolment_failed",
            "This enrolment was stopped and cannot continue. Please start again or visit a service centre.",
        ),
        NC_("not_found", "No such enrolment for this token. Please start again with your IIN."),
        NC_("unauthenticated", "Send the enrolment's token: Authorization: Bearer <token>."),
        NC_("json_expected", "Send a JSON object (Content-Type: application/json)."),
        NC_("field_missing", "The field {field} is required."),
        NC_("csr_missing", "A certificate request (CSR) is missing."),
        NC_("csr_too_large", "A certificate request (CSR) is too large."),
        NC_(
            "weak_password",
            "The keystore password is too weak: choose a longer password that is harder to guess.",
        ),
        NC_(
            "ca_unavailable",
            "The certification authority is not available. Nothing was issued; please try again later.",
        ),
        NC_(
            "wrong_credentials.paused",
            "The IIN or PIN is wrong, or sign-in is paused after too many wrong PINs: try again in "
            "{minutes} minutes.",
        ),
        NC_("signin_locked", "Too many wrong PINs. Try again in {minutes} minutes."),
        # renewal with the AUTH certificate (eds_toolkit.renewal, the cabinet's renewal page)
        NC_("challenge_not_found", "This renewal request does not exist or was already used: start again."),
        NC_("challenge_used", "This renewal request was already used: start again."),
        NC_(
            "challenge_expired",
            "This renewal request expired (it is valid for 5 minutes): start again and sign it straight "
            "away.",
        ),
        NC_("cms_missing", "The signed renewal request is missing."),
        NC_("cms_too_large", "The signed renewal request is too large to be a signature."),
        NC_("malformed_cms", "The signed renewal request cannot be read."),
        NC_("unsupported_algorithm", "The renewal request must be signed with SHA-256."),
        NC_(
            "signer_certificate_missing",
            "The signed renewal request does not include your AUTH certificate.",
        ),
        NC_("wrong_challenge", "The signature is over other data than this renewal request."),
        NC_("foreign_certificate", "The renewal is signed with a certificate this CA did not issue."),
        NC_("not_auth_certificate", "A renewal must be signed with the AUTH certificate, not the SIGN one."),
        NC_(
            "certificate_expired",
            "Your AUTH certificate has expired: renew in person at a public service centre.",
        ),
        NC_("unknown_certificate", "The AUTH certificate is not in this CA's records."),
        NC_(
            "certificate_revoked",
            "The AUTH certificate has been revoked or already renewed: renewal with it is refused.",
        ),
        NC_("bad_signature", "The signature does not verify with the AUTH certificate."),
        NC_(
            "iin_mismatch",
            "The new certificate requests name another IIN than your AUTH certificate: a certificate "
            "renews only its own holder.",
        ),
        NC_("csr_without_iin", "A new certificate request does not name your IIN."),
        NC_(
            "not_holders_certificate",
            "The AUTH certificate that signed belongs to another person than the one signed in: renew "
            "with your own AUTH certificate.",
        ),
        NC_(
            "nothing_to_renew",
            "You have no valid AUTH certificate to renew with. Get new certificates with your IIN on the "
            "start page, or visit a public service centre.",
        ),
        NC_("cabinet_signed_out", "You are signed out of your cabinet. Sign in again, then renew."),
        # the citizen's own revocation from the cabinet (eds_toolkit.flow.self_revocation)
        NC_(
            "certificate_not_found",
            "None of your valid certificates has this serial number. Choose one of the pairs listed.",
        ),
        NC_(
            "revocation_not_confirmed",
            "Confirm that your certificates will stop working for good: tick the box, then try again.",
        ),
        NC_(
            "no_phone_on_record",
            "There is no phone number on record for your IIN, so no code can be sent. To revoke your "
            "certificates, visit a public service centre with your identity card.",
        ),
        NC_(
            "revocation_not_found",
            "There is no such revocation request in this session. Choose the certificates again.",
        ),
        NC_("revocation_done", "These certificates were already revoked."),
        NC_(
            "revocation_expired",
            "This revocation request has expired. Choose the certificates again to get a new code.",
        ),
        NC_(
            "revocation_not_needed",
            "These certificates are no longer valid (revoked or expired): there is nothing to revoke.",
        ),
        NC_(
            "too_many_wrong_revocation_codes",
            "Too many wrong codes were entered to revoke your certificates within a day, so no code is "
            "accepted for now. Try again tomorrow, or visit a public service centre.",
        ),
        NC_("page_not_found", "There is no such page. Start again from the first page."),
        NC_(
            "method_not_allowed",
            "This address cannot be opened directly: go back and use the buttons on the page.",
        ),
        NC_("database_unavailable", "The service is temporarily unavailable: please try again in a minute."),
        NC_("queue_unavailable", "The check cannot be done just now: please send it again in a few seconds."),
        NC_(
            "service_unavailable", "The service is unavailable for a moment. Please try again a little later."
        ),
        # the registration service's refusals (its pages in the cabinet and /api/v1/applications)
        NC_("application_not_found", "There is no such application."),
        NC_(
            "application_not_open",
            "This application cannot take this step now: it was already signed or decided. Reload the page.",
        ),
        NC_(
            "invalid_application",
            "The application is not filled in correctly: check the address and the IINs.",
        ),
        NC_(
            "signature_refused",
            "The signature was not accepted: sign with your own valid SIGN certificate (RSA256_…).",
        ),
        NC_(
            "signer_mismatch",
            "The application was signed with another person's certificate: sign it with your own EDS.",
        ),
        NC_(
            "signature_unreadable",
            "The signature could not be read, or it is not over this application: sign it again.",
        ),
        NC_(
            "signer_mismatch.owner_consent",
            "The consent was signed with another person's certificate: only the owner of the address "
            "confirms, with their own EDS.",
        ),
        NC_(
            "signature_unreadable.owner_consent",
            "The signature could not be read, or it is not over this consent: sign the consent shown.",
        ),
        NC_(
            "citizens_base_unavailable",
            "The mobile-citizens base is not answering right now; nothing was sent. Please try again later.",
        ),
        # a challenge signed with the AUTH key: the operators' sign-in and the citizens' renewal
        NC_("challenge_not_found", "This challenge does not exist: start again."),
        NC_("challenge_used", "This challenge was already used: start again."),
        NC_("challenge_expired", "This challenge expired (it is valid for 5 minutes): start again."),
        NC_("wrong_challenge", "The signature is over other data than the challenge: start again."),
        NC_("malformed_cms", "The signature cannot be read: sign again with eds agent or NCALayer."),
        NC_("signer_certificate_missing", "The signature does not include the certificate: sign again."),
        NC_("foreign_certificate", "This certificate was not issued by this certification authority."),
        NC_("not_auth_certificate", "Sign with the AUTH certificate (for signing in), not the SIGN one."),
        NC_("certificate_expired", "This certificate has expired."),
        NC_("certificate_revoked", "This certificate has been revoked."),
        NC_("unknown_certificate", "This certificate is not known to this certification authority."),
        NC_("bad_signature", "The signature does not verify with the certificate's key."),
        NC_("not_an_operator", "This certificate does not belong to an operator of this CA."),
        # the console's certificate pages (eds_toolkit.operators: search, revocation, bulk, expiring)
        NC_(
            "invalid_serial", "A serial number is hexadecimal (0-9, a-f; colons allowed), at most 40 digits."
        ),
        NC_("serial_too_short", "Type at least the first 8 hexadecimal digits of the serial number."),
        NC_("invalid_status", "The status is valid, revoked or expired."),
        NC_("serial_not_found", "No certificate with this serial number in this CA's store."),
        NC_(
            "invalid_reason",
            "Choose the reason for the revocation: keyCompromise, affiliationChanged, superseded, "
            "cessationOfOperation or privilegeWithdrawn.",
        ),
        NC_(
            "revocation_note_missing", "Write a note: why the certificates are revoked, and on whose request."
        ),
        NC_("revocation_note_too_long", "The note is at most {limit} characters."),
        NC_("nothing_selected", "Choose at least one certificate to revoke."),
        # the "compromised since" day of a revocation (eds_toolkit.compromised_since): console and cabinet
        NC_(
            "compromise_date_invalid",
            "The “compromised since” date is not a date: choose a day (year-month-day).",
        ),
        NC_("compromise_date_in_future", "The “compromised since” date cannot be in the future."),
        NC_(
            "compromise_date_before_issue",
            "The “compromised since” date cannot be before the certificates were issued ({issued}).",
        ),
        NC_(
            "compromise_date_wrong_reason",
            "A “compromised since” date goes only with the reason keyCompromise: choose that reason or "
            "leave the date empty.",
        ),
        NC_("not_in_pair", "Only this certificate and its pair partner can be revoked here."),
        NC_(
            "already_revoked",
            "Certificate {serial} was already revoked ({revoked_at}, {reason}). Nothing was revoked: reload "
            "the certificate's page.",
        ),
        NC_(
            "revoke_expired",
            "Certificate {serial} has expired: it is no longer valid and cannot be revoked. Nothing was "
            "revoked.",
        ),
        # a service centre's decision on an application sent offline (eds_toolkit.operators.offline_decisions)
        NC_("offline_outcome_missing", "Choose the outcome: registered or refused."),
        NC_(
            "offline_checks_missing",
            "Tick every check: a registration at a service centre needs each of them seen in person.",
        ),
        NC_("offline_reason_invalid", "Choose the reason for the refusal from the list."),
        NC_("offline_note_missing", "Write a note: what was presented, and why it is refused."),
        NC_("offline_note_too_long", "The note is at most {limit} characters."),
        NC_(
            "party_to_application",
            "You are a party to this application (its applicant, the person registered or an owner of the "
            "address): another officer decides it. Nothing was changed.",
        ),
        NC_("invalid_list_kind", "Say whether the list holds serial numbers or IINs."),
        NC_("list_empty", "The list is empty: paste or upload serial numbers or IINs."),
        NC_("list_too_long", "The list is too long: one proposal takes at most {limit} entries."),
        NC_(
            "invalid_list_entry",
            "These entries are not serial numbers or IINs: {entries}. Nothing was proposed.",
        ),
        NC_(
            "unknown_entries",
            "No certificate in this CA's store matches these entries: {entries}. Nothing was proposed.",
        ),
        NC_("nothing_to_revoke", "None of these IINs has a valid certificate: there is nothing to revoke."),
        NC_("proposal_decided", "This proposal was already decided: nothing was changed."),
        NC_(
            "proposal_expired",
            "This proposal expired (a proposal waits 24 hours for a second administrator): propose it again.",
        ),
        NC_("own_proposal", "You proposed this bulk revocation: another CA administrator must approve it."),
        NC_("proposal_not_found", "There is no such bulk revocation proposal."),
        NC_("invalid_window", "Choose 7, 30 or 90 days."),
        # the operators' console: identification reviews and the audit log
        NC_("decision_missing", "Choose to accept or to refuse."),
        NC_("note_required", "Write a note saying why you decide so."),
        NC_("note_too_long", "The note is at most {limit} characters."),
        NC_("review_decided", "This review was already decided (by you or another officer)."),
        NC_("own_review", "An officer cannot decide the review of their own identification."),
        NC_(
            "review_enrolment_ended", "The enrolment of this review has ended; the citizen must start again."
        ),
        NC_("review_not_found", "There is no such identification review."),
        NC_("picture_not_found", "This picture is not kept any more: the review was decided."),
        NC_("invalid_time", "Give the time as a date and a time of day."),
        NC_("invalid_time_range", "The time range ends before it starts."),
        NC_("invalid_operator", "Choose an operator from the list."),
    ]
)

# the registration rules' codes (refused, returned, sent to a service centre...) and the filing refusals
ERROR_TEXTS.update(DECISION_TEXTS)

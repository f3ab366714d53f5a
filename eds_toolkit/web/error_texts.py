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
    ]
)

# the registration rules' codes (refused, returned, sent to a service centre...) and the filing refusals
ERROR_TEXTS.update(DECISION_TEXTS)

"""SMS notices to the number on record: the owner of an IIN hears of every phone change, PIN reset and
issuance in their name, whoever did it.

A notice is handed to the delivery worker (``ctx.deliveries``) after the step's transaction has
committed and sent after the answer, so the answer takes as long whether or not the IIN has a number
on record. It is best effort: a provider failure is logged and audited (``owner_notice`` refused,
``sms_failed``), never undoes the step. The audit event names the kind of notice and the masked
number, never the text (a phone-change notice carries a code).
"""

from __future__ import annotations

import datetime as dt
import logging

from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.sms import DEFAULT_SENDER, SmsDeliveryError, mask_phone
from eds_toolkit.translations import N_, gettext_in

log = logging.getLogger("eds_toolkit.flow")

# kind -> the SMS; {tail} is the IIN's last 4 digits
_TEXTS: dict[str, str] = {
    # TRANSLATORS: an SMS; {new} is the masked new number, {url} the page to stop the change
    "phone_change": N_(
        "eds: someone is changing the phone number of IIN ...{tail} to {new} to get an EDS. "
        "If it is you, code {code} confirms it now. If not, stop it at {url} with this code: nothing "
        "takes effect before {release}."
    ),
    # TRANSLATORS: an SMS
    "pin_reset": N_(
        "eds: the Digital ID PIN of IIN ...{tail} was changed after remote identification. Not you? "
        "Call 1414 or visit a service centre."
    ),
    # TRANSLATORS: an SMS; {superseded} is empty or the sentence "; your earlier certificates were revoked"
    "certificates_issued": N_(
        "eds: EDS certificates (AUTH and SIGN) were issued for IIN ...{tail}{superseded}. Not you? "
        "Call 1414 or visit a service centre to revoke them."
    ),
}
# TRANSLATORS: fills {superseded} in the SMS "eds: EDS certificates (AUTH and SIGN) were issued ..."
_SUPERSEDED = N_("; your earlier certificates were revoked")


def notice_text(kind: str, language: str, *, iin: str, **params: object) -> str:
    """The notice ``kind`` in ``language`` (en, kk, ru; others English). It may hold a code: never log it."""
    superseded = gettext_in(language, _SUPERSEDED) if params.pop("superseded", False) else ""
    release = params.pop("release", None)
    if isinstance(release, dt.datetime):
        params["release"] = release.astimezone(dt.UTC).strftime("%d.%m.%Y %H:%M UTC")
    return gettext_in(language, _TEXTS[kind], tail=iin[-4:], superseded=superseded, **params)


def notify_owner(
    ctx: ServiceContext,
    *,
    phone: str | None,
    kind: str,
    iin: str,
    enrolment_id: str | None,
    language: str | None,
    **params: object,
) -> None:
    """Queue the notice ``kind`` to ``phone`` (the number on record); sent and audited after the answer."""
    if not phone:
        return
    text = notice_text(kind, language or "en", iin=iin, **params)

    def send() -> None:
        try:
            ctx.sms.send(phone, text, sender=DEFAULT_SENDER)
            sent = True
        except SmsDeliveryError:
            log.error("The %s notice to the number on record could not be sent.", kind)
            sent = False
        with ctx.session() as session:
            audit.record(
                ctx,
                session,
                iin=iin,
                action="owner_notice",
                outcome=audit.OK if sent else audit.REFUSED,
                enrolment_id=enrolment_id,
                reason=kind if sent else "sms_failed",
                detail={"kind": kind, "to": mask_phone(phone)},
            )
            session.commit()

    ctx.deliveries.submit(phone, send)

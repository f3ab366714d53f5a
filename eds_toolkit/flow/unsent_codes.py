"""Codes whose SMS was never sent: the process that committed them died before sending (kill -9, a
crash, a deploy), after telling the citizen "we sent you a code".

Every web process looks for them every few seconds (:class:`UnsentCodeSweeper`, started by ``eds serve``
and ``eds_toolkit.wsgi``) and, for each that waited longer than a send ever takes, sends a new code beside
it: the citizen gets the SMS they were promised without pressing "send again". The dead process may
have handed its SMS to the provider just before dying, so its code keeps working too (until it expires):
whichever SMS the citizen reads, its code works. Several processes may look at once; one of them wins
each code (``otp.reissue_unsent_code`` is a conditional update).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from eds_toolkit import otp
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import ServiceUnavailable
from eds_toolkit.db import DATABASE_DOWN
from eds_toolkit.flow.codes import PendingSms, deliver
from eds_toolkit.flow.machine import FINAL_STATES
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.sms import mask_phone

log = logging.getLogger(__name__)


def send_unsent_codes(ctx: ServiceContext, *, waited: dt.timedelta) -> int:
    """Send a fresh code for every enrolment code unsent for longer than ``waited``; how many were sent.
    Codes of other keys (a registration application's owner consent) are left to their own step."""
    now = ctx.clock.now()
    with ctx.session() as session:
        found = [
            (row.id, row.enrolment_id)
            for row in otp.unsent_codes(session, waited_since=now - waited, now=now)
        ]
    sent = 0
    for row_id, enrolment_id in found:
        with ctx.session() as session:
            enrolment = session.get(Enrolment, enrolment_id)
            row = session.get(otp.OneTimeCode, row_id)
            if enrolment is None or enrolment.state in FINAL_STATES or row is None:
                continue
            reissued = otp.reissue_unsent_code(session, row, clock=ctx.clock, secret=ctx.otp_key)
            if reissued is None:  # another process took it, or it was sent or used meanwhile
                continue
            fresh, code = reissued
            pending = PendingSms(
                code_row_id=fresh.id,
                phone=fresh.phone,
                text=otp.sms_text(code, language=enrolment.language or "en"),
                key=enrolment_id,
                purpose=fresh.purpose,
                ends_earlier=False,
            )
            session.commit()
        try:
            deliver(ctx, pending)
        except ServiceUnavailable:
            log.warning("an unsent code to %s could not be sent again: withdrawn", mask_phone(pending.phone))
            continue
        log.info("a code to %s that was never sent was sent again", mask_phone(pending.phone))
        sent += 1
    return sent


class UnsentCodeSweeper(threading.Thread):
    """A daemon thread running :func:`send_unsent_codes` every ``every`` seconds."""

    def __init__(self, ctx: ServiceContext, *, waited: dt.timedelta, every: float) -> None:
        super().__init__(name="unsent-codes", daemon=True)
        self.ctx, self.waited, self.every = ctx, waited, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                send_unsent_codes(self.ctx, waited=self.waited)
            except DATABASE_DOWN:  # the next round tries again
                log.warning("unsent codes not checked: the database is unavailable")
            except Exception:  # never let the thread die: the next round tries again
                log.exception("checking for unsent codes failed")

    def stop(self) -> None:
        self.stopped.set()

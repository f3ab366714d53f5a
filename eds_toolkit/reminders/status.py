"""A renewal wave at a glance: the pairs expiring around now, how many were reminded, renewed, lost."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ca.store import pair_expiry_counts
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.reminder_models import SENT, RenewalReminder
from eds_toolkit.reminders.schedule import ReminderPolicy


@dataclass(frozen=True)
class WaveStatus:
    """Pairs (counted by their AUTH certificate) whose expiry is within ``days`` of ``now``, either side.

    ``pairs``: due (valid, not expired), due_within_<n>, renewed (superseded by a new pair),
    expired_unrenewed, revoked (another reason). ``reminded``: pairs with at least one reminder sent.
    ``reminders``: ``{days_before: {state or state/reason: count}}``.
    """

    now: dt.datetime
    days: int
    pairs: dict[str, int]
    reminded: int
    reminders: dict[int, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "now": self.now.isoformat(),
            "window_days": self.days,
            **self.pairs,
            "reminded": self.reminded,
            "reminders": {str(days): counts for days, counts in sorted(self.reminders.items(), reverse=True)},
        }


def wave_status(ctx: ServiceContext, policy: ReminderPolicy, *, days: int = 30) -> WaveStatus:
    """The wave of pairs expiring between ``days`` ago and ``days`` from now."""
    now = ctx.now()
    since, until = now - dt.timedelta(days=days), now + dt.timedelta(days=days)
    within = sorted({d for d in policy.days if d <= days} | {days})
    window = (RenewalReminder.not_after > since, RenewalReminder.not_after <= until)
    with ctx.session() as session:
        pairs = pair_expiry_counts(session, since=since, until=until, now=now, within_days=within)
        reminded = session.scalar(
            select(func.count(func.distinct(RenewalReminder.auth_serial))).where(
                RenewalReminder.state == SENT, *window
            )
        )
        rows = session.execute(
            select(RenewalReminder.days_before, RenewalReminder.state, RenewalReminder.reason, func.count())
            .where(*window)
            .group_by(RenewalReminder.days_before, RenewalReminder.state, RenewalReminder.reason)
        )
        reminders: dict[int, dict[str, int]] = {}
        for days_before, state, reason, count in rows:
            key = f"{state}/{reason}" if reason and state != "retry" else state
            slot = reminders.setdefault(days_before, {})
            slot[key] = slot.get(key, 0) + count
    return WaveStatus(now=now, days=days, pairs=pairs, reminded=int(reminded or 0), reminders=reminders)

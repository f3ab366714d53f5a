"""A citizen's certificates as the pairs they were issued in: what the cabinet renews and revokes.

A pair is the AUTH and SIGN certificate stored under one ``enrolment_id`` (an enrolment, a replacement
``<id>~r<n>`` or a renewal ``renewal-<challenge>``); a certificate issued on its own (an operator's
``eds ca issue``) is a pair of one. The page names a pair by its ``key``: the AUTH serial, else the SIGN's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ca.store import CertificateRecord, valid_certificates_of
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.machine import aware

RENEWAL_DUE_DAYS = 30
"""The cabinet highlights renewal this many days before the AUTH certificate expires."""


@dataclass(frozen=True)
class CertificatePair:
    """One pair: its AUTH and SIGN records (either may be missing for a certificate issued alone)."""

    auth: CertificateRecord | None
    sign: CertificateRecord | None

    @property
    def key(self) -> str:
        """How the pages name the pair: its AUTH serial, else its SIGN serial."""
        return (self.auth or self.sign).serial

    @property
    def records(self) -> list[CertificateRecord]:
        return [row for row in (self.auth, self.sign) if row is not None]

    @property
    def not_after(self) -> dt.datetime:
        """When the first of its certificates expires."""
        return min(aware(row.not_after) for row in self.records)

    def renewal_due(self, now: dt.datetime, days: int = RENEWAL_DUE_DAYS) -> bool:
        """The AUTH certificate is valid and expires within ``days`` days."""
        return (
            self.auth is not None
            and self.auth.status_at(now) == "valid"
            and aware(self.auth.not_after) - now <= dt.timedelta(days=days)
        )


def pairs_of(records: list[CertificateRecord]) -> list[CertificatePair]:
    """``records`` grouped into pairs, in the order their first certificate comes in ``records``."""
    grouped: dict[str, list[CertificateRecord]] = {}
    for row in records:
        grouped.setdefault(row.enrolment_id or f"serial:{row.serial}", []).append(row)
    pairs = []
    for rows in grouped.values():
        by_profile = {row.profile: row for row in rows}
        pairs.append(CertificatePair(auth=by_profile.get("auth"), sign=by_profile.get("sign")))
    return pairs


def valid_pairs(ctx: ServiceContext, iin: str) -> list[CertificatePair]:
    """The citizen's pairs with at least one valid certificate, newest first (only its valid members)."""
    with ctx.session() as session:
        rows = valid_certificates_of(session, iin, ctx.now())
    return list(reversed(pairs_of(rows)))


def renewable_pair(ctx: ServiceContext, iin: str) -> CertificatePair | None:
    """The newest pair whose AUTH certificate is valid now: the one renewal signs with; None if none."""
    return next((pair for pair in valid_pairs(ctx, iin) if pair.auth is not None), None)

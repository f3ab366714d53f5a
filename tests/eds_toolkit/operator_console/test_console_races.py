"""Operators acting at the same moment, on SQLite and on a real PostgreSQL: of administrators approving
one bulk revocation together, one approves and the others are told it was decided; of two revoking
one pair together, one revokes and the other is refused. Nothing is revoked twice."""

from __future__ import annotations

import pytest
from console_certificates_helpers import events, issue_pair, make_console_operator, person_iin, serial_of
from flow_helpers import make_settings, race
from pg_server import empty_database, running_postgres

from eds_toolkit.operators import bulk_revocation as bulk
from eds_toolkit.operators.registry import operator_by_iin
from eds_toolkit.operators.revocation import pair_of, revocation_request, revoke
from eds_toolkit.operators.signin import SignedIn
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from tests.eds_toolkit.certificate_renewal.renewal_helpers import status_of


@pytest.fixture(scope="module")
def postgres():
    with running_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ctx(request, home, clock):
    """The service's context on SQLite, or on an empty database of a PostgreSQL started for the module."""
    overrides = {}
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        empty_database(server.url)
        overrides["database_url"] = server.url
    return service(create_app(make_settings(home, clock, **overrides))).flow


def signed(ctx, n: int, name: str) -> SignedIn:
    """A CA administrator as a live session knows them (who, and the AUTH certificate used)."""
    operator = make_console_operator(ctx, n, "ca_admin", name)
    return SignedIn(operator_by_iin(ctx, operator.iin), operator.holder.auth_serial)


def test_three_administrators_approving_at_once_revoke_once(ctx):
    proposer = signed(ctx, 61, "Ұсынушы Бауыржан")
    approvers = iter(
        [signed(ctx, 62, "Бірінші Ерік"), signed(ctx, 63, "Екінші Гүлмира"), signed(ctx, 64, "Үшінші Нұрлан")]
    )
    holders = [issue_pair(ctx, person_iin(n)) for n in (14, 15)]
    serials = [serial_of(c) for h in holders for c in (h.auth, h.sign)]
    made = bulk.propose(ctx, proposer, "\n".join(serials), "serials", "key_compromise", "Приказ №9")
    outcomes = race(3, lambda: bulk.approve(ctx, next(approvers), made.id))
    assert sorted(outcomes) == ["ok", "proposal_decided", "proposal_decided"]
    assert all(status_of(ctx, s) == ("revoked", "key_compromise") for s in serials)
    assert len(events(ctx, "operator_bulk_revoke")) == 2  # one per holder, once
    approved = [e for e in events(ctx, "bulk_revocation_approved") if e.outcome == "ok"]
    assert len(approved) == 1


def test_two_administrators_revoking_one_pair_at_once_revoke_it_once(ctx):
    admins = iter([signed(ctx, 65, "Бірінші Айжан"), signed(ctx, 66, "Екінші Тимур")])
    holder = issue_pair(ctx, person_iin(16))
    pair = pair_of(ctx, serial_of(holder.auth))
    reasons = iter(["key_compromise", "superseded"])
    requests = [
        revocation_request(pair, [r.serial for r in pair], next(reasons), "Заявление") for _ in range(2)
    ]
    asked = iter(requests)
    outcomes = race(2, lambda: revoke(ctx, next(admins), next(asked)))
    assert sorted(outcomes) == ["already_revoked", "ok"]
    first = status_of(ctx, serial_of(holder.auth))
    assert first[0] == "revoked" and status_of(ctx, serial_of(holder.sign)) == first  # one decision, both
    assert [e.outcome for e in events(ctx, "operator_revoke")].count("ok") == 1

"""Who opens which oversight page (reviews, audit log, CRL/OCSP status), by role, and what the menu lists;
no page shows a citizen's IIN in clear (the operator's own included) unless it was typed."""

from __future__ import annotations

import pytest
from operator_helpers import make_operator, sign_in
from oversight_helpers import SMAGULOVA, iins_shown, with_roles

from eds_toolkit.core import audit
from eds_toolkit.operators.registry import add_operator

PAGES = {"reviews": "/operator/reviews", "audit": "/operator/audit", "pki": "/operator/pki"}
OPENS = {
    "registration_officer": {"reviews"},
    "ca_admin": {"pki"},
    "auditor": {"audit", "pki"},
}


@pytest.fixture
def operator(client, ctx, outbox):
    return make_operator(client, ctx, outbox, roles="auditor")


def test_not_signed_in_every_page_sends_to_the_sign_in(client):
    for path in PAGES.values():
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/operator/login")


@pytest.mark.parametrize("role", sorted(OPENS))
def test_each_role_opens_its_pages_only_and_the_menu_lists_them(client, ctx, operator, role):
    with_roles(ctx, operator, role)
    assert sign_in(client, operator).status_code == 200
    menu = client.get("/operator/").get_data(as_text=True)
    for name, path in PAGES.items():
        expected = 200 if name in OPENS[role] else 403
        assert client.get(path).status_code == expected, (role, path)
        assert (f'href="{path}"' in menu) == (name in OPENS[role]), (role, path)


def test_no_page_shows_an_iin_in_clear(client, ctx, operator):
    """IINs reach the log's free text (here: an operator added by a colleague named by IIN)."""
    add_operator(ctx, SMAGULOVA.iin, SMAGULOVA.name, "auditor", added_by=f"IIN{operator.iin}")
    with ctx.session() as session:
        audit.record(
            ctx, session, iin=SMAGULOVA.iin, action="note", outcome="ok", detail={"who": SMAGULOVA.iin}
        )
        session.commit()
    with_roles(ctx, operator, "auditor,ca_admin,registration_officer")
    assert sign_in(client, operator).status_code == 200
    for path in ("/operator/", *PAGES.values()):
        page = client.get(path)
        assert page.status_code == 200
        assert iins_shown(page.get_data(as_text=True)) == [], path

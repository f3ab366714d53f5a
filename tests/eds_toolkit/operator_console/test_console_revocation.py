"""Revoking a citizen's pair from the console: the RFC 5280 reasons an operator may give, the review
step, the compare-and-set against a revocation that came first, and the audit of every attempt."""

from __future__ import annotations

import pytest
from console_certificates_helpers import (
    detail,
    events,
    form_csrf,
    issue_pair,
    make_console_operator,
    person_iin,
    serial_of,
    signed_in,
)
from cryptography import x509

from ca.crl import current_crl
from eds_toolkit.operators.registry import operator_by_iin
from tests.eds_toolkit.certificate_renewal.renewal_helpers import status_of

CITIZEN = 5
NOTE = "Заявление владельца №17: ключ украден вместе с ноутбуком"


@pytest.fixture
def admin(ctx):
    return make_console_operator(ctx, 80, "ca_admin", "Әкімшіұлы Дәурен")


@pytest.fixture
def citizen(ctx):
    return issue_pair(ctx, person_iin(CITIZEN), surname="Оспанова", given_name="Дана")


def revoke_path(serial: str) -> str:
    return f"/operator/certificates/{serial}/revoke"


def review(client, serial: str, **fields):
    """The form's first step (review); returns the review page's answer."""
    token = form_csrf(client.get(revoke_path(serial)).get_data(as_text=True))
    return client.post(revoke_path(serial), data={"csrf_token": token, "step": "review", **fields})


def confirm(client, serial: str, **fields):
    token = form_csrf(client.get(revoke_path(serial)).get_data(as_text=True))
    return client.post(revoke_path(serial), data={"csrf_token": token, "step": "confirm", **fields})


def test_a_ca_admin_reviews_then_revokes_the_whole_pair(app, ctx, admin, citizen):
    client = signed_in(app, admin)
    auth, sign = serial_of(citizen.auth), serial_of(citizen.sign)
    form = client.get(revoke_path(auth)).get_data(as_text=True)
    assert f'value="{auth}" id="serial-{auth}"\n      checked' in form  # the whole pair by default
    assert f'value="{sign}" id="serial-{sign}"\n      checked' in form
    reviewed = review(client, auth, serials=[auth, sign], reason="key_compromise", note=NOTE)
    assert reviewed.status_code == 200
    page = reviewed.get_data(as_text=True)
    assert "2 in all" in page and "keyCompromise" in page and auth in page and sign in page
    assert status_of(ctx, auth) == ("valid", None)  # the review revokes nothing

    done = confirm(client, auth, serials=[auth, sign], reason="key_compromise", note=NOTE)
    assert done.status_code == 302 and done.headers["Location"] == f"/operator/certificates/{auth}"
    assert status_of(ctx, auth) == status_of(ctx, sign) == ("revoked", "key_compromise")

    event = events(ctx, "operator_revoke")[-1]
    assert event.outcome == "ok" and event.reason == "key_compromise"
    assert event.iin_hash == ctx.iin_hash(person_iin(CITIZEN))
    assert detail(event)["serials"] == [auth, sign] and detail(event)["note"] == NOTE
    assert detail(event)["operator_id"] == operator_by_iin(ctx, admin.iin).id
    assert detail(event)["operator_certificate"] == admin.holder.auth_serial

    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'id="revocation-done"' in page and "CRL number" in page
    assert 'id="ocsp-status" data-status="revoked"' in page
    assert 'id="crl-base" data-listed="yes"' in page  # a CRL was published at once
    assert "CA operator Әкімшіұлы Дәурен" in page and NOTE in page
    crl = x509.load_der_x509_crl(current_crl(ctx.ca(), "base"))
    listed = crl.get_revoked_certificate_by_serial_number(citizen.sign.serial_number)
    assert listed.extensions.get_extension_for_class(x509.CRLReason).value.reason.value == "keyCompromise"


def test_only_the_chosen_certificate_of_the_pair_is_revoked(app, ctx, admin, citizen):
    client = signed_in(app, admin)
    auth, sign = serial_of(citizen.auth), serial_of(citizen.sign)
    assert confirm(client, auth, serials=[sign], reason="affiliation_changed", note=NOTE).status_code == 302
    assert status_of(ctx, sign) == ("revoked", "affiliation_changed")
    assert status_of(ctx, auth) == ("valid", None)


@pytest.mark.parametrize(
    "reason",
    ["certificate_hold", "remove_from_crl", "aa_compromise", "ca_compromise", "unspecified", "", "x"],
)
def test_a_reason_an_operator_may_not_give_is_refused(app, ctx, admin, citizen, reason):
    client = signed_in(app, admin)
    auth = serial_of(citizen.auth)
    answer = confirm(client, auth, serials=[auth], reason=reason, note=NOTE)
    assert answer.status_code == 422
    assert "Choose the reason" in answer.get_data(as_text=True)
    assert status_of(ctx, auth) == ("valid", None)


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"reason": "key_compromise", "note": "   "}, "Write a note"),
        ({"reason": "key_compromise", "note": "x" * 1001}, "at most 1000"),
        ({"reason": "superseded", "note": NOTE, "serials": []}, "at least one certificate"),
        ({"reason": "superseded", "note": NOTE, "serials": ["ab" * 20]}, "pair partner"),
    ],
)
def test_bad_revocation_input_is_refused_and_revokes_nothing(app, ctx, admin, citizen, fields, said):
    client = signed_in(app, admin)
    auth, sign = serial_of(citizen.auth), serial_of(citizen.sign)
    answer = confirm(client, auth, **{"serials": [auth, sign], **fields})
    assert answer.status_code == 422
    assert said in answer.get_data(as_text=True)
    assert status_of(ctx, auth) == status_of(ctx, sign) == ("valid", None)


def test_a_certificate_revoked_meanwhile_refuses_the_whole_request(app, ctx, admin, citizen):
    """The second administrator confirms what the first one already revoked: a clear refusal, and the
    partner stays as it was (all or nothing), the refusal audited."""
    other = make_console_operator(ctx, 81, "ca_admin", "Екіншіқызы Мәдина")
    first, second = signed_in(app, other), signed_in(app, admin)
    auth, sign = serial_of(citizen.auth), serial_of(citizen.sign)
    assert review(second, auth, serials=[auth, sign], reason="superseded", note=NOTE).status_code == 200
    assert confirm(first, auth, serials=[auth], reason="key_compromise", note=NOTE).status_code == 302
    late = confirm(second, auth, serials=[auth, sign], reason="superseded", note=NOTE)
    assert late.status_code == 409
    assert "already revoked" in late.get_data(as_text=True) and "keyCompromise" in late.get_data(as_text=True)
    assert status_of(ctx, auth) == ("revoked", "key_compromise")
    assert status_of(ctx, sign) == ("valid", None)
    refused = events(ctx, "operator_revoke")[-1]
    assert refused.outcome == "refused" and refused.reason == "already_revoked"
    assert detail(refused)["operator_id"] == operator_by_iin(ctx, admin.iin).id


def test_an_expired_certificate_is_not_revoked(app, ctx, admin, citizen):
    from console_certificates_helpers import set_not_after

    client = signed_in(app, admin)
    auth = serial_of(citizen.auth)
    form = client.get(revoke_path(auth)).get_data(as_text=True)
    set_not_after(ctx, auth, ctx.now())
    answer = client.post(
        revoke_path(auth),
        data={
            "csrf_token": form_csrf(form),
            "step": "confirm",
            "serials": [auth],
            "reason": "superseded",
            "note": NOTE,
        },
    )
    assert answer.status_code == 409 and "has expired" in answer.get_data(as_text=True)
    assert status_of(ctx, auth) == ("valid", None)


def test_an_auditor_and_a_registration_officer_cannot_revoke(app, ctx, citizen):
    auth = serial_of(citizen.auth)
    for n, role, name in ((82, "auditor", "Оқырман Берік"), (83, "registration_officer", "Тіркеуші Нұрлан")):
        client = signed_in(app, make_console_operator(ctx, n, role, name))
        assert client.get(revoke_path(auth)).status_code == 403
        token = form_csrf(client.get("/operator/").get_data(as_text=True))  # the sign-out form's
        answer = client.post(
            revoke_path(auth),
            data={
                "csrf_token": token,
                "step": "confirm",
                "serials": [auth],
                "reason": "superseded",
                "note": NOTE,
            },
        )
        assert answer.status_code == 403
        assert status_of(ctx, auth) == ("valid", None)


def test_a_revocation_without_the_form_token_is_refused(app, ctx, admin, citizen):
    client = signed_in(app, admin)
    auth = serial_of(citizen.auth)
    answer = client.post(
        revoke_path(auth),
        data={"step": "confirm", "serials": [auth], "reason": "key_compromise", "note": NOTE},
    )
    assert answer.status_code == 400
    assert "Reload the page" in answer.get_data(as_text=True)
    assert status_of(ctx, auth) == ("valid", None)
    forged = client.post(
        revoke_path(auth),
        data={
            "csrf_token": "forged",
            "step": "confirm",
            "serials": [auth],
            "reason": "key_compromise",
            "note": NOTE,
        },
    )
    assert forged.status_code == 400 and status_of(ctx, auth) == ("valid", None)


def test_revoking_an_unknown_serial_is_not_found(app, admin):
    client = signed_in(app, admin)
    assert client.get(revoke_path("cd" * 20)).status_code == 404


def test_when_the_crl_cannot_be_published_the_revocation_stands(ctx, admin, citizen):
    """The CA (its keys) unavailable after the revocation committed: the operator is told the next
    scheduled CRL lists it, and OCSP (read from the store) already answers revoked."""
    from dataclasses import replace

    from ca.errors import CAError
    from eds_toolkit.operators.revocation import pair_of, revocation_request, revoke
    from eds_toolkit.operators.signin import SignedIn

    def ca_unavailable():
        raise CAError("The CA's keys cannot be loaded.")

    pair = pair_of(ctx, serial_of(citizen.auth))
    asked = revocation_request(pair, [row.serial for row in pair], "key_compromise", NOTE)
    who = SignedIn(operator_by_iin(ctx, admin.iin), admin.holder.auth_serial)
    done = revoke(replace(ctx, ca=ca_unavailable), who, asked)
    assert done.crl_number is None and done.serials == (serial_of(citizen.auth), serial_of(citizen.sign))
    assert status_of(ctx, serial_of(citizen.auth)) == ("revoked", "key_compromise")
    assert current_crl(ctx.ca(), "base") is None  # nothing was published

"""Bulk revocation by two people: one CA administrator proposes, a different one approves (or rejects)
within 24 hours, and only then is anything revoked, in one transaction."""

from __future__ import annotations

import io

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
    store_rows,
)
from operator_helpers import Operator

from eds_toolkit.operators.registry import add_operator, operator_by_iin
from tests.eds_toolkit.certificate_renewal.renewal_helpers import status_of

NOTE = "Приказ №4: утечка ключей на рабочих станциях отдела"
BULK = "/operator/bulk-revocations"


@pytest.fixture
def proposer(ctx):
    return make_console_operator(ctx, 70, "ca_admin", "Ұсынушы Айдос")


@pytest.fixture
def approver(ctx):
    return make_console_operator(ctx, 71, "ca_admin", "Бекітуші Гүлнар")


@pytest.fixture
def holders(ctx):
    """Three citizens with a pair each (people 10, 11, 12)."""
    return [issue_pair(ctx, person_iin(n)) for n in (10, 11, 12)]


def propose(client, entries: str, *, kind: str = "serials", reason: str = "key_compromise", note: str = NOTE):
    token = form_csrf(client.get(BULK).get_data(as_text=True))
    return client.post(
        BULK, data={"csrf_token": token, "kind": kind, "entries": entries, "reason": reason, "note": note}
    )


def proposal_id(answer) -> int:
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def decide(client, number: int, decision: str, **fields):
    token = form_csrf(client.get(f"{BULK}/{number}").get_data(as_text=True))
    return client.post(f"{BULK}/{number}/{decision}", data={"csrf_token": token, **fields})


def test_one_administrator_proposes_and_another_approves(app, ctx, proposer, approver, holders):
    first, second = signed_in(app, proposer), signed_in(app, approver)
    serials = [serial_of(h.auth) for h in holders] + [serial_of(holders[0].sign)]
    ctx.ca().store.revoke(serials[1], reason="superseded")  # revoked before: reported, not an error
    number = proposal_id(propose(first, "\n".join(s.upper() for s in serials)))
    assert all(status_of(ctx, s)[1] != "key_compromise" for s in serials)  # proposed, nothing revoked

    page = second.get(f"{BULK}/{number}").get_data(as_text=True)
    assert 'data-state="pending"' in page and 'id="approve"' in page and NOTE in page
    assert all(s in page for s in serials)

    approved = decide(second, number, "approve")
    assert approved.status_code == 302
    assert [status_of(ctx, s) for s in serials] == [
        ("revoked", "key_compromise"),
        ("revoked", "superseded"),  # the earlier revocation stands
        ("revoked", "key_compromise"),
        ("revoked", "key_compromise"),
    ]
    assert status_of(ctx, serial_of(holders[1].sign)) == ("valid", None)  # not listed: untouched
    page = second.get(approved.headers["Location"]).get_data(as_text=True)
    assert 'data-state="approved"' in page and "3 revoked; 1 were no longer valid" in page
    assert '<dd id="revoked-count">3</dd>' in page and serials[1] in page

    by_holder = events(ctx, "operator_bulk_revoke")
    assert sorted(e.iin_hash for e in by_holder) == sorted(ctx.iin_hash(person_iin(n)) for n in (10, 12))
    first_holder = next(e for e in by_holder if e.iin_hash == ctx.iin_hash(person_iin(10)))
    assert sorted(detail(first_holder)["serials"]) == sorted([serials[0], serials[3]])
    assert detail(first_holder)["operator_id"] == operator_by_iin(ctx, approver.iin).id
    assert detail(first_holder)["proposed_by"] == operator_by_iin(ctx, proposer.iin).id
    summary = events(ctx, "bulk_revocation_approved")[-1]
    assert (detail(summary)["revoked"], detail(summary)["not_revoked"]) == (3, 1)
    assert events(ctx, "bulk_revocation_proposed")[-1].iin_hash == ctx.iin_hash(proposer.iin)

    certificate_page = second.get(f"/operator/certificates/{serials[0]}").get_data(as_text=True)
    assert "bulk revocation approved by Бекітуші Гүлнар" in certificate_page
    assert 'id="ocsp-status" data-status="revoked"' in certificate_page
    assert 'id="crl-base" data-listed="yes"' in certificate_page


def test_a_long_list_is_shown_in_part_and_revoked_whole(app, ctx, proposer, approver):
    serials = store_rows(ctx, 620)  # more than a page shows, more than one statement's 500
    number = proposal_id(propose(signed_in(app, proposer), "\n".join(serials)))
    second = signed_in(app, approver)
    page = second.get(f"{BULK}/{number}").get_data(as_text=True)
    assert page.count('<tr data-serial="') == 500 and "…and 120 more (the first 500 are shown)." in page
    assert decide(second, number, "approve").status_code == 302
    assert all(status_of(ctx, s) == ("revoked", "key_compromise") for s in (serials[0], serials[-1]))
    assert len(events(ctx, "operator_bulk_revoke")) == 620  # one per holder
    assert '<dd id="revoked-count">620</dd>' in second.get(f"{BULK}/{number}").get_data(as_text=True)


def test_the_proposer_cannot_approve_their_own_proposal(app, ctx, proposer, holders):
    client = signed_in(app, proposer)
    serial = serial_of(holders[0].auth)
    number = proposal_id(propose(client, serial))
    page = client.get(f"{BULK}/{number}").get_data(as_text=True)
    assert 'id="own-proposal"' in page and 'id="approve"' not in page
    answer = decide(client, number, "approve")  # the form is not offered; posted anyway
    assert answer.status_code == 403
    assert "another CA administrator must approve it" in answer.get_data(as_text=True)
    assert status_of(ctx, serial) == ("valid", None)
    refused = events(ctx, "bulk_revocation_approved")[-1]
    assert refused.outcome == "refused" and refused.reason == "own_proposal"


def test_the_proposer_with_another_auth_certificate_is_still_the_proposer(app, ctx, proposer, holders):
    """Operators are one per person (IIN): a second AUTH certificate of the proposer, and adding the
    same IIN again, make no second operator who could approve."""
    number = proposal_id(propose(signed_in(app, proposer), serial_of(holders[0].auth)))
    again = add_operator(ctx, proposer.iin, "Ұсынушы Айдос", "ca_admin", added_by="tests")
    assert again.id == operator_by_iin(ctx, proposer.iin).id
    second_pair = issue_pair(ctx, proposer.iin, surname="Ұсынушы", given_name="Айдос", generation="b")
    other_certificate = signed_in(app, Operator(proposer.iin, second_pair))
    answer = decide(other_certificate, number, "approve")
    assert answer.status_code == 403
    assert status_of(ctx, serial_of(holders[0].auth)) == ("valid", None)
    refused = events(ctx, "bulk_revocation_approved")[-1]
    assert detail(refused)["operator_certificate"] == serial_of(second_pair.auth)


def test_an_iin_list_stands_for_each_iins_valid_certificates(app, ctx, proposer, approver, holders):
    ctx.ca().store.revoke(serial_of(holders[1].sign), reason="superseded")
    first = signed_in(app, proposer)
    number = proposal_id(propose(first, f"{person_iin(10)}, {person_iin(11)}", kind="iins"))
    page = first.get(f"{BULK}/{number}").get_data(as_text=True)
    assert "2 IINs" in page
    expected = [serial_of(holders[0].auth), serial_of(holders[0].sign), serial_of(holders[1].auth)]
    assert (
        all(s in page for s in expected)
        and serial_of(holders[1].sign) not in page.split("The certificates")[1]
    )
    assert decide(signed_in(app, approver), number, "approve").status_code == 302
    assert all(status_of(ctx, s) == ("revoked", "key_compromise") for s in expected)
    assert status_of(ctx, serial_of(holders[2].auth)) == ("valid", None)


def test_a_list_can_be_uploaded_as_a_file(app, ctx, proposer, holders):
    client = signed_in(app, proposer)
    token = form_csrf(client.get(BULK).get_data(as_text=True))
    content = "\ufeff" + "\r\n".join(serial_of(h.sign) for h in holders) + "\r\n"
    answer = client.post(
        BULK,
        data={
            "csrf_token": token,
            "kind": "serials",
            "entries": "",
            "reason": "cessation_of_operation",
            "note": NOTE,
            "file": (io.BytesIO(content.encode("utf-8")), "serials.txt", "text/plain"),
        },
        content_type="multipart/form-data",
    )
    number = proposal_id(answer)
    page = client.get(f"{BULK}/{number}").get_data(as_text=True)
    assert "3 serial numbers" in page and "cessationOfOperation" in page


@pytest.mark.parametrize(
    ("entries", "kind", "said"),
    [
        ("", "serials", "The list is empty"),
        (" \n , ; ", "serials", "The list is empty"),
        ("zz-not-hex", "serials", "not serial numbers"),
        ("ab" * 20, "serials", "No certificate in this CA&#39;s store has these serial numbers"),
        ("850314312018", "iins", "not valid IINs"),
        ("900101300017", "iins", "No certificate in this CA&#39;s store has these IINs"),
        ("850314312017", "lines", "serial numbers or IINs"),
    ],
)
def test_a_bad_list_proposes_nothing(app, ctx, proposer, holders, entries, kind, said):
    client = signed_in(app, proposer)
    answer = propose(client, entries, kind=kind)
    assert answer.status_code == 422
    assert said in answer.get_data(as_text=True)
    assert events(ctx, "bulk_revocation_proposed") == []


@pytest.mark.parametrize(("reason", "note"), [("certificate_hold", NOTE), ("", NOTE), ("key_compromise", "")])
def test_a_proposal_needs_an_operators_reason_and_a_note(app, ctx, proposer, holders, reason, note):
    answer = propose(signed_in(app, proposer), serial_of(holders[0].auth), reason=reason, note=note)
    assert answer.status_code == 422
    assert events(ctx, "bulk_revocation_proposed") == []


def test_an_iin_list_with_nothing_valid_is_refused(app, ctx, proposer, holders):
    for certificate in (holders[0].auth, holders[0].sign):
        ctx.ca().store.revoke(serial_of(certificate), reason="superseded")
    answer = propose(signed_in(app, proposer), person_iin(10), kind="iins")
    assert answer.status_code == 422 and "nothing to revoke" in answer.get_data(as_text=True)


def test_a_proposal_expires_after_24_hours(app, ctx, clock, proposer, approver, holders):
    number = proposal_id(propose(signed_in(app, proposer), serial_of(holders[0].auth)))
    clock.advance(24 * 3600)
    late = signed_in(app, approver)  # the earlier sessions ended long ago
    assert 'data-state="expired"' in late.get(BULK).get_data(as_text=True)
    answer = decide(late, number, "approve")
    assert answer.status_code == 409 and "expired" in answer.get_data(as_text=True)
    assert status_of(ctx, serial_of(holders[0].auth)) == ("valid", None)


def test_a_rejected_proposal_revokes_nothing_and_cannot_be_approved(app, ctx, proposer, approver, holders):
    number = proposal_id(propose(signed_in(app, proposer), serial_of(holders[0].auth)))
    second = signed_in(app, approver)
    rejected = decide(second, number, "reject", note="Не тот список")
    assert rejected.status_code == 302
    page = second.get(f"{BULK}/{number}").get_data(as_text=True)
    assert 'data-state="rejected"' in page and "Не тот список" in page
    third = signed_in(app, make_console_operator(ctx, 72, "ca_admin", "Үшінші Марат"))
    answer = decide(third, number, "approve")
    assert answer.status_code == 409 and "already rejected" in answer.get_data(as_text=True)
    assert status_of(ctx, serial_of(holders[0].auth)) == ("valid", None)


def test_the_proposer_may_withdraw(app, ctx, proposer, holders):
    client = signed_in(app, proposer)
    number = proposal_id(propose(client, serial_of(holders[0].auth)))
    assert decide(client, number, "reject").status_code == 302
    assert detail(events(ctx, "bulk_revocation_rejected")[-1])["withdrawn"] is True


def test_an_auditor_and_a_registration_officer_have_no_bulk_revocation(app, ctx, proposer, holders):
    number = proposal_id(propose(signed_in(app, proposer), serial_of(holders[0].auth)))
    for n, role, name in ((73, "auditor", "Тексеруші Ерлан"), (74, "registration_officer", "Тіркеуші Әлия")):
        client = signed_in(app, make_console_operator(ctx, n, role, name))
        assert client.get(BULK).status_code == 403
        assert client.get(f"{BULK}/{number}").status_code == 403
        token = form_csrf(client.get("/operator/").get_data(as_text=True))
        assert client.post(f"{BULK}/{number}/approve", data={"csrf_token": token}).status_code == 403
        assert client.post(BULK, data={"csrf_token": token, "entries": "x"}).status_code == 403
    assert status_of(ctx, serial_of(holders[0].auth)) == ("valid", None)


def test_an_approval_without_the_form_token_is_refused(app, ctx, proposer, approver, holders):
    number = proposal_id(propose(signed_in(app, proposer), serial_of(holders[0].auth)))
    second = signed_in(app, approver)
    assert second.post(f"{BULK}/{number}/approve").status_code == 400
    assert status_of(ctx, serial_of(holders[0].auth)) == ("valid", None)


def test_an_unknown_proposal_is_not_found(app, approver):
    client = signed_in(app, approver)
    assert client.get(f"{BULK}/999").status_code == 404
    assert client.get(f"{BULK}/not-a-number").status_code == 404
    token = form_csrf(client.get(BULK).get_data(as_text=True))
    assert client.post(f"{BULK}/999/approve", data={"csrf_token": token}).status_code == 404

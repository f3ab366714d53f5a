"""Helpers for the console tests: an operator holding a real AUTH certificate of the test CA, and
signing in as the page does (challenge, CMS by the AUTH key, POST)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flow_helpers import KNOWN_IIN, csrf

from eds_toolkit.operators.registry import add_operator
from tests.eds_toolkit.certificate_renewal.renewal_helpers import Holder, enrol_and_issue


@dataclass
class Operator:
    iin: str
    holder: Holder


def make_operator(client, ctx, outbox: Path, *, roles: str, iin: str = KNOWN_IIN) -> Operator:
    """A demo citizen enrolled through the API (so holding a real pair), made an operator."""
    holder = enrol_and_issue(client, ctx, outbox)
    add_operator(ctx, iin, "Асан Тестов", roles, added_by="tests")
    return Operator(iin, holder)


def page_csrf(client, path: str = "/operator/login") -> str:
    """The CSRF token the page hands its script (``data-csrf``)."""
    page = client.get(path)
    match = re.search(r'data-csrf="([^"]+)"', page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def challenge(client) -> dict:
    token = page_csrf(client)
    answer = client.post("/operator/login/challenge", headers={"X-CSRFToken": token})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {**answer.get_json(), "csrf": token}


def post_signature(client, issued: dict, cms_base64: str, next_path: str = ""):
    return client.post(
        "/operator/login",
        data={"challenge_id": issued["id"], "signed_challenge": cms_base64, "next": next_path},
        headers={"X-CSRFToken": issued["csrf"]},
    )


def sign_in(client, operator: Operator, *, profile: str = "auth", next_path: str = ""):
    """The page's sign-in: a challenge, signed by the operator's key (AUTH unless ``profile``)."""
    import base64

    issued = challenge(client)
    data = base64.b64decode(issued["challenge_base64"])
    return post_signature(client, issued, operator.holder.cms_base64(data, profile=profile), next_path)


def sign_out(client) -> None:
    """The console's sign-out button (its form's CSRF token)."""
    answer = client.post("/operator/logout", data={"csrf_token": csrf(client, "/operator/")})
    assert answer.status_code == 302

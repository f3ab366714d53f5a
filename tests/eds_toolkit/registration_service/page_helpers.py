"""Helpers for the cabinet's residence pages: citizens with a Digital ID account, signed in as a browser
signs in, forms posted with their CSRF token."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from flow_helpers import GOOD_PIN, code_for
from registration_helpers import APPLICANT_IIN, APPLICANT_PHONE

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')


def open_account(client, ctx, outbox, iin: str = APPLICANT_IIN, phone: str = APPLICANT_PHONE) -> None:
    """A Digital ID account with ``GOOD_PIN`` for ``iin`` (enrolment API to pin_set; identification
    through the evidence-free library shortcut)."""
    from tests.evidence_free import mark_identified

    started = client.post("/api/v1/enrolments", json={"iin": iin}).get_json()
    auth = {"Authorization": f"Bearer {started['token']}"}
    path = f"/api/v1/enrolments/{started['id']}"
    assert (
        client.post(f"{path}/code", json={"code": code_for(outbox, phone)}, headers=auth).status_code == 200
    )
    mark_identified(ctx, started["id"])
    pin = {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}
    assert client.post(f"{path}/pin", json=pin, headers=auth).status_code == 200


@dataclass
class Browser:
    """A test client signed in to the cabinet, posting forms as the pages do."""

    client: object

    def get(self, path: str, status: int = 200) -> str:
        response = self.client.get(path)
        assert response.status_code == status, (path, response.status_code)
        return response.get_data(as_text=True)

    def post(self, page: str, action: str, **fields):
        token = CSRF.search(self.get(page)).group(1)
        return self.client.post(action, data={"csrf_token": token, **fields})

    def post_json_form(self, page: str, action: str, **fields):
        """What the page script sends: a form body, the token in X-CSRFToken (from the page's data-csrf)."""
        token = DATA_CSRF.search(self.get(page)).group(1)
        return self.client.post(action, data=fields, headers={"X-CSRFToken": token})


def signed_in(client, iin: str = APPLICANT_IIN) -> Browser:
    browser = Browser(client)
    response = browser.post("/cabinet/login", "/cabinet/login", iin=iin, pin=GOOD_PIN)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


NEW = "/cabinet/services/residence-registration/new"


def file_on_page(browser: Browser, address: str, owner_iin: str | None = None) -> str:
    """File through the form; the application's id (from the review page it redirects to)."""
    fields = {"address": address, "owner": "other" if owner_iin else "self", "owner_iin": owner_iin or ""}
    response = browser.post(NEW, NEW, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/cabinet/services/applications/")
    return location.rsplit("/", 1)[1]


def page_text(page: str, element_id: str) -> str:
    """The text inside the element with ``element_id`` (unescaped, tags removed)."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|pre|dd|strong|td|div)>', page, re.S)
    assert match, f"no #{element_id} on the page"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()

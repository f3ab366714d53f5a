"""Helpers for the cabinet's residence pages: citizens signed in with their AUTH certificate as a browser
signs in, forms posted with their CSRF token, people and addresses of a test's own in the registers."""

from __future__ import annotations

import base64
import datetime as dt
import html
import itertools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from registration_helpers import certificates_for

from eds_toolkit.citizens import Citizen
from eds_toolkit.registers import ImportMode
from eds_toolkit.registers.importing import import_register_text
from national_profile.iin import make_iin

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')
NEW = "/cabinet/services/residence-registration/new"

# the demo registers (eds_toolkit/registers/demo_*.csv) the pages' tests use: none depends on the date
ZHUMABEKOV_HOME = "AST-1001"  # owned by Жұмабеков Асқар (850314312017)
STATE_RENTAL = "AST-1004"  # contract ГЖФ-2025/0142: tenant 880808341359, listed 910117441426


@dataclass
class Browser:
    """A test client signed in to the cabinet, posting forms as the pages do."""

    client: object
    iin: str

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


def signed_in(client, ctx, iin: str) -> Browser:
    """Sign ``client`` in to the cabinet as the agent would: the AUTH key signs the one-time challenge."""
    holder = certificates_for(ctx, iin)
    token = DATA_CSRF.search(client.get("/cabinet/login").get_data(as_text=True)).group(1)
    issued = client.post("/cabinet/login/challenge", headers={"X-CSRFToken": token}).get_json()
    cms = holder.cms(base64.b64decode(issued["challenge_base64"]), profile="auth")
    answer = client.post(
        "/cabinet/login/certificate",
        data={"challenge_id": issued["id"], "signed_challenge": cms},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 200 and answer.get_json()["ok"], answer.get_json()
    return Browser(client, iin)


def officer_signed_in(client, ctx, roles: str, *, iin: str) -> None:
    """Make ``iin`` an operator with ``roles`` and sign ``client`` in to the console with their AUTH key."""
    from eds_toolkit.operators.registry import add_operator
    from tests.eds_toolkit.operator_console.operator_helpers import challenge, post_signature

    officer = certificates_for(ctx, iin)
    add_operator(ctx, iin, "Асан Тестов", roles, added_by="tests")
    issued = challenge(client)
    cms = officer.cms(base64.b64decode(issued["challenge_base64"]), profile="auth")
    assert post_signature(client, issued, cms).status_code == 200


def file_on_page(
    browser: Browser, address_id: str, person_iin: str | None = None, owner_iin: str = ""
) -> str:
    """File through the form; the application's id (from the review page it redirects to)."""
    fields = {
        "person": "other" if person_iin else "self",
        "person_iin": person_iin or "",
        "address_id": address_id,
        "owner_iin": owner_iin,
    }
    response = browser.post(NEW, NEW, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/cabinet/services/applications/")
    return location.rsplit("/", 1)[1]


def page_text(page: str, element_id: str) -> str:
    """The text inside the element with ``element_id`` (unescaped, tags removed)."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|pre|dd|strong|td|div|details)>', page, re.S)
    assert match, f"no #{element_id} on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())


_serials = itertools.count(7000, 10)
_addresses = itertools.count(1)


class Registers:
    """People (in the citizens base, with a phone) and register records of a test's own, their ages
    counted from the clock's date in Astana, so that a 15-year-old stays 15 whenever the test runs."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx

    @property
    def today(self) -> dt.date:
        return self.ctx.now().astimezone(ZoneInfo("Asia/Almaty")).date()

    def person(self, years: int, *, phone: str | None = None) -> str:
        """Someone ``years`` old today (their birthday 100 days ago)."""
        birth = self.today.replace(year=self.today.year - years) - dt.timedelta(days=100)
        with self.ctx.session() as session:
            while True:
                iin = make_iin(birth, "F", next(_serials))
                if session.get(Citizen, iin) is None:
                    break
            session.add(
                Citizen(
                    iin=iin,
                    surname="Тестова",
                    given_name=f"Person{iin[-4:]}",
                    patronymic=None,
                    birth_date=birth,
                    phone=phone,
                    updated_at=self.ctx.now(),
                )
            )
            session.commit()
        return iin

    def load(self, kind: str, text: str) -> None:
        with self.ctx.session() as session:
            import_register_text(session, kind, text, name=kind, mode=ImportMode.MERGE, clock=self.ctx.clock)

    def owned(self, *owners: tuple[str, str]) -> str:
        address_id = f"P-{next(_addresses)}"
        rows = "".join(
            f'{address_id},"Астана, улица Тест {address_id}",{iin},{share}\n' for iin, share in owners
        )
        self.load("property", "address_id,address,owner_iin,share\n" + rows)
        return address_id

    def parent_of(self, parent: str, child: str) -> None:
        self.load("family", f"representative_iin,relation,person_iin,basis\n{parent},parent,{child},b-1\n")

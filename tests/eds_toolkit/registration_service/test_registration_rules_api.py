"""The registration rules through the JSON API, over the built-in registers on SQLite and PostgreSQL:
each decision's status, code and message, the age lines on the birthday itself, the owner's consent
from the property register, the demo scenarios of the embedded default, registers over HTTP and down."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import shutil

import pytest
from flow_helpers import code_for, make_settings
from sqlalchemy import select

from eds_toolkit.citizens import Citizen
from eds_toolkit.clock import FrozenClock
from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.registers import DEMO_AGES_HOLD, DEMO_SCENARIOS, ImportMode, make_registers
from eds_toolkit.registers.importing import import_register_text
from eds_toolkit.registration import ResidenceApplication
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from national_profile.iin import make_iin

NOW = dt.datetime(2026, 12, 4, 6, 0, tzinfo=dt.UTC)  # 11:00 in Astana
TODAY = dt.date(2026, 12, 4)
assert DEMO_AGES_HOLD[0] <= TODAY <= DEMO_AGES_HOLD[1]


@pytest.fixture(scope="module")
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request, tmp_path_factory, ca_template, clock):
    """One service per database for the module, with the demo registers loaded (the embedded default);
    each test adds people and addresses of its own."""
    home = tmp_path_factory.mktemp(f"rules-{request.param}")
    shutil.copytree(ca_template, home / "ca")
    database = request.getfixturevalue("postgres").url if request.param == "postgresql" else None
    settings = make_settings(home, clock, load_demo_registers=True)
    if database:
        settings.database_url = database
    return create_app(settings)


@pytest.fixture(autouse=True)
def on_the_application_date(clock):
    clock.set(NOW)


@pytest.fixture
def ctx(app):
    return service(app).flow


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    return service(app).settings.home / "outbox.jsonl"


_serials = itertools.count(5000, 10)
_phones = itertools.count(2_000_000)
_addresses = itertools.count(1)


class World:
    """People with phones in the citizens base and records in the registers, unique to each test."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.phones: dict[str, str] = {}

    def person(self, birth_date: dt.date) -> str:
        with self.ctx.session() as session:
            while True:
                iin = make_iin(birth_date, "M", next(_serials))
                if session.get(Citizen, iin) is None:
                    break
            phone = f"+7702{next(_phones):07d}"
            session.add(
                Citizen(
                    iin=iin,
                    surname="Test",
                    given_name=f"Person{iin[-4:]}",
                    patronymic=None,
                    birth_date=birth_date,
                    phone=phone,
                    updated_at=NOW,
                )
            )
            session.commit()
        self.phones[iin] = phone
        return iin

    def adult(self) -> str:
        return self.person(dt.date(1981, 6, 15))

    def aged(self, years: int, *, birthday_tomorrow: bool = False) -> str:
        """Someone who turns ``years`` today (or tomorrow: one year younger today)."""
        birth = TODAY.replace(year=TODAY.year - years) + dt.timedelta(days=1 if birthday_tomorrow else 0)
        return self.person(birth)

    def load(self, kind: str, text: str) -> None:
        with self.ctx.session() as session:
            import_register_text(session, kind, text, name=kind, mode=ImportMode.MERGE, clock=self.ctx.clock)

    def owned(self, *owners: tuple[str, str]) -> str:
        address_id = f"T-{next(_addresses)}"
        rows = "".join(
            f'{address_id},"Астана, test street {address_id}",{iin},{share}\n' for iin, share in owners
        )
        self.load("property", "address_id,address,owner_iin,share\n" + rows)
        return address_id

    def rented(self, tenant: str, *listed: str) -> str:
        address_id = f"T-{next(_addresses)}"
        self.load(
            "rental",
            "address_id,address,contract_number,tenant_iin,listed_iins\n"
            f'{address_id},"Астана, state flat {address_id}",SRH-{address_id},{tenant},{" ".join(listed)}\n',
        )
        return address_id

    def related(self, representative: str, relation: str, person: str) -> None:
        self.load(
            "family",
            f"representative_iin,relation,person_iin,basis\n{representative},{relation},{person},b-1\n",
        )

    def found(self, iin: str, status: str) -> None:
        self.load(
            "capacity", f"iin,status,court_decision,decided_on\n{iin},{status},court 2-9/2025,2025-05-05\n"
        )


@pytest.fixture
def world(ctx) -> World:
    return World(ctx)


class Application:
    def __init__(self, client, outbox, world: World, applicant: str, body: dict) -> None:
        self.client, self.outbox, self.world, self.applicant = client, outbox, world, applicant
        self.response = client.post("/api/v1/applications", json={"applicant_iin": applicant, **body})
        data = self.response.get_json()
        self.id, self.token = data.get("id"), data.get("token")

    @property
    def preview(self) -> tuple[str, str]:
        decision = self.response.get_json()["decision"]
        assert decision["preview"] is True
        return decision["outcome"], decision["code"]

    def get(self) -> dict:
        return self.client.get(
            f"/api/v1/applications/{self.id}", headers={"Authorization": f"Bearer {self.token}"}
        ).get_json()

    def post(self, step: str, body: dict | None = None, *, token: bool = True):
        headers = {"Authorization": f"Bearer {self.token}"} if token else {}
        return self.client.post(f"/api/v1/applications/{self.id}/{step}", json=body or {}, headers=headers)

    def sign(self):
        self.world.ctx.clock.advance(61)  # a phone gets one code a minute
        assert self.post("signing-code").status_code == 202
        return self.post(
            "signature", {"method": "sms", "code": code_for(self.outbox, self.world.phones[self.applicant])}
        )


@pytest.fixture
def apply(client, outbox, world):
    def file(applicant: str, address_id: str, person: str | None = None, **extra) -> Application:
        body = {"address_id": address_id, **extra}
        if person is not None:
            body["person_iin"] = person
        return Application(client, outbox, world, applicant, body)

    return file


def decided(response) -> tuple[str, str | None, str | None]:
    body = response.get_json()
    assert response.status_code == 200, body
    return body["status"], body["outcome_reason"], body["decision"]["outcome"]


# ----- the age lines, on the birthday itself -----


def test_a_parent_registers_their_child_on_the_14th_birthday(world, apply):
    parent, child = world.adult(), world.aged(14)
    world.related(parent, "parent", child)
    application = apply(parent, world.owned((parent, "1")), child)
    assert application.preview == ("ok", "applicant_owns")
    assert decided(application.sign()) == ("registered", "applicant_owns", "ok")
    document = json.loads(application.response.get_json()["document"])
    assert (document["applicant_iin"], document["person_iin"]) == (parent, child)


def test_a_child_whose_14th_birthday_is_tomorrow_is_refused_with_the_civil_code(world, apply, ctx):
    parent, child = world.adult(), world.aged(14, birthday_tomorrow=True)
    world.related(parent, "parent", child)
    application = apply(parent, world.owned((parent, "1")), child)
    assert application.preview == ("refused", "under_14")
    response = application.sign()
    assert decided(response) == ("refused", "under_14", "refused")
    body = response.get_json()
    assert "article 16 of the Civil Code" in body["decision"]["message"]
    assert body["decision"]["checks"] == [{"rule": "under_14", "outcome": "refused", "code": "under_14"}]
    assert body["decided_at"] is not None and body["decision"]["preview"] is False
    again = application.post("signing-code")
    assert again.status_code == 409 and "article 16" in again.get_json()["detail"]
    with ctx.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "application.refuse")).all()
    mine = [e for e in events if json.loads(e.detail)["application"] == application.id]
    assert [(e.from_state, e.to_state, e.reason) for e in mine] == [("submitted", "refused", "under_14")]
    assert parent not in mine[0].detail and child not in mine[0].detail


def test_on_the_16th_birthday_the_child_applies_and_the_parent_confirms_as_owner(world, apply, outbox):
    parent, sixteen = world.adult(), world.aged(16)
    world.related(parent, "parent", sixteen)
    flat = world.owned((parent, "1"))
    assert apply(parent, flat, sixteen).preview == ("refused", "applies_in_person")
    application = apply(sixteen, flat)
    assert application.preview == ("needs_owner_consent", "owner_consent_required")
    body = application.sign().get_json()
    assert (body["status"], body["owner_iin"]) == ("awaiting_owner", parent)
    owner_code = code_for(outbox, world.phones[parent])
    confirmed = application.post("owner-decision", {"code": owner_code}, token=False)
    assert confirmed.get_json()["status"] == "registered"


def test_the_day_before_the_16th_birthday_the_parent_registers_and_the_child_cannot(world, apply):
    parent, fifteen = world.adult(), world.aged(16, birthday_tomorrow=True)
    world.related(parent, "parent", fifteen)
    flat = world.owned((parent, "1"))
    assert apply(fifteen, flat).preview == ("refused", "parent_or_representative_required")
    stranger = world.adult()
    assert apply(stranger, world.owned((stranger, "1")), fifteen).preview == (
        "refused",
        "parent_or_representative_required",
    )
    assert decided(apply(parent, flat, fifteen).sign())[0] == "registered"


def test_an_address_part_owned_by_someone_turning_18_tomorrow_goes_to_a_service_centre(world, apply):
    mother, seventeen, eighteen = world.adult(), world.aged(18, birthday_tomorrow=True), world.aged(18)
    offline = apply(mother, world.owned((mother, "1/2"), (seventeen, "1/2")))
    assert offline.preview == ("offline", "owner_minor_or_incapable")
    response = offline.sign()
    assert decided(response) == ("sent_offline", "owner_minor_or_incapable", "offline")
    assert "public service centre" in response.get_json()["decision"]["message"]
    online = apply(mother, world.owned((mother, "1/2"), (eighteen, "1/2")))
    assert decided(online.sign()) == ("registered", "applicant_owns", "ok")


def test_a_representative_turning_18_tomorrow_cannot_register_their_child(world, apply):
    young, child = world.aged(18, birthday_tomorrow=True), world.aged(14)
    world.related(young, "parent", child)
    assert apply(young, world.owned((young, "1")), child).preview == ("refused", "representative_not_capable")


def test_the_application_date_is_the_date_in_astana(world, apply, clock):
    parent, child = world.adult(), world.aged(14)  # 14 on 4 December
    world.related(parent, "parent", child)
    clock.set(dt.datetime(2026, 12, 3, 19, 30, tzinfo=dt.UTC))  # still the 3rd in UTC, the 4th in Astana
    application = apply(parent, world.owned((parent, "1")), child)
    assert application.preview == ("ok", "applicant_owns")
    assert application.response.get_json()["decision"]["on"] == "2026-12-04"


# ----- guardians, state rental housing, owners -----


def test_an_adult_found_incapable_is_registered_by_the_guardian_only(world, apply):
    guardian, father, ward = world.adult(), world.adult(), world.adult()
    world.found(ward, "incapable")
    world.related(guardian, "guardian", ward)
    world.related(father, "parent", ward)
    assert decided(apply(guardian, world.owned((guardian, "1")), ward).sign())[:2] == (
        "registered",
        "applicant_owns",
    )
    assert apply(father, world.owned((father, "1")), ward).preview == ("refused", "guardian_required")
    assert apply(ward, world.owned((ward, "1"))).preview == ("refused", "guardian_required")


def test_state_rental_housing_the_tenant_registers_the_listed_and_others_are_returned(world, apply):
    tenant, spouse, stranger = world.adult(), world.adult(), world.adult()
    flat = world.rented(tenant, spouse)
    assert decided(apply(tenant, flat, spouse).sign()) == ("registered", "state_rental_contract", "ok")
    returned = apply(stranger, flat).sign()
    assert decided(returned) == ("returned", "applicant_not_in_rental_contract", "returned")
    assert "local executive body" in returned.get_json()["decision"]["message"]
    assert decided(apply(tenant, flat, stranger).sign())[:2] == ("returned", "person_not_in_rental_contract")


def test_the_owner_in_the_property_register_confirms_not_one_the_applicant_names(world, apply, outbox):
    owner, applicant = world.adult(), world.adult()
    flat = world.owned((owner, "1"))
    application = apply(applicant, flat)
    assert application.response.get_json()["owner_iin"] == owner
    assert application.sign().get_json()["status"] == "awaiting_owner"
    response = application.post(
        "owner-decision", {"code": code_for(outbox, world.phones[owner])}, token=False
    )
    assert response.get_json()["status"] == "registered"
    imposter = world.adult()
    refused = apply(applicant, flat, owner_iin=imposter).response
    assert (refused.status_code, refused.get_json()["code"], refused.get_json()["field"]) == (
        422,
        "owner_not_in_register",
        "owner_iin",
    )


def test_with_several_owners_the_applicant_names_the_one_who_confirms(world, apply, outbox):
    first, second, applicant = world.adult(), world.adult(), world.adult()
    flat = world.owned((first, "1/2"), (second, "1/2"))
    unnamed = apply(applicant, flat).response
    assert (unnamed.status_code, unnamed.get_json()["code"]) == (422, "owner_required")
    application = apply(applicant, flat, owner_iin=second)
    assert application.sign().get_json()["owner_iin"] == second
    confirmed = application.post(
        "owner-decision", {"code": code_for(outbox, world.phones[second])}, token=False
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert application.get()["status"] == "registered"
    co_owner_applies = apply(first, flat)
    assert co_owner_applies.preview == ("ok", "applicant_owns")


def test_an_owner_named_who_sold_before_the_signing_cannot_confirm(world, apply):
    first, second, applicant = world.adult(), world.adult(), world.adult()
    flat = world.owned((first, "1/2"), (second, "1/2"))
    application = apply(applicant, flat, owner_iin=second)
    assert application.preview == ("needs_owner_consent", "owner_consent_required")
    buyer = world.adult()
    world.load(
        "property", f"address_id,address,owner_iin,share\n{flat},x,{first},1/2\n{flat},x,{buyer},1/2\n"
    )
    assert decided(application.sign())[:2] == ("refused", "owner_not_in_register")


def test_an_address_in_no_register_is_refused_and_nothing_is_stored(world, apply, ctx):
    applicant = world.adult()
    response = apply(applicant, "NOWHERE-1").response
    assert (response.status_code, response.get_json()["code"]) == (422, "address_not_in_register")
    bad = apply(applicant, "../etc").response
    assert (bad.status_code, bad.get_json()["field"]) == (422, "address_id")
    with ctx.session() as session:
        assert (
            session.scalars(
                select(ResidenceApplication).where(ResidenceApplication.applicant_iin == applicant)
            ).all()
            == []
        )


def test_the_rules_decide_again_when_the_application_is_signed(world, apply):
    guardian, ward = world.adult(), world.adult()
    world.related(guardian, "guardian", ward)
    application = apply(guardian, world.owned((guardian, "1")), ward)
    assert application.preview == ("refused", "applies_in_person")  # capable: applies themselves
    world.found(ward, "incapable")  # a court decision reaches the register before signing
    assert decided(application.sign())[:2] == ("registered", "applicant_owns")


# ----- the demo registers of the embedded default -----


@pytest.mark.parametrize("scenario", DEMO_SCENARIOS, ids=lambda scenario: scenario.name)
def test_each_demo_scenario_is_decided_as_it_says(client, scenario):
    body = {"applicant_iin": scenario.applicant_iin, "address_id": scenario.address_id}
    if scenario.person_iin != scenario.applicant_iin:
        body["person_iin"] = scenario.person_iin
    response = client.post("/api/v1/applications", json=body)
    assert response.status_code == 201, response.get_json()
    decision = response.get_json()["decision"]
    assert (decision["outcome"], decision["code"]) == (scenario.outcome, scenario.code)


# ----- registers over HTTP, and down -----


def test_with_the_registers_over_http_the_decisions_are_the_same_and_no_iin_is_logged(
    world, apply, ctx, monkeypatch, caplog
):
    from tests.eds_toolkit.registers.registry_server import RegistryServer

    caplog.set_level(logging.DEBUG)  # urllib3 logs every URL it asks for at DEBUG
    tenant, stranger = world.adult(), world.adult()
    flat = world.rented(tenant)
    server = RegistryServer(ctx.registers)
    try:
        url = server.url
        monkeypatch.setattr(
            ctx,
            "registers",
            make_registers(ctx.sessions, property_url=url, rental_url=url, family_url=url, capacity_url=url),
        )
        assert decided(apply(stranger, flat).sign())[:2] == ("returned", "applicant_not_in_rental_contract")
        assert f"/registry/rental-contracts/{flat}" in server.seen
        server.down = True
        down = apply(stranger, flat).response
        assert (down.status_code, down.get_json()["code"]) == (503, "registers_unavailable")
    finally:
        server.close()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "registers cannot be read" in logged and "/rental-contracts/" in logged
    assert tenant not in logged and stranger not in logged


def test_a_register_down_at_signing_changes_nothing_and_the_code_still_works(
    world, apply, ctx, outbox, monkeypatch
):
    from tests.eds_toolkit.registers.registry_server import RegistryServer

    applicant = world.adult()
    application = apply(applicant, world.owned((applicant, "1")))
    assert application.post("signing-code").status_code == 202
    code = code_for(outbox, world.phones[applicant])
    server = RegistryServer(ctx.registers)
    server.down = True
    try:
        monkeypatch.setattr(ctx, "registers", make_registers(ctx.sessions, capacity_url=server.url))
        down = application.post("signature", {"method": "sms", "code": code})
        assert (down.status_code, down.get_json()["code"]) == (503, "registers_unavailable")
        assert application.get()["status"] == "draft"
        server.down = False
        assert decided(application.post("signature", {"method": "sms", "code": code}))[0] == "registered"
    finally:
        server.close()

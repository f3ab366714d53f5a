"""The HTTP registry adapters against real HTTP servers on loopback: a registry answering from the
built-in tables (the same records come back), and scripted ones that fail in each way a registry can."""

from __future__ import annotations

import pytest

from eds_toolkit.registers import (
    DEMO_SCENARIOS,
    HttpCapacityRegistry,
    HttpFamilyRegistry,
    HttpPropertyRegistry,
    HttpRentalRegistry,
    InvalidRecord,
    RegisterUnavailable,
    load_demo_registers,
    make_registers,
    table_registers,
)
from tests.eds_toolkit.components.components_http import Reply, ScriptedServer
from tests.eds_toolkit.registers.registry_server import RegistryServer

PEOPLE = ["850314312017", "110915641073", "900601441287", "750303341634", "880808341359", "841201441499"]


@pytest.fixture
def demo_tables(session, sessions, clock):
    load_demo_registers(session, clock=clock)
    return table_registers(sessions)


@pytest.fixture
def registry(demo_tables):
    server = RegistryServer(demo_tables)
    yield server
    server.close()


@pytest.fixture
def scripted():
    started: list[ScriptedServer] = []

    def start(*replies: Reply) -> ScriptedServer:
        server = ScriptedServer(list(replies))
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def test_over_http_the_registers_say_what_the_tables_say(registry, demo_tables, sessions):
    remote = make_registers(
        sessions,
        property_url=registry.url,
        rental_url=registry.url + "/",
        family_url=registry.url,
        capacity_url=registry.url,
    )
    assert isinstance(remote.property, HttpPropertyRegistry) and isinstance(
        remote.capacity, HttpCapacityRegistry
    )
    addresses = {scenario.address_id for scenario in DEMO_SCENARIOS} | {"AST-0000"}
    for address_id in sorted(addresses):
        assert remote.property.property_at(address_id) == demo_tables.property.property_at(address_id)
        assert remote.rental.contract_at(address_id) == demo_tables.rental.contract_at(address_id)
    for iin in PEOPLE:
        assert remote.family.representatives_of(iin) == demo_tables.family.representatives_of(iin)
        assert remote.capacity.capacity_of(iin) == demo_tables.capacity.capacity_of(iin)
    assert remote.property.property_at("AST-0000") is None  # 404: no record
    assert remote.family.representatives_of("850314312017") == []
    assert "/registry/properties/AST-1005" in registry.seen
    assert (
        "/registry/representatives/lookup" in registry.seen and "/registry/capacity/lookup" in registry.seen
    )
    assert not [path for path in registry.seen if any(iin in path for iin in PEOPLE)]  # IINs only in bodies


def test_a_registry_that_is_down_is_unavailable(registry):
    registry.down = True
    with pytest.raises(RegisterUnavailable, match="answered HTTP 503"):
        HttpCapacityRegistry(registry.url).capacity_of("900601441287")


GOOD_PROPERTY = {
    "address_id": "AST-1",
    "address": "Astana 1",
    "owners": [{"iin": "850314312017", "share": "1"}],
}


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(500), "answered HTTP 500"),
        (Reply(302), "answered HTTP 302"),
        (Reply(200, b"<html>maintenance</html>"), "not JSON"),
        (Reply(200, [GOOD_PROPERTY]), "not a JSON object"),
        (Reply(200, {**GOOD_PROPERTY, "address_id": "AST-2"}), "asked for address AST-1, got AST-2"),
        (
            Reply(200, {**GOOD_PROPERTY, "owners": [{"iin": "850314312017", "share": "1/2"}]}),
            "add up to 1/2, not 1",
        ),
        (Reply(200, {**GOOD_PROPERTY, "owners": [{"iin": "850314312018", "share": "1"}]}), "check digit"),
        (Reply(200, {"address_id": "AST-1", "address": "Astana 1"}), "unusable record: 'owners'"),
        (Reply(200, GOOD_PROPERTY, delay=1.5), "did not answer within 0.3 s"),
    ],
)
def test_property_registry_failures_are_unavailable(scripted, reply, message):
    server = scripted(reply)
    with pytest.raises(RegisterUnavailable, match=message):
        HttpPropertyRegistry(server.url, timeout=0.3).property_at("AST-1")


@pytest.mark.parametrize(
    ("registry", "call", "body", "message"),
    [
        (
            HttpRentalRegistry,
            lambda r: r.contract_at("AST-2"),
            {"address_id": "AST-2", "address": "x", "contract_number": "1", "tenant_iin": "880808341359"},
            "'listed_iins'",
        ),
        (
            HttpFamilyRegistry,
            lambda r: r.representatives_of("110915641073"),
            {"representatives": [{"representative_iin": "800412341004", "relation": "neighbour"}]},
            "relation: one of",
        ),
        (
            HttpCapacityRegistry,
            lambda r: r.capacity_of("900601441287"),
            {"iin": "900601441287", "status": "incapable", "court_decision": None, "decided_on": None},
            "court_decision: must not be empty",
        ),
        (
            HttpCapacityRegistry,
            lambda r: r.capacity_of("900601441287"),
            {"iin": "750303341634", "status": "capable"},
            "the answer is about another person",
        ),
    ],
)
def test_records_that_do_not_hold_are_unavailable(scripted, registry, call, body, message):
    server = scripted(Reply(200, body))
    with pytest.raises(RegisterUnavailable, match=message):
        call(registry(server.url))


def test_an_unreachable_registry_is_unavailable(scripted):
    server = scripted(Reply(200))
    url = server.url
    server.close()
    with pytest.raises(RegisterUnavailable, match="cannot be reached"):
        HttpFamilyRegistry(url, timeout=1).representatives_of("110915641073")


def test_only_a_checked_key_goes_into_the_url_and_the_token_is_sent(scripted):
    server = scripted(Reply(404))
    registry = HttpPropertyRegistry(server.url, token="registry-token")
    for hostile in ("../admin", "AST-1/../../x", "AST 1", "", "a" * 41):
        with pytest.raises(InvalidRecord):
            registry.property_at(hostile)
    with pytest.raises(InvalidRecord):
        HttpCapacityRegistry(server.url).capacity_of("../../etc")
    assert server.seen == []
    assert registry.property_at("AST-1") is None
    (request,) = server.seen
    assert (request.method, request.path) == ("GET", "/properties/AST-1")
    assert request.headers["Authorization"] == "Bearer registry-token"


def test_a_person_is_looked_up_with_the_iin_in_the_body(scripted):
    server = scripted(Reply(404), Reply(200, {"representatives": []}))
    assert HttpCapacityRegistry(server.url).capacity_of("900601441287") is None
    assert HttpFamilyRegistry(server.url).representatives_of("110915641073") == []
    assert [(seen.method, seen.path, seen.body) for seen in server.seen] == [
        ("POST", "/capacity/lookup", {"iin": "900601441287"}),
        ("POST", "/representatives/lookup", {"person_iin": "110915641073"}),
    ]


def test_a_registry_url_must_be_http():
    with pytest.raises(ValueError, match="must start with http"):
        HttpRentalRegistry("ftp://registry.example/")

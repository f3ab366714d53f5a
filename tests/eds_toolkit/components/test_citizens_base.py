import base64
import datetime as dt
import threading

import pytest
from components_http import Reply
from flow_helpers import TESTDATA
from sqlalchemy import select

from eds_toolkit.citizens import (
    Citizen,
    CitizenRecord,
    CitizensRegistryError,
    HttpCitizensRegistry,
    InvalidPhone,
    TableCitizensBase,
    UnknownCitizen,
    demo_records,
    load_demo_citizens,
    make_citizens_base,
    normalise_phone,
)
from national_profile.iin import parse_iin

KNOWN = "850314312017"  # a demo citizen with a phone
NO_PHONE = "010130555049"  # a demo citizen without one


@pytest.mark.parametrize(
    "spelling",
    ["+77011234567", "+7 701 123 45 67", "+7 (701) 123-45-67", "87011234567", "8 701 123 45 67",
     "77011234567", "7011234567", " +7-701-123-45-67 "],
)  # fmt: skip
def test_kazakh_mobile_numbers_are_normalised(spelling):
    assert normalise_phone(spelling) == "+77011234567"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("+79161234567", "mobile code"),
        ("+380501234567", "Kazakh mobile numbers"),
        ("+7701123456", "10 digits"),
        ("+770112345678", "10 digits"),
        ("7012345", "10 digits"),
        ("+7 701 ABC 45 67", "digits only"),
        ("", "is needed"),
        ("+7 701 123 45 6７", "digits only"),
        ("87272123456", "mobile code"),  # an Almaty landline
        ("+77172123456", "mobile code"),  # an Astana landline
    ],
)
def test_other_numbers_are_refused_with_a_clear_message(bad, message):
    with pytest.raises(InvalidPhone, match=message):
        normalise_phone(bad)


def test_demo_set_has_valid_iins_both_scripts_and_someone_without_a_phone():
    people = demo_records()
    assert 5 <= len(people) <= 10
    for person in people:
        assert parse_iin(person.iin).birth_date == person.birth_date
    assert any(p.phone is None for p in people) and any(p.phone for p in people)
    assert any(not p.surname.isascii() for p in people) and any(p.surname.isascii() for p in people)
    assert any("Ә" in p.surname or "Қ" in p.patronymic or "Ұ" in p.surname for p in people if p.patronymic)


def test_loading_the_demo_set_is_idempotent(session):
    assert load_demo_citizens(session) == len(demo_records())
    assert load_demo_citizens(session) == 0
    assert session.query(Citizen).count() == len(demo_records())


def test_table_base_looks_up_a_person(sessions, session):
    load_demo_citizens(session)
    base = TableCitizensBase(sessions)
    person = base.lookup(KNOWN)
    assert person == CitizenRecord(
        iin=KNOWN,
        surname="Жұмабеков",
        given_name="Асқар",
        patronymic="Серікұлы",
        birth_date=dt.date(1985, 3, 14),
        phone="+77011234567",
        photo=(TESTDATA / "faces" / "liveportrait_person_d18.jpg").read_bytes(),  # the state photo
    )
    assert base.lookup(NO_PHONE).phone is None
    assert base.lookup("920721433025") is None


def test_registering_a_phone_stores_it_normalised(sessions, session, clock):
    load_demo_citizens(session)
    base = TableCitizensBase(sessions, clock=clock)
    base.register_phone(NO_PHONE, "8 (775) 765-43-21")
    assert base.lookup(NO_PHONE).phone == "+77757654321"
    with sessions() as fresh:
        assert fresh.get(Citizen, NO_PHONE).updated_at == clock.now()


def test_registering_a_bad_phone_or_unknown_iin_changes_nothing(sessions, session):
    load_demo_citizens(session)
    base = TableCitizensBase(sessions)
    with pytest.raises(InvalidPhone):
        base.register_phone(KNOWN, "+79161234567")
    with pytest.raises(UnknownCitizen):
        base.register_phone("920721433025", "+77011112233")
    with sessions() as fresh:
        assert fresh.get(Citizen, KNOWN).phone == "+77011234567"
        assert fresh.scalars(select(Citizen.iin).where(Citizen.phone == "+77011112233")).all() == []


REGISTRY_RECORD = {
    "iin": KNOWN,
    "surname": "Жұмабеков",
    "given_name": "Асқар",
    "patronymic": "Серікұлы",
    "birth_date": "1985-03-14",
    "phone": "8 701 123 45 67",
    "photo": base64.b64encode(b"\xff\xd8\xff photo bytes").decode(),
}


def test_http_registry_lookup(http_server):
    server = http_server([Reply(200, REGISTRY_RECORD)])
    person = HttpCitizensRegistry(server.url + "/api/", token="abc").lookup(KNOWN)
    assert person.surname == "Жұмабеков" and person.birth_date == dt.date(1985, 3, 14)
    assert person.phone == "+77011234567"
    assert person.photo == b"\xff\xd8\xff photo bytes"
    (request,) = server.seen
    assert (request.method, request.path) == ("GET", f"/api/citizens/{KNOWN}")
    assert request.headers["Authorization"] == "Bearer abc"


def test_http_registry_unknown_iin_is_none(http_server):
    server = http_server([Reply(404, {"error": "not found"})])
    assert HttpCitizensRegistry(server.url).lookup(KNOWN) is None


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(500), "HTTP 500"),
        (Reply(200, b"<html>oops</html>"), "unusable record"),
        (Reply(200, {**REGISTRY_RECORD, "iin": "920721433024"}), "unusable record"),
        (Reply(200, {**REGISTRY_RECORD, "surname": ""}), "unusable record"),
        (Reply(200, {**REGISTRY_RECORD, "birth_date": "14.03.1985"}), "unusable record"),
        (Reply(200, delay=1.5), "did not answer within 0.3 s"),
    ],
)
def test_http_registry_failures_are_registry_errors(http_server, reply, message):
    server = http_server([reply])
    with pytest.raises(CitizensRegistryError, match=message):
        HttpCitizensRegistry(server.url, timeout=0.3).lookup(KNOWN)


def test_http_registry_unusable_phone_counts_as_no_phone(http_server):
    server = http_server([Reply(200, {**REGISTRY_RECORD, "phone": "+79161234567"})])
    assert HttpCitizensRegistry(server.url).lookup(KNOWN).phone is None


def test_http_registry_registers_a_phone(http_server):
    server = http_server([Reply(204, b"")])
    HttpCitizensRegistry(server.url).register_phone(KNOWN, "+7 705 000 11 22")
    (request,) = server.seen
    assert (request.method, request.path, request.body) == (
        "PUT",
        f"/citizens/{KNOWN}/phone",
        {"phone": "+77050001122"},
    )


def test_http_registry_phone_registration_failures(http_server):
    server = http_server([Reply(404), Reply(503)])
    registry = HttpCitizensRegistry(server.url)
    with pytest.raises(UnknownCitizen):
        registry.register_phone(KNOWN, "+77050001122")
    with pytest.raises(CitizensRegistryError, match="HTTP 503"):
        registry.register_phone(KNOWN, "+77050001122")
    with pytest.raises(InvalidPhone):
        registry.register_phone(KNOWN, "12345")
    assert len(server.seen) == 2


def test_http_registry_never_puts_anything_but_digits_in_the_path(http_server):
    server = http_server([Reply(200, REGISTRY_RECORD)])
    with pytest.raises(ValueError, match="12 digits"):
        HttpCitizensRegistry(server.url).lookup("../admin/12")
    assert server.seen == []


def test_workers_loading_the_demo_set_at_once_add_it_exactly_once(sessions):
    barrier = threading.Barrier(4)
    results, failures = [], []

    def worker():
        with sessions() as own:
            barrier.wait()
            try:
                results.append(load_demo_citizens(own))
            except Exception as exc:  # the test reports any failure below
                failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert sum(results) == len(demo_records())
    with sessions() as fresh:
        assert fresh.query(Citizen).count() == len(demo_records())


def test_make_citizens_base_chooses_table_or_registry(sessions):
    assert isinstance(make_citizens_base(sessions), TableCitizensBase)
    registry = make_citizens_base(sessions, url="https://registry.example/api/", token="t", timeout=2)
    assert isinstance(registry, HttpCitizensRegistry) and registry.url == "https://registry.example/api"
    with pytest.raises(ValueError, match="http"):
        make_citizens_base(sessions, url="registry.example")

"""The built-in registers on SQLite and PostgreSQL: CSV imports all-or-nothing with the bad lines named,
what a re-import replaces, and the demo data the embedded default loads."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from eds_toolkit.citizens import Citizen
from eds_toolkit.registers import (
    DEMO_SCENARIOS,
    Capacity,
    CapacityRecord,
    ImportMode,
    Owner,
    PropertyRecord,
    RegisterImportRefused,
    RelationKind,
    RelationRecord,
    RentalContractRecord,
    import_register,
    load_demo_registers,
    table_registers,
)
from eds_toolkit.registers.importing import import_register_text
from eds_toolkit.registers.model import FamilyRelation, LegalCapacity, PropertyShare, RentalContract

OWNER, CO_OWNER, CHILD, TENANT, LISTED = (
    "850314312017",
    "920721433024",
    "110915641073",
    "880808341359",
    "910117441426",
)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused_lines(session, kind: str, path, clock) -> list[str]:
    with pytest.raises(RegisterImportRefused) as refused:
        import_register(session, kind, path, clock=clock)
    return [str(error) for error in refused.value.report.errors]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_each_register_imports_and_reads_back(session, sessions, tmp_path, clock):
    files = {
        "property": "address_id,address,owner_iin,share\n"
        f'AST-1,"Astana, Mangilik El 55, flat 12",{OWNER},2/3\n'
        f'AST-1,"Astana, Mangilik El 55, flat 12",{CO_OWNER},1/3\n',
        "rental": "address_id,address,contract_number,tenant_iin,listed_iins\n"
        f'AST-2,"Astana, Beibitshilik 3, flat 77",SRH-2025/0142,{TENANT},{LISTED}; {TENANT}\n',
        "family": f"representative_iin,relation,person_iin,basis\n{OWNER},parent,{CHILD},birth record 12\n"
        f"{CO_OWNER},guardian,{CHILD},decision 7 of the guardianship authority\n",
        "capacity": f"iin,status,court_decision,decided_on\n{LISTED},limited,court 2-5678/2023,2023-10-30\n"
        f"{TENANT},capable,,\n",
    }
    for kind, text in files.items():
        report = import_register(session, kind, write(tmp_path, f"{kind}.csv", text), clock=clock)
        assert report.ok and report.updated == 0
    registers = table_registers(sessions)
    assert registers.property.property_at("AST-1") == PropertyRecord(
        "AST-1",
        "Astana, Mangilik El 55, flat 12",
        (Owner(OWNER, Fraction(2, 3)), Owner(CO_OWNER, Fraction(1, 3))),
    )
    assert registers.rental.contract_at("AST-2") == RentalContractRecord(
        "AST-2", "Astana, Beibitshilik 3, flat 77", "SRH-2025/0142", TENANT, (LISTED,)
    )
    assert registers.family.representatives_of(CHILD) == [
        RelationRecord(OWNER, RelationKind.PARENT, CHILD, "birth record 12"),
        RelationRecord(CO_OWNER, RelationKind.GUARDIAN, CHILD, "decision 7 of the guardianship authority"),
    ]
    assert registers.capacity.capacity_of(LISTED) == CapacityRecord(
        LISTED, Capacity.LIMITED, "court 2-5678/2023", dt.date(2023, 10, 30)
    )
    assert registers.capacity.capacity_of(TENANT).status == Capacity.CAPABLE
    assert registers.property.property_at("AST-2") is None
    assert registers.rental.contract_at("AST-1") is None
    assert registers.family.representatives_of(OWNER) == []
    assert registers.capacity.capacity_of(OWNER) is None


def test_bad_property_rows_are_named_by_line_and_nothing_is_imported(session, tmp_path, clock):
    path = write(
        tmp_path,
        "owners.csv",
        "address_id,address,owner_iin,share\n"
        f"AST-1,Astana 1,{OWNER},1\n"
        f"AST-2,Astana 2,{OWNER},0.5\n"
        f"AST-3,Astana 3,{OWNER},1/2\n"
        f"AST-4,Astana 4,{OWNER},1/2\n"
        f"AST-4,Astana 4,{CO_OWNER},1/3\n"
        f"AST-5,Astana 5,{OWNER},1/2\n"
        f"AST-5,Astana five,{CO_OWNER},1/2\n"
        f"AST-6,Astana 6,{OWNER},1/2\n"
        f"AST-6,Astana 6,{OWNER},1/2\n"
        "AST-7,Astana 7,850314312018,1\n"
        f"AST 8,Astana 8,{OWNER},1\n"
        f"AST-9,,{OWNER},1\n",
    )
    errors = refused_lines(session, "property", path, clock)
    assert errors == [
        "line 3: share: a share is a whole number or a fraction like 1/2, got '0.5'",
        "line 8: address AST-5 is written differently on line 7",
        f"line 10: owner {OWNER} of address AST-6 is already on line 9",
        "line 11: owner_iin: The IIN check digit is wrong: please check the number.",
        "line 12: address_id: an address id is 1 to 40 Latin letters, digits, '.', '_' or '-', starting "
        "with a letter or digit",
        "line 13: address: must not be empty",
        "line 4: the owners' shares of address AST-3 add up to 1/2, not 1 (line 4)",
        "line 5: the owners' shares of address AST-4 add up to 5/6, not 1 (lines 5, 6)",
    ]
    assert count(session, PropertyShare) == 0  # not even AST-1


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (
            "rental",
            "address_id,address,contract_number,tenant_iin,listed_iins\n"
            f"AST-2,Astana 2,SRH-1,{TENANT},{LISTED}\n"
            f"AST-2,Astana 2,SRH-2,{TENANT},\n"
            f"AST-3,Astana 3,SRH-3,{TENANT},{LISTED} 12345\n"
            f"AST-4,Astana 4,,{TENANT},\n",
            [
                "line 3: the contract of address AST-2 is already on line 2",
                "line 4: listed_iins: An IIN is exactly 12 digits.",
                "line 5: contract_number: must not be empty",
            ],
        ),
        (
            "family",
            "representative_iin,relation,person_iin,basis\n"
            f"{OWNER},parent,{CHILD},\n"
            f"{OWNER},parent,{CHILD},again\n"
            f"{OWNER},uncle,{CHILD},\n"
            f"{CHILD},parent,{CHILD},\n"
            f"{CO_OWNER},guardian,{CHILD},\n",
            [
                f"line 3: {OWNER} as parent of {CHILD} is already on line 2",
                "line 4: relation: one of parent, guardian, legal_representative, got 'uncle'",
                "line 5: person_iin: a person is not their own representative",
                "line 6: basis: must not be empty",
            ],
        ),
        (
            "capacity",
            "iin,status,court_decision,decided_on\n"
            f"{LISTED},incapable,court 2-1/2024,2024-03-15\n"
            f"{LISTED},capable,,\n"
            f"{TENANT},incapable,,2024-03-15\n"
            f"{OWNER},limited,court 2-2/2026,2026-12-05\n"
            f"{CO_OWNER},confused,,\n"
            f"{CHILD},limited,court 2-3/2024,15.03.2024\n",
            [
                f"line 3: IIN {LISTED} is already on line 2",
                "line 4: court_decision: must not be empty",
                "line 5: decided_on: 2026-12-05 is in the future",
                "line 6: status: one of capable, incapable, limited, got 'confused'",
                "line 7: decided_on: '15.03.2024' is not a date like 2024-03-15",
            ],
        ),
    ],
)
def test_bad_rows_of_the_other_registers_are_named_by_line(session, tmp_path, clock, kind, text, expected):
    assert refused_lines(session, kind, write(tmp_path, f"{kind}.csv", text), clock) == expected
    assert (
        count(session, {"rental": RentalContract, "family": FamilyRelation, "capacity": LegalCapacity}[kind])
        == 0
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("address_id,address,owner\nAST-1,Astana,1\n", "line 1: the header must name the columns"),
        ("address_id,address,owner_iin,share\n", "line 1: the file has no records"),
        (f"address_id,address,owner_iin,share\nAST-1,Astana,{OWNER},1,extra\n", "line 2: more fields than"),
        (
            b"address_id,address,owner_iin,share\nAST-1,\xc0stana,850314312017,1\n",
            "line 0: the file is not UTF-8",
        ),
    ],
)
def test_unusable_files_are_refused_with_a_reason(session, tmp_path, clock, content, expected):
    path = tmp_path / "file.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (error,) = refused_lines(session, "property", path, clock)
    assert error.startswith(expected)


def test_a_re_import_replaces_the_same_keys_and_keeps_the_rest_all_or_nothing(
    session, sessions, tmp_path, clock
):
    first = write(
        tmp_path,
        "first.csv",
        "address_id,address,owner_iin,share\n"
        f"AST-1,Astana 1,{OWNER},1/2\nAST-1,Astana 1,{CO_OWNER},1/2\nAST-2,Astana 2,{OWNER},1\n",
    )
    assert import_register(session, "property", first, clock=clock).added == 2
    registers = table_registers(sessions)
    # a good row and a bad one: the good one is not applied either
    mixed = write(
        tmp_path,
        "mixed.csv",
        f"address_id,address,owner_iin,share\nAST-1,Astana 1,{CO_OWNER},1\nAST-2,Astana 2,{OWNER},2\n",
    )
    with pytest.raises(RegisterImportRefused, match="line 3"):
        import_register(session, "property", mixed, clock=clock)
    assert len(registers.property.property_at("AST-1").owners) == 2
    # the file's address replaces that address's owners as a group; AST-2 stays
    sold = write(tmp_path, "sold.csv", f"address_id,address,owner_iin,share\nAST-1,Astana 1,{CO_OWNER},1\n")
    report = import_register(session, "property", sold, clock=clock)
    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert registers.property.property_at("AST-1").owners == (Owner(CO_OWNER, Fraction(1)),)
    assert registers.property.property_at("AST-2") is not None
    # --replace: the file is the whole register
    report = import_register(session, "property", sold, replace=True, clock=clock)
    assert (report.added, report.updated, report.removed) == (0, 1, 1)
    assert registers.property.property_at("AST-2") is None


def test_a_re_imported_contract_replaces_its_list_of_people(session, sessions, clock):
    header = "address_id,address,contract_number,tenant_iin,listed_iins\n"
    import_register_text(
        session,
        "rental",
        header + f"AST-2,Astana 2,SRH-1,{TENANT},{LISTED} {CHILD}\n",
        name="a",
        mode=ImportMode.MERGE,
        clock=clock,
    )
    import_register_text(
        session,
        "rental",
        header + f"AST-2,Astana 2,SRH-1,{TENANT},{LISTED}\n",
        name="b",
        mode=ImportMode.MERGE,
    )
    assert table_registers(sessions).rental.contract_at("AST-2").listed_iins == (LISTED,)


def test_the_demo_registers_load_once_with_their_people_and_cover_every_scenario(session, sessions, clock):
    added = load_demo_registers(session, clock=clock)
    assert added == 11 + 6 + 1 + 6 + 2  # people, owned addresses, contracts, relations, capacity decisions
    assert load_demo_registers(session, clock=clock) == 0
    assert session.get(Citizen, "800412341004").phone == "+77011110001"
    registers = table_registers(sessions)
    for scenario in DEMO_SCENARIOS:
        owned = registers.property.property_at(scenario.address_id)
        rented = registers.rental.contract_at(scenario.address_id)
        assert owned or rented, scenario.name
    assert registers.capacity.capacity_of("900601441287").status == Capacity.INCAPABLE
    assert registers.capacity.capacity_of("750303341634").status == Capacity.LIMITED
    assert {r.relation for r in registers.family.representatives_of("900601441287")} == {
        RelationKind.PARENT,
        RelationKind.GUARDIAN,
    }


def test_a_later_demo_load_keeps_an_operators_changes(session, sessions, tmp_path, clock):
    load_demo_registers(session, clock=clock)
    sold = write(tmp_path, "sold.csv", f"address_id,address,owner_iin,share\nAST-1001,Astana,{CO_OWNER},1\n")
    import_register(session, "property", sold, clock=clock)
    assert load_demo_registers(session, clock=clock) == 0
    assert table_registers(sessions).property.property_at("AST-1001").owners == (
        Owner(CO_OWNER, Fraction(1)),
    )

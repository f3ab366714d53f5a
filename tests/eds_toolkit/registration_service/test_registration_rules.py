"""The registration rules on facts as the registers give them: each rule on both sides of its line, the
ages on the birthday itself, the order in which they decide, and the rules as data (codes, texts, docs)."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from pathlib import Path

import pytest

from eds_toolkit.registers import Capacity, CapacityRecord, RelationKind, RentalContractRecord
from eds_toolkit.registration.decision_texts import DECISION_TEXTS, decision_message
from eds_toolkit.registration.facts import (
    AddressFacts,
    ApplicationFacts,
    OwnerFacts,
    PersonFacts,
    application_date,
)
from eds_toolkit.registration.rules import RULES, SOURCES, Decision, Evaluation, Outcome, evaluate
from national_profile.iin import age_on, make_iin

ON = dt.date(2026, 12, 4)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "registration.md"
_serial = iter(range(1000, 9000, 10))


def born(years: int, *, days_later: int = 0) -> dt.date:
    """The birth date of someone who turns ``years`` on ON (``days_later``: that many days after)."""
    return ON.replace(year=ON.year - years) + dt.timedelta(days=days_later)


def person(birth_date: dt.date, capacity: Capacity | None = None) -> PersonFacts:
    iin = make_iin(birth_date, "F", next(_serial))
    record = CapacityRecord(iin, capacity, "court 2-1/2024", dt.date(2024, 1, 10)) if capacity else None
    return PersonFacts(iin, birth_date, age_on(birth_date, ON), record)


def adult(capacity: Capacity | None = None) -> PersonFacts:
    return person(dt.date(1980, 5, 17), capacity)


def owned_by(*owners: tuple[PersonFacts, str], named: str | None = None) -> AddressFacts:
    return AddressFacts(
        "AST-1",
        "Astana, street 1",
        tuple(OwnerFacts(owner, Fraction(share)) for owner, share in owners),
        None,
        named,
    )


def rented(tenant: PersonFacts, *listed: PersonFacts) -> AddressFacts:
    contract = RentalContractRecord(
        "AST-2", "Astana, street 2", "SRH-1", tenant.iin, tuple(p.iin for p in listed)
    )
    return AddressFacts("AST-2", "Astana, street 2", (), contract, None)


def application(
    applicant: PersonFacts,
    subject: PersonFacts | None = None,
    *,
    relations: set[RelationKind] = frozenset(),
    address: AddressFacts | None = None,
) -> ApplicationFacts:
    return ApplicationFacts(
        ON, applicant, subject or applicant, frozenset(relations), address or owned_by((applicant, "1"))
    )


def decided(facts: ApplicationFacts) -> tuple[str, str | None]:
    decision = evaluate(facts).decision
    return str(decision.outcome), decision.code


def rule_said(facts: ApplicationFacts, name: str) -> Decision:
    return dict(evaluate(facts).checks)[name]


PARENT = {RelationKind.PARENT}
GUARDIAN = {RelationKind.GUARDIAN}


# ----- ages, counted on the application date -----


def test_a_birthday_counts_from_its_own_day():
    assert age_on(dt.date(2012, 12, 4), ON) == 14
    assert age_on(dt.date(2012, 12, 5), ON) == 13
    assert age_on(dt.date(2012, 12, 3), ON) == 14


def test_someone_born_on_29_february_has_their_birthday_on_28_february_in_a_common_year():
    leapling = dt.date(2012, 2, 29)
    assert age_on(leapling, dt.date(2026, 2, 27)) == 13
    assert age_on(leapling, dt.date(2026, 2, 28)) == 14
    assert age_on(leapling, dt.date(2028, 2, 28)) == 15  # a leap year: the 29th is the birthday
    assert age_on(leapling, dt.date(2028, 2, 29)) == 16


def test_the_application_date_is_the_date_in_kazakhstan():
    late_evening_utc = dt.datetime(2026, 12, 3, 19, 30, tzinfo=dt.UTC)  # 00:30 on the 4th in Almaty
    assert application_date(late_evening_utc, "Asia/Almaty") == dt.date(2026, 12, 4)
    assert application_date(late_evening_utc, "UTC") == dt.date(2026, 12, 3)


# ----- under 14 -----


def test_a_child_whose_14th_birthday_is_tomorrow_is_refused_with_the_civil_code_explanation():
    child = person(born(14, days_later=1))
    assert child.age == 13
    assert decided(application(adult(), child, relations=PARENT)) == ("refused", "under_14")
    assert "article 16 of the Civil Code" in decision_message("under_14")


def test_a_child_on_their_14th_birthday_is_registered_by_their_parent():
    parent = adult()
    child = person(born(14))
    assert decided(application(parent, child, relations=PARENT)) == ("ok", "applicant_owns")


# ----- whoever registers another person -----


def test_a_representative_under_18_is_refused_and_one_who_turns_18_today_is_not():
    child = person(born(15))
    young_parent = person(born(18, days_later=1))
    assert decided(application(young_parent, child, relations=PARENT)) == (
        "refused",
        "representative_not_capable",
    )
    parent = person(born(18))
    assert rule_said(application(parent, child, relations=PARENT), "representative_capable") == Decision.ok()


@pytest.mark.parametrize("capacity", [Capacity.INCAPABLE, Capacity.LIMITED])
def test_a_representative_a_court_restricted_is_refused(capacity):
    child = person(born(15))
    restricted_parent = adult(capacity)
    assert decided(application(restricted_parent, child, relations=PARENT)) == (
        "refused",
        "representative_not_capable",
    )


# ----- 14 to 16 -----


@pytest.mark.parametrize("relation", list(RelationKind))
def test_a_child_of_15_is_registered_by_a_parent_or_legal_representative(relation):
    assert decided(application(adult(), person(born(15)), relations={relation}))[0] == "ok"


def test_a_child_of_15_is_not_registered_by_themselves_or_by_an_adult_not_related():
    child = person(born(16, days_later=1))
    assert child.age == 15
    assert decided(application(child)) == ("refused", "parent_or_representative_required")
    assert decided(application(adult(), child)) == ("refused", "parent_or_representative_required")


# ----- 16 to 18: the person applies themselves (our reading of "children aged 14 to 16") -----


def test_on_the_16th_birthday_the_person_applies_themselves_and_the_parent_no_longer_can():
    sixteen = person(born(16))
    parent = adult()
    on_parents_flat = owned_by((parent, "1"))
    assert decided(application(sixteen, address=on_parents_flat)) == (
        "needs_owner_consent",
        "owner_consent_required",
    )
    assert decided(application(parent, sixteen, relations=PARENT, address=on_parents_flat)) == (
        "refused",
        "applies_in_person",
    )


def test_the_day_before_the_16th_birthday_the_parent_registers_and_the_child_cannot():
    fifteen = person(born(16, days_later=1))
    parent = adult()
    assert decided(application(parent, fifteen, relations=PARENT, address=owned_by((parent, "1")))) == (
        "ok",
        "applicant_owns",
    )
    assert decided(application(fifteen))[1] == "parent_or_representative_required"


def test_an_adult_is_not_registered_by_another_adult():
    spouse, other = adult(), adult()
    assert decided(application(spouse, other, address=owned_by((spouse, "1")))) == (
        "refused",
        "applies_in_person",
    )


# ----- adults a court found incapable or of limited capacity -----


@pytest.mark.parametrize("capacity", [Capacity.INCAPABLE, Capacity.LIMITED])
def test_a_restricted_adult_is_registered_by_their_guardian_only(capacity):
    ward = adult(capacity)
    guardian = adult()
    at_guardians = owned_by((guardian, "1"))
    assert decided(application(guardian, ward, relations=GUARDIAN, address=at_guardians)) == (
        "ok",
        "applicant_owns",
    )
    representative = {RelationKind.LEGAL_REPRESENTATIVE}
    assert decided(application(guardian, ward, relations=representative, address=at_guardians))[0] == "ok"
    assert decided(application(ward)) == ("refused", "guardian_required")
    # a parent is not the guardian of an adult unless appointed
    assert decided(application(guardian, ward, relations=PARENT, address=at_guardians)) == (
        "refused",
        "guardian_required",
    )


def test_capacity_restored_by_a_court_lets_the_person_apply_themselves():
    restored = adult(Capacity.CAPABLE)
    assert decided(application(restored)) == ("ok", "applicant_owns")


# ----- state rental housing -----


def test_the_tenant_registers_a_person_listed_in_the_contract():
    tenant, spouse = adult(), adult()
    assert decided(application(tenant, spouse, address=rented(tenant, spouse))) == (
        "ok",
        "state_rental_contract",
    )
    assert decided(application(spouse, address=rented(tenant, spouse))) == ("ok", "state_rental_contract")


def test_an_applicant_not_on_the_contract_is_returned():
    tenant, stranger = adult(), adult()
    assert decided(application(stranger, address=rented(tenant))) == (
        "returned",
        "applicant_not_in_rental_contract",
    )
    assert "local executive body" in decision_message("applicant_not_in_rental_contract")


def test_a_person_not_on_the_contract_is_returned_even_when_the_tenant_applies():
    tenant, child = adult(), person(born(15))
    assert decided(application(tenant, child, relations=PARENT, address=rented(tenant))) == (
        "returned",
        "person_not_in_rental_contract",
    )


def test_the_tenant_registering_an_adult_not_on_the_contract_is_returned():
    tenant, stranger = adult(), adult()
    assert decided(application(tenant, stranger, address=rented(tenant))) == (
        "returned",
        "person_not_in_rental_contract",
    )


def test_a_listed_person_who_is_not_the_tenant_registers_only_themselves():
    tenant, listed_one, listed_two = adult(), adult(), adult()
    contract = rented(tenant, listed_one, listed_two)
    assert decided(application(listed_one, listed_two, address=contract)) == ("refused", "applies_in_person")


# ----- addresses of minors and of people found incapable: a service centre -----


def test_an_address_part_owned_by_a_17_year_old_is_offline_and_by_one_turning_18_today_is_not():
    mother = adult()
    seventeen = person(born(18, days_later=1))
    assert decided(application(mother, address=owned_by((mother, "1/2"), (seventeen, "1/2")))) == (
        "offline",
        "owner_minor_or_incapable",
    )
    eighteen = person(born(18))
    assert decided(application(mother, address=owned_by((mother, "1/2"), (eighteen, "1/2")))) == (
        "ok",
        "applicant_owns",
    )


@pytest.mark.parametrize("capacity", [Capacity.INCAPABLE, Capacity.LIMITED])
def test_an_address_part_owned_by_a_restricted_person_is_offline(capacity):
    owner, ward = adult(), adult(capacity)
    assert decided(application(owner, address=owned_by((owner, "2/3"), (ward, "1/3")))) == (
        "offline",
        "owner_minor_or_incapable",
    )


# ----- the owner's consent -----


def test_an_owner_or_part_owner_needs_no_consent():
    owner, co_owner = adult(), adult()
    assert decided(application(co_owner, address=owned_by((owner, "2/3"), (co_owner, "1/3")))) == (
        "ok",
        "applicant_owns",
    )


def test_not_an_owner_the_single_owner_confirms():
    owner, applicant = adult(), adult()
    decision = evaluate(application(applicant, address=owned_by((owner, "1")))).decision
    assert decision == Decision(Outcome.NEEDS_OWNER_CONSENT, "owner_consent_required", owner.iin)


def test_with_several_owners_the_one_named_confirms_and_no_one_else():
    first, second, applicant = adult(), adult(), adult()
    named = owned_by((first, "1/2"), (second, "1/2"), named=second.iin)
    assert evaluate(application(applicant, address=named)).decision.owner_iin == second.iin
    unnamed = owned_by((first, "1/2"), (second, "1/2"))
    assert decided(application(applicant, address=unnamed)) == ("refused", "owner_not_in_register")
    stranger_named = owned_by((first, "1/2"), (second, "1/2"), named=adult().iin)
    assert decided(application(applicant, address=stranger_named)) == ("refused", "owner_not_in_register")


# ----- the rules as data -----


def test_the_first_rule_that_does_not_say_ok_decides():
    thirteen = person(born(13))
    minor_owner = person(born(10))
    facts = application(adult(), thirteen, relations=PARENT, address=owned_by((minor_owner, "1")))
    evaluation = evaluate(facts)
    assert evaluation.decision.code == "under_14"  # not the service centre: the child is too young anyway
    assert [name for name, _decision in evaluation.checks] == ["under_14"]


def test_when_all_rules_say_ok_each_is_listed_and_the_last_reason_stands():
    evaluation = evaluate(application(adult()))
    assert [name for name, _decision in evaluation.checks] == [rule.name for rule in RULES]
    assert evaluation.decision == Decision.ok("applicant_owns")
    assert Evaluation.from_json(evaluation.as_json()) == evaluation


def test_every_rule_has_a_source_and_every_code_a_text_and_a_line_in_the_docs():
    names = [rule.name for rule in RULES]
    assert len(set(names)) == len(names)
    docs = DOCS.read_text(encoding="utf-8")
    for rule in RULES:
        assert rule.sources and set(rule.sources) <= set(SOURCES), rule.name
        assert f"`{rule.name}`" in docs, rule.name
        for code in rule.codes:
            assert code in DECISION_TEXTS, code
            assert re.search(rf"`{code}`", docs), code
    assert "Civil Code" in docs and "2025-11-18" in docs


def test_every_decision_text_reaches_the_refusal_catalogue():
    from eds_toolkit.web.error_texts import ERROR_TEXTS

    for code, text in DECISION_TEXTS.items():
        assert ERROR_TEXTS[code] == text

"""The residence-registration rules as data: small rules evaluated in order, each deciding ok, refused,
returned, offline (a service centre) or needs the owner's consent, with a stable code.

The first rule that does not say ``ok`` decides; when all say ``ok`` the application is registered
(the last ``ok`` with a code says why: the applicant owns the address, or a state rental contract lists
the person). ``RULES`` is what docs/registration.md tabulates and the tests enumerate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from eds_toolkit.registers import RelationKind
from eds_toolkit.registration.facts import ApplicationFacts

ADULT_AGE = 18  # full capacity (Civil Code art. 17)
OWN_RESIDENCE_AGE = 14  # under it, the residence is the parents' (Civil Code art. 16)
APPLIES_IN_PERSON_AGE = 16  # "children aged 14 to 16" are registered by a parent (news of 2025-11-18)

SOURCES: dict[str, str] = {
    "news": "eGov news of 2025-11-18, in force from 2025-11-24 (quoted in issue 15)",
    "cc16": "Civil Code of the Republic of Kazakhstan, article 16 (residence of minors under 14)",
    "cc17": "Civil Code of the Republic of Kazakhstan, article 17 (full legal capacity from 18)",
    "cc26": "Civil Code of the Republic of Kazakhstan, articles 26-27 (incapacity, limited capacity)",
    "reading": "our reading of the news for ages 16 to 18 (docs/registration.md)",
}


class Outcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    RETURNED = "returned"  # automatically, the applicant is told whom to ask
    OFFLINE = "offline"  # not online: at a public service centre
    NEEDS_OWNER_CONSENT = "needs_owner_consent"  # the owner confirms by SMS within one hour


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    code: str | None = None
    owner_iin: str | None = None  # who must consent (NEEDS_OWNER_CONSENT)

    @classmethod
    def ok(cls, code: str | None = None) -> Decision:
        return cls(Outcome.OK, code)

    @classmethod
    def refused(cls, code: str) -> Decision:
        return cls(Outcome.REFUSED, code)

    @classmethod
    def returned(cls, code: str) -> Decision:
        return cls(Outcome.RETURNED, code)

    @classmethod
    def offline(cls, code: str) -> Decision:
        return cls(Outcome.OFFLINE, code)

    @classmethod
    def needs_owner_consent(cls, owner_iin: str) -> Decision:
        return cls(Outcome.NEEDS_OWNER_CONSENT, "owner_consent_required", owner_iin)

    def as_json(self) -> dict:
        return {"outcome": str(self.outcome), "code": self.code}


PASS = Decision.ok()


@dataclass(frozen=True)
class Rule:
    """One rule: its name, what it says (a line for the docs), where it comes from (``SOURCES`` keys),
    the codes it decides with, and the check."""

    name: str
    says: str
    sources: tuple[str, ...]
    codes: tuple[str, ...]
    check: Callable[[ApplicationFacts], Decision]


def _under_14(facts: ApplicationFacts) -> Decision:
    return Decision.refused("under_14") if facts.person.age < OWN_RESIDENCE_AGE else PASS


def _representative_capable(facts: ApplicationFacts) -> Decision:
    if facts.by_self:
        return PASS
    if facts.applicant.age < ADULT_AGE or facts.applicant.restricted:
        return Decision.refused("representative_not_capable")
    return PASS


_FOR_MINORS = frozenset({RelationKind.PARENT, RelationKind.GUARDIAN, RelationKind.LEGAL_REPRESENTATIVE})
_FOR_RESTRICTED = frozenset({RelationKind.GUARDIAN, RelationKind.LEGAL_REPRESENTATIVE})


def _minor_14_to_16(facts: ApplicationFacts) -> Decision:
    if not OWN_RESIDENCE_AGE <= facts.person.age < APPLIES_IN_PERSON_AGE:
        return PASS
    if facts.by_self or not facts.relations & _FOR_MINORS:
        return Decision.refused("parent_or_representative_required")
    return PASS


def _restricted_capacity(facts: ApplicationFacts) -> Decision:
    if facts.person.age < APPLIES_IN_PERSON_AGE or not facts.person.restricted:
        return PASS
    if facts.by_self or not facts.relations & _FOR_RESTRICTED:
        return Decision.refused("guardian_required")
    return PASS


def _applies_in_person(facts: ApplicationFacts) -> Decision:
    if facts.person.age < APPLIES_IN_PERSON_AGE or facts.person.restricted or facts.by_self:
        return PASS
    rental = facts.address.rental
    if rental is not None and rental.tenant_iin == facts.applicant.iin:
        return PASS  # the tenant registers the contract's people: state_rental_list checks the list
    return Decision.refused("applies_in_person")


def _state_rental_list(facts: ApplicationFacts) -> Decision:
    rental = facts.address.rental
    if rental is None:
        return PASS
    if not rental.lists(facts.applicant.iin):
        return Decision.returned("applicant_not_in_rental_contract")
    if not rental.lists(facts.person.iin):
        return Decision.returned("person_not_in_rental_contract")
    return PASS


def _protected_owner(facts: ApplicationFacts) -> Decision:
    if any(owner.person.age < ADULT_AGE or owner.person.restricted for owner in facts.address.owners):
        return Decision.offline("owner_minor_or_incapable")
    return PASS


def _owner_consent(facts: ApplicationFacts) -> Decision:
    place = facts.address
    if place.rental is not None:
        return Decision.ok("state_rental_contract")
    if place.owned_by(facts.applicant.iin):
        return Decision.ok("applicant_owns")
    named = place.named_owner_iin
    if named is None and len(place.owners) == 1:
        named = place.owners[0].person.iin
    if named is not None and place.owned_by(named):
        return Decision.needs_owner_consent(named)
    return Decision.refused("owner_not_in_register")


RULES: tuple[Rule, ...] = (
    Rule(
        "under_14",
        "A child under 14 is not registered on their own: their residence is their parents' or legal "
        "representatives'.",
        ("news", "cc16"),
        ("under_14",),
        _under_14,
    ),
    Rule(
        "representative_capable",
        "Whoever registers another person is an adult of full capacity.",
        ("cc17", "cc26"),
        ("representative_not_capable",),
        _representative_capable,
    ),
    Rule(
        "minor_14_to_16",
        "A child aged 14 to 16 (up to the 16th birthday) is registered by a parent or legal representative "
        "recorded in the family register.",
        ("news",),
        ("parent_or_representative_required",),
        _minor_14_to_16,
    ),
    Rule(
        "restricted_capacity",
        "A person a court found incapable or of limited capacity is registered by their guardian or legal "
        "representative recorded in the register.",
        ("news", "cc26"),
        ("guardian_required",),
        _restricted_capacity,
    ),
    Rule(
        "applies_in_person",
        "From 16, a person of full capacity registers themselves; only the tenant of state rental housing "
        "registers the people listed in its contract.",
        ("news", "reading"),
        ("applies_in_person",),
        _applies_in_person,
    ),
    Rule(
        "state_rental_list",
        "At state rental housing the applicant and the person are the tenant or listed in the contract; "
        "otherwise the application is returned (questions: the local executive body).",
        ("news",),
        ("applicant_not_in_rental_contract", "person_not_in_rental_contract"),
        _state_rental_list,
    ),
    Rule(
        "protected_owner",
        "An address owned or part-owned by a minor or by a person found incapable or of limited capacity: "
        "only at a public service centre.",
        ("news",),
        ("owner_minor_or_incapable",),
        _protected_owner,
    ),
    Rule(
        "owner_consent",
        "An owner or part-owner needs no consent; otherwise the owner confirms with an SMS code from 1414 "
        "within one hour.",
        ("news",),
        ("applicant_owns", "state_rental_contract", "owner_consent_required", "owner_not_in_register"),
        _owner_consent,
    ),
)


@dataclass(frozen=True)
class Evaluation:
    """The rules' verdict: the decision, every rule's own decision in order, and the date applied."""

    decision: Decision
    checks: tuple[tuple[str, Decision], ...]
    on: dt.date

    def as_json(self) -> dict:
        return {
            **self.decision.as_json(),
            "owner_iin": self.decision.owner_iin,
            "on": self.on.isoformat(),
            "checks": [{"rule": name, **decision.as_json()} for name, decision in self.checks],
        }

    @classmethod
    def from_json(cls, data: dict) -> Evaluation:
        decision = Decision(Outcome(data["outcome"]), data.get("code"), data.get("owner_iin"))
        checks = tuple(
            (check["rule"], Decision(Outcome(check["outcome"]), check.get("code")))
            for check in data["checks"]
        )
        return cls(decision, checks, dt.date.fromisoformat(data["on"]))


def evaluate(facts: ApplicationFacts, rules: tuple[Rule, ...] = RULES) -> Evaluation:
    """Run ``rules`` in order: the first that does not say ok decides, else ok with the last ok's code."""
    checks: list[tuple[str, Decision]] = []
    reason: str | None = None
    for rule in rules:
        decision = rule.check(facts)
        checks.append((rule.name, decision))
        if decision.outcome != Outcome.OK:
            return Evaluation(decision, tuple(checks), facts.on)
        reason = decision.code or reason
    return Evaluation(Decision.ok(reason), tuple(checks), facts.on)

"""What the residence pages share: an application's words (status, decision, the document's fields), a
signature verdict as lines to read, refusals in the page's language, the one-time notice after a POST."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import session

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import Refusal
from eds_toolkit.registration.errors import SignatureRefused
from eds_toolkit.signatures import SignatureVerdict
from eds_toolkit.translations import N_
from eds_toolkit.web.i18n import current_language, error_message, translate
from eds_toolkit.web.residence import library
from eds_toolkit.web.residence.texts import (
    CHECK_WORDS,
    DECISIONS,
    OUTCOME_WORDS,
    OWNER_DECISION_SENTENCES,
    OWNER_DECISION_WORDS,
    OWNER_METHOD_WORDS,
    REVOCATION_WORDS,
    SIGNED_WITH,
    STATUS_WORDS,
    VERDICT_REASONS,
    WAITING_FOR_OWNER,
)

NOTICE_KEY = "residence_notice"
NOT_ACCEPTED = N_("The signature was not accepted:")


def word(table: dict[str, str], code: str | None) -> str:
    """The translated word for ``code`` in ``table``; the code itself when it has none."""
    if code is None:
        return ""
    return translate(table[code]) if code in table else code


def refusal_message(error: Refusal) -> str:
    """A refusal in the page's language; a refused signature says why, reason by reason."""
    reasons = error.extra.get("reasons") if isinstance(error, SignatureRefused) else None
    if reasons:
        return " ".join([translate(NOT_ACCEPTED), *(word(VERDICT_REASONS, r) for r in reasons)])
    return error_message(error.code, error.message, **error.extra)


def set_notice(message: str, **params: object) -> None:
    """A sentence (English msgid) the next page shows once, focused: what the POST before it did."""
    session[NOTICE_KEY] = [message, params]


def take_notice() -> str | None:
    stored = session.pop(NOTICE_KEY, None)
    if not stored:
        return None
    message, params = stored
    return translate(message, **params)


@dataclass(frozen=True)
class ApplicationWords:
    """An application as its pages show it; ``preview``: what the rules say of a draft (outcome word,
    outcome code, their sentence), None once signed or for a draft filed before the rules."""

    view: library.ApplicationView
    reference: str
    status: str
    decision: str
    document: str
    fields: dict[str, object]
    preview: tuple[str, str, str] | None
    checks: tuple[tuple[str, str], ...]  # every rule the decision ran: (rule, its outcome's word)
    person_name: str | None  # the person registered, when not the applicant (from the citizens base)

    @property
    def document_base64(self) -> str:
        """The document's exact UTF-8 bytes, base64: what the agent signs (``basics.sign`` decodes it)."""
        return base64.b64encode(self.document.encode("utf-8")).decode("ascii")


def application_words(
    ctx: ServiceContext, view: library.ApplicationView, local_time: Callable[[dt.datetime], str]
) -> ApplicationWords:
    """``local_time``: the pages' filter, for the owner's deadline in the decision sentence."""
    document = library.application_document(ctx, view.id)
    language = current_language()
    if view.status == "awaiting_owner" and view.owner_deadline is not None:
        decision = translate(WAITING_FOR_OWNER, deadline=local_time(view.owner_deadline))
    elif view.outcome_reason in DECISIONS:
        decision = word(DECISIONS, view.outcome_reason)
    else:
        decision = library.decision_text(view.outcome_reason, language) or ""
    rules = view.rules
    preview = None
    if rules is not None and view.status == "draft":
        outcome = str(rules.decision.outcome)
        said = library.decision_text(rules.decision.code, language) or ""
        preview = (word(OUTCOME_WORDS, outcome), outcome, said)
    checks = tuple((name, word(CHECK_WORDS, str(d.outcome))) for name, d in rules.checks) if rules else ()
    return ApplicationWords(
        view=view,
        reference=library.reference(view.id),
        status=word(STATUS_WORDS, view.status),
        decision=decision,
        document=document,
        fields=json.loads(document),
        preview=preview,
        checks=checks,
        person_name=library.name_of(ctx, view.person_iin) if view.person_iin != view.applicant_iin else None,
    )


@dataclass(frozen=True)
class VerdictLines:
    """A signature verdict as the cabinet shows it."""

    valid: bool
    signer: str
    signer_iin: str
    iin_matches: bool
    certificate: str
    chain: tuple[str, ...]
    revocation: str
    reasons: tuple[str, ...]


def verdict_lines(
    verdict: SignatureVerdict, applicant_iin: str, local_time: Callable[[dt.datetime], str]
) -> VerdictLines:
    """``applicant_iin``: the IIN that must have signed (the applicant's, or the owner's for a consent)."""
    signer = verdict.signer
    revocation = verdict.revocation
    said = word(REVOCATION_WORDS, revocation.status)
    if revocation.source not in ("none", ""):
        said += f" ({revocation.source.upper()}"
        said += f", {local_time(revocation.issued_at)})" if revocation.issued_at else ")"
    return VerdictLines(
        valid=verdict.ok and signer is not None and signer.iin == applicant_iin,
        signer=(signer.common_name or signer.subject) if signer else "",
        signer_iin=(signer.iin or "") if signer else "",
        iin_matches=signer is not None and signer.iin == applicant_iin,
        certificate=f"{signer.profile_label} {signer.serial}" if signer else "",
        chain=verdict.chain,
        revocation=said,
        reasons=tuple(word(VERDICT_REASONS, reason.value) for reason in verdict.reasons),
    )


def signed_with(code: str | None) -> str:
    return word(SIGNED_WITH, code)


@dataclass(frozen=True)
class OwnerDecisionWords:
    """The owner's kept decision: a sentence for the applicant and the owner, a line for an officer."""

    kept: library.KeptDecision
    sentence: str
    officer: str


def owner_decision_words(kept: library.KeptDecision | None) -> OwnerDecisionWords | None:
    if kept is None:
        return None
    sentence = OWNER_DECISION_SENTENCES.get((kept.decision, kept.method))
    officer = f"{word(OWNER_DECISION_WORDS, kept.decision)}: {word(OWNER_METHOD_WORDS, kept.method)}"
    return OwnerDecisionWords(kept, translate(sentence) if sentence else "", officer)

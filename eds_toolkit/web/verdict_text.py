"""Identification verdicts in the citizen's language.

``webcam_flow`` speaks English only (it stays a Flask-free library); its sentences are msgids of the
gettext catalogues, so each stable reason code gets a Kazakh and a Russian sentence, for the pages and the
JSON API alike. Reason codes themselves never change: audit events keep them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow import identification as steps
from eds_toolkit.translations import N_, SOURCE_LANGUAGE, base_language, gettext_in, ngettext_in
from eds_toolkit.web.i18n import current_language, error_message
from webcam_flow.verdict import (
    CHALLENGE_PHRASES,
    MESSAGES,
    SUCCESS,
    UNKNOWN_REASON,
    Verdict,
    reason_message,
)

# The English sentences are webcam_flow's (``MESSAGES``, ``SUCCESS``, ``CHALLENGE_PHRASES``, marked there
# for extraction); their Kazakh and Russian texts are in the gettext catalogues (eds_toolkit/translations).

# ``challenge_missing`` for a movement this module does not know yet: the sentence without it.
CHALLENGE_NOT_SEEN_ANY = N_(
    "We did not see all the movements. Record again and follow each instruction on the screen."
)

# The instruction shown under the camera during the video: CHALLENGE_PHRASES capitalised.
CHALLENGE_INSTRUCTIONS = (
    N_("Blink"),
    N_("Turn your head to your left"),
    N_("Turn your head to your right"),
    N_("Open your mouth"),
)

# The identification's last refusal: ``identification.SERVICE_CENTRE`` (the English the API answers),
# marked here for the catalogue; a test keeps the two the same.
SERVICE_CENTRE = N_(
    "Remote identification did not succeed and this enrolment is stopped. Please visit a service "
    "centre with your identity card to be identified in person."
)


def _language(language: str | None) -> str:
    return base_language(language or current_language())


def reason_sentence(reason: str, language: str | None = None) -> str:
    """The sentence for one reason code (``challenge_missing:blink`` included) in ``language``
    (default: the page's)."""
    language = _language(language)
    if language == SOURCE_LANGUAGE:
        return reason_message(reason)
    code, _, detail = reason.partition(":")
    sentence = MESSAGES.get(code)
    if sentence is None:
        return gettext_in(language, UNKNOWN_REASON)
    if code == "challenge_missing":
        movement = CHALLENGE_PHRASES.get(detail)
        if movement is None:
            return gettext_in(language, CHALLENGE_NOT_SEEN_ANY)
        return gettext_in(language, sentence, detail=gettext_in(language, movement))
    return gettext_in(language, sentence)


def verdict_sentences(check: str, reasons: Iterable[str], language: str | None = None) -> list[str]:
    """One sentence per reason, or the check's success sentence when there are none."""
    language = _language(language)
    reasons = list(reasons)
    if reasons:
        return [reason_sentence(reason, language) for reason in reasons]
    return [gettext_in(language, SUCCESS[check])]


def verdict_text(verdict: Verdict, language: str | None = None) -> str:
    """What the citizen reads for a verdict, in ``language`` (default: the page's)."""
    return " ".join(verdict_sentences(verdict.check, verdict.reasons, language))


def challenge_instruction(code: str, language: str | None = None) -> str:
    """The instruction for one liveness movement ("Blink", "Моргните", ...)."""
    english = CHALLENGE_PHRASES.get(code, code.replace("_", " ")).capitalize()
    return gettext_in(_language(language), english)


def service_centre(language: str | None = None) -> str:
    """The sentence sending the citizen to a service centre after the last attempt."""
    language = _language(language)
    return steps.SERVICE_CENTRE if language == SOURCE_LANGUAGE else gettext_in(language, SERVICE_CENTRE)


def tries_left(left: object, language: str | None = None) -> str:
    """The attempts left after a refusal, "(2 tries left.)", in ``language``."""
    count = left if isinstance(left, int) else 0
    return ngettext_in(_language(language), "({left} try left.)", "({left} tries left.)", count, left=left)


def refusal_text(error: Refusal, language: str | None = None) -> str:
    """A refusal of an identification step in ``language``: the verdict's sentences with the attempts
    left (or the service centre after the last one); other refusals through the i18n catalogue."""
    language = _language(language)
    if language == SOURCE_LANGUAGE:
        return error.message
    reasons = error.extra.get("reasons")
    if error.code in ("identification_refused", "identification_failed") and isinstance(
        reasons, list | tuple
    ):
        sentences = [reason_sentence(str(reason), language) for reason in reasons]
        if error.code == "identification_failed":
            sentences.append(service_centre(language))
        else:
            sentences.append(tries_left(error.extra.get("attempts_left"), language))
        return " ".join(sentences)
    return error_message(error.code, error.message, **error.extra)


def outcome_json(outcome: steps.StepOutcome) -> dict[str, Any]:
    """A positive step outcome as JSON, its ``message`` in the page's language."""
    return {**outcome.as_json(), "message": verdict_text(outcome.verdict)}


def hint_json(verdict: Verdict) -> dict[str, Any]:
    """A selfie quality hint as JSON, its ``message`` in the page's language."""
    return {"ok": verdict.ok, "reasons": list(verdict.reasons), "message": verdict_text(verdict)}


def task_json(issued: steps.IssuedTask) -> dict[str, Any]:
    """A liveness task as JSON, each movement's ``text`` in the page's language."""
    body = issued.as_json()
    body["challenges"] = [
        {**challenge, "text": challenge_instruction(challenge["code"])} for challenge in body["challenges"]
    ]
    return body

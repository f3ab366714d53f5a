"""A certificate's page in the console lists the audit events about its holder's IIN. The citizen's own
history speaks to the citizen ("your certificates", "you are not listed"); an operator reads about the
holder, so no sentence the console shows says "you" or "your", in any language's English source."""

from __future__ import annotations

import re

import pytest

from eds_toolkit.web import history_text
from eds_toolkit.web.operator.certificates import event_sentence

SECOND_PERSON = re.compile(r"(?i)\b(you|your|yours)\b")
GENERIC_REASONS = [reason for action, reason in history_text.REASON_SENTENCES if action == "*"]
EVENTS = sorted(
    {(action, outcome, None) for action in history_text.SENTENCES for outcome in ("ok", "refused")}
    | {(action, outcome, reason) for action, reason in history_text.REASON_SENTENCES if action != "*"
       for outcome in ("ok", "refused")}
    | {(action, "refused", reason) for action in history_text.SENTENCES for reason in GENERIC_REASONS},
    key=str,
)  # fmt: skip


@pytest.mark.parametrize(("action", "outcome", "reason"), EVENTS)
def test_the_console_never_speaks_to_the_operator_as_the_holder(action, outcome, reason):
    sentence = event_sentence(action, outcome, reason)
    assert not SECOND_PERSON.search(sentence), f"{action}/{outcome}/{reason}: {sentence!r}"


def test_a_refused_operator_action_is_not_shown_as_done():
    assert event_sentence("operator_revoke", "ok", None) == "Certificates revoked by a CA operator"
    refused = event_sentence("operator_revoke", "refused", "concurrent_change")
    assert "not carried out" in refused and "revoked by a CA operator" not in refused


def test_the_citizens_own_history_keeps_speaking_to_them():
    assert history_text.sentence_for("issue_with_csrs", "ok") == "Certificates issued for your own keys"

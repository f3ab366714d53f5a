"""The cabinet's history in words: every audit action the code writes has a sentence, and the page shows
sentences in en/kk/ru with the time, never a raw code, an internal reason, a secret or the address."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flow_helpers import GOOD_PIN, KNOWN_IIN, KNOWN_PHONE, code_for, make_csr_pem

from eds_toolkit.core.audit_models import AuditEvent
from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow import confirm_application, issue_with_csrs, set_pin, start, submit_code
from eds_toolkit.flow.machine import State
from eds_toolkit.web.history_text import (
    ALL_SENTENCES,
    REASON_SENTENCES,
    SENTENCES,
    STEP_RECORDED,
    sentence_for,
)
from tests.catalogues import po_text
from tests.evidence_free import IDENTIFICATION_ORDER, mark_identified

PACKAGE = Path(__file__).resolve().parents[2] / "eds_toolkit"
ADDRESS = "203.0.113.77"
HISTORY_TABLE = re.compile(r'<table class="history">.*?</table>', re.S)


def _formatted_pattern(node: ast.JoinedStr) -> str:
    """f"identification_{to_state}" -> the regular expression of the actions it can produce."""
    parts = [re.escape(p.value) if isinstance(p, ast.Constant) else "[a-z_]+" for p in node.values]
    return "".join(parts)


def _prefix_of(tree: ast.AST) -> str:
    """A module that writes ``action=f"<prefix>{action}"`` prefixes every action its helpers receive."""
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "action" and isinstance(node.value, ast.JoinedStr):
            first, *rest = node.value.values
            formatted = rest[0].value if len(rest) == 1 and isinstance(rest[0], ast.FormattedValue) else None
            if (
                isinstance(first, ast.Constant)
                and isinstance(formatted, ast.Name)
                and formatted.id == "action"
            ):
                return first.value
    return ""


def _action_positions(trees: list[ast.AST]) -> dict[str, int]:
    """Every function with an ``action`` parameter -> its position (audit helpers, decorators, steps)."""
    positions = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [a.arg for a in node.args.posonlyargs + node.args.args]
                if "action" in names:
                    positions[node.name] = names.index("action")
    return positions


def audit_actions_in_source() -> tuple[set[str], set[str]]:
    """(actions written as literals, patterns of actions built with f-strings) in eds_toolkit's source."""
    literals: set[str] = set()
    patterns: set[str] = set()
    trees = [
        ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "history_text.py"
    ]
    positions = _action_positions(trees)
    for tree in trees:
        prefix = _prefix_of(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "action":
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    literals.add(node.value.value)
                elif isinstance(node.value, ast.JoinedStr) and not prefix:
                    patterns.add(_formatted_pattern(node.value))
            elif isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                arg = node.args[positions[name]] if positions.get(name, 99) < len(node.args) else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    literals.add(prefix + arg.value)
                elif isinstance(arg, ast.JoinedStr):
                    patterns.add(re.escape(prefix) + _formatted_pattern(arg))
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if not any("ACTION" in name for name in names):
                    continue
                values = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
                literals.update(
                    v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
                )
    return literals, patterns


def test_the_source_scan_finds_the_actions_of_every_writer():
    literals, patterns = audit_actions_in_source()
    # one from each way an action is written: keyword, decorator, constant, table, prefixed helper
    for action in ("start", "expire", "confirm_phone", "renewal", "identify_face_match", "application.file"):
        assert action in literals
    assert "application.owner_decision" in literals and "application.return" in literals
    assert any(re.fullmatch(p, "identification_selfie_ok") for p in patterns)


def test_every_audit_action_in_the_source_has_a_sentence():
    literals, patterns = audit_actions_in_source()
    missing = sorted(literals - set(SENTENCES))
    assert not missing, f"audit actions without a sentence in web/history_text.py: {missing}"
    for pattern in patterns:
        assert any(re.fullmatch(pattern, action) for action in SENTENCES), f"no sentence for {pattern}"
    # the f-string ones, expanded: the identification states and the residence application's signatures
    for state in (*IDENTIFICATION_ORDER[1:],):
        assert f"identification_{state}" in SENTENCES
    assert "identification_failed" in SENTENCES
    assert {"application.sign_sms", "application.sign_eds"} <= set(SENTENCES)


def test_every_sentence_has_kazakh_and_russian():
    for sentence in ALL_SENTENCES | {"Done", "Not accepted"}:
        kk, ru = po_text("kk", sentence), po_text("ru", sentence)
        assert kk and ru and kk != sentence and ru != sentence


def test_sentences_pick_outcome_and_reason_and_never_echo_codes():
    assert sentence_for("identification_selfie_ok", "ok", "marked_by_library") == "Selfie accepted"
    assert sentence_for("submit_code", "ok") == "Phone confirmed with the SMS code"
    assert sentence_for("submit_code", "refused", "code_wrong") == "Wrong SMS code"
    assert sentence_for("submit_code", "refused", "code_expired") == "The SMS code had expired"
    assert sentence_for("submit_code", "refused", "too_many_attempts") == "SMS code not accepted"
    assert sentence_for("set_pin", "refused", "weak_pin") == "PIN not accepted"
    assert (
        sentence_for("application.owner_decision", "ok", "owner_declined")
        == "Owner declined the registration"
    )
    assert sentence_for("some_new_step", "ok", "internal_reason") == STEP_RECORDED
    assert sentence_for("some_new_step", "refused", "code_wrong") == STEP_RECORDED
    for action in SENTENCES:
        for outcome in ("ok", "refused"):
            text = sentence_for(action, outcome, "marked_by_library")
            assert "_" not in text and "." not in text  # no code such as identify_selfie or application.file
    assert all("_" not in text for text in REASON_SENTENCES.values())


def _csrf(client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


@pytest.fixture
def enrolled(client, ctx, outbox) -> str:
    """An enrolment with a wrong code, the right one, identification, a weak PIN, the PIN and certificates,
    plus an event of an action this module does not know; signed in to the cabinet."""
    started = start(ctx, KNOWN_IIN, client_address=ADDRESS)
    right = code_for(outbox, KNOWN_PHONE)
    wrong = "000000" if right != "000000" else "111111"
    with pytest.raises(Refusal):
        submit_code(ctx, started.enrolment.id, wrong, client_address=ADDRESS)
    submit_code(ctx, started.enrolment.id, right, client_address=ADDRESS)
    mark_identified(ctx, started.enrolment.id)
    with pytest.raises(Refusal):
        set_pin(ctx, started.enrolment.id, "111111", "111111", client_address=ADDRESS)
    set_pin(ctx, started.enrolment.id, GOOD_PIN, GOOD_PIN, client_address=ADDRESS)
    confirm_application(ctx, started.enrolment.id, client_address=ADDRESS)
    issue_with_csrs(
        ctx, started.enrolment.id, make_csr_pem(KNOWN_IIN), make_csr_pem(KNOWN_IIN), client_address=ADDRESS
    )
    with ctx.session() as session:
        session.add(
            AuditEvent(
                enrolment_id=started.enrolment.id,
                iin_hash=ctx.iin_hash(KNOWN_IIN),
                action="future_step_xyz",
                outcome="ok",
                reason="internal_reason_xyz",
                client_address=ADDRESS,
                at=ctx.now(),
            )
        )
        session.commit()
    response = client.post(
        "/cabinet/login",
        data={"csrf_token": _csrf(client, "/cabinet/login"), "iin": KNOWN_IIN, "pin": GOOD_PIN},
    )
    assert response.status_code == 302
    return right


EXPECTED = (
    "Enrolment started",
    "Wrong SMS code",
    "Phone confirmed with the SMS code",
    "Selfie accepted",
    "Video check passed",
    "Face matched the state photo and the identity-card photo",
    "PIN not accepted",
    "PIN set",
    "Name and IIN for the certificates checked and confirmed",
    "Certificates issued for your own keys",
    "Step recorded",
    "Done",
    "Not accepted",
)


@pytest.mark.parametrize("language", ["en", "kk", "ru"])
def test_the_cabinet_shows_the_history_as_sentences_in_the_page_language(client, enrolled, language):
    page = client.get(f"/cabinet/?lang={language}")
    assert page.status_code == 200
    table = HISTORY_TABLE.search(page.get_data(as_text=True))
    assert table
    history = re.sub(r"<[^>]+>", " ", table.group(0))  # the text the citizen reads
    for sentence in EXPECTED:
        shown = po_text(language, sentence)
        assert shown in history, f"{language}: {shown!r} missing"
    assert history.count(" GMT+05:00") >= 10  # each line carries its local time and zone
    raw = {code for code in SENTENCES if "_" in code or "." in code} | {
        "marked_by_library",
        "code_wrong",
        "weak_pin",
        "future_step_xyz",
    }
    raw |= {"internal_reason_xyz", "refused", *(str(s) for s in State if "_" in s)}
    for code in raw:
        assert not re.search(rf"\b{re.escape(code)}\b", history), f"{language}: raw {code!r} shown"
    assert ADDRESS not in page.get_data(as_text=True)
    for secret in (
        GOOD_PIN,
        enrolled,
    ):  # the PIN and the SMS code (a serial number elsewhere may hold digits)
        assert secret not in history

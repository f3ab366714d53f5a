"""Only the webcam steps, with the evidence they checked, move an enrolment into an identification state;
the evidence-free shortcut the tests use lives in tests/evidence_free.py and nowhere in the service."""

from __future__ import annotations

import ast
from pathlib import Path

import eds_toolkit.flow

ROOT = Path(__file__).resolve().parents[2]
# The three deciding steps, each moving the enrolment into its state with the verdict it recorded.
STEPS = {
    "eds_toolkit/flow/identification/selfie.py",
    "eds_toolkit/flow/identification/liveness_video.py",
    "eds_toolkit/flow/identification/id_photo.py",
    # a referred face match: the officer's audited decision on the pictures and scores is the evidence
    "eds_toolkit/flow/identification/review.py",
}
IDENTIFIED_STATES = {"SELFIE_OK", "LIVENESS_OK", "FACE_MATCHED"}
LIBRARIES = ("eds_toolkit", "ca", "keystore", "webcam_flow")


def moves_into_identification(call: ast.Call) -> bool:
    """A call passing State.SELFIE_OK / LIVENESS_OK / FACE_MATCHED as the state to move to."""
    targets = [k.value for k in call.keywords if k.arg == "to_state"] + call.args[3:4]
    return any(
        isinstance(t, ast.Attribute) and t.attr in IDENTIFIED_STATES and getattr(t.value, "id", "") == "State"
        for t in targets
    )


def test_the_flow_package_exports_no_evidence_free_shortcut():
    for name in ("mark_identified", "advance_identification", "fail_identification"):
        assert not hasattr(eds_toolkit.flow, name), name


def test_only_the_webcam_steps_move_an_enrolment_into_an_identification_state():
    offenders = []
    for package in LIBRARIES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and moves_into_identification(node):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
    assert not [o for o in offenders if "imports" in o], offenders
    places = {o.split(":")[0] for o in offenders}
    assert places <= STEPS, offenders
    assert places == STEPS, f"the scan found only {places}: it is looking in the wrong place"

"""The certificates page's script for the server-made keystores, run in Node on a fake page
(js/keystores_download.js): a success clears the earlier error and says where the zip went and which
file is for what, a refusal is tied to its field; the focus goes to each decision."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATIC = HERE.parents[2] / "eds_toolkit" / "web" / "static"


def run_page(outcome: str) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is required (Debian package nodejs)"
    result = subprocess.run(
        [
            node,
            str(HERE / "js" / "keystores_download.js"),
            str(STATIC / "issuance.js"),
            str(STATIC / "decision.js"),
        ]
        + [outcome],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_earlier_error_has_the_focus_when_the_page_loads():
    assert run_page("ok")["focusedOnLoad"] == "page-error"


def test_a_saved_zip_clears_the_earlier_error_and_says_where_it_went_and_what_is_in_it():
    seen = run_page("ok")
    assert not seen["staleErrorShown"] and seen["error"] is None
    assert seen["saved"] == ["eds-keystores.zip"]
    assert (
        seen["done"]
        == "Your browser saved the file eds-keystores.zip in its downloads folder (usually Downloads)."
    )
    assert seen["files"] == ["AUTH_RSA256_ab.p12", "RSA256_cd.p12"]
    assert seen["focused"] == "keystores-done"
    assert seen["passwordInvalid"] is None and seen["formHidden"] and seen["passwordsCleared"]


def test_a_refusal_is_tied_to_its_field_and_gets_the_focus():
    seen = run_page("refused")
    assert seen["error"] == "The password is too short." and not seen["staleErrorShown"]
    assert (seen["passwordInvalid"], seen["passwordDescribedBy"]) == ("true", "keystores-error")
    assert seen["focused"] == "keystores-error" and seen["saved"] == [] and not seen["formHidden"]

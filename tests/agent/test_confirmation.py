"""The citizen is asked before key choice and password: in a real terminal (a pty), and declined otherwise."""

from __future__ import annotations

import base64
import json
import re
import threading
import time

import pytest
from websockets.sync.client import connect

from keystore.pkcs12 import open_keystore

from .conftest import AIGERIM, EDS, PASSWORD, PORTAL, call, certificate_files, verify_cms
from .terminal import Terminal

BASICS = "kz.gov.pki.knca.basics"
COMMON = "kz.gov.pki.knca.commonUtils"
ISSUANCE = "kz.eds.toolkit.issuance"
PERSON = {"iin": AIGERIM.iin, "surname": AIGERIM.surname, "givenName": AIGERIM.given_name}
DOCUMENT = b"I agree."
FOLDER_QUESTION = r"asks to keep your EDS keys in this folder\..*\r\nFolder: .*\r\nAllow\? \[y/N\] "
SIGN_ARGS = {
    "allowedStorages": None,
    "format": "cms",
    "data": base64.b64encode(DOCUMENT).decode(),
    "signingParams": {"decode": True, "encapsulate": True},
    "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"]},
    "locale": "kk",
}


def test_in_a_terminal_the_citizen_types_the_password_and_picks_the_key(keys_copy, tmp_path, test_ca):
    terminal = Terminal(
        [
            str(EDS),
            "--home",
            str(tmp_path / "home"),
            "agent",
            "--port",
            "0",
            "--no-tls",
            "--store",
            str(keys_copy),
            "--terminal",
        ]
    )
    try:
        port = terminal.wait_for(r"ws://127\.0\.0\.1:(\d+)/").group(1)
        replies: list[dict] = []

        def portal() -> None:
            with connect(f"ws://127.0.0.1:{port}") as ws:
                ws.recv(timeout=10)
                replies.append(call(ws, BASICS, "sign", {**SIGN_ARGS, "locale": "en"}))

        page = threading.Thread(target=portal)
        page.start()
        terminal.wait_for(r"The site asks you to sign 1 document with your EDS\.")
        terminal.wait_for(r"SHA-256: [0-9a-f]{16}\r\nType the password of your keystores in .*\r\nPassword: ")
        mark = len(terminal.screen)
        terminal.type(PASSWORD + "\n")
        terminal.wait_for(r"Choose the key")
        terminal.wait_for(r"Number \(empty to cancel\): ")
        assert PASSWORD not in terminal.screen[mark:], "the password must not be echoed"
        assert re.search(r"1\. SIGN ", terminal.screen)
        terminal.type("1\n")
        page.join(timeout=60)
    finally:
        terminal.close()

    assert replies and replies[0]["status"] is True, replies
    verdict = verify_cms(replies[0]["body"]["result"].encode(), test_ca.root_path, tmp_path / "v")
    assert verdict.ok and verdict.content == DOCUMENT
    assert f"IIN{AIGERIM.iin}" in verdict.signer.subject.rfc4514_string()
    sign_keystore = certificate_files(keys_copy)["sign"]
    assert verdict.signer == open_keystore(sign_keystore.read_bytes(), PASSWORD).certificate


def test_without_a_terminal_and_without_yes_everything_is_declined(start_agent, keys_copy):
    agent = start_agent(store=keys_copy, yes=False, extra=("--terminal",))
    assert "not run in a terminal" in agent.process.stderr.readline()
    with connect(agent.url) as ws:
        ws.recv(timeout=10)
        basics = call(ws, BASICS, "sign", SIGN_ARGS)
        common = call(ws, COMMON, "getKeyInfo", ["PKCS12"])
        made = call(
            ws,
            "kz.eds.toolkit.issuance",
            "makeRequests",
            {"enrolmentId": "e-1", "iin": AIGERIM.iin, "surname": "A", "givenName": "B"},
        )
    # NCALayer's "cancelled" shapes: basics answers status true with an empty body
    assert basics == {"status": True, "body": {}}
    assert common == {"code": "500", "message": "action.canceled"}
    assert made == {"status": True, "body": {}}


def test_an_unanswered_question_is_cancelled_and_meanwhile_version_and_list_keys_answer(tmp_path):
    store = tmp_path / "eds-keys"
    terminal = Terminal(
        [str(EDS), "--home", str(tmp_path / "home"), "agent", "--port", "0", "--no-tls"]
        + ["--store", str(store), "--answer-timeout", "12", "--origin", PORTAL, "--terminal"]
    )
    try:
        port = terminal.wait_for(r"ws://127\.0\.0\.1:(\d+)/").group(1)
        replies: list[tuple[dict, float]] = []

        def first_tab() -> None:
            with connect(f"ws://127.0.0.1:{port}", origin=PORTAL) as ws:
                ws.recv(timeout=10)
                asked = time.monotonic()
                reply = call(ws, ISSUANCE, "makeRequests", {"enrolmentId": "e-1", **PERSON})
                replies.append((reply, time.monotonic() - asked))

        page = threading.Thread(target=first_tab)
        page.start()
        terminal.wait_for(FOLDER_QUESTION)
        # The question waits for the citizen; a reloaded page still finds the agent at once.
        with connect(f"ws://127.0.0.1:{port}", origin=PORTAL) as ws:
            ws.recv(timeout=5)
            version = json.loads(_call_within(ws, "version", 5))
            listed = json.loads(_call_within(ws, "listKeys", 5))
        assert version["status"] is True and listed["body"]["result"]["pending"] == []
        assert not replies, "the question is still open"

        page.join(timeout=40)
        terminal.wait_for(r"No answer in 12 s: cancelled\.")
        assert replies and replies[0][0] == {"status": True, "body": {}}  # NCALayer's "cancelled"
        assert 11 <= replies[0][1] < 30
        assert not (store / ".pending").exists(), "nothing was made"

        # Typing late does not answer the next question: only what is typed after it is shown counts.
        terminal.type("y\n")
        time.sleep(0.5)
        with connect(f"ws://127.0.0.1:{port}", origin=PORTAL) as ws:
            ws.recv(timeout=10)
            ws.send(json.dumps({"module": ISSUANCE, "method": "chooseStore", "args": {}}))
            terminal.wait_for(FOLDER_QUESTION + "$", timeout=10)
            with pytest.raises(TimeoutError):
                ws.recv(timeout=1.5)  # the stale "y" was dropped: the question still waits
            terminal.type("y\n")
            chosen = json.loads(ws.recv(timeout=10))
        assert chosen == {"status": True, "body": {"result": {"folder": str(store)}}}
    finally:
        terminal.close()


def _call_within(ws, method: str, seconds: float) -> str:
    ws.send(json.dumps({"module": ISSUANCE, "method": method, "args": {}}))
    return ws.recv(timeout=seconds)


def test_a_question_whose_page_closed_is_withdrawn_and_the_next_page_is_asked_at_once(tmp_path):
    store = tmp_path / "eds-keys"
    terminal = Terminal(
        [str(EDS), "--home", str(tmp_path / "home"), "agent", "--port", "0", "--no-tls"]
        + ["--store", str(store), "--origin", PORTAL, "--terminal"]
    )
    try:
        port = terminal.wait_for(r"ws://127\.0\.0\.1:(\d+)/").group(1)
        with connect(f"ws://127.0.0.1:{port}", origin=PORTAL) as ws:
            ws.recv(timeout=10)
            ws.send(
                json.dumps(
                    {"module": ISSUANCE, "method": "makeRequests", "args": {"enrolmentId": "e-1", **PERSON}}
                )
            )
            terminal.wait_for(FOLDER_QUESTION)
        # The tab is closed: a "y" typed now must not make keys for a page that is gone.
        terminal.wait_for(r"the question is withdrawn", timeout=10)
        terminal.type("y\n")
        time.sleep(0.5)
        assert not (store / ".pending").exists() and not list(store.glob("*")), "nothing was made"

        with connect(f"ws://127.0.0.1:{port}", origin=PORTAL) as ws:
            ws.recv(timeout=10)
            ws.send(json.dumps({"module": ISSUANCE, "method": "chooseStore", "args": {}}))
            terminal.wait_for(FOLDER_QUESTION + "$", timeout=10)
            terminal.type("y\n")
            assert json.loads(ws.recv(timeout=10))["status"] is True
    finally:
        terminal.close()

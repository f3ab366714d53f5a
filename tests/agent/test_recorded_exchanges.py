"""NCALayer's recorded exchanges (ncalayer-js-client's test/test-data.json, 50 requests answered by the
real NCALayer) replayed against `eds agent`: the answers must have NCALayer's shape.

The recordings used a hardware token (AKKaztokenStore); the replay asks for the PKCS#12 store the
agent has. Not comparable: the 10 exchanges where the person pressed Cancel (the agent runs with
--yes) and KAZTOKEN's own getVersion. The agent runs with a TSA (`eds serve`'s /pki/tsp), so the
time-stamped requests are answered with CAdES-T as NCALayer answered them. Every other exchange must
match, except the differences listed in ``DIFFERENCES`` with the reason for each; a change that makes
one match fails here until it is taken off the list, and one that breaks a match fails too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.sync.client import connect

RECORDINGS = Path(__file__).parent / "js" / "node_modules" / "ncalayer-js-client" / "test" / "test-data.json"
TOKEN = "AKKaztokenStore"
EMPTY = "a 3-byte 'hash' ('11\\n') with a time-stamp: NCALayer answered an empty CMS, eds agent refuses it"
NOT_A_HASH = "the 'hash' is 68 bytes of sha256sum's text output: eds agent signs only a SHA-256 digest"
DIFFERENCES = {
    13: NOT_A_HASH,
    14: NOT_A_HASH,
    15: NOT_A_HASH,
    39: EMPTY,
}


def _recordings() -> list[dict]:
    return json.loads(RECORDINGS.read_text(encoding="utf-8"))


def _comparable(index: int, exchange: dict) -> bool:
    response = exchange.get("response") or ""
    cancelled = '"action.canceled"' in response or json.loads(response or "{}") == {
        "body": {},
        "status": True,
    }
    return bool(exchange.get("request")) and not cancelled and "kz.digiflow" not in exchange["request"]


def _on_pkcs12(request: dict) -> dict:
    args = request.get("args")
    if isinstance(args, list) and args and args[0] == TOKEN:
        request["args"] = ["PKCS12", *args[1:]]
    if isinstance(args, dict) and isinstance(args.get("allowedStorages"), list):
        args["allowedStorages"] = ["PKCS12" if s == TOKEN else s for s in args["allowedStorages"]]
    return request


def _shape(reply: dict) -> tuple:
    """What a client branches on: the status or code, and the result's JSON type."""
    if "status" in reply:
        result = reply.get("body", {}).get("result")
        return ("basics", reply["status"], type(result).__name__, reply.get("code"))
    return ("common", reply.get("code"), type(reply.get("responseObject")).__name__)


@pytest.fixture(scope="module")
def replies(tmp_path_factory, keystore_folder, tsa_server):
    import shutil

    from .conftest import PASSWORD, RunningAgent

    home = tmp_path_factory.mktemp("recorded")
    store = home / "keys"
    shutil.copytree(keystore_folder, store)
    (home / "password.txt").write_text(PASSWORD + "\n")
    agent = RunningAgent(
        home / "home",
        ["--no-tls", "--yes", "--store", str(store), "--password-file", str(home / "password.txt")]
        + ["--tsa-url", f"{tsa_server.url}/pki/tsp"],  # the time-stamped requests get CAdES-T
    )
    answers = {}
    try:
        with connect(agent.url) as ws:
            ws.recv(timeout=10)
            for index, exchange in enumerate(_recordings()):
                if _comparable(index, exchange):
                    ws.send(json.dumps(_on_pkcs12(json.loads(exchange["request"]))))
                    answers[index] = json.loads(ws.recv(timeout=120))
    finally:
        agent.stop()
    return answers


def test_39_of_50_recorded_exchanges_are_comparable(replies):
    assert len(_recordings()) == 50
    assert len(replies) == 39


def test_every_comparable_exchange_has_ncalayers_shape_but_the_listed_differences(replies):
    recordings = _recordings()
    same, different = [], {}
    for index, reply in replies.items():
        recorded = json.loads(recordings[index]["response"])
        if _shape(reply) == _shape(recorded):
            same.append(index)
        else:
            different[index] = (_shape(recorded), _shape(reply), reply.get("message", ""))
    unexplained = {index: seen for index, seen in different.items() if index not in DIFFERENCES}
    assert not unexplained, unexplained
    now_matching = sorted(set(DIFFERENCES) & set(same))
    assert not now_matching, f"take these off DIFFERENCES: {now_matching}"
    assert len(same) == 39 - len(DIFFERENCES)


def test_the_differences_are_refusals_that_say_why(replies):
    for index, reason in DIFFERENCES.items():
        reply = replies[index]
        message = reply.get("message", "")
        if reason == EMPTY:
            assert "SHA-256" in message and "3 bytes" in message, reply
        else:
            assert reason == NOT_A_HASH and "SHA-256" in message and "68 bytes" in message, reply

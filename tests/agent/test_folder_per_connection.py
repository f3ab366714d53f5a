"""The key store folder a page chooses is that page's (its connection's): another tab, maybe another site
the citizen allowed, keeps its own choice, so its keys, keystores and signatures never follow it."""

from __future__ import annotations

import os
import uuid

from websockets.sync.client import connect

from eds_agent.agent import build_dispatcher
from eds_agent.confirmation import ScriptedConfirmer
from eds_agent.connection import Connection
from eds_agent.issuance import Issuance

from .conftest import AIGERIM, PORTAL, REPO, call

ISSUANCE = "kz.eds.toolkit.issuance"


def _request(method: str, **args) -> str:
    import json

    return json.dumps({"module": ISSUANCE, "method": method, "args": args})


def _folder(reply: dict) -> str:
    return reply["body"]["result"]["folder"]


def _make_requests(enrolment_id: str) -> str:
    return _request(
        "makeRequests",
        enrolmentId=enrolment_id,
        iin=AIGERIM.iin,
        surname=AIGERIM.surname,
        givenName=AIGERIM.given_name,
    )


def test_a_folder_chosen_on_one_connection_is_not_another_connections(tmp_path):
    preset, elsewhere = tmp_path / "eds-keys", tmp_path / "chosen-by-tab-a"
    confirmer = ScriptedConfirmer(yes=True)
    dispatcher = build_dispatcher(Issuance(confirmer, store=preset), confirmer)
    tab_a, tab_b = Connection(), Connection()

    assert _folder(dispatcher.handle(_request("chooseStore", path=str(elsewhere)), PORTAL, tab_a)) == str(
        elsewhere
    )

    assert _folder(dispatcher.handle(_request("listKeys"), PORTAL, tab_b)) == str(preset)
    assert _folder(dispatcher.handle(_make_requests("enrol-b"), PORTAL, tab_b)) == str(preset)
    assert _folder(dispatcher.handle(_request("listKeys"), PORTAL, tab_a)) == str(elsewhere)
    assert _folder(dispatcher.handle(_make_requests("enrol-a"), PORTAL, tab_a)) == str(elsewhere)
    assert _folder(dispatcher.handle(_request("listKeys"), None)) == str(preset), "nor a local program's"


def test_two_pages_on_a_running_agent_keep_their_own_folders(start_agent, tmp_path):
    preset, elsewhere = tmp_path / "eds-keys", tmp_path / "chosen-by-tab-a"
    agent = start_agent(store=preset, env={**os.environ, "PYTHONPATH": str(REPO)})
    with (
        connect(agent.url, origin=PORTAL, open_timeout=10) as tab_a,
        connect(agent.url, origin=PORTAL, open_timeout=10) as tab_b,
    ):
        tab_a.recv(timeout=10), tab_b.recv(timeout=10)  # the greetings
        assert _folder(call(tab_a, ISSUANCE, "chooseStore", {"path": str(elsewhere)})) == str(elsewhere)
        assert _folder(call(tab_b, ISSUANCE, "listKeys", {})) == str(preset)
        enrolment = uuid.uuid4().hex
        made = call(
            tab_b,
            ISSUANCE,
            "makeRequests",
            {"enrolmentId": enrolment, "iin": AIGERIM.iin, "surname": "A", "givenName": "B"},
        )
        assert _folder(made) == str(preset)
        assert not (elsewhere / ".pending").exists()

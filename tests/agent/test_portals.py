"""Allow this portal: a site the agent was not started for is let in only after the citizen allows it.

The attacker here is any web page the citizen happens to open while the agent runs: it may connect to
127.0.0.1 and ask for the keys. It must get nothing before the citizen allowed its site in a window
that names it, a "no" must stick (no window again from that site in this run), and a page must not be
able to flood the desktop with questions.
"""

from __future__ import annotations

import json
import subprocess
import threading

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from eds_agent.messages import say
from eds_agent.portals import MAX_REFUSALS, Portals, may_ask_about

from .conftest import EDS, call

SITE = "https://portal.example.kz"
ISSUANCE = "kz.eds.toolkit.issuance"
COMMON = "kz.gov.pki.knca.commonUtils"


@pytest.mark.parametrize(
    ("origin", "askable"),
    [
        ("https://egov.kz", True),
        ("https://portal.example.kz:8443", True),
        ("http://127.0.0.1:5000", True),  # a portal run on this computer
        ("http://localhost:5000", True),
        ("http://evil.example", False),  # plain http elsewhere: anyone on the network could be it
        ("null", False),  # sandboxed frames and file:// pages
        ("https://egov.kz/path", False),
        ("https://user@egov.kz", False),
        ("https://egov.kz:notaport", False),
        ("file://", False),
    ],
)
def test_only_https_sites_and_portals_on_this_computer_may_be_asked_about(origin, askable):
    assert may_ask_about(origin) is askable


def test_an_allowed_site_is_saved_a_refused_one_lasts_the_run_and_the_questions_stop_after_three_refusals(
    tmp_path,
):
    saved = tmp_path / "agent" / "portals.txt"
    portals = Portals(["https://listed.kz"], saved)
    assert portals.allowed("https://LISTED.kz/") and not portals.allowed(SITE)

    portals.allow(SITE)
    assert Portals([], saved).allowed(SITE), "an allowed site is remembered after a restart"
    assert Portals([], saved).saved() == [SITE]

    for number in range(MAX_REFUSALS):
        site = f"https://fake-{number}.example"
        assert portals.may_ask(site)
        portals.refuse(site)
        assert not portals.may_ask(site), "a refused site is not asked about again"
    assert not portals.may_ask("https://fake-next.example"), "after three refusals the agent stops asking"
    assert Portals([], saved).may_ask("https://fake-0.example"), "a refusal lasts until the agent stops"

    assert portals.forget(SITE) and not portals.allowed(SITE)
    assert not portals.forget(SITE)


def _page(url: str, origin: str, replies: list[dict], module: str = ISSUANCE, method: str = "version"):
    """A page from ``origin`` on another thread: the greeting, then one request."""

    def run() -> None:
        with connect(url, origin=origin, open_timeout=10) as ws:
            replies.append(json.loads(ws.recv(timeout=10)))
            replies.append(call(ws, module, method))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_new_site_is_answered_only_after_the_citizen_allows_it_in_a_window_and_then_never_asked_again(
    language, start_agent, desktop, tmp_path
):
    env = {**desktop.env, "LANG": {"kk": "kk_KZ.UTF-8", "ru": "ru_RU.UTF-8", "en": "C.UTF-8"}[language]}
    agent = start_agent(yes=False, password=None, origins=(), env=env)
    replies: list[dict] = []
    page = _page(agent.url, SITE, replies)

    window = desktop.wait_for_window(SITE)
    assert desktop.title(window) == f"{say('window_title', language)}: {SITE}"
    desktop.screenshot(f"{language}-allow-portal", window)
    assert len(replies) == 1 and replies[0] == {"result": {"version": "1.4"}}, "only the greeting so far"
    desktop.key("Return")  # Allow
    page.join(timeout=30)
    assert replies[1]["status"] is True, replies

    assert (agent.home / "agent" / "portals.txt").read_text().split() == [SITE]
    again: list[dict] = []
    _page(agent.url, SITE, again).join(timeout=15)
    assert again[1]["status"] is True and not desktop.windows_named(SITE), "asked once per site"

    listed = subprocess.run(
        [str(EDS), "--home", str(agent.home), "agent", "portals"], capture_output=True, text=True
    )
    assert listed.stdout.split() == [SITE]
    forgot = subprocess.run(
        [str(EDS), "--home", str(agent.home), "agent", "portals", "--forget", SITE],
        capture_output=True,
        text=True,
    )
    assert forgot.returncode == 0 and not (agent.home / "agent" / "portals.txt").read_text().strip()


def test_a_refused_site_gets_the_agents_refusal_and_cannot_ask_again_in_this_run(start_agent, desktop):
    agent = start_agent(yes=False, password=None, origins=(), env=desktop.env)
    replies: list[dict] = []
    page = _page(agent.url, SITE, replies, COMMON, "getActiveTokens")
    window = desktop.wait_for_window(SITE)
    desktop.key("Escape")  # Refuse
    page.join(timeout=30)
    assert replies[1] == {"code": "500", "message": replies[1]["message"]}
    assert SITE in replies[1]["message"] and not desktop.windows_named(SITE)

    with pytest.raises(InvalidStatus) as refused:
        connect(agent.url, origin=SITE, open_timeout=10)
    assert refused.value.response.status_code == 403
    assert json.loads(refused.value.response.body)["errorCode"] == "ORIGIN_NOT_ALLOWED"
    assert not desktop.windows_named(SITE) and window not in desktop.windows_named(SITE)


def test_a_plain_http_site_is_refused_at_the_handshake_without_a_window(start_agent, desktop):
    agent = start_agent(yes=False, password=None, origins=(), env=desktop.env)
    with pytest.raises(InvalidStatus) as refused:
        connect(agent.url, origin="http://evil.example", open_timeout=10)
    assert refused.value.response.status_code == 403
    assert not desktop.windows_named("evil.example")


def test_a_scripted_agent_never_allows_a_site_by_itself(start_agent):
    agent = start_agent(origins=())  # --yes: no person behind it
    with pytest.raises(InvalidStatus) as refused:
        connect(agent.url, origin=SITE, open_timeout=10)
    assert refused.value.response.status_code == 403
    assert "others are asked about" not in agent.banner

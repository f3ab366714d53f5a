"""The real run: headless Chromium on the certificates page of a real `eds serve` drives a real `eds agent`.

IIN and SMS code go through the pages; identification and PIN through the library on the server's
database (``tests.evidence_free.mark_identified`` + ``flow.set_pin``). Then the page finds the agent
(or explains how
to run it), the agent makes the keys, the server issues, and two .p12 files appear in the agent's
folder that `openssl pkcs12` opens with the password.
"""

from __future__ import annotations

import contextlib
import functools
import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import func, select
from websockets.sync.server import serve

from tests.e2e.browser import SCREENSHOTS, Screenshots, new_page, start_chromium, wait_for
from tests.e2e.eds import openssl_pkcs12_subject, start_eds_agent, start_eds_serve
from tests.e2e.services import ServiceProcess, free_port, start_service

pytestmark = pytest.mark.browser

PIN = "385927"
AGENT_PASSWORD = "Kilt-Tuz-Kala-2026"  # in the agent's --password-file
PAGE_PASSWORD = "Tulpar-Kokpar-2026"  # typed in the page


def _starter(home: Path) -> Callable[..., ServiceProcess]:
    """The harness's ``start_service`` with its logs in <home>/logs (what e2e.eds's starters take)."""
    return functools.partial(start_service, log_dir=home / "logs")


@dataclass
class Portal:
    home: Path
    server: ServiceProcess
    agent_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def flow_context(self):
        from eds_toolkit.services import build_service_context
        from eds_toolkit.settings import Settings

        return build_service_context(
            Settings.from_env({"EDS_HOME": str(self.home), "EDS_SMS_GATEWAY": "outbox"})
        )


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Iterator[Portal]:
    """One `eds serve` for the module; its page looks for the agent at ws://127.0.0.1:<agent_port>."""
    home = tmp_path_factory.mktemp("portal-home")
    agent_port = free_port()
    server = start_eds_serve(_starter(home), home, {"EDS_AGENT_URL": f"ws://127.0.0.1:{agent_port}"})
    yield Portal(home, server, agent_port)
    server.stop()


@pytest.fixture
def agents(portal: Portal, tmp_path: Path) -> Iterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    yield started
    for agent in started:
        agent.stop()


@pytest.fixture
def browser(tmp_path: Path, request: pytest.FixtureRequest):
    driver = start_chromium(None, tmp_path / "chromium-profile")
    yield driver
    driver.quit()


class CertificatesPage:
    """The citizen's browser on `eds serve`, with a screenshot after each step."""

    def __init__(self, driver, portal: Portal, shots: str) -> None:
        self.driver, self.portal = driver, portal
        self.screenshots = Screenshots(driver, SCREENSHOTS / "portal_agent" / shots)
        self.screenshots.directory.mkdir(parents=True, exist_ok=True)

    def shot(self, step: str) -> None:
        self.screenshots.take(step)

    def element(self, element_id: str):
        return self.driver.find_element(By.ID, element_id)

    def submit(self, field: str, value: str) -> None:
        self.element(field).send_keys(value)
        with new_page(self.driver, "the next page"):
            self.element(field).find_element(By.XPATH, "./ancestor::form").submit()

    def reach_certificates(self, iin: str, phone: str) -> str:
        """IIN and code through the pages, identification and PIN through the library; the enrolment id."""
        from eds_toolkit.flow import confirm_application, set_pin
        from eds_toolkit.flow.models import Enrolment
        from eds_toolkit.sms.outbox import last_code_for
        from tests.evidence_free import mark_identified

        self.driver.get(f"{self.portal.url}/")
        self.submit("iin", iin)
        code = wait_for(
            lambda: last_code_for(self.portal.home / "outbox.jsonl", phone), 10, message="the SMS code"
        )
        self.submit("code", code)
        ctx = self.portal.flow_context()
        with ctx.session() as session:
            enrolment_id = session.scalars(
                select(Enrolment.id).where(Enrolment.iin == iin).order_by(Enrolment.created_at.desc())
            ).first()
        mark_identified(ctx, enrolment_id)
        set_pin(ctx, enrolment_id, PIN, PIN)
        confirm_application(ctx, enrolment_id)
        self.open()
        return enrolment_id

    def open(self) -> None:
        self.driver.get(f"{self.portal.url}/certificates")

    def status(self) -> tuple[str, str]:
        element = self.element("agent-status")
        return element.get_attribute("data-state") or "", element.text

    def wait_for_status(self, *states: str, timeout: float = 15) -> str:
        wait_for(
            lambda: self.status()[0] in states,
            timeout,
            interval=0.2,
            message=f"agent status {states} (at {self.status()})",
        )
        return self.status()[1]

    def type_password(self, password: str, again: str | None = None) -> None:
        for field, value in (
            ("agent_password", password),
            ("agent_password_confirmation", again or password),
        ):
            self.element(field).clear()
            self.element(field).send_keys(value)

    def attempt(self) -> int:
        """How many times the button started a try (``data-attempt`` of the status line)."""
        return int(self.element("agent-status").get_attribute("data-attempt") or 0)

    def create_keys(self, timeout: float = 120) -> tuple[str, str]:
        """Press the button; (data-state, sentence) once done or refused. Prints how long it took."""
        started = time.monotonic()
        attempt = self.attempt()
        self.element("agent-start").click()
        # This try's answer, not an earlier error still on the page.
        wait_for(lambda: self.attempt() == attempt + 1, 5, message="the click to start a new try")
        self.wait_for_status("done", "error", timeout=timeout)
        print(f"agent button -> {self.status()[0]}: {time.monotonic() - started:.2f} s")
        return self.status()

    def listed_files(self) -> list[str]:
        return sorted(li.text for li in self.driver.find_elements(By.CSS_SELECTOR, "#agent-files li"))

    def csp_violations(self) -> list[str]:
        return [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
        ]


@contextlib.contextmanager
def fake_ncalayer(port: int) -> Iterator[None]:
    """A stand-in for NCALayer (which cannot run here) on ``port``: its greeting, then its
    MODULE_NOT_FOUND for any module it lacks, as NCALayer answers a module it has no bundle for."""

    def session(connection) -> None:
        connection.send(json.dumps({"result": {"version": "1.4"}}))
        for message in connection:
            module = json.loads(message).get("module")
            connection.send(json.dumps({"success": False, "errorCode": "MODULE_NOT_FOUND", "module": module}))

    with serve(session, "127.0.0.1", port) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield
        finally:
            server.shutdown()
            thread.join(timeout=10)


def _start_agent(
    portal: Portal, agents: list[ServiceProcess], tmp_path: Path, store: Path, origin: str | None = None
) -> None:
    password_file = tmp_path / "agent-password.txt"
    password_file.write_text(AGENT_PASSWORD + "\n")
    agent_home = tmp_path / "agent-home"
    agents.append(
        start_eds_agent(
            _starter(agent_home),
            agent_home,
            origin=origin or portal.url,
            store=store,
            password_file=password_file,
            port=portal.agent_port,
        )
    )


def _openssl_subject(p12: Path, password: str) -> str:
    """The harness's `openssl pkcs12` subject of a keystore, ``password`` handed over in a file (not argv)."""
    with tempfile.TemporaryDirectory() as folder:
        password_file = Path(folder) / "password.txt"
        password_file.write_text(password + "\n")
        return openssl_pkcs12_subject(p12, password_file)


def _certificate_rows(portal: Portal, enrolment_id: str) -> tuple[str, int]:
    from ca.store import CertificateRecord
    from eds_toolkit.flow.models import Enrolment

    ctx = portal.flow_context()
    with ctx.session() as session:
        state = session.get(Enrolment, enrolment_id).state
        count = session.scalar(
            select(func.count())
            .select_from(CertificateRecord)
            .where(CertificateRecord.enrolment_id == enrolment_id)
        )
    return str(state), count


def test_without_the_agent_the_page_explains_it_then_with_it_makes_two_keystores(
    portal, agents, browser, tmp_path
):
    page = CertificatesPage(browser, portal, "agent-password-file")
    store = tmp_path / "chosen-folder" / "eds-keys"
    enrolment_id = page.reach_certificates("850314312017", "+77011234567")

    assert "not found" in page.wait_for_status("missing")
    assert page.element("agent-missing").is_displayed()
    assert page.element("agent-download").is_displayed()
    command = page.element("agent-command").get_attribute("textContent")  # in the administrators' details
    assert command == f"eds agent --port {portal.agent_port} --no-tls --origin {portal.url}"
    assert page.element("agent-install").get_attribute("textContent") == "pipx install eds-toolkit"
    assert "docs/agent.md" in page.element("agent-guide").get_attribute("textContent")
    assert page.element("server-keys").is_displayed() and page.element("csr-upload").is_displayed()
    page.shot("agent-missing")

    with fake_ncalayer(portal.agent_port):  # the national signing app on the agent's port
        page.open()
        assert "Another signing program" in page.wait_for_status("other-app")
        assert "NCALayer" in page.element("agent-missing-why").text
        assert page.element("agent-download").is_displayed()
        page.shot("another-signing-program")

    _start_agent(portal, agents, tmp_path, store, origin="https://another-portal.example")
    page.open()  # an agent that does not trust this portal refuses the page: the same help
    page.wait_for_status("missing")
    agents.pop().stop()

    _start_agent(portal, agents, tmp_path, store)
    page.open()
    assert page.wait_for_status("found") == "Signing agent found"
    assert page.element("agent_folder").get_attribute("value") == str(store)
    page.shot("agent-found")

    state, said = page.create_keys()  # password fields left empty: the agent asks (its --password-file)
    page.shot("agent-done")

    assert state == "done", said
    files = sorted(p.name for p in store.glob("*.p12"))
    assert len(files) == 2 and files == page.listed_files()
    assert files[0].startswith("AUTH_RSA256_") and files[1].startswith("RSA256_")
    assert page.element("agent-folder-used").text == str(store)
    for name in files:
        assert "serialNumber=IIN850314312017" in _openssl_subject(store / name, AGENT_PASSWORD)
    assert not (store / ".pending").exists()  # the waiting keys are gone
    assert _certificate_rows(portal, enrolment_id) == ("issued", 2)
    assert not page.element("server-keys").is_displayed()
    assert page.csp_violations() == []

    page.open()  # back on the page later: issued, and the agent holds no keys waiting for it
    assert "already issued" in page.wait_for_status("issued")
    assert not page.element("agent-start").is_displayed()
    assert _certificate_rows(portal, enrolment_id) == ("issued", 2)


def test_a_weak_page_password_is_refused_and_finishing_later_never_issues_again(
    portal, agents, browser, tmp_path
):
    page = CertificatesPage(browser, portal, "agent-page-password")
    store = tmp_path / "eds-keys"
    _start_agent(portal, agents, tmp_path, store)
    enrolment_id = page.reach_certificates("920721433024", "+77051234568")
    page.wait_for_status("found")

    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("not a folder")
    page.element("agent_folder").clear()
    page.element("agent_folder").send_keys(str(not_a_folder / "eds-keys"))
    state, said = page.create_keys()
    page.shot("wrong-folder")
    assert state == "error" and "cannot write into" in said and str(not_a_folder) in said
    assert _certificate_rows(portal, enrolment_id) == ("pin_set", 0)
    page.element("agent_folder").clear()
    page.element("agent_folder").send_keys(str(store))

    page.type_password(PAGE_PASSWORD, "something else")
    page.element("agent-start").click()
    assert "different" in page.wait_for_status("error")
    assert _certificate_rows(portal, enrolment_id) == ("pin_set", 0)  # nothing was asked of anyone

    page.type_password("12345678")
    state, said = page.create_keys()
    page.shot("weak-password-refused")
    assert state == "error" and "refused the password" in said and "digit" in said
    assert list(store.glob("*.p12")) == []
    assert _certificate_rows(portal, enrolment_id) == ("issued", 2)

    page.open()  # a reload: the page now offers to save the pair already issued, with the waiting keys
    assert "already issued" not in page.wait_for_status("found")
    assert "issued" in page.status()[1]
    page.type_password(PAGE_PASSWORD)
    state, said = page.create_keys()
    page.shot("saved-after-reload")

    assert state == "done", said
    files = sorted(store.glob("*.p12"))
    assert len(files) == 2
    for p12 in files:
        assert "serialNumber=IIN920721433024" in _openssl_subject(p12, PAGE_PASSWORD)
        with pytest.raises(AssertionError, match="could not open"):
            _openssl_subject(p12, AGENT_PASSWORD)
    assert _certificate_rows(portal, enrolment_id) == ("issued", 2)
    assert page.csp_violations() == []

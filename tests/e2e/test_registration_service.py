"""The registration service in the personal cabinet, in real headless Chromium on a real `eds serve`, signed
with a real `eds agent` (NCALayer's ``kz.gov.pki.knca.basics`` ``sign``), one parametrised case per
scenario of issue 15: an owner confirms, a parent registers a 15-year-old, a 13-year-old is refused with
the explanation, an applicant not on a state rental contract is returned, an address part-owned by a
minor is sent to a service centre.

In each, a citizen signs in to the cabinet with their AUTH certificate through the agent, goes Services
-> Citizens -> Citizenship, migration and immigration -> Registration at the place of residence ->
"Online request", fills in the form (whom, the address's number in the property register), checks the
exact document and what the rules say on the review page, signs it with the agent and sees the decision
and the History of services; where an owner must consent, the owner signs in on their own computer and
confirms from "Consents awaiting me" by signing the consent document with their SIGN key through their
agent (the SMS code path is tested in-process). Every page is saved under
artifacts/screenshots/registration/<case>/NN-<who>-<step>.png.

Each person has their own computer: an `eds agent` over a folder with their two keystores, started on the
port the portal looks at when they sit down (the previous person's agent stops). Certificates and
keystores are made beforehand through the library on the server's own instance (an operator at a
service centre vouches for them); the test's own people and addresses go in with `eds citizens import`
and `eds registers import`, their ages counted from today so that a 15-year-old is 15 whenever the test
runs. Everything the test then checks goes through the pages.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from selenium.webdriver.common.by import By

from national_profile.iin import make_iin

from .browser import SCREENSHOTS, Screenshots, new_page, safe_name, start_chromium, wait_for
from .eds import EDS, start_eds_agent, start_eds_serve
from .services import ServiceProcess, free_port, start_service

pytestmark = pytest.mark.browser

KEYSTORE_PASSWORD = "Tulpar-Kokpar-2026"  # the keystores' password (each agent's --password-file)
SHOTS = SCREENSHOTS / "registration"
PHONE_WIDTH, PHONE_HEIGHT = 390, 844


TODAY = dt.datetime.now(ZoneInfo("Asia/Almaty")).date()  # the application's date, as the rules count it


def born(years: int) -> dt.date:
    """A birth date ``years`` full years (and about 100 days) before today."""
    return dt.date(TODAY.year - years, TODAY.month, min(TODAY.day, 28)) - dt.timedelta(days=100)


@dataclass(frozen=True)
class Citizen:
    """A person in the mobile-citizens base (the demo's, or this test's own, imported below)."""

    iin: str
    phone: str | None
    surname: str
    given_name: str
    patronymic: str | None = None


ZHUMABEKOV = Citizen("850314312017", "+77011234567", "Жұмабеков", "Асқар", "Серікұлы")  # owns AST-1001
SMAGULOVA = Citizen("920721433024", "+77051234568", "Smagulova", "Aigerim", "Nurlanovna")
PARENT = Citizen(make_iin(born(44), "M", 9001), "+77020009001", "Серікбаев", "Ерлан", "Қайратұлы")
FIFTEEN = Citizen(make_iin(born(15), "F", 9011), None, "Серікбаева", "Аружан", "Ерланқызы")
THIRTEEN = Citizen(make_iin(born(13), "M", 9021), None, "Серікбаев", "Нұрсұлтан", "Ерланұлы")
MOTHER = Citizen(make_iin(born(39), "F", 9031), "+77020009031", "Ахметова", "Гүлнар", "Бекқызы")
MINOR = Citizen(make_iin(born(12), "F", 9041), None, "Ахметова", "Жанар", "Ерланқызы")
OWN_PEOPLE = (PARENT, FIFTEEN, THIRTEEN, MOTHER, MINOR)

REGISTERS = {  # this test's own records, imported into the server's registers
    "property": "address_id,address,owner_iin,share\n"
    f'E2E-FAMILY,"Астана, улица Сарайшық 9, кв. 14",{PARENT.iin},1\n'
    f'E2E-SHARED,"Астана, улица Түркістан 12, кв. 8",{MOTHER.iin},1/2\n'
    f'E2E-SHARED,"Астана, улица Түркістан 12, кв. 8",{MINOR.iin},1/2\n',
    "family": "representative_iin,relation,person_iin,basis\n"
    f"{PARENT.iin},parent,{FIFTEEN.iin},birth record e2e-1\n"
    f"{PARENT.iin},parent,{THIRTEEN.iin},birth record e2e-2\n"
    f"{MOTHER.iin},parent,{MINOR.iin},birth record e2e-3\n",
}


@dataclass(frozen=True)
class Scenario:
    """One case: who applies, for whom (None: themselves), at which register address, who must consent
    (None: nobody), what the rules say before signing, and how it ends."""

    name: str
    applicant: Citizen
    person: Citizen | None
    address_id: str
    owner: Citizen | None
    preview: str  # "What the rules say now" on the review page
    status: str  # the application's status once everyone has acted
    status_words: str  # how the History of services says it
    explanation: str  # a part of the decision's sentence
    first: bool = False  # the form's errors and the phone-width pages are shown once


SCENARIOS = [
    Scenario(
        "owner-confirms",
        SMAGULOVA,
        None,
        "AST-1001",
        ZHUMABEKOV,
        "The owner will be asked to confirm",
        "registered",
        "Registered",
        "The owner of the home confirmed it.",
        first=True,
    ),
    Scenario(
        "parent-registers-15-year-old",
        PARENT,
        FIFTEEN,
        "E2E-FAMILY",
        None,
        "It will be registered",
        "registered",
        "Registered",
        "You own or part-own this address",
    ),
    Scenario(
        "13-year-old-refused",
        PARENT,
        THIRTEEN,
        "E2E-FAMILY",
        None,
        "It will be refused",
        "refused",
        "Refused",
        "under article 16 of the Civil Code",
    ),
    Scenario(
        "state-rental-applicant-returned",
        SMAGULOVA,
        None,
        "AST-1004",
        None,
        "It will be returned",
        "returned",
        "Returned",
        "contact the local executive body (akimat)",
    ),
    Scenario(
        "minor-owned-address-offline",
        MOTHER,
        None,
        "E2E-SHARED",
        None,
        "It cannot be done online",
        "sent_offline",
        "Only at a service centre",
        "only in person, at a public service centre",
    ),
]
PEOPLE = {scenario.applicant for scenario in SCENARIOS} | {s.owner for s in SCENARIOS if s.owner}


@dataclass
class Service:
    """`eds serve` (the cabinet), the server's instance, and the agent of whoever sits at a computer now."""

    home: Path
    server: ServiceProcess
    agent_port: int
    agent: ServiceProcess | None = None
    agent_logs: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def outbox(self) -> Path:
        return self.home / "outbox.jsonl"

    def context(self):
        """The server's instance as a library user sees it (same database, CA and SMS outbox)."""
        from eds_toolkit.services import build_service_context
        from eds_toolkit.settings import Settings

        return build_service_context(
            Settings.from_env({"EDS_HOME": str(self.home), "EDS_SMS_GATEWAY": "outbox"})
        )

    def folder_of(self, citizen: Citizen) -> Path:
        return self.home / "computers" / citizen.iin / "eds-keys"

    def sit_down(self, citizen: Citizen) -> None:
        """``citizen``'s computer: their agent (over their keystores) on the port the portal looks at."""
        if self.agent is not None:
            self.agent.stop()
        computer = self.folder_of(citizen).parent
        password_file = computer / "agent-password.txt"
        password_file.write_text(KEYSTORE_PASSWORD + "\n")
        self.agent = start_eds_agent(
            _starter(computer / "logs"),
            computer / "agent-home",
            origin=self.url,
            store=self.folder_of(citizen),
            password_file=password_file,
            port=self.agent_port,
        )
        self.agent_logs.append(self.agent.log)


def _starter(log_dir: Path) -> Callable[..., ServiceProcess]:
    return functools.partial(start_service, log_dir=log_dir)


def import_own_records(home: Path) -> None:
    """This test's people into the citizens base and its records into the registers, as an operator
    imports them (`eds citizens import`, `eds registers import`), into the running server's instance."""
    people = home / "e2e-people.csv"
    rows = [
        f"{p.iin},{p.surname},{p.given_name},{p.patronymic or ''},{iin_birth(p.iin)},{p.phone or ''}"
        for p in OWN_PEOPLE
    ]
    people.write_text("iin,surname,given_name,patronymic,birth_date,phone\n" + "\n".join(rows) + "\n")
    env = {**os.environ, "EDS_HOME": str(home)}
    subprocess.run([str(EDS), "citizens", "import", str(people)], env=env, check=True, capture_output=True)
    for kind, text in REGISTERS.items():
        path = home / f"e2e-{kind}.csv"
        path.write_text(text)
        subprocess.run(
            [str(EDS), "registers", "import", kind, str(path)], env=env, check=True, capture_output=True
        )


def iin_birth(iin: str) -> str:
    from national_profile.iin import parse_iin

    return parse_iin(iin).birth_date.isoformat()


def issue_keystore(ctx, folder: Path, citizen: Citizen, profile: str) -> None:
    """A certificate of ``profile`` from the server's CA (a service-centre identification), its keystore
    written into the agent's folder."""
    from ca.proofs.service_centre import ServiceCentreProof
    from keystore.csr import build_csr
    from keystore.pkcs12 import write_keystore

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = build_csr(key, iin=citizen.iin, surname=citizen.surname, given_name=citizen.given_name)
    proof = ServiceCentreProof(
        "op-e2e", "N0000001", citizen.iin, citizen.surname, citizen.given_name, citizen.patronymic
    )
    authority = ctx.ca()
    issued = authority.issue(csr.public_bytes(serialization.Encoding.PEM), proof, profile)
    chain = [authority.issuing_cert, authority.root_cert]
    write_keystore(folder, key, issued.certificate, chain, KEYSTORE_PASSWORD)


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("registration-home")
    agent_port = free_port()
    server = start_eds_serve(_starter(home / "logs"), home, {"EDS_AGENT_URL": f"ws://127.0.0.1:{agent_port}"})
    service = Service(home, server, agent_port)
    import_own_records(home)
    ctx = service.context()
    for citizen in PEOPLE:
        folder = service.folder_of(citizen)
        folder.mkdir(parents=True)
        for profile in ("auth", "sign"):
            issue_keystore(ctx, folder, citizen, profile)
    yield service
    if service.agent is not None:
        service.agent.stop()
    server.stop()


@pytest.fixture
def browsers(tmp_path: Path) -> Iterator[Callable[[], object]]:
    """``open()`` -> a fresh headless Chromium (no camera); each is quit at the end."""
    started = []

    def open_() -> object:
        driver = start_chromium(None, tmp_path / f"chromium-{len(started)}")
        started.append(driver)
        return driver

    yield open_
    for driver in started:
        driver.quit()


class Cabinet:
    """One person's browser on the cabinet, saving every page it reaches in the case's sequence."""

    def __init__(self, driver, service: Service, shots: Screenshots, who: str) -> None:
        self.driver, self.service, self.shots, self.who = driver, service, shots, who

    def shot(self, step: str) -> None:
        """The whole page, below the fold too (the signature's check is long), numbered in the case."""
        self.shots.directory.mkdir(parents=True, exist_ok=True)
        path = self.shots.directory / f"{len(self.shots.taken) + 1:02d}-{self.who}-{safe_name(step)}.png"
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        picture = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
        path.write_bytes(base64.b64decode(picture["data"]))
        self.shots.taken.append(path)

    def element(self, element_id: str):
        return self.driver.find_element(By.ID, element_id)

    def text(self, element_id: str) -> str:
        return self.element(element_id).text

    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.service.url).split("?")[0].split("#")[0]

    def open(self, path: str) -> None:
        with new_page(self.driver, path):
            self.driver.get(f"{self.service.url}{path}")

    def follow(self, element_id: str) -> None:
        with new_page(self.driver, f"the page #{element_id} leads to"):
            self.element(element_id).click()

    def fill(self, element_id: str, value: str) -> None:
        self.element(element_id).clear()
        self.element(element_id).send_keys(value)

    def press(self, button_id: str) -> None:
        """Press a submit button and wait for the page the server answers with."""
        with new_page(self.driver, f"the answer to #{button_id}"):
            self.element(button_id).click()

    def focused(self) -> str:
        return self.driver.execute_script("return document.activeElement && document.activeElement.id")

    def sign_in_with_certificate(self) -> None:
        self.open("/cabinet/login?lang=en")
        self.shot("sign-in")
        with new_page(self.driver, "the cabinet after the agent signed the challenge", timeout=60):
            self.element("cabinet-certificate-signin-button").click()
        assert self.path() == "/cabinet/", self.path()

    def csp_violations(self) -> list[str]:
        return [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
        ]


def overflow(driver) -> int:
    """How many CSS pixels the page is wider than the window (0: nothing sticks out sideways)."""
    return driver.execute_script(
        "return Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth);"
    )


def history_row(cabinet: Cabinet, application_id: str):
    return cabinet.driver.find_element(
        By.CSS_SELECTOR, f'table.applications tr[data-application="{application_id}"]'
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_a_citizen_applies_in_the_cabinet_and_signs_with_the_agent(scenario, service, browsers):
    from eds_toolkit.registration import application_document, describe
    from eds_toolkit.registration.owner_consent import consent_document, owner_decision_of

    shot_dir = SHOTS / scenario.name
    shutil.rmtree(shot_dir, ignore_errors=True)
    driver = browsers()
    shots = Screenshots(driver, shot_dir)
    applicant = Cabinet(driver, service, shots, "applicant")

    service.sit_down(scenario.applicant)
    applicant.sign_in_with_certificate()  # the AUTH key, through the agent
    applicant.shot("cabinet")
    with new_page(driver, "the catalogue"):
        driver.find_element(By.CSS_SELECTOR, '#services-links a[href="/cabinet/services/"]').click()
    headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "main h1, main h2, main h3")]
    assert headings == ["Services", "Citizens", "Citizenship, migration and immigration"]
    applicant.shot("catalogue")
    applicant.follow("service-residence-registration")
    applicant.shot("service")
    applicant.follow("online-request")
    applicant.shot("form")

    if scenario.first:
        applicant.press("file-application")  # nothing filled in: each field says what it needs
        assert applicant.focused() == "page-error"
        assert applicant.text("person-error") == "Choose whom you register."
        assert applicant.text("address_id-error").startswith("Enter the address's number")
        described = applicant.element("address_id").get_attribute("aria-describedby")
        assert described == "address_id-error address-id-hint"
        applicant.fill("address_id", "NOWHERE-404")  # in no register: the library says so at the field
        applicant.element("person-self").click()
        applicant.press("file-application")
        assert "in neither the property register nor" in applicant.text("address_id-error")
        applicant.shot("form-errors")

    if scenario.person is None:
        applicant.element("person-self").click()
    else:
        applicant.element("person-other").click()
        applicant.fill("person_iin", scenario.person.iin)
    applicant.fill("address_id", scenario.address_id)
    applicant.shot("form-filled")
    applicant.press("file-application")
    assert applicant.path().startswith("/cabinet/services/applications/"), applicant.path()
    application_id = applicant.path().rsplit("/", 1)[1]

    ctx = service.context()
    document = application_document(ctx, application_id)
    assert applicant.text("document-text") == document  # the review shows exactly what is signed
    assert json.loads(document)["address_id"] == scenario.address_id
    assert json.loads(document)["person_iin"] == (scenario.person or scenario.applicant).iin
    assert applicant.text("preview-outcome") == scenario.preview
    applicant.shot("review")

    applicant.element("agent-sign-button").click()  # the agent signs with the applicant's SIGN key
    wait_for(
        lambda: (
            applicant.path().endswith(application_id)
            and "application-decision" in driver.page_source
            or applicant.element("agent-sign-status").get_attribute("data-state") == "error"
        ),
        60,
        0.2,
        "the signed application's page",
    )
    assert "application-decision" in driver.page_source, applicant.text("agent-sign-status")
    assert applicant.text("page-notice") == "Your application is signed and filed."
    assert applicant.focused() == "page-notice"
    assert applicant.text("signed-with") == "EDS (SIGN certificate)"
    assert applicant.text("verdict-summary") == "The signature is valid."
    assert applicant.text("verdict-iin") == f"{scenario.applicant.iin} — the applicant's IIN"
    assert applicant.text("verdict-revocation").startswith("Not revoked (OCSP")
    assert describe(ctx, application_id).signed_with == "eds"
    applicant.shot("signed")

    applicant.follow("history-link")
    row = history_row(applicant, application_id)
    assert row.get_attribute("data-status") == ("awaiting_owner" if scenario.owner else scenario.status)
    applicant.shot("history")

    if scenario.owner is not None:
        owner_driver = browsers()
        owner = Cabinet(owner_driver, service, Screenshots(owner_driver, shot_dir, shots.taken), "owner")
        service.sit_down(scenario.owner)  # the owner, at their own computer
        owner.sign_in_with_certificate()
        owner.shot("cabinet")
        owner.open("/cabinet/services/consents")  # "Consents awaiting me"
        link = owner_driver.find_element(
            By.CSS_SELECTOR, f'a[href="/cabinet/services/consents/{application_id}"]'
        )
        owner.shot("consents")
        with new_page(owner_driver, "the consent page"):
            link.click()
        assert scenario.applicant.surname in owner.text("consent-request")
        assert owner.text("document-text") == document
        consent = owner.text("consent-document-text")
        assert consent == consent_document(ctx, application_id)  # exactly what the agent signs
        owner.shot("consent")
        owner.element("agent-sign-button").click()  # the agent signs the consent with the owner's SIGN key
        wait_for(
            lambda: (
                "application-decision" in owner_driver.page_source
                or owner.element("agent-sign-status").get_attribute("data-state") == "error"
            ),
            60,
            0.2,
            "the confirmed consent",
        )
        assert "application-decision" in owner_driver.page_source, owner.text("agent-sign-status")
        assert owner.text("page-notice") == "You confirmed the registration at your home."
        assert owner.focused() == "page-notice"
        assert owner.text("application-status") == "Registered"
        assert owner_decision_of(ctx, application_id).method == "eds"
        owner.shot("confirmed")
        assert owner.csp_violations() == []

    applicant.open("/cabinet/services/history")
    row = history_row(applicant, application_id)
    assert row.get_attribute("data-status") == scenario.status
    assert row.find_element(By.CSS_SELECTOR, "td.status").text == scenario.status_words
    applicant.shot("history-decided")
    with new_page(driver, "the application"):
        row.find_element(By.CSS_SELECTOR, "a").click()
    assert applicant.text("application-status") == scenario.status_words
    assert scenario.explanation in applicant.text("application-outcome")
    assert applicant.text("verdict-summary") == "The signature is valid."
    applicant.shot("result")
    assert describe(ctx, application_id).status == scenario.status

    if scenario.first:
        driver.set_window_size(PHONE_WIDTH, PHONE_HEIGHT)  # on a phone nothing sticks out sideways
        for path, step in (
            (f"/cabinet/services/applications/{application_id}", "result-phone"),
            ("/cabinet/services/history", "history-phone"),
            ("/cabinet/services/residence-registration/new", "form-phone"),
        ):
            applicant.open(path)
            applicant.shot(step)
            assert overflow(driver) == 0, path
    assert applicant.csp_violations() == []
    assert not any(KEYSTORE_PASSWORD in log.read_text(errors="replace") for log in service.agent_logs)
    assert all(path.is_file() for path in shots.taken)

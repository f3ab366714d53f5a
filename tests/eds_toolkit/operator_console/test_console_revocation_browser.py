"""The real run: headless Chromium on a real `eds serve`, signing in through a real `eds agent` that holds
the operator's AUTH keystore, finds a citizen by IIN, opens the AUTH certificate, revokes the pair with
keyCompromise, and sees OCSP say "revoked" and a newly published CRL list it; `openssl ocsp` and
`openssl crl` against the running service agree.

Both people get their pairs through the service's JSON API (identification through the library on the
server's database, as the other browser tests do); the operator's keystores are written into the
agent's folder as `eds agent` would keep them; `eds operator add` makes them a CA administrator.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings
from keystore.pkcs12 import build_keystore, keystore_filename
from tests.e2e.browser import SCREENSHOTS, Screenshots, new_page, start_chromium
from tests.e2e.eds import EDS, start_eds_agent, start_eds_serve, wait_for_code
from tests.e2e.services import ServiceProcess, free_port, start_service
from tests.eds_toolkit.certificate_renewal.renewal_helpers import csr_pem, key_for
from tests.evidence_free import mark_identified

pytestmark = pytest.mark.browser

OPERATOR_IIN, OPERATOR_PHONE = "920721433024", "+77051234568"  # demo citizens with phones
CITIZEN_IIN, CITIZEN_PHONE = "850314312017", "+77011234567"
AGENT_PASSWORD = "Kilt-Tuz-Kala-2026"  # the keystores' password, in the agent's --password-file
PIN = "385927"
NOTE = "Заявление гражданина: ноутбук с ключами украден"


@dataclass
class Issued:
    auth: x509.Certificate
    sign: x509.Certificate
    chain: list[x509.Certificate]


@dataclass
class Service:
    home: Path
    server: ServiceProcess
    agent_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def context(self):
        return build_service_context(
            Settings.from_env({"EDS_HOME": str(self.home), "EDS_SMS_GATEWAY": "outbox"})
        )

    def enrol(self, iin: str, phone: str) -> Issued:
        """A pair for ``iin`` through the JSON API, for keys made here (key_for)."""
        api = f"{self.url}/api/v1/enrolments"
        started = requests.post(api, json={"iin": iin}, timeout=30)
        assert started.status_code == 201, started.text
        enrolment, token = started.json()["id"], started.json()["token"]
        headers = {"Authorization": f"Bearer {token}"}

        def step(name: str, body: dict | None = None) -> dict:
            answer = requests.post(f"{api}/{enrolment}/{name}", json=body or {}, headers=headers, timeout=60)
            assert answer.status_code in (200, 201), (name, answer.text)
            return answer.json()

        step("code", {"code": wait_for_code(self.home / "outbox.jsonl", phone)})
        mark_identified(self.context(), enrolment)
        step("pin", {"pin": PIN, "pin_confirmation": PIN})
        step("application/confirm")
        body = step(
            "certificates",
            {
                "auth_csr": csr_pem(key_for(f"{iin}-auth"), iin),
                "sign_csr": csr_pem(key_for(f"{iin}-sign"), iin),
            },
        )
        return Issued(
            x509.load_pem_x509_certificate(body["auth_certificate"].encode()),
            x509.load_pem_x509_certificate(body["sign_certificate"].encode()),
            x509.load_pem_x509_certificates(body["chain"].encode()),
        )


@pytest.fixture(scope="module")
def service(tmp_path_factory, ca_template) -> Service:
    home = tmp_path_factory.mktemp("console-home")
    shutil.copytree(ca_template, home / "ca")
    agent_port = free_port()
    starter = functools.partial(start_service, log_dir=home / "logs")
    server = start_eds_serve(starter, home, {"EDS_AGENT_URL": f"ws://127.0.0.1:{agent_port}"})
    yield Service(home, server, agent_port)
    server.stop()


def run(*command: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), capture_output=True, text=True, timeout=120, **options)


def scroll_to(driver, element_id: str) -> None:
    """Bring an element to the top of the window, for the screenshot of a long page."""
    driver.execute_script("arguments[0].scrollIntoView(true);", driver.find_element(By.ID, element_id))


def test_an_operator_signs_in_through_the_agent_and_revokes_a_pair(service, tmp_path):
    operator = service.enrol(OPERATOR_IIN, OPERATOR_PHONE)
    citizen = service.enrol(CITIZEN_IIN, CITIZEN_PHONE)
    added = run(
        str(EDS), "operator", "add", OPERATOR_IIN, "--name", "Сейітова Мадина", "--role", "ca_admin",
        "--by", "e2e",
        env={**os.environ, "EDS_HOME": str(service.home), "EDS_SMS_GATEWAY": "outbox"},
    )  # fmt: skip
    assert added.returncode == 0, added.stderr

    store = tmp_path / "operator-keys"  # the operator's keystores, where eds agent keeps them
    store.mkdir()
    for profile, certificate in (("auth", operator.auth), ("sign", operator.sign)):
        keystore = build_keystore(
            key_for(f"{OPERATOR_IIN}-{profile}"), certificate, operator.chain, AGENT_PASSWORD
        )
        (store / keystore_filename(certificate)).write_bytes(keystore)
    password_file = tmp_path / "agent-password.txt"
    password_file.write_text(AGENT_PASSWORD + "\n")
    agent = start_eds_agent(
        functools.partial(start_service, log_dir=tmp_path / "agent-logs"),
        tmp_path / "agent-home",
        origin=service.url,
        store=store,
        password_file=password_file,
        port=service.agent_port,
    )
    driver = start_chromium(None, tmp_path / "chromium-profile")
    shots_dir = SCREENSHOTS / "operator"
    shutil.rmtree(shots_dir, ignore_errors=True)
    shots = Screenshots(driver, shots_dir)
    try:
        auth_serial = f"{citizen.auth.serial_number:040x}"
        sign_serial = f"{citizen.sign.serial_number:040x}"

        driver.get(f"{service.url}/operator/certificates")  # not signed in: to the sign-in page
        assert "/operator/login" in driver.current_url
        shots.take("sign-in-page")
        started = time.monotonic()
        with new_page(driver, "the console after sign-in", timeout=60):
            driver.find_element(By.ID, "operator-signin-button").click()
        signed_in_after = time.monotonic() - started
        assert driver.current_url.endswith("/operator/certificates"), (
            driver.current_url,
            driver.find_elements(By.ID, "operator-signin-status"),
        )
        assert "Сейітова Мадина" in driver.page_source
        shots.take("signed-in-search")

        driver.find_element(By.ID, "iin").send_keys(CITIZEN_IIN)
        with new_page(driver, "the search results"):
            driver.find_element(By.ID, "certificate-search").submit()
        assert "Certificates found: 2" in driver.find_element(By.ID, "results").text
        shots.take("search-by-iin")

        with new_page(driver, "the certificate's page"):
            driver.find_element(By.CSS_SELECTOR, f'a[href="/operator/certificates/{auth_serial}"]').click()
        assert driver.find_element(By.ID, "ocsp-status").get_attribute("data-status") == "good"
        assert sign_serial in driver.page_source  # the pair partner
        shots.take("certificate-valid")
        scroll_to(driver, "live-status")
        shots.take("certificate-valid-ocsp-and-crl")

        with new_page(driver, "the revocation form"):
            driver.find_element(By.ID, "revoke-link").click()
        for serial in (auth_serial, sign_serial):
            assert driver.find_element(By.ID, f"serial-{serial}").is_selected()  # the whole pair
        Select(driver.find_element(By.ID, "reason")).select_by_value("key_compromise")
        driver.find_element(By.ID, "note").send_keys(NOTE)
        shots.take("revoke-form")
        with new_page(driver, "the review"):
            driver.find_element(By.ID, "revoke-review").click()
        assert "2 in all" in driver.find_element(By.ID, "revoke-summary").text
        shots.take("revoke-review")
        started = time.monotonic()
        with new_page(driver, "the certificate's page after the revocation", timeout=60):
            driver.find_element(By.ID, "revoke-confirm").click()
        revoked_after = time.monotonic() - started
        assert "CRL number" in driver.find_element(By.ID, "revocation-done").text
        assert driver.find_element(By.ID, "ocsp-status").get_attribute("data-status") == "revoked"
        assert "keyCompromise" in driver.find_element(By.ID, "ocsp-status").text
        base = driver.find_element(By.ID, "crl-base")
        assert base.get_attribute("data-listed") == "yes"
        crl_number = int(base.get_attribute("data-number"))
        assert "Сейітова Мадина" in driver.find_element(By.ID, "revoked-by").text
        shots.take("certificate-revoked")
        scroll_to(driver, "live-status")
        shots.take("certificate-revoked-ocsp-and-crl")
        scroll_to(driver, "events")
        shots.take("certificate-revoked-audit-events")
        violations = [
            e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]
        ]
        assert violations == []
        print(f"sign-in through the agent: {signed_in_after:.2f} s; revocation + CRL: {revoked_after:.2f} s")
    finally:
        driver.quit()
        agent.stop()

    # What relying parties get from the running service, read by openssl.
    chain, issuing = tmp_path / "chain.pem", tmp_path / "issuing.pem"
    chain.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in citizen.chain))
    issuing.write_bytes(citizen.chain[0].public_bytes(serialization.Encoding.PEM))
    for profile, certificate in (("auth", citizen.auth), ("sign", citizen.sign)):
        leaf = tmp_path / f"{profile}.pem"
        leaf.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        asked = run(
            "openssl", "ocsp", "-issuer", str(issuing), "-cert", str(leaf), "-CAfile", str(chain),
            "-url", f"{service.url}/pki/ocsp", "-nonce", "-resp_text",
        )  # fmt: skip
        said = asked.stdout + asked.stderr
        assert asked.returncode == 0 and "Response verify OK" in said, said
        assert f"{leaf}: revoked" in said and "Reason: keyCompromise" in said

    answer = requests.get(f"{service.url}/pki/crl", timeout=30)
    assert answer.status_code == 200
    crl_file = tmp_path / "crl.der"
    crl_file.write_bytes(answer.content)
    text = run(
        "openssl", "crl", "-inform", "DER", "-in", str(crl_file), "-CAfile", str(chain), "-noout", "-text"
    )
    said = text.stdout + text.stderr
    assert text.returncode == 0 and "verify OK" in said, said
    assert re.search(r"X509v3 CRL Number:\s*\n\s*(\d+)", said).group(1) == str(crl_number)  # the page's CRL
    for certificate in (citizen.auth, citizen.sign):
        openssl_serial = f"{certificate.serial_number:X}"
        openssl_serial = ("0" if len(openssl_serial) % 2 else "") + openssl_serial
        entry = said.split(f"Serial Number: {openssl_serial}")[1].split("Serial Number:")[0]
        assert "Key Compromise" in entry, entry

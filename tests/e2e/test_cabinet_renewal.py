"""A citizen renews their pair on the cabinet's renewal page, in real headless Chromium, with a real
`eds agent --yes` (over wss://, trusted through `eds agent install`) and a real `eds serve`.

The citizen already holds a pair (issued by the running service's CA at a service centre: the test
issues it through the library into the same instance, with a Digital ID PIN) in two keystores in their
folder, protected by the agent's --password-file password. On the page: sign in with IIN + PIN ->
"Renew your certificates" -> eds agent found -> the folder and a password -> the agent makes the new
keys, signs the server's challenge with the current AUTH key, the server issues -> the agent refuses
to save under the (too weak) password -> the page opened again offers the renewed pair for saving ->
a good password -> two new keystores that `openssl pkcs12` opens with it. The cabinet shows the old
pair revoked ("Replaced by a new pair"); `openssl ocsp` and the CRL say the old pair is revoked
(superseded), OCSP says the new one is good. Then the citizen reports the new keys lost: the
revocation page, the SMS code from the outbox, the new pair revoked (keyCompromise), OCSP agrees.
Screenshots: artifacts/screenshots/renewal/.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium.webdriver.common.by import By

from .browser import SCREENSHOTS, Screenshots, new_page, wait_for
from .eds import (
    install_agent_trust,
    openssl_pkcs12_subject,
    start_eds_agent,
    start_eds_serve,
    wait_for_code,
)
from .services import free_port

pytestmark = pytest.mark.browser

CITIZEN = ("991231477068", "Тоқтарова", "Гүлнар")  # a demo citizen of `eds serve`, with a phone
CITIZEN_PHONE = "+77471234570"
PIN = "385927"
AGENT_FILE_PASSWORD = "Baiterek-Zhailau-2031"  # the current keystores' password (the agent's --password-file)
NEW_PASSWORD = "Tulpar-Kokpar-2027"  # typed on the page for the new keystores
WEAK_PASSWORD = "qwerty12"  # typed first: eds agent refuses to save under it
SHOTS = SCREENSHOTS / "renewal"


def test_a_citizen_renews_on_the_cabinet_page_with_eds_agent(tmp_path, start_process, open_browser):
    home, agent_home, user_home = tmp_path / "eds-home", tmp_path / "agent-home", tmp_path / "citizen-home"
    agent_port = free_port()
    server = start_eds_serve(start_process, home, {"EDS_AGENT_URL": f"wss://127.0.0.1:{agent_port}"})
    folder = tmp_path / "Менің ЭЦҚ кілттерім"
    old = issue_first_pair(home, folder)

    password_file = tmp_path / "agent-password.txt"
    password_file.write_text(AGENT_FILE_PASSWORD + "\n")
    agent = start_eds_agent(
        start_process,
        agent_home,
        origin=server.url,
        store=tmp_path / "agent-default-store",
        password_file=password_file,
        port=agent_port,
        tls=True,
    )
    install_agent_trust(agent_home, user_home)
    driver = open_browser(None, home=user_home)
    shutil.rmtree(SHOTS, ignore_errors=True)
    shots = Screenshots(driver, SHOTS)

    driver.get(f"{server.url}/cabinet/login")
    driver.find_element(By.ID, "iin").send_keys(CITIZEN[0])
    driver.find_element(By.ID, "pin").send_keys(PIN)
    shots.take("sign-in")
    with new_page(driver, "the cabinet"):
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    shots.take("cabinet-before")
    link = driver.find_element(By.CSS_SELECTOR, "#renewal-link a")
    with new_page(driver, "the renewal page"):
        link.click()
    assert driver.current_url == f"{server.url}/cabinet/renew"
    shown = driver.find_element(By.ID, "current-pair").text
    assert old["auth"] in shown and old["sign"] in shown and "GMT+05:00" in shown

    assert wait_for_agent(driver, ("found", "missing")) == "found", agent_said(driver)
    fill(driver, "agent_folder", str(folder))
    fill(driver, "agent_password", WEAK_PASSWORD)
    fill(driver, "agent_password_confirmation", WEAK_PASSWORD)
    shots.take("agent-found-folder-and-weak-password")
    started = time.monotonic()
    driver.find_element(By.ID, "renew-start").click()

    # The server renews, then eds agent refuses to save under that password; the citizen closes the page.
    assert wait_for_agent(driver, ("done", "error"), 120) == "error"
    print(f"keys, challenge, signature and renewal in the page: {time.monotonic() - started:.1f} s")
    shots.take("renewal-saving-refused")
    assert "refused the password" in agent_said(driver)
    assert len(list(folder.glob("*.p12"))) == 2, "nothing saved yet"
    driver.refresh()  # opened again: the renewed pair is offered for saving, the server is not asked again
    assert wait_for_agent(driver, ("unsaved", "found", "missing")) == "unsaved", agent_said(driver)
    assert driver.find_element(By.ID, "renew-start").text == "Save my new certificates into keystores"
    fill(driver, "agent_password", NEW_PASSWORD)
    fill(driver, "agent_password_confirmation", NEW_PASSWORD)
    shots.take("renewed-pair-offered-for-saving")
    started = time.monotonic()
    driver.find_element(By.ID, "renew-start").click()
    state = wait_for_agent(driver, ("done", "error"), 120)
    print(f"saving the renewed pair into two keystores: {time.monotonic() - started:.1f} s")
    shots.take(f"renewal-{state}")
    assert state == "done", agent_said(driver)

    new = {
        "auth": driver.find_element(By.ID, "new-auth-serial").text,
        "sign": driver.find_element(By.ID, "new-sign-serial").text,
    }
    keystores = sorted(p.name for p in folder.glob("*.p12"))
    new_files = sorted(set(keystores) - set(old["files"]))
    assert len(keystores) == 4 and len(new_files) == 2, keystores
    assert sorted(item.text for item in driver.find_elements(By.CSS_SELECTOR, "#agent-files li")) == new_files
    assert not list(folder.glob(".pending/*")), "the waiting keys must be gone once saved"
    new_password_file = tmp_path / "new-password.txt"
    new_password_file.write_text(NEW_PASSWORD + "\n")
    for name in new_files:
        assert f"serialNumber=IIN{CITIZEN[0]}" in openssl_pkcs12_subject(folder / name, new_password_file)
        opened = pkcs12_certificate(folder / name, new_password_file)
        assert f"{opened.serial_number:040x}" in new.values()
    page = driver.page_source
    assert "PRIVATE KEY" not in page and NEW_PASSWORD not in page

    with new_page(driver, "the cabinet again"):
        driver.find_element(By.ID, "back-to-cabinet").click()
    shots.take("cabinet-after")
    for serial in old["auth"], old["sign"]:
        row = driver.find_element(By.CSS_SELECTOR, f'tr[data-serial="{serial}"]')
        assert "status-revoked" in row.get_attribute("innerHTML") and "Replaced by a new pair" in row.text
    for serial in new.values():
        row = driver.find_element(By.CSS_SELECTOR, f'tr[data-serial="{serial}"]')
        assert "status-valid" in row.get_attribute("innerHTML")

    ca_files = ca_chain_files(home, tmp_path)
    assert ocsp_answer(server.url, ca_files, tmp_path / "old-auth.pem", old["auth_pem"]) == "revoked"
    assert ocsp_answer(server.url, ca_files, tmp_path / "old-sign.pem", old["sign_pem"]) == "revoked"
    new_auth_pem = next(
        pkcs12_certificate(folder / name, new_password_file) for name in new_files if name.startswith("AUTH_")
    ).public_bytes(serialization.Encoding.PEM)
    assert ocsp_answer(server.url, ca_files, tmp_path / "new-auth.pem", new_auth_pem) == "good"
    crl = x509.load_der_x509_crl(requests.get(f"{server.url}/pki/crl", timeout=10).content)
    for serial in old["auth"], old["sign"]:
        entry = crl.get_revoked_certificate_by_serial_number(int(serial, 16))
        assert entry is not None, f"{serial} is not on the CRL"
        assert (
            entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
            == x509.ReasonFlags.superseded
        )

    # The new keys are lost the same day: the citizen revokes the new pair with a code sent by SMS.
    with new_page(driver, "the revocation page"):
        driver.find_element(By.CSS_SELECTOR, "#revocation-link a").click()
    chosen = driver.find_element(By.CSS_SELECTOR, "input[name=pair]:checked")
    assert chosen.get_attribute("value") == new["auth"], "the newest pair comes first"
    driver.find_element(By.ID, "confirm_revocation").click()
    shots.take("revocation-chosen")
    with new_page(driver, "the code page"):
        driver.find_element(By.ID, "send-revocation-code").click()
    code = wait_for_code(home / "outbox.jsonl", CITIZEN_PHONE)
    fill(driver, "code", code)
    shots.take("revocation-code")
    with new_page(driver, "the cabinet after the revocation"):
        driver.find_element(By.ID, "confirm-revocation").click()
    shots.take("cabinet-after-revocation")
    assert "Your certificates are revoked" in driver.find_element(By.ID, "page-notice").text
    for serial in new.values():
        row = driver.find_element(By.CSS_SELECTOR, f'tr[data-serial="{serial}"]')
        assert "status-revoked" in row.get_attribute("innerHTML") and "Key lost or stolen" in row.text
    assert ocsp_answer(server.url, ca_files, tmp_path / "new-auth.pem", new_auth_pem) == "revoked"
    assert not driver.find_elements(By.ID, "renewal-link"), "nothing valid is left to renew"

    for process in (server, agent):
        log = process.log.read_text(errors="replace")
        for name, secret in (
            ("PIN", PIN),
            ("new password", NEW_PASSWORD),
            ("agent password", AGENT_FILE_PASSWORD),
        ):
            assert secret not in log, f"the {name} is in the log of {process.name}"


def agent_state(driver) -> str:
    return driver.find_element(By.ID, "agent-status").get_attribute("data-state") or ""


def agent_said(driver) -> str:
    return driver.find_element(By.ID, "agent-status").text


def wait_for_agent(driver, states: tuple[str, ...], timeout: float = 20) -> str:
    """Wait until the page's eds agent status is one of ``states``; return it."""
    return wait_for(
        lambda: agent_state(driver) in states and agent_state(driver), timeout, 0.1, f"one of {states}"
    )


def fill(driver, element_id: str, value: str) -> None:
    element = driver.find_element(By.ID, element_id)
    element.clear()
    element.send_keys(value)


def issue_first_pair(home: Path, folder: Path) -> dict:
    """The citizen's current pair from the running instance's CA (one pair: one enrolment id), its two
    keystores in ``folder`` under the agent's password, and a Digital ID account with the PIN."""
    from ca.proofs.service_centre import ServiceCentreProof
    from eds_toolkit.flow.models import DigitalIdAccount
    from eds_toolkit.pin import hash_pin
    from eds_toolkit.services import build_service_context
    from eds_toolkit.settings import Settings
    from keystore.csr import build_csr
    from keystore.keys import generate_private_key
    from keystore.pkcs12 import write_keystore

    iin, surname, given_name = CITIZEN
    ctx = build_service_context(Settings.from_env({"EDS_HOME": str(home), "EDS_SMS_GATEWAY": "outbox"}))
    authority = ctx.ca()
    chain = x509.load_pem_x509_certificates(authority.chain_pem())
    proof = ServiceCentreProof(
        operator_id="op-e2e", document_number="N0042", iin=iin, surname=surname, given_name=given_name
    )
    folder.mkdir(parents=True)
    made: dict = {"files": []}
    for profile in ("auth", "sign"):
        key = generate_private_key("rsa2048")
        csr = build_csr(key, iin=iin, surname=surname, given_name=given_name)
        issued = authority.issue(
            csr.public_bytes(serialization.Encoding.PEM), proof, profile, enrolment_id="centre-e2e-first"
        )
        made[profile] = issued.record.serial
        made[f"{profile}_pem"] = issued.pem()
        made["files"].append(write_keystore(folder, key, issued.certificate, chain, AGENT_FILE_PASSWORD).name)
    now = dt.datetime.now(dt.UTC)
    with ctx.session() as session:
        session.add(
            DigitalIdAccount(
                iin=iin, pin_hash=hash_pin(PIN), failed_attempts=0, created_at=now, updated_at=now
            )
        )
        session.commit()
    return made


def pkcs12_certificate(p12: Path, password_file: Path) -> x509.Certificate:
    opened = subprocess.run(
        ["openssl", "pkcs12", "-in", str(p12), "-passin", f"file:{password_file}", "-nokeys", "-clcerts"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return x509.load_pem_x509_certificate(opened.stdout[opened.stdout.index(b"-----BEGIN CERTIFICATE") :])


def ca_chain_files(home: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(the chain, the issuing CA) as PEM files, from the instance's CA directory."""
    from eds_toolkit.bootstrap import ca_directory

    directory = ca_directory(home)
    issuing = directory / "issuing.cer.pem"
    chain = tmp_path / "chain.pem"
    chain.write_bytes(issuing.read_bytes() + (directory / "root.cer.pem").read_bytes())
    return chain, issuing


def ocsp_answer(base_url: str, ca_files: tuple[Path, Path], leaf: Path, leaf_pem: bytes) -> str:
    """`openssl ocsp` against the running service: good, revoked or unknown (the response verified)."""
    chain, issuing = ca_files
    leaf.write_bytes(leaf_pem)
    asked = subprocess.run(
        ["openssl", "ocsp", "-issuer", str(issuing), "-cert", str(leaf), "-CAfile", str(chain),
         "-url", f"{base_url}/pki/ocsp", "-nonce"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    output = asked.stdout + asked.stderr
    assert asked.returncode == 0 and "Response verify OK" in output, output
    return output.split(f"{leaf}: ")[1].split()[0]

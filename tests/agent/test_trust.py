"""`eds agent install` / `uninstall`: browsers trust the agent's local CA, which can vouch for loopback only.

The Chromium tests start Debian's Chromium headless with a temporary HOME and no certificate flag:
it trusts the agent because `install` put the CA in ``$HOME/.pki/nssdb``, and only then.
"""

from __future__ import annotations

import http.server
import ipaddress
import os
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from eds_agent.tls import CA_CERT_NAME, ensure_local_ca, ensure_tls_certificate, issue_server_certificate
from eds_agent.trust import NICKNAME
from tests.agent.conftest import EDS, RunningAgent
from tests.e2e.browser import CHROMEDRIVER, chromium_options

NOT_PRIVATE = "Your connection is not private"


@pytest.fixture
def user_home(tmp_path, monkeypatch) -> Path:
    """An empty HOME for the user; XDG_CONFIG_HOME unset, so autostart goes to HOME/.config."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return home


def user_env(home: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "XDG_CONFIG_HOME"}
    return {**env, "HOME": str(home), **extra}


def eds_agent(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EDS), "--home", str(home / "eds"), "agent", *args],
        env=env or user_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )


def certutil(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["certutil", *args], capture_output=True, text=True, check=False)


def nicknames(database: Path) -> dict[str, str]:
    """``{nickname: trust flags}`` of the certificates in an NSS database."""
    listing = certutil("-L", "-d", f"sql:{database}").stdout.splitlines()
    rows = [line.rstrip() for line in listing[4:] if line.strip()]
    return {row.rsplit(None, 1)[0].strip(): row.rsplit(None, 1)[1] for row in rows}


def new_database(path: Path) -> Path:
    path.mkdir(parents=True)
    assert certutil("-N", "-d", f"sql:{path}", "--empty-password").returncode == 0
    return path


def test_the_local_ca_is_constrained_to_loopback_and_signs_the_server_certificate(tmp_path):
    cert_path, _, created = ensure_tls_certificate(tmp_path)
    ca = x509.load_pem_x509_certificate((tmp_path / CA_CERT_NAME).read_bytes())
    server = x509.load_pem_x509_certificate(cert_path.read_bytes())

    assert created
    server.verify_directly_issued_by(ca)
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    assert set(constraints.value.permitted_subtrees) == {
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_network("127.0.0.1/32")),
    }
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    assert (tmp_path / "agent-ca.key").stat().st_mode & 0o777 == 0o600
    assert ensure_tls_certificate(tmp_path)[2] is False  # kept on the next start


def test_a_self_signed_certificate_of_an_earlier_agent_is_replaced_by_one_from_the_ca(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    ensure_local_ca(tmp_path)
    old = issue_server_certificate(tmp_path, [x509.DNSName("localhost")], key)
    (tmp_path / CA_CERT_NAME).rename(tmp_path / "old-ca.crt")
    (tmp_path / "agent-ca.key").unlink()
    (tmp_path / "agent-tls.crt").write_bytes(old.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "agent-tls.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )

    cert_path, _, created = ensure_tls_certificate(tmp_path)

    assert created
    new_ca = x509.load_pem_x509_certificate((tmp_path / CA_CERT_NAME).read_bytes())
    x509.load_pem_x509_certificate(cert_path.read_bytes()).verify_directly_issued_by(new_ca)


def test_install_trusts_the_ca_in_chromium_and_firefox_databases_and_starts_the_agent_at_login(user_home):
    firefox = new_database(user_home / ".mozilla" / "firefox" / "x1y2.default-release")
    snap_firefox = new_database(
        user_home / "snap" / "firefox" / "common" / ".mozilla" / "firefox" / "a.default"
    )

    result = eds_agent(user_home, "install", "--origin", "https://portal.example.kz")

    assert result.returncode == 0, result.stderr
    for database in (user_home / ".pki" / "nssdb", firefox, snap_firefox):
        assert nicknames(database) == {NICKNAME: "C,,"}, database
        assert str(database) in result.stdout
    autostart = (user_home / ".config" / "autostart" / "eds-agent.desktop").read_text()
    assert f"--home {user_home / 'eds'} --origin https://portal.example.kz\n" in autostart
    assert "-m eds_agent" in autostart


def test_uninstall_removes_only_what_install_added(user_home):
    nssdb = new_database(user_home / ".pki" / "nssdb")
    other = user_home / "other-ca.pem"
    ensure_local_ca(user_home / "other")
    other.write_bytes((user_home / "other" / CA_CERT_NAME).read_bytes())
    assert (
        certutil("-A", "-d", f"sql:{nssdb}", "-n", "Bank CA", "-t", "C,,", "-i", str(other)).returncode == 0
    )
    assert eds_agent(user_home, "install").returncode == 0
    assert set(nicknames(nssdb)) == {"Bank CA", NICKNAME}

    result = eds_agent(user_home, "uninstall")

    assert result.returncode == 0, result.stderr
    assert nicknames(nssdb) == {"Bank CA": "C,,"}
    assert not (user_home / ".config" / "autostart" / "eds-agent.desktop").exists()
    again = eds_agent(user_home, "uninstall")
    assert again.returncode == 0 and "No browser database held" in again.stdout


def test_install_follows_xdg_config_home(user_home):
    config = user_home / "elsewhere"
    result = eds_agent(user_home, "install", env=user_env(user_home, XDG_CONFIG_HOME=str(config)))
    assert result.returncode == 0, result.stderr
    assert (config / "autostart" / "eds-agent.desktop").is_file()
    assert not (user_home / ".config").exists()


def test_install_without_certutil_says_which_package_to_install(user_home, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    result = eds_agent(user_home, "install", env=user_env(user_home, PATH=str(empty)))
    assert result.returncode == 1
    assert "libnss3-tools" in result.stderr


# NSS's error for a name outside the CA's name constraints: -8080 (SEC_ERROR_CERT_NOT_IN_NAME_SPACE) on
# the classic path of NSS 3.87 (Debian 12); -8157 (SEC_ERROR_EXTENSION_NOT_FOUND) from libpkix there, and
# from both paths of NSS 3.110 (Debian 13)
NAME_REFUSED = ("-8080", "-8157")


def test_nss_refuses_what_the_ca_signs_for_any_other_name(tmp_path):
    """The name constraints are honoured by NSS itself (vfychain: classic and libpkix paths)."""
    agent_dir = tmp_path / "agent"
    good, _, _ = ensure_tls_certificate(agent_dir)
    nssdb = new_database(tmp_path / "nssdb")
    certutil("-A", "-d", f"sql:{nssdb}", "-n", NICKNAME, "-t", "C,,", "-i", str(agent_dir / CA_CERT_NAME))
    key = ec.generate_private_key(ec.SECP256R1())
    outsiders = {
        "site": [x509.DNSName("bank.example.kz")],
        "lan": [x509.IPAddress(ipaddress.ip_address("192.168.1.1"))],
    }

    def verify(certificate: Path, *mode: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["vfychain", "-d", f"sql:{nssdb}", *mode, "-u", "1", "-a", str(certificate)],
            capture_output=True,
            text=True,
        )

    def issue(name: str, names: list[x509.GeneralName]) -> Path:
        path = tmp_path / f"{name}.pem"
        path.write_bytes(
            issue_server_certificate(agent_dir, names, key).public_bytes(serialization.Encoding.PEM)
        )
        return path

    # the same CA, key and issuing code for a name inside the constraints is accepted: what is refused
    # below is refused for its name
    inside = issue("inside", [x509.DNSName("localhost")])
    for certificate in (good, inside):
        assert verify(certificate).returncode == 0
        assert verify(certificate, "-pp").returncode == 0
    for name, names in outsiders.items():
        path = issue(name, names)
        for mode in ((), ("-pp",)):
            result = verify(path, *mode)
            assert result.returncode != 0
            assert any(code in result.stdout + result.stderr for code in NAME_REFUSED), (name, mode, result)


def test_the_agent_started_from_the_desktop_the_first_time_installs_itself_once(user_home):
    first = RunningAgent(user_home / "eds", ["--yes", "--install-if-needed"], env=user_env(user_home))
    first_log = first.stop()
    second = RunningAgent(user_home / "eds", ["--yes", "--install-if-needed"], env=user_env(user_home))
    second_log = second.stop()

    assert "Trusted in" in first_log
    assert nicknames(user_home / ".pki" / "nssdb") == {NICKNAME: "C,,"}
    assert (user_home / ".config" / "autostart" / "eds-agent.desktop").is_file()
    assert "Trusted in" not in second_log


# --- real Chromium, no certificate flags ------------------------------------------------------------

PORTAL_PAGE = b"""<!doctype html><html><head><title>portal</title></head><body>
<script>
window.agentAnswer = function (url) {
  return new Promise(function (resolve) {
    var socket = new WebSocket(url);
    socket.onmessage = function (event) { socket.close(); resolve("message " + event.data); };
    socket.onerror = function () { resolve("error"); };
  });
};
</script></body></html>"""


@contextmanager
def serve(
    handler: type[http.server.BaseHTTPRequestHandler], context: ssl.SSLContext | None = None
) -> Iterator[int]:
    """An HTTP(S) server on 127.0.0.1 in a thread; yields its port."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class PortalPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(PORTAL_PAGE)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def chromium(home: Path, profile: Path, *flags: str) -> Iterator[webdriver.Chrome]:
    """Headless Chromium with HOME=``home`` (it reads ``home/.pki/nssdb``) and no certificate flag."""
    options = chromium_options(None, profile)
    for flag in flags:
        options.add_argument(flag)
    assert not any("certificate" in argument for argument in options.arguments)
    service = Service(executable_path=str(CHROMEDRIVER), env=user_env(home))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def body_text(driver: webdriver.Chrome, url: str) -> str:
    driver.get(url)
    return driver.execute_script("return document.title + '\\n' + document.body.innerText")


@pytest.mark.browser
@pytest.mark.slow
def test_chromium_without_certificate_flags_trusts_the_installed_agent_and_not_after_uninstall(
    user_home, tmp_path
):
    with serve(PortalPage) as portal_port:
        portal = f"http://127.0.0.1:{portal_port}"
        assert eds_agent(user_home, "install", "--no-autostart").returncode == 0
        agent = RunningAgent(user_home / "eds", ["--yes", "--origin", portal], env=user_env(user_home))
        try:
            with chromium(user_home, tmp_path / "profile-1") as driver:
                assert "eds agent is running." in body_text(driver, f"https://127.0.0.1:{agent.port}/")
                driver.get(portal + "/")
                answer = driver.execute_async_script(
                    "window.agentAnswer(arguments[0]).then(arguments[1]);", agent.url
                )
                assert answer.startswith("message ") and '"version"' in answer

            assert eds_agent(user_home, "uninstall").returncode == 0
            with chromium(user_home, tmp_path / "profile-2") as driver:
                assert NOT_PRIVATE in body_text(driver, f"https://127.0.0.1:{agent.port}/")
                driver.get(portal + "/")
                answer = driver.execute_async_script(
                    "window.agentAnswer(arguments[0]).then(arguments[1]);", agent.url
                )
                assert answer == "error"
        finally:
            agent.stop()


@pytest.mark.browser
@pytest.mark.slow
def test_chromium_refuses_a_certificate_the_agent_ca_signed_for_another_site(user_home, tmp_path):
    """Were the CA's key stolen, what it signs for a real site's name is refused (name constraints)."""
    assert eds_agent(user_home, "install", "--no-autostart").returncode == 0
    agent_dir = user_home / "eds" / "agent"
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [
        x509.DNSName("bank.example.kz"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    forged = issue_server_certificate(agent_dir, names, key)
    (tmp_path / "forged.crt").write_bytes(forged.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "forged.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "forged.crt", tmp_path / "forged.key")

    with (
        serve(PortalPage, context) as port,
        chromium(
            user_home, tmp_path / "profile", "--host-resolver-rules=MAP bank.example.kz 127.0.0.1"
        ) as driver,
    ):
        assert NOT_PRIVATE in body_text(driver, f"https://bank.example.kz:{port}/")

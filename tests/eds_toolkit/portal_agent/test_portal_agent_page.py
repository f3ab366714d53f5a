"""The certificates page carries what its script needs to drive `eds agent`, under a CSP that lets it."""

from __future__ import annotations

import json

import pytest
from flow_helpers import KNOWN_IIN, KNOWN_PHONE, api_start, code_for, make_csr_pem, make_settings
from portal_agent_helpers import AGENT_URL, csrf_of, parse_page

from eds_toolkit.settings import DEFAULT_AGENT_DOWNLOAD_URL, DEFAULT_AGENT_URL, Settings, SettingsError
from eds_toolkit.web.agent_page import AGENT_CLIENT_JS, AGENT_INSTALL_COMMAND
from eds_toolkit.web.security import CONTENT_SECURITY_POLICY


def test_page_hands_the_script_the_agent_url_and_the_enrolments_person(client, enrolment_at_certificates):
    response = client.get("/certificates")

    assert response.status_code == 200
    page = parse_page(response.get_data(as_text=True))
    agent = page.by_id["agent"]
    assert agent["data-agent-url"] == AGENT_URL
    assert agent["data-enrolment-id"] == enrolment_at_certificates.id
    assert agent["data-iin"] == KNOWN_IIN
    assert (agent["data-surname"], agent["data-given-name"], agent["data-patronymic"]) == (
        "Жұмабеков",
        "Асқар",
        "Серікұлы",
    )
    assert agent["data-csr-url"] == "/certificates/csr"
    assert agent["data-csrf"]
    assert "data-issued" not in agent
    assert "hidden" in agent  # shown by the script only: without JS the forms below do the job
    for element_id in ("agent-status", "agent-start", "agent_folder", "agent_password", "agent-missing"):
        assert element_id in page.by_id, element_id
    assert page.by_id["agent-command"]["_tag"] == "code"


def test_page_scripts_are_files_of_this_origin_and_the_csp_lets_only_this_page_reach_the_agent(
    client, enrolment_at_certificates
):
    response = client.get("/certificates")
    page = parse_page(response.get_data(as_text=True))

    assert [s["src"] for s in page.scripts] == [
        "/agent/eds-agent-client.js",
        "/static/agent_keystores.js",
        "/static/issuance.js",
        "/static/decision.js",
    ]
    assert not page.inline_script
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert f"connect-src 'self' {AGENT_URL};" in policy
    assert client.get("/").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert AGENT_URL not in CONTENT_SECURITY_POLICY


def test_without_javascript_the_csr_upload_and_server_keystore_forms_remain(
    client, enrolment_at_certificates
):
    page = parse_page(client.get("/certificates").get_data(as_text=True))

    for field in ("auth_csr_file", "sign_csr_file", "password", "password_confirmation"):
        assert field in page.by_id
        assert "hidden" not in page.by_id[field]
    assert "hidden" not in page.by_id["csr-upload"] and "hidden" not in page.by_id["server-keys"]


def test_the_agent_client_is_served_as_javascript_from_its_one_source_file(client):
    response = client.get("/agent/eds-agent-client.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data() == AGENT_CLIENT_JS.read_bytes()
    assert b"kz.eds.toolkit.issuance" in response.get_data()


def test_the_page_logic_is_served_as_javascript(client):
    shared = client.get("/static/agent_keystores.js")
    page = client.get("/static/issuance.js")

    for response in (shared, page):
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
    assert b"installCertificates" in shared.get_data()
    assert b"makeRequests" in page.get_data()


def test_an_enrolment_not_yet_at_this_step_gets_no_person_for_the_agent(client, outbox):
    enrolment = api_start(client)
    assert enrolment.post("code", {"code": code_for(outbox, KNOWN_PHONE)}).status_code == 200
    with client.session_transaction() as session:
        session["enrolment_id"] = enrolment.id

    agent = parse_page(client.get("/certificates").get_data(as_text=True)).by_id["agent"]

    assert "data-iin" not in agent and "data-enrolment-id" not in agent


def test_an_issued_enrolment_page_carries_its_pair_for_the_agent(client, enrolment_at_certificates):

    issued = client.post(
        "/certificates/csr",
        data={"auth_csr": make_csr_pem(KNOWN_IIN).decode(), "sign_csr": make_csr_pem(KNOWN_IIN).decode()},
        headers={"X-CSRFToken": csrf_of(client), "Accept": "application/json"},
    ).get_json()

    agent = parse_page(client.get("/certificates").get_data(as_text=True)).by_id["agent"]

    assert agent["data-enrolment-id"] == enrolment_at_certificates.id
    assert "data-iin" not in agent  # no new keys for an issued enrolment
    assert json.loads(agent["data-issued"]) == issued


def test_agent_url_setting_defaults_to_the_agents_tls_port(tmp_path):
    settings = Settings.from_env({"EDS_HOME": str(tmp_path)})
    assert settings.agent_url == DEFAULT_AGENT_URL == "wss://127.0.0.1:13579"
    assert Settings.from_env(
        {"EDS_HOME": str(tmp_path), "EDS_AGENT_URL": "ws://127.0.0.1:4000/"}
    ).agent_url == ("ws://127.0.0.1:4000")


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:13579",  # not a WebSocket
        "wss://agent.example.kz:13579",  # not this computer
        "ws://127.0.0.1:13579/path",
        "ws://127.0.0.1:port",
        "ws://127.0.0.1:1 'unsafe-inline'",  # would widen the CSP
        "ws://127.0.0.1:1;script-src *",
    ],
)
def test_agent_url_that_is_not_a_loopback_websocket_is_refused(tmp_path, clock, url):
    with pytest.raises(SettingsError, match="EDS_AGENT_URL"):
        Settings.from_env({"EDS_HOME": str(tmp_path), "EDS_AGENT_URL": url})
    with pytest.raises(SettingsError, match="EDS_AGENT_URL"):
        make_settings(tmp_path, clock, agent_url=url)


def _certificates_page(home, clock, agent_url: str, language: str = "en"):
    from eds_toolkit.web import create_app

    app = create_app(make_settings(home, clock, agent_url=agent_url))
    return parse_page(app.test_client().get(f"/certificates?lang={language}").get_data(as_text=True))


@pytest.mark.parametrize(
    ("agent_url", "command"),
    [
        ("ws://127.0.0.1:14001", "eds agent --port 14001 --no-tls --origin http://127.0.0.1:5000"),
        ("wss://127.0.0.1:14001", "eds agent --port 14001 --origin http://127.0.0.1:5000"),
        ("ws://127.0.0.1:13579", "eds agent --no-tls --origin http://127.0.0.1:5000"),
        ("wss://127.0.0.1:13579", "eds agent --origin http://127.0.0.1:5000"),
    ],
)
def test_the_help_shows_the_exact_command_that_starts_the_agent_this_page_looks_for(
    home, clock, agent_url, command
):
    configured = Settings.from_env({"EDS_HOME": str(home), "EDS_AGENT_URL": agent_url}).agent_url

    page = _certificates_page(home, clock, configured)

    assert page.by_id["agent"]["data-agent-url"] == agent_url
    assert page.text("agent-command") == command


@pytest.mark.parametrize(
    ("language", "install_sentence", "guide_sentence"),
    [
        ("en", "Install eds-toolkit on this computer", "read the eds agent guide"),
        ("kk", "Осы компьютерге eds-toolkit орнатыңыз", "eds agent нұсқаулығын оқыңыз"),
        ("ru", "Установите eds-toolkit на этот компьютер", "прочитайте руководство по eds agent"),
    ],
)
def test_the_help_links_the_installer_and_keeps_the_command_line_for_administrators(
    home, clock, language, install_sentence, guide_sentence
):
    page = _certificates_page(home, clock, AGENT_URL, language)

    assert page.by_id["agent-download"]["href"] == DEFAULT_AGENT_DOWNLOAD_URL == "/downloads/eds-agent.deb"
    platforms = page.text("agent-platforms")
    for sentence in ("agent-linux", "agent-other-systems", "agent-phone"):
        assert page.text(sentence), sentence
    assert "pipx" not in platforms and "Python" not in platforms and "eds agent --" not in platforms
    assert page.by_id["agent-admin"]["_tag"] == "details" and "open" not in page.by_id["agent-admin"]
    admin = page.text("agent-admin")
    assert page.text("agent-install") == AGENT_INSTALL_COMMAND == "pipx install eds-toolkit"
    assert page.text("agent-trust-command") == "eds agent install --origin http://127.0.0.1:5000"
    assert (
        admin.index(install_sentence) < admin.index("pipx install eds-toolkit") < admin.index("eds agent --")
    )
    guide = page.text("agent-guide")
    assert guide_sentence in guide and "eds agent --help" in guide and "docs/agent.md" in guide
    assert "agent-trust-link" not in page.by_id  # no more clicking through the certificate warning


def test_the_installer_link_follows_eds_agent_download_url(home, clock):
    url = "https://downloads.example.kz/eds-agent_0.1.0_all.deb"
    settings = Settings.from_env({"EDS_HOME": str(home), "EDS_AGENT_DOWNLOAD_URL": url})
    assert settings.agent_download_url == url

    from eds_toolkit.web import create_app

    app = create_app(make_settings(home, clock, agent_download_url=url))
    page = parse_page(app.test_client().get("/certificates").get_data(as_text=True))
    assert page.by_id["agent-download"]["href"] == url


def test_the_agent_package_is_served_from_the_downloads_folder_of_the_home(home, clock):
    from eds_toolkit.web import create_app

    client = create_app(make_settings(home, clock)).test_client()
    assert client.get("/downloads/eds-agent.deb").status_code == 404
    (home / "downloads").mkdir()
    (home / "downloads" / "eds-agent.deb").write_bytes(b"!<arch>\ndebian-binary")

    response = client.get("/downloads/eds-agent.deb")

    assert response.status_code == 200
    assert response.get_data() == b"!<arch>\ndebian-binary"
    assert response.mimetype == "application/vnd.debian.binary-package"
    assert "attachment" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("language", ["en", "kk", "ru"])
def test_the_script_has_words_for_another_signing_program_on_the_agents_port(home, clock, language):
    messages = _certificates_page(home, clock, AGENT_URL, language).by_id["agent-messages"]

    assert "NCALayer" in messages["data-other-app-why"]
    assert messages["data-other-app"] and messages["data-other-app"] != messages["data-missing"]
    english = MESSAGES_EN_OTHER_APP
    assert (messages["data-other-app-why"] == english) == (language == "en")


@pytest.mark.parametrize("language", ["en", "kk", "ru"])
def test_no_element_of_the_page_names_an_attribute_twice(home, clock, language):
    """A browser keeps the first of two equal attribute names: a second ``data-refused`` once put "eds agent
    refused this site" before every refusal of the agent (a wrong password, a full disk)."""
    page = _certificates_page(home, clock, AGENT_URL, language)
    assert page.repeated == []
    messages = page.by_id["agent-messages"]
    assert messages["data-refused"] != messages["data-site-refused"]


MESSAGES_EN_OTHER_APP = (
    "Another signing program, probably NCALayer, answers where this site looks for eds agent, but it "
    "cannot make keys for this site. Close it while you get your certificates, start eds agent with the "
    "command below, then reload this page."
)

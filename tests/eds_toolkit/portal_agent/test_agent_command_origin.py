"""The agent commands on /certificates name the portal's configured address (``EDS_BASE_URL``), never the
request's Host header: a forged Host must not put ``--origin http://evil.example`` in the page, or the
citizen would start an agent that lets the attacker's site use their keys."""

from __future__ import annotations

import pytest
from flow_helpers import api_to_pin_set, make_settings

from eds_toolkit.settings import Settings, SettingsError
from eds_toolkit.web import create_app

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}


def certificates_page(app, outbox, **request) -> str:
    from eds_toolkit.web.context import service

    client = app.test_client()
    enrolment = api_to_pin_set(client, service(app).flow, outbox)
    with client.session_transaction() as session:
        session["enrolment_id"] = enrolment.id
    return client.get("/certificates", **request).get_data(as_text=True)


@pytest.mark.parametrize("forged", [{"headers": FORGED}, {"base_url": "http://evil.example"}])
def test_a_forged_host_does_not_reach_the_agent_commands(home, clock, outbox, forged):
    app = create_app(make_settings(home, clock, base_url="https://eds.example.kz/portal"))
    page = certificates_page(app, outbox, **forged)
    assert "evil.example" not in page
    assert "--origin https://eds.example.kz</code>" in page
    assert "eds agent install --origin https://eds.example.kz<" in page


def test_the_origin_is_the_base_urls_scheme_host_and_port(home):
    settings = Settings.from_env({"EDS_HOME": str(home), "EDS_BASE_URL": "https://EDS.example.kz:8443/x/"})
    assert settings.portal_origin == "https://eds.example.kz:8443"


@pytest.mark.parametrize(
    "value",
    [
        "eds.example.kz",
        "ftp://eds.example.kz",
        "https://",
        "https://user@eds.example.kz",
        "https://eds.example.kz/?q=1",
        "https://eds.example.kz/#x",
        "https://eds.example.kz:port",
        "https://eds.example.kz --origin http://evil.example",
        'https://eds.example.kz/"',
    ],
)
def test_a_base_url_that_is_not_a_plain_http_address_is_refused_at_start(home, value):
    with pytest.raises(SettingsError, match="EDS_BASE_URL"):
        Settings.from_env({"EDS_HOME": str(home), "EDS_BASE_URL": value})

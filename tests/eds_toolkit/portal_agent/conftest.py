"""Portal-agent fixtures: the app with a known agent URL, an enrolment waiting for its certificates."""

from __future__ import annotations

import pytest
from flow_helpers import api_to_pin_set, make_settings
from portal_agent_helpers import AGENT_URL

from eds_toolkit.web import create_app


@pytest.fixture
def app(home, clock):
    return create_app(make_settings(home, clock, agent_url=AGENT_URL))


@pytest.fixture
def enrolment_at_certificates(client, ctx, outbox):
    """An enrolment in pin_set, bound to the test client's session as the pages bind it."""
    enrolment = api_to_pin_set(client, ctx, outbox)
    with client.session_transaction() as session:
        session["enrolment_id"] = enrolment.id
    return enrolment

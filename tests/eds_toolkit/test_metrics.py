"""The operators' /metrics: read from the database after real steps (issuance by each proof, a refusal, a
failed SMS, a CRL published), the same from a second process, never public, and no IIN, phone or
secret in a label."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flow_helpers import (
    GOOD_PASSWORD,
    GOOD_PIN,
    KNOWN_IIN,
    KNOWN_PHONE,
    api_start,
    api_to_pin_set,
    make_settings,
    wait_for_sms,
)
from metrics_helpers import BEARER, DIGIT_RUN, TOKEN, label_values, parse, value
from sms_gateways import SwitchableGateway

from ca.proofs.service_centre import ServiceCentreProof
from eds_agent.cms import sign_cms
from eds_toolkit.clock import FrozenClock
from eds_toolkit.core import audit
from eds_toolkit.metrics.labels import safe_label
from eds_toolkit.settings import SettingsError
from eds_toolkit.sms import OutboxGateway
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from keystore.csr import build_csr
from keystore.keys import generate_private_key

OTHER_IIN, OTHER_PHONE = "920721433024", "+77051234568"  # another demo citizen with a phone
DAY = 86400.0


@pytest.fixture
def clock() -> FrozenClock:
    """Just after real time: the session's test CA certified itself with the real clock, and the renewal
    checks the citizen's certificate chain at this time."""
    return FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=2))


@pytest.fixture
def gateway(home, clock) -> SwitchableGateway:
    return SwitchableGateway(OutboxGateway(home / "outbox.jsonl", clock=clock))


@pytest.fixture
def app(home, clock, gateway):
    return create_app(make_settings(home, clock, metrics_token=TOKEN, sms=gateway))


def scrape(client) -> dict:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return parse(response.get_data(as_text=True))


def csr(key, iin: str = KNOWN_IIN) -> str:
    request = build_csr(key, iin=iin, surname="Anybody", given_name="Else")
    return request.public_bytes(serialization.Encoding.PEM).decode()


def renew(client, auth_key, auth_pem: str, chain_pem: str) -> dict:
    """Renew over the API: the challenge signed with the current AUTH key, two new CSRs."""
    challenge = client.post("/api/v1/renewals").get_json()
    auth = x509.load_pem_x509_certificate(auth_pem.encode())
    chain = x509.load_pem_x509_certificates(chain_pem.encode())
    signed = sign_cms(challenge["challenge"].encode(), auth_key, auth, chain, attached=False)
    keys = [generate_private_key("rsa2048") for _ in range(2)]
    response = client.post(
        f"/api/v1/renewals/{challenge['id']}",
        json={
            "signed_challenge": base64.b64encode(signed).decode(),
            "auth_csr": csr(keys[0]),
            "sign_csr": csr(keys[1]),
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_metrics_follow_issuance_refusals_failed_sms_and_crl_publishing(app, client, ctx, clock, gateway):
    outbox = service(app).settings.home / "outbox.jsonl"
    before = scrape(client)
    assert (
        value(before, "eds_certificates_issued_total", profile="auth", identification="remote_digital_id")
        == 0
    )
    assert value(before, "eds_sms_failures_total", action="start") == 0
    assert value(before, "eds_crl_age_seconds", crl="base") is None  # nothing published yet

    enrolment = api_to_pin_set(client, ctx, outbox)
    auth_key, sign_key = generate_private_key("rsa2048"), generate_private_key("rsa2048")
    refused = enrolment.post(
        "certificates", {"auth_csr": csr(auth_key), "sign_csr": csr(sign_key, OTHER_IIN)}
    )
    assert refused.status_code == 422 and refused.get_json()["code"] == "iin_mismatch"
    issued = enrolment.post("certificates", {"auth_csr": csr(auth_key), "sign_csr": csr(sign_key)})
    assert issued.status_code == 201
    pair = issued.get_json()
    renew(client, auth_key, pair["auth_certificate"], pair["chain"])  # supersedes the first pair
    ctx.ca().issue(
        csr(generate_private_key("rsa2048"), OTHER_IIN).encode(),
        ServiceCentreProof("operator-7", "N01234567", OTHER_IIN, "Smagulova", "Aigerim"),
        "sign",
    )
    gateway.broken = True
    api_start(client, OTHER_IIN)  # its first SMS cannot be sent: the start is undone
    wait_for_sms()
    gateway.broken = False
    assert client.get("/pki/crl").status_code == 200  # the first request publishes the CRLs

    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    for profile in ("auth", "sign"):
        assert grew("eds_certificates_issued_total", profile=profile, identification="remote_digital_id") == 1
        assert grew("eds_certificates_issued_total", profile=profile, identification="renewal") == 1
    assert grew("eds_certificates_issued_total", profile="sign", identification="service_centre") == 1
    assert grew("eds_certificates_issued_total", profile="auth", identification="service_centre") == 0
    assert grew("eds_certificates_revoked_total", reason="superseded") == 2
    assert value(after, "eds_certificates_valid") == 3  # five issued, two superseded
    assert value(after, "eds_certificates_expiring_within_30_days") == 0
    assert grew("eds_refusals_total", action="issue_with_csrs", reason="iin_mismatch") == 1
    assert grew("eds_sms_failures_total", action="start") == 1
    assert grew("eds_audit_events_total", action="start", outcome="undone") == 1
    assert grew("eds_audit_events_total", action="issue_with_csrs", outcome="ok") == 1
    # the CA signs with the real clock, the service's is frozen two minutes ahead of it
    base_age = value(after, "eds_crl_age_seconds", crl="base")
    assert 0 < base_age <= 120
    assert base_age + value(after, "eds_crl_next_update_seconds", crl="base") == 7 * DAY
    delta_age = value(after, "eds_crl_age_seconds", crl="delta")
    assert delta_age + value(after, "eds_crl_next_update_seconds", crl="delta") == 1 * DAY
    assert value(after, "eds_crl_age_seconds", crl="root") is None  # the root's CRL is signed offline
    assert value(after, "eds_identification_reviews_pending") == 0
    assert value(after, "eds_queue_up", queue="eds-identification") is None  # no EDS_QUEUE_URL
    counters = {key for key in before if key[0].endswith("_total")}
    assert all(after[key] >= before[key] for key in counters)

    clock.advance(8 * DAY)  # no request published since: the base CRL is past its nextUpdate
    late = scrape(client)
    assert value(late, "eds_crl_age_seconds", crl="base") == base_age + 8 * DAY
    assert value(late, "eds_crl_next_update_seconds", crl="base") == -1 * DAY - base_age
    clock.advance(340 * DAY)
    assert value(scrape(client), "eds_certificates_expiring_within_30_days") == 3
    clock.advance(30 * DAY)
    expired = scrape(client)
    assert value(expired, "eds_certificates_valid") == 0
    assert value(expired, "eds_certificates_issued_total", profile="sign", identification="renewal") == 1


def test_every_process_and_a_restarted_one_answer_the_same_counters(app, client, ctx, home, clock, gateway):
    scrape(client)  # this process has counted up to here; the steps below are counted after it
    enrolment = api_to_pin_set(client, ctx, home / "outbox.jsonl")
    assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 409
    assert (
        enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD}).status_code
        == 201
    )
    wait_for_sms()  # the owner's notice of the issuance is sent (and audited) after the answer
    first = scrape(client)
    other = create_app(
        make_settings(home, clock, metrics_token=TOKEN, sms=gateway)
    )  # a second, fresh process
    second = scrape(other.test_client())

    def counters(samples):
        return {key: v for key, v in samples.items() if key[0].endswith("_total")}

    assert counters(first) == counters(second)
    assert value(second, "eds_refusals_total", action="set_pin", reason="step_out_of_order") == 1
    assert (
        value(second, "eds_certificates_issued_total", profile="auth", identification="remote_digital_id")
        == 1
    )


def test_without_the_token_setting_the_endpoints_do_not_exist(home, clock):
    client = create_app(make_settings(home, clock)).test_client()
    for path in ("/metrics", "/metrics/process"):
        assert client.get(path).status_code == 404
        assert client.get(path, headers=BEARER).status_code == 404


def test_a_scrape_without_the_right_bearer_token_is_refused(client):
    for headers in ({}, {"Authorization": "Bearer " + TOKEN[:-1] + "x"}, {"Authorization": f"Basic {TOKEN}"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "eds_" not in response.get_data(as_text=True)
    assert client.get("/metrics", headers=BEARER).status_code == 200
    # OpenMetrics for a scraper that asks for it
    answer = client.get(
        "/metrics", headers={**BEARER, "Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert answer.mimetype == "application/openmetrics-text" and answer.get_data(as_text=True).endswith(
        "# EOF\n"
    )


def test_request_counts_exist_only_in_multiprocess_mode(client, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    assert client.get("/metrics/process", headers=BEARER).status_code == 404


def test_a_short_token_is_refused_at_start(home, clock):
    with pytest.raises(SettingsError, match="EDS_METRICS_TOKEN"):
        make_settings(home, clock, metrics_token="short-token")


def test_no_label_carries_an_iin_a_phone_number_or_a_secret(app, client, ctx, home, gateway):
    outbox = home / "outbox.jsonl"
    enrolment = api_to_pin_set(client, ctx, outbox)
    assert (
        enrolment.post("certificates", {"key_generation": "server", "password": GOOD_PASSWORD}).status_code
        == 201
    )
    assert client.post("/api/v1/enrolments", json={"iin": "12345"}).status_code == 422
    gateway.broken = True
    api_start(client, OTHER_IIN)
    wait_for_sms()
    with ctx.session() as session:  # a reason that is not a code (never written by the service) is hidden
        audit.record(
            ctx, session, iin=KNOWN_IIN, action="start", outcome="refused", reason=f"iin {KNOWN_IIN}"
        )
        session.commit()
    text = client.get("/metrics", headers=BEARER).get_data(as_text=True)
    samples = parse(text)
    assert value(samples, "eds_refusals_total", action="start", reason="other") == 1
    labels = label_values(samples)
    assert not [label for label in labels if DIGIT_RUN.search(label)]
    for secret in (
        KNOWN_IIN,
        OTHER_IIN,
        KNOWN_PHONE,
        KNOWN_PHONE[1:],
        OTHER_PHONE[2:],
        GOOD_PIN,
        GOOD_PASSWORD,
        TOKEN,
    ):
        assert secret not in text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("code_wrong", "code_wrong"),
        ("application.file", "application.file"),
        ("challenge_missing:blink,eyes_closed", "challenge_missing:blink,eyes_closed"),
        (None, "none"),
        ("850314312017", "other"),
        ("+77011234567", "other"),
        ("iin_850314312017", "other"),
        ("Bearer abc", "other"),
        ("x" * 101, "other"),
    ],
)
def test_label_values_are_codes_or_other(raw, shown):
    assert safe_label(raw) == shown

"""Rate limits shared through a real Redis server: two app instances ("workers") share the per-address
and per-IIN budgets, a Redis that is down is a clear SettingsError at start and a clear 503 at run time,
and under gunicorn with 2 workers the limit holds across workers (memory:// lets each worker its own)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flow_helpers import KNOWN_IIN, NO_PHONE_IIN, free_port, make_settings, wait_for_sms, wait_until_answers
from redis_server import running_redis

from eds_toolkit.settings import Settings, SettingsError
from eds_toolkit.web import create_app

OPENAPI = "/api/v1/openapi.json"  # cheap, and under the API's per-address limit


@pytest.fixture
def redis_server():
    with running_redis() as server:
        yield server


def _worker(home: Path, clock, storage_url: str, **limits):
    """One app instance, as one gunicorn worker would build it, on the shared instance directory."""
    settings = make_settings(home, clock, ratelimit_enabled=True, ratelimit_storage_url=storage_url, **limits)
    return create_app(settings).test_client()


def _assert_rate_limited_problem(response) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "rate_limited" and body["status"] == 429
    assert "Traceback" not in response.get_data(as_text=True)


def _sms_count(outbox: Path) -> int:
    """SMS in the outbox once every one queued so far was delivered (starts send after their answer)."""
    wait_for_sms()
    return len(outbox.read_text().splitlines()) if outbox.exists() else 0


def test_two_workers_sharing_redis_share_the_per_address_limit(home, clock, redis_server):
    first, second = (
        _worker(home, clock, redis_server.url, ratelimit_per_address="4/minute") for _ in range(2)
    )
    statuses = [(first if i % 2 == 0 else second).get(OPENAPI).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 200]

    _assert_rate_limited_problem(first.get(OPENAPI))
    _assert_rate_limited_problem(second.get(OPENAPI))
    # another client address still has its own budget
    assert second.get(OPENAPI, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_two_workers_on_memory_storage_each_keep_their_own_budget(home, clock):
    """The contrast: memory:// is per process, so two workers let twice the limit through."""
    first, second = (_worker(home, clock, "memory://", ratelimit_per_address="4/minute") for _ in range(2))
    statuses = [(first if i % 2 == 0 else second).get(OPENAPI).status_code for i in range(10)]
    assert statuses == [200] * 8 + [429, 429]


def test_two_workers_sharing_redis_share_the_per_iin_limit(home, clock, redis_server, outbox):
    first, second = (
        _worker(home, clock, redis_server.url, ratelimit_per_iin="3/hour", ratelimit_per_address="100/minute")
        for _ in range(2)
    )

    def start(client, iin: str, address: str):
        return client.post("/api/v1/enrolments", json={"iin": iin}, environ_base={"REMOTE_ADDR": address})

    # three starts for one IIN from three different addresses, across both workers
    assert start(first, KNOWN_IIN, "10.0.0.1").status_code == 201
    assert start(second, KNOWN_IIN, "10.0.0.2").status_code == 201
    assert start(first, KNOWN_IIN, "10.0.0.3").status_code == 201
    sent = _sms_count(outbox)

    _assert_rate_limited_problem(start(second, KNOWN_IIN, "10.0.0.4"))
    _assert_rate_limited_problem(start(first, f" {KNOWN_IIN[:6]} {KNOWN_IIN[6:]} ", "10.0.0.5"))
    assert _sms_count(outbox) == sent, "a refused start must not send an SMS"
    # the limit is per IIN: another citizen is not affected
    assert start(second, NO_PHONE_IIN, "10.0.0.4").status_code == 201


def test_redis_down_at_start_is_a_settings_error_naming_the_variable(home, clock):
    port = free_port()  # nothing listens here
    url = f"redis://:very-secret-pw@127.0.0.1:{port}/0"
    began = time.monotonic()
    with pytest.raises(SettingsError) as refused:
        create_app(make_settings(home, clock, ratelimit_enabled=True, ratelimit_storage_url=url))
    message = str(refused.value)
    assert "EDS_RATELIMIT_STORAGE_URL" in message and f"127.0.0.1:{port}" in message
    assert "does not answer" in message
    assert "very-secret-pw" not in message
    assert time.monotonic() - began < 10


def test_eds_serve_with_redis_down_exits_2_with_the_message_and_no_traceback(tmp_path, ca_template):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    env = {**os.environ, "EDS_HOME": str(home), "EDS_SMS_GATEWAY": "outbox"}
    env["EDS_RATELIMIT_STORAGE_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    env.pop("EDS_RATELIMIT_ENABLED", None)
    eds = Path(sys.executable).parent / "eds"
    result = subprocess.run(
        [str(eds), "serve", "--port", str(free_port())], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert "eds serve: EDS_RATELIMIT_STORAGE_URL: the rate-limit store" in result.stderr
    assert "Traceback" not in result.stderr


def test_gunicorn_with_redis_down_at_start_refuses_to_boot_with_the_message(tmp_path, ca_template):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    process = _gunicorn(home, free_port(), f"redis://127.0.0.1:{free_port()}/0", tmp_path / "access.log")
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "EDS_RATELIMIT_STORAGE_URL: the rate-limit store" in output
    assert "Worker failed to boot" in output


def test_rate_limits_switched_off_never_touch_the_storage(home, clock):
    """EDS_RATELIMIT_ENABLED=0 with an unreachable Redis URL: the service starts and answers."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    client = create_app(make_settings(home, clock, ratelimit_enabled=False, ratelimit_storage_url=url))
    assert client.test_client().get(OPENAPI).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["mysql://user:hunter2@db/x", "redis//localhost:6379", "localhost:6379", "memcached://127.0.0.1:11211"],
)
def test_unusable_storage_url_is_refused_by_the_settings(tmp_path, url):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"EDS_RATELIMIT_STORAGE_URL": url, "EDS_SECRET_KEY": "k" * 32}, home=tmp_path)
    message = str(refused.value)
    assert message.startswith("EDS_RATELIMIT_STORAGE_URL must be memory:// or a Redis URL")
    assert "hunter2" not in message


def test_redis_going_down_is_a_503_with_nothing_done_and_service_resumes_when_it_is_back(
    home, clock, redis_server, outbox
):
    app = create_app(
        make_settings(home, clock, ratelimit_enabled=True, ratelimit_storage_url=redis_server.url)
    )
    app.config["WTF_CSRF_ENABLED"] = False  # the HTML form below is refused by the limiter, not CSRF
    client = app.test_client()
    assert client.get(OPENAPI).status_code == 200

    redis_server.stop()
    refused = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN})
    assert refused.status_code == 503, refused.get_data(as_text=True)
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["code"] == "service_unavailable"
    assert refused.headers["Retry-After"] == "30"
    assert "Traceback" not in refused.get_data(as_text=True)
    assert _sms_count(outbox) == 0, "nothing may happen while the limits cannot be checked"

    page = client.post("/start", data={"iin": KNOWN_IIN})
    assert page.status_code == 503
    assert page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "temporarily unavailable" in text and "Traceback" not in text
    assert _sms_count(outbox) == 0
    # pages that are not rate-limited keep working
    assert client.get("/").status_code == 200

    redis_server.start()
    assert client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN}).status_code == 201
    assert _sms_count(outbox) == 1


def test_a_hung_redis_is_a_503_within_the_timeout_not_a_hung_worker(home, clock, redis_server, outbox):
    client = create_app(
        make_settings(home, clock, ratelimit_enabled=True, ratelimit_storage_url=redis_server.url)
    ).test_client()
    assert client.get(OPENAPI).status_code == 200
    os.kill(redis_server.process.pid, signal.SIGSTOP)  # accepts connections, never answers
    try:
        began = time.monotonic()
        refused = client.post("/api/v1/enrolments", json={"iin": KNOWN_IIN})
        waited = time.monotonic() - began
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)
    assert refused.status_code == 503 and refused.get_json()["code"] == "service_unavailable"
    assert waited < 5, f"waited {waited:.1f} s for a hung Redis"
    assert _sms_count(outbox) == 0


def _gunicorn(home: Path, port: int, storage_url: str, access_log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "EDS_HOME": str(home),
        "EDS_SMS_GATEWAY": "outbox",
        "EDS_RATELIMIT_STORAGE_URL": storage_url,
        "EDS_RATELIMIT_PER_ADDRESS": "5/minute",
        "EDS_BASE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("EDS_DATABASE_URL", None)
    env.pop("EDS_RATELIMIT_ENABLED", None)
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-w", "2",
        "-b", f"127.0.0.1:{port}",
        "--access-logfile", str(access_log),
        "--access-logformat", "%(p)s %(s)s %(U)s",
        "eds_toolkit.wsgi:app",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _answers_by_worker(access_log: Path, path: str) -> dict[str, Counter]:
    """{worker pid: Counter of status codes} for ``path``, read from gunicorn's access log."""
    by_worker: dict[str, Counter] = {}
    for line in access_log.read_text().splitlines():
        match = re.fullmatch(r"<(\d+)> (\d{3}) (\S+)", line.strip())
        if match and match.group(3) == path:
            by_worker.setdefault(match.group(1), Counter())[int(match.group(2))] += 1
    return by_worker


def _wait_for_both_workers(base: str, access_log: Path, timeout: float = 60.0) -> None:
    """Hit an unlimited page concurrently until both workers have answered it."""
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(4) as pool:
        while len(_answers_by_worker(access_log, "/")) < 2:
            assert time.monotonic() < deadline, "the second gunicorn worker never answered"
            list(pool.map(lambda _: requests.get(base + "/", timeout=10), range(8)))
            time.sleep(0.1)  # the access log is written after the answer


@pytest.mark.parametrize("storage", ["redis", "memory"])
def test_gunicorn_two_workers_limit_holds_across_workers_only_with_redis(
    storage, tmp_path, ca_template, redis_server
):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    port, access_log = free_port(), tmp_path / "access.log"
    url = redis_server.url if storage == "redis" else "memory://"
    process = _gunicorn(home, port, url, access_log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(base + "/", process, timeout=120)
        _wait_for_both_workers(base, access_log)
        with ThreadPoolExecutor(8) as pool:  # fresh connections, concurrently: both workers take them
            statuses = list(
                pool.map(lambda _: requests.get(base + OPENAPI, timeout=10).status_code, range(30))
            )
        time.sleep(0.3)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "Traceback" not in output, output
    served = _answers_by_worker(access_log, OPENAPI)
    assert len(served) == 2, f"both workers must have answered: {served}"
    assert set(statuses) <= {200, 429}
    allowed = statuses.count(200)
    print(f"{storage}: {allowed} of {len(statuses)} allowed; per worker {served}")
    if storage == "redis":
        assert allowed == 5, f"the shared limit is 5 across both workers, {allowed} got through: {served}"
    else:
        assert all(answers[200] <= 5 for answers in served.values()), served
        assert allowed > 5, f"memory:// is per worker, so more than 5 get through: {served}"

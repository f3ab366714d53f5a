"""Several web processes behind a real load balancer, one killed under load: nothing lost, nothing twice.

Two `gunicorn eds_toolkit.wsgi:app` instances on their own ports share one PostgreSQL database, one Redis
(rate limits) and the instance directory (the CA's files, the secret key); HAProxy from Debian balances them
round-robin and stops sending to one whose health check fails. Citizens go through the API at once;
while they are in the middle of their steps one instance is killed with SIGKILL. A request in flight on
it fails (502) and the citizen's client tries the step again, as a page would on an error; in the end
every citizen holds exactly one pair, and the CA holds no other certificate.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from flow_helpers import GOOD_PIN, citizens_csv, free_port, make_csr_pem, wait_until_answers
from redis_server import running_redis
from sqlalchemy import func, select

from ca.store import CertificateRecord
from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings
from tests.e2e.eds import wait_for_code
from tests.evidence_free import mark_identified

pytestmark = pytest.mark.postgres

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
CITIZENS = 8
RETRYABLE = {502, 503, 504}
RETRIED: list[str] = []  # what the clients had to try again (the kill's visible effect)


def haproxy_config(front: int, backends: list[int], directory: Path) -> Path:
    """Round-robin over ``backends``. A backend that refuses a connection is marked down at once
    (``observe layer4``), one whose health check fails three times (a busy one answers slowly, which is
    not down) gets no new request; a request whose connection failed is sent to the other one."""
    servers = "\n".join(
        f"    server web{n} 127.0.0.1:{port} check inter 500ms fall 3 rise 1 observe layer4 error-limit 1 "
        "on-error mark-down"
        for n, port in enumerate(backends)
    )
    config = directory / "haproxy.cfg"
    config.write_text(
        f"""global
    maxconn 256
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check 5s
    retries 3
    option redispatch
    retry-on conn-failure empty-response
    option forwardfor
frontend eds
    bind 127.0.0.1:{front}
    default_backend web
backend web
    balance roundrobin
    option httpchk GET /
{servers}
"""
    )
    return config


class Instances:
    """The web processes and the balancer in front of them."""

    def __init__(self, env: dict[str, str], directory: Path) -> None:
        self.env, self.directory = env, directory
        self.ports = [free_port(), free_port()]
        self.web: list[subprocess.Popen] = []
        self.front = free_port()
        self.base = f"http://127.0.0.1:{self.front}"
        self.balancer: subprocess.Popen | None = None

    def start(self) -> None:
        for port in self.ports:  # one after the other: the first migrates the schema
            process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}"]
                + ["eds_toolkit.wsgi:app"],
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            self.web.append(process)
            wait_until_answers(f"http://127.0.0.1:{port}/", process)
        config = haproxy_config(self.front, self.ports, self.directory)
        self.balancer = subprocess.Popen(
            ["haproxy", "-f", str(config), "-db"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        wait_until_answers(self.base + "/", self.balancer)

    def kill(self, index: int) -> None:
        self.web[index].send_signal(signal.SIGKILL)
        self.web[index].wait(timeout=10)

    def stop(self) -> None:
        for process in [*self.web, self.balancer]:
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


def step(method: str, url: str, **kwargs) -> requests.Response:
    """One request, tried again while the balancer says the instance failed (as a page would retry)."""
    for _ in range(20):
        try:
            response = requests.request(method, url, timeout=60, **kwargs)
        except requests.ConnectionError:
            RETRIED.append(f"{method} {url}: no connection")
            time.sleep(0.2)
            continue
        if response.status_code not in RETRYABLE:
            return response
        RETRIED.append(f"{method} {url.rsplit('/', 1)[-1]}: {response.status_code} {response.text[:150]}")
        time.sleep(0.2)
    raise AssertionError(f"{method} {url} kept failing")


def test_one_of_two_instances_killed_under_load_loses_nothing_and_issues_nothing_twice(
    tmp_path, ca_template, postgres
):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    people = citizens_csv(tmp_path, CITIZENS)
    with running_redis() as redis:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "EDS_HOME": str(home),
            "EDS_DATABASE_URL": postgres.url,
            "EDS_RATELIMIT_STORAGE_URL": redis.url,
            "EDS_RATELIMIT_PER_ADDRESS": "100000/minute",  # every client here is 127.0.0.1
            "EDS_TRUSTED_PROXIES": "1",
            "EDS_SMS_GATEWAY": "outbox",
        }
        instances = Instances(env, tmp_path)
        try:
            instances.start()
            imported = subprocess.run(
                [str(BIN / "eds"), "citizens", "import", str(tmp_path / "citizens.csv")], env=env
            )
            assert imported.returncode == 0
            ctx = build_service_context(Settings.from_env(env, home=home))
            api = f"{instances.base}/api/v1/enrolments"

            enrolments: dict[str, tuple[str, dict]] = {}
            for iin, phone in people:  # started and confirmed before the kill (an SMS is not sent twice)
                started = step("POST", api, json={"iin": iin})
                assert started.status_code == 201, started.text
                body = started.json()
                auth = {"Authorization": f"Bearer {body['token']}"}
                url = f"{api}/{body['id']}"
                code = wait_for_code(home / "outbox.jsonl", phone)
                assert step("POST", f"{url}/code", json={"code": code}, headers=auth).ok
                mark_identified(ctx, body["id"])
                enrolments[iin] = (url, auth)
            csrs = {iin: (make_csr_pem(iin).decode(), make_csr_pem(iin).decode()) for iin, _ in people}

            finished: list[str] = []
            failures: list[str] = []

            def citizen(iin: str) -> None:
                url, auth = enrolments[iin]
                try:
                    for path, body in (
                        ("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}),
                        ("application/confirm", None),
                        ("certificates", {"auth_csr": csrs[iin][0], "sign_csr": csrs[iin][1]}),
                    ):
                        answer = step("POST", f"{url}/{path}", json=body, headers=auth)
                        # 409: the step was done by the request the kill cut off (its answer was lost)
                        assert answer.ok or answer.status_code == 409, (path, answer.status_code, answer.text)
                    finished.append(iin)
                except AssertionError as error:
                    failures.append(f"{iin}: {error}")

            threads = [threading.Thread(target=citizen, args=(iin,)) for iin, _ in people]
            for thread in threads:
                thread.start()
            time.sleep(0.3)
            done_at_kill = len(finished)
            instances.kill(0)
            for thread in threads:
                thread.join(timeout=180)
            assert not failures, failures
            print(f"{done_at_kill} of {CITIZENS} done at the kill; tried again: {RETRIED}")
            assert done_at_kill < CITIZENS, "the kill came after the load: it proves nothing"

            for iin, (url, auth) in enrolments.items():
                state = step("GET", url, headers=auth).json()["state"]
                assert state == "issued", (iin, state)
            with ctx.session() as session:
                per_enrolment = session.execute(
                    select(CertificateRecord.enrolment_id, func.count()).group_by(
                        CertificateRecord.enrolment_id
                    )
                ).all()
            issued = {enrolment_id: count for enrolment_id, count in per_enrolment if enrolment_id}
            assert sorted(issued) == sorted(url.rsplit("/", 1)[1] for url, _ in enrolments.values())
            assert set(issued.values()) == {2}, "one pair per citizen, never two"
            assert instances.web[1].poll() is None, "the other instance served on"
        finally:
            instances.stop()

"""Several web processes behind a real load balancer, one killed under load: nothing lost, nothing twice.

Two `gunicorn eds_toolkit.wsgi:app` instances on their own ports share one PostgreSQL, one Redis (rate
limits) and the instance directory (the CA's files, the secret key); HAProxy from Debian ends TLS and
balances them round-robin, and stops sending to one whose health check fails. Everything is started from
the shipped deployment files (``deploy/``: the systemd units, their environment file, HAProxy's
configuration), filled in for loopback as an operator fills them in for their machines. Citizens go
through the API at once; while they are in the middle of their steps one instance is killed with
SIGKILL. A request in flight on it fails (502) and the citizen's client tries the step again, as a page
would on an error; in the end every citizen holds exactly one pair, and the CA holds no other certificate.
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
from deploy_units import SYSTEMD, Unit, self_signed_certificate, start, start_haproxy, write_environment_file
from flow_helpers import GOOD_PIN, citizens_csv, free_port, make_csr_pem, wait_until_answers
from pg_server import running_postgres
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


class Instances:
    """The stack as the shipped units start it (``deploy/``): the migrations, two web processes
    (``eds-web@<port>``) and HAProxy on ``deploy/haproxy/eds.cfg`` ending TLS in front of them."""

    def __init__(self, settings: dict[str, str], test_only: dict[str, str], directory: Path) -> None:
        self.etc = directory / "etc"
        self.etc.mkdir()
        self.ports = [free_port(), free_port()]
        self.front = free_port()
        self.base = f"https://127.0.0.1:{self.front}"
        self.certificate, pem = self_signed_certificate(directory)
        settings = {**settings, "EDS_BASE_URL": self.base}
        write_environment_file(SYSTEMD / "eds.env", self.etc / "eds.env", settings)
        web0, web1 = (f"127.0.0.1:{port}" for port in self.ports)
        write_environment_file(
            SYSTEMD / "haproxy.env",
            self.etc / "haproxy.env",
            {"EDS_FRONT": f"127.0.0.1:{self.front}", "EDS_FRONT_OPTIONS": f"ssl crt {pem}"}
            | {"EDS_WEB0": web0, "EDS_WEB1": web1},
        )
        self.test_only = test_only
        self.web: list[subprocess.Popen] = []
        self.balancer: subprocess.Popen | None = None

    def start(self) -> None:
        migrate = start(Unit.read(SYSTEMD / "eds-migrate.service"), self.etc, self.test_only)
        output, _ = migrate.communicate(timeout=120)
        assert migrate.returncode == 0, output
        web = Unit.read(SYSTEMD / "eds-web@.service")
        for port in self.ports:
            process = start(web, self.etc, self.test_only, instance=str(port))
            self.web.append(process)
            wait_until_answers(f"http://127.0.0.1:{port}/", process)
        self.balancer = start_haproxy(self.etc)
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
    tmp_path, ca_template, monkeypatch
):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    people = citizens_csv(tmp_path, CITIZENS)
    with running_postgres() as postgres, running_redis() as redis:
        settings = {  # deploy/systemd/eds.env filled in for this machine
            "EDS_HOME": str(home),
            "EDS_DATABASE_URL": postgres.url,
            "EDS_RATELIMIT_STORAGE_URL": redis.url,
            "EDS_SMS_GATEWAY": "outbox",
            "WEB_CONCURRENCY": "1",
        }
        test_only = {"EDS_RATELIMIT_PER_ADDRESS": "100000/minute"}  # every client here is 127.0.0.1
        instances = Instances(settings, test_only, tmp_path)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(instances.certificate))
        env = {**os.environ, "PYTHONPATH": str(REPO), **settings}
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

"""The metrics as deployed: a web process started from the shipped unit (gunicorn, two workers, the
multiprocess directory systemd makes), scraped by a real Prometheus on the shipped scrape configuration
with the shipped alert rules, which also pass their own ``promtool test rules`` unit tests."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
import yaml
from deploy_units import DEPLOY, SYSTEMD, Unit, run_directory, start, write_environment_file
from flow_helpers import free_port, wait_until_answers
from metrics_helpers import BEARER, TOKEN, parse, value

from ca.crl import publish_due
from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings

PROMETHEUS = DEPLOY / "prometheus"
ALERT_TESTS = Path(__file__).parent / "metrics_alerts_test.yml"
COUNTED = "/pki/root.cer"  # an endpoint only this test asks for (the checks below ask for /)


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_alert_rules_pass_their_unit_tests(tmp_path):
    shutil.copy(PROMETHEUS / "eds-alerts.yml", tmp_path)
    shutil.copy(ALERT_TESTS, tmp_path)
    checked = promtool("check", "rules", "eds-alerts.yml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", ALERT_TESTS.name, cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_promtool_would_catch_an_alert_that_fires_at_the_wrong_threshold(tmp_path):
    rules = (PROMETHEUS / "eds-alerts.yml").read_text().replace(") >= 5", ") >= 3")
    (tmp_path / "eds-alerts.yml").write_text(rules)
    shutil.copy(ALERT_TESTS, tmp_path)
    assert promtool("test", "rules", ALERT_TESTS.name, cwd=tmp_path).returncode != 0


def prometheus_config(directory: Path, web: str, interval: str) -> Path:
    """The shipped scrape configuration filled in for loopback, as an operator fills it in: the files
    under /etc/prometheus in ``directory``, both jobs' targets the one web process (plain http)."""
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": interval, "evaluation_interval": interval}
    shutil.copy(PROMETHEUS / "eds-alerts.yml", directory / "eds-alerts.yml")
    config["rule_files"] = [str(directory / "eds-alerts.yml")]
    (directory / "eds-metrics-token").write_text(TOKEN + "\n")
    for job in config["scrape_configs"]:
        assert job["authorization"]["credentials_file"] == "/etc/prometheus/eds-metrics-token"
        job["authorization"]["credentials_file"] = str(directory / "eds-metrics-token")
        job["scheme"] = "http"
        job["static_configs"] = [{"targets": [web]}]
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_the_shipped_scrape_configuration_is_valid(tmp_path):
    path = prometheus_config(tmp_path, "127.0.0.1:8000", "30s")
    checked = promtool("check", "config", str(path), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    jobs = {
        job["job_name"]: job["metrics_path"] for job in yaml.safe_load(path.read_text())["scrape_configs"]
    }
    assert jobs == {"eds": "/metrics", "eds-web": "/metrics/process"}


class Deployed:
    """``eds-migrate`` then ``eds-web@<port>`` as the shipped units start them (SQLite here)."""

    def __init__(self, directory: Path, ca_template: Path) -> None:
        self.home = directory / "home"
        self.home.mkdir()
        shutil.copytree(ca_template, self.home / "ca")
        self.etc = directory / "etc"
        self.etc.mkdir()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.settings = {
            "EDS_HOME": str(self.home),
            "EDS_DATABASE_URL": f"sqlite:///{self.home / 'eds.sqlite3'}",
            "EDS_RATELIMIT_STORAGE_URL": "memory://",
            "EDS_SMS_GATEWAY": "outbox",
            "EDS_BASE_URL": self.base,
            "WEB_CONCURRENCY": "2",
        }
        write_environment_file(SYSTEMD / "eds.env", self.etc / "eds.env", self.settings)
        (self.etc / "secrets.env").write_text(f"EDS_METRICS_TOKEN={TOKEN}\n")
        self.web: subprocess.Popen | None = None

    @property
    def multiprocess_directory(self) -> Path:
        return run_directory(self.etc) / f"eds-web-{self.port}"

    def start(self) -> None:
        migrate = start(Unit.read(SYSTEMD / "eds-migrate.service"), self.etc, {})
        output, _ = migrate.communicate(timeout=120)
        assert migrate.returncode == 0, output
        self.web = start(Unit.read(SYSTEMD / "eds-web@.service"), self.etc, {}, instance=str(self.port))
        wait_until_answers(self.base + "/", self.web)

    def workers(self) -> list[int]:
        assert self.web is not None
        return [
            int(pid) for pid in Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children").read_text().split()
        ]

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one worker and wait until gunicorn has started another in its place."""
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while pid in self.workers() or len(self.workers()) < 2:
            assert time.monotonic() < deadline, "gunicorn did not replace the killed worker"
            time.sleep(0.1)
        wait_until_answers(self.base + "/", self.web)

    def stop(self) -> None:
        if self.web is not None and self.web.poll() is None:
            self.web.terminate()
            self.web.wait(timeout=30)


@pytest.fixture
def deployed(tmp_path, ca_template):
    stack = Deployed(tmp_path, ca_template)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def scrape(base: str, path: str) -> dict:
    response = requests.get(base + path, headers=BEARER, timeout=30)
    assert response.status_code == 200, response.text
    return parse(response.text)


def test_every_workers_requests_add_up_and_a_killed_worker_takes_none_away(deployed):
    for _ in range(10):
        assert requests.get(deployed.base + COUNTED, timeout=30).status_code == 200
    for pid in deployed.workers():  # both first workers die; their replacements answer what follows
        deployed.kill_worker(pid)
    for _ in range(10):
        assert requests.get(deployed.base + COUNTED, timeout=30).status_code == 200
    for _ in range(3):
        assert requests.get(deployed.base + "/no-such-page", timeout=30).status_code == 404

    files = sorted(path.name for path in deployed.multiprocess_directory.glob("counter_*.db"))
    assert len(files) >= 2, files  # counts written by more than one worker
    for _ in range(6):  # whichever worker answers the scrape, the same sums
        samples = scrape(deployed.base, "/metrics/process")
        counted = {"endpoint": "pki.root_certificate", "method": "GET", "status": "200"}
        assert value(samples, "eds_http_requests_total", **counted) == 20
        assert (
            value(samples, "eds_http_request_duration_seconds_count", endpoint="pki.root_certificate") == 20
        )
        assert value(samples, "eds_http_requests_total", endpoint="none", method="GET", status="404") == 3
    assert requests.get(deployed.base + "/metrics/process", timeout=30).status_code == 401
    assert not [key for key in samples if any(v.isdigit() and len(v) > 3 for _, v in key[1])]


def test_prometheus_scrapes_both_jobs_and_sees_an_out_of_date_crl(deployed, tmp_path):
    ctx = build_service_context(Settings.from_env(deployed.settings, home=deployed.home))
    publish_due(
        ctx.ca(), now=dt.datetime.now(dt.UTC) - dt.timedelta(days=10), force=True
    )  # ran out 3 days ago
    port = free_port()
    (tmp_path / "prometheus").mkdir()
    config = prometheus_config(tmp_path / "prometheus", f"127.0.0.1:{deployed.port}", "1s")
    server = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}"]
        + [f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    api = f"http://127.0.0.1:{port}/api/v1"
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/-/ready", server)

        def query(expression: str) -> list[dict]:
            answer = requests.get(f"{api}/query", params={"query": expression}, timeout=10).json()
            assert answer["status"] == "success", answer
            return answer["data"]["result"]

        def pending_or_firing() -> set[tuple[str, str, str]]:
            alerts = requests.get(f"{api}/alerts", timeout=10).json()["data"]["alerts"]
            return {(a["labels"]["alertname"], a["labels"].get("crl", ""), a["state"]) for a in alerts}

        deadline = time.monotonic() + 60
        while not (
            {(s["metric"]["job"], s["value"][1]) for s in query("up")} == {("eds", "1"), ("eds-web", "1")}
            and ("EdsCrlOutOfDate", "base", "pending") in pending_or_firing()
            and query('eds_http_requests_total{job="eds-web",endpoint="metrics.process_metrics"}')  # its 2nd
        ):
            assert time.monotonic() < deadline, (query("up"), pending_or_firing(), server.poll())
            time.sleep(0.5)
        overdue = float(query('eds_crl_next_update_seconds{crl="base"}')[0]["value"][1])
        assert -3.01 * 86400 < overdue < -2.99 * 86400
        assert query('eds_certificates_issued_total{job="eds",profile="auth"}')
    finally:
        server.terminate()
        server.wait(timeout=30)

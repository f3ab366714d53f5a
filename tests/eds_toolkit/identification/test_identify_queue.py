"""Identification checks as jobs on a real Redis, decided by real `eds worker` processes (eds_toolkit/jobs).

The app answers in this process (Flask's test client), the workers are `eds worker` subprocesses on the
same instance (SQLite file, secret key); frames and photos are the real ones of the other identification
tests. A work-horse or a whole worker killed with SIGKILL mid-video: the job runs again and gives one
decision, one audit event and no attempt counted twice. Redis stopped: a 503 at once, and the service
works again when it is back, without a restart."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from flow_helpers import KNOWN_IIN, KNOWN_PHONE, api_start, code_for, make_settings
from identify_helpers import decisions, new_task, phone_confirmed, problem, record, send_frames, send_image
from redis import Redis
from rq import Worker
from rq.job import Job

from eds_toolkit.cli import main
from eds_toolkit.flow.identification import IdentifyConfig
from eds_toolkit.flow.identification.nonces import spent_at
from eds_toolkit.jobs.queues import RETRIES
from eds_toolkit.settings import Settings, SettingsError
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from tests.eds_toolkit.identification.conftest import D18_CHALLENGES
from tests.eds_toolkit.redis_server import running_redis

EDS = os.path.join(os.path.dirname(sys.executable), "eds")
REPO = str(Path(__file__).resolve().parents[3])
ASYNC = {"Prefer": "respond-async"}
DECISIONS = {"identify_selfie", "identify_liveness", "identify_face_match"}

# demo citizens with a phone and a state photo, taken in turn (a phone gets a code a minute, five an hour)
CITIZENS = [(KNOWN_IIN, KNOWN_PHONE), ("920721433024", "+77051234568"), ("991231477068", "+77471234570")]

pytestmark = pytest.mark.timeout(300)


class SteppingClock:
    """The real time (the workers' clock) plus a lead the tests add to, so that each enrolment starts a
    minute after the one before as the SMS throttles see it."""

    def __init__(self) -> None:
        self.lead = dt.timedelta(0)
        self.enrolments = 0

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.lead


def enrolment_at_selfie(client, clock: SteppingClock, outbox: Path):
    """A new enrolment past its SMS code (phone_confirmed), a minute later on the app's clock."""
    clock.lead += dt.timedelta(seconds=61)
    iin, phone = CITIZENS[clock.enrolments % len(CITIZENS)]
    clock.enrolments += 1
    enrolment = api_start(client, iin)
    assert enrolment.post("code", {"code": code_for(outbox, phone)}).status_code == 200
    return enrolment


@dataclass
class Workers:
    """`eds worker` processes on one instance and queue, started and killed by the tests."""

    home: Path
    queue_url: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self) -> subprocess.Popen:
        env = {
            **os.environ,
            "EDS_HOME": str(self.home),
            "EDS_QUEUE_URL": self.queue_url,
            "EDS_SECRET_KEY": "test-secret-key-0123456789abcdef",  # make_settings' key: the same audit hashes
            "PYTHONPATH": REPO,  # this checkout's code, whichever checkout the venv was installed from
        }
        env.pop("EDS_DATABASE_URL", None)
        log = open(self.home / f"worker-{len(self.processes)}.log", "w")  # noqa: SIM115 - kept for the process
        process = subprocess.Popen([EDS, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        connection = Redis.from_url(self.queue_url)
        deadline = time.monotonic() + 60
        while not any(f".{process.pid}." in w.name for w in Worker.all(connection=connection)):
            assert process.poll() is None, (self.home / f"worker-{len(self.processes) - 1}.log").read_text()
            assert time.monotonic() < deadline, "eds worker did not register within 60 s"
            time.sleep(0.1)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture(scope="module")
def redis_server():
    with running_redis() as server:
        yield server


@pytest.fixture(scope="module")
def queue_home(tmp_path_factory, ca_template) -> Path:
    home = tmp_path_factory.mktemp("queue-home")
    shutil.copytree(ca_template, home / "ca")
    return home


@pytest.fixture(scope="module")
def web_clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture(scope="module")
def queued_app(queue_home, redis_server, web_clock):
    config = IdentifyConfig(fixed_challenges=D18_CHALLENGES)
    settings = make_settings(
        queue_home, web_clock, identify=config, queue_url=redis_server.url, queue_wait=60
    )
    return create_app(settings)


@pytest.fixture(scope="module")
def workers(queue_home, redis_server, queued_app):
    running = Workers(queue_home, redis_server.url)
    running.start()
    yield running
    running.stop_all()


@pytest.fixture
def qclient(queued_app, workers):
    return queued_app.test_client()


@pytest.fixture
def start(qclient, web_clock, queue_home):
    """Call for a new enrolment at phone_confirmed on the queued app."""
    return lambda client=qclient: enrolment_at_selfie(client, web_clock, queue_home / "outbox.jsonl")


def _ctx(app):
    return service(app).flow


def _decided(ctx, enrolment_id: str) -> list[dict]:
    """The enrolment's identification decisions (not the handing out of tasks)."""
    return [d for d in decisions(ctx, enrolment_id) if d["action"] in DECISIONS]


def _poll(client, location: str, auth: dict, timeout: float = 120):
    """GET the check until it is no longer pending."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(location, headers=auth)
        if response.status_code != 202:
            return response
        assert response.headers["Retry-After"] == "1"
        assert time.monotonic() < deadline, "the check stayed pending"
        time.sleep(0.2)


def _started_horse(redis_url: str, job_id: str, timeout: float = 60) -> int:
    """The pid of the work-horse running ``job_id`` (the job saves it when it starts)."""
    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while True:
        pid = Job.fetch(job_id, connection=connection).meta.get("pid")
        if pid:
            return int(pid)
        assert time.monotonic() < deadline, "no worker started the job"
        time.sleep(0.02)


def _wait_until_spent(ctx, enrolment_id: str, nonce: str, timeout: float = 60) -> None:
    """Until the video's nonce is consumed: the check is under way, its decision not yet made."""
    deadline = time.monotonic() + timeout
    while spent_at(ctx, enrolment_id, nonce) is None:
        assert time.monotonic() < deadline, "the worker never consumed the nonce"
        time.sleep(0.02)


def _async_video(enrolment, frames) -> tuple[str, str]:
    """POST the task's frames with Prefer: respond-async: (job location, nonce)."""
    task = new_task(enrolment)
    response = send_frames(enrolment, task["nonce"], frames, headers=ASYNC)
    assert response.status_code == 202, response.get_json()
    assert response.headers["Preference-Applied"] == "respond-async"
    body = response.get_json()
    assert body["pending"] is True and body["check"] == "liveness"
    assert response.headers["Location"] == body["location"]
    assert body["location"].endswith(f"/api/v1/enrolments/{enrolment.id}/checks/{body['job']}")
    return body["location"], task["nonce"]


def test_selfie_and_video_through_the_queue_decide_as_in_process(
    start, queued_app, queue_home, web_clock, selfie_jpeg, d18_frames
):
    queued = start()
    answer = send_image(queued, "selfie", selfie_jpeg)
    assert answer.status_code == 200, answer.get_json()
    task = new_task(queued)
    video = send_frames(queued, task["nonce"], d18_frames)
    assert video.status_code == 200, video.get_json()
    assert video.get_json()["state"] == "liveness_ok"

    # the same pictures decided in this process (no EDS_QUEUE_URL) on the same instance
    config = IdentifyConfig(fixed_challenges=D18_CHALLENGES)
    inline_app = create_app(make_settings(queue_home, web_clock, identify=config))
    inline = start(inline_app.test_client())
    assert send_image(inline, "selfie", selfie_jpeg).get_json() == answer.get_json()
    inline_task = new_task(inline)
    assert send_frames(inline, inline_task["nonce"], d18_frames).get_json() == video.get_json()

    ctx = _ctx(queued_app)
    queued_decisions, inline_decisions = _decided(ctx, queued.id), _decided(ctx, inline.id)
    assert [d["action"] for d in queued_decisions] == ["identify_selfie", "identify_liveness"]
    assert queued_decisions[0]["scores"] == inline_decisions[0]["scores"]  # the same picture, the same scores
    assert [d["reasons"] for d in queued_decisions] == [d["reasons"] for d in inline_decisions]


def test_work_horse_killed_mid_video_runs_again_with_one_decision(
    start, qclient, queued_app, redis_server, selfie_jpeg, d18_frames
):
    enrolment = start()
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    location, nonce = _async_video(enrolment, d18_frames)
    horse = _started_horse(redis_server.url, location.rsplit("/", 1)[1])
    _wait_until_spent(_ctx(queued_app), enrolment.id, nonce)
    os.kill(horse, signal.SIGKILL)

    answer = _poll(qclient, location, enrolment.auth)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["state"] == "liveness_ok"
    assert answer.get_json()["attempts_left"] == 3
    liveness = [d for d in decisions(_ctx(queued_app), enrolment.id) if d["action"] == "identify_liveness"]
    assert len(liveness) == 1 and liveness[0]["ok"] is True
    assert record(_ctx(queued_app), enrolment.id).liveness_attempts == 0
    job = Job.fetch(location.rsplit("/", 1)[1], connection=Redis.from_url(redis_server.url))
    assert job.retries_left == RETRIES - 1  # the killed run and the one after it


def test_whole_worker_killed_mid_refused_video_counts_one_attempt(
    start, qclient, queued_app, redis_server, workers, selfie_jpeg, still_frames
):
    """A refused video (a printed photo held up: static frames) counts one attempt, not two."""
    enrolment = start()
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 200
    task = new_task(enrolment)
    response = send_frames(enrolment, task["nonce"], still_frames, reflect=False, headers=ASYNC)
    assert response.status_code == 202
    location = response.headers["Location"]
    job_id = location.rsplit("/", 1)[1]
    horse = _started_horse(redis_server.url, job_id)
    _wait_until_spent(_ctx(queued_app), enrolment.id, task["nonce"])
    worker = next(p for p in workers.processes if p.poll() is None)
    os.kill(worker.pid, signal.SIGKILL)  # the whole worker, as a machine or its cgroup going down
    os.kill(horse, signal.SIGKILL)
    worker.wait()
    time.sleep(1)
    assert qclient.get(location, headers=enrolment.auth).status_code == 202  # nobody works on it now

    workers.start()  # finds the job its dead predecessor had started and queues it again
    answer = _poll(qclient, location, enrolment.auth)
    body = problem(answer)
    assert answer.status_code == 422 and body["code"] == "identification_refused", body
    assert "static_frames" in body["reasons"] and body["attempts_left"] == 2
    liveness = [d for d in decisions(_ctx(queued_app), enrolment.id) if d["action"] == "identify_liveness"]
    assert len(liveness) == 1 and liveness[0]["ok"] is False
    assert "nonce_reused" not in liveness[0]["reasons"]
    assert record(_ctx(queued_app), enrolment.id).liveness_attempts == 1


def test_another_enrolments_token_cannot_read_the_check(start, qclient, selfie_jpeg):
    owner = start()
    response = send_image(owner, "selfie", selfie_jpeg, headers=ASYNC)
    assert response.status_code == 202
    location = response.headers["Location"]
    job_id = location.rsplit("/", 1)[1]
    other = start()

    assert qclient.get(location, headers=other.auth).status_code == 404  # the owner's id, another token
    elsewhere = f"/api/v1/enrolments/{other.id}/checks/{job_id}"
    assert problem(qclient.get(elsewhere, headers=other.auth))["code"] == "not_found"  # its own id
    assert qclient.get(location).status_code == 401
    answer = _poll(qclient, location, owner.auth)
    assert answer.status_code == 200 and answer.get_json()["state"] == "selfie_ok"


def test_redis_down_is_a_503_at_once_and_back_without_a_restart(start, redis_server, selfie_jpeg):
    enrolment = start()
    redis_server.stop()
    try:
        started = time.monotonic()
        response = send_image(enrolment, "selfie", selfie_jpeg)
        elapsed = time.monotonic() - started
        body = problem(response)
        assert response.status_code == 503 and body["code"] == "queue_unavailable", body
        assert int(response.headers["Retry-After"]) > 0
        assert elapsed < 5
        assert problem(send_image(enrolment, "selfie", selfie_jpeg, headers=ASYNC))["status"] == 503
    finally:
        redis_server.start()
    # the worker reconnects on its own (backing off up to a few seconds); the app at the next request
    deadline = time.monotonic() + 60
    while (response := send_image(enrolment, "selfie", selfie_jpeg)).status_code == 503:
        assert time.monotonic() < deadline, "no answer 60 s after Redis came back"
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "selfie_ok"


def test_no_worker_answering_is_a_503_within_the_bound(home, clock, redis_server, outbox, selfie_jpeg):
    """A queue nobody works on (its own Redis database, no worker): the bound, then 503; nothing decided."""
    url = redis_server.url.rsplit("/", 1)[0] + "/5"
    app = create_app(make_settings(home, clock, queue_url=url, queue_wait=2))
    enrolment = phone_confirmed(app.test_client(), outbox)
    started = time.monotonic()
    response = send_image(enrolment, "selfie", selfie_jpeg)
    assert 2 <= time.monotonic() - started < 6
    assert response.status_code == 503 and problem(response)["code"] == "queue_unavailable"
    assert decisions(service(app).flow, enrolment.id) == []
    assert Redis.from_url(url).llen("rq:queue:eds-identification") == 0  # withdrawn, never decided later


def test_without_a_queue_the_async_form_runs_in_the_process(client, outbox, selfie_jpeg):
    """The embedded default (no EDS_QUEUE_URL): the same 202, Location and answer, from a thread pool."""
    enrolment = phone_confirmed(client, outbox)
    response = send_image(enrolment, "selfie", selfie_jpeg, headers=ASYNC)
    assert response.status_code == 202 and response.headers["Preference-Applied"] == "respond-async"
    answer = _poll(client, response.headers["Location"], enrolment.auth)
    assert answer.status_code == 200 and answer.get_json()["state"] == "selfie_ok"
    assert send_image(enrolment, "selfie", selfie_jpeg).status_code == 409  # synchronous as before


def test_queue_settings_are_checked(tmp_path):
    with pytest.raises(SettingsError, match="EDS_QUEUE_URL must be a Redis URL"):
        Settings.from_env({"EDS_QUEUE_URL": "amqp://user:secret@rabbit/"}, home=tmp_path)
    with pytest.raises(SettingsError, match="EDS_QUEUE_WAIT"):
        Settings.from_env({"EDS_QUEUE_WAIT": "0"}, home=tmp_path)
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "worker"], env={"EDS_QUEUE_URL": ""})
    assert result.exit_code == 2 and "set EDS_QUEUE_URL" in result.output

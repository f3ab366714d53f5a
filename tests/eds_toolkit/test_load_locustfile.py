"""The Locust load test keeps working: benchmarks/load_test.py runs benchmarks/load/locustfile.py headless
for a few seconds against a real gunicorn (one worker, SQLite), one citizen enrolling with real
identification (real frames lit by the task's colours) and one renewing; at least one enrolment and one
renewal complete and no request fails."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

# Not imported here: importing locust monkey-patches the whole process with gevent.
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("locust") is None, reason="the bench extra (pip install 'eds-toolkit[bench]')"
)

ROOT = Path(__file__).resolve().parents[2]


def load_test_module():
    spec = importlib.util.spec_from_file_location("load_test", ROOT / "benchmarks" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_locustfile_enrols_and_renews_with_real_identification_and_no_failure(tmp_path):
    load_test = load_test_module()
    people = load_test.prepared_people(8, tmp_path / "citizens.json")
    result = load_test.run(
        workers=1,
        threads=2,
        users=2,  # one EnrollingCitizen, one RenewingCitizen
        seconds=25,
        scenario="renewal",
        database="sqlite",
        people=people,
        renew_pool_size=2,
        colour=True,
        out=tmp_path,
    )
    log = (tmp_path / "renewal-w1-locust.log").read_text()
    assert result["locust_exit"] == 0, log[-3000:]
    assert result["failures"] == 0, log[-3000:]
    assert result["completed"] >= 1, log[-3000:]
    assert result["renewed"] >= 1, log[-3000:]
    steps = result["steps"]
    for step in ("3 selfie", "5 liveness frames", "6 id photo", "9 certificates", "R2 renew"):
        assert steps[step]["count"] >= 1 and steps[step]["failures"] == 0, (step, steps)

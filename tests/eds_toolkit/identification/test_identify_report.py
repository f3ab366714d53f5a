"""`eds identify report`: what identification decided for real citizens over a period, from the decisions
the service recorded. The attempts are recorded through the service's own functions (``apply_decision``,
``refer``, ``decide_review``) with chosen verdicts, the enrolments started and finished through the API, so
the report reads exactly what the service writes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from flow_helpers import (
    GOOD_PIN,
    TESTDATA,
    api_start,
    citizens_csv,
    code_for,
    frozen_clock,
    make_csr_pem,
    make_settings,
)

from eds_toolkit.citizens.importing import import_csv
from eds_toolkit.cli import main
from eds_toolkit.core.refusals import Refusal
from eds_toolkit.flow.identification import IdentifyConfig
from eds_toolkit.flow.identification.blocking import begin_step
from eds_toolkit.flow.identification.decision import Decision, apply_decision
from eds_toolkit.flow.identification.review import decide_review, list_reviews, refer
from eds_toolkit.flow.machine import State
from eds_toolkit.identify_report import BadOption, Period, identification_report, parse_rule
from eds_toolkit.intervals import wilson
from eds_toolkit.web import create_app
from eds_toolkit.web.context import service
from webcam_flow.verdict import Verdict

CONFIG = IdentifyConfig()
STEPS = {
    "selfie": (State.PHONE_CONFIRMED, State.SELFIE_OK),
    "liveness": (State.SELFIE_OK, State.LIVENESS_OK),
    "face_match": (State.LIVENESS_OK, State.FACE_MATCHED),
}


class Citizen:
    """An enrolment started through the API whose decisions are recorded as the service records them."""

    def __init__(self, client, ctx, outbox, clock, iin: str, phone: str) -> None:
        clock.advance(120)  # past the phone's resend interval since the previous enrolment
        self.ctx, self.iin = ctx, iin
        self.enrolment = api_start(client, iin)
        assert self.enrolment.post("code", {"code": code_for(outbox, phone)}).status_code == 200

    def decide(self, check: str, reasons: list[str] = (), **scores: float) -> None:
        """One decision of ``check`` (positive when no reason): audited, counted and acted on."""
        from_state, to_state = STEPS[check]
        begin_step(self.ctx, self.enrolment.id, from_state, CONFIG, None)
        verdict = Verdict.decide(check, list(reasons), scores)
        try:
            apply_decision(
                self.ctx,
                self.enrolment.id,
                Decision(verdict),
                from_state=from_state,
                to_state=to_state,
                config=CONFIG,
                client_address=None,
            )
        except Refusal:
            assert not verdict.ok

    def referred(self, *, accept: bool, **scores: float) -> None:
        """A face match between the bands, then the officer's decision."""
        begin_step(self.ctx, self.enrolment.id, State.LIVENESS_OK, CONFIG, None)
        verdict = Verdict.decide("face_match", ["needs_review"], scores)
        refer(
            self.ctx,
            self.enrolment.id,
            verdict,
            engine="dlib-resnet/v1",
            id_photo=b"card-picture",
            config=CONFIG,
            client_address=None,
        )
        (review,) = [r for r in list_reviews(self.ctx) if r.enrolment_id == self.enrolment.id]
        decide_review(self.ctx, review.id, accept=accept, officer="officer-Serik", note="Aidana, looks alike")

    def finish(self) -> None:
        """The PIN, the application and the certificates, through the API."""
        enrolment = self.enrolment
        assert enrolment.post("pin", {"pin": GOOD_PIN, "pin_confirmation": GOOD_PIN}).status_code == 200
        assert enrolment.post("application/confirm").status_code == 200
        csrs = {"auth_csr": make_csr_pem(self.iin).decode(), "sign_csr": make_csr_pem(self.iin).decode()}
        assert enrolment.post("certificates", csrs).status_code == 201
        assert enrolment.state() == "issued"


def liveness_passed(citizen: Citizen, **scores: float) -> None:
    citizen.decide("liveness", ear_min=0.15, mouth_max=0.6, **scores)


@dataclass
class Pilot:
    home: Path
    ctx: object
    clock: object
    phones: dict[str, str]  # IIN -> phone
    people: dict[str, Citizen]
    g_decided_at: dt.datetime  # G's selfie: G is in progress for an hour after it


@pytest.fixture(scope="module")
def pilot(tmp_path_factory, ca_template) -> Pilot:
    """Seven enrolments started on 2 March 2026 (Almaty), and one just after midnight there; made once for
    the module (the reports only read).

    A: refused twice on video (a turn not seen; the colours not seen, costing no attempt), then finished.
    B: finished after an officer accepted the referred match.  C: selfie blurred, video out of order, then
    finished.  D: three video refusals, failed.  E: one video refusal, then gave up (expired).  F: referred,
    the officer refused.  G: only the selfie so far.  H: started on 3 March in Almaty (still 2 March in UTC).
    """
    folder = tmp_path_factory.mktemp("pilot")
    home = folder / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    clock = frozen_clock()
    app = create_app(make_settings(home, clock, load_demo_citizens=False))
    ctx, client, outbox = service(app).flow, app.test_client(), home / "outbox.jsonl"
    # four citizens with a phone and a state photo (a small one: each start encodes it)
    phones = dict(citizens_csv(folder, 4))
    shutil.copy(TESTDATA / "faces" / "obama_small.jpg", folder / "face.jpg")
    with ctx.session() as session:
        import_csv(session, folder / "citizens.csv", clock=clock)
    people = {}
    iin_a, iin_b, iin_c, iin_d = phones

    def citizen(name: str, iin: str) -> Citizen:
        people[name] = Citizen(client, ctx, outbox, clock, iin, phones[iin])
        return people[name]

    a = citizen("A", iin_a)
    a.decide("selfie")
    a.decide("liveness", ["challenge_missing:turn_left"], turn_right_deg=24.0, colour_amplitude=0.002)
    a.decide("liveness", ["colour_not_seen"], colour_amplitude=0.001)
    liveness_passed(a, turn_left_deg=18.0, turn_texture_turn_left=0.60, colour_amplitude=0.004)
    a.decide("face_match", record_distance_max=0.30, id_distance_max=0.35)
    a.finish()

    b = citizen("B", iin_b)
    b.decide("selfie")
    liveness_passed(b, turn_left_deg=25.0, turn_texture_turn_left=0.70, colour_amplitude=0.006)
    b.referred(accept=True, record_distance_max=0.45, id_distance_max=0.47)
    b.finish()

    c = citizen("C", iin_c)
    c.decide("selfie", ["blurred"])
    c.decide("selfie")
    c.decide("liveness", ["wrong_order"])
    liveness_passed(c, turn_right_deg=30.0, turn_texture_turn_right=0.90, colour_amplitude=0.008)
    c.decide("face_match", record_distance_max=0.33, id_distance_max=0.36)
    c.finish()

    d = citizen("D", iin_d)
    d.decide("selfie")
    for _ in range(3):
        d.decide("liveness", ["rigid_plane_motion"], colour_amplitude=0.0)
    e = citizen("E", iin_d)
    e.decide("selfie")
    e.decide("liveness", ["challenge_missing:blink"])
    clock.advance(2 * 3600)  # E's hour runs out

    f = citizen("F", iin_a)
    f.decide("selfie")
    liveness_passed(f, turn_left_deg=20.0, turn_texture_turn_left=0.80, colour_amplitude=0.010)
    f.referred(accept=False, record_distance_max=0.52, id_distance_max=0.50)

    g = citizen("G", iin_b)
    g.decide("selfie")
    g_decided_at = clock.now()

    clock.set(dt.datetime(2026, 3, 2, 19, 30, tzinfo=dt.UTC))  # 00:30 on 3 March in Almaty
    h = citizen("H", iin_c)
    h.decide("selfie")
    return Pilot(home, ctx, clock, phones, people, g_decided_at)


def report_cli(home, *args: str):
    runner = CliRunner(
        env={
            "EDS_SECRET_KEY": "test-secret-key-0123456789abcdef",
            "EDS_DATABASE_URL": f"sqlite:///{home / 'eds.sqlite3'}",
            "EDS_TIME_ZONE": "Asia/Almaty",
        }
    )
    return runner.invoke(main, ["--home", str(home), "identify", "report", *args])


def by(rows: list[dict], key: str) -> dict[str, dict]:
    return {row[key]: row for row in rows}


def counts(rows: list[dict], key: str) -> dict[str, tuple[int, int]]:
    return {row[key]: (row["count"], row["of"]) for row in rows}


def test_the_report_counts_tries_enrolments_genuine_refusals_scores_and_candidate_thresholds(pilot):
    result = report_cli(
        pilot.home,
        "--since",
        "2026-03-02",
        "--until",
        "2026-03-02",
        "--would-refuse",
        "turn_texture>0.75",
        "--would-refuse",
        "face_distance>=0.45",
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["period"] == {"since": "2026-03-02", "until": "2026-03-02", "time_zone": "Asia/Almaty"}

    # H started after midnight in Almaty: not in the period; G's hour has passed on the real clock
    assert report["enrolments"]["n"] == 7
    assert counts(report["enrolments"]["outcomes"], "outcome") == {
        "finished": (3, 7),
        "gave_up:video": (2, 7),
        "failed:liveness_attempts_exhausted": (1, 7),
        "failed:face_review_refused": (1, 7),
    }
    finished = by(report["enrolments"]["outcomes"], "outcome")["finished"]
    low, high = wilson(3, 7)
    assert (finished["share"], finished["low"], finished["high"]) == (0.4286, round(low, 4), round(high, 4))

    tries = report["tries"]
    assert counts(tries["selfie"]["outcomes"], "outcome") == {
        "passed": (7, 8),
        "refused": (0, 8),
        "refused_quality": (1, 8),
    }
    assert counts(tries["liveness"]["outcomes"], "outcome") == {
        "passed": (4, 11),
        "refused": (6, 11),
        "refused_quality": (1, 11),
    }
    assert counts(tries["liveness"]["reasons"], "reason") == {
        "rigid_plane_motion": (3, 11),
        "challenge_missing:blink": (1, 11),
        "challenge_missing:turn_left": (1, 11),
        "colour_not_seen": (1, 11),
        "wrong_order": (1, 11),
    }
    assert counts(tries["face_match"]["outcomes"], "outcome") == {
        "passed": (2, 4),
        "refused": (0, 4),
        "refused_quality": (0, 4),
        "referred": (2, 4),
    }

    # The lower bound: A and C were refused on video, then passed and got their certificates
    genuine = report["genuine_refusals"]
    assert genuine["finished"] == 3
    assert (genuine["enrolments"]["count"], genuine["enrolments"]["of"]) == (2, 3)
    assert (genuine["tries"]["count"], genuine["tries"]["of"]) == (3, 6)
    assert genuine["tries_costing_an_attempt"] == 2
    assert counts(genuine["reasons"], "reason") == {
        "challenge_missing:turn_left": (1, 6),
        "colour_not_seen": (1, 6),
        "wrong_order": (1, 6),
    }
    assert genuine["stopped_after_a_refused_video"] == 2  # D and E: people who gave up, or attackers
    upper = genuine["upper_if_all_stopped_were_genuine"]
    assert (upper["count"], upper["of"], upper["share"]) == (4, 5, 0.8)
    assert genuine["in_progress"] == 0

    scores = {(row["score"], row["group"]): row for row in report["scores"]}
    texture = scores["turn_texture_turn_left", "passed"]
    assert texture == {
        "score": "turn_texture_turn_left",
        "family": "turn_texture",
        "check": "liveness",
        "group": "passed",
        "n": 3,
        "p1": 0.602,
        "p5": 0.61,
        "p50": 0.7,
        "p95": 0.79,
        "p99": 0.798,
    }
    assert scores["turn_texture_turn_left", "finished"]["n"] == 2  # A and B; F did not finish
    amplitude = scores["colour_amplitude", "passed"]
    assert (amplitude["n"], amplitude["p50"], amplitude["p1"]) == (4, 0.007, 0.00406)
    refused_amplitude = scores["colour_amplitude", "refused"]
    assert (refused_amplitude["n"], refused_amplitude["p50"]) == (5, 0.0)
    assert scores["ear_min", "passed"]["n"] == 4 and scores["mouth_max", "passed"]["p99"] == 0.6
    assert scores["turn_left_deg", "passed"]["p50"] == 20.0
    assert scores["record_distance_max", "passed"]["n"] == 2
    assert scores["record_distance_max", "referred"]["p50"] == 0.485
    assert not [key for key in scores if key[0].startswith("parallax")]  # no try carried one

    would = by(report["would_refuse"], "rule")
    texture_rule = would["turn_texture>0.75"]
    assert texture_rule["checks"] == ["liveness"]
    # C's right turn (0.90) and F's left turn (0.80) of the 4 passed video tries; of those who finished, C
    assert (texture_rule["passed_tries"]["count"], texture_rule["passed_tries"]["of"]) == (2, 4)
    assert texture_rule["passed_tries_with_the_score"] == 4
    assert (texture_rule["finished_enrolments"]["count"], texture_rule["finished_enrolments"]["of"]) == (1, 3)
    distance_rule = would["face_distance>=0.45"]
    # accepted matches: A, C and B (accepted by the officer); B's 0.45 and 0.47
    assert (distance_rule["passed_tries"]["count"], distance_rule["passed_tries"]["of"]) == (1, 3)
    assert (distance_rule["finished_enrolments"]["count"], distance_rule["finished_enrolments"]["of"]) == (
        1,
        3,
    )
    both = would["any of them"]
    assert both["checks"] == ["face_match", "liveness"]
    assert (both["passed_tries"]["count"], both["passed_tries"]["of"]) == (3, 7)
    assert (both["finished_enrolments"]["count"], both["finished_enrolments"]["of"]) == (2, 3)

    reviews = report["reviews"]
    assert reviews["referred"] == 2
    assert counts(reviews["decisions"], "decision") == {
        "accepted": (1, 2),
        "refused": (1, 2),
        "undecided": (0, 2),
    }
    distances = {(row["score"], row["decision"]): row for row in reviews["distances"]}
    assert distances["record_distance_max", "accepted"]["p50"] == 0.45
    assert distances["record_distance_max", "refused"]["p50"] == 0.52
    assert distances["id_distance_max", "refused"]["p50"] == 0.5


def test_the_tables_say_the_same_and_name_no_one(pilot):
    result = report_cli(
        pilot.home, "--since", "2026-03-01", "--would-refuse", "turn_texture_turn_left > 0.65"
    )
    assert result.exit_code == 0, result.output
    text = result.output
    assert "enrolments started from 2026-03-01 to now (Asia/Almaty)" in text
    assert "Enrolments (8)" in text  # H too: no --until
    assert "refused at least once, then finished: 2/3 66.7%" in text
    low, high = (round(bound, 4) for bound in wilson(2, 3))  # the JSON's figures, which the text prints
    assert f"2/3 66.7% ({100 * low:.1f}-{100 * high:.1f}%)" in text
    assert "turn_texture_turn_left>0.65" in text
    json_output = report_cli(pilot.home, "--json").output
    for output in (text, json_output):
        for secret in [*pilot.phones, *pilot.phones.values(), "officer-Serik", "Aidana", "card-picture"]:
            assert secret not in output
        for citizen in pilot.people.values():
            assert citizen.enrolment.id not in output


def test_the_enrolments_still_in_progress_are_not_counted_as_given_up(pilot):
    with pilot.ctx.sessions() as session:
        report = identification_report(
            session, Period(dt.date(2026, 3, 2), dt.date(2026, 3, 2), "Asia/Almaty"), now=pilot.g_decided_at
        )
    outcomes = counts(report["enrolments"]["outcomes"], "outcome")
    assert outcomes["in_progress"] == (1, 7) and outcomes["gave_up:video"] == (1, 7)  # G goes on; E gave up
    assert report["genuine_refusals"]["in_progress"] == 1


def test_an_empty_period_says_so(pilot):
    result = report_cli(pilot.home, "--since", "2026-04-01", "--until", "2026-04-30")
    assert result.exit_code == 0
    assert result.output.strip() == (
        "Nothing to report: none of the enrolments started from 2026-04-01 to 2026-04-30 (Asia/Almaty) "
        "reached a decision of the webcam steps."
    )
    report = json.loads(report_cli(pilot.home, "--since", "2026-04-01", "--json").output)
    assert report["empty"] is True and report["enrolments"]["n"] == 0 and report["scores"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--would-refuse", "turn_textures>0.8"], "unknown score 'turn_textures'"),
        (["--would-refuse", "turn_texture=>0.8"], "is not SCORE<OP>VALUE"),
        (["--would-refuse", "turn_texture>high"], "is not SCORE<OP>VALUE"),
        (
            ["--since", "2026-03-05", "--until", "2026-03-01"],
            "--since 2026-03-05 is after --until 2026-03-01",
        ),
        (["--until", "2 March"], "--until '2 March' is not a day"),
    ],
)
def test_a_bad_option_exits_2_with_one_line(home, args, message):
    result = report_cli(home, *args)
    assert result.exit_code == 2
    (line,) = result.output.splitlines()  # CliRunner mixes stderr in
    assert line.startswith("Error: ") and message in line


def test_a_rule_names_a_score_family_or_one_of_its_keys():
    family = parse_rule("turn_texture>0.87")
    assert (family.check, family.keys, family.comparison, family.value) == (
        "liveness",
        ("turn_texture_turn_left", "turn_texture_turn_right"),
        ">",
        0.87,
    )
    assert parse_rule("record_distance_max <= .5").keys == ("record_distance_max",)
    with pytest.raises(BadOption):
        parse_rule("frames>3")  # a score, but not one the report calibrates


def test_wilson_is_the_benchmarks_interval():
    low, high = wilson(8, 78)  # docs/identify.md: 8/78 genuine tasks refused, 5-19%
    assert (round(100 * low), round(100 * high)) == (5, 19)
    assert wilson(0, 73)[1] < 0.05 < wilson(0, 72)[1]

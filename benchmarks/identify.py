"""Time to an identification decision for one citizen, and face-match accuracy on the test data.

Two citizens, both derived here from ../shared/testdata (the LivePortrait d18 clip and its person's still):

- the 30-frame case (as measured since issue 10 was opened): a selfie (640x480), 30 video frames at
  640x480 (three seconds at 10 frames per second: open the mouth, then blink) and a photo of an identity
  card (the portrait small on it, the card photographed sideways);
- the 135-frame case, as the service runs it today: the selfie, the ID-card photo and the state's photo
  sent as JPEG bytes and decoded as the service decodes them, and a task of three movements on the page's
  schedule (3 s each, 10 frames a second, 25 in the blink's slot: 30 + 75 + 30 = 135 JPEG frames at
  640x480). Each step calls what eds_toolkit/flow/identification calls: ``selfie_and_encoding``, then
  ``check_task`` and, for a passed video, ``sampled_template`` (together ``check_task_and_template``),
  then the state photo's ``reference_encoding`` and ``match_identity``. d18 opens the mouth and blinks
  but never turns its head, so its liveness verdict is ``challenge_missing:turn_left``; the case still
  times the work of a citizen who passes (the template and the face match are computed anyway).

  ours  = webcam_flow as the service calls it: selfie check, liveness with the frames tracked
          (detection on a rescaled copy, encodings of a few frames), face match of the ID photo
          against the selfie and the video's encodings.
  naive = the same decisions, but face_recognition's detection (HOG, upsampled once) and an
          encoding on every full-size image: selfie, each of the 30 frames, the ID photo.

Runs on one core (OMP_NUM_THREADS=1, single process); models are loaded before timing (a
server loads them once); times are CPU seconds of the process, the median of ``--repeat`` runs.

    .venv/bin/python benchmarks/identify.py [--repeat 5] [--skip-accuracy]
    .venv/bin/python benchmarks/identify.py --before /tmp/speed-before --skip-accuracy

``--before`` runs the same cases with the code of another checkout (e.g. ``git worktree add
/tmp/speed-before main``) in a subprocess, one after the other (never at once: one core), and prints
both columns with the ratio and whether the decisions are the same.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from itertools import combinations  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

cv2.setNumThreads(1)
ROOT = Path(__file__).resolve().parents[1]
if "--code" in sys.argv:  # the checkout whose code is measured (--before runs another one this way)
    ROOT = Path(sys.argv[sys.argv.index("--code") + 1]).resolve()
sys.path.insert(0, str(ROOT))

from eds_toolkit.citizens.photo import reference_encoding  # noqa: E402
from eds_toolkit.flow.identification.config import IdentifyConfig  # noqa: E402
from eds_toolkit.flow.identification.pictures import decode_frames, decode_picture  # noqa: E402
from webcam_flow import faces  # noqa: E402
from webcam_flow.images import decode_image  # noqa: E402
from webcam_flow.liveness import (  # noqa: E402
    LivenessTask,
    liveness_and_probes,
    parse_challenges,
)
from webcam_flow.match import (  # noqa: E402
    DEFAULT_THRESHOLD,
    face_encoding,
    match,
    match_identity,
    sampled_template,
    video_probes,
    video_template,
)
from webcam_flow.selfie import check_selfie, selfie_and_encoding  # noqa: E402
from webcam_flow.video import Frame, frames_from_video  # noqa: E402

TESTDATA = Path(__file__).resolve().parents[1].parent / "shared" / "testdata"
CHALLENGES = ["open_mouth", "blink"]
# The 135-frame task: d18 opens the mouth at 2.1 s and blinks at 3.15 s (benchmarks/liveness_genuine.py)
TASK = ("open_mouth", "blink", "turn_left")
SECONDS_PER_CHALLENGE = 3.0
FPS, BLINK_FPS = 10, 25  # the page's frame rates (identify.js)
JPEG_QUALITY = 85  # the page's canvas.toBlob quality


def to_640x480(image: np.ndarray) -> np.ndarray:
    """Scale to 480 high (aspect kept) and pad the sides to 640 wide, as a 4:3 webcam frame."""
    height, width = image.shape[:2]
    scaled = cv2.resize(image, (round(width * 480 / height), 480), interpolation=cv2.INTER_AREA)
    pad = max(0, 640 - scaled.shape[1])
    framed = cv2.copyMakeBorder(scaled, 0, 0, pad // 2, pad - pad // 2, cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(framed[:, :640])


def id_card_photo(portrait: np.ndarray) -> np.ndarray:
    """A phone photo of an identity card: portrait 150x188 px on an 860x540 card, turned 90 degrees."""
    card = np.full((540, 860, 3), (200, 215, 230), np.uint8)
    card[120:308, 40:190] = cv2.resize(portrait, (150, 188), interpolation=cv2.INTER_AREA)
    cv2.putText(card, "IDENTITY CARD", (250, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (20, 40, 90), 3)
    return np.ascontiguousarray(np.rot90(card, 1))


def citizen() -> tuple[np.ndarray, list[Frame], np.ndarray]:
    still = decode_image((TESTDATA / "faces/liveportrait_person_d18.jpg").read_bytes())
    clip = frames_from_video(TESTDATA / "video/liveportrait_d18.mp4", fps=10, start=60, stop=151)[:30]
    frames = [Frame(f.t, to_640x480(f.image)) for f in clip]
    return to_640x480(still), frames, id_card_photo(still)


def jpeg(image: np.ndarray) -> bytes:
    return cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )[1].tobytes()


def recorded_task() -> tuple[list[tuple[float, bytes]], list[str]]:
    """The page's recording of TASK by d18: slot k from k * 3 s, 10 frames a second (25 in the blink's),
    as JPEG bytes. The 7.2-s clip is played forward then backward (a live face, no cut) to last 9 s."""
    clip = frames_from_video(TESTDATA / "video/liveportrait_d18.mp4", fps=30)
    back_and_forth = clip + clip[-2:0:-1]
    frames = []
    for k, challenge in enumerate(TASK):
        rate = BLINK_FPS if challenge == "blink" else FPS
        for i in range(round(SECONDS_PER_CHALLENGE * rate)):
            t = k * SECONDS_PER_CHALLENGE + i / rate
            frames.append((t, jpeg(to_640x480(back_and_forth[round(t * 30)].image))))
    return frames, list(TASK)


def service_inputs() -> dict[str, object]:
    """The 135-frame citizen's uploads, as bytes (what the service receives)."""
    still = decode_image((TESTDATA / "faces/liveportrait_person_d18.jpg").read_bytes())
    frames, challenges = recorded_task()
    return {
        "selfie": jpeg(to_640x480(still)),
        "frames": frames,
        "challenges": challenges,
        "id_photo": jpeg(id_card_photo(still)),
        "state_photo": (TESTDATA / "faces/liveportrait_person_d18.jpg").read_bytes(),
    }


def uses_liveness_probes() -> bool:
    """Whether the measured code's check_task_and_template reuses the liveness check's encodings."""
    import webcam_flow.liveness as liveness

    return "video_template(probes)" in inspect.getsource(liveness.check_task_and_template)


def decide_service(inputs: dict[str, object]) -> dict[str, object]:
    """One citizen through the service's three steps (eds_toolkit/flow/identification: selfie.py,
    liveness_video.py, id_photo.py), decoding included."""
    config = IdentifyConfig()
    selfie_verdict, selfie_encoding = selfie_and_encoding(decode_picture(inputs["selfie"], config, "selfie"))
    task = LivenessTask("9" * 32, parse_challenges(inputs["challenges"]), issued_at=0.0, deadline=60.0)
    frames = decode_frames(inputs["frames"], config)
    colours = {}
    if (
        "colours" in inspect.signature(liveness_and_probes).parameters
    ):  # the colour challenge, when the code has it
        from webcam_flow.colour import new_sequence

        colours["colours"] = new_sequence(len(task.challenges) * SECONDS_PER_CHALLENGE, random.Random(1))
    # check_task_and_template as for a passed video (this task is refused: d18 does not turn), nonce aside
    liveness, probes = liveness_and_probes(
        frames,
        task.challenges,
        reference_encoding=selfie_encoding,
        seconds_per_challenge=SECONDS_PER_CHALLENGE,
        **colours,
    )
    if uses_liveness_probes():
        template = video_template(probes) if probes else sampled_template(frames)
    else:  # the code before: the template from frames encoded again
        template = sampled_template(frames)
    matched = match_identity(
        reference_encoding(inputs["state_photo"]),
        decode_picture(inputs["id_photo"], config, "identity-card photo"),
        selfie=[selfie_encoding],
        video=[template],
    )
    return {
        "selfie": (selfie_verdict.ok, list(selfie_verdict.reasons)),
        "liveness": (liveness.ok, list(liveness.reasons)),
        "face_match": (matched.ok, list(matched.reasons)),
        "match_distance_max": round(
            max(matched.scores["record_distance_max"], matched.scores["id_distance_max"]), 4
        ),
        "frames": len(frames),
    }


def photo_attack(selfie: np.ndarray, frames: list[Frame], card: np.ndarray) -> tuple:
    """The same citizen's still held up to the camera and moved (shifted, zoomed, rotated)."""
    moved = []
    for i, frame in enumerate(frames):
        a = i / len(frames)
        matrix = cv2.getRotationMatrix2D(
            (320 + 20 * np.sin(a * 6), 240), 8 * np.sin(a * 5), 1 + 0.1 * np.sin(a * 3)
        )
        moved.append(
            Frame(frame.t, cv2.warpAffine(selfie, matrix, (640, 480), borderMode=cv2.BORDER_REFLECT))
        )
    return selfie, moved, card


def decide_ours(selfie: np.ndarray, frames: list[Frame], card: np.ndarray) -> dict[str, object]:
    selfie_verdict = check_selfie(selfie)
    selfie_encoding = face_encoding(selfie)
    liveness, video_encodings = liveness_and_probes(frames, CHALLENGES, reference_encoding=selfie_encoding)
    reference = face_encoding(card, allow_rotation=True)
    matched = match(reference, [selfie_encoding, video_template(video_encodings)])
    return summary(selfie_verdict, liveness, matched)


def naive_encoding(image: np.ndarray, *, allow_rotation: bool = False) -> np.ndarray:
    """face_recognition's way: HOG upsampled once on the full-size image, then the encoding;
    for the ID photo every orientation, the most confident detection wins (as ours does)."""
    import face_recognition

    detector = faces._models()[0]
    best = None
    for quarter_turns in (0, 1, 3, 2) if allow_rotation else (0,):
        rotated = np.ascontiguousarray(np.rot90(image, quarter_turns))
        rects, scores, _ = detector.run(rotated, 1, 0.0)
        for rect, score in zip(rects, scores, strict=True):
            if best is None or score > best[0]:
                best = (score, rotated, (rect.top(), rect.right(), rect.bottom(), rect.left()))
    if best is None:
        raise LookupError("no face")
    _, rotated, box = best
    return face_recognition.face_encodings(rotated, [box])[0]


def decide_naive(selfie: np.ndarray, frames: list[Frame], card: np.ndarray) -> dict[str, object]:
    selfie_verdict = check_selfie(selfie)
    selfie_encoding = naive_encoding(selfie)
    liveness, video_encodings = liveness_and_probes(
        frames, CHALLENGES, reference_encoding=selfie_encoding, naive=True
    )
    reference = naive_encoding(card, allow_rotation=True)
    matched = match(reference, [selfie_encoding, video_template(video_encodings)])
    return summary(selfie_verdict, liveness, matched)


def summary(selfie, liveness, matched) -> dict[str, object]:
    return {
        "selfie": (selfie.ok, selfie.reasons),
        "liveness": (liveness.ok, liveness.reasons),
        "face_match": (matched.ok, matched.reasons),
        "match_distance_max": matched.scores.get("distance_max"),
        "decision": selfie.ok and liveness.ok and matched.ok,
    }


def timed(function, inputs, repeat: int) -> tuple[float, float, dict[str, object]]:
    """Median CPU seconds of this process (one core; not inflated by other load) and wall seconds."""
    cpu, wall, result = [], [], {}
    for _ in range(repeat):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        result = function(*inputs)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall), result


PEOPLE = {
    "obama.jpg": "obama", "obama2.jpg": "obama", "obama3.jpg": "obama", "obama_small.jpg": "obama",
    "obama-240p.jpg": "obama", "obama_partial_face.jpg": "obama", "biden.jpg": "biden", "biden2.jpg": "biden",
    "kit_harington1.jpeg": "kit", "kit_harington2.jpeg": "kit", "lin-manuel-miranda.png": "lin",
    "liveportrait_person_d18.jpg": "d18",
}  # fmt: skip


def accuracy(threshold: float) -> None:
    """False matches and false non-matches over all pairs of the test faces: the photos, each
    clip's template (as the service compares a video), and, stricter, every single frontal frame."""
    photos = [
        (name, person, face_encoding(decode_image((TESTDATA / "faces" / name).read_bytes())))
        for name, person in PEOPLE.items()
    ]
    clips = [
        ("short_hamilton_clip.mp4", "lin", 82, 211),
        ("short_hamilton_clip.mp4", "hamilton_other", 214, 249),
        ("liveportrait_d18.mp4", "d18", 0, 216),
        ("liveportrait_d19.mp4", "d19", 0, 250),
    ]
    templates, frames = [], []
    for clip, person, start, stop in clips:
        encodings = video_probes(frames_from_video(TESTDATA / "video" / clip, start=start, stop=stop))
        templates.append((f"{clip}[{start}:{stop}]", person, video_template(encodings)))
        frames += [(f"{clip}[{start}:{stop}]#{i}", person, e) for i, e in enumerate(encodings)]
    print(f"\naccuracy at threshold {threshold} ({len(PEOPLE)} photos of 6 people, 4 clips of 4 more):")
    for label, samples in (
        ("photos + clip templates", photos + templates),
        ("photos + single frames", photos + frames),
    ):
        genuine, impostor = [], []
        for (name_a, who_a, a), (name_b, who_b, b) in combinations(samples, 2):
            if name_a.split("#")[0] == name_b.split("#")[0]:
                continue  # two frames of one clip
            distance = faces.distance(a, b)
            (genuine if who_a == who_b else impostor).append((distance, name_a, name_b))
        false_non_matches = sum(d > threshold for d, _, _ in genuine)
        false_matches = sum(d <= threshold for d, _, _ in impostor)
        print(
            f"  {label}: genuine {len(genuine)} pairs, {min(genuine)[0]:.3f}-{max(genuine)[0]:.3f}, "
            f"false non-matches {false_non_matches}; impostor {len(impostor)} pairs, "
            f"{min(impostor)[0]:.3f}-{max(impostor)[0]:.3f}, false matches {false_matches}"
        )
        print(
            f"    worst genuine {max(genuine)[0]:.3f} {max(genuine)[1]} ~ {max(genuine)[2]}; "
            f"closest impostor {min(impostor)[0]:.3f} {min(impostor)[1]} ~ {min(impostor)[2]}"
        )


def measure(args) -> dict[str, dict[str, object]]:
    """Each case's median CPU and wall seconds and its decisions, with the importable code."""
    faces._models()
    import face_recognition  # noqa: F401 - loads its own copy of the models, as the naive approach would

    inputs = citizen()
    results = {}
    for scenario, scenario_inputs in (
        ("30 frames, genuine citizen", inputs),
        ("30 frames, printed-photo attack", photo_attack(*inputs)),
    ):
        for label, decide in (("ours", decide_ours), ("naive", decide_naive)):
            if label == "naive" and args.skip_naive:
                continue
            cpu, wall, result = timed(decide, scenario_inputs, args.repeat)
            results[f"{scenario}: {label}"] = {"cpu": cpu, "wall": wall, "decision": result}
    cpu, wall, result = timed(decide_service, (service_inputs(),), args.repeat)
    results["135 frames, as the service calls: ours"] = {"cpu": cpu, "wall": wall, "decision": result}
    return json.loads(json.dumps(results))  # tuples as lists, as --before's side reads them


def same_verdicts(a: dict[str, object], b: dict[str, object]) -> bool:
    """The three steps' outcomes and reasons agree (distances may differ in the last digits)."""
    return all(a["decision"][step] == b["decision"][step] for step in ("selfie", "liveness", "face_match"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (the median is reported)")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-naive", action="store_true", help="not the naive reference (30-frame cases)")
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with, run first")
    parser.add_argument("--code", type=Path, help="the checkout whose code is measured (default: this one)")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON only")
    args = parser.parse_args()

    if args.json:
        print(json.dumps(measure(args)))
        return
    before = None
    if args.before:
        command = [sys.executable, __file__, "--json", "--code", str(args.before.resolve())]
        command += ["--repeat", str(args.repeat)] + (["--skip-naive"] if args.skip_naive else [])
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        before = json.loads(output.strip().splitlines()[-1])
    start = time.perf_counter()
    faces._models()
    print(f"model loading (once per process): {time.perf_counter() - start:.2f} s")
    inputs = citizen()
    print(
        f"30-frame case: selfie {inputs[0].shape[1]}x{inputs[0].shape[0]}, {len(inputs[1])} frames "
        f"{inputs[1][0].image.shape[1]}x{inputs[1][0].image.shape[0]}, ID photo "
        f"{inputs[2].shape[1]}x{inputs[2].shape[0]} (card turned 90 degrees); "
        f"135-frame case: task {','.join(TASK)}, {SECONDS_PER_CHALLENGE:g} s each; one core, "
        f"CPU seconds, median of {args.repeat}"
    )
    after = measure(args)
    for case, now in after.items():
        print(f"\n{case}\n  {'':8s}{'CPU s':>7s}{'wall s':>8s}  decision")
        if before is not None and case in before:
            old = before[case]
            print(f"  {'before':8s}{old['cpu']:7.2f}{old['wall']:8.2f}  {old['decision']}")
        print(f"  {'this':8s}{now['cpu']:7.2f}{now['wall']:8.2f}  {now['decision']}")
        if before is not None and case in before:
            old = before[case]
            print(
                f"  before/this {old['cpu'] / now['cpu']:.2f}x; same decisions: "
                f"{same_verdicts(old, now)}; under 3 s: {now['cpu'] < 3.0}"
            )
    for scenario in ("30 frames, genuine citizen", "30 frames, printed-photo attack"):
        ours, naive = after[f"{scenario}: ours"], after.get(f"{scenario}: naive")
        if naive is not None:
            same = same_verdicts(ours, naive)
            print(
                f"\n{scenario}: naive/ours {naive['cpu'] / ours['cpu']:.1f}x; same decisions as naive: {same}"
            )
    if not args.skip_accuracy:
        accuracy(DEFAULT_THRESHOLD)


if __name__ == "__main__":
    main()

"""Time to an identification decision for one citizen, and face-match accuracy on the test data.

One citizen = a selfie (640x480), 30 video frames at 640x480 (three seconds at the 10 frames
per second the page sends, with the movements asked: open the mouth, then blink) and a photo
of an identity card (the portrait small on it, the card photographed sideways). All inputs
are derived here from ../shared/testdata (the LivePortrait d18 clip and its person's still).

  ours  = webcam_flow as the service calls it: selfie check, liveness with the frames tracked
          (detection on a rescaled copy, encodings of a few frames), face match of the ID photo
          against the selfie and the video's encodings.
  naive = the same decisions, but face_recognition's detection (HOG, upsampled once) and an
          encoding on every full-size image: selfie, each of the 30 frames, the ID photo.

Runs on one core (OMP_NUM_THREADS=1, single process); models are loaded before timing (a
server loads them once). Usage: .venv/bin/python benchmarks/identify.py [--repeat 3]
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from itertools import combinations  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

cv2.setNumThreads(1)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from webcam_flow import faces  # noqa: E402
from webcam_flow.images import decode_image  # noqa: E402
from webcam_flow.liveness import liveness_and_probes  # noqa: E402
from webcam_flow.match import DEFAULT_THRESHOLD, face_encoding, match, video_probes, video_template  # noqa: E402
from webcam_flow.selfie import check_selfie  # noqa: E402
from webcam_flow.video import Frame, frames_from_video  # noqa: E402

TESTDATA = Path(__file__).resolve().parents[1].parent / "shared" / "testdata"
CHALLENGES = ["open_mouth", "blink"]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per approach (the median is reported)")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    faces._models()
    import face_recognition  # noqa: F401 - loads its own copy of the models, as the naive approach would

    print(f"model loading (once per process): {time.perf_counter() - start:.2f} s")
    inputs = citizen()
    print(
        f"inputs: selfie {inputs[0].shape[1]}x{inputs[0].shape[0]}, {len(inputs[1])} frames "
        f"{inputs[1][0].image.shape[1]}x{inputs[1][0].image.shape[0]}, ID photo "
        f"{inputs[2].shape[1]}x{inputs[2].shape[0]} (card turned 90 degrees); one core"
    )
    for scenario, scenario_inputs in (
        ("genuine citizen", inputs),
        ("printed-photo attack", photo_attack(*inputs)),
    ):
        ours_time, ours_wall, ours = timed(decide_ours, scenario_inputs, args.repeat)
        naive_time, naive_wall, naive = timed(decide_naive, scenario_inputs, args.repeat)
        print(f"\n{scenario}:\n{'':8s}{'CPU s':>7s}{'wall s':>8s}  decision")
        for label, seconds, wall, result in (
            ("ours", ours_time, ours_wall, ours),
            ("naive", naive_time, naive_wall, naive),
        ):
            print(f"{label:8s}{seconds:7.2f}{wall:8.2f}  {result}")
        same = all(ours[key] == naive[key] for key in ("selfie", "liveness", "face_match", "decision"))
        print(
            f"speed-up {naive_time / ours_time:.1f}x; same decisions: {same}; "
            f"ours under 3 s: {ours_time < 3.0}"
        )
    if not args.skip_accuracy:
        accuracy(DEFAULT_THRESHOLD)


if __name__ == "__main__":
    main()

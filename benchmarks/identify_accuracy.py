"""Face-match accuracy per population group: FMR and FNMR with counts and 95% intervals, at the
service's thresholds and across thresholds, and the time of one match decision.

Data: ../shared/testdata (faces/ stills, video/ real people's videos). Frames of one video are one
person; different videos and stills are different people except where MANIFEST.md says otherwise
(the Hamilton clip's frames 82-210 and lin-manuel-miranda.png are one person; frames 212-248 another).

Groups. MANIFEST.md says only "several are East Asian faces"; the labels below were given by looking
at the pictures (a coarse visual label of appearance, not anyone's self-declared ethnicity):
  east_asian: liveportrait_d0, d13, d14, d20 (videos), liveportrait_s42.jpg, liveportrait_s11 (a photo
              of a child's printed photo);
  other:      Obama, Biden, Kit Harington, Lin-Manuel Miranda, the Hamilton clip's second person,
              liveportrait_d6, d18 (and its still), d19.
A pair belongs to "east_asian" when both faces do, "other" when neither does, "mixed" otherwise.

Two levels are measured:
  pairs     every single image against every other (photo-photo, photo-frame, frame-frame);
  decisions as the service decides: a reference (a still, or a frame from the first half of a video)
            against the live face = one frame (the "selfie") plus the mean of four other frames (the
            video template, from the second half), the larger of the two distances counts.
Genuine = the same person, impostor = different people. Frame-frame genuine pairs of one video are
easier than a state photo taken years earlier: the East Asian genuine figures rest on them alone.

Liveness is measured by ``--presentation-attacks`` (benchmarks/presentation_attacks.py): the genuine-task
refusal rate and the APCER per attack type (printed, animated, replayed, swapped, a live injector), without
and with the colour challenge.

Runs on one core in about a minute (``--frames`` per video, default 10). Usage:
  .venv/bin/python benchmarks/identify_accuracy.py [--frames 10] [--engine dlib | onnx --model M.onnx
                                                     | http --url URL] [--thresholds 0.3,0.4,...]
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from itertools import combinations  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

cv2.setNumThreads(1)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from webcam_flow.engines import ENGINE_KINDS, engine_id, make_engine  # noqa: E402
from webcam_flow.errors import NoFaceFound  # noqa: E402
from webcam_flow.images import decode_image  # noqa: E402
from webcam_flow.match import face_template  # noqa: E402

TESTDATA = Path(__file__).resolve().parents[1].parent / "shared" / "testdata"
EAST_ASIAN, OTHER = "east_asian", "other"

# still file -> (identity, group)
STILLS = {
    "obama.jpg": ("obama", OTHER),
    "obama2.jpg": ("obama", OTHER),
    "obama3.jpg": ("obama", OTHER),
    "obama-240p.jpg": ("obama", OTHER),
    "biden.jpg": ("biden", OTHER),
    "biden2.jpg": ("biden", OTHER),
    "kit_harington1.jpeg": ("kit_harington", OTHER),
    "kit_harington2.jpeg": ("kit_harington", OTHER),
    "lin-manuel-miranda.png": ("lin_manuel_miranda", OTHER),
    "liveportrait_person_d18.jpg": ("lp_d18", OTHER),
    "liveportrait_s42.jpg": ("lp_s42", EAST_ASIAN),
    "liveportrait_s11_photo_of_photo.jpg": ("lp_s11_child", EAST_ASIAN),
}
# video file, source frame range -> (identity, group)
VIDEOS = {
    ("short_hamilton_clip.mp4", 82, 211): ("lin_manuel_miranda", OTHER),
    ("short_hamilton_clip.mp4", 212, 249): ("hamilton_second_person", OTHER),
    ("liveportrait_d0.mp4", 0, None): ("lp_d0", EAST_ASIAN),
    ("liveportrait_d13.mp4", 0, None): ("lp_d13", EAST_ASIAN),
    ("liveportrait_d14.mp4", 0, None): ("lp_d14", EAST_ASIAN),
    ("liveportrait_d20.mp4", 0, None): ("lp_d20", EAST_ASIAN),
    ("liveportrait_d6.mp4", 0, None): ("lp_d6", OTHER),
    ("liveportrait_d18.mp4", 0, None): ("lp_d18", OTHER),
    ("liveportrait_d19.mp4", 0, None): ("lp_d19", OTHER),
}


@dataclass(frozen=True)
class Sample:
    """One encoded face: a still or a video frame."""

    source: str  # file name (and frame number for a frame)
    video: str | None  # the video (and range) it comes from, None for a still
    identity: str
    group: str
    position: float  # 0..1 along the video (0 for a still)
    encoding: np.ndarray


@dataclass(frozen=True)
class Comparison:
    genuine: bool
    group: str
    kind: str
    identities: tuple[str, str]
    distance: float


def pair_group(a: str, b: str) -> str:
    return a if a == b else "mixed"


# -- intervals ---------------------------------------------------------------------------------------


def _log_choose(n: int, i: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)


def _binomial_cdf(k: int, n: int, p: float) -> float:
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0 if k < n else 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    return min(
        1.0,
        sum(math.exp(_log_choose(n, i) + i * log_p + (n - i) * log_q) for i in range(k + 1)),
    )


def clopper_pearson(errors: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper-Pearson) 95% interval of a proportion, by bisection on the binomial CDF."""
    if n == 0:
        return (0.0, 1.0)

    def solve(predicate) -> float:
        low, high = 0.0, 1.0
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if predicate(middle) else (low, middle)
        return (low + high) / 2

    lower = 0.0 if errors == 0 else solve(lambda p: 1 - _binomial_cdf(errors - 1, n, p) < alpha / 2)
    upper = 1.0 if errors == n else solve(lambda p: _binomial_cdf(errors, n, p) > alpha / 2)
    return (lower, upper)


def rate(errors: int, n: int) -> str:
    low, high = clopper_pearson(errors, n)
    share = errors / n if n else float("nan")
    return f"{errors:>4}/{n:<6} {100 * share:6.2f}% [{100 * low:5.2f}-{100 * high:6.2f}]"


# -- data ----------------------------------------------------------------------------------------------


def read_frames(path: Path, start: int, stop: int | None, count: int) -> list[tuple[int, np.ndarray]]:
    """``count`` evenly spaced RGB frames (frame number, image) of ``path`` within [start, stop)."""
    capture = cv2.VideoCapture(str(path))
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    stop = total if stop is None else min(stop, total)
    wanted = {round(x) for x in np.linspace(start, stop - 1, count)}
    frames, index = [], 0
    while index < stop:
        ok, bgr = capture.read()
        if not ok:
            break
        if index in wanted:
            frames.append((index, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
        index += 1
    capture.release()
    return frames


def collect(encode, frames_per_video: int) -> tuple[list[Sample], list[float], list[str]]:
    """Every usable still and sampled frame, encoded; the seconds each encoding took; what had no face."""
    samples, seconds, skipped = [], [], []

    def add(source, video, identity, group, position, image) -> None:
        started = time.process_time()
        try:
            vector = encode(image)
        except NoFaceFound:
            skipped.append(source)
            return
        seconds.append(time.process_time() - started)
        samples.append(Sample(source, video, identity, group, position, vector))

    for name, (identity, group) in STILLS.items():
        add(name, None, identity, group, 0.0, decode_image((TESTDATA / "faces" / name).read_bytes()))
    for (name, start, stop), (identity, group) in VIDEOS.items():
        frames = read_frames(TESTDATA / "video" / name, start, stop, frames_per_video)
        video = f"{name}[{start}:{stop or ''}]"
        for position, (index, image) in enumerate(frames):
            add(f"{name}#{index}", video, identity, group, position / max(1, len(frames) - 1), image)
    return samples, seconds, skipped


def pair_kind(a: Sample, b: Sample) -> str:
    if a.video is None and b.video is None:
        return "photo-photo"
    if a.video is None or b.video is None:
        return "photo-frame"
    return "frame-frame, one video" if a.video == b.video else "frame-frame"


def pairs(samples: list[Sample], distance) -> list[Comparison]:
    return [
        Comparison(
            a.identity == b.identity,
            pair_group(a.group, b.group),
            pair_kind(a, b),
            tuple(sorted((a.identity, b.identity))),
            distance(a.encoding, b.encoding),
        )
        for a, b in combinations(samples, 2)
    ]


def decisions(samples: list[Sample], distance, template) -> list[Comparison]:
    """The service's decision: reference vs max(selfie frame, template of four frames) of one video."""
    videos: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        if sample.video:
            videos[sample.video].append(sample)
    lives = []  # (video, identity, group, selfie, template), from each video's second half
    for video, frames in videos.items():
        late = [s for s in frames if s.position >= 0.5]
        if len(late) < 2:
            continue
        for i, selfie in enumerate(late):
            others = [s.encoding for j, s in enumerate(late) if j != i][:4]
            lives.append((video, selfie.identity, selfie.group, selfie.encoding, template(others)))
    references = [s for s in samples if s.video is None or s.position < 0.5]
    results = []
    for reference in references:
        for video, identity, group, selfie, video_template in lives:
            if reference.video == video and reference.position >= 0.5:
                continue
            kind = "photo vs live" if reference.video is None else "frame vs live"
            results.append(
                Comparison(
                    reference.identity == identity,
                    pair_group(reference.group, group),
                    kind,
                    tuple(sorted((reference.identity, identity))),
                    max(distance(reference.encoding, selfie), distance(reference.encoding, video_template)),
                )
            )
    return results


# -- report --------------------------------------------------------------------------------------------


def errors_at(comparisons: list[Comparison], threshold: float, accepts) -> tuple[int, int, int, int]:
    """(false matches, impostors, false non-matches, genuines) with ``accepts(distance, threshold)``."""
    impostors = [c for c in comparisons if not c.genuine]
    genuines = [c for c in comparisons if c.genuine]
    false_matches = sum(accepts(c.distance, threshold) for c in impostors)
    false_non_matches = sum(not accepts(c.distance, threshold) for c in genuines)
    return false_matches, len(impostors), false_non_matches, len(genuines)


def table(title: str, comparisons: list[Comparison], thresholds: list[float], accepts) -> None:
    print(f"\n## {title}: FMR and FNMR, 95% Clopper-Pearson intervals (in %)")
    groups = [EAST_ASIAN, OTHER, "mixed", "all"]
    print(f"{'threshold':>9} {'group':<11} {'FMR (impostors accepted)':<34} {'FNMR (genuine refused)':<34}")
    for threshold in thresholds:
        for group in groups:
            chosen = [c for c in comparisons if group == "all" or c.group == group]
            fm, impostors, fnm, genuines = errors_at(chosen, threshold, accepts)
            fnmr = rate(fnm, genuines) if genuines else "     (no genuine pairs)"
            print(f"{threshold:>9.3f} {group:<11} {rate(fm, impostors):<34} {fnmr:<34}")


def distributions(title: str, comparisons: list[Comparison]) -> None:
    print(f"\n## {title}: distances by group and kind (min / median / max)")
    buckets: dict[tuple, list[float]] = defaultdict(list)
    for c in comparisons:
        buckets[(c.genuine, c.group, c.kind)].append(c.distance)
    for (genuine, group, kind), values in sorted(buckets.items()):
        label = "genuine " if genuine else "impostor"
        print(
            f"  {label} {group:<11} {kind:<24} n={len(values):<6} "
            f"{min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f}"
        )
    impostor_identity_pairs = {c.identities for c in comparisons if not c.genuine}
    print(f"  impostor identity pairs: {len(impostor_identity_pairs)} (the comparisons are not independent)")


def closest_impostors(comparisons: list[Comparison], accepts, threshold: float, limit: int = 8) -> None:
    """Per identity pair, the smallest impostor distance: how many pairs of people would match."""
    closest: dict[tuple[str, str], Comparison] = {}
    for c in comparisons:
        if not c.genuine and (c.identities not in closest or c.distance < closest[c.identities].distance):
            closest[c.identities] = c
    ranked = sorted(closest.values(), key=lambda c: c.distance)
    matched = [c for c in ranked if accepts(c.distance, threshold)]
    print(
        f"\n  identity pairs with at least one false match at {threshold:.3f}: "
        f"{len(matched)} of {len(ranked)}; closest:"
    )
    for c in ranked[:limit]:
        print(f"    {c.distance:.3f} {c.group:<11} {c.identities[0]} ~ {c.identities[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=10, help="frames sampled per video (default 10)")
    parser.add_argument("--thresholds", default="0.30,0.35,0.38,0.40,0.42,0.45,0.50,0.55,0.60")
    parser.add_argument("--engine", choices=ENGINE_KINDS, default="dlib")
    parser.add_argument("--model", help="the ONNX model (--engine onnx)")
    parser.add_argument("--url", help="the biometric service (--engine http)")
    parser.add_argument(
        "--presentation-attacks",
        action="store_true",
        help="also the genuine-task refusals and the APCER per attack type "
        "(benchmarks/presentation_attacks.py, "
        "about 15 minutes more)",
    )
    args = parser.parse_args()
    engine = make_engine(args.engine, model_path=args.model, service_url=args.url)
    bands = engine.default_bands
    current = bands.refuse_above if bands else None

    def encode(image: np.ndarray) -> np.ndarray:
        return face_template(image, engine=engine).vector

    def distance(a: np.ndarray, b: np.ndarray) -> float:
        return float(engine.distance(a, b))

    def template(vectors: list[np.ndarray]) -> np.ndarray:
        return engine.combine(vectors)

    def accepts(value: float, threshold: float) -> bool:
        return value <= threshold

    name = engine_id(engine)
    thresholds = [float(t) for t in args.thresholds.split(",")]
    started = time.perf_counter()
    samples, seconds, skipped = collect(encode, args.frames)
    print(f"# Face-match accuracy, engine {name}, bands (accept at most / refuse above) {bands}")
    print(
        f"{len(samples)} faces encoded ({len({s.identity for s in samples})} people, "
        f"{sum(s.group == EAST_ASIAN for s in samples)} East Asian), "
        f"no face on: {', '.join(skipped) or 'none'}"
    )
    print(
        f"encoding one face (detection + landmarks + encoding), CPU s on one core: median "
        f"{statistics.median(seconds):.3f}, max {max(seconds):.3f}"
    )
    single = pairs(samples, distance)
    decided = decisions(samples, distance, template)
    compare_started = time.process_time()
    timed_pairs = list(combinations(samples, 2))[:2000]
    for a, b in timed_pairs:
        accepts(distance(a.encoding, b.encoding), current or 0.0)
    compare_seconds = (time.process_time() - compare_started) / max(1, len(timed_pairs))
    distributions("single images, all pairs", single)
    table("single images, all pairs", single, thresholds, accepts)
    for limit in [b for b in (bands.accept_at_most, bands.refuse_above)] if bands else thresholds[-1:]:
        closest_impostors(single, accepts, limit)
    distributions("decisions (reference vs selfie frame + video template)", decided)
    table("decisions (reference vs selfie frame + video template)", decided, thresholds, accepts)
    for limit in [b for b in (bands.accept_at_most, bands.refuse_above)] if bands else thresholds[-1:]:
        closest_impostors(decided, accepts, limit)
    print(
        "\nA decision = encode the state photo and the ID photo (two encodings as above, the live face's "
        "are kept from the earlier steps) + the comparisons "
        f"({1e6 * compare_seconds:.1f} us each)."
    )
    if args.presentation_attacks:
        from benchmarks.presentation_attacks import table as attack_table

        print("\n# Liveness: genuine refusals and presentation attacks (APCER), 95% Wilson intervals")
        attack_table(0.03, quick=False)
    print(f"total {time.perf_counter() - started:.0f} s wall")


if __name__ == "__main__":
    main()

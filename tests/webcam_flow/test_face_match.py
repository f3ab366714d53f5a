"""Face match on the real photos: the same person matches, different people do not (all pairs)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from webcam_testdata import HAMILTON_FPS, id_card, load_face, segment

from webcam_flow.errors import BadInput, NoFaceFound
from webcam_flow.match import (
    DEFAULT_THRESHOLD,
    face_encoding,
    match,
    match_identity,
    sampled_template,
    video_probes,
    video_template,
)

PEOPLE = {
    "obama.jpg": "obama",
    "obama2.jpg": "obama",
    "obama3.jpg": "obama",
    "obama_small.jpg": "obama",
    "obama-240p.jpg": "obama",
    "obama_partial_face.jpg": "obama",
    "biden.jpg": "biden",
    "biden2.jpg": "biden",
    "kit_harington1.jpeg": "kit",
    "kit_harington2.jpeg": "kit",
    "lin-manuel-miranda.png": "lin",
    "liveportrait_person_d18.jpg": "d18",
}
PAIRS = list(combinations(sorted(PEOPLE), 2))


@pytest.fixture(scope="module")
def encodings() -> dict[str, np.ndarray]:
    return {name: face_encoding(load_face(name)) for name in PEOPLE}


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}~{b}" for a, b in PAIRS])
def test_same_person_matches_and_different_people_do_not(encodings, a, b):
    verdict = match(encodings[a], [encodings[b]])
    assert verdict.ok == (PEOPLE[a] == PEOPLE[b]), verdict.to_dict()


def test_the_threshold_sits_in_the_measured_gap(encodings):
    same = [
        match(encodings[a], [encodings[b]]).scores["distance_max"] for a, b in PAIRS if PEOPLE[a] == PEOPLE[b]
    ]
    different = [
        match(encodings[a], [encodings[b]]).scores["distance_max"] for a, b in PAIRS if PEOPLE[a] != PEOPLE[b]
    ]
    assert max(same) < DEFAULT_THRESHOLD - 0.1 < DEFAULT_THRESHOLD + 0.05 < min(different)


def test_every_probe_must_match(encodings):
    verdict = match(encodings["obama.jpg"], [encodings["obama2.jpg"], encodings["biden.jpg"]])
    assert verdict.reasons == ("no_match",)
    assert verdict.scores["distance_min"] < DEFAULT_THRESHOLD < verdict.scores["distance_max"]
    assert match(encodings["obama.jpg"], []).reasons == ("no_probes",)


def test_a_stricter_threshold_can_be_configured(encodings):
    assert match(encodings["obama.jpg"], [encodings["obama2.jpg"]]).ok
    assert not match(encodings["obama.jpg"], [encodings["obama2.jpg"]], threshold=0.3).ok
    with pytest.raises(BadInput):
        match(encodings["obama.jpg"], [encodings["obama2.jpg"]], threshold=0)
    with pytest.raises(BadInput):
        match(np.zeros(3), [encodings["obama2.jpg"]])


@pytest.mark.parametrize("quarter_turns", [0, 1, 2, 3])
def test_a_small_face_on_a_rotated_id_card_is_found(encodings, quarter_turns):
    card = np.ascontiguousarray(np.rot90(id_card(load_face("obama2.jpg")), quarter_turns))
    reference = face_encoding(card, allow_rotation=True)
    assert match(reference, [encodings["obama.jpg"], encodings["obama3.jpg"]]).ok
    assert not match(reference, [encodings["biden.jpg"]]).ok
    if quarter_turns:
        with pytest.raises(NoFaceFound):
            face_encoding(card)


def test_a_picture_without_a_face_has_no_encoding():
    with pytest.raises(NoFaceFound, match="any orientation"):
        face_encoding(np.ascontiguousarray(load_face("obama.jpg")[:300, :300]), allow_rotation=True)


def test_a_video_matches_the_photo_of_its_person_and_not_the_next_one(hamilton, encodings):
    lin = encodings["lin-manuel-miranda.png"]
    his_frames = video_probes(segment(hamilton, 82, 211, HAMILTON_FPS))
    assert len(his_frames) >= 5
    single = match(lin, his_frames)
    assert 0.35 < single.scores["distance_median"] < DEFAULT_THRESHOLD  # single frames sit near 0.5
    template = match(lin, [video_template(his_frames)])
    assert template.ok and template.scores["distance_max"] < single.scores["distance_min"]
    other_person = video_probes(segment(hamilton, 214, 249, HAMILTON_FPS))
    assert match(lin, [video_template(other_person)]).reasons == ("no_match",)
    for name, person in PEOPLE.items():
        if person != "lin":
            assert not match(encodings[name], [video_template(his_frames)]).ok, name


def test_a_video_without_faces_has_no_template():
    with pytest.raises(NoFaceFound):
        video_template([])


def test_the_live_face_must_match_the_photo_on_record_and_the_card_must_match_the_live_face(encodings):
    live = {"selfie": [encodings["obama.jpg"]], "video": [encodings["obama3.jpg"]]}
    obama_card, biden_card = id_card(load_face("obama2.jpg")), id_card(load_face("biden2.jpg"))
    passed = match_identity(encodings["obama_small.jpg"], obama_card, **live)
    assert passed.ok and passed.scores["record_photo"] == 1.0
    assert passed.scores["record_probes"] == passed.scores["id_probes"] == 2
    assert match_identity(encodings["biden.jpg"], obama_card, **live).reasons == ("no_match_record",)
    assert match_identity(encodings["obama_small.jpg"], biden_card, **live).reasons == ("no_match",)
    both = match_identity(encodings["biden.jpg"], biden_card, **live)
    assert both.reasons == ("no_match_record", "no_match")


def test_the_identity_match_is_never_made_on_the_selfie_or_the_video_alone(encodings):
    card = id_card(load_face("obama2.jpg"))
    record, selfie = encodings["obama_small.jpg"], [encodings["obama.jpg"]]
    assert match_identity(record, card, selfie=selfie, video=[]).reasons == ("no_video_face",)
    assert match_identity(record, card, selfie=[], video=selfie).reasons == ("no_probes",)
    faceless = np.ascontiguousarray(load_face("obama.jpg")[:300, :300])
    assert match_identity(record, faceless, selfie=selfie, video=selfie).reasons == ("no_face_on_reference",)


def test_a_video_is_sampled_into_one_template_and_a_faceless_one_has_none(hamilton, encodings):
    template = sampled_template(segment(hamilton, 82, 211, HAMILTON_FPS))
    assert template is not None and template.shape == (128,)
    assert match(encodings["lin-manuel-miranda.png"], [template]).ok
    blank = [type(f)(f.t, np.zeros_like(f.image)) for f in segment(hamilton, 82, 100, HAMILTON_FPS)]
    assert sampled_template(blank) is None


def test_the_guide_gives_the_thresholds_reasons_its_margin_and_the_need_to_recalibrate():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "identify.md").read_text()
    section = guide[guide.index("## The face-match threshold") :]
    assert f"({DEFAULT_THRESHOLD})" in section.splitlines()[0]
    assert "**0.532**" in section and "**0.572**" in section
    assert 0.532 < DEFAULT_THRESHOLD < 0.572
    assert "recalibrate" in section and "EDS_FACE_MATCH_THRESHOLD" in section and "FMR" in section

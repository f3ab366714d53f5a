"""Face-match engines behind one interface: dlib (default), an operator's ONNX model (a tiny one made
here at run time), an external service over HTTP (a real local server); three outcomes from two bands;
templates of different engines are never compared."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from webcam_testdata import load_face

from tests.onnx_models import tiny_arcface
from webcam_flow.engines import (
    DLIB,
    Bands,
    EngineMismatch,
    EngineUnavailable,
    FaceEngine,
    Template,
    engine_id,
    make_engine,
    template_distance,
)
from webcam_flow.errors import BadInput
from webcam_flow.match import face_template, match_identity, match_templates, portrait_template
from webcam_flow.verdict import Verdict

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny_arcface.onnx"
    tiny_arcface(path)
    return path


def test_the_engines_share_one_interface(model_path):
    engine = make_engine("onnx", model_path=model_path)
    assert isinstance(DLIB, FaceEngine) and isinstance(engine, FaceEngine)
    assert engine_id(DLIB) == "dlib-resnet/v1"
    assert engine_id(engine).startswith("onnx/") and len(engine.version) == 16


def test_the_onnx_engine_encodes_an_aligned_face_to_a_unit_512_d_vector(model_path):
    engine = make_engine("onnx", model_path=model_path)
    one = face_template(load_face("obama.jpg"), engine=engine)
    again = face_template(load_face("obama.jpg"), engine=engine)
    other = face_template(load_face("biden.jpg"), engine=engine)
    assert one.vector.shape == (512,) and abs(np.linalg.norm(one.vector) - 1) < 1e-6
    assert template_distance(engine, one, again) < 1e-6  # cosine distance of the same picture
    assert 0 < template_distance(engine, one, other) <= 2


def test_a_missing_model_or_one_of_the_wrong_shape_is_a_clear_error(tmp_path):
    with pytest.raises(EngineUnavailable, match="no model file"):
        make_engine("onnx", model_path=tmp_path / "nowhere.onnx")
    small = tmp_path / "small.onnx"
    tiny_arcface(small, side=56)
    with pytest.raises(EngineUnavailable, match=r"takes \[\['N', 3, 56, 56\]\].*\[N, 3, 112, 112\]"):
        make_engine("onnx", model_path=small)
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(EngineUnavailable, match="not an ONNX model"):
        make_engine("onnx", model_path=junk)
    with pytest.raises(EngineUnavailable, match="EDS_FACE_MODEL"):
        make_engine("onnx")
    with pytest.raises(EngineUnavailable, match="must be one of"):
        make_engine("magic")


def test_templates_of_another_engine_are_never_compared(model_path):
    engine = make_engine("onnx", model_path=model_path)
    dlib_template = face_template(load_face("obama.jpg"), engine=DLIB)
    onnx_template = face_template(load_face("obama.jpg"), engine=engine)
    with pytest.raises(EngineMismatch, match="never compared"):
        template_distance(engine, dlib_template, onnx_template)
    with pytest.raises(EngineMismatch):
        match_templates(onnx_template, [dlib_template], engine=engine, bands=Bands(0.3, 0.5))
    other_version = Template("onnx/0000000000000000", onnx_template.vector)
    with pytest.raises(EngineMismatch):  # another model file is another engine
        template_distance(engine, onnx_template, other_version)
    with pytest.raises(EngineMismatch):  # a bare 128-d array is dlib's
        match_identity(
            onnx_template,
            load_face("obama.jpg"),
            selfie=[dlib_template.vector],
            video=[onnx_template],
            engine=engine,
            bands=Bands(0.3, 0.5),
        )


class FakeBiometricService(BaseHTTPRequestHandler):
    """A vendor's matcher as the HTTP engine expects it: a template is a digest of the picture's size
    class, two templates score 1.0 when equal, else 0.1."""

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _answer(self, body: dict, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.headers.get("Authorization") != "Bearer s3cret":
            return self._answer({"error": "unauthorised"}, 401)
        self._answer({"name": "acme-face", "version": "4.2"})

    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/templates":
            image = base64.b64decode(payload["image"])
            assert image.startswith(b"\x89PNG")
            template = hashlib.sha256(str(len(image) // 100_000).encode()).digest()
            return self._answer({"template": base64.b64encode(template).decode()})
        if self.path == "/compare":
            return self._answer({"score": 1.0 if payload["a"] == payload["b"] else 0.1})
        self._answer({}, 404)


@pytest.fixture
def biometric_service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeBiometricService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_http_engine_asks_the_service_for_templates_and_scores(biometric_service):
    engine = make_engine("http", service_url=biometric_service, service_token="s3cret")
    assert engine_id(engine) == "http:acme-face/4.2"
    one = face_template(load_face("obama.jpg"), engine=engine)
    again = face_template(load_face("obama.jpg"), engine=engine)
    assert one.vector.dtype == np.uint8 and len(one.vector) == 32
    assert template_distance(engine, one, again) == 0.0
    assert template_distance(engine, one, Template(one.engine, np.zeros(32, np.uint8))) == pytest.approx(0.9)


def test_the_http_engine_refuses_a_service_that_does_not_answer_as_agreed(biometric_service):
    with pytest.raises(EngineUnavailable, match="failed on /info"):
        make_engine("http", service_url=biometric_service, service_token="wrong")
    with pytest.raises(EngineUnavailable, match="EDS_FACE_SERVICE_URL"):
        make_engine("http")


def test_two_bands_give_three_outcomes():
    bands = Bands(accept_at_most=0.38, refuse_above=0.55)
    assert [bands.outcome(d) for d in (0.2, 0.38, 0.45, 0.55, 0.6)] == [
        "accept",
        "accept",
        "refer",
        "refer",
        "refuse",
    ]
    with pytest.raises(BadInput):
        Bands(accept_at_most=0.6, refuse_above=0.5)


def test_a_match_between_the_bands_is_referred_and_a_refusal_is_never_turned_into_a_review():
    record = portrait_template(load_face("obama.jpg"), engine=DLIB)
    live = [face_template(load_face("obama2.jpg"), engine=DLIB)]  # 0.35 from obama.jpg
    card = load_face("obama3.jpg")
    accepted = match_identity(record, card, selfie=live, video=live, bands=Bands(0.45, 0.55))
    assert accepted.outcome == "accept" and accepted.scores["record_accept_at_most"] == 0.45
    referred = match_identity(record, card, selfie=live, video=live, bands=Bands(0.2, 0.55))
    assert referred.outcome == "refer" and referred.reasons == ("needs_review",)
    assert referred.to_dict()["reasons"] == ["needs_review"] and "officer" in referred.message()
    impostor = portrait_template(load_face("biden.jpg"), engine=DLIB)
    refused = match_identity(impostor, card, selfie=live, video=live, bands=Bands(0.2, 0.55))
    assert refused.outcome == "refuse" and "needs_review" not in refused.reasons
    assert Verdict.decide("face_match", ["needs_review", "no_match"], {}).outcome == "refuse"

"""The face-match engine is chosen in the settings and checked at start: a missing or wrong model, or an
engine without measured bands, stops the start with a message naming the variable."""

from __future__ import annotations

import pytest

from eds_toolkit.flow.identification import IdentifyConfig
from eds_toolkit.settings import SettingsError
from tests.onnx_models import tiny_arcface
from webcam_flow.engines import DLIB, DLIB_BANDS, Bands, engine_id

pytest.importorskip("onnxruntime")


def test_dlib_is_the_default_with_its_measured_bands():
    config = IdentifyConfig.from_env({})
    assert config.engine is DLIB and config.bands == DLIB_BANDS == Bands(0.38, 0.55)
    lowered = IdentifyConfig.from_env({"EDS_FACE_ACCEPT_AT_MOST": "0.3", "EDS_FACE_MATCH_THRESHOLD": "0.5"})
    assert lowered.bands == Bands(0.3, 0.5)


def test_an_onnx_model_is_loaded_from_the_settings_with_its_own_bands(tmp_path):
    model = tmp_path / "arcface.onnx"
    tiny_arcface(model)
    config = IdentifyConfig.from_env(
        {
            "EDS_FACE_ENGINE": "onnx",
            "EDS_FACE_MODEL": str(model),
            "EDS_FACE_ACCEPT_AT_MOST": "0.45",
            "EDS_FACE_MATCH_THRESHOLD": "0.7",
        }
    )
    assert engine_id(config.engine).startswith("onnx/") and config.bands == Bands(0.45, 0.7)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"EDS_FACE_ENGINE": "onnx", "EDS_FACE_ACCEPT_AT_MOST": "0.4"}, "needs EDS_FACE_MODEL"),
        (
            {
                "EDS_FACE_ENGINE": "onnx",
                "EDS_FACE_MODEL": "/nowhere/arcface.onnx",
                "EDS_FACE_ACCEPT_AT_MOST": "0.4",
            },
            "no model file at /nowhere/arcface.onnx",
        ),
        ({"EDS_FACE_ENGINE": "magic"}, "EDS_FACE_ENGINE must be one of dlib, onnx, http"),
        ({"EDS_FACE_ACCEPT_AT_MOST": "0.6"}, "between 0 and EDS_FACE_MATCH_THRESHOLD"),
        ({"EDS_FACE_ENGINE": "http"}, "needs EDS_FACE_SERVICE_URL"),
    ],
)
def test_a_face_engine_that_cannot_work_stops_the_start(environ, message):
    with pytest.raises(SettingsError, match=message):
        IdentifyConfig.from_env(environ)


def test_a_model_of_the_wrong_shape_or_without_measured_bands_stops_the_start(tmp_path):
    small = tmp_path / "small.onnx"
    tiny_arcface(small, side=56)
    with pytest.raises(SettingsError, match=r"\[N, 3, 112, 112\]"):
        IdentifyConfig.from_env(
            {"EDS_FACE_ENGINE": "onnx", "EDS_FACE_MODEL": str(small), "EDS_FACE_ACCEPT_AT_MOST": "0.4"}
        )
    model = tmp_path / "arcface.onnx"
    tiny_arcface(model)
    with pytest.raises(SettingsError, match="no safe default"):
        IdentifyConfig.from_env({"EDS_FACE_ENGINE": "onnx", "EDS_FACE_MODEL": str(model)})

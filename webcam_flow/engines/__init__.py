"""Face-match engines behind one interface (:class:`FaceEngine`): dlib by default (installed everywhere),
an operator's ArcFace-class ONNX model, or an external biometric service over HTTP."""

from webcam_flow.engines.base import (
    Bands,
    EngineMismatch,
    EngineUnavailable,
    FaceEngine,
    Template,
    combined,
    engine_id,
    require_engine,
    template_distance,
    template_of,
)
from webcam_flow.engines.dlib import DLIB, DLIB_BANDS, DlibEngine

ENGINE_KINDS = ("dlib", "onnx", "http")


def make_engine(kind: str, *, model_path=None, service_url=None, service_token=None) -> FaceEngine:
    """The engine named ``kind`` (EngineUnavailable when its model or service is missing or wrong)."""
    if kind == "dlib":
        return DLIB
    if kind == "onnx":
        if not model_path:
            raise EngineUnavailable("EDS_FACE_ENGINE=onnx needs EDS_FACE_MODEL (the path of the .onnx file)")
        from webcam_flow.engines.onnx_model import OnnxEngine

        return OnnxEngine(model_path)
    if kind == "http":
        if not service_url:
            raise EngineUnavailable("EDS_FACE_ENGINE=http needs EDS_FACE_SERVICE_URL")
        from webcam_flow.engines.http_service import HttpEngine

        return HttpEngine(service_url, token=service_token)
    raise EngineUnavailable(f"EDS_FACE_ENGINE must be one of {', '.join(ENGINE_KINDS)}, got {kind!r}")


__all__ = [
    "DLIB",
    "DLIB_BANDS",
    "ENGINE_KINDS",
    "Bands",
    "DlibEngine",
    "EngineMismatch",
    "EngineUnavailable",
    "FaceEngine",
    "Template",
    "combined",
    "engine_id",
    "make_engine",
    "require_engine",
    "template_distance",
    "template_of",
]

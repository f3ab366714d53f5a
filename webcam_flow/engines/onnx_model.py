"""An operator-supplied ArcFace-class model run by onnxruntime: the face aligned on five landmarks to
112x112 RGB, scaled to [-1, 1], NCHW in; an embedding (512-d for ArcFace) out; cosine distance
(1 - cosine similarity). ``onnxruntime`` is an optional dependency (``pip install eds-toolkit[onnx]``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from webcam_flow import faces
from webcam_flow.engines.base import Bands, EngineUnavailable

INPUT_SIDE = 112
# Where ArcFace's training alignment puts the eye centres, the nose tip and the mouth corners in a
# 112x112 crop (insightface's arcface_dst): the model only works on faces placed the same way.
ARCFACE_POINTS = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)


def five_points(landmarks68: np.ndarray) -> np.ndarray:
    """Eye centres, nose tip and mouth corners (image left first) from the 68 iBUG landmarks."""
    return np.array(
        [
            landmarks68[36:42].mean(axis=0),
            landmarks68[42:48].mean(axis=0),
            landmarks68[30],
            landmarks68[48],
            landmarks68[54],
        ],
        dtype=np.float32,
    )


def aligned_face(image: np.ndarray, face: faces.Face) -> np.ndarray:
    """The 112x112 RGB crop ArcFace expects (similarity transform of the five points)."""
    points = five_points(faces.landmarks(image, face))
    matrix, _ = cv2.estimateAffinePartial2D(points, ARCFACE_POINTS, method=cv2.LMEDS)
    if matrix is None:
        raise EngineUnavailable("the face could not be aligned for the model")
    return cv2.warpAffine(image, matrix, (INPUT_SIDE, INPUT_SIDE), borderValue=0)


class OnnxEngine:
    """An ArcFace-class ONNX model from ``model_path``; checked when made (EngineUnavailable names the
    problem: no file, not ONNX, input not [N, 3, 112, 112], output not one vector per face)."""

    name = "onnx"
    default_bands: Bands | None = None  # a model the operator brings comes with bands measured for it

    def __init__(self, model_path: Path | str) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise EngineUnavailable(f"EDS_FACE_MODEL: no model file at {path}")
        try:
            import onnxruntime
        except ImportError:
            raise EngineUnavailable(
                "EDS_FACE_ENGINE=onnx needs onnxruntime: pip install 'eds-toolkit[onnx]'"
            ) from None
        data = path.read_bytes()
        try:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own untyped errors for a bad file
            raise EngineUnavailable(
                f"EDS_FACE_MODEL: {path} is not an ONNX model onnxruntime can run: {error}"
            ) from None
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or list(inputs[0].shape[1:]) != [3, INPUT_SIDE, INPUT_SIDE]:
            shapes = [list(i.shape) for i in inputs]
            raise EngineUnavailable(
                f"EDS_FACE_MODEL: {path} takes {shapes}; an ArcFace-class model takes one input "
                f"[N, 3, {INPUT_SIDE}, {INPUT_SIDE}] (an aligned RGB face)"
            )
        self._input = inputs[0].name
        outputs = self._session.get_outputs()
        size = outputs[0].shape[-1] if outputs and len(outputs[0].shape) == 2 else None
        if not isinstance(size, int) or size < 64:
            raise EngineUnavailable(
                f"EDS_FACE_MODEL: {path} gives {[list(o.shape) for o in outputs]}; expected one embedding "
                "[N, D] per face (512 for ArcFace)"
            )
        self.size = size
        # the version is the model's own digest: a different file is a different engine
        self.version = hashlib.sha256(data).hexdigest()[:16]

    def embed(self, aligned: np.ndarray) -> np.ndarray:
        """The unit-length embedding of one aligned 112x112 RGB face."""
        blob = (aligned.astype(np.float32) - 127.5) / 127.5
        blob = np.ascontiguousarray(blob.transpose(2, 0, 1)[None])
        vector = np.asarray(self._session.run(None, {self._input: blob})[0][0], dtype=np.float64)
        return _unit(vector)

    def encode(self, image: np.ndarray, face: faces.Face) -> np.ndarray:
        return self.embed(aligned_face(image, face))

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(1.0 - np.dot(_unit(a), _unit(b)))

    def combine(self, vectors: Sequence[np.ndarray]) -> np.ndarray:
        return _unit(np.mean([_unit(v) for v in vectors], axis=0))


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector

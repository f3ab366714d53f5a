"""The default engine, installed everywhere: dlib's ResNet (face_recognition's model), 128-d vectors,
Euclidean distance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from webcam_flow import faces
from webcam_flow.engines.base import Bands

# Chosen from benchmarks/identify_accuracy.py on ../shared/testdata (docs/identify.md, "Three outcomes"):
# the closest pair of different East Asian people is 0.438 apart (single frames; 0.443 as the service
# decides), so an automatic accept ends at 0.38, a margin of 0.06 below it; 0.55 stays where a match is
# refused (different people who are not East Asian start at 0.566, genuine pairs reach 0.69).
DLIB_BANDS = Bands(accept_at_most=0.38, refuse_above=0.55)


class DlibEngine:
    """dlib_face_recognition_resnet_model_v1 through dlib (the models of face_recognition_models)."""

    name = "dlib-resnet"
    version = "v1"
    default_bands = DLIB_BANDS

    def encode(self, image: np.ndarray, face: faces.Face) -> np.ndarray:
        return faces.encoding(image, face)

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return faces.distance(a, b)

    def combine(self, vectors: Sequence[np.ndarray]) -> np.ndarray:
        return np.mean(np.asarray(vectors, dtype=np.float64), axis=0)


DLIB = DlibEngine()

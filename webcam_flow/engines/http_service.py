"""An external biometric service behind HTTP (a vendor's matcher): the service makes the templates and
scores two of them; templates here are its opaque bytes.

The protocol (JSON over HTTPS, ``Authorization: Bearer <token>`` when a token is set):
  GET  <url>/info       -> {"name": "...", "version": "..."}          (asked once, when the engine is made)
  POST <url>/templates  {"image": <base64 PNG of the face crop>} -> {"template": <base64>}
  POST <url>/compare    {"a": <base64 template>, "b": <base64 template>} -> {"score": <similarity 0..1>}
The distance is 1 - score."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import cv2
import numpy as np
import requests

from webcam_flow import faces
from webcam_flow.engines.base import Bands, EngineUnavailable

CROP_MARGIN = 0.4  # the face box grown by this share on each side: the service detects the face itself


class HttpEngine:
    """The biometric service at ``url`` (EngineUnavailable when it does not answer as agreed)."""

    default_bands: Bands | None = None  # the vendor's scores need bands measured for them

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = timeout
        info = self._call("GET", "info")
        if not isinstance(info.get("name"), str) or not isinstance(info.get("version"), str):
            raise EngineUnavailable(f"EDS_FACE_SERVICE_URL: {self.url}/info must give a name and a version")
        self.name = f"http:{info['name']}"
        self.version = info["version"]

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        try:
            response = requests.request(
                method, f"{self.url}/{path}", json=payload, headers=self._headers, timeout=self._timeout
            )
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            raise EngineUnavailable(
                f"the face-match service at {self.url} failed on /{path}: {error}"
            ) from None
        if not isinstance(answer, dict):
            raise EngineUnavailable(f"the face-match service at {self.url} gave no JSON object on /{path}")
        return answer

    def encode(self, image: np.ndarray, face: faces.Face) -> np.ndarray:
        grow_x, grow_y = CROP_MARGIN * face.width, CROP_MARGIN * face.height
        height, width = image.shape[:2]
        top, bottom = max(0, int(face.top - grow_y)), min(height, int(face.bottom + grow_y))
        left, right = max(0, int(face.left - grow_x)), min(width, int(face.right + grow_x))
        ok, png = cv2.imencode(".png", cv2.cvtColor(image[top:bottom, left:right], cv2.COLOR_RGB2BGR))
        if not ok:
            raise EngineUnavailable("the face crop could not be encoded as PNG")
        answer = self._call("POST", "templates", {"image": base64.b64encode(png.tobytes()).decode()})
        try:
            return np.frombuffer(base64.b64decode(answer["template"], validate=True), dtype=np.uint8).copy()
        except (KeyError, TypeError, ValueError):
            raise EngineUnavailable(f"the face-match service at {self.url} gave no template") from None

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        answer = self._call("POST", "compare", {"a": _b64(a), "b": _b64(b)})
        score = answer.get("score")
        if not isinstance(score, int | float) or not 0 <= score <= 1:
            raise EngineUnavailable(f"the face-match service at {self.url} gave no score between 0 and 1")
        return 1.0 - float(score)

    def combine(self, vectors: Sequence[np.ndarray]) -> np.ndarray:
        # opaque templates cannot be averaged: the first (most frontal) frame stands for the video
        return vectors[0]


def _b64(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype=np.uint8).tobytes()).decode()

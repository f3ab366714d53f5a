"""Helpers for the webcam_flow tests: the real photos and videos of ../shared/testdata and derived cases."""

from __future__ import annotations

import cv2
import numpy as np

from tests.testdata import shared_file
from webcam_flow import faces
from webcam_flow.images import decode_image
from webcam_flow.video import Frame

HAMILTON_FPS = 29.97
LIVEPORTRAIT_FPS = 30.0


def load_face(name: str) -> np.ndarray:
    return decode_image(shared_file(f"faces/{name}").read_bytes())


def segment(frames: list[Frame], first: int, stop: int, fps: float) -> list[Frame]:
    """The sampled frames whose source frame number is in [first, stop)."""
    return [f for f in frames if first <= round(f.t * fps) < stop]


def centred_on_face(image: np.ndarray, margin: float = 1.5) -> np.ndarray:
    """A square crop centred on the largest face, ``2 * margin`` face sizes wide (edges replicated)."""
    face = max(faces.detect_faces(image, min_face=40), key=lambda f: f.size)
    half = int(face.size * margin)
    padded = cv2.copyMakeBorder(image, half, half, half, half, cv2.BORDER_REPLICATE)
    x, y = int(face.centre[0]) + half, int(face.centre[1]) + half
    return np.ascontiguousarray(padded[y - half : y + half, x - half : x + half])


def id_card(portrait: np.ndarray) -> np.ndarray:
    """A synthetic identity card: the portrait small on the left, some printed text."""
    card = np.full((540, 860, 3), (200, 215, 230), np.uint8)
    card[120:308, 40:190] = cv2.resize(portrait, (150, 188), interpolation=cv2.INTER_AREA)
    cv2.putText(card, "IDENTITY CARD", (250, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (20, 40, 90), 3)
    cv2.putText(card, "SURNAME GIVEN", (250, 200), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (30, 30, 30), 2)
    return card

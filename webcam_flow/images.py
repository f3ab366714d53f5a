"""Defensive image intake: JPEG, PNG and WebP only, bounded in bytes and pixels, EXIF orientation applied."""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageFile, ImageOps

from webcam_flow.errors import BadInput

MAX_BYTES = 8_000_000
MAX_PIXELS = 40_000_000
_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


class BadImage(BadInput):
    """The bytes are not an acceptable picture; the message says what to send instead."""


def sniff_format(data: bytes) -> str | None:
    """The Pillow format name from the magic bytes, or None for anything we do not accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def decode_image(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode JPEG/PNG/WebP bytes to an RGB uint8 array (height, width, 3), upright per EXIF.

    Raises :class:`BadImage` for anything else: too many bytes, another format, a header
    announcing more than ``max_pixels`` pixels (checked before any pixel is decoded), or a
    truncated or corrupt file.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise BadImage("expected the bytes of a picture")
    data = bytes(data)
    if not data:
        raise BadImage("the picture is empty: send a JPEG, PNG or WebP photo")
    if len(data) > max_bytes:
        raise BadImage(f"the picture is {len(data):,} bytes; at most {max_bytes:,} bytes are accepted")
    expected = sniff_format(data)
    if expected is None:
        raise BadImage("this file is not a JPEG, PNG or WebP picture: send a photo in one of these formats")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                width, height = image.size
                if width < 1 or height < 1 or width * height > max_pixels:
                    raise BadImage(
                        f"the picture claims {width}x{height} pixels; "
                        f"at most {max_pixels:,} pixels are accepted"
                    )
                # face_recognition sets this Pillow-wide switch to True when imported; a
                # truncated upload must be refused, never decoded with grey padding
                ImageFile.LOAD_TRUNCATED_IMAGES = False
                image.load()
                ImageOps.exif_transpose(image, in_place=True)  # no copy when it is upright already
                rgb = image if image.mode == "RGB" else image.convert("RGB")
                pixels = np.asarray(rgb, dtype=np.uint8)  # before the image is closed
    except BadImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImage(f"the picture is too large to decode safely ({exc})") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadImage(f"the {_FORMATS[expected]} picture is truncated or corrupt ({exc})") from exc
    return np.ascontiguousarray(pixels)


def ensure_rgb(image: np.ndarray) -> np.ndarray:
    """Check an in-memory image is RGB uint8 (h, w, 3) and return it C-contiguous (dlib needs that)."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise BadImage("expected an RGB picture as a uint8 array of shape (height, width, 3)")
    if image.shape[0] < 16 or image.shape[1] < 16:
        raise BadImage(f"the picture is only {image.shape[1]}x{image.shape[0]} pixels; it is too small")
    return np.ascontiguousarray(image)

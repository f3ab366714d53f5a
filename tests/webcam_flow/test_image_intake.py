"""Image intake refuses anything but sane JPEG/PNG/WebP, and applies EXIF orientation."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from webcam_testdata import load_face, shared_file

from webcam_flow.images import BadImage, decode_image, ensure_rgb


def encode(image: np.ndarray, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def small() -> np.ndarray:
    return load_face("obama_small.jpg")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_decode_to_rgb_uint8(small, fmt):
    decoded = decode_image(encode(small, fmt))
    assert decoded.shape == small.shape and decoded.dtype == np.uint8
    if fmt == "PNG":
        assert np.array_equal(decoded, small)


def test_exif_orientation_is_applied(small):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    Image.fromarray(small).save(buffer, format="JPEG", exif=exif)
    decoded = decode_image(buffer.getvalue())
    assert decoded.shape == (small.shape[1], small.shape[0], 3)


def test_a_gif_is_refused_with_the_accepted_formats_named(small):
    with pytest.raises(BadImage, match="JPEG, PNG or WebP"):
        decode_image(encode(small, "GIF"))


def test_text_and_empty_input_are_refused():
    with pytest.raises(BadImage):
        decode_image(shared_file("MANIFEST.md").read_bytes())
    with pytest.raises(BadImage, match="empty"):
        decode_image(b"")


def test_a_truncated_jpeg_is_refused():
    data = shared_file("faces/obama.jpg").read_bytes()
    with pytest.raises(BadImage, match="truncated or corrupt"):
        decode_image(data[: len(data) // 2])


def test_too_many_bytes_are_refused_before_decoding():
    data = shared_file("faces/obama.jpg").read_bytes()
    with pytest.raises(BadImage, match="at most 1,000 bytes"):
        decode_image(data, max_bytes=1000)


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header announces ``width`` x ``height`` pixels: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_from_its_header():
    bomb = _png_claiming(100_000, 100_000)
    assert len(bomb) < 200
    with pytest.raises(BadImage, match="pixels"):
        decode_image(bomb)


def test_the_pixel_limit_is_configurable(small):
    with pytest.raises(BadImage, match="at most 1,000 pixels"):
        decode_image(encode(small, "PNG"), max_pixels=1000)


def test_in_memory_images_must_be_rgb_uint8(small):
    with pytest.raises(BadImage):
        ensure_rgb(small.astype(np.float32))
    with pytest.raises(BadImage):
        ensure_rgb(small[:, :, 0])
    with pytest.raises(BadImage, match="too small"):
        ensure_rgb(small[:8, :8])


def test_a_truncated_jpeg_is_refused_even_after_face_recognition_is_imported():
    import face_recognition  # noqa: F401 - its import turns Pillow's LOAD_TRUNCATED_IMAGES on

    data = shared_file("faces/obama.jpg").read_bytes()
    with pytest.raises(BadImage, match="truncated or corrupt"):
        decode_image(data[: len(data) // 2])

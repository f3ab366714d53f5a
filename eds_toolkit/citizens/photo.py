"""The photo the state holds for a person: the reference that remote identification matches the live
face against (an uploaded identity-card photo is only an additional check, never the reference)."""

from __future__ import annotations

from pathlib import Path

from eds_toolkit.citizens.records import InvalidCitizen

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 24_000_000


class UnusablePhoto(InvalidCitizen):
    """A reference photo that is not a picture, is too large, or does not show exactly one face."""


def reference_encoding(photo: bytes, engine=None):
    """The face encoding of a reference photo (with ``engine``: its Template), or UnusablePhoto saying why
    it cannot serve as one."""
    from webcam_flow.errors import BadInput, NoFaceFound
    from webcam_flow.images import decode_image
    from webcam_flow.match import portrait_encoding, portrait_template

    try:
        image = decode_image(photo, max_bytes=MAX_PHOTO_BYTES, max_pixels=MAX_PHOTO_PIXELS)
        if engine is not None:
            return portrait_template(image, engine=engine)
        return portrait_encoding(image)
    except (BadInput, NoFaceFound) as error:
        raise UnusablePhoto(f"photo: {error}") from None


def read_reference_photo(path: Path) -> bytes:
    """The bytes of a photo file checked to serve as a reference (one face); UnusablePhoto otherwise."""
    try:
        size = path.stat().st_size
        if size > MAX_PHOTO_BYTES:
            raise UnusablePhoto(f"photo: {path.name} is larger than {MAX_PHOTO_BYTES // 2**20} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnusablePhoto(f"photo: {path} does not exist") from None
    except IsADirectoryError:
        raise UnusablePhoto(f"photo: {path} is a folder, not a picture") from None
    reference_encoding(data)
    return data

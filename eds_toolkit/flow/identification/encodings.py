"""The face encodings kept between the steps (the selfie's, the video's template) until the face match is
decided: packed as bytes for the identification record, and swept away once an enrolment cannot use them."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
from sqlalchemy import select, update

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.models import IdentificationRecord
from eds_toolkit.flow.machine import State
from eds_toolkit.flow.models import Enrolment
from webcam_flow.engines import DLIB, Template, engine_id

ENCODING_SIZE = 128
TEMPLATES_MAGIC = b"EDS-TEMPLATES-1\n"  # then one JSON line naming each template's engine, then the bytes


def pack_encodings(encodings: Sequence[np.ndarray]) -> bytes:
    """128-d encodings as float64 bytes (what the record stores)."""
    return np.asarray(np.stack([np.asarray(e, dtype=np.float64) for e in encodings]), dtype="<f8").tobytes()


def pack_templates(templates: Sequence[Template]) -> bytes:
    """Templates with their engines' ids (an engine's template is never read as another's); dlib's alone
    are stored bare, as before engines (bare float64 encodings are dlib's)."""
    if all(t.engine == engine_id(DLIB) for t in templates):
        return pack_encodings([t.vector for t in templates])
    blobs, header = [], []
    for template in templates:
        vector = np.asarray(template.vector)
        dtype = "|u1" if vector.dtype == np.uint8 else "<f8"
        blob = vector.astype(dtype).tobytes()
        header.append({"engine": template.engine, "dtype": dtype, "bytes": len(blob)})
        blobs.append(blob)
    return TEMPLATES_MAGIC + json.dumps(header).encode() + b"\n" + b"".join(blobs)


def unpack_templates(data: bytes | None) -> list[Template]:
    """What :func:`pack_templates` wrote; the bare float64 encodings of before are dlib's."""
    if not data:
        return []
    if not data.startswith(TEMPLATES_MAGIC):
        return [
            Template(engine_id(DLIB), v) for v in np.frombuffer(data, dtype="<f8").reshape(-1, ENCODING_SIZE)
        ]
    header, _, body = data[len(TEMPLATES_MAGIC) :].partition(b"\n")
    templates, offset = [], 0
    for entry in json.loads(header):
        chunk = body[offset : offset + entry["bytes"]]
        offset += entry["bytes"]
        templates.append(Template(entry["engine"], np.frombuffer(chunk, dtype=entry["dtype"]).copy()))
    return templates


def unpack_encodings(data: bytes | None) -> list[np.ndarray]:
    """The dlib encodings among the stored templates (what the liveness check compares faces with)."""
    return [t.vector for t in unpack_templates(data) if t.engine == engine_id(DLIB)]


def forget_stale_encodings(ctx: ServiceContext) -> int:
    """Delete the face encodings of enrolments that can no longer use them (ended or past their
    lifetime); returns how many records were cleared. Runs with every selfie, like a sweeper."""
    ended = select(Enrolment.id).where(
        (Enrolment.expires_at <= ctx.now())
        | Enrolment.state.in_([str(State.FAILED), str(State.EXPIRED), str(State.ISSUED)])
    )
    with ctx.session() as session:
        result = session.execute(
            update(IdentificationRecord)
            .where(
                IdentificationRecord.enrolment_id.in_(ended),
                IdentificationRecord.selfie_encoding.is_not(None)
                | IdentificationRecord.video_encodings.is_not(None)
                | IdentificationRecord.selfie_image.is_not(None),
            )
            .values(selfie_encoding=None, video_encodings=None, selfie_image=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return result.rowcount

"""The face encodings kept between the steps (the selfie's, the video's template) until the face match is
decided: packed as bytes for the identification record, and swept away once an enrolment cannot use them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import select, update

from eds_toolkit.core.context import ServiceContext
from eds_toolkit.flow.identification.models import IdentificationRecord
from eds_toolkit.flow.machine import State
from eds_toolkit.flow.models import Enrolment

ENCODING_SIZE = 128


def pack_encodings(encodings: Sequence[np.ndarray]) -> bytes:
    """128-d encodings as float64 bytes (what the record stores)."""
    return np.asarray(np.stack([np.asarray(e, dtype=np.float64) for e in encodings]), dtype="<f8").tobytes()


def unpack_encodings(data: bytes | None) -> list[np.ndarray]:
    if not data:
        return []
    return list(np.frombuffer(data, dtype="<f8").reshape(-1, ENCODING_SIZE))


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
                | IdentificationRecord.video_encodings.is_not(None),
            )
            .values(selfie_encoding=None, video_encodings=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return result.rowcount

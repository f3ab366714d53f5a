"""Remote identification over the webcam: selfie quality, active liveness, face match.

No Flask inside: the service calls these functions and stores the verdicts they return.
"""

from webcam_flow.errors import BadInput, NoFaceFound
from webcam_flow.images import BadImage, decode_image
from webcam_flow.liveness import (
    Challenge,
    LivenessTask,
    MemoryNonceRegistry,
    NonceRegistry,
    check_liveness,
    check_task,
    check_task_and_template,
    liveness_and_probes,
    new_task,
)
from webcam_flow.match import (
    DEFAULT_THRESHOLD,
    face_encoding,
    match,
    match_identity,
    sampled_template,
    video_probes,
    video_template,
)
from webcam_flow.selfie import Circle, check_selfie, selfie_and_encoding
from webcam_flow.verdict import Verdict
from webcam_flow.video import BadVideo, Frame, frames_from_video

__all__ = [
    "DEFAULT_THRESHOLD",
    "BadImage",
    "BadInput",
    "BadVideo",
    "Challenge",
    "Circle",
    "Frame",
    "LivenessTask",
    "MemoryNonceRegistry",
    "NoFaceFound",
    "NonceRegistry",
    "Verdict",
    "check_liveness",
    "check_selfie",
    "check_task",
    "check_task_and_template",
    "decode_image",
    "face_encoding",
    "frames_from_video",
    "liveness_and_probes",
    "match",
    "match_identity",
    "new_task",
    "sampled_template",
    "selfie_and_encoding",
    "video_probes",
    "video_template",
]

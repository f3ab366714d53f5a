"""Step 4 of the citizen flow, remote identification: selfie -> ``selfie_ok`` -> liveness task and video
-> ``liveness_ok`` -> identity-card photo -> ``face_matched``, each step one module, shared by the pages
and the JSON API. The checks and their verdicts are ``webcam_flow``'s; these modules record them (an audit
event per decision), count attempts and act on them. Map (docs/identification-flow.md):

- the steps: ``selfie``, ``liveness_task``, ``liveness_video``, ``id_photo`` (the face match);
- every step's gate and the per-IIN block: ``blocking``; recording a decision: ``decision``;
  failing an enrolment: ``failure``; the state photo the live face must match: ``reference``;
- ``config`` (IdentifyConfig), ``refusals``, ``pictures`` (decoding uploads), ``encodings``, ``nonces``,
  ``replay`` (a resent video), ``archiving`` (kept images), ``models`` (the tables).

What the web layer and the CLI use is imported from here; the rest from its module.
"""

from eds_toolkit.flow.identification.config import IdentifyConfig
from eds_toolkit.flow.identification.decision import StepOutcome
from eds_toolkit.flow.identification.id_photo import submit_id_photo
from eds_toolkit.flow.identification.liveness_task import IssuedTask, start_liveness
from eds_toolkit.flow.identification.liveness_video import submit_liveness
from eds_toolkit.flow.identification.refusals import (
    SERVICE_CENTRE,
    BadUpload,
    IdentificationFailed,
    IdentificationRefused,
)
from eds_toolkit.flow.identification.selfie import selfie_hint, submit_selfie

__all__ = [
    "SERVICE_CENTRE",
    "BadUpload",
    "IdentificationFailed",
    "IdentificationRefused",
    "IdentifyConfig",
    "IssuedTask",
    "StepOutcome",
    "selfie_hint",
    "start_liveness",
    "submit_id_photo",
    "submit_liveness",
    "submit_selfie",
]

"""Verdicts are data: what was checked, the decision, stable reason codes and the measured scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CHECKS = ("selfie", "liveness", "face_match", "image")
# The face match's third outcome: neither close enough to accept nor far enough to refuse; an officer
# decides (the verdict's outcome is "refer").
NEEDS_REVIEW = "needs_review"
OUTCOMES = ("accept", "refer", "refuse")
# Reasons about the picture, not about the person or who they are: a blink at the shutter, a blurred or
# badly lit frame, a video cut short, an identity-card photo whose face cannot be found. A service should
# let the citizen simply try again (eds-toolkit counts no attempt for a refusal with only these reasons).
# A colour reflection too weak to see (colour_not_seen) is a lighting problem the citizen can fix; a virtual
# camera (virtual_camera) is a setting they can change (a real one is chosen in the browser).
QUALITY_REASONS = frozenset(
    {
        "blurred",
        "too_dark",
        "too_bright",
        "eyes_closed",
        "too_few_frames",
        "no_face_on_reference",
        "colour_not_seen",
        "virtual_camera",
    }
)


def N_(message: str) -> str:  # noqa: N802 (gettext's name)
    """Mark ``message`` for translation: the sentences below are English msgids of eds-toolkit's gettext
    catalogues (Babel's extraction finds them); this library itself speaks English only."""
    return message


# One sentence a citizen can act on, per stable reason code. Codes with a parameter
# ("challenge_missing:blink") are looked up by the part before the colon.
MESSAGES: dict[str, str] = {
    "no_face": N_("We could not see a face. Face the camera in good light and try again."),
    "several_faces": N_(
        "More than one face is in the picture. Make sure only you are in front of the camera."
    ),
    "face_off_centre": N_(
        "Your face is not inside the circle. Move so that your face is in the middle of the circle."
    ),
    "too_small": N_("Your face is too small in the picture. Move closer to the camera."),
    "blurred": N_("The picture is blurred. Hold still, clean the camera lens and try again."),
    "too_dark": N_("The picture is too dark. Turn on a light or face a window."),
    "too_bright": N_("The picture is too bright. Move away from direct light or turn away from the window."),
    "not_frontal": N_("Look straight into the camera, without turning your head."),
    "eyes_closed": N_("Keep your eyes open and look into the camera."),
    "too_few_frames": N_("The video was too short. Record again and follow every instruction on the screen."),
    "face_lost": N_(
        "Your face left the picture during the video. Keep your face in the circle all the time."
    ),
    "challenge_missing": N_(
        "We did not see you {detail}. Record again and follow each instruction on the screen."
    ),
    "wrong_order": N_(
        "The movements were not done in the order shown. Record again and follow the instructions "
        "one after another."
    ),
    "video_too_long": N_(
        "The video is longer than the instructions shown. Record it again on this page, "
        "following the instructions as they appear."
    ),
    "static_frames": N_("The video shows no movement. A live person must be in front of the camera."),
    "rigid_plane_motion": N_(
        "The video looks like a photo or a screen held in front of the camera. "
        "A live person must be in front of the camera."
    ),
    "face_changed": N_(
        "The face in the video changed. Only you may be in front of the camera during the video."
    ),
    "virtual_camera": N_(
        "The camera chosen is a program that plays videos, not a camera. Choose your device's own camera "
        "in the browser and record again."
    ),
    "frame_timing": N_(
        "The video's frames did not come from this page's recording. Record the video again on this page."
    ),
    "scene_cut": N_("The video was interrupted or edited. Record it again in one go."),
    "colour_mismatch": N_(
        "The light on your face did not follow the colours on the screen. Record again on this page, "
        "with your face in front of the screen and no other screen or coloured light near you."
    ),
    "colour_not_seen": N_(
        "We could not see the screen's colours on your face. Come closer to the screen, turn its "
        "brightness up or dim the room's light, and record again."
    ),
    "nonce_expired": N_("The time for this video ran out. Start the video step again."),
    "nonce_reused": N_("This video was already sent once. Start the video step again."),
    "nonce_mismatch": N_("This video does not belong to the current session. Start the video step again."),
    "nonce_superseded": N_(
        "A newer video check was started after this one, so this video no longer counts. "
        "Record the newest video check."
    ),
    "iin_failed_recently": N_(
        "Remote identification for this IIN failed several times recently, so it is not available now."
    ),
    "no_frontal_face": N_(
        "The video never showed your face looking straight at the camera. Record again and "
        "look into the camera between the movements."
    ),
    "no_video_face": N_(
        "There is no picture of your face from the video to compare with the card. Please "
        "start again or visit a service centre."
    ),
    "no_match": N_(
        "The face does not match the photo on your identity card. If this is wrong, visit a service centre."
    ),
    "needs_review": N_(
        "Your face could not be matched automatically with certainty, so an officer will compare the "
        "pictures. You will be able to continue once the officer has decided; there is nothing to send again."
    ),
    "no_match_record": N_(
        "The face does not match the photo the state holds for this IIN. If this is wrong, "
        "visit a service centre."
    ),
    "no_face_on_reference": N_(
        "We could not find a face on the identity-card photo. Upload a sharp photo "
        "of the card where the photo on it is clearly visible."
    ),
    "no_probes": N_("There was no picture of your face to compare. Take the selfie and the video first."),
    "bad_image": N_("The file could not be read as a photo. Send a JPEG, PNG or WebP picture."),
    "bad_input": N_("The request could not be used. Start this step again."),
}

CHALLENGE_PHRASES: dict[str, str] = {
    # TRANSLATORS: {detail} in "We did not see you {detail}. Record again and follow ..."
    "blink": N_("blink"),
    # TRANSLATORS: {detail} in "We did not see you {detail}. Record again and follow ..."
    "turn_left": N_("turn your head to your left"),
    # TRANSLATORS: {detail} in "We did not see you {detail}. Record again and follow ..."
    "turn_right": N_("turn your head to your right"),
    # TRANSLATORS: {detail} in "We did not see you {detail}. Record again and follow ..."
    "open_mouth": N_("open your mouth"),
}

SUCCESS: dict[str, str] = {
    "selfie": N_("Your selfie is good."),
    "liveness": N_("The video check passed."),
    "face_match": N_("Your face matches the photo on your identity card."),
    "image": N_("The picture was read."),
}


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check; ``reasons`` is empty exactly when ``ok`` is true."""

    check: str
    ok: bool
    reasons: tuple[str, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise ValueError(f"unknown check {self.check!r}; expected one of {CHECKS}")
        if self.ok == bool(self.reasons):
            raise ValueError("a positive verdict has no reasons and a negative one has at least one")

    @classmethod
    def decide(cls, check: str, reasons: list[str] | tuple[str, ...], scores: dict[str, float]) -> Verdict:
        """A verdict that is positive exactly when no reason was found; duplicates are dropped, order kept."""
        unique = tuple(dict.fromkeys(reasons))
        rounded = {key: round(float(value), 4) for key, value in scores.items()}
        return cls(check=check, ok=not unique, reasons=unique, scores=rounded)

    @property
    def outcome(self) -> str:
        """``accept`` (positive), ``refer`` (only ``needs_review``: an officer decides) or ``refuse``. Not in
        :meth:`to_dict` (the audit event's own ``outcome`` is ok / referred / refused): the reasons say it."""
        if self.ok:
            return "accept"
        return "refer" if self.reasons == (NEEDS_REVIEW,) else "refuse"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the CLI prints it, the audit log stores it as is)."""
        return {
            "check": self.check,
            "ok": self.ok,
            "reasons": list(self.reasons),
            "scores": dict(self.scores),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        """The verdict :meth:`to_dict` wrote (other keys, such as an audit event's attempt, are ignored)."""
        return cls(data["check"], data["ok"], tuple(data["reasons"]), dict(data["scores"]))

    @property
    def quality_only(self) -> bool:
        """Refused only for the picture's quality (:data:`QUALITY_REASONS`), nothing the person did."""
        return bool(self.reasons) and all(reason in QUALITY_REASONS for reason in self.reasons)

    def messages(self) -> list[str]:
        """One English sentence per reason (or one success sentence)."""
        if self.ok:
            return [SUCCESS[self.check]]
        return [reason_message(reason) for reason in self.reasons]

    def message(self, separator: str = " ") -> str:
        """All sentences of :meth:`messages` joined: what the citizen reads."""
        return separator.join(self.messages())


UNKNOWN_REASON = N_("The check did not pass. Try again, or visit a service centre.")


def reason_message(reason: str) -> str:
    """The sentence for one reason code; unknown codes get a generic, still actionable sentence."""
    code, _, detail = reason.partition(":")
    template = MESSAGES.get(code)
    if template is None:
        return UNKNOWN_REASON
    return template.format(detail=CHALLENGE_PHRASES.get(detail, detail.replace("_", " ")))

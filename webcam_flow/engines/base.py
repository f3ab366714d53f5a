"""What a face-match engine is: a face picture in, a template out, and a distance between two templates
of the same engine. Templates carry their engine's name and version, so two engines' templates (or two
versions of one model) are never compared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from webcam_flow.errors import BadInput
from webcam_flow.faces import Face


class EngineMismatch(BadInput):
    """Two templates (or a template and the engine asked to compare it) come from different engines or
    versions: their distances mean nothing to each other, so the comparison is refused."""


class EngineUnavailable(RuntimeError):
    """The engine cannot work: its model file is missing or not the expected shape, or its service does
    not answer as agreed. The message names the setting to fix."""


@dataclass(frozen=True)
class Bands:
    """Three outcomes from one distance: at most ``accept_at_most`` -> accept; above ``refuse_above``
    -> refuse; in between -> refer to an officer. Units are the engine's distance."""

    accept_at_most: float
    refuse_above: float

    def __post_init__(self) -> None:
        if not 0 <= self.accept_at_most <= self.refuse_above:
            raise BadInput(
                "the accept band must end at or below the refuse band's start (0 <= accept <= refuse)"
            )

    def outcome(self, distance: float) -> str:
        """``accept``, ``refer`` or ``refuse``."""
        if distance <= self.accept_at_most:
            return "accept"
        return "refer" if distance <= self.refuse_above else "refuse"


@dataclass(frozen=True)
class Template:
    """A face as one engine sees it: the engine's id (``name/version``) and its vector."""

    engine: str
    vector: np.ndarray


@runtime_checkable
class FaceEngine(Protocol):
    """A face-match engine. ``encode`` gets the whole RGB picture and the detected face (the engine crops
    and aligns as its model wants); ``distance`` is 0 for identical faces and grows with difference."""

    name: str
    version: str
    default_bands: Bands | None  # None: the operator must measure and set the bands for this engine

    def encode(self, image: np.ndarray, face: Face) -> np.ndarray: ...

    def distance(self, a: np.ndarray, b: np.ndarray) -> float: ...

    def combine(self, vectors: Sequence[np.ndarray]) -> np.ndarray:
        """One vector standing for several pictures of one face (a video's frames)."""
        ...


def engine_id(engine: FaceEngine) -> str:
    return f"{engine.name}/{engine.version}"


def template_of(engine: FaceEngine, image: np.ndarray, face: Face) -> Template:
    return Template(engine_id(engine), np.asarray(engine.encode(image, face)))


def combined(engine: FaceEngine, templates: Sequence[Template]) -> Template:
    """The engine's one template for several of its templates (all must be this engine's)."""
    require_engine(engine, templates)
    return Template(engine_id(engine), np.asarray(engine.combine([t.vector for t in templates])))


def require_engine(engine: FaceEngine, templates: Sequence[Template]) -> None:
    """Refuse (EngineMismatch) any template that ``engine`` did not make."""
    expected = engine_id(engine)
    for template in templates:
        if template.engine != expected:
            raise EngineMismatch(
                f"a face template of engine {template.engine} cannot be compared by {expected}: "
                "templates of different engines or versions are never compared; take the pictures again"
            )


def template_distance(engine: FaceEngine, a: Template, b: Template) -> float:
    require_engine(engine, [a, b])
    return float(engine.distance(a.vector, b.vector))

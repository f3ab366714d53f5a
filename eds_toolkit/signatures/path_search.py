"""Candidate certification paths from a signer to a trust root, found within fixed bounds.

Issuers are matched by name (and key identifier when both certificates carry one), as RFC 5280
and certvalidator do; what is bounded is how far the search goes: the number of certificates
considered, the intermediates on one path, the search steps, the paths offered for validation and
the wall-clock time. Whatever the input, a search ends within those bounds.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509

MAX_CANDIDATES = 64  # distinct certificates within reach of the signer that path building considers
MAX_INTERMEDIATES = 6  # CA certificates between the signer and the trust root (the national CA uses 1)
MAX_PATHS = 8  # candidate paths validated before giving up
MAX_STEPS = 2000  # issuer look-ups in one search
TIME_BUDGET_SECONDS = 2.0


@dataclass(frozen=True)
class SearchLimits:
    """The bounds of one search (the defaults above; tests and benchmarks may tighten them)."""

    max_candidates: int = MAX_CANDIDATES
    max_intermediates: int = MAX_INTERMEDIATES
    max_paths: int = MAX_PATHS
    max_steps: int = MAX_STEPS
    time_budget: float = TIME_BUDGET_SECONDS


@dataclass(frozen=True)
class CandidatePath:
    """A trust root, the intermediates from the root's side down, and whether the signer is the root."""

    anchor: asn1_x509.Certificate
    intermediates: list[asn1_x509.Certificate]
    signer_is_anchor: bool = False


class PathSearch:
    """Depth-first search for paths, shortest first at each step; ``gave_up`` says which bound ended it."""

    def __init__(
        self,
        signer: asn1_x509.Certificate,
        intermediates: list[asn1_x509.Certificate],
        anchors: list[asn1_x509.Certificate],
        limits: SearchLimits,
    ) -> None:
        self.signer = signer
        self.limits = limits
        self.gave_up = ""
        self._anchors = _by_subject(_distinct(anchors))
        excluded = {cert.dump() for cert in anchors} | {signer.dump()}
        offered = [c for c in _distinct(intermediates) if c.dump() not in excluded]
        relevant, beyond = _within_reach(signer, offered, limits.max_intermediates)
        self.depth_reached = beyond
        self._too_many = len(relevant) > limits.max_candidates
        self._intermediates = _by_subject(relevant[: limits.max_candidates])
        self._steps = 0
        self._deadline = 0.0

    def paths(self) -> Iterator[CandidatePath]:
        """Candidate paths, at most ``max_paths``; stops early when a bound is reached."""
        self._deadline = time.monotonic() + self.limits.time_budget
        if self._too_many:
            self.gave_up = (
                f"More than {self.limits.max_candidates} certificates were offered for the path; "
                "this verifier does not search among so many."
            )
            return
        emitted = 0
        signer_der = self.signer.dump()
        for anchor in self._anchors.get(self.signer.subject.hashable, []):
            if anchor.dump() == signer_der:
                emitted += 1
                yield CandidatePath(anchor, [], signer_is_anchor=True)
        for path in self._walk(self.signer, []):
            if emitted >= self.limits.max_paths:
                self.gave_up = f"No valid path among the first {self.limits.max_paths} candidate paths."
                return
            emitted += 1
            yield path

    def _walk(
        self, cert: asn1_x509.Certificate, below: list[asn1_x509.Certificate]
    ) -> Iterator[CandidatePath]:
        if not self._step():
            return
        issuer_name = cert.issuer.hashable
        for anchor in self._anchors.get(issuer_name, []):
            if _key_ids_agree(cert, anchor):
                yield CandidatePath(anchor, list(reversed(below)))
        issuers = self._intermediates.get(issuer_name, [])
        if len(below) >= self.limits.max_intermediates:
            self.depth_reached = self.depth_reached or bool(issuers)
            return
        seen = {c.dump() for c in below}
        for issuer in issuers:
            if issuer.dump() in seen or not _key_ids_agree(cert, issuer):
                continue
            yield from self._walk(issuer, [*below, issuer])
            if self.gave_up:
                return

    def _step(self) -> bool:
        self._steps += 1
        if self._steps > self.limits.max_steps:
            self.gave_up = f"Path building stopped after {self.limits.max_steps} steps."
        elif time.monotonic() > self._deadline:
            self.gave_up = f"Path building stopped after {self.limits.time_budget:g} s."
        return not self.gave_up


def _within_reach(
    signer: asn1_x509.Certificate, offered: list[asn1_x509.Certificate], depth: int
) -> tuple[list[asn1_x509.Certificate], bool]:
    """The offered certificates whose names chain up from the signer within ``depth`` steps (a
    breadth-first walk over issuer names: linear, whatever the certificates), and whether names
    chain on beyond that depth. The rest are ignored."""
    by_subject = _by_subject(offered)
    reached: dict[bytes, asn1_x509.Certificate] = {}
    names_done: set[str] = set()
    frontier = [signer]
    for level in range(depth + 1):
        following = []
        for cert in frontier:
            issuer_name = cert.issuer.hashable
            if issuer_name in names_done:
                continue
            names_done.add(issuer_name)
            for issuer in by_subject.get(issuer_name, []):
                if issuer.dump() not in reached:
                    if level == depth:
                        return list(reached.values()), True
                    reached[issuer.dump()] = issuer
                    following.append(issuer)
        frontier = following
    return list(reached.values()), False


def _distinct(certificates: list[asn1_x509.Certificate]) -> list[asn1_x509.Certificate]:
    return list({cert.dump(): cert for cert in certificates}.values())


def _by_subject(certificates: list[asn1_x509.Certificate]) -> dict[str, list[asn1_x509.Certificate]]:
    grouped: dict[str, list[asn1_x509.Certificate]] = defaultdict(list)
    for cert in certificates:
        grouped[cert.subject.hashable].append(cert)
    return grouped


def _key_ids_agree(cert: asn1_x509.Certificate, issuer: asn1_x509.Certificate) -> bool:
    """The authority key identifier, when both sides state one, names the issuer's key."""
    wanted, offered = cert.authority_key_identifier, issuer.key_identifier
    return wanted is None or offered is None or wanted == offered

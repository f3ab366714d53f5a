"""What a page asks to have signed, as NCALayer reads it: a document, a hash, or a CMS to co-sign.

NCALayer signs a given SHA-256 hash when asked (``digested: true``, ``createCAdESFromBase64Hash``)
and, when the data to sign is itself a CMS SignedData, adds a signer to it instead of wrapping it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from asn1crypto import cms

from eds_agent.cms import sign_cms
from eds_agent.errors import BadRequest
from eds_agent.key_folder import UnlockedKey
from eds_agent.questions import SigningRequest
from eds_agent.signed_data import (
    SHA256_LENGTH,
    add_signer,
    content_of,
    sign_digest,
    signed_data_of,
    stated_digest,
)


@dataclass(frozen=True)
class Payload:
    """One document to sign: its bytes, the SHA-256 hash given instead, or an existing CMS."""

    data: bytes | None = None
    digest: bytes | None = None
    existing: cms.ContentInfo | None = None

    @classmethod
    def of(cls, raw: bytes, *, digested: bool = False) -> Payload:
        if digested:
            if len(raw) != SHA256_LENGTH:
                wanted = f"a SHA-256 digest ({SHA256_LENGTH} bytes)"
                raise BadRequest(f"The hash to sign must be {wanted}, not {len(raw)} bytes.")
            return cls(digest=raw)
        existing = signed_data_of(raw)
        if existing is not None:
            return cls(existing=existing)
        return cls(data=raw)

    def sign(self, unlocked: UnlockedKey, *, attached: bool) -> bytes:
        """The DER CMS: a new one over the data or the hash, or the existing one with one more signer."""
        if self.digest is not None:
            if attached:
                raise BadRequest("A hash cannot be encapsulated: sign it with encapsulate false.")
            return sign_digest(self.digest, unlocked.key, unlocked.certificate, unlocked.chain)
        if self.existing is not None:
            return add_signer(self.existing, unlocked.key, unlocked.certificate, unlocked.chain)
        return sign_cms(
            self.data or b"", unlocked.key, unlocked.certificate, unlocked.chain, attached=attached
        )

    @property
    def document(self) -> bytes | None:
        """The document's bytes when the agent has them (not for a hash or a detached CMS)."""
        if self.existing is not None:
            return content_of(self.existing)
        return self.data


def signing_request(payloads: list[Payload], key_type: str | None = None) -> SigningRequest:
    """What the citizen is shown: the documents' SHA-256 (the given hash itself for a hash)."""
    documents = [payload.document for payload in payloads]
    if all(document is not None for document in documents):
        return SigningRequest.of_documents([d for d in documents if d is not None], key_type=key_type)
    digests = tuple(_shown_digest(payload) for payload in payloads)
    return SigningRequest(len(payloads), digests, None, key_type)


def _shown_digest(payload: Payload) -> str:
    if payload.digest is not None:
        return payload.digest.hex()[:16]
    document = payload.document
    if document is not None:
        return hashlib.sha256(document).hexdigest()[:16]
    assert payload.existing is not None
    return stated_digest(payload.existing["content"]).hex()[:16]

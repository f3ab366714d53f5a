"""Renewal from the personal cabinet: the signed-in citizen renews their own pair through eds agent.

The cabinet adds two things to ``eds_toolkit.renewal``: the AUTH certificate that signed must be the
signed-in citizen's (``holder_iin``: anyone else's is refused, nothing issued), and what the page hands
the agent (the names for the new requests, the id the agent keeps the waiting keys under). A pair issued
but not yet saved by the agent (the page was closed in between) is offered again: the agent still holds
its keys under that id.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from ca.store import certificates_of_enrolment
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import StepOutOfOrder
from eds_toolkit.flow.cabinet_pairs import CertificatePair, renewable_pair
from eds_toolkit.flow.issued import IssuedPair
from eds_toolkit.flow.renewal_models import RenewalChallenge
from eds_toolkit.renewal import (
    RENEWAL_ENROLMENT_PREFIX,
    Challenge,
    RenewedPair,
    complete_renewal,
    start_renewal,
)

AGENT_REQUEST_PREFIX = "renewal-"
"""The agent keeps a renewal's new keys under ``renewal-<the old AUTH serial>`` (its makeRequests id):
a retry with a new challenge gets the same keys back, and a page opened later finds them."""


def agent_request_id(old_auth_serial: str) -> str:
    return AGENT_REQUEST_PREFIX + old_auth_serial


@dataclass(frozen=True)
class RenewalOffer:
    """The pair the citizen may renew now, and what the page hands eds agent for the new requests."""

    pair: CertificatePair
    request_id: str
    iin: str
    surname: str
    given_name: str
    patronymic: str


@dataclass(frozen=True)
class UnsavedRenewal:
    """A renewed pair whose keys may still wait in eds agent under ``request_id``."""

    request_id: str
    pair: IssuedPair


def renewal_offer(ctx: ServiceContext, iin: str) -> RenewalOffer | None:
    """The citizen's newest pair with a valid AUTH certificate, with the names it certifies; else None."""
    pair = renewable_pair(ctx, iin)
    if pair is None:
        return None
    certificate = x509.load_pem_x509_certificate(_text(pair.auth.pem).encode())
    surname = _first(certificate, NameOID.SURNAME)
    given_name = _first(certificate, NameOID.COMMON_NAME).removeprefix(surname).strip()
    return RenewalOffer(
        pair=pair,
        request_id=agent_request_id(pair.auth.serial),
        iin=iin,
        surname=surname,
        given_name=given_name,
        patronymic=_first(certificate, NameOID.GIVEN_NAME),
    )


def start_cabinet_renewal(ctx: ServiceContext, iin: str) -> Challenge:
    """A renewal challenge for a citizen who holds a valid AUTH certificate; else a clear refusal."""
    if renewable_pair(ctx, iin) is None:
        raise StepOutOfOrder(
            "You have no valid AUTH certificate to renew with. Get new certificates with your IIN on the "
            "start page, or visit a public service centre.",
            code="nothing_to_renew",
        )
    return start_renewal(ctx)


def renew_in_cabinet(
    ctx: ServiceContext,
    iin: str,
    challenge_id: str,
    signed_challenge_cms: str | bytes,
    auth_csr_pem: str | bytes,
    sign_csr_pem: str | bytes,
    *,
    client_address: str | None = None,
) -> RenewedPair:
    """``complete_renewal`` for the signed-in ``iin``: an AUTH certificate of anyone else is refused."""
    return complete_renewal(
        ctx,
        challenge_id,
        signed_challenge_cms,
        auth_csr_pem,
        sign_csr_pem,
        client_address=client_address,
        holder_iin=iin,
    )


def unsaved_renewal(ctx: ServiceContext, iin: str) -> UnsavedRenewal | None:
    """The citizen's current pair when a cabinet renewal issued it: its certificates and the agent id
    its keys waited under (the page offers to save it if the agent still holds them); else None."""
    pair = renewable_pair(ctx, iin)
    enrolment_id = pair.auth.enrolment_id if pair is not None else None
    if not enrolment_id or not enrolment_id.startswith(RENEWAL_ENROLMENT_PREFIX):
        return None
    with ctx.session() as session:
        challenge = session.get(RenewalChallenge, enrolment_id.removeprefix(RENEWAL_ENROLMENT_PREFIX))
        records = certificates_of_enrolment(session, enrolment_id)
    by_profile = {row.profile: row for row in records}
    if challenge is None or not challenge.old_auth_serial or set(by_profile) != {"auth", "sign"}:
        return None
    return UnsavedRenewal(
        request_id=agent_request_id(challenge.old_auth_serial),
        pair=IssuedPair(
            auth_pem=_text(by_profile["auth"].pem).encode(),
            sign_pem=_text(by_profile["sign"].pem).encode(),
            chain_pem=ctx.ca().chain_pem(),
            auth_serial=by_profile["auth"].serial,
            sign_serial=by_profile["sign"].serial,
        ),
    )


def _first(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = certificate.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _text(pem: str | bytes) -> str:
    return pem if isinstance(pem, str) else pem.decode()

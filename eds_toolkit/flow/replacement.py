"""A lost download's way out: a new server-made pair for an issued enrolment, the lost pair revoked.

The server never keeps private keys, so keystores made here exist only in the one download. A citizen
who lost it may ask, within the same identification (the enrolment, before it expires), for a new pair:
in one transaction the enrolment's current pair is revoked and a new one issued, at most
``replacements_per_enrolment`` times. Each replacement is stored in the CA under
``<enrolment id>~r<n>`` (``ca.store.replacement_id``), so UNIQUE(enrolment_id, profile) still allows one
pair per replacement number: two tabs asking at once get one new pair, never two.

The lost pair is revoked with reason ``keyCompromise`` (RFC 5280, 5.3.1): its private keys left the
server in a file whose whereabouts the citizen no longer knows, protected only by a password, so a
compromise cannot be ruled out. ``superseded`` says "no cause to suspect that the private key has been
compromised", which nobody can say of a lost file. The IIN's other valid certificates, if any, are
``superseded`` as every issuance does.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from ca.errors import IssuanceRefused
from ca.store import pairs_of_enrolment, replacement_id, revoke_valid, supersede, valid_certificates_of
from eds_toolkit.core import audit
from eds_toolkit.core.context import ServiceContext
from eds_toolkit.core.refusals import AlreadyIssued, ConcurrentChange, EnrolmentExpired, InvalidInput
from eds_toolkit.core.versioned import compare_and_set
from eds_toolkit.flow import pickup
from eds_toolkit.flow.issuance import (
    _citizen,
    checked_password,
    loaded_authority,
    remote_enrolment_proof,
    request_refused,
    server_keys,
    zipped_keystores,
)
from eds_toolkit.flow.issued import IssuedPair, ServerKeystores
from eds_toolkit.flow.machine import State, aware, load_for_step, refusals_audited
from eds_toolkit.flow.models import Enrolment
from eds_toolkit.flow.owner_notices import notify_owner
from national_profile.profiles import Profile

LOST_PAIR_REASON = "key_compromise"
"""The lost pair's revocation reason (RFC 5280 keyCompromise): see the module's docstring."""

REPLACED = "replace_on_server"
"""The audit action of a replacement (and of its refusals)."""


def replacements_left(ctx: ServiceContext, session, enrolment: Enrolment) -> int:
    """How many more new pairs this issued enrolment may ask for (0 once expired or used up)."""
    if State(enrolment.state) != State.ISSUED or ctx.now() >= aware(enrolment.expires_at):
        return 0
    used = max(len(pairs_of_enrolment(session, enrolment.id)) - 1, 0)
    return max(ctx.replacements_per_enrolment - used, 0)


def _replaceable(ctx: ServiceContext, session, enrolment_id: str) -> Enrolment:
    """The issued enrolment whose pair may be replaced now; else the refusal that says why not."""
    enrolment = load_for_step(ctx, session, enrolment_id, {State.ISSUED})
    if ctx.now() >= aware(enrolment.expires_at):
        raise EnrolmentExpired(
            "A new pair can only be asked for within the identification that issued the first one, and it "
            "has ended. Start again with your IIN: the new certificates then replace the ones you hold now.",
            code="replacement_closed",
        )
    if replacements_left(ctx, session, enrolment) == 0:
        limit = ctx.replacements_per_enrolment
        raise AlreadyIssued(
            f"A new pair was already made {limit} times in this identification, the most allowed. Start "
            "again with your IIN, or visit a public service centre.",
            code="replacements_used_up",
            limit=limit,
        )
    return enrolment


@refusals_audited(REPLACED)
def replace_on_server(
    ctx: ServiceContext,
    enrolment_id: str,
    password: str,
    *,
    confirmed: bool,
    client_address: str | None = None,
) -> ServerKeystores:
    """Revoke the enrolment's current pair (keyCompromise) and issue a new server-made one, in one
    transaction; return the new keystores' zip. ``confirmed``: the citizen agreed to the revocation."""
    with ctx.session() as session:
        iin = _replaceable(ctx, session, enrolment_id).iin
    if not confirmed:
        raise InvalidInput(
            "Confirm that your previous certificates will be revoked: tick the box, then try again.",
            code="replacement_not_confirmed",
        )
    checked_password(password, iin)
    keys, csrs = server_keys(_citizen(ctx, iin))
    with ctx.session() as session:
        enrolment = _replaceable(ctx, session, enrolment_id)
        proof = remote_enrolment_proof(ctx, session, enrolment, replacing=True)
        authority = loaded_authority(ctx)
        now = ctx.now()
        pairs = pairs_of_enrolment(session, enrolment.id)
        lost = [row.serial for row in pairs[-1]] if pairs else []
        others = [row.serial for row in valid_certificates_of(session, iin, now) if row.serial not in lost]
        compare_and_set(
            session,
            enrolment,
            conflict="This enrolment was changed in another window or tab. Please reload the page.",
            updated_at=now,
        )
        revoked = revoke_valid(session, lost, now, LOST_PAIR_REASON)
        superseded = supersede(session, others, now)
        store_id = replacement_id(enrolment.id, len(pairs))
        issued = {}
        try:
            for profile in (Profile.AUTH, Profile.SIGN):
                issued[profile] = authority.issue(
                    csrs[profile], proof, profile, enrolment_id=store_id, session=session
                )
        except IssuanceRefused as error:
            session.rollback()
            if error.code == "already_issued":
                raise ConcurrentChange("A new pair was just made in another window or tab.") from None
            raise request_refused(profile, error) from None
        audit.record(
            ctx,
            session,
            iin=iin,
            action=REPLACED,
            outcome=audit.OK,
            enrolment_id=enrolment.id,
            from_state=str(State.ISSUED),
            to_state=str(State.ISSUED),
            reason="download_lost",
            client_address=client_address,
            detail={
                "replacement": len(pairs),
                "revoked": revoked,
                "revocation_reason": LOST_PAIR_REASON,
                "superseded": superseded,
                "auth_serial": issued[Profile.AUTH].record.serial,
                "sign_serial": issued[Profile.SIGN].record.serial,
            },
        )
        pair = IssuedPair.of(issued, authority.chain_pem(), revoked + superseded)
        made = zipped_keystores(keys, pair, password)
        pickup.keep(ctx, session, enrolment.id, made)  # in place of the lost pair's, if still kept
        try:
            session.commit()
        except IntegrityError:  # UNIQUE(enrolment_id, profile): the same replacement made elsewhere first
            session.rollback()
            raise ConcurrentChange("A new pair was just made in another window or tab.") from None
        phone, language = enrolment.phone, enrolment.language
    notify_owner(
        ctx,
        phone=phone,
        kind="certificates_issued",
        iin=iin,
        enrolment_id=enrolment_id,
        language=language,
        superseded=True,
    )
    return made

"""Registration applications for officers (and auditors): the list, and one application with the exact
document signed, the rules' decision and the signature's verdict (chain, revocation, signer's IIN equal to
the applicant's), and the owner's decision: how it was made and, signed with the EDS, the consent document
with its verdict (signer's IIN equal to the owner's). Opening an application is audited."""

from __future__ import annotations

from flask import abort, render_template, request

from eds_toolkit.core.refusals import NotFound
from eds_toolkit.operators.actions import record_action
from eds_toolkit.operators.applications import STATUSES, owner_decisions, recent_applications
from eds_toolkit.operators.roles import Permission
from eds_toolkit.registration.owner_consent import owner_decision_of
from eds_toolkit.registration.service import describe
from eds_toolkit.registration.signed_copy import signed_copy
from eds_toolkit.translations import N_
from eds_toolkit.web.context import client_address, flow_context
from eds_toolkit.web.local_time import local_time
from eds_toolkit.web.operator.access import bp, current, requires, section
from eds_toolkit.web.residence.render import (
    application_words,
    owner_decision_words,
    signed_with,
    verdict_lines,
)


@bp.get("/applications")
@section(Permission.APPLICATIONS, N_("Registration applications"))
def applications():
    status = request.args.get("status") or None
    ctx = flow_context()
    listed = recent_applications(ctx, status=status)
    return render_template(
        "operator/applications.html",
        applications=listed,
        owner_decisions=owner_decisions(ctx, [view.id for view in listed]),
        statuses=STATUSES,
        status=status,
    )


@bp.get("/applications/<application_id>")
@requires(Permission.APPLICATIONS)
def application(application_id: str):
    ctx = flow_context()
    try:
        view = describe(ctx, application_id)
    except NotFound:
        abort(404)
    copy = signed_copy(ctx, application_id)
    verdict = verdict_lines(copy.verdict, view.applicant_iin, local_time) if copy.verdict else None
    kept = owner_decision_of(ctx, application_id)
    consent_verdict = None
    if kept is not None and kept.verdict is not None:
        consent_verdict = verdict_lines(kept.verdict, kept.owner_iin, local_time)
    with ctx.session() as session:
        record_action(
            ctx,
            session,
            current(),
            "application_viewed",
            iin=view.applicant_iin,
            client_address=client_address(),
            detail={"application": application_id},
        )
        session.commit()
    return render_template(
        "operator/application.html",
        application=application_words(ctx, view, local_time),
        copy=copy,
        verdict=verdict,
        signed_with=signed_with(copy.signed_with),
        owner_decision=owner_decision_words(kept),
        consent_verdict=consent_verdict,
    )

"""`eds operator add|list|disable`: who may use the operators' console, and in which roles.

Roles: registration_officer (search, identification reviews), ca_admin (revocation, bulk revocation
with a second administrator, CRL/OCSP status), auditor (reads everything, the audit log; changes
nothing). Exit status: 0 done, 1 refused, 2 bad input. Every change is audited with ``--by``.
"""

from __future__ import annotations

import json

import click

from eds_toolkit.cli import Context, instance_service, pass_context
from eds_toolkit.core.refusals import InvalidInput, NotFound, Refusal
from eds_toolkit.operators import registry
from eds_toolkit.operators.roles import Role

_by = click.option("--by", required=True, help="Who makes this change (the administrator's name; audited).")


def _json(view: registry.OperatorView) -> str:
    return json.dumps(
        {
            "iin": view.iin,
            "name": view.name,
            "roles": sorted(r.value for r in view.roles),
            "enabled": view.enabled,
        },
        ensure_ascii=False,
    )


def _refused(error: Refusal) -> None:
    click.echo(json.dumps({"ok": False, "code": error.code, "message": error.message}), err=True)
    raise SystemExit(2 if isinstance(error, InvalidInput | NotFound) else 1)


@click.group("operator")
def operator() -> None:
    """The CA's operators: add, list, disable."""


@operator.command("add")
@click.argument("iin")
@click.option("--name", required=True, help="The operator's name as in their AUTH certificate.")
@click.option(
    "--role",
    "roles",
    required=True,
    multiple=True,
    type=click.Choice([role.value for role in Role]),
    help="A role (repeat for several).",
)
@_by
@pass_context
def add_command(ctx: Context, iin: str, name: str, roles: tuple[str, ...], by: str) -> None:
    """Add the operator with IIN (or give an existing one these roles and enable them)."""
    service, _ = instance_service(ctx)
    try:
        click.echo(_json(registry.add_operator(service, iin, name, ",".join(roles), added_by=by)))
    except Refusal as error:
        _refused(error)


@operator.command("disable")
@click.argument("iin")
@_by
@pass_context
def disable_command(ctx: Context, iin: str, by: str) -> None:
    """Disable the operator: their console sessions end at their next request."""
    service, _ = instance_service(ctx)
    try:
        click.echo(_json(registry.disable_operator(service, iin, disabled_by=by)))
    except Refusal as error:
        _refused(error)


@operator.command("list")
@pass_context
def list_command(ctx: Context) -> None:
    """One JSON line per operator."""
    service, _ = instance_service(ctx)
    for view in registry.operators(service):
        click.echo(_json(view))


COMMANDS: list[click.Command] = [operator]

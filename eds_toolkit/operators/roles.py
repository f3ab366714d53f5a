"""Operator roles and what each may do. A page or action names the permission it needs, never a role."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    REGISTRATION_OFFICER = "registration_officer"
    CA_ADMIN = "ca_admin"
    AUDITOR = "auditor"


class Permission(StrEnum):
    SEARCH = "search"  # find certificates by IIN, serial, status; a certificate's history
    REVOKE = "revoke"  # revoke one citizen's certificates with a reason
    BULK_REVOKE = "bulk_revoke"  # propose or approve (a second person) a bulk revocation
    EXPIRING = "expiring"  # certificates expiring within N days, the renewal wave
    REVIEW_IDENTIFICATION = "review_identification"  # referred face matches: accept or refuse
    PKI_STATUS = "pki_status"  # CRL and OCSP status
    PUBLISH_CRL = "publish_crl"  # publish a new CRL now (the status page's button)
    AUDIT_LOG = "audit_log"  # the audit log with filters, the chain's check
    APPLICATIONS = "applications"  # registration applications: the signed document and its verdict
    DECIDE_OFFLINE = "decide_offline"  # record a service centre's decision on an application sent offline


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.REGISTRATION_OFFICER: frozenset(
        {
            Permission.SEARCH,
            Permission.REVIEW_IDENTIFICATION,
            Permission.EXPIRING,
            Permission.APPLICATIONS,
            Permission.DECIDE_OFFLINE,
        }
    ),
    Role.CA_ADMIN: frozenset(
        {
            Permission.SEARCH,
            Permission.REVOKE,
            Permission.BULK_REVOKE,
            Permission.EXPIRING,
            Permission.PKI_STATUS,
            Permission.PUBLISH_CRL,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Permission.SEARCH,
            Permission.EXPIRING,
            Permission.PKI_STATUS,
            Permission.AUDIT_LOG,
            Permission.APPLICATIONS,
        }
    ),
}
"""An auditor reads and changes nothing; a registration officer decides identifications and, for a
service centre, applications sent offline, but revokes nothing; a CA administrator revokes but neither
decides identifications nor reads the audit log."""


def parse_roles(text: str) -> frozenset[Role]:
    """Roles from their stored (space-separated) or typed (comma-separated) form; unknown ones refused."""
    names = [name for name in text.replace(",", " ").split() if name]
    unknown = [name for name in names if name not in {role.value for role in Role}]
    if unknown:
        known = ", ".join(role.value for role in Role)
        raise ValueError(f"Unknown role {', '.join(unknown)}: the roles are {known}.")
    return frozenset(Role(name) for name in names)


def permissions_of(roles: frozenset[Role]) -> frozenset[Permission]:
    """Everything the roles together allow."""
    return frozenset().union(*(GRANTS[role] for role in roles)) if roles else frozenset()

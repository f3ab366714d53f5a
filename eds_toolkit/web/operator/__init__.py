"""/operator: the CA operators' console. Sign-in with the AUTH certificate through the agent
(``signin``); each page names the permission it needs (``access.requires``); each action is audited
with the operator's identity (``eds_toolkit.operators.actions``). Pages live in one module per area."""

# routes register on bp as their modules are imported; the menu lists sections in this order
from eds_toolkit.web.operator import (  # noqa: F401
    applications,
    audit_log,
    bulk_revocation,
    certificates,
    expiring,
    home,
    offline_decision,
    pki_status,
    reviews,
    revocation,
    signin,
)
from eds_toolkit.web.operator.access import bp

__all__ = ["bp"]

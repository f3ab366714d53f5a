"""/operator: the CA operators' console. Sign-in with the AUTH certificate through the agent
(``signin``); each page names the permission it needs (``access.requires``); each action is audited
with the operator's identity (``eds_toolkit.operators.actions``). Pages live in one module per area."""

from eds_toolkit.web.operator import (  # noqa: E402,F401  (routes register on bp)
    bulk_revocation,
    certificates,
    expiring,
    home,
    revocation,
    signin,
)
from eds_toolkit.web.operator.access import bp

__all__ = ["bp"]

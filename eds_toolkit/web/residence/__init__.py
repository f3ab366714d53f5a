"""/cabinet/services: the registration service in the citizen's personal cabinet (signed in as the cabinet
signs in): the catalogue's entry, the application form, the review of the exact document, signing with
eds agent (NCALayer's ``basics.sign``) or an SMS code, the result, the owner's consent, the "History of
services". Every call into the registration library is in ``library``; pages live one module per area."""

from eds_toolkit.web.residence import applying, catalogue, history, owner  # noqa: F401  (routes on bp)
from eds_toolkit.web.residence.access import bp

__all__ = ["bp"]

"""The Flask extensions, created at import time and initialised per app by ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from eds_toolkit.web.limits import limiter

babel = Babel()
csrf = CSRFProtect()

__all__ = ["babel", "csrf", "limiter"]

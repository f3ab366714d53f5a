"""One logging setup for the service and the agent: timestamps and levels, no library chatter."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Libraries whose INFO lines say nothing an operator acts on (alembic lists its plugins at every start).
QUIET = ("alembic",)


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr at ``level``; keeps a handler the host (gunicorn, pytest) already installed."""
    logging.basicConfig(level=level, stream=sys.stderr, format=FORMAT)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)

"""The verifier and the registration library are plain libraries: no Flask on import."""

from __future__ import annotations

import subprocess
import sys


def test_signatures_and_registration_service_import_without_flask():
    code = (
        "import sys, eds_toolkit.signatures, eds_toolkit.registration.service; "
        "sys.exit(1 if any(name == 'flask' or name.startswith('flask.') for name in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

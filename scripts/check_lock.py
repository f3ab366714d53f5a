"""Does .venv, installed from requirements/*.txt, give what pyproject.toml asks for? Run by scripts/setup.

    .venv/bin/python scripts/check_lock.py [EXTRA ...]

Checks eds-toolkit's own requirements (and those of the extras named) against the installed versions,
then `pip check` for everything else. A dependency added or raised in pyproject.toml without
`bash scripts/lock` stops the set-up here, with the names, rather than somewhere in the tests.
Exit status 1 with the list on stderr.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import PackageNotFoundError, requires, version

from packaging.requirements import Requirement

# face-recognition asks for the source distribution `dlib`; the prebuilt dlib-bin gives the same module
KNOWN = ("face-recognition 1.3.0 requires dlib, which is not installed.",)


def unmet_requirements(extras: list[str]) -> list[str]:
    unmet = []
    for line in requires("eds-toolkit") or []:
        requirement = Requirement(line)
        wanted = requirement.marker is None or any(
            requirement.marker.evaluate({"extra": extra}) for extra in extras
        )
        if requirement.name == "eds-toolkit" or not wanted:
            continue  # eds-toolkit[test] inside dev: its extras are named on the command line
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            unmet.append(f"{requirement}: not in the lock")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            unmet.append(f"{requirement}: the lock has {installed}")
    return unmet


def pip_check() -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    return [line for line in result.stdout.splitlines() if line.strip() and line not in KNOWN]


def main() -> int:
    problems = unmet_requirements(sys.argv[1:] or [""]) + pip_check()
    if problems:
        lines = ["scripts/setup: requirements/ does not fit pyproject.toml:", *problems]
        lines.append("refresh the lock with `bash scripts/lock` (docs/setup.md)")
        print("\n".join(lines), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

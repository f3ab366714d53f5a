"""How long ``eds`` takes to start: wall seconds of whole ``eds`` processes, for a few commands.

Each command runs ``--runs`` times in a new interpreter, as the console script runs it (``from
eds_toolkit.cli import main; main()``); the median and the fastest run are printed. Commands: the
listing (``eds --help``), the help of three areas that need neither face recognition nor Flask
(``ca``, ``verify``, ``keystore``), the help of ``identify``, and a real check that reads files
only: ``eds verify-cert`` of NCANode's RSA certificate against the national test root
(../shared/testdata/nca), as of 2023-01-01 (valid then).

    .venv/bin/python benchmarks/cli_start.py [--runs 10]
    .venv/bin/python benchmarks/cli_start.py --before /tmp/cli-before

``--before`` runs the same commands with the code of another checkout (e.g. ``git worktree add
/tmp/cli-before main``), in turns with this one (one run each, so that other load on the machine
falls on both alike), and prints both columns, the ratio, and whether each command printed the same
and exited the same. ``python -X importtime -c "import eds_toolkit.cli"`` shows what is imported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NCA = ROOT.parent / "shared" / "testdata" / "nca"
LAUNCH = "import sys; sys.argv[0] = 'eds'; from eds_toolkit.cli import main; sys.exit(main())"
COMMANDS = [
    ["--help"],
    ["ca", "--help"],
    ["verify", "--help"],
    ["keystore", "--help"],
    ["identify", "--help"],
    [
        "verify-cert",
        str(NCA / "individual_valid_sign_2004_rsa.cer"),
        "--trust",
        str(NCA / "nca_rsa_test.crt"),
        "--at",
        "2023-01-01T00:00:00Z",
        "--revocation",
        "none",
    ],
]


def run(code: Path, args: list[str]) -> tuple[float, tuple[int, str]]:
    """Wall seconds of one ``eds ARGS`` process with the code of ``code``, and its exit status and output."""
    environment = {**os.environ, "PYTHONPATH": str(code), "EDS_HOME": str(ROOT.parent / "no-such-eds-home")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCH, *args], cwd=code, env=environment, capture_output=True, text=True
    )
    return time.perf_counter() - started, (done.returncode, done.stdout)


def label(args: list[str]) -> str:
    shown = " ".join(Path(a).name if "/" in a else a for a in args)
    return f"eds {shown}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per command (median and fastest shown)")
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    args = parser.parse_args()

    checkouts = {"this": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    print(f"wall seconds of a whole eds process, {args.runs} runs each: median (fastest)")
    for command in COMMANDS:
        times: dict[str, list[float]] = {name: [] for name in checkouts}
        outputs: dict[str, set] = {name: set() for name in checkouts}
        for _ in range(args.runs):
            for name, code in checkouts.items():
                seconds, output = run(code, command)
                times[name].append(seconds)
                outputs[name].add(output)
        print(f"\n{label(command)}")
        for name in ("before", "this"):
            if name in times:
                status = ", ".join(str(code) for code, _ in outputs[name])
                median, fastest = statistics.median(times[name]), min(times[name])
                print(f"  {name:7s}{median:7.3f} ({fastest:.3f})  exit {status}")
        if "before" in times:
            ratio = statistics.median(times["before"]) / statistics.median(times["this"])
            same = outputs["before"] == outputs["this"]
            print(f"  before/this {ratio:.1f}x; same output and exit status: {same}")


if __name__ == "__main__":
    main()

"""Run the reader fuzz harness (tests/test_fuzz.py) for a number of minutes.

The test suite runs each fuzz target for a bounded, derandomized number of
examples.  This script runs them with fresh random inputs until the time is up
and prints how many examples each target ran; a crash (any exception that is
not an ``UrbanchainError``) fails with Hypothesis' minimal reproducing input.

Usage::

    .venv/bin/python scripts/fuzz.py --minutes 10
    .venv/bin/python scripts/fuzz.py --examples 2000   # one derandomized pass, larger
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run pytest on tests/test_fuzz.py."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=0.0, help="run for this long")
    parser.add_argument(
        "--examples", type=int, default=None, help="examples per target and pass (default 120)"
    )
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.minutes > 0:
        env["URBANCHAIN_FUZZ_MINUTES"] = str(args.minutes)
        selection = ["-k", "fuzz_for_minutes"]
    else:
        selection = ["-k", "fuzz"]
    if args.examples is not None:
        env["URBANCHAIN_FUZZ_EXAMPLES"] = str(args.examples)
    cmd = [sys.executable, "-m", "pytest", "tests/test_fuzz.py", "-q", "-s", "-x", *selection]
    return subprocess.call(cmd, cwd=ROOT, env=env)


if __name__ == "__main__":
    raise SystemExit(main())

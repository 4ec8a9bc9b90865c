"""Start-up time of the command line: ``relscales --help`` against a bare ``python -c pass``.

Goal: ``relscales --help`` costs under 0.3 s on top of starting Python itself, so the
command feels instant in a shell and in editor or pre-commit integrations. The heavy
stack (numpy, scipy, pyarrow, jinja2) must stay out of this path; tests/test_startup.py
checks that, this script measures it.

Each run is a fresh interpreter started through ``subprocess``; the figure is the median of
15 runs (after one unmeasured warm-up, so the OS file cache is warm for both commands).

Usage::

    python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_SECONDS = 0.3


def _relscales() -> list[str]:
    script = Path(sys.executable).parent / "relscales"
    if script.exists():
        return [str(script)]
    found = shutil.which("relscales")
    return [found] if found else [sys.executable, "-m", "relscales"]


def median_wall_time(command: list[str], runs: int) -> float:
    """Median wall time in seconds of ``runs`` runs of ``command`` (after one warm-up)."""
    subprocess.run(command, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    help_command = [*_relscales(), "--help"]
    python = median_wall_time([sys.executable, "-c", "pass"], args.runs)
    relscales = median_wall_time(help_command, args.runs)
    extra = relscales - python
    print(f"python -c pass     median of {args.runs}: {python:.3f} s")
    print(
        f"relscales --help   median of {args.runs}: {relscales:.3f} s  ({' '.join(help_command)})"
    )
    verdict = "within" if extra < GOAL_SECONDS else "OVER"
    print(f"difference: {extra:.3f} s ({verdict} the {GOAL_SECONDS} s goal)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

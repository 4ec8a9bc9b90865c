"""Benchmark IRT scoring: `relscales score` with and without declared graded response models.

Usage::

    python bench/irt_bench.py [--rows 1000000] [--repeat 3] [--suffix csv|parquet]

Uses ``bench/data/bench_<rows>.csv`` (made by ``bench/score_bench.py``: 36 items on 1-7) and
writes ``bench/data/bench36-irt.yaml``: ``bench/bench36.yaml`` with a graded response model
declared for both 18-item subscales (slopes and thresholds drawn once, fixed seed). Then
times, interleaved in one run, as separate processes:

* classical: ``relscales score DATA -i bench/bench36.yaml -o OUT.csv``;
* IRT: ``relscales score DATA -i bench/data/bench36-irt.yaml -o OUT.csv`` (EAP theta, its
  SE and T score for both scales, besides the classical scores).

Reported: median wall time, the ratio IRT / classical, and each process's peak memory.
``--suffix parquet`` writes Parquet instead of CSV: the six estimate columns then cost no
text formatting (a distinct double takes about 40 ns with the compiled formatter, about 100 ns
with Arrow's).
``--free-eap`` adds a third run: the IRT instrument with EAP replaced by a stand-in that
costs nothing (theta and SE drawn once per batch size, distinct values as EAP's are, same
shapes): everything else of the IRT run (the six columns written, the T score, the tables)
at its real cost. It shows how much of the gap is EAP's.
Goal (issue 19): within 2x of classical scoring, peak under 500 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def irt_instrument() -> Path:
    import numpy as np
    import yaml

    path = DATA / "bench36-irt.yaml"
    doc = yaml.safe_load((HERE / "bench36.yaml").read_text(encoding="utf-8"))
    rng = np.random.default_rng(36)
    doc["id"] = "bench36-irt"
    for sub in doc["subscales"]:
        items = {}
        for item in sub["items"]:
            steps = np.sort(rng.normal(0, 1.2, 6))
            steps += np.arange(6) * 0.05  # strictly increasing
            items[item] = {"slope": float(rng.uniform(0.8, 2.2)), "thresholds": steps.tolist()}
        sub["irt"] = {
            "model": "graded",
            "items": items,
            "calibration": {"source": "random parameters for a benchmark", "licence": "CC0"},
        }
    DATA.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


FREE_EAP = """
import sys
import numpy as np
import relscales.irt as irt

drawn = {}

def free(model, values, kernel, checked=False):  # a stand-in for EAP that costs nothing
    n, k = values.shape
    if n not in drawn:  # drawn once per batch size: distinct values, as EAP's are
        rng = np.random.default_rng(n)
        drawn[n] = (rng.normal(size=n), rng.uniform(0.2, 0.5, n), np.full(n, k))
    return irt.ThetaEstimates(*drawn[n], "eap")

irt._eap = free
from relscales.cli import run
sys.argv = ["relscales", *sys.argv[1:]]
run()
"""


def run(command: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        err = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"failed ({status}): {' '.join(command)}\n{err}")
    return wall, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--suffix", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--free-eap", action="store_true", help="add a run with EAP at no cost")
    args = parser.parse_args()
    data = DATA / f"bench_{args.rows}.csv"
    if not data.exists():
        sys.exit(f"{data} is missing: run python bench/score_bench.py --rows {args.rows} first")
    out = Path(tempfile.mkdtemp(prefix="relscales-irt-bench-"))
    commands = {
        "classical": ["relscales", "score", str(data), "-i", str(HERE / "bench36.yaml")],
        "irt": ["relscales", "score", str(data), "-i", str(irt_instrument())],
    }
    if args.free_eap:
        commands["irt, EAP free"] = [sys.executable, "-c", FREE_EAP, *commands["irt"][1:]]
    times: dict[str, list[float]] = {k: [] for k in commands}
    peaks = dict.fromkeys(commands, 0.0)
    for k in range(args.repeat + 1):
        for name, command in commands.items():
            target = out / f"{name}.{args.suffix}"
            wall, peak = run([*command, "-o", str(target)])
            if k:
                times[name].append(wall)
                peaks[name] = max(peaks[name], peak)
    med = {k: statistics.median(v) for k, v in times.items()}
    sys.stdout.write(
        f"{args.rows:,} rows x 36 items, {args.suffix} output, median of {args.repeat}\n\n"
        "| scoring | wall | ratio | peak memory |\n|---|---|---|---|\n"
    )
    for name in commands:
        sys.stdout.write(
            f"| {name} | {med[name]:.2f} s | {med[name] / med['classical']:.2f}x | "
            f"{peaks[name]:.0f} MiB |\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

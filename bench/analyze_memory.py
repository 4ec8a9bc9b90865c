"""Peak memory of `relscales analyze` and `score --with-quality` on a large file (issue 21).

Usage::

    python bench/analyze_memory.py [--rows 10000000] [--skip-analyze] [--skip-score]
                                   [--json-out PATH]

Generates ``bench/data/analyze_<rows>.csv`` once, chunk by chunk (never the whole file in
memory; the same generator as ``bench/analyze_bench.py``: an ``id`` column and ``i01``..``i36``
for ``bench/bench36.yaml``, two one-factor subscales on 1-7, about 1% empty cells), then runs,
each as a separate process, and reports wall time, CPU time and peak resident memory
(``ru_maxrss`` of a fresh parent whose only child is the command):

* ``relscales analyze DATA -i bench/bench36.yaml --json -o OUT.json`` (Feldt intervals, the
  default; the quality screen included);
* ``relscales score DATA -i bench/bench36.yaml --with-quality -o OUT.parquet``.

Goal (issue 21, item 2): peak memory under 1 GB each at 10,000,000 rows. Outputs go to a
temporary folder under ``bench/data/`` that is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from analyze_bench import DATA, INSTRUMENT, compile_bytecode, generate, measure

GOAL_BYTES = 10**9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--skip-analyze", action="store_true")
    parser.add_argument("--skip-score", action="store_true")
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()

    start = time.perf_counter()
    data = generate(args.rows)
    generated_s = time.perf_counter() - start
    compile_bytecode()
    relscales = shutil.which("relscales") or "relscales"
    base = [str(data), "-i", str(INSTRUMENT)]
    figures: dict[str, object] = {
        "rows": args.rows,
        "data": str(data),
        "bytes": data.stat().st_size,
        "generate_or_find_s": generated_s,
        "cpus": os.cpu_count(),
        "goal_peak_bytes": GOAL_BYTES,
    }
    with tempfile.TemporaryDirectory(dir=DATA, prefix="analyze_memory_") as tmp:
        out = Path(tmp)
        commands = {}
        if not args.skip_analyze:
            commands["analyze"] = [relscales, "analyze", *base, "--json", "-o", str(out / "a.json")]
        if not args.skip_score:
            commands["score_with_quality"] = [
                relscales,
                "score",
                *base,
                "--with-quality",
                "-o",
                str(out / "s.parquet"),
            ]
        for name, cmd in commands.items():
            print(f"running {name} ...", file=sys.stderr)
            fig = measure(cmd, out / f"{name}.stdout")
            fig["peak_rss_bytes"] = int(fig["peak_rss_mib"] * 2**20)
            fig["goal_met"] = fig["peak_rss_bytes"] < GOAL_BYTES
            fig["command"] = " ".join(cmd)
            figures[name] = fig

    print(f"{args.rows:,} rows x 36 items, {figures['bytes'] / 1e6:.0f} MB CSV")
    print(f"{'command':<20} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13}  under 1 GB")
    for name in commands:
        fig = figures[name]
        print(
            f"{name:<20} {fig['wall_s']:8.2f} {fig['cpu_s']:8.2f} {fig['peak_rss_mib']:13.0f}"
            f"  {'yes' if fig['goal_met'] else 'NO'}"
        )
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(text + "\n")


if __name__ == "__main__":
    main()

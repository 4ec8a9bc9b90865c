"""Benchmark `relscales analyze --ci bootstrap` against R psych doing the same work (issue 21).

Usage::

    python bench/analyze_bench.py [--rows 10000] [--repeat 5] [--n-boot 1000] [--skip-r]
                                  [--json-out PATH]

Generates ``bench/data/analyze_<rows>.csv`` once: an ``id`` column and ``i01``..``i36``
(``bench/bench36.yaml``), two 18-item subscales on 1-7 with one factor each (loadings
0.5-0.75), the items bench36 declares reversed answered reversed, about 1% empty cells.
Then times, as whole separate processes (start-up, reading and everything else included):

* relscales: ``relscales analyze DATA -i bench/bench36.yaml --ci bootstrap --n-boot N
  --json -o OUT``: per subscale alpha with a bootstrap interval, item statistics, omega,
  frequencies, and the careless-responding screen (on by default);
* R: ``Rscript bench/r/analyze_peer.R DATA N``: ``data.table::fread``, reverse keying,
  per subscale ``psych::alpha(x, n.iter = N)`` (bootstrap through ``mclapply`` with psych's
  default ``mc.cores``) and ``psych::omega(x, nfactors = 3, plot = FALSE)``, and once
  ``psych::outlier(all 36 items, plot = FALSE)``.

Runs are paired and interleaved: each repeat runs relscales (right after an unmeasured run of
the same command, as in ``bench/score_bench.py``: a process started just after R pays for the
kernel reclaiming R's memory) and then R. Each measured run is a fresh child of a small Python
parent, which reports its wall time, CPU time (user + system, all threads and forked workers)
and peak resident memory (``ru_maxrss`` of ``RUSAGE_CHILDREN``: the largest single process of
the tree, so R's forked bootstrap workers are not added up). Prints a table (min / median /
max) and the figures as JSON; the goal is relscales at least 10x faster than R (ratio of
medians).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
INSTRUMENT = HERE / "bench36.yaml"
N_ITEMS = 36
SUBSCALE = 18
# bench36.yaml's reverse-keyed items: i02, i05, ..., i35.
REVERSED = frozenset(range(2, N_ITEMS + 1, 3))


def generate(rows: int, path: Path | None = None, seed: int = 21, chunk: int = 250_000) -> Path:
    """Write ``rows`` respondents for bench36 to ``path`` (once), chunk by chunk.

    Never holds more than ``chunk`` rows: the 10-million-row file of
    ``bench/analyze_memory.py`` comes from here too.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = path or DATA / f"analyze_{rows}.csv"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    loadings = rng.uniform(0.5, 0.75, size=N_ITEMS)
    noise = np.sqrt(1 - loadings**2)
    names = [f"i{j:02d}" for j in range(1, N_ITEMS + 1)]
    flip = np.array([j + 1 in REVERSED for j in range(N_ITEMS)])
    tmp = path.with_suffix(".tmp")
    writer = None
    with tmp.open("wb") as stream:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            factors = np.repeat(rng.standard_normal((n, 2)), SUBSCALE, axis=1)
            z = factors * loadings + rng.standard_normal((n, N_ITEMS)) * noise
            x = np.clip(np.rint(4 + z * (6 / 4.2)), 1, 7).astype(np.int8)
            x[:, flip] = 8 - x[:, flip]
            empty = rng.random((n, N_ITEMS)) < 0.01
            cols = {"id": pa.array(np.arange(start + 1, start + n + 1, dtype=np.int64))}
            for j, name in enumerate(names):
                cols[name] = pa.array(x[:, j], mask=empty[:, j])
            table = pa.table(cols)
            if writer is None:
                options = pacsv.WriteOptions(quoting_style="none", quoting_header="none")
                writer = pacsv.CSVWriter(stream, table.schema, write_options=options)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    tmp.rename(path)
    return path


def compile_bytecode() -> None:
    """Write relscales' bytecode caches, as ``pip install`` does for an installed wheel."""
    import relscales

    package = Path(relscales.__file__).parent
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(package)],
        check=True,
        stdout=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )


# The parent of each measured run: its only child is the command, so RUSAGE_CHILDREN is that
# command's process tree alone.
_PROBE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "wb"), stderr=subprocess.PIPE)
wall = time.perf_counter() - start
use = resource.getrusage(resource.RUSAGE_CHILDREN)
if done.returncode:
    sys.stderr.write(done.stderr.decode(errors="replace"))
    sys.exit(done.returncode)
print(json.dumps({"wall_s": wall, "cpu_s": use.ru_utime + use.ru_stime,
                  "peak_rss_mib": use.ru_maxrss / 1024}))
"""


def measure(cmd: list[str], stdout: Path) -> dict[str, float]:
    """Run ``cmd`` once as a fresh process; its wall time, CPU time and peak RSS (MiB).

    The command's standard output goes to ``stdout``.
    """
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(stdout), *cmd], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr}")
    return json.loads(done.stdout)


def summary(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def table(rows: dict[str, dict[str, dict[str, float]]]) -> str:
    lines = [
        f"{'command':<10} {'wall s (min / median / max)':>30} {'CPU s (median)':>15}"
        f" {'peak RSS MiB (median)':>22}"
    ]
    for name, fig in rows.items():
        w = fig["wall_s"]
        lines.append(
            f"{name:<10} {w['min']:8.2f} / {w['median']:6.2f} / {w['max']:6.2f}      "
            f"{fig['cpu_s']['median']:15.2f} {fig['peak_rss_mib']['median']:22.0f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()

    data = generate(args.rows)
    compile_bytecode()
    relscales = shutil.which("relscales") or "relscales"
    out = DATA / f"analyze_out_{args.rows}.json"
    commands = {
        "relscales": [
            relscales,
            "analyze",
            str(data),
            "-i",
            str(INSTRUMENT),
            "--ci",
            "bootstrap",
            "--n-boot",
            str(args.n_boot),
            "--json",
            "-o",
            str(out),
        ]
    }
    rscript = shutil.which("Rscript")
    if not args.skip_r and rscript is None:
        print("Rscript not found: R skipped", file=sys.stderr)
    elif not args.skip_r:
        commands["r"] = [rscript, str(HERE / "r" / "analyze_peer.R"), str(data), str(args.n_boot)]

    stdout = {name: DATA / f"analyze_stdout_{name}.txt" for name in commands}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
    for i in range(args.repeat):
        for name, cmd in commands.items():
            if name == "relscales":
                measure(cmd, stdout[name])  # unmeasured: see the module docstring
            runs[name].append(measure(cmd, stdout[name]))
            print(
                f"repeat {i + 1}/{args.repeat} {name}: {runs[name][-1]['wall_s']:.2f} s",
                file=sys.stderr,
            )

    figures: dict[str, object] = {
        "rows": args.rows,
        "items": N_ITEMS,
        "n_boot": args.n_boot,
        "repeat": args.repeat,
        "data": str(data),
        "bytes": data.stat().st_size,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_at_end": list(os.getloadavg()),
    }
    per: dict[str, dict[str, dict[str, float]]] = {}
    for name, measured in runs.items():
        per[name] = {key: summary([m[key] for m in measured]) for key in measured[0]}
    report = json.loads(out.read_text())
    figures["relscales"] = {
        **per["relscales"],
        "runs": runs["relscales"],
        "estimates": {
            sub: {k: v.get(k) for k in ("alpha", "alpha_ci", "omega_total", "omega_hierarchical")}
            for sub, v in report["subscales"].items()
        },
        "n_flagged": report.get("quality", {}).get("n_flagged"),
    }
    peer = None
    if "r" in runs:
        peer = json.loads(stdout["r"].read_text().strip().splitlines()[-1])
        figures["r"] = {**per["r"], "runs": runs["r"], "peer": peer}
        figures["ratio_of_medians"] = (
            per["r"]["wall_s"]["median"] / per["relscales"]["wall_s"]["median"]
        )
        figures["paired_ratios"] = [
            r["wall_s"] / p["wall_s"] for r, p in zip(runs["r"], runs["relscales"], strict=True)
        ]

    print(table(per))
    if peer is not None:
        print(
            f"ratio of medians R / relscales: {figures['ratio_of_medians']:.2f}x (goal >= 10x); "
            f"R {peer['r_version']}, psych {peer['psych']}, mc.cores {peer['mc_cores']}"
        )
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(text + "\n")


if __name__ == "__main__":
    main()

"""Benchmark `relscales change` and `relscales couples` against `relscales score` on the same rows.

Usage::

    python bench/linked_bench.py [--people 1000000] [--couples 500000] [--repeat 3]

Generates, once, ``bench/data/change_<people>.csv`` (every person at two waves: ``id``,
``wave`` 1/2, then the 36 items of ``bench/bench36.yaml`` on 1-7 with 1% empty cells; the
second wave moves each answer by -1, 0 or +1) and ``bench/data/couples_<couples>.csv``
(``couple``, ``role`` A/B, the 36 items). Then, in the same run and as separate processes,
times:

* ``relscales score DATA -i bench/bench36.yaml -o OUT.csv`` on each file (the same rows);
* ``relscales change DATA -i bench/bench36.yaml --wave-column wave --reliability
  anxiety=0.9 --reliability avoidance=0.9 -o OUT.csv``;
* ``relscales couples DATA -i bench/bench36.yaml --couple-column couple --role-column role
  -o OUT.csv``.

Each command runs ``--repeat`` times, interleaved, after one unmeasured run. Reported: the
median wall time, the ratio to ``score`` on the same file, and the peak resident memory of
each process. Goals (issue 18): within 3x of ``score``, peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
INSTRUMENT = HERE / "bench36.yaml"


def _write(path: Path, columns_for: object, n_rows: int, chunk: int = 250_000) -> Path:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    writer = None
    with tmp.open("wb") as stream:
        for start in range(0, n_rows, chunk):
            n = min(chunk, n_rows - start)
            table = pa.table(columns_for(start, n))  # type: ignore[operator]
            if writer is None:
                writer = pacsv.CSVWriter(stream, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    tmp.rename(path)
    return path


def _items(rng: object, n: int, base: object = None) -> dict[str, object]:
    import numpy as np

    out: dict[str, object] = {}
    for i in range(1, 37):
        if base is None:
            values = rng.integers(1, 8, size=n).astype(np.float64)  # type: ignore[attr-defined]
        else:
            values = np.clip(base[i - 1] + rng.integers(-1, 2, size=n), 1, 7).astype(np.float64)  # type: ignore[index,attr-defined]
        values[rng.random(n) < 0.01] = np.nan  # type: ignore[attr-defined]
        out[f"i{i:02d}"] = values
    return out


def change_data(people: int) -> Path:
    """Two rows per person (waves 1 and 2, next to each other)."""
    import numpy as np

    rng = np.random.default_rng(18)

    def columns(start: int, n: int) -> dict[str, object]:
        persons = n // 2
        first = _items(rng, persons)
        base = [np.nan_to_num(first[f"i{i:02d}"], nan=4.0) for i in range(1, 37)]
        second = _items(rng, persons, base)
        ids = np.repeat(np.arange(start // 2 + 1, start // 2 + persons + 1), 2)
        cols: dict[str, object] = {"id": ids, "wave": np.tile([1, 2], persons)}
        for name in first:
            both = np.empty(2 * persons)
            both[0::2] = first[name]  # type: ignore[index]
            both[1::2] = second[name]  # type: ignore[index]
            cols[name] = both
        return cols

    return _write(DATA / f"change_{people}.csv", columns, 2 * people)


def couples_data(couples: int) -> Path:
    """Two rows per couple (roles A and B)."""
    import numpy as np

    rng = np.random.default_rng(19)

    def columns(start: int, n: int) -> dict[str, object]:
        ids = np.repeat(np.arange(start // 2 + 1, start // 2 + n // 2 + 1), 2)
        return {"couple": ids, "role": np.tile(["A", "B"], n // 2), **_items(rng, n)}

    return _write(DATA / f"couples_{couples}.csv", columns, 2 * couples)


def run(command: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak resident MiB of the process)."""
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
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--couples", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    relscales = shutil.which("relscales") or sys.exit("relscales is not installed")
    change_file = change_data(args.people)
    couples_file = couples_data(args.couples)
    out = Path(tempfile.mkdtemp(prefix="relscales-bench-"))
    base = [relscales]
    commands = {
        "score (change file)": [*base, "score", str(change_file), "-i", str(INSTRUMENT)],
        "change": [
            *base,
            "change",
            str(change_file),
            "-i",
            str(INSTRUMENT),
            "--wave-column",
            "wave",
            "--reliability",
            "anxiety=0.9",
            "--reliability",
            "avoidance=0.9",
        ],
        "score (couples file)": [*base, "score", str(couples_file), "-i", str(INSTRUMENT)],
        "couples": [
            *base,
            "couples",
            str(couples_file),
            "-i",
            str(INSTRUMENT),
            "--couple-column",
            "couple",
            "--role-column",
            "role",
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
    for k in range(args.repeat + 1):
        for name, command in commands.items():
            target = out / f"{name.split()[0]}-{k}.csv"
            wall, peak = run([*command, "-o", str(target)])
            target.unlink(missing_ok=True)
            Path(str(target) + ".meta.json").unlink(missing_ok=True)
            if k:  # the first round warms the caches
                times[name].append(wall)
                peaks[name] = max(peaks[name], peak)
    median = {name: statistics.median(values) for name, values in times.items()}
    sys.stdout.write(
        f"{args.people:,} people x 2 waves ({2 * args.people:,} rows) and {args.couples:,} "
        f"couples ({2 * args.couples:,} rows), 36 items, median of {args.repeat}\n\n"
        "| command | wall (median) | ratio to score, same rows | peak memory |\n|---|---|---|---|\n"
    )
    pairs = {"change": "score (change file)", "couples": "score (couples file)"}
    for name in commands:
        ratio = median[name] / median[pairs[name]] if name in pairs else 1.0
        sys.stdout.write(
            f"| {name} | {median[name]:.2f} s | {ratio:.2f}x | {peaks[name]:.0f} MiB |\n"
        )
    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark scoring inside other engines against plain `relscales score`, and prove them equal.

Usage::

    python bench/engines_bench.py [--rows 1000000] [--partitions 8] [--repeat 1]
                                  [--only cli,arrow,spark,dask,duckdb]
    python bench/engines_bench.py --proof [--rows 10000000] [--partitions 64]

Generates ``bench/data/engines_<rows>.csv`` once: an ``id`` column and 36 items on 1-7
(``bench/bench36.yaml``), 1% empty cells and 0.1% invalid ones (``8``, ``x``, ``2.5``), so
that decoding, missing answers and problem records all take part. Then, each as a
separate process on the same file, writing Parquet:

* ``cli``: ``relscales score DATA -i bench/bench36.yaml -o OUT.parquet``;
* ``arrow``: ``relscales.ArrowScorer`` alone, on pyarrow's streaming CSV reader (every
  column as text), written with ``pyarrow.parquet.ParquetWriter``;
* ``spark``: ``relscales.engines.spark.score_spark`` on a ``local[2]`` SparkSession
  (``spark.read.csv``, every column as text; ``--partitions`` input partitions);
* ``dask``: ``relscales.engines.dask.score_dask`` on ``dask.dataframe.read_csv`` (text,
  ``--partitions`` partitions; threads) and ``to_parquet``;
* ``duckdb``: ``relscales.engines.duckdb.score_duckdb`` on ``read_csv(all_varchar)`` and
  ``write_parquet``.

For each it reports the process's wall time (start-up included), the time of the work
alone (after the engine has started: a SparkSession takes seconds), rows per second of
each, and whether the scores are identical to the ``cli`` output (compared column by
column, batch by batch).

``--proof`` scores ``--rows`` rows (default 10,000,000) in ``--partitions`` partitions
(default 64) through Spark local mode, writes Parquet, runs ``relscales score`` on the
same file, and checks that the two outputs are identical, column by column, in batches
of 65,536 rows (bounded memory). Then it analyses the same partitions with
``relscales.engines.spark.analyze_spark`` (statistics per partition, merged) and checks
every number of the subscales (alpha, its interval, item statistics, omega) against
``relscales analyze --no-quality`` on the whole file: at most 1e-12 apart. Exit status 1
when anything differs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
INSTRUMENT = HERE / "bench36.yaml"
ITEMS = [f"i{i:02d}" for i in range(1, 37)]
METHODS = ("cli", "arrow", "spark", "dask", "duckdb")
COMPARE_ROWS = 65_536


def generate(rows: int, seed: int = 21) -> Path:
    """Write the benchmark file once (blocks of 500,000 rows; bounded memory)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    path = DATA / f"engines_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".tmp")
    invalid = pa.array(["8", "x", "2.5"])
    writer = None
    with tmp.open("wb") as stream:
        for start in range(0, rows, 500_000):
            n = min(500_000, rows - start)
            columns = {"id": pa.array(np.arange(start + 1, start + n + 1)).cast(pa.string())}
            for name in ITEMS:
                codes = pc.cast(pa.array(rng.integers(1, 8, size=n)), pa.string())
                draw = rng.random(n)
                bad = pa.array(draw < 0.001)
                odd = invalid.take(pa.array(rng.integers(0, 3, size=n)))
                text = pc.if_else(bad, odd, codes)
                empty = pa.array((draw >= 0.001) & (draw < 0.011))
                columns[name] = pc.if_else(empty, pa.nulls(n, pa.string()), text)
            table = pa.table(columns)
            if writer is None:
                options = pacsv.WriteOptions(quoting_style="none")
                writer = pacsv.CSVWriter(stream, table.schema, write_options=options)
            writer.write_table(table)
        assert writer is not None
        writer.close()
    tmp.rename(path)
    return path


# -- one process per method: each script prints {"work_s": ..., "rows": ...} last ----------

_ARROW = """
import json, sys, time
import pyarrow as pa, pyarrow.csv as pacsv, pyarrow.parquet as pq
import relscales
data, out, instrument = sys.argv[1:4]
start = time.perf_counter()
names = pacsv.open_csv(data).schema.names
convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
reader = pacsv.open_csv(data, convert_options=convert,
                        read_options=pacsv.ReadOptions(block_size=4 << 20))
scorer = relscales.ArrowScorer(instrument, input_schema=reader.schema)
rows = 0
with pq.ParquetWriter(out, scorer.schema) as writer:
    for batch in reader:
        scored = scorer.score_batch(batch)
        rows += scored.num_rows
        writer.write_batch(scored)
print(json.dumps({"work_s": time.perf_counter() - start, "rows": rows,
                  "problems": scorer.problem_count}))
"""

_SPARK_SESSION = """
import json, os, sys, time, warnings
warnings.simplefilter("ignore")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
from pyspark.sql import SparkSession
data, out, instrument, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
size = os.path.getsize(data)
spark = (SparkSession.builder.master("local[2]").appName("relscales-bench")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
         .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.driver.memory", "2g")
         .config("spark.sql.files.maxPartitionBytes", str(-(-size // partitions) + 1))
         .config("spark.sql.files.openCostInBytes", "0")
         .config("spark.sql.execution.arrow.maxRecordsPerBatch", "65536")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
"""
"""A local SparkSession reading ``partitions`` input partitions (the start of each Spark script)."""

_SPARK = (
    _SPARK_SESSION
    + """
from relscales.engines.spark import score_spark
start = time.perf_counter()
df = spark.read.csv(data, header=True)
parts = df.rdd.getNumPartitions()
score_spark(df, instrument).write.mode("overwrite").parquet(out)
work = time.perf_counter() - start
rows = spark.read.parquet(out).count()
spark.stop()
print(json.dumps({"work_s": work, "rows": rows, "partitions": parts}))
"""
)

_DASK = """
import json, os, sys, time
import dask, dask.dataframe as dd
from relscales.engines.dask import score_dask
data, out, instrument, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
start = time.perf_counter()
size = os.path.getsize(data)
ddf = dd.read_csv(data, dtype=str, keep_default_na=False, blocksize=-(-size // partitions) + 1)
with dask.config.set(scheduler="threads"):
    score_dask(ddf, instrument).to_parquet(out, write_index=False, overwrite=True)
work = time.perf_counter() - start
print(json.dumps({"work_s": work, "rows": None, "partitions": ddf.npartitions}))
"""

_DUCKDB = """
import json, sys, time
import duckdb
from relscales.engines.duckdb import score_duckdb
data, out, instrument = sys.argv[1:4]
start = time.perf_counter()
con = duckdb.connect()
relation = con.read_csv(data, all_varchar=True)
score_duckdb(relation, instrument, con=con).write_parquet(out)
work = time.perf_counter() - start
print(json.dumps({"work_s": work, "rows": None}))
"""


_SPARK_ANALYZE = (
    _SPARK_SESSION
    + """
from relscales.engines.spark import analyze_spark
start = time.perf_counter()
df = spark.read.csv(data, header=True)
parts = df.rdd.getNumPartitions()
result = analyze_spark(df, instrument)
work = time.perf_counter() - start
spark.stop()
with open(out, "w") as fh:
    json.dump(result.to_dict(), fh, default=float)
print(json.dumps({"work_s": work, "partitions": parts}))
"""
)


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every number (or other leaf) of a JSON document, by its path."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{path}/{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _leaves(inner, f"{path}/{i}")
    else:
        yield path, value


def compare_analysis(found: Path, expected: Path) -> tuple[float, int, list[str]]:
    """Largest absolute difference of the subscales' numbers; leaves compared; mismatches."""
    a = dict(_leaves(json.loads(found.read_text())["subscales"]))
    b = dict(_leaves(json.loads(expected.read_text())["subscales"]))
    worst, odd = 0.0, []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if isinstance(x, float) and isinstance(y, float):
            if math.isnan(x) and math.isnan(y):
                continue
            worst = max(worst, abs(x - y))
        elif x != y:
            odd.append(key)
    return worst, len(b), odd


def _run(cmd: list[str]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return wall, (json.loads(lines[-1]) if lines else {})


def run_method(name: str, data: Path, out: Path, partitions: int) -> tuple[float, dict[str, Any]]:
    """Run one method in its own process; return its wall time and what it reported."""
    python = sys.executable
    if out.is_dir():
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    if name == "cli":
        relscales = shutil.which("relscales") or "relscales"
        return _run([relscales, "score", str(data), "-i", str(INSTRUMENT), "-o", str(out)])
    script = {"arrow": _ARROW, "spark": _SPARK, "dask": _DASK, "duckdb": _DUCKDB}[name]
    cmd = [python, "-c", script, str(data), str(out), str(INSTRUMENT)]
    if name in ("spark", "dask"):
        cmd.append(str(partitions))
    return _run(cmd)


# -- comparing two outputs in bounded memory ----------------------------------------------


def _parts(path: Path) -> list[Path]:
    """A Parquet file, or the part files of a folder in partition order."""
    if path.is_file():
        return [path]

    def number(part: Path) -> tuple[int, str]:
        found = re.search(r"part[.-](\d+)", part.name)
        return (int(found.group(1)) if found else -1, part.name)

    return sorted(path.glob("*.parquet"), key=number)


def _batches(path: Path, columns: list[str]) -> Iterator[Any]:
    import pyarrow.parquet as pq

    for part in _parts(path):
        yield from pq.ParquetFile(part).iter_batches(batch_size=COMPARE_ROWS, columns=columns)


def _rechunked(batches: Iterator[Any], size: int) -> Iterator[Any]:
    """The same rows in tables of exactly ``size`` rows (the last may be shorter)."""
    import pyarrow as pa

    held: list[Any] = []
    count = 0
    for batch in batches:
        held.append(batch)
        count += batch.num_rows
        while count >= size:
            table = pa.Table.from_batches(held).combine_chunks()
            yield table.slice(0, size)
            rest = table.slice(size)
            held, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(held).combine_chunks()


def compare(found: Path, expected: Path) -> tuple[bool, str, int]:
    """Compare two outputs column by column, batch by batch; return (same, why, rows)."""
    import pyarrow.parquet as pq

    names = pq.read_schema(_parts(expected)[0]).names
    theirs = pq.read_schema(_parts(found)[0]).names
    if theirs != names:
        return False, f"columns differ: {theirs[:5]} ... != {names[:5]} ...", 0
    rows = 0
    pairs = zip(
        _rechunked(_batches(found, names), COMPARE_ROWS),
        _rechunked(_batches(expected, names), COMPARE_ROWS),
        strict=False,
    )
    for left, right in pairs:
        if left.num_rows != right.num_rows:
            return False, f"row counts differ after row {rows}", rows
        for name in names:
            a, b = left.column(name), right.column(name)
            if a.type != b.type:
                a = a.cast(b.type)
            if not a.equals(b):
                return False, f"column {name!r} differs in rows {rows + 1}-{rows + len(a)}", rows
        rows += left.num_rows
    total = sum(pq.ParquetFile(p).metadata.num_rows for p in _parts(expected))
    got = sum(pq.ParquetFile(p).metadata.num_rows for p in _parts(found))
    if rows != total or got != total:
        return False, f"rows: {got} scored, {total} expected, {rows} compared", rows
    return True, "identical", rows


# -- the two modes -------------------------------------------------------------------------


def throughput(args: argparse.Namespace) -> int:
    data = generate(args.rows)
    methods = [m for m in args.only.split(",") if m] if args.only else list(METHODS)
    outputs = {
        name: DATA / (f"engines_out_{name}" + ("" if name in ("spark", "dask") else ".parquet"))
        for name in METHODS
    }
    results: dict[str, Any] = {"rows": args.rows, "bytes": data.stat().st_size}
    table: dict[str, dict[str, Any]] = {}
    for name in ["cli", *[m for m in methods if m != "cli"]]:
        walls, works = [], []
        report: dict[str, Any] = {}
        for _ in range(args.repeat):
            wall, report = run_method(name, data, outputs[name], args.partitions)
            walls.append(wall)
            works.append(report.get("work_s", wall))
        wall, work = min(walls), min(works)
        row: dict[str, Any] = {
            "wall_s": round(wall, 3),
            "work_s": round(work, 3),
            "rows_per_s_wall": round(args.rows / wall),
            "rows_per_s_work": round(args.rows / work),
        }
        if "partitions" in report:
            row["partitions"] = report["partitions"]
        if name != "cli":
            same, why, _ = compare(outputs[name], outputs["cli"])
            row["identical_to_cli"] = same
            if not same:
                row["difference"] = why
        table[name] = row
        print(f"{name:7s} {json.dumps(row)}", file=sys.stderr)
    cli_wall = table["cli"]["wall_s"]
    for row in table.values():
        row["wall_ratio_to_cli"] = round(row["wall_s"] / cli_wall, 2)
    results["methods"] = table
    print(json.dumps(results, indent=2))
    return 0 if all(r.get("identical_to_cli", True) for r in table.values()) else 1


def proof(args: argparse.Namespace) -> int:
    rows = args.rows
    data = generate(rows)
    spark_out = DATA / f"proof_spark_{rows}"
    cli_out = DATA / f"proof_cli_{rows}.parquet"
    spark_wall, report = run_method("spark", data, spark_out, args.partitions)
    if report.get("partitions") != args.partitions:
        print(f"warning: Spark read {report.get('partitions')} partitions", file=sys.stderr)
    cli_wall, _ = run_method("cli", data, cli_out, args.partitions)
    start = time.perf_counter()
    same, why, compared = compare(spark_out, cli_out)
    compare_s = time.perf_counter() - start
    spark_json = DATA / f"proof_spark_analysis_{rows}.json"
    cli_json = DATA / f"proof_cli_analysis_{rows}.json"
    analyze_wall, analyze_report = _run(
        [
            sys.executable,
            "-c",
            _SPARK_ANALYZE,
            str(data),
            str(spark_json),
            str(INSTRUMENT),
            str(args.partitions),
        ]
    )
    relscales = shutil.which("relscales") or "relscales"
    cli_analyze_wall, _ = _run(
        [
            relscales,
            "analyze",
            str(data),
            "-i",
            str(INSTRUMENT),
            "--no-quality",
            "-o",
            str(cli_json),
        ]
    )
    worst, leaves, odd = compare_analysis(spark_json, cli_json)
    result = {
        "rows": rows,
        "bytes": data.stat().st_size,
        "analysis_partitions": analyze_report.get("partitions"),
        "spark_analyze_wall_s": round(analyze_wall, 1),
        "cli_analyze_wall_s": round(cli_analyze_wall, 1),
        "analysis_numbers_compared": leaves,
        "analysis_max_abs_difference": worst,
        "analysis_other_differences": odd,
        "partitions": report.get("partitions"),
        "spark_wall_s": round(spark_wall, 1),
        "spark_work_s": round(report.get("work_s", math.nan), 1),
        "cli_wall_s": round(cli_wall, 1),
        "compare_s": round(compare_s, 1),
        "rows_compared": compared,
        "identical": same,
        "detail": why,
        "spark_output_files": len(_parts(spark_out)),
    }
    print(json.dumps(result, indent=2))
    return 0 if same and worst <= 1e-12 and not odd else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated: " + ",".join(METHODS))
    parser.add_argument("--proof", action="store_true")
    args = parser.parse_args()
    if args.proof:
        args.rows = args.rows or 10_000_000
        args.partitions = args.partitions or 64
        raise SystemExit(proof(args))
    args.rows = args.rows or 1_000_000
    args.partitions = args.partitions or 8
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    raise SystemExit(throughput(args))


if __name__ == "__main__":
    main()

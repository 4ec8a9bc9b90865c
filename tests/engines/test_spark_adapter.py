"""relscales.engines.spark on a local SparkSession: the numbers of `relscales score`.

One session for the module (starting one takes seconds), two cores, little memory, no UI,
bound to 127.0.0.1. Skipped when Java or pyspark is missing, unless RELSCALES_REQUIRE_SPARK
is set (CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa  # noqa: TID253
import pyarrow.csv as pacsv  # noqa: TID253
import pytest
from enginecheck import (
    BATTERY,
    assert_same,
    assert_same_analysis,
    expected_table,
    problem_rows,
    write_responses,
)

import relscales

pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:py4j"),
]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"
OPTIONS = {"with_ci": True, "with_counts": True, "with_bands": True}


def _java() -> str | None:
    """The java pyspark would start: $JAVA_HOME/bin/java, else java on the PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        found = Path(home) / "bin" / "java"
        return str(found) if found.exists() else None
    return shutil.which("java")


def _unavailable(reason: str) -> None:
    if os.environ.get("RELSCALES_REQUIRE_SPARK"):  # CI: the Spark tests must run
        pytest.fail(f"{reason} (RELSCALES_REQUIRE_SPARK is set)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    if _java() is None:
        _unavailable("Java is not installed: apt-get install default-jre-headless")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _unavailable("pyspark is not installed: pip install 'relscales[spark]'")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("relscales-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", "512m")
        # quick to start: the tests are small, so the JIT's first tier and a serial GC do
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.adaptive.enabled", "false")
        # several partitions of a small file, and several Arrow batches in each
        .config("spark.sql.files.maxPartitionBytes", str(256 << 10))
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "700")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        _stop_java()


def _stop_java() -> None:
    """End the Java process pyspark started, rather than leave it for the rest of the run."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    if gateway is None:
        return
    gateway.shutdown()
    process = getattr(gateway, "proc", None)
    if process is not None:
        if process.stdin is not None:
            process.stdin.close()  # the gateway ends when its standard input closes
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    SparkContext._gateway = None
    SparkContext._jvm = None


@pytest.fixture(scope="module")
def responses(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_responses(tmp_path_factory.mktemp("spark") / "responses.csv")


def test_spark_scores_are_those_of_relscales_score(spark: object, responses: Path) -> None:
    from relscales.engines.spark import score_spark, spark_schema

    df = spark.read.csv(str(responses), header=True)  # type: ignore[attr-defined]
    assert df.rdd.getNumPartitions() >= 3
    scores = score_spark(df, BATTERY, **OPTIONS)
    scorer = relscales.ArrowScorer(BATTERY, input_schema=df.columns, **OPTIONS)
    assert scores.schema == spark_schema(scorer.schema)
    found = scores.toArrow()
    expected = relscales.score(BATTERY, responses, **OPTIONS)
    assert_same(found, expected_table(expected, scorer.schema))


def test_spark_numbers_rows_across_partitions_and_reads_numbers(spark: object) -> None:
    from relscales.engines.spark import score_spark

    table = pacsv.read_csv(EXAMPLE).drop_columns(["ResponseId"])  # items as numbers
    df = spark.createDataFrame(table.to_pandas())  # type: ignore[attr-defined]
    assert df.rdd.getNumPartitions() == 2
    found = score_spark(df, "ecr-r", with_ci=True).toArrow()
    expected = relscales.score("ecr-r", table, with_ci=True)
    scorer = relscales.ArrowScorer("ecr-r", input_schema=table.schema, with_ci=True)
    assert found.column("row").to_pylist() == list(range(1, 41))
    assert_same(found, expected_table(expected, scorer.schema))


def test_spark_problems_are_those_of_relscales_score(spark: object, responses: Path) -> None:
    from relscales.engines.spark import problems_spark

    df = spark.read.csv(str(responses), header=True)  # type: ignore[attr-defined]
    found = problems_spark(df, BATTERY).toArrow()
    assert found.schema == relscales.ArrowScorer.problem_schema()
    expected = relscales.score(BATTERY, responses)
    rows = sorted(found.to_pylist(), key=lambda d: (d["row"], d["column"]))
    assert rows == problem_rows(expected.problems)
    assert len(rows) == expected.problem_count > 1000


def test_spark_schema_maps_every_type_the_scorer_declares() -> None:
    pytest.importorskip("pyspark")
    from pyspark.sql import types

    from relscales.engines.spark import spark_schema

    schema = pa.schema(
        [("a", pa.string()), ("b", pa.float64()), ("c", pa.int64()), ("d", pa.bool_())]
    )
    assert [type(f.dataType) for f in spark_schema(schema).fields] == [
        types.StringType,
        types.DoubleType,
        types.LongType,
        types.BooleanType,
    ]
    with pytest.raises(TypeError, match="no Spark type"):
        spark_schema(pa.schema([("t", pa.date32())]))


def test_the_partition_functions_in_this_process() -> None:
    """What Spark's Python workers run, run here (no task: partition 0)."""
    pytest.importorskip("pyspark")
    from relscales.engines import spark as adapter

    table = pacsv.read_csv(EXAMPLE)
    scorer = relscales.ArrowScorer("ecr-r", input_schema=table.schema)
    batches = table.to_batches(max_chunksize=15)
    schema = pa.schema([("partition", pa.int64()), ("rows", pa.int64())])
    counted = list(adapter._count_rows(schema, iter(batches)))
    assert counted[0].to_pylist() == [{"partition": 0, "rows": 40}]
    scored = list(adapter._score_partition(scorer, [100], iter(batches)))
    assert pa.Table.from_batches(scored).equals(
        pa.Table.from_batches([scorer.copy().score_batch(table)])
    )
    problems = list(adapter._problem_partition(scorer, [100], iter(batches)))
    assert [b.column("row").to_pylist() for b in problems] == [[112]]
    numbered = relscales.ArrowScorer("ecr-r", input_schema=table.schema.names[1:])
    rows = list(
        adapter._score_partition(
            numbered, [100], iter(table.drop_columns(["ResponseId"]).to_batches())
        )
    )
    assert rows[0].column("row").to_pylist()[:2] == [101, 102]


@pytest.mark.parametrize(
    ("instrument", "options"),
    [("risi", {}), ("ecr-r", {"ci": "bootstrap", "n_boot": 50, "seed": 9})],
    ids=["risi-feldt", "ecr-r-bootstrap"],
)
def test_spark_analysis_merges_to_the_single_machine_result(
    spark: object, responses: Path, instrument: str, options: dict[str, object]
) -> None:
    from relscales.engines.spark import analyze_spark

    df = spark.read.csv(str(responses), header=True)  # type: ignore[attr-defined]
    assert df.rdd.getNumPartitions() > 1
    found = analyze_spark(df, instrument, **options)
    expected = relscales.analyze(instrument, responses, quality=False, **options)
    assert_same_analysis(found, expected)

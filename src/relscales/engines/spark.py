"""Spark: score a DataFrame with ``mapInArrow``, the numbers of ``relscales score``.

Runnable on one machine (Java 17 or later, ``pip install 'relscales[spark]'``)::

    from pyspark.sql import SparkSession
    from relscales.engines.spark import score_spark

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    df = spark.read.csv("examples/ecr-r-responses.csv", header=True)  # every column as text
    scores = score_spark(df, "ecr-r", with_ci=True)
    scores.show(3)
    scores.write.mode("overwrite").parquet("scores-spark/")

pyspark is imported inside the functions, never by the rest of relscales.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from relscales.deps import require
from relscales.pipeline.arrowscore import ArrowScorer
from relscales.pipeline.samplestats import AnalysisStatistics
from relscales.pipeline.score import InstrumentRef

if TYPE_CHECKING:
    from relscales.analysis_results import AnalysisResult

__all__ = ["analyze_spark", "problems_spark", "score_spark", "spark_schema"]

_SPARK_TYPES = {
    "string": "StringType",
    "double": "DoubleType",
    "int64": "LongType",
    "bool": "BooleanType",
    "binary": "BinaryType",
}


def score_spark(df: Any, instrument: InstrumentRef | list[InstrumentRef], **options: Any) -> Any:
    """Score a Spark DataFrame; return a DataFrame of scores, one row per input row.

    Parameters
    ----------
    df
        A ``pyspark.sql.DataFrame`` with the item columns (text or numbers) and, if any,
        the respondent id column; other columns are left out.
    instrument
        What :func:`relscales.score` takes: an id, a path, a list of these, ...
    **options
        The keywords of :class:`relscales.ArrowScorer` (``id_column``, ``with_ci``, ...).

    Returns
    -------
    pyspark.sql.DataFrame
        The columns of ``relscales score`` (:func:`spark_schema` of the scorer's schema),
        row for row in the order of ``df``'s partitions. Without an id column, rows are
        numbered across partitions, which costs one more pass over ``df`` to count them.
    """
    require("pyspark.sql", "spark")
    scorer = ArrowScorer(instrument, input_schema=list(df.columns), **options)
    selected = _selected(df, scorer)
    offsets = _offsets(selected) if scorer.numbers_rows else None
    work = functools.partial(_score_partition, scorer, offsets)
    return selected.mapInArrow(work, spark_schema(scorer.schema))


def problems_spark(df: Any, instrument: InstrumentRef | list[InstrumentRef], **options: Any) -> Any:
    """Return the invalid cells of ``df`` as a DataFrame (the columns of ``--problems``).

    A second pass over the data, which counts the rows of each partition first so that
    ``row`` is the row number in the whole DataFrame (from 1).
    """
    require("pyspark.sql", "spark")
    scorer = ArrowScorer(instrument, input_schema=list(df.columns), **options)
    selected = _selected(df, scorer)
    work = functools.partial(_problem_partition, scorer, _offsets(selected))
    return selected.mapInArrow(work, spark_schema(ArrowScorer.problem_schema()))


def analyze_spark(
    df: Any,
    instrument: InstrumentRef,
    *,
    ci: Literal["feldt", "bootstrap"] = "feldt",
    n_boot: int = 1000,
    seed: int | None = None,
    confidence_level: float = 0.95,
) -> AnalysisResult:
    """Analyse a Spark DataFrame: statistics per partition, merged on the driver.

    Each task accumulates :class:`relscales.AnalysisStatistics` over its partition's
    Arrow batches and returns them as bytes; the driver merges them. The result is what
    :func:`relscales.analyze` gives for the same rows with ``quality=False``, to the last
    bit (the bootstrap too: each partition's rows keep their position in the whole
    DataFrame, counted in one more pass). The careless-responding screen needs the whole
    sample twice and is not part of it.

    Parameters
    ----------
    df
        A ``pyspark.sql.DataFrame`` with the instrument's item columns.
    instrument
        An id, a path, or a loaded or compiled instrument.
    ci, n_boot, seed, confidence_level
        As for :func:`relscales.analyze`.
    """
    require("pyspark.sql", "spark")
    import pyarrow as pa

    stats = AnalysisStatistics(
        instrument, ci=ci, n_boot=n_boot, seed=seed, confidence_level=confidence_level
    )
    functions = require("pyspark.sql.functions", "spark")
    selected = df.select(*[functions.col(_quoted(c)) for c in stats.compiled.columns])
    offsets = _offsets(selected) if ci == "bootstrap" else None
    schema = pa.schema([("statistics", pa.binary())])
    work = functools.partial(_statistics_partition, stats, offsets, schema)
    for row in selected.mapInArrow(work, spark_schema(schema)).collect():
        stats.merge_bytes(bytes(row["statistics"]))
    return stats.result()


def spark_schema(schema: Any) -> Any:
    """Return the ``pyspark.sql.types.StructType`` of an Arrow schema of the scorer.

    Text is ``StringType``, numbers ``DoubleType``, counts ``LongType`` and flags
    ``BooleanType``; every field may be null.
    """
    types = require("pyspark.sql.types", "spark")
    fields = []
    for field in schema:
        name = _SPARK_TYPES.get(str(field.type))
        if name is None:
            raise TypeError(f"no Spark type for the Arrow type {field.type} of {field.name!r}")
        fields.append(types.StructField(field.name, getattr(types, name)(), True))
    return types.StructType(fields)


def _selected(df: Any, scorer: ArrowScorer) -> Any:
    """Only the columns the scorer reads (less data for Spark to hand to Python)."""
    functions = require("pyspark.sql.functions", "spark")
    return df.select(*[functions.col(_quoted(name)) for name in scorer.input_columns])


def _quoted(name: str) -> str:
    """Quote a column name so that Spark reads it literally (dots, backticks)."""
    return "`" + name.replace("`", "``") + "`"


def _partition() -> int:
    """Return the partition a task of ``mapInArrow`` works on (0 outside a task)."""
    context = require("pyspark", "spark").TaskContext.get()
    return 0 if context is None else int(context.partitionId())


def _offsets(df: Any) -> list[int]:
    """Return the first row of each partition in the whole DataFrame, counted from 0."""
    import pyarrow as pa

    schema = pa.schema([("partition", pa.int64()), ("rows", pa.int64())])
    counts = df.mapInArrow(functools.partial(_count_rows, schema), spark_schema(schema)).collect()
    sizes = [0] * (max((int(r["partition"]) for r in counts), default=-1) + 1)
    for r in counts:
        sizes[int(r["partition"])] += int(r["rows"])
    return [0, *itertools.accumulate(sizes)][:-1] if sizes else []


def _count_rows(schema: Any, batches: Iterator[Any]) -> Iterator[Any]:
    import pyarrow as pa

    rows = sum(batch.num_rows for batch in batches)
    yield pa.RecordBatch.from_pydict({"partition": [_partition()], "rows": [rows]}, schema=schema)


def _score_partition(
    scorer: ArrowScorer, offsets: list[int] | None, batches: Iterator[Any]
) -> Iterator[Any]:
    first = None if offsets is None else offsets[_partition()]
    yield from scorer.copy().map_batches(batches, first_row=first)


def _statistics_partition(
    empty: AnalysisStatistics, offsets: list[int] | None, schema: Any, batches: Iterator[Any]
) -> Iterator[Any]:
    import pyarrow as pa

    own = empty.empty_copy()
    first = 0 if offsets is None else offsets[_partition()]
    for batch in batches:
        own.update_data(batch, first_row=first + own.n_rows)
    yield pa.RecordBatch.from_pydict({"statistics": [own.to_bytes()]}, schema=schema)


def _problem_partition(
    scorer: ArrowScorer, offsets: list[int], batches: Iterator[Any]
) -> Iterator[Any]:
    own = scorer.copy()
    for _ in own.map_batches(batches, first_row=offsets[_partition()]):
        if own.last_problems:
            yield own.problem_batch()

"""Scoring inside Spark, Dask and DuckDB: thin adapters over :class:`relscales.ArrowScorer`.

Each adapter builds one :class:`~relscales.ArrowScorer` from the instrument and the
options (the keywords of ``ArrowScorer``), keeps only the columns it reads, and maps the
engine's Arrow batches through it, so every row gets the numbers ``relscales score``
gives it. ``score_*`` returns the engine's own table of scores; ``problems_*`` its
invalid cells (the columns of ``relscales score --problems``).

- :func:`~relscales.engines.spark.score_spark`: ``DataFrame.mapInArrow``
  (``pip install 'relscales[spark]'``, and Java 17 or later);
- :func:`~relscales.engines.dask.score_dask`: ``DataFrame.map_partitions``
  (``pip install 'relscales[dask]'``);
- :func:`~relscales.engines.duckdb.score_duckdb`: the relation's Arrow batches
  (``pip install 'relscales[duckdb]'``).

pyspark, dask and duckdb are imported inside the functions that use them; a missing one
raises :class:`relscales.MissingDependencyError` naming the extra to install. Nothing
else in relscales imports this package. See docs/engines.md.
"""

from __future__ import annotations

from relscales.engines.dask import problems_dask, score_dask
from relscales.engines.duckdb import problems_duckdb, score_duckdb
from relscales.engines.spark import problems_spark, score_spark, spark_schema

__all__ = [
    "problems_dask",
    "problems_duckdb",
    "problems_spark",
    "score_dask",
    "score_duckdb",
    "score_spark",
    "spark_schema",
]

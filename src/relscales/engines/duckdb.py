"""DuckDB: score a relation or a query as a stream of Arrow batches.

Runnable on one machine (``pip install 'relscales[duckdb]'``)::

    import duckdb
    from relscales.engines.duckdb import score_duckdb

    con = duckdb.connect()
    rel = con.read_csv("examples/ecr-r-responses.csv", all_varchar=True)  # every column as text
    scores = score_duckdb(rel, "ecr-r", con=con, with_ci=True)
    scores.write_parquet("scores.parquet")  # or .create("scores"), .to_arrow_table(), .df()

The input is read batch by batch when the result is read, so memory stays bounded; the
result can be read once (a stream), so keep it with ``.create(name)`` to query it again.
duckdb is imported inside the functions, never by the rest of relscales.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from relscales.deps import require
from relscales.io.tabular import BATCH_ROWS
from relscales.pipeline.arrowscore import ArrowScorer
from relscales.pipeline.samplestats import AnalysisStatistics
from relscales.pipeline.score import InstrumentRef

if TYPE_CHECKING:
    from relscales.analysis_results import AnalysisResult

__all__ = ["analyze_duckdb", "problems_duckdb", "score_duckdb"]


def score_duckdb(
    relation_or_sql: Any,
    instrument: InstrumentRef | list[InstrumentRef],
    con: Any = None,
    *,
    batch_rows: int = BATCH_ROWS,
    **options: Any,
) -> Any:
    """Score a DuckDB relation (or the result of a query); return a relation of scores.

    Parameters
    ----------
    relation_or_sql
        A ``duckdb.DuckDBPyRelation``, or a query run on ``con``. Item columns may be
        text or numbers; columns other than the id and the items are left out.
    instrument
        What :func:`relscales.score` takes: an id, a path, a list of these, ...
    con
        The connection the result belongs to (default: DuckDB's default connection). The
        result is read through a cursor of it, so ``con`` stays free for other queries.
    batch_rows
        Rows per Arrow batch handed to the scorer.
    **options
        The keywords of :class:`relscales.ArrowScorer` (``id_column``, ``with_ci``, ...).

    Returns
    -------
    duckdb.DuckDBPyRelation
        The columns of ``relscales score``, row for row in the input's order, read once.
    """
    relation, con = _relation(relation_or_sql, con)
    scorer = ArrowScorer(instrument, input_schema=list(relation.columns), **options)
    selected = _selected(relation, scorer)
    batches = _scored(scorer.copy(), selected, batch_rows)
    return _result(con, scorer.schema, batches)


def problems_duckdb(
    relation_or_sql: Any,
    instrument: InstrumentRef | list[InstrumentRef],
    con: Any = None,
    *,
    batch_rows: int = BATCH_ROWS,
    **options: Any,
) -> Any:
    """Return the invalid cells of a relation as a relation (the columns of ``--problems``)."""
    relation, con = _relation(relation_or_sql, con)
    scorer = ArrowScorer(instrument, input_schema=list(relation.columns), **options)
    selected = _selected(relation, scorer)
    return _result(
        con, ArrowScorer.problem_schema(), _problems(scorer.copy(), selected, batch_rows)
    )


def analyze_duckdb(
    relation_or_sql: Any,
    instrument: InstrumentRef,
    con: Any = None,
    *,
    batch_rows: int = BATCH_ROWS,
    ci: Literal["feldt", "bootstrap"] = "feldt",
    n_boot: int = 1000,
    seed: int | None = None,
    confidence_level: float = 0.95,
) -> AnalysisResult:
    """Analyse a DuckDB relation (or a query's result) batch by batch, in bounded memory.

    The relation's Arrow batches feed :class:`relscales.AnalysisStatistics`; the result is
    what :func:`relscales.analyze` gives for the same rows with ``quality=False``, to the
    last bit. ``ci``, ``n_boot``, ``seed`` and ``confidence_level`` as for
    :func:`relscales.analyze`.
    """
    relation, con = _relation(relation_or_sql, con)
    stats = AnalysisStatistics(
        instrument, ci=ci, n_boot=n_boot, seed=seed, confidence_level=confidence_level
    )
    selected = relation.project(", ".join(_quoted(c) for c in stats.compiled.columns))
    for batch in _reader(selected, batch_rows):
        stats.update_data(batch)
    return stats.result()


def _relation(relation_or_sql: Any, con: Any) -> tuple[Any, Any]:
    duckdb = require("duckdb", "duckdb")
    if con is None:
        default = duckdb.default_connection
        con = default() if callable(default) else default
    if isinstance(relation_or_sql, str):
        return con.sql(relation_or_sql), con
    return relation_or_sql, con


def _selected(relation: Any, scorer: ArrowScorer) -> Any:
    """Only the columns the scorer reads."""
    return relation.project(", ".join(_quoted(name) for name in scorer.input_columns))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reader(relation: Any, batch_rows: int) -> Any:
    """Return the relation's rows as a ``pyarrow.RecordBatchReader`` (DuckDB 1.0 on)."""
    for method in ("to_arrow_reader", "fetch_arrow_reader", "fetch_record_batch"):
        read = getattr(relation, method, None)
        if read is not None:
            return read(batch_rows)
    return relation.record_batch(batch_rows)  # pragma: no cover - DuckDB before 1.0


def _scored(scorer: ArrowScorer, relation: Any, batch_rows: int) -> Iterator[Any]:
    """Score the relation's batches; the query starts when the first batch is wanted."""
    yield from scorer.map_batches(_reader(relation, batch_rows))


def _problems(scorer: ArrowScorer, relation: Any, batch_rows: int) -> Iterator[Any]:
    for _ in scorer.map_batches(_reader(relation, batch_rows)):
        if scorer.last_problems:
            yield scorer.problem_batch()


def _result(con: Any, schema: Any, batches: Iterator[Any]) -> Any:
    """Return a relation over a stream of batches, on a cursor of ``con``.

    The input query holds its connection's result open while it streams; the result is
    read on a cursor (another connection to the same database), so the two do not meet.
    """
    import pyarrow as pa

    reader = pa.RecordBatchReader.from_batches(schema, batches)
    return con.cursor().from_arrow(reader)

"""Dask: score a DataFrame partition by partition, the numbers of ``relscales score``.

Runnable on one machine (``pip install 'relscales[dask]'``)::

    import dask.dataframe as dd
    from relscales.engines.dask import score_dask

    # every column as text, blanks as empty text: the reading rules of relscales apply
    ddf = dd.read_csv("examples/ecr-r-responses.csv", dtype=str, keep_default_na=False)
    scores = score_dask(ddf, "ecr-r", with_ci=True)
    scores.head()
    scores.to_parquet("scores-dask/", write_index=False)

dask and pandas are imported inside the functions, never by the rest of relscales.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Literal

from relscales.deps import require
from relscales.io.tabular import BATCH_ROWS
from relscales.pipeline.arrowscore import ArrowScorer
from relscales.pipeline.samplestats import AnalysisStatistics
from relscales.pipeline.score import InstrumentRef

if TYPE_CHECKING:
    from relscales.analysis_results import AnalysisResult

__all__ = ["analyze_dask", "problems_dask", "score_dask"]


def score_dask(ddf: Any, instrument: InstrumentRef | list[InstrumentRef], **options: Any) -> Any:
    """Score a Dask DataFrame; return a Dask DataFrame of scores, one row per input row.

    Parameters
    ----------
    ddf
        A ``dask.dataframe.DataFrame`` with the item columns (text or numbers) and, if
        any, the respondent id column; other columns are left out.
    instrument
        What :func:`relscales.score` takes: an id, a path, a list of these, ...
    **options
        The keywords of :class:`relscales.ArrowScorer` (``id_column``, ``with_ci``, ...).

    Returns
    -------
    dask.dataframe.DataFrame
        The columns of ``relscales score`` with pandas' Arrow dtypes (``double[pyarrow]``,
        ``int64[pyarrow]``, ``bool[pyarrow]``, ``string[pyarrow]``), so that every
        partition has the same dtypes and missing values stay missing (``<NA>``). Each
        partition's index starts at 0. Without an id column, rows are numbered across
        partitions, which costs one more pass over ``ddf`` to count them.
    """
    require("dask.dataframe", "dask")
    scorer = ArrowScorer(instrument, input_schema=[str(c) for c in ddf.columns], **options)
    selected = ddf[scorer.input_columns]
    offsets = _offsets(selected) if scorer.numbers_rows else None
    return selected.map_partitions(
        _score_partition, scorer, offsets, meta=_frame(scorer.schema.empty_table())
    )


def problems_dask(ddf: Any, instrument: InstrumentRef | list[InstrumentRef], **options: Any) -> Any:
    """Return the invalid cells of ``ddf`` as a Dask DataFrame (the columns of ``--problems``).

    Counts the rows of each partition first, so that ``row`` is the row number in the
    whole DataFrame (from 1).
    """
    require("dask.dataframe", "dask")
    scorer = ArrowScorer(instrument, input_schema=[str(c) for c in ddf.columns], **options)
    selected = ddf[scorer.input_columns]
    return selected.map_partitions(
        _problem_partition,
        scorer,
        _offsets(selected),
        meta=_frame(ArrowScorer.problem_schema().empty_table()),
    )


def analyze_dask(
    ddf: Any,
    instrument: InstrumentRef,
    *,
    ci: Literal["feldt", "bootstrap"] = "feldt",
    n_boot: int = 1000,
    seed: int | None = None,
    confidence_level: float = 0.95,
) -> AnalysisResult:
    """Analyse a Dask DataFrame: statistics per partition, merged where it is computed.

    Each partition's :class:`relscales.AnalysisStatistics` are computed as a task and
    returned as bytes; they are merged into what :func:`relscales.analyze` gives for the
    same rows with ``quality=False``, to the last bit (for the bootstrap, each
    partition's rows keep their position, counted in one more pass). The
    careless-responding screen is not part of it.

    Parameters
    ----------
    ddf
        A ``dask.dataframe.DataFrame`` with the instrument's item columns.
    instrument
        An id, a path, or a loaded or compiled instrument.
    ci, n_boot, seed, confidence_level
        As for :func:`relscales.analyze`.
    """
    dask = require("dask", "dask")
    require("dask.dataframe", "dask")
    stats = AnalysisStatistics(
        instrument, ci=ci, n_boot=n_boot, seed=seed, confidence_level=confidence_level
    )
    selected = ddf[list(stats.compiled.columns)]
    offsets = _offsets(selected) if ci == "bootstrap" else None
    tasks = [
        dask.delayed(_statistics_partition)(part, stats, 0 if offsets is None else offsets[i])
        for i, part in enumerate(selected.to_delayed())
    ]
    for data in dask.compute(*tasks):
        stats.merge_bytes(data)
    return stats.result()


def _statistics_partition(frame: Any, empty: AnalysisStatistics, first: int) -> bytes:
    own = empty.empty_copy()
    own.update_data(_table(frame), first_row=first)
    return own.to_bytes()


def _offsets(ddf: Any) -> list[int]:
    """Return the first row of each partition in the whole DataFrame, counted from 0."""
    sizes = [int(n) for n in ddf.map_partitions(len).compute()]
    return [0, *itertools.accumulate(sizes)][:-1]


def _frame(table: Any) -> Any:
    """Return an Arrow table as pandas, with Arrow dtypes (the same in every partition)."""
    pd = require("pandas", "dask")
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _table(frame: Any) -> Any:
    """Return a pandas partition as Arrow, read as :func:`relscales.score` reads one."""
    from relscales.io.sources import open_source

    return open_source(frame).table


def _score_partition(
    frame: Any,
    scorer: ArrowScorer,
    offsets: list[int] | None,
    partition_info: dict[str, Any] | None = None,
) -> Any:
    import pyarrow as pa

    first = None if offsets is None else offsets[_number(partition_info)]
    batches = _table(frame).to_batches(max_chunksize=BATCH_ROWS)
    scored = scorer.copy().map_batches(batches, first_row=first)
    return _frame(pa.Table.from_batches(list(scored), schema=scorer.schema))


def _problem_partition(
    frame: Any,
    scorer: ArrowScorer,
    offsets: list[int],
    partition_info: dict[str, Any] | None = None,
) -> Any:
    import pyarrow as pa

    own = scorer.copy()
    batches = _table(frame).to_batches(max_chunksize=BATCH_ROWS)
    found = [
        own.problem_batch()
        for _ in own.map_batches(batches, first_row=offsets[_number(partition_info)])
    ]
    return _frame(pa.Table.from_batches(found, schema=ArrowScorer.problem_schema()))


def _number(partition_info: dict[str, Any] | None) -> int:
    """Return the partition's number, which Dask passes to a function that asks for it."""
    return int(partition_info["number"]) if partition_info else 0

"""Scoring Arrow record batches: build once, then map batches to batches.

:class:`ArrowScorer` is the engine-neutral door for Spark, Dask, DuckDB and any other
system that hands data over as Arrow record batches (:mod:`relscales.engines` has thin
adapters). It is built once from instruments and options, declares its output schema
before it sees any data, and turns each batch into a batch of the same rows, in the same
order, with the columns and values ``relscales score`` writes for those rows: the same
:class:`~relscales.pipeline.run.ScoringRun` checks, the same decoding of every cell
(invalid cells become missing and are recorded as problems) and the same scorer
(:class:`~relscales.scoring.batch.BatchScorer`).

What needs the whole sample is refused: the careless-responding screen (``quality``,
``exclude_careless``) compares every respondent with the others.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from relscales._arrow import cast, float_array, int_array
from relscales.errors import DataError, Issue, Location, RelscalesError, ScoringError
from relscales.io.tabular import Source
from relscales.pipeline.run import ScoringRun
from relscales.pipeline.score import InstrumentRef, in_python_terms, python_issues, resolve_refs
from relscales.problems import PROBLEM_FIELDS, Problem, ProblemLog
from relscales.scoring.batch import BatchScorer
from relscales.scoring.compile import CompiledBattery, CompiledInstrument
from relscales.scoring.options import ScoreOptions

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ARROW_DATA", "ArrowScorer"]

ARROW_DATA = "<arrow>"
"""The name of the data in messages and metadata."""

_OPTION_NAMES = tuple(f.name for f in dataclasses.fields(ScoreOptions))


class ArrowScorer:
    """Score Arrow record batches with the numbers of ``relscales score``.

    Build it once; :meth:`score_batch` then turns each ``pyarrow.RecordBatch`` (or
    ``Table``) into a record batch of :attr:`schema`: the rows in input order, with the
    columns and values ``relscales score`` writes for those rows (the id column, the
    scores, readings and the optional columns). Cells that are not valid answers become
    missing and are recorded (:attr:`last_problems`, :attr:`problems`), never read as
    numbers. Batches may hold other columns, and items as text or numbers.

    Parameters
    ----------
    instrument
        A bundled id, a YAML path, an :class:`~relscales.Instrument`, a
        :class:`~relscales.CompiledInstrument`, a battery id or path, or a list of
        these: what :func:`relscales.score` takes. Loaded and compiled here, once.
    options
        A :class:`~relscales.ScoreOptions`; keywords override its fields.
    input_schema
        The columns of the batches to come (a ``pyarrow.Schema`` or a list of names),
        when known: the respondent id column is then found as ``relscales score`` finds
        it, and missing item columns are reported now. Without it (and without
        ``id_column``) rows are numbered, and a batch holding a column that
        ``relscales score`` would take as the id is refused rather than scored otherwise.
    instruments_dir
        Extra folders to search for instrument ids.
    decimal_comma
        Read text cells such as ``4,5`` as numbers, as ``relscales score`` does for files
        delimited by semicolons.
    **keywords
        Fields of :class:`~relscales.ScoreOptions`: ``id_column``, ``column_map``,
        ``with_ci``, ``with_norms``, ``with_counts``, ``with_bands``,
        ``confidence_level``, ``norm_group``, ``reliability``, ``problem_limit``,
        ``details`` (each respondent's details as further columns after the scores).
        ``quality`` and ``exclude_careless`` are refused: the screen needs the whole
        sample.

    Raises
    ------
    SpecError, DataError, ScoringError
        As :func:`relscales.score`: an invalid instrument, an id or item column missing
        from ``input_schema``, an option it cannot use.

    Notes
    -----
    An ``ArrowScorer`` pickles (Spark and Dask ship it to their workers) as its compiled
    instruments and options; the copy starts with no rows and no problems. One object
    scores one batch at a time (a lock guards it); :meth:`copy` gives another with the
    same definition. Row numbers (the ``row`` column when there is no id column, and the
    ``row`` of each problem) continue from batch to batch, from 1 for the first row this
    object scores, unless ``first_row`` says where a batch starts in the whole data.

    Examples
    --------
    >>> import pyarrow as pa
    >>> items = {f"rses{i:02d}": [3, 0] for i in range(1, 11)}
    >>> scorer = ArrowScorer("rses", input_schema=["id", *items])
    >>> scorer.schema.names
    ['id', 'self_esteem']
    >>> batch = pa.record_batch({"id": ["a", "b"], **items})
    >>> scorer.score_batch(batch).column("self_esteem").to_pylist()
    [15.0, 15.0]
    """

    def __init__(
        self,
        instrument: InstrumentRef | Sequence[InstrumentRef],
        options: ScoreOptions | None = None,
        *,
        input_schema: Any = None,
        instruments_dir: Sequence[str | os.PathLike[str]] = (),
        decimal_comma: bool = False,
        **keywords: Any,
    ) -> None:
        unknown = sorted(set(keywords) - set(_OPTION_NAMES))
        if unknown:
            raise TypeError(
                f"ArrowScorer() got unexpected keyword argument(s): {', '.join(unknown)} "
                f"(scoring options: {', '.join(_OPTION_NAMES)})"
            )
        options = dataclasses.replace(options or ScoreOptions(), **keywords)
        options = dataclasses.replace(
            options, column_map=dict(options.column_map), reliability=dict(options.reliability)
        )
        if options.quality or options.exclude_careless:
            raise ScoringError(_whole_sample_issue(options))
        refs: list[InstrumentRef] = (
            list(instrument) if isinstance(instrument, list | tuple) else [instrument]  # type: ignore[list-item]
        )
        try:
            compiled, battery = resolve_refs(refs, instruments_dir)
        except RelscalesError as exc:
            raise in_python_terms(exc) from None
        self._compiled: tuple[CompiledInstrument, ...] = tuple(compiled)
        self._battery: CompiledBattery | None = battery
        self._options = options
        self._input_names: tuple[str, ...] | None = (
            None if input_schema is None else _names(input_schema)
        )
        self._decimal_comma = decimal_comma
        self._reset()
        run = self._run_now()
        self._schema = _output_schema(run, decimal_comma)

    # -- the definition, pickled; the running state, rebuilt ---------------------------

    def _reset(self) -> None:
        self._run: ScoringRun | None = None
        self._lock = threading.Lock()
        self._checked: set[tuple[str, ...]] = set()
        self._problems = ProblemLog(limit=self._options.problem_limit)
        self._last_problems: tuple[Problem, ...] = ()
        self._rows = 0
        self._next_row = 0

    def __getstate__(self) -> dict[str, Any]:
        return {
            "compiled": self._compiled,
            "battery": self._battery,
            "options": self._options,
            "input_names": self._input_names,
            "decimal_comma": self._decimal_comma,
            "schema": self._schema,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._compiled = state["compiled"]
        self._battery = state["battery"]
        self._options = state["options"]
        self._input_names = state["input_names"]
        self._decimal_comma = state["decimal_comma"]
        self._schema = state["schema"]
        self._reset()

    def __repr__(self) -> str:
        names = ", ".join(f"{c.id} {c.instrument.version}" for c in self._compiled)
        if self._battery is not None:
            names = f"{self._battery.battery.id} ({names})" if names else self._battery.battery.id
        found = self._problems.total
        return (
            f"<ArrowScorer: {names}; {len(self._schema)} columns; {self._rows} rows scored, "
            f"{found} problem{'s' * (found != 1)}>"
        )

    def copy(self) -> ArrowScorer:
        """Return a scorer with the same definition, no rows and no problems yet."""
        other = ArrowScorer.__new__(ArrowScorer)
        other.__setstate__(self.__getstate__())
        return other

    def _run_now(self) -> ScoringRun:
        """Return the scoring run, built on first use (after unpickling, on the worker)."""
        if self._run is None:
            header = self._input_names if self._input_names is not None else self._read_columns()
            try:
                run = ScoringRun(
                    list(self._compiled), Source(ARROW_DATA, header), self._options, self._battery
                )
            except RelscalesError as exc:
                raise in_python_terms(exc) from None
            run.scorer.decimal_comma = self._decimal_comma
            self._run = run
            self._checked.add(header)
        return self._run

    def _read_columns(self) -> tuple[str, ...]:
        """Return the columns read when the input's are not known: the id, then the items."""
        options = self._options
        by_item = {item: column for column, item in options.column_map.items()}
        members = list(self._compiled)
        if self._battery is not None:
            battery = self._battery.members
            members = [*battery, *[c for c in members if all(c is not m for m in battery)]]
        names = [options.id_column] if options.id_column else []
        for comp in members:
            names += [c for c in comp.with_columns(by_item).columns if c not in names]
        return tuple(names)

    # -- what it declares ------------------------------------------------------------------

    @property
    def schema(self) -> pa.Schema:
        """The output schema: every batch :meth:`score_batch` returns has it."""
        return self._schema

    @property
    def output_columns(self) -> list[str]:
        """The output column names, in order (:attr:`schema`'s names)."""
        return list(self._schema.names)

    @property
    def id_column(self) -> str:
        """The output's first column: the data's respondent id column, or ``row``."""
        return self._run_now().id_column or "row"

    @property
    def numbers_rows(self) -> bool:
        """Whether respondents are numbered by row (no id column): ``row`` comes first."""
        return self._run_now().id_column is None

    @property
    def input_columns(self) -> list[str]:
        """The input columns read: the id column (if any), then every item column once."""
        return self._run_now().needed_columns()

    @property
    def options(self) -> ScoreOptions:
        """The scoring options."""
        return self._options

    @property
    def compiled(self) -> tuple[CompiledInstrument, ...]:
        """The compiled instruments (a battery's members first)."""
        return tuple(self._run_now().compiled)

    # -- what it found ----------------------------------------------------------------------

    @property
    def rows(self) -> int:
        """Rows scored by this object so far."""
        return self._rows

    @property
    def last_problems(self) -> tuple[Problem, ...]:
        """The invalid cells of the last batch scored, every one, in row order per item."""
        return self._last_problems

    @property
    def problems(self) -> list[Problem]:
        """The invalid cells of every batch scored so far (up to ``problem_limit``)."""
        return list(self._problems.records)

    @property
    def problem_count(self) -> int:
        """The number of invalid cells found so far, all of them."""
        return self._problems.total

    def warnings(self) -> list[Issue]:
        """Warnings about the options and the rows scored so far (a narrow scale range)."""
        return list(python_issues(self._run_now().warnings()))

    def metadata(self) -> dict[str, Any]:
        """Versions, instruments with content hashes, options, columns, problem counts.

        The content of ``relscales score``'s sidecar, for the rows this object scored.
        """
        run = self._run_now()
        scorer = run.scorer
        kept = scorer.problems
        scorer.problems = self._problems
        try:
            data = run.metadata()
        finally:
            scorer.problems = kept
        data["n_rows"] = self._rows
        data["columns"] = self.output_columns
        return data

    # -- scoring ---------------------------------------------------------------------------

    def score_batch(self, batch: Any, *, first_row: int | None = None) -> pa.RecordBatch:
        """Score one batch: a record batch of :attr:`schema`, one row per input row.

        Parameters
        ----------
        batch
            A ``pyarrow.RecordBatch`` or ``pyarrow.Table``.
        first_row
            Where the batch starts in the whole data, counted from 0: the rows are then
            numbered from ``first_row + 1``. Default: right after the rows this object
            scored before.

        Raises
        ------
        DataError
            When the batch lacks an item or the id column, has a needed column twice, or
            holds a column ``relscales score`` would take as the id while this scorer
            numbers rows.
        """
        with self._lock:
            try:
                return self._score(batch, first_row)
            except RelscalesError as exc:
                raise in_python_terms(exc) from None

    def __call__(self, batch: Any, *, first_row: int | None = None) -> pa.RecordBatch:
        """Score one batch (:meth:`score_batch`)."""
        return self.score_batch(batch, first_row=first_row)

    def map_batches(
        self, batches: Iterable[Any], *, first_row: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Score batches one after the other, numbering rows on from ``first_row``."""
        for i, batch in enumerate(batches):
            yield self.score_batch(batch, first_row=first_row if i == 0 else None)

    def _score(self, batch: Any, first_row: int | None) -> pa.RecordBatch:
        import pyarrow as pa

        run = self._run_now()
        if not isinstance(batch, pa.RecordBatch | pa.Table):
            raise DataError(
                Issue(
                    "unsupported-format",
                    f"an ArrowScorer scores pyarrow RecordBatches and Tables, not "
                    f"{type(batch).__name__}",
                    Location(file=ARROW_DATA),
                    hint="convert the data first, for example pyarrow.Table.from_pandas(df)",
                )
            )
        self._check(tuple(batch.schema.names))
        n = batch.num_rows
        first = self._next_row if first_row is None else int(first_row)
        columns = {name: _plain(batch.column(name)) for name in run.needed_columns()}
        scorer = run.scorer
        cumulative, found = scorer.problems, ProblemLog(limit=None)
        scorer.problems = found
        scorer.details_batch = {}
        try:
            out, _ = scorer.score_batch(columns, run.ids(columns, n, first), n, first)
        finally:
            scorer.problems = cumulative
        cumulative.add(found.records)
        self._problems.add(found.records)
        self._last_problems = tuple(found.records)
        self._rows += n
        self._next_row = first + n
        values = {**out, **scorer.details_batch}
        arrays = [_to_arrow(values[f.name], f.type) for f in self._schema]
        scorer.details_batch = {}
        return pa.RecordBatch.from_arrays(arrays, schema=self._schema)

    def _check(self, names: tuple[str, ...]) -> None:
        """Check a batch's columns as ``relscales score`` checks a file's header, once."""
        if names in self._checked:
            return
        run = self._run_now()
        probe = ScoringRun(
            list(self._compiled), Source(ARROW_DATA, names), self._options, self._battery
        )
        ours, theirs = run.id_column, probe.id_column
        if ours != theirs:
            raise DataError(_id_issue(ours, theirs, self._input_names is not None))
        self._checked.add(names)

    # -- problems as Arrow ------------------------------------------------------------------

    @staticmethod
    def problem_schema() -> pa.Schema:
        """Return the schema of :meth:`problem_batch` (the columns of ``--problems``)."""
        import pyarrow as pa

        return pa.schema(
            [("row", pa.int64())] + [(name, pa.string()) for name in PROBLEM_FIELDS[1:]]
        )

    def problem_batch(self, problems: Sequence[Problem] | None = None) -> pa.RecordBatch:
        """Return problem records (default: the last batch's) as a record batch."""
        import pyarrow as pa

        records = self._last_problems if problems is None else problems
        rows = [p.to_dict() for p in records]
        schema = self.problem_schema()
        return pa.RecordBatch.from_arrays(
            [pa.array([r[f.name] for r in rows], f.type) for f in schema], schema=schema
        )


def _whole_sample_issue(options: ScoreOptions) -> Issue:
    what = "exclude_careless=True" if options.exclude_careless else "quality=True"
    return Issue(
        "invalid-option",
        f"{what} needs the whole sample at once: the careless-responding screen compares "
        "each respondent with all the others, so it cannot be computed batch by batch or "
        "partition by partition",
        hint="score without it here, and screen the whole data on one machine with "
        "relscales.score(instrument, data, quality=True) (on the command line: "
        "relscales score DATA -i ID --with-quality)",
    )


def _id_issue(ours: str | None, theirs: str | None, schema_given: bool) -> Issue:
    if ours is None:
        return Issue(
            "invalid-option",
            f"the batch has a column '{theirs}', which relscales.score would take as the "
            "respondent id, but this ArrowScorer numbers rows: it was built without "
            "the data's columns",
            Location(file=ARROW_DATA, data_column=theirs),
            hint=f"build it with input_schema=batch.schema, or id_column='{theirs}'",
        )
    if theirs is None:
        where = "input_schema" if schema_given else "the options"
        return Issue(
            "id-column-not-found",
            f"the batch has no column '{ours}', the respondent id column found in {where}",
            Location(file=ARROW_DATA, data_column=ours),
            hint="give every batch the columns of input_schema",
        )
    return Issue(
        "invalid-option",
        f"in this batch relscales.score would take '{theirs}' as the respondent id, "
        f"but this ArrowScorer uses '{ours}'",
        Location(file=ARROW_DATA, data_column=theirs),
        hint=f"build it with id_column='{ours}' to use that column whatever the others",
    )


def _names(schema: Any) -> tuple[str, ...]:
    """Column names of a pyarrow schema, or of a sequence of names."""
    names = getattr(schema, "names", schema)
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise TypeError("input_schema must be a pyarrow.Schema or a list of column names")
    return tuple(str(name) for name in names)


def _plain(column: Any) -> Any:
    """One Arrow array for a column of a batch or table (chunks joined)."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 1:
            return column.chunk(0)
        return column.combine_chunks()
    return column


def _flag_columns(run: ScoringRun) -> set[str]:
    return {
        column
        for names in run.plan.reading_names.values()
        for key, column in names.items()
        if key.startswith("flag_")
    }


def _output_schema(run: ScoringRun, decimal_comma: bool) -> pa.Schema:
    """Work out the output schema by scoring no rows with the run's plan.

    Numbers are ``double``, counts ``int64``, flags ``bool``, ids, readings and labels
    ``string``; with ``details`` their columns follow.
    """
    import pyarrow as pa

    probe = BatchScorer(run.plan, decimal_comma=decimal_comma)
    empty = {name: pa.array([], pa.string()) for name in run.needed_columns()}
    out, _ = probe.score_batch(empty, run.ids(empty, 0, 0), 0, 0)
    flags = _flag_columns(run)
    values: Mapping[str, Any] = {**out, **probe.details_batch}
    return pa.schema([(name, _arrow_type(name, v, flags)) for name, v in values.items()])


def _arrow_type(name: str, values: Any, flags: set[str]) -> pa.DataType:
    import pyarrow as pa

    if not isinstance(values, np.ndarray):  # ids: Arrow text
        return pa.string()
    kind = values.dtype.kind
    if kind == "f":
        return pa.float64()
    if kind in "iu":
        return pa.int64()
    if kind == "b" or (kind == "O" and name in flags):
        return pa.bool_()
    return pa.string()


def _to_arrow(values: NDArray[Any] | Any, kind: pa.DataType) -> Any:
    """One output column as an Arrow array of its declared type (no loop in Python)."""
    import pyarrow as pa

    if not isinstance(values, np.ndarray):  # ids, already Arrow
        array = _plain(values)
        return array if array.type == kind else cast(array, kind)
    if pa.types.is_float64(kind):
        return float_array(values)
    if pa.types.is_int64(kind):
        return int_array(values)
    return pa.array(values, type=kind)

"""One scoring pass over a data source: read in batches, score each, report what was found.

:class:`ScoringRun` joins a reader (:class:`relscales.io.tabular.Source`) to the scorer
(:class:`relscales.scoring.batch.BatchScorer`): it finds the id and item columns, checks
them, reads the file in batches (decoded in the reader's thread), hands each batch to the
scorer, and at the end gathers warnings and the metadata that makes every score traceable.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales._arrow import cast
from relscales._version import __version__
from relscales.errors import DataError, Issue, Location, ScoringError
from relscales.instruments.kept import kept_version_hint
from relscales.instruments.lint import did_you_mean
from relscales.io.numeric import numeric_column
from relscales.io.readsource import RowMarks, input_metadata, input_warnings, source_hints
from relscales.io.tabular import Source, row_problems
from relscales.problems import ProblemLog
from relscales.scoring.batch import DECODED, BatchScorer
from relscales.scoring.compile import CompiledBattery, CompiledInstrument, unique_instruments
from relscales.scoring.options import ScoreOptions
from relscales.scoring.plan import ScorePlan, ScoreState

__all__ = ["ID_CANDIDATES", "AnswerBatch", "ScoringRun", "concat_parts"]

ID_CANDIDATES = ("id", "ResponseId", "record_id", "participant_id")
"""Columns tried, in order, as the respondent id when ``id_column`` is not given."""


@dataclass(frozen=True)
class AnswerBatch:
    """One batch of raw answers, as read (:meth:`ScoringRun.answer_batches`)."""

    ids: Any
    """Ids: a pyarrow string array, or row numbers from 1."""
    answers: list[NDArray[np.float64]]
    """Per instrument, ``(n_b, items)`` raw answer codes in item order (``NaN`` = missing)."""
    first_row: int
    """0-based position of the batch's first row in the data."""


class ScoringRun:
    """One pass of one or more compiled instruments over a data source.

    Parameters
    ----------
    compiled
        The instruments, compiled.
    source
        The response data.
    options
        Scoring options.
    carry
        Further data columns read along, as text, and handed over with each batch in
        :attr:`carried_batch` (a wave or couple column).
    linked
        The id column names a person with several rows (one per wave): repeated ids are
        expected, not reported.

    Raises
    ------
    DataError
        When an item column is missing, a needed column is duplicated, or the id
        column does not exist.
    """

    def __init__(
        self,
        compiled: Sequence[CompiledInstrument],
        source: Source,
        options: ScoreOptions,
        battery: CompiledBattery | None = None,
        *,
        carry: Sequence[str] = (),
        linked: bool = False,
    ) -> None:
        self.battery = battery
        self.carry = tuple(dict.fromkeys(carry))
        self.carried_batch: dict[str, Any] = {}
        """The last batch's carried columns (pyarrow arrays of text)."""
        compiled = unique_instruments(compiled, battery)
        if not (0 < options.confidence_level < 1):
            raise ScoringError(
                Issue(
                    "invalid-option",
                    f"confidence level {options.confidence_level} is not between 0 and 1",
                    hint="use for example 0.95",
                )
            )
        self.source = source
        id_hint, duration_hint = source_hints(source)  # what the export's format defines
        self.options = options = replace(
            options,
            id_column=options.id_column or id_hint,
            duration_column=options.duration_column or duration_hint,
        )
        ScorePlan.check_option_names(compiled, options)
        self.compiled = [self._remap(c) for c in compiled]
        self.id_column = self._find_id_column()
        source.key_column = self.id_column  # ragged rows keep their id; duplicates reported
        source.key_repeats = linked
        self._check_carried()
        self._check_columns()
        self.plan = ScorePlan(self.compiled, options, self.id_column, battery)
        self.scorer = BatchScorer(self.plan, decimal_comma=source.decimal_comma, carry=self.carry)
        self._marks: RowMarks | None = None
        if options.quality or options.exclude_careless:
            self._screen()
        self._warnings: list[Issue] = list(self.plan.option_warnings())

    # -- what the plan and the scorer hold -----------------------------------------------

    @property
    def states(self) -> list[list[ScoreState]]:
        """Per-score constants, per instrument."""
        return self.plan.states

    @property
    def output_columns(self) -> list[str]:
        """The output columns, in order."""
        return self.plan.output_columns

    @property
    def battery_columns(self) -> dict[str, str]:
        """Output column -> battery composite id."""
        return self.plan.battery_columns

    @property
    def problems(self) -> ProblemLog:
        """Every invalid cell found so far."""
        return self.scorer.problems

    @property
    def rows(self) -> int:
        """Rows scored so far."""
        return self.scorer.rows

    @property
    def details_batch(self) -> dict[str, NDArray[Any]]:
        """The last batch's details (see :attr:`ScoreOptions.details`)."""
        return self.scorer.details_batch

    @details_batch.setter
    def details_batch(self, value: dict[str, NDArray[Any]]) -> None:
        self.scorer.details_batch = value

    @property
    def not_applicable_batch(self) -> dict[str, NDArray[np.int64]]:
        """The last batch's counts of "does not apply" answers, per subscale column."""
        return self.scorer.not_applicable_batch

    # -- setup ---------------------------------------------------------------------------

    def _remap(self, compiled: CompiledInstrument) -> CompiledInstrument:
        if not self.options.column_map:
            return compiled
        by_item = {item: column for column, item in self.options.column_map.items()}
        return compiled.with_columns(by_item)

    def _find_id_column(self) -> str | None:
        header = self.source.header
        wanted = self.options.id_column
        if wanted is not None:
            if wanted not in header:
                raise DataError(
                    Issue(
                        "id-column-not-found",
                        f"the id column '{wanted}' is not in the data",
                        Location(file=self.source.name, data_column=wanted),
                        hint=did_you_mean(wanted, header) or f"columns: {', '.join(header[:10])}",
                    )
                )
            return wanted
        lowered = {name.casefold(): name for name in reversed(header)}
        for candidate in ID_CANDIDATES:
            if candidate.casefold() in lowered:
                return lowered[candidate.casefold()]
        return None

    def _check_carried(self) -> None:
        header = self.source.header
        for name in self.carry:
            if name not in header:
                raise DataError(
                    Issue(
                        "linking-column-not-found",
                        f"the column '{name}' is not in the data",
                        Location(file=self.source.name, data_column=name),
                        hint=did_you_mean(name, header) or f"columns: {', '.join(header[:10])}",
                    )
                )
            if name == self.id_column:
                raise DataError(
                    Issue(
                        "invalid-option",
                        f"the column '{name}' is both the id column and another linking column",
                        Location(file=self.source.name, data_column=name),
                        hint="give --id-column the person's id, and the wave or couple "
                        "column separately",
                    )
                )

    def _check_columns(self) -> None:
        header = self.source.header
        present = set(header)
        issues: list[Issue] = []
        for comp in self.compiled:
            missing = [
                (item, col)
                for item, col in zip(comp.item_ids, comp.columns, strict=True)
                if col not in present
            ]
            if not missing:
                continue
            shown = ", ".join(col for _, col in missing[:12]) + (
                f" and {len(missing) - 12} more" if len(missing) > 12 else ""
            )
            near = [
                f"'{col}' looks like {hint.removeprefix('did you mean ').rstrip('?')}"
                for _, col in missing
                if (hint := did_you_mean(col, header))
            ]
            hint = (
                "near misses: " + ", ".join(near[:6])
                if near
                else "name the columns after the item ids, or map them with --map FILE"
            )
            owner = self.battery.battery if self.battery is not None else None
            kept = kept_version_hint(
                comp.instrument,
                header,
                battery=(owner.id, owner.spec.version, owner.source) if owner else None,
            )
            hint = f"{kept}; {hint}" if kept else hint
            issues.append(
                Issue(
                    "missing-item-column",
                    f"{len(missing)} of the {len(comp.item_ids)} item columns of '{comp.id}' "
                    f"{'is' if len(missing) == 1 else 'are'} not in the data: {shown}",
                    Location(file=self.source.name, instrument=comp.id, data_column=missing[0][1]),
                    hint=hint,
                )
            )
        if issues:
            raise DataError(issues)
        needed = set(self.needed_columns())
        places: dict[str, list[int]] = {}
        for position, name in enumerate(header, start=1):
            if name in needed:
                places.setdefault(name, []).append(position)
        dupes = {name: at for name, at in places.items() if len(at) > 1}
        if dupes:
            named = "; ".join(
                f"{name!r} at columns {', '.join(map(str, at))}"
                for name, at in sorted(dupes.items())
            )
            raise DataError(
                Issue(
                    "duplicate-data-column",
                    f"the data have more than one column named {named} (counting from 1)",
                    Location(file=self.source.name, data_column=min(dupes)),
                    hint="rename or remove the duplicates so each item has one column",
                )
            )

    def needed_columns(self) -> list[str]:
        """Columns to read: the id column, carried columns, then every item column once."""
        cols: list[str] = [self.id_column] if self.id_column else []
        cols += [c for c in self.carry if c not in cols]
        for comp in self.compiled:
            cols += [c for c in comp.columns if c not in cols]
        return cols

    def _item_columns(self) -> list[str]:
        return [c for c in self.needed_columns() if c != self.id_column and c not in self.carry]

    def _screen(self) -> None:
        """First pass of the quality screen: the statistics it needs of the whole sample.

        Only mergeable sums are kept (item sums and cross-products; count tables for
        ``Gnormed.poly``), never the answers; the scoring pass then screens each batch
        (:meth:`BatchScorer.score_batch`): its ``quality`` label is ``ok``; ``careless:
        reasons`` (the careless-responding screen, and person fit if it also finds the
        pattern unusual); or ``unusual: reasons`` (person fit alone: answers unusual for
        the respondent's own level, which about 5 % of attentive respondents show by
        design, so they are marked, not treated as careless), and the person-fit
        statistics are output columns. Rows the export marks (unfinished, preview) get
        the mark added (:meth:`_mark_rows`).
        """
        duration = self.options.duration_column
        if duration is not None and duration not in self.source.header:
            numeric_column(self.source, duration)  # raises: the column is not in the data
        self.scorer.start_screens()
        items = self._item_columns()
        batches = self.source.batches(
            items, prepare=self.scorer.decode, numeric=items, integer=self.plan.integer_columns()
        )
        for batch in batches:
            self.scorer.screen_batch(batch.columns)
        self.scorer.finish_screens()
        self._marks = RowMarks(self.source)  # unfinished, preview (Qualtrics)

    def _mark_rows(self, labels: NDArray[Any], first: int) -> NDArray[Any]:
        """Add the source's row flags to a batch's quality labels (``ok`` -> ``unfinished``)."""
        return labels if self._marks is None else self._marks.apply(labels, first)

    def answer_batches(self, *, record: bool = True) -> Iterator[AnswerBatch]:
        """Read every respondent's raw answers batch by batch, one matrix per instrument.

        The matrices hold raw answer codes in item order (``NaN`` = missing or invalid).
        Invalid cells and ragged rows are recorded in :attr:`problems` when ``record`` is
        on (a second pass over the same data turns it off, so nothing is counted twice).
        """
        for batch in self.source.batches(self.needed_columns(), prepare=self.scorer.decode):
            decoded_all = batch.columns[DECODED]
            id_values = self.ids(batch.columns, batch.n_rows, batch.first_row)
            if record and batch.ragged:
                self.problems.add(row_problems(batch, numbered=self.id_column is None))
            matrices: list[NDArray[np.float64]] = []
            for comp, decoded in zip(self.compiled, decoded_all, strict=True):
                if record:
                    for j, cells in decoded.bad:
                        found = self.scorer.cell_problems(
                            comp, j, cells, id_values, batch.first_row
                        )
                        self.problems.add(found)
                matrices.append(np.array(decoded.x, dtype=np.float64, copy=True))
            yield AnswerBatch(id_values, matrices, batch.first_row)

    def read_answers(self) -> tuple[NDArray[Any], list[NDArray[np.float64]]]:
        """Read every respondent's raw answers at once: their ids and one matrix per instrument.

        :meth:`answer_batches`, joined; for analyses that need every row in memory.
        """
        ids: list[Any] = []
        blocks: list[list[NDArray[np.float64]]] = [[] for _ in self.compiled]
        for batch in self.answer_batches():
            ids.append(batch.ids)
            for block, matrix in zip(blocks, batch.answers, strict=True):
                block.append(matrix)
        matrices = [
            np.vstack(block) if block else np.empty((0, len(comp.item_ids)))
            for block, comp in zip(blocks, self.compiled, strict=True)
        ]
        return concat_parts(ids, True), matrices

    def batches(self) -> Iterator[dict[str, NDArray[Any]]]:
        """Yield the output columns of each batch, in input row order."""
        for columns, _ in self.scored_batches():
            yield columns

    def scored_batches(
        self,
    ) -> Iterator[tuple[dict[str, NDArray[Any]], dict[str, NDArray[np.int64]]]]:
        """Yield each batch's output columns and its answered counts per subscale."""
        scored = False
        screening = self.scorer.screens is not None
        duration = self.options.duration_column if screening else None
        columns = self.needed_columns()
        if duration is not None:  # completion times, for the screen's speed rule
            columns += [] if duration in columns else [duration]
        batches = self.source.batches(
            columns,
            prepare=self.scorer.decode if duration is None else self._decode_with_durations,
            numeric=self._item_columns(),
            integer=self.plan.integer_columns(),
        )
        for batch in batches:
            scored = True
            if batch.ragged:  # rows with the wrong number of fields: kept empty, reported
                self.problems.add(row_problems(batch, numbered=self.id_column is None))
            ids = self.ids(batch.columns, batch.n_rows, batch.first_row)
            self.carried_batch = {name: batch.columns[name] for name in self.carry}
            durations = None if duration is None else _numbers(batch.columns[_DURATIONS], duration)
            out, answered = self.scorer.score_batch(
                batch.columns, ids, batch.n_rows, batch.first_row, durations
            )
            if screening:
                out["quality"] = self._mark_rows(out["quality"], batch.first_row)
            yield out, answered
        if not scored:  # a header without rows still gives every column (and valid Parquet)
            import pyarrow as pa

            empty = {name: pa.array([], pa.string()) for name in self.needed_columns()}
            self.carried_batch = {name: empty[name] for name in self.carry}
            no_times = np.empty(0) if duration is not None else None
            yield self.scorer.score_batch(empty, self.ids(empty, 0, 0), 0, 0, no_times)

    def _decode_with_durations(self, columns: dict[str, Any]) -> dict[str, Any]:
        """Decode a batch (in the reader's thread) and keep its completion-time cells."""
        assert self.options.duration_column is not None
        return {**self.scorer.decode(columns), _DURATIONS: columns[self.options.duration_column]}

    def ids(self, columns: dict[str, Any], n: int, first: int) -> Any:
        """Return the batch's ids: a pyarrow string array, or row numbers from 1."""
        if self.id_column is None:
            return np.arange(first + 1, first + n + 1, dtype=np.int64)
        import pyarrow as pa

        array = columns[self.id_column]
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if not pa.types.is_string(array.type):
            array = cast(array, pa.string())
        return array

    # -- after the run -------------------------------------------------------------------

    def warnings(self) -> list[Issue]:
        """Warnings about the whole data set; complete once every batch was read."""
        return [
            *self._warnings,
            *self.source.read_warnings,
            *input_warnings(self.source, self.compiled),
            *self.scorer.range_warnings(self.source.name),
        ]

    def metadata(self) -> dict[str, Any]:
        """Versions, instruments with hashes, options, counts: what makes a score traceable."""
        return {
            "relscales_version": __version__,
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "input": {
                "name": self.source.name,
                "bytes": self.source.size,
                **input_metadata(self.source),
            },
            "n_rows": self.rows,
            "id_column": self.id_column or "row (numbered from 1)",
            "instruments": [c.instrument.provenance() for c in self.compiled],
            "scores": {
                state.column: {
                    "instrument": comp.id,
                    "score": state.info.id,
                    "kind": state.info.kind,
                    "norm_group": state.norm.group if state.norm is not None else None,
                    "reliability": state.reliability,
                    "reliability_source": state.reliability_source,
                    "sem": state.sem,
                }
                for comp, row in zip(self.compiled, self.states, strict=True)
                for state in row
            },
            "options": self.options.to_dict(),
            "columns": self.output_columns,
            "reading_columns": self.plan.reading_names,
            "battery_columns": self.plan.battery_columns,
            "battery_profiles": self.plan.battery_profiles,
            "problems": self.problems.summary(),
            "warnings": [w.to_dict() for w in self.warnings()],
        }


_DURATIONS = "\x00durations"
"""Key under which a prepared batch carries its completion times (``--with-quality``)."""


def _numbers(cells: Any, name: str) -> NDArray[np.float64]:
    """Read a batch's cells of one column as numbers, by the rule of :func:`numeric_column`."""
    import pyarrow as pa

    return numeric_column(Source(name, (name,), table=pa.table({name: cells})), name)


def concat_parts(parts: list[Any], is_id: bool) -> NDArray[Any]:
    """Join a column's batches: numpy arrays, or Arrow id arrays as an object array."""
    if not parts:
        return np.empty(0, dtype=object if is_id else np.float64)
    if not isinstance(parts[0], np.ndarray):  # pyarrow id arrays
        import pyarrow as pa

        ids = pa.concat_arrays(parts).to_pylist()  # to_numpy would import pandas
        out = np.empty(len(ids), dtype=object)
        out[:] = ids
        return out
    return np.concatenate(parts)

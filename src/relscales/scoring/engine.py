"""The scoring pipeline: data batches -> decoded answers -> scores, norms, intervals.

:class:`ScoringRun` reads a :class:`~relscales.io.tabular.Source` in batches and
yields the output columns of each batch, so a file of any size is scored in
bounded memory. :func:`score` runs it to the end and returns a
:class:`~relscales.scoring.results.ScoreResult`; the CLI streams the batches to
a writer instead. Both produce the same numbers.
"""

from __future__ import annotations

import datetime
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales._arrow import cast, int_array, to_float64
from relscales._version import __version__
from relscales.errors import DataError, Issue, Location, ScoringError
from relscales.instruments.instrument import Instrument
from relscales.instruments.lint import did_you_mean
from relscales.io.readsource import (
    input_metadata,
    input_warnings,
    mark_rows,
    source_hints,
)
from relscales.io.tabular import Source, open_source, row_problems
from relscales.problems import Problem, ProblemLog
from relscales.scoring.combine import combine, combine_se, part_weights, se_factor
from relscales.scoring.compile import (
    CompiledBattery,
    CompiledComposite,
    CompiledInstrument,
    CompiledProfile,
    ScoreInfo,
    compile_instrument,
)
from relscales.scoring.decode import REASONS, Decoded, decode_into, preparse
from relscales.scoring.intervals import (
    ScoreInterval,
    composite_interval,
    fixed_interval,
    subscale_interval,
)
from relscales.scoring.kernel import item_sampling_se, keyed_scores_filled
from relscales.scoring.norms import band_labels, critical_z, norm_scores, pick_norm, sem
from relscales.scoring.readings import (
    axis_levels,
    classify_functions,
    flag_state,
    gate,
    marker_levels,
    region_labels,
)
from relscales.scoring.results import ScoreResult

__all__ = [
    "ID_CANDIDATES",
    "ScoreOptions",
    "ScoringRun",
    "collect_answers",
    "score",
    "score_compiled",
]

ID_CANDIDATES = ("id", "ResponseId", "record_id", "participant_id")
"""Columns tried, in order, as the respondent id when ``id_column`` is not given."""

NARROW_MIN_RESPONDENTS = 100
"""Respondents needed before a narrow observed range is reported."""

InstrumentRef = str | os.PathLike[str] | Instrument | CompiledInstrument


@dataclass(frozen=True)
class ScoreOptions:
    """Options of a scoring run (the CLI flags of ``relscales score``).

    Attributes
    ----------
    id_column
        Respondent id column; detected from :data:`ID_CANDIDATES` when ``None``.
    column_map
        Data column -> item id, for data whose columns are named otherwise.
    with_ci, with_norms, with_counts, with_bands
        Add interval, norm (z, T, percentile), answered-count and band columns.
    confidence_level
        Level of the intervals, in (0, 1).
    norm_group
        Reference group for norms (default: each score's first group).
    reliability
        Score id -> reliability, overriding the published one for the SEM.
    problem_limit
        How many problem records to keep in memory (all are counted).
    details
        Keep each score's standard error and each profile's axis levels (for
        ``--explain``) in :attr:`ScoreResult.details`.
    quality, exclude_careless
        Screen respondents for careless answering (:func:`relscales.quality.screen`, on
        each instrument's items; flagged on any) and add a ``quality`` column; with
        ``exclude_careless`` the scores and readings of flagged rows are left empty (the
        rows stay). Needs one extra pass over the data, held in memory.
    """

    id_column: str | None = None
    column_map: Mapping[str, str] = field(default_factory=dict)
    with_ci: bool = False
    with_norms: bool = False
    with_counts: bool = False
    with_bands: bool = False
    confidence_level: float = 0.95
    norm_group: str | None = None
    reliability: Mapping[str, float] = field(default_factory=dict)
    problem_limit: int | None = 100_000
    details: bool = False
    quality: bool = False
    exclude_careless: bool = False
    duration_column: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping, for metadata."""
        data = asdict(self)
        data["column_map"] = dict(self.column_map)
        data["reliability"] = dict(self.reliability)
        return data


@dataclass
class _ScoreState:
    """Per-score constants for norms and intervals."""

    info: ScoreInfo
    column: str
    norm: Any
    sem: float | None
    reliability: float | None
    reliability_source: str | None


_DECODED = "\x00decoded"
"""Key under which a prepared batch carries its decoded answer matrices."""


@dataclass
class _Decoded:
    """One instrument's answers in a batch, and what was found decoding them.

    ``filled`` holds the answers with 0 where there is none and ``missing`` the rows
    without an answer per item (the kernel's form); ``x``, with ``NaN`` for missing, is
    made on first use, for the parts that need it (flags, person-level errors).
    """

    filled: NDArray[np.float64]
    missing: tuple[NDArray[np.int64], ...]
    bad: list[tuple[int, Decoded]]
    lows: NDArray[np.float64]
    highs: NDArray[np.float64]
    _x: NDArray[np.float64] | None = field(default=None, repr=False)
    _released: bool = field(default=False, repr=False)

    @property
    def x(self) -> NDArray[np.float64]:
        """The answers, ``NaN`` = missing (a copy of ``filled``, made once)."""
        if self._x is None:
            if self._released:
                raise RuntimeError("the answers of this batch were released before use")
            x = self.filled.copy(order="F")
            for j, rows in enumerate(self.missing):
                x[rows, j] = np.nan
            self._x = x
        return self._x

    def release(self, buffers: _Buffers) -> None:
        """Hand ``filled`` back for the next batch; it must not be used after this."""
        self._released = True
        buffers.give(self.filled)


class _Buffers:
    """Answer matrices handed from one batch to the next instead of allocated afresh.

    Touching new memory costs page faults (and, with transparent huge pages, the odd
    stall while the kernel compacts memory); a batch's matrix is 19 MB at 65,536 rows
    x 36 items. The reader thread takes, the scoring thread gives back, so a lock
    guards the list; at most :attr:`keep` matrices wait in it.
    """

    keep = 3

    def __init__(self) -> None:
        import threading

        self._free: list[NDArray[np.float64]] = []
        self._lock = threading.Lock()

    def take(self, n: int, k: int) -> NDArray[np.float64]:
        """Return an ``(n, k)`` matrix (columns contiguous) whose contents are undefined."""
        with self._lock:
            for i, matrix in enumerate(self._free):
                if matrix.shape[1] == k and n <= matrix.shape[0] <= 2 * n:
                    return self._free.pop(i)[:n]
        return np.empty((n, k), order="F")

    def give(self, matrix: NDArray[np.float64]) -> None:
        """Take back a matrix from :meth:`take` once nothing uses it any more."""
        whole = matrix if matrix.base is None else matrix.base
        if not isinstance(whole, np.ndarray) or whole.ndim != 2:
            return
        with self._lock:
            if len(self._free) < self.keep:
                self._free.append(whole)


@dataclass
class _ScaleStats:
    low: float = math.inf
    high: float = -math.inf
    respondents: int = 0


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
    ) -> None:
        self.battery = battery
        if battery is not None:
            compiled = [*battery.members, *[c for c in compiled if c not in battery.members]]
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
        self._check_option_names(compiled)
        self._unused_reliability: list[str] = []
        self.compiled = [self._remap(c) for c in compiled]
        self.id_column = self._find_id_column()
        source.key_column = self.id_column  # ragged rows keep their id; duplicates reported
        self._check_columns()
        self.problems = ProblemLog(limit=options.problem_limit)
        self.rows = 0
        self._buffers = _Buffers()
        self.stats: dict[tuple[int, int], _ScaleStats] = {}
        self.states = self._score_states()
        self.reading_names = self._reading_names()
        taken = {s.column for row in self.states for s in row}
        self.battery_columns: dict[str, str] = {}
        self.battery_profiles: dict[str, str] = {}
        if battery is not None:
            for comp in battery.composites:
                column = comp.id if comp.id not in taken else f"{battery.id}.{comp.id}"
                self.battery_columns[column] = comp.id
            readings = {n for names in self.reading_names.values() for n in names.values()}
            for prof in battery.profiles:
                column = prof.id if prof.id not in readings else f"{battery.id}.{prof.id}"
                self.battery_profiles[column] = prof.id
        self.output_columns = self._output_columns()
        self.needs_intervals = (
            options.with_ci
            or options.details
            or (battery is not None and bool(battery.profiles))
            or any(c.profiles for c in self.compiled)
        )
        self.interval_z = critical_z(options.confidence_level) if self.needs_intervals else math.nan
        self.details_batch: dict[str, NDArray[Any]] = {}
        self.quality_labels: NDArray[Any] | None = None
        if options.quality or options.exclude_careless:
            self.quality_labels = self._screen()
        self._warnings: list[Issue] = list(self._option_warnings())

    # -- setup ---------------------------------------------------------------------------

    def _check_option_names(self, compiled: Sequence[CompiledInstrument]) -> None:
        """Refuse --map item ids and --reliability scores that name nothing."""
        items = {item for comp in compiled for item in comp.item_ids}
        scores = {sid for comp in compiled for sid in comp.score_ids}
        scores |= {f"{comp.id}.{sid}" for comp in compiled for sid in comp.score_ids}
        issues = [
            Issue(
                "invalid-option",
                f"the column map sends data column '{column}' to item '{item}', which no "
                "instrument being scored has",
                Location(data_column=column),
                hint=did_you_mean(item, items) or "map data columns to item ids",
            )
            for column, item in self.options.column_map.items()
            if item not in items
        ]
        issues += [
            Issue(
                "invalid-option",
                f"--reliability names '{name}', which is not a score of the instruments",
                hint=did_you_mean(name, scores) or f"scores: {', '.join(sorted(scores))}",
            )
            for name in self.options.reliability
            if name not in scores
        ]
        if issues:
            raise ScoringError(issues)

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
        """Columns to read: the id column, then every item column once."""
        cols: list[str] = [self.id_column] if self.id_column else []
        for comp in self.compiled:
            cols += [c for c in comp.columns if c not in cols]
        return cols

    def _integer_columns(self) -> set[str]:
        """Item columns whose every scale is coded in small integers (read as int16)."""
        found: set[str] = set()
        mixed: set[str] = set()
        for comp in self.compiled:
            for j, column in enumerate(comp.columns):
                codes = comp.scales[comp.item_scale[j]].values
                small = bool(
                    codes.size and np.all(codes == np.rint(codes)) and np.all(np.abs(codes) < 2**15)
                )
                (found if small else mixed).add(column)
        return found - mixed

    def _qualified(self) -> dict[tuple[int, str], str]:
        counts: dict[str, int] = {}
        for comp in self.compiled:
            for sid in comp.score_ids:
                counts[sid] = counts.get(sid, 0) + 1
        clash = self.id_column is not None and self.id_column in counts
        return {
            (i, sid): (f"{comp.id}.{sid}" if counts[sid] > 1 or clash else sid)
            for i, comp in enumerate(self.compiled)
            for sid in comp.score_ids
        }

    def _score_states(self) -> list[list[_ScoreState]]:
        names = self._qualified()
        states: list[list[_ScoreState]] = []
        for i, comp in enumerate(self.compiled):
            row: list[_ScoreState] = []
            for info in comp.scores:
                column = names[(i, info.id)]
                norm = pick_norm(info.norms, self.options.norm_group)
                given = self.options.reliability.get(column, self.options.reliability.get(info.id))
                rel, rel_source = None, None
                if given is not None:
                    rel, rel_source = float(given), "given"
                elif info.published is not None and info.published.alpha is not None:
                    rel, rel_source = float(info.published.alpha), "published alpha"
                elif info.published is not None and info.published.omega is not None:
                    rel, rel_source = float(info.published.omega), "published omega"
                sem_value = None
                if norm is not None and rel is not None:
                    sem_value = sem(float(norm.sd), rel)
                row.append(_ScoreState(info, column, norm, sem_value, rel, rel_source))
            for comp_spec, state in zip(comp.composites, row[len(comp.methods) :], strict=True):
                if state.sem is None:
                    if state.reliability_source == "given":
                        self._unused_reliability.append(state.column)
                    state.reliability = None
                    state.reliability_source = None
                    state.sem = self._composite_sem(comp_spec, row)
                    if state.sem is not None:
                        state.reliability_source = "propagated from parts"
            states.append(row)
        return states

    def _composite_sem(self, comp: CompiledComposite, row: list[_ScoreState]) -> float | None:
        parts = [row[p] for p in comp.parts.tolist()]
        if any(state.sem is None for state in parts):
            return None
        return float(
            combine_se(
                [s.sem for s in parts], [s.info for s in parts], comp, self.options.norm_group
            )
        )

    def _screen(self) -> NDArray[Any]:
        """Pre-pass: screen every respondent; return ``ok`` or ``careless: reasons``."""
        flagged: NDArray[np.bool_] | None = None
        reasons: list[set[str]] = []
        durations = (
            numeric_column(self.source, self.options.duration_column)
            if self.options.duration_column is not None
            else None
        )
        for comp in self.compiled:
            _, answers, _ = collect_answers(comp, self.source)
            result = screen_answers(comp, answers, durations)
            flagged = result.careless if flagged is None else flagged | result.careless
            if not reasons:
                reasons = [set() for _ in range(answers.shape[0])]
            for row, why in enumerate(result.reasons):
                reasons[row].update(f"{comp.id}:{r}" for r in why)
        assert flagged is not None
        labels = np.array(
            [
                f"careless: {', '.join(sorted(r))}" if f else "ok"
                for f, r in zip(flagged.tolist(), reasons, strict=True)
            ],
            dtype=object,
        )
        return mark_rows(labels, self.source)  # unfinished, preview (Qualtrics)

    def _reading_names(self) -> dict[str, dict[str, str]]:
        """Column names of flags (``flag_<id>``) and profiles, per instrument."""
        counts: dict[str, int] = {}
        for comp in self.compiled:
            for name in [f"flag_{f.id}" for f in comp.flags] + [p.id for p in comp.profiles]:
                counts[name] = counts.get(name, 0) + 1
        return {
            comp.id: {
                name: f"{comp.id}.{name}" if counts[name] > 1 else name
                for name in [f"flag_{f.id}" for f in comp.flags] + [p.id for p in comp.profiles]
            }
            for comp in self.compiled
        }

    def _output_columns(self) -> list[str]:
        cols = [self.id_column or "row"]
        for row in self.states:
            cols += [s.column for s in row]
        cols += list(self.battery_columns)
        for comp in self.compiled:  # flags first: they are read before any reading
            cols += [self.reading_names[comp.id][f"flag_{f.id}"] for f in comp.flags]
        for comp in self.compiled:
            cols += [self.reading_names[comp.id][p.id] for p in comp.profiles]
        cols += list(self.battery_profiles)
        opts = self.options
        if opts.quality or opts.exclude_careless:
            cols.append("quality")
        for comp, row in zip(self.compiled, self.states, strict=True):
            for k, s in enumerate(row):
                if opts.with_ci:
                    cols += [f"{s.column}_ci_low", f"{s.column}_ci_high"]
                if opts.with_norms:
                    cols += [f"{s.column}_z", f"{s.column}_t", f"{s.column}_pct"]
                if opts.with_counts and k < len(comp.methods):
                    cols.append(f"{s.column}_n_answered")
                if opts.with_bands:
                    cols.append(f"{s.column}_band")
        return cols

    def _option_warnings(self) -> Iterator[Issue]:
        opts = self.options
        for column in self._unused_reliability:
            yield Issue(
                "no-norms",
                f"the reliability given for '{column}' is not used: it has no reference group "
                "to take an SD from, so its interval is propagated from its parts",
                Location(object_id=column),
                "warning",
                hint="declare norms on the composite to use a reliability of its own",
            )
        for comp, row in zip(self.compiled, self.states, strict=True):
            no_norms = [s.column for s in row if s.norm is None and s.info.kind == "subscale"]
            if opts.with_norms and no_norms:
                group = f" named '{opts.norm_group}'" if opts.norm_group else ""
                yield Issue(
                    "no-norms",
                    f"{comp.id} declares no reference group{group} for "
                    f"{', '.join(no_norms)}, so their z, T and percentile columns are empty",
                    Location(instrument=comp.id),
                    "warning",
                    hint="declare norms in the instrument, or choose another --norm-group",
                )
            for s in row:
                if s.reliability_source == "given" and s.sem is None and s.info.kind == "subscale":
                    yield Issue(
                        "no-norms",
                        f"the reliability given for '{s.column}' is not used: it has no "
                        "reference group to take an SD from, so its interval comes from the "
                        "person's own answers",
                        Location(instrument=comp.id, object_id=s.info.id),
                        "warning",
                        hint="declare norms in the instrument to use a classical SEM",
                    )

    # -- scoring -------------------------------------------------------------------------

    def batches(self) -> Iterator[dict[str, NDArray[Any]]]:
        """Yield the output columns of each batch, in input row order."""
        for columns, _ in self.scored_batches():
            yield columns

    def scored_batches(
        self,
    ) -> Iterator[tuple[dict[str, NDArray[Any]], dict[str, NDArray[np.int64]]]]:
        """Yield each batch's output columns and its answered counts per subscale."""
        scored = False
        items = [c for c in self.needed_columns() if c != self.id_column]
        batches = self.source.batches(
            self.needed_columns(),
            prepare=self._decode_batch,
            numeric=items,
            integer=self._integer_columns(),
        )
        for batch in batches:
            scored = True
            if batch.ragged:  # rows with the wrong number of fields: kept empty, reported
                self.problems.add(row_problems(batch, numbered=self.id_column is None))
            yield self._score_batch(batch.columns, batch.n_rows, batch.first_row)
        if not scored:  # a header without rows still gives every column (and valid Parquet)
            import pyarrow as pa

            empty = {name: pa.array([], pa.string()) for name in self.needed_columns()}
            yield self._score_batch(empty, 0, 0)

    def _ids(self, columns: dict[str, Any], n: int, first: int) -> Any:
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

    def _decode_batch(self, columns: dict[str, Any]) -> dict[str, Any]:
        """Decode every item column of a batch into one answer matrix per instrument.

        Runs in the reader's thread for files (no warnings machinery, which is not
        thread-safe), so decoding overlaps with scoring the previous batch.
        """
        n = len(next(iter(columns.values()))) if columns else 0
        decoded: list[_Decoded] = []
        for comp in self.compiled:
            k = len(comp.item_ids)
            filled = self._buffers.take(n, k)
            lows, highs = np.empty(k), np.empty(k)
            missing = []
            bad = []
            for j, column in enumerate(comp.columns):
                found = decode_into(
                    preparse(columns[column], decimal_comma=self.source.decimal_comma),
                    comp.scales[comp.item_scale[j]],
                    filled[:, j],
                )
                missing.append(found.missing)
                lows[j], highs[j] = found.low, found.high
                if found.invalid is not None:
                    bad.append((j, found.invalid))
            decoded.append(_Decoded(filled, tuple(missing), bad, lows, highs))
        kept = {self.id_column: columns[self.id_column]} if self.id_column else {}
        return {**kept, _DECODED: decoded}

    def _score_batch(
        self, columns: dict[str, Any], n: int, first: int
    ) -> tuple[dict[str, NDArray[Any]], dict[str, NDArray[np.int64]]]:
        if _DECODED not in columns:
            columns = self._decode_batch(columns)
        decoded_all: list[_Decoded] = columns[_DECODED]

        ids = self._ids(columns, n, first)
        out: dict[str, NDArray[Any]] = {self.id_column or "row": ids}
        extras: dict[str, NDArray[Any]] = {}
        answered: dict[str, NDArray[np.int64]] = {}
        opts = self.options
        member_values: list[NDArray[np.float64]] = []
        member_iv: list[ScoreInterval] = []
        member_flags: dict[str, NDArray[Any]] = {}
        for ci, (comp, states) in enumerate(zip(self.compiled, self.states, strict=True)):
            answers = decoded_all[ci]
            batch_problems: list[Problem] = []
            for j, cells in answers.bad:
                batch_problems += self._problems(comp, j, cells, ids, first)
            if batch_problems:
                batch_problems.sort(key=lambda p: p.row)
                self.problems.add(batch_problems)
            flag_values = [flag_state(answers.x, f) for f in comp.flags if f.items is not None]
            person_se = (
                item_sampling_se(
                    answers.x,
                    comp.weights,
                    comp.methods,
                    reverse=comp.reverse,
                    offset=comp.offset,
                )
                if self.needs_intervals
                else None
            )
            sub_scores, counts = keyed_scores_filled(
                answers.filled,
                answers.missing,
                comp.weights,
                comp.methods,
                comp.min_answered,
                reverse=comp.reverse,
                offset=comp.offset,
            )
            answers.release(self._buffers)  # the answers are in the scores now
            self._update_stats(ci, comp, answers.lows, answers.highs, counts)
            values = [sub_scores[:, s] for s in range(sub_scores.shape[1])]
            for composite in comp.composites:
                index = composite.parts.tolist()
                values.append(
                    combine(
                        [values[p] for p in index],
                        [states[p].info for p in index],
                        composite,
                        opts.norm_group,
                    )
                )
            intervals = (
                self._intervals(comp, states, values, person_se, counts)
                if person_se is not None
                else []
            )
            flags = self._flags(comp, values, flag_values, n)
            out.update({self.reading_names[comp.id][f"flag_{k}"]: v for k, v in flags.items()})
            out.update(self._readings(comp, values, intervals, flags))
            if self.battery is not None and ci < len(self.battery.members):
                member_values += values
                member_iv += intervals
                member_flags.update({f"{comp.id}.{k}": v for k, v in flags.items()})
            for k, (state, v) in enumerate(zip(states, values, strict=True)):
                out[state.column] = v
                name = state.column
                if k < counts.shape[1]:
                    answered[name] = counts[:, k]
                if opts.with_ci:
                    extras[f"{name}_ci_low"] = intervals[k].low
                    extras[f"{name}_ci_high"] = intervals[k].high
                if opts.details:
                    self.details_batch[f"{name}.ci_low"] = intervals[k].low
                    self.details_batch[f"{name}.ci_high"] = intervals[k].high
                if opts.with_norms:
                    if state.norm is None:
                        z = t = pct = np.full(n, np.nan)
                    else:
                        ns = norm_scores(v, state.norm)
                        z, t, pct = ns.z, ns.t, ns.pct
                    extras[f"{name}_z"], extras[f"{name}_t"], extras[f"{name}_pct"] = z, t, pct
                if opts.with_counts and k < counts.shape[1]:
                    extras[f"{name}_n_answered"] = counts[:, k]
                if opts.with_bands:
                    extras[f"{name}_band"] = band_labels(v, state.info.bands)
        if self.battery is not None:
            out.update(self._battery_stage(member_values, member_iv, member_flags, n, extras))
        self.rows += n
        out.update(extras)
        if self.quality_labels is not None:
            labels = self.quality_labels[first : first + n]
            out["quality"] = labels
            if self.options.exclude_careless:
                drop = np.array([lab.startswith("careless") for lab in labels.tolist()], dtype=bool)
                if drop.any():
                    id_name = self.id_column or "row"
                    for name, column in list(out.items()):
                        if name in (id_name, "quality") or not isinstance(column, np.ndarray):
                            continue
                        if column.dtype.kind == "f":
                            blanked = column.copy()
                            blanked[drop] = np.nan
                        elif column.dtype == object:
                            blanked = column.copy()
                            blanked[drop] = None
                        else:
                            continue
                        out[name] = blanked
        return {name: out[name] for name in self.output_columns}, answered

    def _flags(
        self,
        comp: CompiledInstrument,
        values: list[NDArray[np.float64]],
        item_flags: list[NDArray[Any]],
        n: int,
    ) -> dict[str, NDArray[Any]]:
        """Each flag's state (True, False or None) for one instrument in one batch, by id."""
        out: dict[str, NDArray[Any]] = {}
        item_flags = list(item_flags)
        for flag in comp.flags:
            if flag.items is not None:
                out[flag.id] = item_flags.pop(0)
            else:
                assert flag.score is not None
                score = values[flag.score]
                raised = np.full(n, None, dtype=object)
                known = ~np.isnan(score)
                raised[known] = score[known] >= flag.at_least
                out[flag.id] = raised
        return out

    def _readings(
        self,
        comp: CompiledInstrument,
        values: list[NDArray[np.float64]],
        intervals: list[ScoreInterval],
        flags: dict[str, NDArray[Any]],
    ) -> dict[str, NDArray[Any]]:
        """Profile columns (plus their axis levels as details) for one instrument."""
        names = self.reading_names[comp.id]
        out: dict[str, NDArray[Any]] = {}
        for prof in comp.profiles:
            column = names[prof.id]
            out[column] = self._profile(prof, column, values, intervals, flags)
        return out

    def _profile(
        self,
        prof: CompiledProfile,
        column: str,
        values: list[NDArray[np.float64]],
        intervals: list[ScoreInterval],
        flags: dict[str, NDArray[Any]],
    ) -> NDArray[Any]:
        """One profile's readings: axis levels, the region, then its gating flags."""
        x, y = values[prof.x], values[prof.y]
        if prof.functions:
            label, x_level, y_level = classify_functions(
                x,
                intervals[prof.x].low,
                intervals[prof.x].high,
                y,
                intervals[prof.y].low,
                intervals[prof.y].high,
                prof,
            )
        else:
            x_level = self._axis(values, intervals, prof.x, prof.cut_x, prof.x_markers)
            y_level = self._axis(values, intervals, prof.y, prof.cut_y, prof.y_markers)
            label = region_labels(x_level, y_level, prof.regions)
        label = gate(label, [flags[f] for f in prof.gated_by])
        if self.options.details:
            self.details_batch[f"{column}.x_level"] = x_level
            self.details_batch[f"{column}.y_level"] = y_level
        return label

    @staticmethod
    def _axis(
        values: list[NDArray[np.float64]],
        intervals: list[ScoreInterval],
        index: int,
        cut: float,
        markers: tuple[tuple[int, float], ...],
    ) -> NDArray[Any]:
        if not markers:
            return axis_levels(values[index], intervals[index].low, intervals[index].high, cut)
        return marker_levels(
            [values[m] for m, _ in markers],
            [intervals[m].low for m, _ in markers],
            [intervals[m].high for m, _ in markers],
            [c for _, c in markers],
        )

    def _battery_stage(
        self,
        values: list[NDArray[np.float64]],
        intervals: list[ScoreInterval],
        flags: dict[str, NDArray[Any]],
        n: int,
        extras: dict[str, NDArray[Any]],
    ) -> dict[str, NDArray[Any]]:
        """Composites and profiles across the battery's member instruments."""
        battery = self.battery
        assert battery is not None
        values, intervals = list(values), list(intervals)
        infos = battery.scores
        out: dict[str, NDArray[Any]] = {}
        columns = {v: k for k, v in self.battery_columns.items()}
        for comp in battery.composites:
            index = comp.parts.tolist()
            value = combine(
                [values[p] for p in index], [infos[p] for p in index], comp, self.options.norm_group
            )
            values.append(value)
            column = columns[comp.id]
            out[column] = value
            if self.needs_intervals:
                info = infos[len(values) - 1]
                iv = self._composite_interval(
                    comp, [infos[p] for p in index], [intervals[p] for p in index], value, info
                )
                intervals.append(iv)
                if self.options.with_ci:
                    extras[f"{column}_ci_low"], extras[f"{column}_ci_high"] = iv.low, iv.high
                if self.options.details:
                    self.details_batch[f"{column}.ci_low"] = iv.low
                    self.details_batch[f"{column}.ci_high"] = iv.high
        profile_columns = {v: k for k, v in self.battery_profiles.items()}
        for prof in battery.profiles:
            column = profile_columns[prof.id]
            out[column] = self._profile(prof, column, values, intervals, flags)
        return out

    def _intervals(
        self,
        comp: CompiledInstrument,
        states: list[_ScoreState],
        values: list[NDArray[np.float64]],
        person_se: NDArray[np.float64],
        counts: NDArray[np.int64],
    ) -> list[ScoreInterval]:
        """Every score's interval (see :mod:`relscales.scoring.intervals`), in score order.

        A classical SEM where the score declares a reliability and a reference SD, else
        the person's own answers moderated by the prior; composites combine their parts.
        """
        z = self.interval_z
        out: list[ScoreInterval] = []
        n_sub = len(comp.methods)
        for k, state in enumerate(states[:n_sub]):
            info = state.info
            if state.sem is not None:
                out.append(
                    fixed_interval(
                        values[k], state.sem, float(state.norm.mean), info.low, info.high, z
                    )
                )
            else:
                out.append(
                    subscale_interval(
                        values[k], person_se[:, k], counts[:, k], info.low, info.high, z
                    )
                )
        for j, (composite, state) in enumerate(zip(comp.composites, states[n_sub:], strict=True)):
            value, info = values[n_sub + j], state.info
            if state.sem is not None and state.reliability_source != "propagated from parts":
                out.append(
                    fixed_interval(value, state.sem, float(state.norm.mean), info.low, info.high, z)
                )
                continue
            index = composite.parts.tolist()
            out.append(
                self._composite_interval(
                    composite, [states[p].info for p in index], [out[p] for p in index], value, info
                )
            )
        return out

    def _composite_interval(
        self,
        comp: CompiledComposite,
        infos: list[ScoreInfo],
        parts: list[ScoreInterval],
        value: NDArray[np.float64],
        info: ScoreInfo,
    ) -> ScoreInterval:
        group = self.options.norm_group
        centre = combine([p.centre for p in parts], infos, comp, group)
        stacked = np.column_stack([p.centre for p in parts])
        weights, divisor = part_weights(stacked, comp)
        factors = [se_factor(i, comp, group) for i in infos]
        if comp.method != "mean":
            divisor = 1.0
        return composite_interval(
            value,
            centre,
            [p.variance for p in parts],
            np.asarray(weights, dtype=np.float64),
            factors,
            divisor,
            info.low,
            info.high,
            self.interval_z,
        )

    @staticmethod
    def _problems(
        comp: CompiledInstrument, j: int, decoded: Any, ids: Any, first: int
    ) -> list[Problem]:
        column, item = comp.columns[j], comp.item_ids[j]
        rows = decoded.bad_rows
        respondents = (
            ids[rows] if isinstance(ids, np.ndarray) else ids.take(int_array(rows))
        ).tolist()
        return [
            Problem(
                first + int(r) + 1, str(rid), column, item, comp.id, str(value), REASONS[int(code)]
            )
            for r, rid, value, code in zip(
                rows.tolist(),
                respondents,
                decoded.bad_values,
                decoded.bad_reasons.tolist(),
                strict=True,
            )
        ]

    def _update_stats(
        self,
        ci: int,
        comp: CompiledInstrument,
        lows: NDArray[np.float64],
        highs: NDArray[np.float64],
        counts: NDArray[np.int64],
    ) -> None:
        """Track the observed range per response scale (for the narrow-range warning)."""
        respondents = int((counts.sum(axis=1) > 0).sum()) if counts.size else 0
        if respondents == 0:
            return
        for s in sorted(set(comp.item_scale.tolist())):  # (np.unique imports numpy.ma)
            in_scale = comp.item_scale == s
            lo, hi = lows[in_scale], highs[in_scale]
            if np.isnan(lo).all():
                continue
            stats = self.stats.setdefault((ci, s), _ScaleStats())
            stats.low = min(stats.low, float(np.nanmin(lo)))
            stats.high = max(stats.high, float(np.nanmax(hi)))
            stats.respondents += respondents

    # -- after the run -------------------------------------------------------------------

    def warnings(self) -> list[Issue]:
        """Warnings about the whole data set; complete once every batch was read."""
        out = [
            *self._warnings,
            *self.source.read_warnings,
            *input_warnings(self.source, self.compiled),
        ]
        for (ci, s), stats in sorted(self.stats.items()):
            comp = self.compiled[ci]
            scale = comp.scales[s]
            if stats.respondents < NARROW_MIN_RESPONDENTS or len(scale.values) < 4:
                continue
            values = scale.values.tolist()
            unused = sum(v < stats.low for v in values) + sum(v > stats.high for v in values)
            if unused < 2:
                continue
            out.append(
                Issue(
                    "scale-range-narrow",
                    f"'{comp.id}' declares response scale '{scale.name}' as "
                    f"{_num(scale.low)}-{_num(scale.high)}, but across {stats.respondents} "
                    f"respondents the answers only span {_num(stats.low)}-{_num(stats.high)}. "
                    "If the data were collected on a narrower scale, reverse keying "
                    f"({_num(scale.low + scale.high)} - x) and the scores are wrong",
                    Location(file=self.source.name, instrument=comp.id),
                    "warning",
                    hint="declare the data's scale in a file that `extends: "
                    f"{comp.id}` with its own response_scales (docs/authoring.md)",
                )
            )
        return out

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
            "reading_columns": self.reading_names,
            "battery_columns": self.battery_columns,
            "battery_profiles": self.battery_profiles,
            "problems": self.problems.summary(),
            "warnings": [w.to_dict() for w in self.warnings()],
        }


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _compile(
    ref: InstrumentRef, instruments_dir: Sequence[str | os.PathLike[str]]
) -> CompiledInstrument:
    if isinstance(ref, CompiledInstrument):
        return ref
    if isinstance(ref, Instrument):
        return compile_instrument(ref)
    from relscales.instruments.loader import load_instrument

    return compile_instrument(load_instrument(ref, instruments_dir=instruments_dir))


def resolve_refs(
    refs: Sequence[InstrumentRef],
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
    compile_one: Any = None,
) -> tuple[list[CompiledInstrument], CompiledBattery | None]:
    """Compile instrument references; a battery (at most one) is expanded to its members."""
    from relscales.errors import SpecError
    from relscales.instruments.battery import load_battery
    from relscales.instruments.kinds import file_kind
    from relscales.instruments.registry import resolve_instrument
    from relscales.scoring.compile import compile_battery

    compiled: list[CompiledInstrument] = []
    battery: CompiledBattery | None = None
    for ref in refs:
        if isinstance(ref, str | os.PathLike):
            path = resolve_instrument(ref, extra_dirs=instruments_dir)
            if file_kind(path) == "battery":
                if battery is not None:
                    raise SpecError(
                        Issue(
                            "invalid-option",
                            "only one battery can be scored at a time",
                            Location(file=str(path)),
                            hint="score the batteries in separate runs",
                        )
                    )
                battery = compile_battery(load_battery(path, instruments_dir=instruments_dir))
                continue
        compiled.append(compile_one(ref) if compile_one else _compile(ref, instruments_dir))
    return compiled, battery


def score_compiled(
    compiled: Sequence[CompiledInstrument],
    data: Any,
    options: ScoreOptions | None = None,
    *,
    columns: Sequence[str] | None = None,
    battery: CompiledBattery | None = None,
) -> ScoreResult:
    """Score data with compiled instruments and collect the whole result in memory."""
    options = options or ScoreOptions()
    source = data if isinstance(data, Source) else open_source(data, columns=columns)
    run = ScoringRun(compiled, source, options, battery)
    chunks: dict[str, list[NDArray[Any]]] = {name: [] for name in run.output_columns}
    counted: dict[str, list[NDArray[np.int64]]] = {}
    details: dict[str, list[NDArray[Any]]] = {}
    for batch_columns, answered in run.scored_batches():
        for name, values in batch_columns.items():
            chunks[name].append(values)
        for name, values in answered.items():
            counted.setdefault(name, []).append(values)
        for name, values in run.details_batch.items():
            details.setdefault(name, []).append(values)
        run.details_batch = {}
    id_name = run.id_column or "row"
    columns_out = {name: _concat(parts, name == id_name) for name, parts in chunks.items()}
    score_names = [s.column for row in run.states for s in row] + list(run.battery_columns)
    return ScoreResult(
        columns=columns_out,
        id_column=id_name,
        scores={name: columns_out[name] for name in score_names},
        n_answered={name: _concat(parts, False) for name, parts in counted.items()},
        details={name: np.concatenate(parts) for name, parts in details.items()},
        problems=tuple(run.problems.records),
        problem_count=run.problems.total,
        warnings=tuple(run.warnings()),
        metadata=run.metadata(),
    )


def _concat(parts: list[Any], is_id: bool) -> NDArray[Any]:
    if not parts:
        return np.empty(0, dtype=object if is_id else np.float64)
    if not isinstance(parts[0], np.ndarray):  # pyarrow id arrays
        import pyarrow as pa

        ids = pa.concat_arrays(parts).to_pylist()  # to_numpy would import pandas
        out = np.empty(len(ids), dtype=object)
        out[:] = ids
        return out
    return np.concatenate(parts)


def score(
    instrument: InstrumentRef | Sequence[InstrumentRef],
    data: Any,
    *,
    id_column: str | None = None,
    column_map: Mapping[str, str] | None = None,
    with_ci: bool = False,
    with_norms: bool = False,
    with_counts: bool = False,
    with_bands: bool = False,
    confidence_level: float = 0.95,
    norm_group: str | None = None,
    reliability: Mapping[str, float] | None = None,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
    columns: Sequence[str] | None = None,
    quality: bool = False,
    exclude_careless: bool = False,
) -> ScoreResult:
    """Score response data on one or more instruments.

    Parameters
    ----------
    instrument
        A bundled id (``"ecr-r"``), a YAML path, a loaded :class:`Instrument`, a
        :class:`CompiledInstrument`, or a list of these (scored in one pass).
    data
        A CSV/TSV path, a mapping of column name -> values, a 2-D numpy array with
        ``columns``, a numpy structured array, a pandas/polars DataFrame, or a
        pyarrow Table. Item columns are matched by item id or the item's ``column``.
    id_column
        The respondent id column (default: detected; else rows are numbered).
    column_map
        Data column -> item id, for data named otherwise.
    with_ci, with_norms, with_counts, with_bands
        Add interval, norm, answered-count and band columns to ``.columns``.
    confidence_level
        Level of the intervals.
    norm_group
        Reference group for norms (default: each score's first).
    reliability
        Score id -> reliability for the SEM, overriding the published value.
    instruments_dir
        Extra folders to search for instrument ids.
    columns
        Column names of a plain 2-D numpy array ``data``.
    quality, exclude_careless
        Add a ``quality`` column from the careless-responding screen; leave the scores of
        flagged respondents empty (see :class:`ScoreOptions`).

    Returns
    -------
    ScoreResult
        Scores in input row order with problems, warnings and provenance.

    Examples
    --------
    >>> res = score("rses", {"id": ["a", "b"], **{f"rses{i:02d}": [3, 0] for i in range(1, 11)}})
    >>> res.scores["self_esteem"].tolist()
    [15.0, 15.0]
    """
    refs: list[InstrumentRef] = (
        list(instrument) if isinstance(instrument, list | tuple) else [instrument]  # type: ignore[list-item]
    )
    compiled, battery = resolve_refs(refs, instruments_dir)
    options = ScoreOptions(
        id_column=id_column,
        column_map=dict(column_map or {}),
        with_ci=with_ci,
        with_norms=with_norms,
        with_counts=with_counts,
        with_bands=with_bands,
        confidence_level=confidence_level,
        norm_group=norm_group,
        reliability=dict(reliability or {}),
        quality=quality,
        exclude_careless=exclude_careless,
    )
    return score_compiled(compiled, data, options, columns=columns, battery=battery)


def collect_answers(
    compiled: CompiledInstrument, data: Any, *, columns: Sequence[str] | None = None
) -> tuple[NDArray[Any], NDArray[np.float64], tuple[Problem, ...]]:
    """Read every respondent's answers to one instrument into one matrix (for analyses).

    Returns
    -------
    ids, answers, problems
        Respondent ids, the ``(n, k)`` matrix of raw answer codes in item order
        (``NaN`` = missing or invalid), and the invalid cells found.
    """
    source = data if isinstance(data, Source) else open_source(data, columns=columns)
    run = ScoringRun([compiled], source, ScoreOptions(problem_limit=None))
    ids: list[Any] = []
    blocks: list[NDArray[np.float64]] = []
    for batch in source.batches(run.needed_columns(), prepare=run._decode_batch):
        decoded = batch.columns[_DECODED][0]
        id_values = run._ids(batch.columns, batch.n_rows, batch.first_row)
        if batch.ragged:
            run.problems.add(row_problems(batch, numbered=run.id_column is None))
        for j, cells in decoded.bad:
            run.problems.add(run._problems(compiled, j, cells, id_values, batch.first_row))
        ids.append(id_values)
        blocks.append(np.array(decoded.x, copy=True))
    answers = np.vstack(blocks) if blocks else np.empty((0, len(compiled.item_ids)))
    return _concat(ids, True), answers, tuple(run.problems.records)


def screen_answers(
    compiled: CompiledInstrument,
    answers: NDArray[np.float64],
    durations: NDArray[np.float64] | None = None,
) -> Any:
    """Run the careless-responding screen on one instrument's raw answer matrix.

    Items are reverse-keyed with their declared scales; each subscale of two or more
    items is a scale for even-odd consistency; attention-check items declared in the
    instrument are checked; Mahalanobis distance is skipped when there are too few
    respondents (or the covariance cannot be inverted).
    """
    from relscales.quality import screen

    keyed = np.where(compiled.reverse, compiled.offset - answers, answers)
    scales = [np.flatnonzero(w > 0).tolist() for w in compiled.weights]
    scales = [s for s in scales if len(s) >= 2]
    skip: list[Any] = [] if len(scales) >= 2 else ["even_odd"]
    if answers.shape[0] <= answers.shape[1] + 1:
        skip.append("mahalanobis")
    extra: dict[str, Any] = {
        "scales": scales if len(scales) >= 2 else None,
        "x_raw": answers,
        "checks": dict(compiled.attention_checks) or None,
        "duration_seconds": durations,
    }
    try:
        return screen(keyed, skip=skip, **extra)
    except ScoringError:
        return screen(keyed, skip=[*skip, "mahalanobis"], **extra)


def numeric_column(source: Source, name: str) -> NDArray[np.float64]:
    """Read one column of a source as numbers (``NaN`` for empty or non-numeric cells)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if name not in source.header:
        raise DataError(
            Issue(
                "id-column-not-found",
                f"the column '{name}' is not in the data",
                Location(file=source.name, data_column=name),
                hint=did_you_mean(name, source.header) or "check the column name",
            )
        )
    parts: list[NDArray[np.float64]] = []
    for batch in source.batches([name]):
        cells = batch.columns[name]
        if isinstance(cells, pa.ChunkedArray):
            cells = cells.combine_chunks()
        if not (pa.types.is_integer(cells.type) or pa.types.is_floating(cells.type)):
            text = pc.utf8_trim_whitespace(pc.cast(cells, pa.string()))
            ok = pc.match_substring_regex(text, r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
            cells = pc.if_else(ok, text, pa.nulls(len(text), pa.string()))
        # buffers, not pa.scalar/to_numpy, which import pandas (see relscales._arrow)
        parts.append(np.array(to_float64(pc.cast(cells, pa.float64())), dtype=np.float64))
    return np.concatenate(parts) if parts else np.empty(0)

"""Scoring one batch of answers: decoded matrices in, score, interval and reading columns out.

:class:`BatchScorer` works on arrays only: it decodes a batch's answer columns (Arrow
arrays) into one answer matrix per instrument, scores them (subscales, composites, norms,
intervals, flags, profiles, battery readings), lists the invalid cells and tracks the
observed range of each response scale. Where the batches come from is the pipeline's
business (:mod:`relscales.pipeline.run`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from relscales._arrow import int_array
from relscales.errors import Issue, Location
from relscales.problems import Problem, ProblemLog
from relscales.scoring.combine import combine, part_weights, se_factor
from relscales.scoring.compile import (
    CompiledComposite,
    CompiledInstrument,
    CompiledProfile,
    ScoreInfo,
)
from relscales.scoring.decode import REASONS, Decoded, decode_into, preparse
from relscales.scoring.intervals import (
    ScoreInterval,
    composite_interval,
    fixed_interval,
    subscale_interval,
)
from relscales.scoring.irtscores import model_interval, theta_estimates
from relscales.scoring.kernel import item_sampling_se, keyed_scores_filled
from relscales.scoring.norms import band_labels, norm_scores
from relscales.scoring.plan import ScorePlan, ScoreState
from relscales.scoring.readings import (
    axis_levels,
    classify_functions,
    flag_state,
    gate,
    marker_levels,
    region_labels,
    score_flag_state,
)
from relscales.scoring.screening import InstrumentScreen, ScreenedBatch, quality_labels

if TYPE_CHECKING:
    from relscales.irt import ThetaEstimates

__all__ = ["DECODED", "AnswerBuffers", "BatchScorer", "DecodedAnswers", "ScaleStats"]

NARROW_MIN_RESPONDENTS = 100
"""Respondents needed before a narrow observed range is reported."""

DECODED = "\x00decoded"
"""Key under which a prepared batch carries its decoded answer matrices."""


@dataclass
class DecodedAnswers:
    """One instrument's answers in a batch, and what was found decoding them.

    ``filled`` holds the answers with 0 where there is none and ``missing`` the rows
    without an answer per item (the kernel's form); ``x``, with ``NaN`` for missing, is
    made on first use, for the parts that need it (flags, person-level errors).
    ``not_applicable`` maps an item's index to its rows answered "does not apply" (also
    in ``missing``), for the items that have any.
    """

    filled: NDArray[np.float64]
    missing: tuple[NDArray[np.int64], ...]
    bad: list[tuple[int, Decoded]]
    lows: NDArray[np.float64]
    highs: NDArray[np.float64]
    not_applicable: dict[int, NDArray[np.int64]] = field(default_factory=dict)
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

    def column(self, j: int) -> NDArray[np.float64]:
        """Item ``j``'s answers, ``NaN`` = missing (a copy)."""
        if self._x is not None:
            return self._x[:, j].copy()
        if self._released:
            raise RuntimeError("the answers of this batch were released before use")
        out = self.filled[:, j].copy()
        out[self.missing[j]] = np.nan
        return out

    def release(self, buffers: AnswerBuffers) -> None:
        """Hand ``filled`` back for the next batch; it must not be used after this."""
        self._released = True
        buffers.give(self.filled)


class AnswerBuffers:
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
class ScaleStats:
    """The observed range of one response scale and how many respondents it rests on."""

    low: float = math.inf
    high: float = -math.inf
    respondents: int = 0


class BatchScorer:
    """Scores batches of decoded answers for one :class:`ScorePlan`.

    Parameters
    ----------
    plan
        What to compute and the output columns.
    decimal_comma
        Whether text cells use a decimal comma (``4,5`` is 4.5).
    """

    def __init__(
        self, plan: ScorePlan, *, decimal_comma: bool = False, carry: tuple[str, ...] = ()
    ) -> None:
        self.plan = plan
        self.carry = carry
        """Columns passed through decoding untouched (a wave or couple column)."""
        self.compiled = plan.compiled
        self.options = plan.options
        self.battery = plan.battery
        self.id_column = plan.id_column
        self.states = plan.states
        self.reading_names = plan.reading_names
        self.battery_columns = plan.battery_columns
        self.battery_profiles = plan.battery_profiles
        self.output_columns = plan.output_columns
        self.needs_intervals = plan.needs_intervals
        self.interval_z = plan.interval_z
        self.decimal_comma = decimal_comma
        self.problems = ProblemLog(limit=plan.options.problem_limit)
        self.rows = 0
        self._buffers = AnswerBuffers()
        self._code_buffers = AnswerBuffers()
        """Keyed codes of the items of declared models, reused from batch to batch."""
        self.stats: dict[tuple[int, int], ScaleStats] = {}
        self.details_batch: dict[str, NDArray[Any]] = {}
        self.not_applicable_batch: dict[str, NDArray[np.int64]] = {}
        """The last batch's "does not apply" counts per subscale column."""
        self.screens: list[InstrumentScreen] | None = None
        """The quality screens, one per instrument (``--with-quality``): built by
        :meth:`start_screens`, filled by :meth:`screen_batch` in a first pass over the data,
        fitted by :meth:`finish_screens`; :meth:`score_batch` then applies them."""

    def start_screens(self) -> None:
        """Start the quality screens (``--with-quality``): one per instrument, no rows yet."""
        self.screens = [InstrumentScreen(comp) for comp in self.compiled]

    def screen_batch(self, columns: dict[str, Any]) -> None:
        """First pass of ``--with-quality``: add a batch's answers to the screens' statistics.

        ``columns`` are decoded by :meth:`decode` (or not yet); the answer matrices are
        handed back for the next batch afterwards.
        """
        if self.screens is None:
            raise RuntimeError("start_screens() was not called")
        if DECODED not in columns:
            columns = self.decode(columns)
        for screen, answers in zip(self.screens, columns[DECODED], strict=True):
            screen.update(answers.x)
            answers.release(self._buffers)

    def finish_screens(self) -> None:
        """Fit the screens once the first pass has seen every row."""
        for screen in self.screens or ():
            screen.finish()

    def decode(self, columns: dict[str, Any]) -> dict[str, Any]:
        """Decode every item column of a batch into one answer matrix per instrument.

        Runs in the reader's thread for files (no warnings machinery, which is not
        thread-safe), so decoding overlaps with scoring the previous batch.
        """
        n = len(next(iter(columns.values()))) if columns else 0
        decoded: list[DecodedAnswers] = []
        for comp in self.compiled:
            k = len(comp.item_ids)
            filled = self._buffers.take(n, k)
            lows, highs = np.empty(k), np.empty(k)
            missing = []
            bad = []
            not_applicable: dict[int, NDArray[np.int64]] = {}
            for j, column in enumerate(comp.columns):
                found = decode_into(
                    preparse(columns[column], decimal_comma=self.decimal_comma),
                    comp.scales[comp.item_scale[j]],
                    filled[:, j],
                )
                missing.append(found.missing)
                lows[j], highs[j] = found.low, found.high
                if found.invalid is not None:
                    bad.append((j, found.invalid))
                if found.not_applicable is not None:
                    not_applicable[j] = found.not_applicable
            decoded.append(DecodedAnswers(filled, tuple(missing), bad, lows, highs, not_applicable))
        # the first pass of the quality screen reads the item columns alone
        kept = {self.id_column: columns[self.id_column]} if self.id_column in columns else {}
        kept.update({name: columns[name] for name in self.carry if name in columns})
        return {**kept, DECODED: decoded}

    def score_batch(
        self,
        columns: dict[str, Any],
        ids: Any,
        n: int,
        first: int,
        durations: NDArray[np.float64] | None = None,
    ) -> tuple[dict[str, NDArray[Any]], dict[str, NDArray[np.int64]]]:
        """Score one batch: its output columns and its answered counts per subscale.

        ``columns`` are the batch's columns, decoded by :meth:`decode` (or not yet);
        ``ids`` its respondent ids (an Arrow string array, or row numbers); ``durations``
        the respondents' completion times in seconds, for the quality screen's speed rule.
        """
        if DECODED not in columns:
            columns = self.decode(columns)
        decoded_all: list[DecodedAnswers] = columns[DECODED]

        out: dict[str, NDArray[Any]] = {self.id_column or "row": ids}
        extras: dict[str, NDArray[Any]] = {}
        answered: dict[str, NDArray[np.int64]] = {}
        self.not_applicable_batch = {}
        opts = self.options
        member_values: list[NDArray[np.float64]] = []
        member_iv: list[ScoreInterval] = []
        member_flags: dict[str, NDArray[Any]] = {}
        lent: list[NDArray[np.float64]] = []
        screened: list[ScreenedBatch] = []
        for ci, (comp, states) in enumerate(zip(self.compiled, self.states, strict=True)):
            answers = decoded_all[ci]
            if self.screens is not None:
                screened.append(self.screens[ci].apply(answers.x, durations))
            batch_problems: list[Problem] = []
            for j, cells in answers.bad:
                batch_problems += self.cell_problems(comp, j, cells, ids, first)
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
            context = (
                {j: answers.column(j) for j in comp.context}
                if comp.applies_when or (opts.details and comp.context)
                else {}
            )
            irt_codes = [
                m.codes(
                    comp,
                    answers.filled,
                    answers.missing,
                    out=self._code_buffers.take(n, m.items.size),
                )
                for m in comp.irt
            ]
            lent += irt_codes
            answers.release(self._buffers)  # the answers are in the scores now
            self._update_stats(ci, comp, answers.lows, answers.highs, counts)
            na_counts = self._not_applicable_counts(comp, answers.not_applicable, n)
            not_applying = self._apply_context(comp, sub_scores, context)
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
            thetas = [
                theta_estimates(m, codes) for m, codes in zip(comp.irt, irt_codes, strict=True)
            ]
            intervals = (
                self._intervals(comp, states, values, person_se, counts, thetas, irt_codes)
                if person_se is not None
                else []
            )
            for m, est in zip(comp.irt, thetas, strict=True):
                name = states[m.subscale].column
                scored = ~np.isnan(values[m.subscale])  # min_answered and applies_when rule
                theta = np.where(scored, est.theta, np.nan)
                se = np.where(scored, est.se, np.nan)
                out[f"{name}_theta"], out[f"{name}_theta_se"] = theta, se
                out[f"{name}_theta_t"] = 50.0 + 10.0 * theta
                if opts.with_ci:
                    extras[f"{name}_theta_ci_low"] = theta - self.interval_z * se
                    extras[f"{name}_theta_ci_high"] = theta + self.interval_z * se
            flags = self._flags(comp, values, flag_values, n)
            out.update({self.reading_names[comp.id][f"flag_{k}"]: v for k, v in flags.items()})
            out.update(self._readings(comp, values, intervals, flags))
            if self.battery is not None and ci < len(self.battery.members):
                member_values += values
                member_iv += intervals
                member_flags.update({f"{comp.id}.{k}": v for k, v in flags.items()})
            if opts.details:
                for j, answer in context.items():
                    self.details_batch[f"{comp.id}/context/{comp.item_ids[j]}"] = answer
            na_columns = comp.counts_not_applicable
            for k, (state, v) in enumerate(zip(states, values, strict=True)):
                out[state.column] = v
                name = state.column
                if k < counts.shape[1]:
                    answered[name] = counts[:, k]
                    self.not_applicable_batch[name] = na_counts[:, k]
                    if opts.details:
                        self.details_batch[f"{name}.n_not_applicable"] = na_counts[:, k]
                        if k in not_applying:
                            self.details_batch[f"{name}.not_applicable"] = not_applying[k]
                if opts.with_ci:
                    extras[f"{name}_ci_low"] = intervals[k].low
                    extras[f"{name}_ci_high"] = intervals[k].high
                if opts.details:
                    self.details_batch[f"{name}.ci_low"] = intervals[k].low
                    self.details_batch[f"{name}.ci_high"] = intervals[k].high
                    self.details_batch[f"{name}.se"] = np.sqrt(intervals[k].variance)
                if opts.with_norms:
                    if state.norm is None:
                        z = t = pct = np.full(n, np.nan)
                    else:
                        ns = norm_scores(v, state.norm)
                        z, t, pct = ns.z, ns.t, ns.pct
                    extras[f"{name}_z"], extras[f"{name}_t"], extras[f"{name}_pct"] = z, t, pct
                if opts.with_counts and k < counts.shape[1]:
                    extras[f"{name}_n_answered"] = counts[:, k]
                    if na_columns[k]:
                        extras[f"{name}_n_not_applicable"] = na_counts[:, k]
                if opts.with_bands:
                    extras[f"{name}_band"] = band_labels(v, state.info.bands)
        if self.battery is not None:
            out.update(self._battery_stage(member_values, member_iv, member_flags, n, extras))
        self.rows += n
        out.update(extras)
        if self.screens is not None:
            out["quality"] = quality_labels([c.id for c in self.compiled], screened)
            for states, found in zip(self.states, screened, strict=True):
                for s, (kind, statistic) in found.person_fit.values.items():
                    out[f"{states[s].column}_{kind}"] = statistic
            drop = np.zeros(n, dtype=np.bool_)
            for found in screened:
                drop |= found.quality.careless
            if self.options.exclude_careless and drop.any():
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
        for codes in lent:  # nothing refers to them any more
            self._code_buffers.give(codes)
        return {name: out[name] for name in self.output_columns}, answered

    @staticmethod
    def _not_applicable_counts(
        comp: CompiledInstrument, rows_by_item: dict[int, NDArray[np.int64]], n: int
    ) -> NDArray[np.int64]:
        """``(n, s)``: per respondent and subscale, the items answered "does not apply"."""
        out = np.zeros((n, comp.weights.shape[0]), dtype=np.int64)
        for j, rows in rows_by_item.items():
            subscales = np.flatnonzero(comp.weights[:, j] > 0)
            if subscales.size and rows.size:
                out[rows[:, None], subscales[None, :]] += 1  # rows are distinct
        return out

    @staticmethod
    def _apply_context(
        comp: CompiledInstrument,
        sub_scores: NDArray[np.float64],
        context: dict[int, NDArray[np.float64]],
    ) -> dict[int, NDArray[np.bool_]]:
        """Blank the subscales that do not apply (``applies_when``); return where, by subscale.

        A subscale does not apply where its context item is answered with a code outside
        its ``in`` list; where the context item is unanswered it is scored as usual.
        """
        out: dict[int, NDArray[np.bool_]] = {}
        for s, j, codes in comp.applies_when:
            answer = context[j]
            off = ~(np.isnan(answer) | np.isin(answer, codes))
            sub_scores[off, s] = np.nan
            out[s] = off
        return out

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
                out[flag.id] = score_flag_state(values[flag.score], flag)
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
                    self.details_batch[f"{column}.se"] = np.sqrt(iv.variance)
        profile_columns = {v: k for k, v in self.battery_profiles.items()}
        for prof in battery.profiles:
            column = profile_columns[prof.id]
            out[column] = self._profile(prof, column, values, intervals, flags)
        return out

    def _intervals(
        self,
        comp: CompiledInstrument,
        states: list[ScoreState],
        values: list[NDArray[np.float64]],
        person_se: NDArray[np.float64],
        counts: NDArray[np.int64],
        thetas: Sequence[ThetaEstimates] = (),
        irt_codes: Sequence[NDArray[np.float64]] = (),
    ) -> list[ScoreInterval]:
        """Every score's interval (see :mod:`relscales.scoring.intervals`), in score order.

        A classical SEM where the score declares a reliability and a reference SD, else
        the person's own answers moderated by the prior; composites combine their parts.
        """
        z = self.interval_z
        out: list[ScoreInterval] = []
        n_sub = len(comp.methods)
        models = {
            m.subscale: (m, est, codes)
            for m, est, codes in zip(comp.irt, thetas, irt_codes, strict=True)
        }
        for k, state in enumerate(states[:n_sub]):
            info = state.info
            if k in models:  # a declared model: its conditional standard error
                m, est, codes = models[k]
                out.append(model_interval(m, comp, est, codes, values[k], z))
            elif state.sem is not None:
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
    def cell_problems(
        comp: CompiledInstrument, j: int, decoded: Any, ids: Any, first: int
    ) -> list[Problem]:
        """Problem records for the invalid cells of item ``j`` found decoding a batch."""
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
            stats = self.stats.setdefault((ci, s), ScaleStats())
            stats.low = min(stats.low, float(np.nanmin(lo)))
            stats.high = max(stats.high, float(np.nanmax(hi)))
            stats.respondents += respondents

    def range_warnings(self, file: str) -> list[Issue]:
        """Return the narrow-range warnings, once every batch was scored."""
        out = []
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
                    Location(file=file, instrument=comp.id),
                    "warning",
                    hint="declare the data's scale in a file that `extends: "
                    f"{comp.id}` with its own response_scales (docs/authoring.md)",
                )
            )
        return out


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"

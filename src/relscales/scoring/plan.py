"""The plan of a scoring run: output columns, per-score constants and warnings about options.

Worked out from the compiled instruments and the options alone, before any data is read:
which columns the output has and in what order, each score's reference group, reliability
and SEM, the names of flag, profile and battery columns, and the warnings the options call
for. Readers and writers never need it; the scorer and the pipeline do.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from relscales.errors import Issue, Location, ScoringError
from relscales.instruments.lint import did_you_mean
from relscales.scoring.combine import combine_se
from relscales.scoring.compile import (
    CompiledBattery,
    CompiledComposite,
    CompiledInstrument,
    ScoreInfo,
)
from relscales.scoring.norms import critical_z, pick_norm, sem
from relscales.scoring.options import ScoreOptions
from relscales.scoring.results import IntervalSource, ResultLayout, ScoreColumn
from relscales.scoring.screening import person_fit_columns

__all__ = ["ScorePlan", "ScoreState"]


@dataclass
class ScoreState:
    """Per-score constants for norms and intervals."""

    info: ScoreInfo
    column: str
    norm: Any
    sem: float | None
    reliability: float | None
    reliability_source: str | None


class ScorePlan:
    """Output columns and per-score constants of one scoring run.

    Parameters
    ----------
    compiled
        The instruments (a battery's members first), with their data columns mapped.
    options
        The run's options.
    id_column
        The respondent id column of the data, or ``None`` (rows are numbered).
    battery
        The battery being scored, if any.
    """

    def __init__(
        self,
        compiled: Sequence[CompiledInstrument],
        options: ScoreOptions,
        id_column: str | None,
        battery: CompiledBattery | None = None,
    ) -> None:
        self.compiled = list(compiled)
        self.options = options
        self.id_column = id_column
        self.battery = battery
        self._unused_reliability: list[str] = []
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

    def layout(self) -> ResultLayout:
        """Return the typed layout of the result: score, flag and profile columns."""
        scores: list[ScoreColumn] = []
        for comp, row in zip(self.compiled, self.states, strict=True):
            for state in row:
                source: IntervalSource
                if state.sem is not None and state.reliability_source != "propagated from parts":
                    source = "classical SEM"
                else:
                    source = "person" if state.info.kind == "subscale" else "combined"
                scores.append(
                    ScoreColumn(
                        state.column,
                        comp.id,
                        state.info.id,
                        "subscale" if state.info.kind == "subscale" else "composite",
                        state.norm.group if state.norm is not None else None,
                        state.reliability,
                        state.reliability_source,
                        state.sem,
                        source,
                    )
                )
        battery = self.battery
        for column, comp_id in self.battery_columns.items():
            assert battery is not None
            scores.append(
                ScoreColumn(
                    column, battery.id, comp_id, "composite", None, None, None, None, "combined"
                )
            )
        flags = {
            comp.id: {f.id: self.reading_names[comp.id][f"flag_{f.id}"] for f in comp.flags}
            for comp in self.compiled
        }
        profiles = {
            comp.id: {p.id: self.reading_names[comp.id][p.id] for p in comp.profiles}
            for comp in self.compiled
        }
        if battery is not None:
            profiles[battery.id] = {p: column for column, p in self.battery_profiles.items()}
        return ResultLayout(tuple(scores), flags, profiles, self.options.confidence_level)

    @property
    def score_columns(self) -> list[str]:
        """Every score's output column: instruments' scores, then the battery's composites."""
        return [s.column for row in self.states for s in row] + list(self.battery_columns)

    @staticmethod
    def check_option_names(compiled: Sequence[CompiledInstrument], options: ScoreOptions) -> None:
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
            for column, item in options.column_map.items()
            if item not in items
        ]
        issues += [
            Issue(
                "invalid-option",
                f"--reliability names '{name}', which is not a score of the instruments",
                hint=did_you_mean(name, scores) or f"scores: {', '.join(sorted(scores))}",
            )
            for name in options.reliability
            if name not in scores
        ]
        if issues:
            raise ScoringError(issues)

    def integer_columns(self) -> set[str]:
        """Item columns whose every scale is coded in small integers (read as int16)."""
        found: set[str] = set()
        mixed: set[str] = set()
        for comp in self.compiled:
            for j, column in enumerate(comp.columns):
                scale = comp.scales[comp.item_scale[j]]
                codes = scale.values
                if scale.not_applicable:  # "does not apply" codes are read from the data too
                    codes = np.concatenate([codes, np.array(sorted(scale.not_applicable))])
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

    def _score_states(self) -> list[list[ScoreState]]:
        names = self._qualified()
        states: list[list[ScoreState]] = []
        for i, comp in enumerate(self.compiled):
            row: list[ScoreState] = []
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
                row.append(ScoreState(info, column, norm, sem_value, rel, rel_source))
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

    def _composite_sem(self, comp: CompiledComposite, row: list[ScoreState]) -> float | None:
        parts = [row[p] for p in comp.parts.tolist()]
        if any(state.sem is None for state in parts):
            return None
        return float(
            combine_se(
                [s.sem for s in parts], [s.info for s in parts], comp, self.options.norm_group
            )
        )

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
        for comp, row in zip(self.compiled, self.states, strict=True):  # declared IRT models
            for m in comp.irt:
                name = row[m.subscale].column
                cols += [f"{name}_theta", f"{name}_theta_se", f"{name}_theta_t"]
        for comp in self.compiled:  # flags first: they are read before any reading
            cols += [self.reading_names[comp.id][f"flag_{f.id}"] for f in comp.flags]
        for comp in self.compiled:
            cols += [self.reading_names[comp.id][p.id] for p in comp.profiles]
        cols += list(self.battery_profiles)
        opts = self.options
        if opts.quality or opts.exclude_careless:  # person fit, then the label
            for comp, row in zip(self.compiled, self.states, strict=True):
                cols += [f"{row[s].column}_{kind}" for s, kind in person_fit_columns(comp)]
            cols.append("quality")
        for comp, row in zip(self.compiled, self.states, strict=True):
            na_counted = comp.counts_not_applicable
            for k, s in enumerate(row):
                if opts.with_ci:
                    cols += [f"{s.column}_ci_low", f"{s.column}_ci_high"]
                    if any(m.subscale == k for m in comp.irt):
                        cols += [f"{s.column}_theta_ci_low", f"{s.column}_theta_ci_high"]
                if opts.with_norms:
                    cols += [f"{s.column}_z", f"{s.column}_t", f"{s.column}_pct"]
                if opts.with_counts and k < len(comp.methods):
                    cols.append(f"{s.column}_n_answered")
                    if na_counted[k]:  # only subscales that can be answered "does not apply"
                        cols.append(f"{s.column}_n_not_applicable")
                if opts.with_bands:
                    cols.append(f"{s.column}_band")
        return cols

    def option_warnings(self) -> Iterator[Issue]:
        """Warnings the options call for (norms asked for but not declared, ...)."""
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

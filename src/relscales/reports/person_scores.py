"""The score views of one respondent in a person report.

:class:`PersonScores` looks up a respondent's scores in a :class:`ScoreResult` and turns
each into a :class:`~relscales.reports.views.ScoreView`: its value, interval, band,
comparison with a reference group, and chart. Chart ids are numbered here, for the whole
report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from relscales.reports import charts, wording
from relscales.reports.common import around
from relscales.reports.explain import interval_bounds, interval_source
from relscales.reports.views import Interval, NormComparison, ScoreView

if TYPE_CHECKING:
    from relscales.scoring.compile import CompiledBattery, CompiledInstrument, ScoreInfo
    from relscales.scoring.results import ScoreColumn, ScoreResult

__all__ = ["PersonScores"]


def _float(value: Any) -> float | None:
    if value is None:
        return None
    out = float(value)
    return None if math.isnan(out) else out


def _pct(level: float) -> str:
    return f"{level * 100:g}%"


class PersonScores:
    """Builds the score views of one respondent; holds the lookups every view shares.

    Also numbers the report's charts (:meth:`chart_id`), so that reading charts continue
    the count of score charts.
    """

    def __init__(
        self,
        result: ScoreResult,
        compiled: Sequence[CompiledInstrument],
        row: int,
        battery: CompiledBattery | None,
    ) -> None:
        from relscales.scoring.norms import critical_z

        self.result = result
        self.row = row
        self.battery = battery
        if battery is not None:
            compiled = [*battery.members, *[c for c in compiled if c not in battery.members]]
        self.compiled = list(compiled)
        layout = result.layout
        self.level = layout.confidence_level
        self.z = critical_z(self.level)
        ids = {c.id for c in self.compiled}
        self.scores_meta: dict[str, ScoreColumn] = {
            s.column: s for s in layout.scores if s.owner in ids
        }
        self.column_of = {(m.owner, m.score): col for col, m in self.scores_meta.items()}
        self.charts = 0

    def chart_id(self) -> str:
        """Return the id of the report's next chart."""
        self.charts += 1
        return f"chart-{self.charts}"

    def value(self, column: str) -> float | None:
        """Return this respondent's score in a column (None when missing)."""
        if column not in self.result.columns:
            return None
        return _float(self.result.columns[column][self.row])

    def subscale_of(self, column: str) -> tuple[CompiledInstrument, int] | None:
        """Return the instrument and subscale index of a subscale column (None otherwise)."""
        meta = self.scores_meta.get(column)
        if meta is None:
            return None
        comp = next((c for c in self.compiled if c.id == meta.owner), None)
        if comp is None or meta.score not in comp.score_ids:
            return None
        index = comp.score_ids.index(meta.score)
        return (comp, index) if index < len(comp.methods) else None

    def n_not_applicable(self, column: str) -> int | None:
        """Return how many items of a subscale were answered "Does not apply".

        None when none are counted (a composite).
        """
        counts = self.result.n_not_applicable.get(column)
        if counts is None:
            key = f"{column}.n_not_applicable"
            counts = self.result.details.get(key)
        return None if counts is None else int(counts[self.row])

    def context_answer(self, column: str) -> str | None:
        """Return the context answer that rules a subscale out (``applies_when``), as shown.

        None when the subscale applies (or has no ``applies_when``). The answer is the
        context question's label for the code given, else the code.
        """
        ruled_out = self.result.details.get(f"{column}.not_applicable")
        if ruled_out is None or not bool(ruled_out[self.row]):
            return None
        found = self.subscale_of(column)
        if found is None:
            return ""
        comp, index = found
        rule = next((r for r in comp.applies_when if r[0] == index), None)
        if rule is None:
            return ""
        item = comp.instrument.items[rule[1]]
        answers = self.result.details.get(f"{comp.id}/context/{item.id}")
        code = None if answers is None else _float(answers[self.row])
        if code is None:
            return ""
        scale = comp.instrument.spec.response_scales[item.scale]
        label = scale.labels.get(code)
        return str(label) if label else f"{code:g}"

    def missing_reason(self, column: str) -> tuple[str, str]:
        """Say why a subscale is missing: ``(score text, part text)``.

        The score text follows ``missing: `` on the score's line; the part text says why a
        part of an index could not be assessed. The reason is the respondent's context
        (``applies_when``), questions answered "Does not apply", or questions left blank.
        """
        answer = self.context_answer(column)
        if answer is not None:
            why = wording.context_reason(answer) if answer else "it does not apply to you"
            return why, why
        n_na = self.n_not_applicable(column) or 0
        found = self.subscale_of(column)
        counts = self.result.n_answered.get(column)
        if n_na and found is not None and counts is not None:
            comp, index = found
            answered = int(counts[self.row])
            if answered + n_na >= int(comp.min_answered[index]):
                why = wording.DID_NOT_APPLY if not answered else wording.FEW_APPLIED
                return why, why
            return (
                f"too few items were answered ({n_na} did not apply to you)",
                wording.LEFT_BLANK,
            )
        return "too few items were answered", wording.LEFT_BLANK

    def interval(self, column: str, key: str, value: float | None) -> tuple[Interval | None, str]:
        """Return the interval of a score and a sentence about it (or why there is none).

        The engine computed every score's interval (``details=True`` or ``with_ci=True``);
        for a result without them, a score with a classical SEM gets it here.
        """
        if value is None:
            return None, f"missing: {self.missing_reason(column)[0]}"
        bounds = interval_bounds(self.result, column, self.row)
        if bounds is None:
            bounds = self.sem_bounds(column, value)
        if bounds is None:
            return None, "no interval: this score's precision is not known"
        source = interval_source(self.result, column)
        iv = Interval(bounds[0], bounds[1], self.level, source)
        return iv, f"{_pct(self.level)} interval {iv.low:.2f} to {iv.high:.2f} ({source})"

    def sem_bounds(self, column: str, value: float) -> tuple[float, float] | None:
        """Return the classical-SEM interval of a score scored without intervals, or None."""
        from relscales.scoring.intervals import fixed_interval

        meta = self.scores_meta.get(column)
        if meta is None or meta.sem is None or meta.interval_source != "classical SEM":
            return None
        comp = next((c for c in self.compiled if c.id == meta.owner), None)
        info = next((i for i in (comp.scores if comp else ()) if i.id == meta.score), None)
        norm = next((n for n in (info.norms if info else ()) if n.group == meta.norm_group), None)
        if info is None or norm is None:
            return None
        iv = fixed_interval(
            np.array([value]), float(meta.sem), float(norm.mean), info.low, info.high, self.z
        )
        return float(iv.low[0]), float(iv.high[0])

    def bounds(self, column: str, key: str) -> tuple[float, float]:
        """Return the range of a score (its lowest and highest possible values)."""
        meta = self.scores_meta.get(column)
        infos: list[ScoreInfo] = []
        if meta is not None:
            comp = next((c for c in self.compiled if c.id == meta.owner), None)
            infos = [i for i in (comp.scores if comp else ()) if i.id == meta.score]
        elif self.battery is not None and key in self.battery.names:
            infos = [self.battery.scores[self.battery.names.index(key)]]
        return (infos[0].low, infos[0].high) if infos else (-math.inf, math.inf)

    def score_view(
        self,
        column: str,
        key: str,
        info: ScoreInfo,
        n_items: int | None,
        screen: bool,
        missing: str | None = None,
    ) -> ScoreView:
        """Return the view of one score: value, interval, band, norm and chart.

        ``missing`` says why the score is missing when the caller knows better (a
        composite whose parts are missing); a subscale's reason is found here.
        """
        from relscales.scoring.norms import band_labels, norm_scores

        value = self.value(column)
        interval, interval_text = self.interval(column, key, value)
        if value is not None:
            reason = None
        elif missing is not None:
            reason = missing
            interval_text = f"missing: {missing}"
        else:
            reason = interval_text.removeprefix("missing: ")
        counts = self.result.n_answered.get(column)
        n_answered = int(counts[self.row]) if counts is not None else None
        n_na = self.n_not_applicable(column) if counts is not None else None
        ruled_out = self.context_answer(column) is not None
        answered_text = ""
        if n_items and n_answered is not None and not ruled_out:
            answered_text = f"{n_answered} of {n_items} items answered"
            if n_na:
                answered_text += f"; {n_na} did not apply to you"
        band = band_note = None
        norm_view = None
        norm_text = (
            "No reference group is declared for this score, so it is not compared with norms."
        )
        meta = self.scores_meta.get(column)
        group = meta.norm_group if meta is not None else None
        norm = next((n for n in info.norms if n.group == group), None)
        if value is not None:
            label = band_labels(np.array([value]), info.bands)[0]
            if label is not None:
                band = str(label)
                band_note = next((b.note for b in info.bands if b.label == band), None)
            if norm is not None:
                ns = norm_scores(np.array([value]), norm)
                z, t, pct = float(ns.z[0]), float(ns.t[0]), float(ns.pct[0])
                method: Literal["normal approximation", "percentile table"] = (
                    "percentile table" if norm.percentiles else "normal approximation"
                )
                norm_text = (
                    f"Compared with {norm.group} (mean {float(norm.mean):g}, SD "
                    f"{float(norm.sd):g}{f', n = {norm.n}' if norm.n else ''}): z = {z:.2f}, "
                    f"T = {t:.0f}, higher than about {pct:.0f}% of that group ({method})."
                )
                norm_view = NormComparison(
                    str(norm.group),
                    float(norm.mean),
                    float(norm.sd),
                    norm.n,
                    norm.source,
                    z,
                    t,
                    pct,
                    method,
                    norm_text,
                )
        ci = (interval.low, interval.high) if interval else None
        bounded = math.isfinite(info.low) and math.isfinite(info.high)
        low, high = (info.low, info.high) if bounded else around(value, ci)
        chart = None
        if not screen and value is not None:
            desc = f"{info.name}: {value:.2f} on a range of {low:g} to {high:g}"
            desc += f"; {interval_text}" if interval else ""
            desc += f"; band: {band}" if band else ""
            desc += f"; {norm_text}" if norm_view else ""
            chart = charts.interval_chart(
                self.chart_id(),
                info.name,
                desc,
                low=low,
                high=high,
                value=value,
                ci=ci,
                bands=[
                    charts.Band(b.label, None if b.below is None else float(b.below))
                    for b in info.bands
                ],
                norm=charts.NormCurve(str(norm.group), float(norm.mean), float(norm.sd))
                if norm is not None
                else None,
            )
        return ScoreView(
            id=column,
            name=info.name,
            kind="composite" if info.kind == "composite" else "subscale",
            description=None,
            value=value,
            low=low,
            high=high,
            bounded=bounded,
            n_answered=n_answered,
            n_items=n_items,
            n_not_applicable=n_na,
            not_applicable=ruled_out,
            answered_text=answered_text,
            missing_reason=reason,
            interval=interval,
            interval_text=interval_text,
            band=band,
            band_note=band_note,
            norm=norm_view,
            norm_text=norm_text,
            screen=screen,
            chart=chart,
            text_bar=charts.text_bar(low, high, value, ci),
        )

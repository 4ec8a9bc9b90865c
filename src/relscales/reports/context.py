"""The template context of reports: typed, frozen, documented (docs/reports.md).

:func:`person_context` turns one respondent of a :class:`ScoreResult` into a
:class:`PersonReport`; :func:`study_context` turns a whole result (and, optionally, the
:class:`~relscales.analysis.AnalysisResult` of each instrument) into a
:class:`StudyReport`. Templates see exactly these objects, as ``report``, and nothing
else of Python. Numbers stay at full precision (templates round them with the ``num``
filter); sentences that carry meaning (intervals, norms, readings) are built here once,
so the HTML, Markdown and text reports say the same thing.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from relscales._version import __version__
from relscales.reports import charts, wording
from relscales.reports.explain import (
    flag_message,
    flag_resources,
    flag_states,
    interval_bounds,
    interval_source,
    marker_level,
)

if TYPE_CHECKING:
    from relscales.analysis import AnalysisResult
    from relscales.scoring.compile import (
        CompiledBattery,
        CompiledComposite,
        CompiledInstrument,
        CompiledProfile,
        ScoreInfo,
    )
    from relscales.scoring.results import ScoreResult

__all__ = [
    "AxisView",
    "Clock",
    "Flag",
    "Guidance",
    "InstrumentView",
    "Interval",
    "ItemRow",
    "ItemTable",
    "LabelCount",
    "MarkerView",
    "NormComparison",
    "PersonReport",
    "ProfileCounts",
    "Provenance",
    "QualitySummary",
    "ReadingView",
    "ReliabilityRow",
    "Resource",
    "Safety",
    "Sample",
    "ScoreDistribution",
    "ScoreView",
    "StudyInstrument",
    "StudyReport",
    "default_clock",
    "person_context",
    "study_context",
]

Clock = Callable[[], datetime.datetime]
"""A function returning the report's date and time (injectable for reproducible output)."""


def default_clock() -> datetime.datetime:
    """Return now (UTC), or the time in ``SOURCE_DATE_EPOCH`` when that is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    return datetime.datetime.now(datetime.UTC)


# --------------------------------------------------------------------------------------
# The person report
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resource:
    """A place to get help, shown with a raised flag."""

    name: str
    contact: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class Flag:
    """A declared flag and its state for this respondent."""

    id: str
    name: str
    instrument: str
    severity: Literal["info", "concern", "urgent"]
    state: Literal["raised", "not raised", "unknown"]
    message: str
    resources: tuple[Resource, ...]

    @property
    def raised(self) -> bool:
        """True when the flag is raised."""
        return self.state == "raised"


@dataclass(frozen=True, slots=True)
class Safety:
    """The report's safety state, and what is said about it (shown before any score).

    ``state`` governs the readings and the advice: ``raised`` (a safety flag is raised:
    no source reading, no couples therapy, no tips that involve the partner), ``unknown``
    (the safety questions were skipped or partly skipped, so safety could not be checked;
    partner-directed tips and couples therapy only for a relationship where one feels
    safe), ``clear`` (asked, nothing raised) or ``not screened`` (no instrument in the
    report asks about safety).
    """

    state: Literal["raised", "unknown", "clear", "not screened"]
    heading: str | None
    """``Your safety comes first`` (raised), ``Safety could not be checked`` (unknown),
    else None."""
    text: tuple[str, ...]
    """Paragraphs of the safety section, after the flags' own messages: why it matters
    (raised), or that safety could not be checked (unknown). Empty otherwise."""
    privacy: str | None
    """The note that others may see the device or the saved or printed report (raised and
    unknown), else None."""
    flags: tuple[Flag, ...]
    """The safety flags in that state (raised ones, or the unknown ones)."""
    resources: tuple[Resource, ...]
    """Those flags' resources for the locale, each once (what the safety section shows)."""

    @property
    def resources_shown(self) -> bool:
        """True when the report shows resources (texts may then point at them)."""
        return bool(self.resources)


@dataclass(frozen=True, slots=True)
class Interval:
    """A confidence interval around a score (from the engine: bounded, maybe asymmetric)."""

    low: float
    high: float
    level: float
    source: str
    """How the interval was computed, in words."""


@dataclass(frozen=True, slots=True)
class NormComparison:
    """A score compared with one reference group."""

    group: str
    mean: float
    sd: float
    n: int | None
    source: str | None
    z: float
    t: float
    percentile: float
    percentile_method: Literal["normal approximation", "percentile table"]
    text: str


@dataclass(frozen=True, slots=True)
class ScoreView:
    """One score (subscale or composite) of one respondent."""

    id: str
    """The score's column name in ``relscales score`` output."""
    name: str
    kind: Literal["subscale", "composite"]
    description: str | None
    value: float | None
    low: float
    high: float
    """The range drawn: the score's possible range, or around the values when unbounded."""
    bounded: bool
    """False for scores without fixed bounds (composites of z scores)."""
    n_answered: int | None
    n_items: int | None
    interval: Interval | None
    interval_text: str
    band: str | None
    band_note: str | None
    norm: NormComparison | None
    norm_text: str
    screen: bool
    """A screen (the RISI safety items), not a score to interpret: read its flag."""
    chart: str | None
    """Inline SVG markup (already escaped), or None for screens and missing scores."""
    text_bar: str
    """The score and its interval as one line of text (Markdown and text reports)."""


@dataclass(frozen=True, slots=True)
class MarkerView:
    """One marker of an axis judged marker by marker (``rule: any``)."""

    score: str
    name: str
    value: float | None
    interval: Interval | None
    cut: float
    level: str | None
    """``high`` (the whole interval above the cut), ``low``, ``indeterminate`` or None."""


@dataclass(frozen=True, slots=True)
class AxisView:
    """One axis of a two-axis reading."""

    score: str
    name: str
    value: float | None
    interval: Interval | None
    cut: float | None
    level: str | None
    """``low``, ``high``, ``indeterminate``, ``function`` or None (missing)."""
    text: str
    rule: Literal["mean", "any"] = "mean"
    """``any``: judged marker by marker (``markers``); the score is then a summary only."""
    markers: tuple[MarkerView, ...] = ()
    not_assessed: tuple[str, ...] = ()
    """Names of optional parts of the axis score that were missing for this respondent
    (recurrence across partners in a first relationship); the score rests on the others."""


@dataclass(frozen=True, slots=True)
class ReadingView:
    """A two-axis reading (profile) of one respondent, with its chart and plain text."""

    id: str
    name: str
    owner: str
    """The instrument or battery that declares it."""
    kind: Literal["insecurity_source", "attachment", "other"]
    method: Literal["cut", "functions"]
    label: str | None
    """The region, ``indeterminate``, or None when a score is missing."""
    descriptive: bool
    experimental: bool
    x: AxisView
    y: AxisView
    regions: tuple[tuple[str, str], ...]
    """``(key, name)`` pairs; keys are ``low-low``, ``low-high``, ``high-low``, ``high-high``."""
    intro: tuple[str, ...]
    """Paragraphs explaining what the reading and its axes mean (empty when an earlier
    reading of the same kind in the report already explained them)."""
    finding: str
    """What this respondent's reading says, in plain words."""
    note: str | None
    chart: str
    """Inline SVG markup (already escaped); empty when no chart is drawn (safety-first)."""
    label_text: str = ""
    """The label as shown: the region, ``indeterminate``, ``none (a score is missing)``, or
    ``none given: your safety comes first``."""
    qualifier: str | None = None
    """Said after the label: experimental, and/or a description, not a diagnosis."""
    safety_first: bool = False
    """A flag that governs this reading is raised: no region, no axes, no chart."""
    notes: tuple[str, ...] = ()
    """Further sentences after the finding (safety could not be checked for this reading)."""
    chart_note: str | None = None
    """Said under the chart (an axis judged marker by marker, drawn at its summary score)."""


@dataclass(frozen=True, slots=True)
class InstrumentView:
    """An instrument (or a battery) in a person report."""

    kind: Literal["instrument", "battery"]
    id: str
    name: str
    abbreviation: str | None
    version: str
    content_hash: str
    validation_status: str
    experimental: bool
    banner: str | None
    """Warning for experimental and provisional instruments; None for published ones."""
    citation: str | None
    doi: str | None
    scores: tuple[ScoreView, ...]
    readings: tuple[ReadingView, ...]
    norms_note: str | None
    """Said once when some scores have no reference group (None when all have one)."""
    interval_sources: tuple[str, ...]
    """Where the intervals of its scores come from, each source once."""
    safety_note: str | None = None
    """Shown before the scores when one of its readings is ``safety-first``: how to read
    internal-pattern scores when a partner may be frightening (None otherwise)."""


@dataclass(frozen=True, slots=True)
class Provenance:
    """What produced the numbers: an instrument or battery definition, by hash."""

    kind: Literal["instrument", "battery"]
    id: str
    version: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class Guidance:
    """Plain-language text: what the report is and is not, and what helps.

    ``what_helps`` and ``seek_help`` fit the readings and the safety state
    (:func:`relscales.reports.wording.what_helps`, :func:`~relscales.reports.wording.seek_help`).
    """

    not_a_diagnosis: str
    state_not_trait: str
    what_helps: tuple[str, ...]
    seek_help: str
    safety_heading: str
    what_helps_heading: str = "What often helps"
    seek_help_heading: str = "When to seek professional help"


@dataclass(frozen=True, slots=True)
class PersonReport:
    """Everything a person report shows (the template variable ``report``)."""

    kind: Literal["person"]
    title: str
    respondent_id: str
    row: int
    """1-based data row."""
    self_assessment: bool
    """True for a person's own sitting (``take``, ``serve``): no respondent id or row shown."""
    generated: str
    """Date of the report (ISO ``YYYY-MM-DD``)."""
    relscales_version: str
    confidence_level: float
    lang: str
    locale: str
    flags: tuple[Flag, ...]
    raised_flags: tuple[Flag, ...]
    banners: tuple[str, ...]
    """Validation banners of every experimental or provisional instrument, shown on top."""
    readings: tuple[ReadingView, ...]
    instruments: tuple[InstrumentView, ...]
    problems: tuple[str, ...]
    """This respondent's answers that were not valid (treated as missing)."""
    guidance: Guidance
    provenance: tuple[Provenance, ...]
    safety: Safety
    """The safety state and its texts (governs the readings and the advice)."""


def _float(value: Any) -> float | None:
    if value is None:
        return None
    out = float(value)
    return None if math.isnan(out) else out


def _pct(level: float) -> str:
    return f"{level * 100:g}%"


class _Builder:
    """Builds the views of one respondent; holds the lookups they share."""

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
        options = result.metadata.get("options", {})
        self.level = float(options.get("confidence_level", 0.95))
        self.z = critical_z(self.level)
        self.scores_meta: dict[str, dict[str, Any]] = result.metadata.get("scores", {})
        self.column_of = {(m["instrument"], m["score"]): col for col, m in self.scores_meta.items()}
        self.charts = 0
        self.flags: dict[tuple[str, str], Flag] = {}
        """Flag views by (instrument, flag id), for the flags that govern readings."""

    def chart_id(self) -> str:
        self.charts += 1
        return f"chart-{self.charts}"

    def value(self, column: str) -> float | None:
        if column not in self.result.columns:
            return None
        return _float(self.result.columns[column][self.row])

    def interval(self, column: str, key: str, value: float | None) -> tuple[Interval | None, str]:
        """Return the interval of a score and a sentence about it (or why there is none).

        The engine computed every score's interval (``details=True`` or ``with_ci=True``);
        for a result without them, a score with a classical SEM gets it here.
        """
        if value is None:
            return None, "missing: too few items were answered"
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
        if meta is None or meta.get("sem") is None:
            return None
        if meta.get("reliability_source") == "propagated from parts":
            return None
        comp = next((c for c in self.compiled if c.id == meta["instrument"]), None)
        info = next((i for i in (comp.scores if comp else ()) if i.id == meta["score"]), None)
        norm = next(
            (n for n in (info.norms if info else ()) if n.group == meta["norm_group"]), None
        )
        if info is None or norm is None:
            return None
        iv = fixed_interval(
            np.array([value]), float(meta["sem"]), float(norm.mean), info.low, info.high, self.z
        )
        return float(iv.low[0]), float(iv.high[0])

    def bounds(self, column: str, key: str) -> tuple[float, float]:
        """Return the range of a score (its lowest and highest possible values)."""
        meta = self.scores_meta.get(column)
        infos: list[ScoreInfo] = []
        if meta is not None:
            comp = next((c for c in self.compiled if c.id == meta["instrument"]), None)
            infos = [i for i in (comp.scores if comp else ()) if i.id == meta["score"]]
        elif self.battery is not None and key in self.battery.names:
            infos = [self.battery.scores[self.battery.names.index(key)]]
        return (infos[0].low, infos[0].high) if infos else (-math.inf, math.inf)

    def score_view(
        self, column: str, key: str, info: ScoreInfo, n_items: int | None, screen: bool
    ) -> ScoreView:
        from relscales.scoring.norms import band_labels, norm_scores

        value = self.value(column)
        interval, interval_text = self.interval(column, key, value)
        counts = self.result.n_answered.get(column)
        band = band_note = None
        norm_view = None
        norm_text = (
            "No reference group is declared for this score, so it is not compared with norms."
        )
        meta = self.scores_meta.get(column, {})
        group = meta.get("norm_group")
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
        low, high = (info.low, info.high) if bounded else _around(value, ci)
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
            n_answered=int(counts[self.row]) if counts is not None else None,
            n_items=n_items,
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

    def instrument_view(self, comp: CompiledInstrument) -> InstrumentView:
        spec = comp.instrument.spec
        described = {s.id: s for s in spec.subscales} | {c.id: c for c in spec.composites}
        scores = []
        for k, info in enumerate(comp.scores):
            column = self.column_of.get((comp.id, info.id), info.id)
            obj = described.get(info.id)
            screen = obj is not None and "safety" in obj.tags
            n_items = int((comp.weights[k] > 0).sum()) if k < comp.weights.shape[0] else None
            view = self.score_view(column, column, info, n_items, screen)
            description = obj.description if obj is not None else None
            scores.append(_replace(view, description=description))
        readings = tuple(self.reading(comp.id, prof, comp) for prof in comp.profiles)
        status = spec.validation.status
        return InstrumentView(
            "instrument",
            comp.id,
            spec.name,
            spec.abbreviation,
            spec.version,
            comp.instrument.content_hash,
            status,
            status == "experimental",
            _banner(status, spec.name),
            spec.citation,
            spec.doi,
            tuple(scores),
            readings,
            _norms_note(scores),
            _sources(scores),
            wording.SAFETY_FIRST_SCORES if any(r.safety_first for r in readings) else None,
        )

    def battery_view(self, battery: CompiledBattery) -> InstrumentView:
        spec = battery.battery.spec
        columns = {v: k for k, v in self.result.metadata.get("battery_columns", {}).items()}
        n_member = len(battery.scores) - len(battery.composites)
        scores = []
        for comp, info in zip(battery.composites, battery.scores[n_member:], strict=True):
            column = columns.get(comp.id, comp.id)
            view = self.score_view(column, comp.id, info, None, False)
            obj = next(c for c in spec.composites if c.id == comp.id)
            scores.append(_replace(view, description=obj.description))
        readings = tuple(self.reading(battery.id, prof, None) for prof in battery.profiles)
        status = spec.validation.status
        return InstrumentView(
            "battery",
            battery.id,
            spec.name,
            None,
            spec.version,
            battery.battery.content_hash,
            status,
            status == "experimental",
            _banner(status, spec.name),
            None,
            None,
            tuple(scores),
            readings,
            _norms_note(scores),
            _sources(scores),
            wording.SAFETY_FIRST_SCORES if any(r.safety_first for r in readings) else None,
        )

    def _axis_score(
        self, owner: CompiledInstrument | None, index: int
    ) -> tuple[str, str, ScoreInfo]:
        """Return (column, details key, info) of a profile axis."""
        if owner is not None:
            info = owner.scores[index]
            column = self.column_of.get((owner.id, info.id), info.id)
            return column, column, info
        battery = self.battery
        assert battery is not None
        name, info = battery.names[index], battery.scores[index]
        columns = {v: k for k, v in self.result.metadata.get("battery_columns", {}).items()}
        if name in columns:
            return columns[name], name, info
        inst, _, score = name.partition(".")
        return self.column_of.get((inst, score), score), name, info

    def composite_of(
        self, owner: CompiledInstrument | None, index: int
    ) -> tuple[CompiledComposite, CompiledInstrument | None] | None:
        """Return the composite at a score index (and the owner its parts index into)."""
        if owner is not None:
            n_sub = len(owner.methods)
            return (owner.composites[index - n_sub], owner) if index >= n_sub else None
        battery = self.battery
        assert battery is not None
        n_member = len(battery.scores) - len(battery.composites)
        if index >= n_member:
            return battery.composites[index - n_member], None
        inst, _, score = battery.names[index].partition(".")
        member = next((m for m in battery.members if m.id == inst), None)
        if member is None or score not in member.score_ids:
            return None
        return self.composite_of(member, member.score_ids.index(score))

    def not_assessed(self, owner: CompiledInstrument | None, index: int) -> list[str]:
        """Names of optional parts missing under a score (through composites of composites)."""
        found = self.composite_of(owner, index)
        if found is None:
            return []
        comp, part_owner = found
        parts = comp.parts.tolist()
        optional = comp.optional.tolist()
        if len(optional) != len(parts):
            optional = [False] * len(parts)
        out: list[str] = []
        for part, is_optional in zip(parts, optional, strict=True):
            column, _, info = self._axis_score(part_owner, part)
            if self.value(column) is None:
                if is_optional:
                    out.append(info.name)
            else:
                out += self.not_assessed(part_owner, part)
        return out

    def markers(
        self, owner: CompiledInstrument | None, markers: tuple[tuple[int, float], ...]
    ) -> tuple[MarkerView, ...]:
        views = []
        for index, cut in markers:
            column, key, info = self._axis_score(owner, index)
            value = self.value(column)
            interval, _ = self.interval(column, key, value)
            bounds = (interval.low, interval.high) if interval is not None else None
            level = marker_level(math.nan if value is None else value, bounds, cut)
            views.append(MarkerView(column, info.name, value, interval, cut, level))
        return tuple(views)

    def reading(
        self, owner_id: str, prof: CompiledProfile, owner: CompiledInstrument | None
    ) -> ReadingView:
        from relscales.scoring.readings import INDETERMINATE, SAFETY_FIRST

        names = self.result.metadata.get("reading_columns", {}).get(owner_id, {})
        if owner is None:
            profiles = self.result.metadata.get("battery_profiles", {})
            names = {v: k for k, v in profiles.items()}
        column = names.get(prof.id, prof.id)
        raw = self.result.columns[column][self.row] if column in self.result.columns else None
        label = None if raw is None else str(raw)
        gates = [self.gate_flag(owner_id, owner, g) for g in prof.gated_by]
        safety_first = label == SAFETY_FIRST or any(f is not None and f.raised for f in gates)
        if safety_first:
            label = SAFETY_FIRST
        axes = []
        for axis, index, cut, marks in (
            ("x", prof.x, prof.cut_x, prof.x_markers),
            ("y", prof.y, prof.cut_y, prof.y_markers),
        ):
            score_col, key, info = self._axis_score(owner, index)
            value = self.value(score_col)
            interval, _ = self.interval(score_col, key, value)
            levels = self.result.details.get(f"{column}.{axis}_level")
            level = None if levels is None or levels[self.row] is None else str(levels[self.row])
            markers = self.markers(owner, marks) if marks and not prof.functions else ()
            if value is None and not markers:
                level = None
            use_cut: float | None = None
            if prof.functions:
                text = f"{info.name}: {value:.2f}" if value is not None else f"{info.name}: missing"
            elif markers:
                text = wording.marker_sentence(
                    level,
                    info.name,
                    [
                        (
                            m.name,
                            m.level,
                            m.interval.low if m.interval else math.nan,
                            m.interval.high if m.interval else math.nan,
                            m.cut,
                        )
                        for m in markers
                    ],
                )
                use_cut = cut
            else:
                text = wording.axis_sentence(level, cut, info.name)
                use_cut = cut
            if markers and value is not None:
                where = f" (interval {interval.low:.2f} to {interval.high:.2f})" if interval else ""
                text += f" The mean, {value:.2f}{where}, is shown as a summary only."
            elif value is not None and interval is not None:
                text += f" Score {value:.2f}, interval {interval.low:.2f} to {interval.high:.2f}."
            elif value is not None:
                text += f" Score {value:.2f}."
            missing_parts = tuple(self.not_assessed(owner, index)) if value is not None else ()
            if missing_parts:
                text += " " + wording.not_assessed(missing_parts)
            axes.append(
                (
                    AxisView(
                        score_col,
                        info.name,
                        value,
                        interval,
                        use_cut,
                        level,
                        text,
                        "any" if markers else "mean",
                        markers,
                        missing_parts,
                    ),
                    info,
                )
            )
        (x, x_info), (y, y_info) = axes
        kind: Literal["insecurity_source", "attachment", "other"] = (
            "insecurity_source"
            if prof.id.startswith("insecurity_source")
            else "attachment"
            if prof.id.startswith("attachment")
            else "other"
        )
        key = label if label is not None else "missing"
        intro: tuple[str, ...]
        if kind == "insecurity_source":
            intro = (wording.SOURCE_INTRO, wording.INTERNAL_PATTERN, wording.RELATIONSHIP_SIGNAL)
            finding = wording.SOURCE_REGIONS.get(key, f"Reading: {label}.")
        elif kind == "attachment":
            intro = (wording.ATTACHMENT_INTRO,)
            finding = wording.ATTACHMENT_REGIONS.get(key, f"Reading: {label}.")
        else:
            spec_text = self._profile_description(owner, prof)
            intro = (spec_text,) if spec_text else ()
            finding = wording.OTHER_REGIONS.get(key, f"Reading: {label}.")
        status = self._status(owner)
        experimental = status == "experimental"
        notes: tuple[str, ...] = ()
        unknown = [f for f in gates if f is not None and f.state == "unknown"]
        if safety_first:  # nothing on either axis is read, whatever a template shows
            intro, finding = (), wording.SAFETY_FIRST_READING
            x = dataclasses.replace(x, text=f"{x.name}: {wording.SAFETY_FIRST_AXIS}")
            y = dataclasses.replace(y, text=f"{y.name}: {wording.SAFETY_FIRST_AXIS}")
        elif unknown:
            notes = (wording.GATE_UNKNOWN,)
        if safety_first:
            label_text = wording.SAFETY_FIRST_LABEL
        elif label is None:
            label_text = "none (a score is missing)"
        else:
            label_text = label
        qualifiers = []
        if experimental and not safety_first:
            qualifiers.append(f"{wording.EXPERIMENTAL_READING}")
        if prof.descriptive and label not in (None, INDETERMINATE, SAFETY_FIRST):
            qualifiers.append("a description, not a diagnosis")
        regions = tuple(prof.regions.items())
        chart = ""
        chart_note = None
        if not safety_first:
            active = next((k for k, v in prof.regions.items() if v == label), None)
            point = (x.value, y.value) if x.value is not None and y.value is not None else None
            desc = (
                f"{prof.name}. Horizontal axis: {x.text} Vertical axis: {y.text} "
                f"Reading: {label if label is not None else 'missing'}."
            )
            chart = charts.reading_chart(
                self.chart_id(),
                f"{prof.name}: {label if label is not None else 'missing'}",
                desc,
                x_label=x_info.name,
                y_label=y_info.name,
                x_range=(x_info.low, x_info.high),
                y_range=(y_info.low, y_info.high),
                point=point,
                x_ci=(x.interval.low, x.interval.high) if x.interval else None,
                y_ci=(y.interval.low, y.interval.high) if y.interval else None,
                cut_x=None if prof.functions else prof.cut_x,
                cut_y=None if prof.functions else prof.cut_y,
                regions=prof.regions,
                active=active,
            )
            judged = [
                f"The {where} position is {a.name}, a summary only"
                for where, a in (("horizontal", x), ("vertical", y))
                if a.rule == "any"
            ]
            if judged:
                chart_note = (
                    "; ".join(judged) + ": the reading judges each facet on its own, so one "
                    "clear signal raises that side even when the mean is low."
                )
        return ReadingView(
            id=column,
            name=prof.name,
            owner=owner_id,
            kind=kind,
            method="functions" if prof.functions else "cut",
            label=label,
            descriptive=prof.descriptive,
            experimental=experimental,
            x=x,
            y=y,
            regions=regions,
            intro=intro,
            finding=finding,
            note=None if safety_first else self._profile_note(owner, prof),
            chart=chart,
            label_text=label_text,
            qualifier="; ".join(qualifiers) or None,
            safety_first=safety_first,
            notes=notes,
            chart_note=chart_note,
        )

    def gate_flag(self, owner_id: str, owner: CompiledInstrument | None, name: str) -> Flag | None:
        """Return the view of a gating flag (``flag``, or ``instrument.flag`` in a battery)."""
        if owner is None and "." in name:
            inst, _, flag = name.partition(".")
            return self.flags.get((inst, flag))
        return self.flags.get((owner_id, name))

    def _profile_spec(self, owner: CompiledInstrument | None, prof: CompiledProfile) -> Any:
        if owner is not None:
            profiles = owner.instrument.spec.profiles
        else:
            assert self.battery is not None
            profiles = self.battery.battery.spec.profiles
        return next((p for p in profiles if p.id == prof.id), None)

    def _profile_description(self, owner: CompiledInstrument | None, prof: CompiledProfile) -> str:
        spec = self._profile_spec(owner, prof)
        return str(spec.description) if spec is not None and spec.description else ""

    def _profile_note(self, owner: CompiledInstrument | None, prof: CompiledProfile) -> str | None:
        spec = self._profile_spec(owner, prof)
        return str(spec.note) if spec is not None and spec.note else None

    def _status(self, owner: CompiledInstrument | None) -> str:
        if owner is not None:
            return str(owner.instrument.spec.validation.status)
        assert self.battery is not None
        return str(self.battery.battery.spec.validation.status)


def _replace(view: ScoreView, **changes: Any) -> ScoreView:
    return dataclasses.replace(view, **changes)


def _around(value: float | None, ci: tuple[float, float] | None) -> tuple[float, float]:
    """Return a drawing range for an unbounded score (a z metric): at least -3 to 3."""
    points = [-3.0, 3.0] + ([value] if value is not None else []) + list(ci or ())
    finite = [v for v in points if math.isfinite(v)]
    return float(math.floor(min(finite))), float(math.ceil(max(finite)))


def _sources(scores: Sequence[ScoreView]) -> tuple[str, ...]:
    found = [s.interval.source for s in scores if s.interval is not None and not s.screen]
    return tuple(dict.fromkeys(found))


def _norms_note(scores: Sequence[ScoreView]) -> str | None:
    if all(s.norm is not None or s.screen for s in scores):
        return None
    some = "These scores have" if all(s.norm is None for s in scores) else "Some scores have"
    return (
        f"{some} no reference group, so they are not compared with norms; their charts show "
        "them on the range of the scale."
    )


def _banner(status: str, name: str) -> str | None:
    template = wording.BANNERS.get(status)
    return template.format(name=name) if template else None


def person_context(
    result: ScoreResult,
    compiled: Sequence[CompiledInstrument],
    row: int,
    *,
    battery: CompiledBattery | None = None,
    lang: str = "en",
    locale: str = "en-US",
    clock: Clock | None = None,
    version: str | None = None,
    self_assessment: bool = False,
) -> PersonReport:
    """Build the context of one respondent's report.

    Parameters
    ----------
    result
        Scores of one or more respondents. Score with ``ScoreOptions(details=True)`` (or
        :func:`relscales.reports.render.score_for_report`) to get person-level intervals.
    compiled
        The compiled instruments the result was scored with (a battery's members may be
        left out when ``battery`` is given).
    row
        0-based index of the respondent in ``result``.
    battery
        The compiled battery, when the result was scored with one.
    lang, locale
        Language of flag messages; locale of the help resources shown with flags.
    clock, version
        The date and the relscales version printed on the report (injectable, so that
        snapshots are reproducible).
    """
    if not 0 <= row < result.n_respondents:
        raise IndexError(f"row {row} is outside the {result.n_respondents} respondents")
    b = _Builder(result, compiled, row, battery)
    flags = []
    for comp, flag, state in flag_states(result, b.compiled, row):
        flags.append(
            Flag(
                id=flag.id,
                name=flag.spec.name or flag.id,
                instrument=comp.id,
                severity=flag.spec.severity,
                state="raised" if state is True else "unknown" if state is None else "not raised",
                message=flag_message(flag.spec, lang),
                resources=tuple(
                    Resource(r.name, r.contact, r.url) for r in flag_resources(flag.spec, locale)
                ),
            )
        )
    b.flags = {(f.instrument, f.id): f for f in flags}
    raised_flags = tuple(f for f in flags if f.raised)
    safety = _safety(flags, _safety_flag_ids(b.compiled, battery))
    instruments = [b.instrument_view(comp) for comp in b.compiled]
    if battery is not None:
        instruments.append(b.battery_view(battery))
    order = {"insecurity_source": 0, "attachment": 1, "other": 2}
    readings = sorted(
        (r for inst in instruments for r in inst.readings), key=lambda r: order[r.kind]
    )
    explained: set[str] = set()
    safety_said = False
    for k, reading in enumerate(readings):  # explain each kind of reading once
        if reading.safety_first:
            if safety_said:
                readings[k] = dataclasses.replace(reading, finding=wording.SAFETY_FIRST_AGAIN)
            safety_said = True
            continue
        if reading.kind in explained and reading.kind != "other":
            readings[k] = dataclasses.replace(reading, intro=())
        explained.add(reading.kind)
    provenance = [
        Provenance("instrument", c.id, c.instrument.version, c.instrument.content_hash)
        for c in b.compiled
    ]
    if battery is not None:
        provenance.append(
            Provenance(
                "battery", battery.id, battery.battery.spec.version, battery.battery.content_hash
            )
        )
    problems = tuple(
        f"{p.instrument} item {p.item} (column {p.column}): {p.message}"
        for p in result.problems
        if p.row == row + 1
    )
    shown = any(f.resources for f in raised_flags) or safety.resources_shown
    advice_for = [(r.kind, r.label) for r in readings if not r.safety_first]
    when = (clock or default_clock)()
    return PersonReport(
        kind="person",
        title="Questionnaire report",
        respondent_id=str(result.columns[result.id_column][row]),
        row=row + 1,
        self_assessment=self_assessment,
        generated=when.date().isoformat(),
        relscales_version=version or __version__,
        confidence_level=b.level,
        lang=lang,
        locale=locale,
        flags=tuple(flags),
        raised_flags=raised_flags,
        banners=tuple(i.banner for i in instruments if i.banner),
        readings=tuple(readings),
        instruments=tuple(instruments),
        problems=problems,
        guidance=Guidance(
            not_a_diagnosis=wording.NOT_A_DIAGNOSIS,
            state_not_trait=wording.STATE_NOT_TRAIT,
            what_helps=wording.what_helps(advice_for, safety.state, resources_shown=shown),
            seek_help=wording.seek_help(safety.state, resources_shown=shown),
            safety_heading=wording.SAFETY_HEADING,
            what_helps_heading=wording.what_helps_heading(safety.state),
            seek_help_heading=wording.seek_help_heading(safety.state),
        ),
        provenance=tuple(provenance),
        safety=safety,
    )


def _safety_flag_ids(
    compiled: Sequence[CompiledInstrument], battery: CompiledBattery | None
) -> set[tuple[str, str]]:
    """``(instrument, flag id)`` of the flags that govern a reading (``gated_by``)."""
    out = {(c.id, g) for c in compiled for p in c.profiles for g in p.gated_by}
    if battery is not None:
        for prof in battery.profiles:
            for name in prof.gated_by:
                inst, _, flag = name.partition(".")
                out.add((inst, flag))
    return out


def _safety(flags: Sequence[Flag], gating: set[tuple[str, str]]) -> Safety:
    """Return the safety state, from the flags that govern readings and urgent flags."""
    chosen = [f for f in flags if (f.instrument, f.id) in gating or f.severity == "urgent"]
    raised = [f for f in chosen if f.raised]
    unknown = [f for f in chosen if f.state == "unknown"]
    if raised:
        return Safety(
            "raised",
            wording.SAFETY_HEADING,
            (wording.SAFETY_RAISED,),
            wording.PRIVACY,
            tuple(raised),
            _resources(raised),
        )
    if unknown:
        resources = _resources(unknown)
        return Safety(
            "unknown",
            wording.SAFETY_UNKNOWN_HEADING,
            (wording.safety_unknown(bool(resources)),),
            wording.PRIVACY,
            tuple(unknown),
            resources,
        )
    return Safety("clear" if chosen else "not screened", None, (), None, (), ())


def _resources(flags: Sequence[Flag]) -> tuple[Resource, ...]:
    return tuple(dict.fromkeys(r for f in flags for r in f.resources))


# --------------------------------------------------------------------------------------
# The study report
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    """The data set as a whole."""

    n_respondents: int
    input_name: str
    id_column: str
    n_invalid_cells: int
    invalid_by_code: tuple[tuple[str, int], ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScoreDistribution:
    """Descriptive statistics and a histogram of one score across respondents."""

    id: str
    name: str
    n: int
    n_missing: int
    mean: float | None
    sd: float | None
    minimum: float | None
    median: float | None
    maximum: float | None
    low: float
    high: float
    chart: str
    """Inline SVG histogram (already escaped)."""


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    """Internal consistency of one subscale in this sample."""

    subscale: str
    name: str
    n_items: int
    n_complete: int
    alpha: float
    ci_low: float
    ci_high: float
    ci_method: str
    std_alpha: float
    lambda6: float
    mean_r: float
    omega_total: float | None
    omega_hierarchical: float | None
    published_alpha: float | None


@dataclass(frozen=True, slots=True)
class ItemRow:
    """Statistics of one item (as R ``psych::alpha``)."""

    item: str
    n: int
    mean: float
    sd: float
    r_cor: float
    r_drop: float
    alpha_if_deleted: float
    looks_reversed: bool


@dataclass(frozen=True, slots=True)
class ItemTable:
    """The item analysis of one subscale."""

    subscale: str
    name: str
    rows: tuple[ItemRow, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QualitySummary:
    """The careless-responding screen of one instrument."""

    n_screened: int
    n_flagged: int
    share_flagged: float
    by_reason: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class StudyInstrument:
    """One instrument (or battery) in a study report."""

    kind: Literal["instrument", "battery"]
    id: str
    name: str
    version: str
    content_hash: str
    validation_status: str
    experimental: bool
    banner: str | None
    scores: tuple[ScoreDistribution, ...]
    reliability: tuple[ReliabilityRow, ...]
    items: tuple[ItemTable, ...]
    quality: QualitySummary | None
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LabelCount:
    """How many respondents got one reading label."""

    label: str
    n: int
    share: float
    """Share of the respondents with a reading (missing readings left out)."""


@dataclass(frozen=True, slots=True)
class ProfileCounts:
    """The distribution of one two-axis reading across respondents."""

    id: str
    name: str
    owner: str
    descriptive: bool
    counts: tuple[LabelCount, ...]
    n_read: int
    n_missing: int
    n_indeterminate: int
    share_indeterminate: float
    experimental: bool = False
    """Declared by an experimental instrument or battery: an unvalidated reading aid."""
    gated: bool = False
    """Governed by a safety flag: respondents with it raised read ``safety-first``."""
    n_safety_first: int = 0
    """Respondents with no region because a safety flag was raised."""


@dataclass(frozen=True, slots=True)
class StudyReport:
    """Everything a study report shows (the template variable ``report``)."""

    kind: Literal["study"]
    title: str
    generated: str
    relscales_version: str
    confidence_level: float
    sample: Sample
    instruments: tuple[StudyInstrument, ...]
    profiles: tuple[ProfileCounts, ...]
    not_a_diagnosis: str
    provenance: tuple[Provenance, ...]


def _describe(values: Any) -> tuple[int, int, list[float | None]]:
    arr = np.asarray(values, dtype=np.float64)
    ok = arr[~np.isnan(arr)]
    if ok.size == 0:
        return 0, int(arr.size), [None] * 5
    sd = float(ok.std(ddof=1)) if ok.size > 1 else None
    stats: list[float | None] = [
        float(ok.mean()),
        sd,
        float(ok.min()),
        float(np.median(ok)),
        float(ok.max()),
    ]
    return int(ok.size), int(arr.size - ok.size), stats


def _distribution(cid: str, column: str, info: ScoreInfo, values: Any) -> ScoreDistribution:
    n, missing, (mean, sd, lo, med, hi) = _describe(values)
    bounded = math.isfinite(info.low) and math.isfinite(info.high)
    low, high = (info.low, info.high) if bounded else _around(lo, (lo or 0.0, hi or 0.0))
    desc = f"Histogram of {info.name} for {n} respondents ({missing} missing)"
    if mean is not None:
        desc += f"; mean {mean:.2f}" + (f", SD {sd:.2f}" if sd is not None else "")
    chart = charts.histogram(
        cid,
        f"Distribution of {info.name}",
        desc,
        values=np.asarray(values, dtype=np.float64).tolist(),
        low=low,
        high=high,
        x_label=info.name,
    )
    return ScoreDistribution(column, info.name, n, missing, mean, sd, lo, med, hi, low, high, chart)


def _analysis_parts(
    analysis: AnalysisResult | None,
) -> tuple[
    tuple[ReliabilityRow, ...], tuple[ItemTable, ...], QualitySummary | None, tuple[str, ...]
]:
    if analysis is None:
        return (), (), None, ()
    rel_rows = []
    tables = []
    for sub in analysis.subscales.values():
        r = sub.reliability
        rel_rows.append(
            ReliabilityRow(
                sub.id,
                sub.name,
                len(sub.item_ids),
                sub.n_complete,
                r.estimate,
                r.ci_low,
                r.ci_high,
                r.method,
                r.std_alpha,
                r.lambda6,
                r.mean_r,
                sub.omega.omega_total if sub.omega else None,
                sub.omega.omega_hierarchical if sub.omega else None,
                sub.published_alpha,
            )
        )
        tables.append(
            ItemTable(
                sub.id,
                sub.name,
                tuple(
                    ItemRow(
                        s.item_id,
                        s.n,
                        s.mean,
                        s.sd,
                        s.r_cor,
                        s.r_drop,
                        s.alpha_if_deleted,
                        s.looks_reversed,
                    )
                    for s in sub.items.items
                ),
                sub.notes,
            )
        )
    quality = None
    if analysis.quality is not None:
        reasons: dict[str, int] = {}
        for why in analysis.quality.reasons:
            for reason in why:
                reasons[reason] = reasons.get(reason, 0) + 1
        flagged = int(analysis.quality.careless.sum())
        n = analysis.n_respondents
        quality = QualitySummary(
            n, flagged, flagged / n if n else 0.0, tuple(sorted(reasons.items()))
        )
    warnings = tuple(w.message for w in analysis.warnings)
    return tuple(rel_rows), tuple(tables), quality, warnings


def _profile_counts(
    result: ScoreResult,
    column: str,
    prof: CompiledProfile,
    owner: str,
    descriptive: bool,
    experimental: bool,
) -> ProfileCounts:
    from relscales.scoring.readings import INDETERMINATE, SAFETY_FIRST

    labels = list(result.columns[column].tolist())
    read = [str(v) for v in labels if v is not None]
    missing = len(labels) - len(read)
    names = list(dict.fromkeys([*prof.regions.values(), *(f[0] for f in prof.functions)]))
    names.append(INDETERMINATE)
    if prof.gated_by:
        names.append(SAFETY_FIRST)
    names += sorted({v for v in read if v not in names})
    n_read = len(read)
    counts = tuple(
        LabelCount(name, read.count(name), read.count(name) / n_read if n_read else 0.0)
        for name in names
    )
    n_ind = read.count(INDETERMINATE)
    return ProfileCounts(
        column,
        prof.name,
        owner,
        descriptive,
        counts,
        n_read,
        missing,
        n_ind,
        n_ind / n_read if n_read else 0.0,
        experimental,
        bool(prof.gated_by),
        read.count(SAFETY_FIRST),
    )


def study_context(
    result: ScoreResult,
    compiled: Sequence[CompiledInstrument],
    *,
    analyses: Sequence[AnalysisResult] = (),
    battery: CompiledBattery | None = None,
    clock: Clock | None = None,
    version: str | None = None,
) -> StudyReport:
    """Build the context of a study report.

    Parameters
    ----------
    result
        Scores of every respondent.
    compiled
        The compiled instruments the result was scored with.
    analyses
        :func:`relscales.analysis.analyze` results, matched to instruments by id (an
        instrument without one gets no reliability, item or quality tables).
    battery
        The compiled battery, when the result was scored with one.
    clock, version
        Date and relscales version printed on the report.
    """
    if battery is not None:
        compiled = [*battery.members, *[c for c in compiled if c not in battery.members]]
    by_id = {a.instrument["id"]: a for a in analyses}
    meta = result.metadata
    column_of = {(m["instrument"], m["score"]): col for col, m in meta.get("scores", {}).items()}
    reading_columns = meta.get("reading_columns", {})
    counter = 0
    instruments: list[StudyInstrument] = []
    profiles: list[ProfileCounts] = []
    for comp in compiled:
        spec = comp.instrument.spec
        dists = []
        for info in comp.scores:
            column = column_of.get((comp.id, info.id), info.id)
            counter += 1
            dists.append(_distribution(f"hist-{counter}", column, info, result.columns[column]))
        rel, items, quality, warnings = _analysis_parts(by_id.get(comp.id))
        status = spec.validation.status
        instruments.append(
            StudyInstrument(
                "instrument",
                comp.id,
                spec.name,
                spec.version,
                comp.instrument.content_hash,
                status,
                status == "experimental",
                _banner(status, spec.name),
                tuple(dists),
                rel,
                items,
                quality,
                warnings,
            )
        )
        for prof in comp.profiles:
            column = reading_columns.get(comp.id, {}).get(prof.id, prof.id)
            profiles.append(
                _profile_counts(
                    result, column, prof, comp.id, prof.descriptive, status == "experimental"
                )
            )
    provenance = [
        Provenance("instrument", c.id, c.instrument.version, c.instrument.content_hash)
        for c in compiled
    ]
    if battery is not None:
        bspec = battery.battery.spec
        columns = {v: k for k, v in meta.get("battery_columns", {}).items()}
        n_member = len(battery.scores) - len(battery.composites)
        dists = []
        for comp_b, info in zip(battery.composites, battery.scores[n_member:], strict=True):
            counter += 1
            column = columns.get(comp_b.id, comp_b.id)
            dists.append(_distribution(f"hist-{counter}", column, info, result.columns[column]))
        instruments.append(
            StudyInstrument(
                "battery",
                battery.id,
                bspec.name,
                bspec.version,
                battery.battery.content_hash,
                bspec.validation.status,
                bspec.validation.status == "experimental",
                _banner(bspec.validation.status, bspec.name),
                tuple(dists),
                (),
                (),
                None,
                (),
            )
        )
        bprofiles = {v: k for k, v in meta.get("battery_profiles", {}).items()}
        for prof in battery.profiles:
            column = bprofiles.get(prof.id, prof.id)
            profiles.append(
                _profile_counts(
                    result,
                    column,
                    prof,
                    battery.id,
                    prof.descriptive,
                    bspec.validation.status == "experimental",
                )
            )
        provenance.append(
            Provenance("battery", battery.id, bspec.version, battery.battery.content_hash)
        )
    problems = meta.get("problems", {})
    sample = Sample(
        n_respondents=result.n_respondents,
        input_name=str(meta.get("input", {}).get("name", "")),
        id_column=str(meta.get("id_column", result.id_column)),
        n_invalid_cells=result.problem_count,
        invalid_by_code=tuple(sorted(problems.get("by_code", {}).items())),
        warnings=tuple(w.message for w in result.warnings),
    )
    when = (clock or default_clock)()
    return StudyReport(
        kind="study",
        title="Study report",
        generated=when.date().isoformat(),
        relscales_version=version or __version__,
        confidence_level=float(meta.get("options", {}).get("confidence_level", 0.95)),
        sample=sample,
        instruments=tuple(instruments),
        profiles=tuple(profiles),
        not_a_diagnosis=wording.STUDY_NOT_A_DIAGNOSIS,
        provenance=tuple(provenance),
    )

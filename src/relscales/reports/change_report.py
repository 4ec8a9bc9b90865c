"""Reports of change over time: one person (:func:`render_change_person`) and a study.

A person's report over time shows, in this order: the safety section when a safety flag was
raised at any wave (or safety could not be checked at the latest wave), validation banners,
what the report is, then per score a chart of the score at each wave with its intervals and
the reliable change band, whether the change is larger than measurement error, the clinical
category where the score has a cut-off, and how it was computed; then what a change cannot
tell, and next steps fitted to the safety state. It is built only from that person's row of
the change table and that person's waves, never from anyone else's (tested in
tests/property/test_couple_privacy.py).

The study report counts the reliable-change verdicts and clinical categories of every score,
with the method, reliability, SD, S_diff and cut-off behind them, and the data set's warnings.

This module also holds what the change and couple reports share: :func:`render_linked`
(render a view with the sandboxed environment of :mod:`relscales.reports.render`), cell
readers (:func:`number`, :func:`label`) and :func:`instrument_lines`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from relscales._version import __version__
from relscales.errors import Issue
from relscales.reports import linked_wording as say
from relscales.reports import wording
from relscales.reports.charts import text_bar
from relscales.reports.common import Clock, around, banner, default_clock
from relscales.reports.linked_charts import change_chart
from relscales.reports.linked_views import (
    CategoryCount,
    ChangePersonReport,
    ChangeScoreView,
    ChangeStudyReport,
    ChangeStudyScore,
    CoupleReport,
    CouplesStudyReport,
    FlagNote,
    InstrumentLine,
    LinkedSafety,
    WavePoint,
    WaveSafety,
)
from relscales.reports.render import (
    PERSON_FORMATS,
    STUDY_FORMATS,
    ReportFormat,
    render_template,
)
from relscales.reports.views import Guidance, Resource

if TYPE_CHECKING:
    from relscales.linked_results import (
        ChangeResult,
        ChangeScore,
        FlagColumn,
        InstrumentNote,
        WaveTable,
    )

__all__ = [
    "LINKED_FORMATS",
    "change_person_context",
    "change_study_context",
    "instrument_lines",
    "label",
    "number",
    "render_change_person",
    "render_change_study",
    "render_linked",
    "resources_of",
]

LinkedReport = ChangePersonReport | ChangeStudyReport | CoupleReport | CouplesStudyReport

LINKED_FORMATS: dict[str, tuple[ReportFormat, ...]] = {
    "change_person": PERSON_FORMATS,
    "change_study": STUDY_FORMATS,
    "couple": STUDY_FORMATS,
    "couples_study": STUDY_FORMATS,
}
"""Report kind -> the formats it is rendered in (template ``<kind>.<fmt>.j2``)."""


# --------------------------------------------------------------------------------------
# Shared by the change and couple reports
# --------------------------------------------------------------------------------------


def render_linked(
    report: LinkedReport,
    *,
    fmt: ReportFormat = "html",
    template_dir: str | os.PathLike[str] | None = None,
) -> str:
    """Render a change or couple report context with the template ``<kind>.<fmt>.j2``.

    Templates are found as for every report (:mod:`relscales.reports.render`): first in
    ``template_dir``, then among the packaged ones, in the same sandbox and with the same
    filters.

    Raises
    ------
    ReportError
        When the template is missing, broken, or unsafe, or the format is not one of the
        report's (:data:`LINKED_FORMATS`).
    """
    return render_template(
        report,
        report.kind,
        fmt=fmt,
        template_dir=template_dir,
        allowed=LINKED_FORMATS[report.kind],
    )


def number(values: Any, index: int) -> float | None:
    """Return a cell as a float, or None when it is missing (absent, NaN, empty).

    Examples
    --------
    >>> number(np.array([1.5, np.nan]), 0), number(np.array([1.5, np.nan]), 1), number(None, 0)
    (1.5, None, None)
    """
    if values is None or index >= len(values):
        return None
    try:
        value = float(values[index])
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def label(values: Any, index: int) -> str | None:
    """Return a cell as a label, or None when it is missing (absent, empty, NaN, None).

    Examples
    --------
    >>> cells = np.array(["improved", "", None], dtype=object)
    >>> label(cells, 0), label(cells, 1), label(cells, 2)
    ('improved', None, None)
    """
    if values is None or index >= len(values):
        return None
    value = values[index]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return text if text and text.lower() != "nan" else None


def instrument_lines(notes: Iterable[InstrumentNote]) -> tuple[InstrumentLine, ...]:
    """Return the view of each instrument behind a result, with its validation banner."""
    return tuple(
        InstrumentLine(
            n.id, n.name, n.version, n.status, n.status == "experimental", banner(n.status, n.name)
        )
        for n in notes
    )


def resources_of(flags: Iterable[FlagColumn]) -> tuple[Resource, ...]:
    """Return the resources of flags, each once, in order."""
    return tuple(dict.fromkeys(Resource(*r) for f in flags for r in f.resources))


TEXT_BAR = 33
"""Width of a wave's text chart in Markdown and text reports (a line stays within 78)."""


def _date(clock: Clock | None) -> str:
    return (clock or default_clock)().date().isoformat()


# --------------------------------------------------------------------------------------
# One person over time
# --------------------------------------------------------------------------------------


def _person_safety(
    result: ChangeResult, rows: Sequence[int], wave_of: Sequence[str]
) -> tuple[LinkedSafety, list[str]]:
    """Return the person's safety state, and the earlier waves where it was not checked."""
    waves = result.waves
    flags = [f for f in result.flags if f.kind == "safety" and f.column in waves.flags]
    screens = [s.column for s in result.scores if "safety" in s.tags and s.column in waves.scores]
    raised_at: dict[str, list[str]] = {}
    per_wave: list[WaveSafety] = []
    unchecked: list[str] = []
    for k, r in enumerate(rows):
        raised = [f.column for f in flags if bool(waves.flags[f.column][r])]
        for column in raised:
            raised_at.setdefault(column, []).append(wave_of[k])
        missing = any(number(waves.scores[c], r) is None for c in screens)
        if missing and not raised:
            unchecked.append(wave_of[k])
        per_wave.append(
            WaveSafety(
                wave_of[k], "raised" if raised else "not checked" if missing else "not raised"
            )
        )
    latest = wave_of[-1] if wave_of else None
    screened = bool(flags or screens)
    waves_view = tuple(per_wave) if screened else ()
    latest_unchecked = latest is not None and latest in unchecked
    if raised_at:
        raised_flags = [f for f in flags if f.column in raised_at]
        notes = [
            FlagNote(
                f.column,
                f.owner,
                f.flag,
                f.kind,
                f.message,
                resources_of([f]),
                tuple(raised_at[f.column]),
                f"raised at {say.waves_text(raised_at[f.column])}",
            )
            for f in raised_flags
        ]
        when = [w for w in wave_of if any(w in v for v in raised_at.values())]
        text: list[str] = []
        if latest is not None and latest not in when:
            text.append(
                say.safety_unchecked([latest])
                if latest_unchecked
                else say.safety_not_latest(latest)
            )
        text += [wording.SAFETY_RAISED, say.NOT_YOUR_FAULT]
        return LinkedSafety(
            "raised",
            wording.SAFETY_HEADING,
            say.safety_raised_at(when),
            tuple(notes),
            tuple(text),
            resources_of(raised_flags),
            wording.PRIVACY,
            waves_view,
        ), []
    if latest_unchecked:
        assert latest is not None
        resources = resources_of(flags)
        return LinkedSafety(
            "unknown",
            wording.SAFETY_UNKNOWN_HEADING,
            None,
            (),
            (say.safety_unknown_at(latest, resources_shown=bool(resources)),),
            resources,
            wording.PRIVACY,
            waves_view,
        ), [w for w in unchecked if w != latest]
    if screened:
        return LinkedSafety("clear", None, None, (), (), (), None, waves_view), unchecked
    return LinkedSafety("not screened", None, None, (), (), (), None, waves_view), unchecked


def _range(score: ChangeScore, values: Iterable[float | None]) -> tuple[float, float]:
    """Return the range drawn: the score's own, or around the values when it is unbounded."""
    if math.isfinite(score.low) and math.isfinite(score.high) and score.high > score.low:
        return score.low, score.high
    finite = [v for v in values if v is not None and math.isfinite(v)]
    lo, hi = around(None, (min(finite), max(finite)) if finite else None)
    return lo, hi


def _wave_label(value: Any) -> str:
    return "" if value is None else str(value)


def _score_view(
    result: ChangeResult,
    score: ChangeScore,
    person: int,
    rows: Sequence[int],
    wave_of: Sequence[str],
    safety_raised: bool,
    index: int,
) -> ChangeScoreView:
    """Return the view of change on one score of one person."""
    waves: WaveTable = result.waves
    cols = result.columns
    column = score.column
    screen = "safety" in score.tags
    series = waves.scores.get(column)
    lows, highs = waves.ci_low.get(column), waves.ci_high.get(column)
    has_ci = lows is not None and highs is not None
    values = [number(series, r) for r in rows]
    intervals: list[tuple[float, float] | None] = []
    for r in rows:
        lo, hi = (number(lows, r), number(highs, r)) if has_ci else (None, None)
        intervals.append((lo, hi) if lo is not None and hi is not None else None)
    wave_from = label(cols.get("wave_from"), person) or (wave_of[0] if wave_of else None)
    wave_to = label(cols.get("wave_to"), person) or (wave_of[-1] if wave_of else None)
    value_from = number(cols.get(f"{column}_from"), person)
    value_to = number(cols.get(f"{column}_to"), person)
    # the band is drawn around the score compared from, else around the first score there is
    present = [(w, v) for w, v in zip(wave_of, values, strict=True) if v is not None]
    base_wave, base = (
        (wave_from, value_from)
        if value_from is not None
        else (present[0] if present else (None, None))
    )
    band = score.band if score.band is not None and math.isfinite(score.band) else None
    band_low = base - band if band is not None and base is not None else None
    band_high = base + band if band is not None and base is not None else None
    ci_lows = [ci[0] if ci is not None else None for ci in intervals]
    ci_highs = [ci[1] if ci is not None else None for ci in intervals]
    drawn = [*values, band_low, band_high]
    drawn += [x for ci in intervals if ci is not None for x in ci]
    low, high = _range(score, drawn)
    points = tuple(
        WavePoint(
            wave_of[k],
            int(waves.row[r]),
            str(waves.source[r]),
            _wave_label(waves.version[r]) if r < len(waves.version) else None,
            values[k],
            ci_lows[k],
            ci_highs[k],
            text_bar(low, high, values[k], intervals[k], width=TEXT_BAR),
        )
        for k, r in enumerate(rows)
    )
    missing = [wave_of[k] for k, v in enumerate(values) if v is None]
    notes = [say.missing_at(missing)] if missing and not screen else []
    if score.note and not screen:
        notes.append(score.note)
    verdict = label(cols.get(f"{column}_reliable"), person)
    if screen:
        verdict_text = say.SCREEN_CHANGE
    elif verdict is not None and value_from is not None and value_to is not None:
        verdict_text = say.verdict_text(
            verdict,
            better=score.better,
            value_from=value_from,
            value_to=value_to,
            wave_from=wave_from or "",
            wave_to=wave_to or "",
            safety_raised=safety_raised,
        )
    else:
        at = dict(zip(wave_of, values, strict=True))
        gone = [
            w for w in dict.fromkeys((wave_from, wave_to)) if w is not None and at.get(w) is None
        ]
        verdict_text = say.change_missing(
            one_wave_only=len(rows) <= 1,
            missing=gone,
            has_index=score.reliability is not None,
        )
    clinical = clinical_text = clinical_limits = None
    if score.cutoff is not None and not screen:
        clinical = label(cols.get(f"{column}_clinical"), person)
        clinical_text = say.clinical_text(clinical, score.cutoff, safety_raised=safety_raised)
        clinical_limits = say.clinical_limits(score.cutoff, score.cutoff_source)
    chart = None
    if not screen:
        told = [
            f"{w} {v:.2f}" + (f" (interval {ci[0]:.2f} to {ci[1]:.2f})" if ci else "")
            if v is not None
            else f"{w} missing"
            for w, v, ci in zip(wave_of, values, intervals, strict=True)
        ]
        desc = f"{score.name} at each wave: {'; '.join(told) or 'no waves'}."
        if band_low is not None and band_high is not None:
            desc += f" Reliable change band {band_low:.2f} to {band_high:.2f}."
        chart = change_chart(
            f"change-{index}",
            f"{score.name} over time",
            desc,
            low=low,
            high=high,
            waves=wave_of,
            values=values,
            intervals=intervals,
            band=(band_low, band_high) if band_low is not None and band_high is not None else None,
            base=base,
        )
    band_text = (
        say.band_text(band_low, band_high, base, band, base_wave)
        if band is not None and band_low is not None and band_high is not None and base is not None
        else None
    )
    return ChangeScoreView(
        column=column,
        name=score.name,
        owner=score.owner,
        low=low,
        high=high,
        better=score.better,
        screen=screen,
        points=points,
        wave_from=wave_from,
        wave_to=wave_to,
        value_from=value_from,
        value_to=value_to,
        change=number(cols.get(f"{column}_change"), person),
        rci=number(cols.get(f"{column}_rci"), person),
        band=band,
        band_low=band_low,
        band_high=band_high,
        verdict=verdict if not screen else None,
        verdict_text=verdict_text,
        clinical=clinical,
        clinical_text=clinical_text,
        clinical_limits=clinical_limits,
        computed=say.computed_text(
            method=score.method,
            reliability=score.reliability,
            reliability_source=score.reliability_source,
            sd=score.sd,
            sd_source=score.sd_source,
            se_difference=score.se_difference,
            critical=score.critical,
        ),
        notes=tuple(notes),
        chart=chart,
        chart_caption=say.chart_caption(
            base_wave, intervals=any(ci is not None for ci in intervals), band=band_text is not None
        ),
        band_text=band_text,
    )


def _own_warnings(
    warnings: Iterable[Issue], ident: str, places: set[tuple[int, str]]
) -> tuple[str, ...]:
    """Return the messages of the warnings about one person: by id, or by row and file."""
    return tuple(
        w.message
        for w in warnings
        if w.location.respondent == ident or (w.location.row, w.location.file) in places
    )


def change_person_context(
    result: ChangeResult,
    person: int,
    *,
    clock: Clock | None = None,
    version: str | None = None,
) -> ChangePersonReport:
    """Build the context of one person's report over time.

    Parameters
    ----------
    result
        The change table of every person, with every wave (:class:`ChangeResult`).
    person
        0-based row of the person in the change table.
    clock, version
        The date and relscales version printed (injectable, for reproducible output).

    Only that person's row of the change table, that person's waves and the study-level
    description of each score (method, reliability, SD, cut-off) are read.
    """
    if not 0 <= person < result.n_people:
        raise IndexError(f"person {person} is outside the {result.n_people} people")
    waves = result.waves
    rows = [int(r) for r in waves.rows_of(person)]
    wave_of = [_wave_label(waves.wave[r]) for r in rows]
    safety, unchecked_earlier = _person_safety(result, rows, wave_of)
    raised = safety.state == "raised"
    scores = tuple(
        _score_view(result, s, person, rows, wave_of, raised, k + 1)
        for k, s in enumerate(result.scores)
    )
    notes: list[str] = []
    if len(rows) == 1:
        notes.append(say.one_wave(wave_of[0]))
    if len(waves.version) and rows:
        pairs = [(wave_of[k], _wave_label(waves.version[r])) for k, r in enumerate(rows)]
        if len({v for _, v in pairs}) > 1:
            notes.append(say.versions_changed(pairs))
    if unchecked_earlier:
        notes.append(say.safety_unchecked(unchecked_earlier))
    other: list[FlagNote] = []
    for f in result.flags:
        if f.kind == "safety" or f.column not in waves.flags:
            continue
        if raised and f.kind == "seek-help":
            continue
        at = [wave_of[k] for k, r in enumerate(rows) if bool(waves.flags[f.column][r])]
        if at:
            other.append(
                FlagNote(
                    f.column,
                    f.owner,
                    f.flag,
                    f.kind,
                    f.message,
                    resources_of([f]),
                    tuple(at),
                    f"raised at {say.waves_text(at)}",
                )
            )
    ident = str(result.ids[person])
    places = {(int(waves.row[r]), str(waves.source[r])) for r in rows}
    shown = safety.resources_shown
    instruments = instrument_lines(result.instruments)
    return ChangePersonReport(
        kind="change_person",
        title="Change over time",
        respondent_id=ident,
        generated=_date(clock),
        relscales_version=version or __version__,
        waves=tuple(wave_of),
        wave_from=label(result.columns.get("wave_from"), person),
        wave_to=label(result.columns.get("wave_to"), person),
        safety=safety,
        banners=tuple(i.banner for i in instruments if i.banner),
        instruments=instruments,
        notes=tuple(notes),
        about=say.CHANGE_ABOUT,
        scores_note=say.CHANGE_SAFETY_SCORES if raised else None,
        band_meaning=say.BAND_MEANING,
        scores=scores,
        other_flags=tuple(other),
        limits=say.CHANGE_LIMITS,
        warnings=_own_warnings(result.warnings, ident, places),
        guidance=Guidance(
            not_a_diagnosis=say.CHANGE_NOT_A_DIAGNOSIS,
            state_not_trait=say.CHANGE_STATE_NOT_TRAIT,
            what_helps=wording.what_helps((), safety.state, resources_shown=shown),
            seek_help=wording.seek_help(safety.state, resources_shown=shown),
            safety_heading=wording.SAFETY_HEADING,
            what_helps_heading=wording.what_helps_heading(safety.state),
            seek_help_heading=wording.seek_help_heading(safety.state),
        ),
    )


def render_change_person(
    result: ChangeResult,
    person: int,
    *,
    fmt: ReportFormat = "html",
    template_dir: str | os.PathLike[str] | None = None,
    clock: Clock | None = None,
    version: str | None = None,
) -> str:
    """Render one person's report over time (``change_person.<fmt>.j2``).

    Parameters
    ----------
    result
        The change table (:class:`~relscales.linked_results.ChangeResult`).
    person
        0-based row of the person in the change table.
    fmt
        ``"html"``, ``"md"`` or ``"txt"``.
    template_dir
        A folder whose templates override the packaged ones.
    clock, version
        The date and relscales version printed (for reproducible output).

    Raises
    ------
    ReportError
        ``template-not-found``, ``template-error`` or ``template-unsafe``.
    IndexError
        When ``person`` is not a row of the change table.
    """
    report = change_person_context(result, person, clock=clock, version=version)
    return render_linked(report, fmt=fmt, template_dir=template_dir)


# --------------------------------------------------------------------------------------
# Change across a study
# --------------------------------------------------------------------------------------


UNDECLARED = ("increased", "unchanged", "decreased")
"""The verdicts of a score without a declared better direction, in the order shown."""


def _counts(
    found: dict[str, int], undeclared: bool = False
) -> tuple[tuple[CategoryCount, ...], int, int]:
    """Return the categories with their shares, the number told and the number missing.

    For a score without a declared direction the verdicts are increased, unchanged and
    decreased (improved and deteriorated only if someone has them).
    """
    if undeclared:
        found = {
            **{k: found.get(k, 0) for k in UNDECLARED},
            **{k: n for k, n in found.items() if k not in UNDECLARED and (n or k == "missing")},
        }
    missing = found.get("missing", 0)
    told = sum(n for k, n in found.items() if k != "missing")
    out = tuple(
        CategoryCount(k, n, (n / told if told else None) if k != "missing" else None)
        for k, n in found.items()
    )
    return out, told, missing


def _n_safety(result: ChangeResult) -> int:
    """People with a safety flag raised at any wave."""
    waves = result.waves
    hit = np.zeros(len(waves.person), dtype=bool)
    for f in result.flags:
        if f.kind == "safety" and f.column in waves.flags:
            hit |= np.asarray(waves.flags[f.column], dtype=bool)
    return len(np.unique(waves.person[hit]))


def change_study_context(
    result: ChangeResult, *, clock: Clock | None = None, version: str | None = None
) -> ChangeStudyReport:
    """Build the context of a change study report."""
    scores = []
    for s in result.scores:
        reliable, told, missing = _counts(result.counts(s.column, "reliable"), s.better is None)
        clinical: tuple[CategoryCount, ...] = ()
        if s.cutoff is not None and f"{s.column}_clinical" in result.columns:
            clinical = _counts(result.counts(s.column, "clinical"))[0]
        scores.append(
            ChangeStudyScore(
                column=s.column,
                name=s.name,
                owner=s.owner,
                better=s.better,
                method=s.method,
                method_name=say.METHODS.get(s.method, s.method),
                reliability=s.reliability,
                reliability_source=s.reliability_source,
                sd=s.sd,
                sd_source=s.sd_source,
                se_difference=s.se_difference,
                critical=s.critical,
                band=s.band,
                cutoff=s.cutoff,
                cutoff_source=s.cutoff_source,
                note=s.note,
                n=told,
                n_missing=missing,
                reliable=reliable,
                clinical=clinical,
                computed=say.computed_text(
                    method=s.method,
                    reliability=s.reliability,
                    reliability_source=s.reliability_source,
                    sd=s.sd,
                    sd_source=s.sd_source,
                    se_difference=s.se_difference,
                    critical=s.critical,
                ),
                screen="safety" in s.tags,
            )
        )
    instruments = instrument_lines(result.instruments)
    return ChangeStudyReport(
        kind="change_study",
        title="Change over time: study",
        generated=_date(clock),
        relscales_version=version or __version__,
        n_people=result.n_people,
        id_column=result.id_column,
        wave_order=tuple(str(w) for w in result.wave_order),
        n_rows=len(result.waves.person),
        problem_count=result.problem_count,
        n_safety=_n_safety(result),
        instruments=instruments,
        banners=tuple(i.banner for i in instruments if i.banner),
        scores=tuple(scores),
        reliable_meaning=say.RELIABLE_MEANING,
        clinical_meaning=say.STUDY_CLINICAL_MEANING,
        limits=say.CHANGE_LIMITS,
        warnings=tuple(w.message for w in result.warnings),
        not_a_diagnosis=wording.STUDY_NOT_A_DIAGNOSIS,
    )


def render_change_study(
    result: ChangeResult,
    *,
    fmt: ReportFormat = "html",
    template_dir: str | os.PathLike[str] | None = None,
    clock: Clock | None = None,
    version: str | None = None,
) -> str:
    """Render a change study report (``change_study.<fmt>.j2``; ``html`` or ``md``).

    Raises
    ------
    ReportError
        ``template-not-found`` (also for ``txt``), ``template-error`` or ``template-unsafe``.
    """
    report = change_study_context(result, clock=clock, version=version)
    return render_linked(report, fmt=fmt, template_dir=template_dir)

"""Build the context of a study report (:func:`study_context`).

It turns a whole :class:`ScoreResult` (and, optionally, the
:class:`~relscales.analysis_results.AnalysisResult` of each instrument) into a
:class:`~relscales.reports.study_views.StudyReport`: the distribution of every score, the
reliability, item and quality tables, and how many respondents got each reading.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from relscales._version import __version__
from relscales.reports import charts, wording
from relscales.reports.common import Clock, around, banner, default_clock
from relscales.reports.study_views import (
    FlagCount,
    ItemRow,
    ItemTable,
    LabelCount,
    ProfileCounts,
    QualitySummary,
    ReliabilityRow,
    Sample,
    ScoreDistribution,
    StudyInstrument,
    StudyReport,
)
from relscales.reports.views import Provenance

if TYPE_CHECKING:
    from relscales.analysis_results import AnalysisResult
    from relscales.scoring.compile import (
        CompiledBattery,
        CompiledInstrument,
        CompiledProfile,
        ScoreInfo,
    )
    from relscales.scoring.results import ScoreResult

__all__ = ["study_context"]


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


def _not_applicable(result: ScoreResult, column: str) -> tuple[int, int]:
    """Count "Does not apply" answers, and respondents ruled out by context, of a score."""
    counts = result.n_not_applicable.get(column)
    answers = int(np.asarray(counts).sum()) if counts is not None else 0
    ruled = result.details.get(f"{column}.not_applicable")
    ruled_out = int(np.asarray(ruled, dtype=bool).sum()) if ruled is not None else 0
    return answers, ruled_out


def _flag_counts(result: ScoreResult, comp: CompiledInstrument) -> tuple[FlagCount, ...]:
    out = []
    for flag in comp.flags:
        column = result.layout.flag_column(comp.id, flag.id)
        states = list(result.columns[column].tolist()) if column in result.columns else []
        out.append(
            FlagCount(
                flag.id,
                flag.spec.name or flag.id,
                flag.spec.kind,
                flag.spec.severity,
                sum(v is True for v in states),
                sum(v is None for v in states),
            )
        )
    return tuple(out)


def _distribution(cid: str, column: str, info: ScoreInfo, values: Any) -> ScoreDistribution:
    n, missing, (mean, sd, lo, med, hi) = _describe(values)
    bounded = math.isfinite(info.low) and math.isfinite(info.high)
    low, high = (info.low, info.high) if bounded else around(lo, (lo or 0.0, hi or 0.0))
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
        reasons = analysis.quality.by_reason()
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
        :func:`relscales.pipeline.analysis.analyze` results, matched to instruments by id (an
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
    layout = result.layout
    counter = 0
    instruments: list[StudyInstrument] = []
    profiles: list[ProfileCounts] = []
    for comp in compiled:
        spec = comp.instrument.spec
        dists = []
        for info in comp.scores:
            column = layout.score_column(comp.id, info.id) or info.id
            counter += 1
            dist = _distribution(f"hist-{counter}", column, info, result.columns[column])
            n_na, n_ruled = _not_applicable(result, column)
            dists.append(dataclasses.replace(dist, n_not_applicable=n_na, n_ruled_out=n_ruled))
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
                banner(status, spec.name),
                tuple(dists),
                rel,
                items,
                quality,
                warnings,
                _flag_counts(result, comp),
            )
        )
        for prof in comp.profiles:
            column = layout.profile_column(comp.id, prof.id)
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
        n_member = len(battery.scores) - len(battery.composites)
        dists = []
        for comp_b, info in zip(battery.composites, battery.scores[n_member:], strict=True):
            counter += 1
            column = layout.score_column(battery.id, comp_b.id) or comp_b.id
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
                banner(bspec.validation.status, bspec.name),
                tuple(dists),
                (),
                (),
                None,
                (),
            )
        )
        for prof in battery.profiles:
            column = layout.profile_column(battery.id, prof.id)
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
        confidence_level=layout.confidence_level,
        sample=sample,
        instruments=tuple(instruments),
        profiles=tuple(profiles),
        not_a_diagnosis=wording.STUDY_NOT_A_DIAGNOSIS,
        provenance=tuple(provenance),
    )

"""Reports of couples: one couple for the clinician (:func:`render_couple`), and a study.

The couple report is for the clinician only, and says so in a box at the very top. When a
safety flag was raised for either partner, the safety section comes first, naming the
partner, saying that conjoint sessions can be unsafe where there is coercive control and
that individual follow-up comes first; then each partner's scores are shown for the record,
with no joint reading, no comparison and no joint advice. Otherwise it shows each score of
both partners with their mean, difference and whether the difference is larger than
measurement error, and both partners' readings side by side with what agreement and
disagreement can and cannot mean. It reads only its own couple's row of the couples table.

Each partner's own report is the ordinary person report of that partner's row, rendered by
the pipeline: nothing of one partner is in the other's report.

The couples study report gives, per score, Kenny's test of nonindependence, the pairwise
intraclass correlation, the test of distinguishability (with roles) and the count of
reliable discrepancies, each with what it means, and the linkage warnings.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from relscales._version import __version__
from relscales.reports import linked_wording as say
from relscales.reports import wording
from relscales.reports.change_report import (
    instrument_lines,
    label,
    number,
    render_linked,
    resources_of,
)
from relscales.reports.charts import text_bar
from relscales.reports.common import Clock, around, default_clock
from relscales.reports.linked_charts import pair_chart
from relscales.reports.linked_views import (
    Audience,
    CoupleReadingView,
    CoupleReport,
    CoupleScoreView,
    CouplesStudyReport,
    CouplesStudyScore,
    DiscrepancyCounts,
    DistinguishabilityView,
    FlagNote,
    LinkedSafety,
    NonindependenceView,
    PairwiseView,
    PartnerView,
)
from relscales.reports.render import ReportFormat

if TYPE_CHECKING:
    from relscales.dyadic import Distinguishability, Nonindependence, PairwiseICC
    from relscales.errors import Issue
    from relscales.linked_results import CoupleResult, CoupleScore, FlagColumn

__all__ = [
    "couple_context",
    "couples_study_context",
    "render_couple",
    "render_couples_study",
    "truth",
]


def truth(values: Any, index: int) -> bool | None:
    """Return a true/false cell (``<score>_diff_reliable``), or None when it cannot be told.

    Booleans, ``"true"``/``"false"`` text and the codes 1 / 0 / -1 are understood; an empty,
    missing or NaN cell (or code -1) is None.

    Examples
    --------
    >>> cells = np.array([True, "false", "", 1, -1, None], dtype=object)
    >>> [truth(cells, k) for k in range(6)]
    [True, False, None, True, None, None]
    """
    if values is None or index >= len(values):
        return None
    value = values[index]
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str):
        return {"true": True, "false": False, "1": True, "0": False}.get(value.strip().lower())
    try:
        code = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(code) or code < 0:
        return None
    return code > 0


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _range(score: CoupleScore, values: Iterable[float | None]) -> tuple[float, float]:
    if math.isfinite(score.low) and math.isfinite(score.high) and score.high > score.low:
        return score.low, score.high
    finite = [v for v in values if v is not None]
    return around(None, (min(finite), max(finite)) if finite else None)


# --------------------------------------------------------------------------------------
# One couple, for the clinician
# --------------------------------------------------------------------------------------


def _partners(result: CoupleResult, couple: int) -> tuple[PartnerView, PartnerView]:
    rows = result.partner_rows
    found = rows.shape[0] > couple if rows.ndim == 2 else False
    views = []
    for k in (1, 2):
        role = result.roles[k - 1] if result.roles else None
        row = int(rows[couple, k - 1]) if found else None
        views.append(
            PartnerView(
                k,
                f"Partner {k} ({role})" if role else f"Partner {k}",
                f"Partner {k}",
                role,
                None if row == 0 else row,
            )
        )
    return views[0], views[1]


def _flag_note(flag: FlagColumn, partners: list[str]) -> FlagNote:
    """Return a flag raised for one or both partners, as the couple report shows it."""
    return FlagNote(
        flag.column,
        flag.owner,
        flag.flag,
        flag.kind,
        flag.message,
        resources_of([flag]),
        tuple(partners),
        f"raised for {wording.join_words(partners)}",
    )


def _couple_safety(
    result: CoupleResult, couple: int, partners: tuple[PartnerView, PartnerView], absent: set[int]
) -> LinkedSafety:
    """Return the couple's safety state: raised for a partner, not checked, clear."""
    flags = [f for f in result.flags if f.kind == "safety" and f.column in result.partner_flags]
    raised_by: dict[str, list[int]] = {}
    for f in flags:
        pair = result.partner_flags[f.column]
        raised_by[f.column] = [k for k in (1, 2) if bool(pair[k - 1][couple])]
    who = {k for ks in raised_by.values() for k in ks}
    for first, second in result.readings.values():
        for k, values in ((1, first), (2, second)):
            if label(values, couple) == "safety-first":
                who.add(k)
    screens = [s.column for s in result.scores if "safety" in s.tags]
    screened = bool(flags or screens)
    unchecked = sorted(
        k
        for k in (1, 2)
        if k not in absent
        and any(number(result.columns.get(f"{c}_{k}"), couple) is None for c in screens)
    )
    names = [partners[k - 1].label for k in sorted(who)]
    if bool(result.safety[couple]) or who:
        notes = tuple(
            _flag_note(f, [partners[k - 1].label for k in raised_by[f.column]])
            for f in flags
            if raised_by[f.column]
        )
        text = list(say.COUPLE_SAFETY)
        others = [k for k in unchecked if k not in who]
        if others:
            text.append(say.couple_safety_unknown([partners[k - 1].label for k in others]))
        raised_flags = [f for f in flags if raised_by[f.column]] or flags
        return LinkedSafety(
            "raised",
            say.COUPLE_SAFETY_HEADING,
            say.couple_safety_lead(names),
            notes,
            tuple(text),
            resources_of(raised_flags),
            say.COUPLE_PRIVACY,
            partners=tuple(names),
        )
    if unchecked:
        labels = [partners[k - 1].label for k in unchecked]
        return LinkedSafety(
            "unknown",
            wording.SAFETY_UNKNOWN_HEADING,
            None,
            (),
            (say.couple_safety_unknown(labels),),
            resources_of(flags),
            say.COUPLE_PRIVACY,
            partners=tuple(labels),
        )
    return LinkedSafety("clear" if screened else "not screened", None, None, (), (), (), None)


def _score_view(
    result: CoupleResult,
    score: CoupleScore,
    couple: int,
    partners: tuple[PartnerView, PartnerView],
    joint: bool,
    index: int,
) -> CoupleScoreView:
    cols = result.columns
    column = score.column
    screen = "safety" in score.tags
    v1 = number(cols.get(f"{column}_1"), couple)
    v2 = number(cols.get(f"{column}_2"), couple)
    low, high = _range(score, (v1, v2))
    compared = joint and not screen
    mean = difference = reliable = chart = None
    if compared:
        mean = number(cols.get(f"{column}_mean"), couple)
        difference = number(cols.get(f"{column}_diff"), couple)
        reliable = truth(cols.get(f"{column}_diff_reliable"), couple)
        text = say.discrepancy_text(reliable, difference, partners[0].short, partners[1].short)
        shown = [
            f"{p.label} {v:.2f}" if v is not None else f"{p.label} missing"
            for p, v in zip(partners, (v1, v2), strict=True)
        ]
        chart = pair_chart(
            f"pair-{index}",
            f"{score.name}: both partners",
            f"{score.name}: {'; '.join(shown)}.",
            low=low,
            high=high,
            first=v1,
            second=v2,
        )
    else:
        text = say.SCREEN_COUPLE if screen else say.NOT_COMPARED
    return CoupleScoreView(
        column=column,
        name=score.name,
        owner=score.owner,
        low=low,
        high=high,
        screen=screen,
        value_1=v1,
        value_2=v2,
        compared=compared,
        mean=mean,
        difference=difference,
        reliable=reliable,
        text=text,
        chart=chart,
        text_bar_1=text_bar(low, high, v1, None),
        text_bar_2=text_bar(low, high, v2, None),
    )


def _readings(
    result: CoupleResult, couple: int, partners: tuple[PartnerView, PartnerView]
) -> tuple[CoupleReadingView, ...]:
    out = []
    for column, (first, second) in result.readings.items():
        kind = say.reading_kind(column)
        la, lb = label(first, couple), label(second, couple)
        told = all(x is not None and x not in ("indeterminate", "safety-first") for x in (la, lb))
        out.append(
            CoupleReadingView(
                column=column,
                name=say.reading_name(kind, column),
                kind=kind,
                label_1=la,
                label_2=lb,
                label_text_1=say.reading_label(kind, la),
                label_text_2=say.reading_label(kind, lb),
                agree=(la == lb) if told else None,
                text=say.pair_reading_text(kind, partners[0].short, partners[1].short, la, lb),
            )
        )
    return tuple(out)


def _agreement(safety: LinkedSafety) -> tuple[str, ...]:
    """Return what agreement can mean, with how to read it when safety was not checked."""
    if safety.state == "unknown":
        return (say.readings_unchecked(safety.partners), *say.AGREEMENT)
    return say.AGREEMENT


def _couple_warnings(warnings: Iterable[Issue], rows: set[int]) -> tuple[str, ...]:
    """Return the messages of the linkage warnings about this couple's rows."""
    return tuple(
        w.message for w in warnings if w.location.row is not None and w.location.row in rows
    )


def couple_context(
    result: CoupleResult,
    couple: int,
    *,
    clock: Clock | None = None,
    version: str | None = None,
) -> CoupleReport:
    """Build the context of one couple's report for the clinician.

    Only that couple's row of the couples table (scores, readings, flags, safety, data rows)
    and the study-level description of each score are read.
    """
    if not 0 <= couple < result.n_couples:
        raise IndexError(f"couple {couple} is outside the {result.n_couples} couples")
    partners = _partners(result, couple)
    absent = {p.number for p in partners if p.row is None and result.partner_rows.shape[0] > couple}
    safety = _couple_safety(result, couple, partners, absent)
    joint = safety.state != "raised"
    notes = []
    if len(absent) == 1:
        gone = absent.pop()
        notes.append(say.one_partner(partners[2 - gone].label, partners[gone - 1].label))
    scores = tuple(
        _score_view(result, s, couple, partners, joint, k + 1) for k, s in enumerate(result.scores)
    )
    readings = _readings(result, couple, partners) if joint else ()
    other = []
    for f in result.flags:
        if f.kind == "safety" or f.column not in result.partner_flags:
            continue
        pair = result.partner_flags[f.column]
        who = [p.label for p in partners if bool(pair[p.number - 1][couple])]
        if who:
            other.append(_flag_note(f, who))
    instruments = instrument_lines(result.instruments)
    rows = {p.row for p in partners if p.row is not None}
    return CoupleReport(
        kind="couple",
        title="Couple report",
        couple_id=str(result.couples[couple]),
        row=couple + 1,
        generated=(clock or default_clock)().date().isoformat(),
        relscales_version=version or __version__,
        audience=Audience(say.AUDIENCE_HEADING, say.AUDIENCE),
        partners=partners,
        safety=safety,
        joint=joint,
        before_joint=say.before_joint(safety.state),
        banners=tuple(i.banner for i in instruments if i.banner),
        instruments=instruments,
        notes=tuple(notes),
        scores=scores,
        agreement=_agreement(safety) if readings else (),
        readings=readings,
        readings_note=say.READINGS_WITHHELD if not joint and result.readings else None,
        other_flags=tuple(other),
        warnings=_couple_warnings(result.warnings, rows),
        not_a_diagnosis=say.COUPLE_NOT_A_DIAGNOSIS,
    )


def render_couple(
    result: CoupleResult,
    couple: int,
    *,
    fmt: ReportFormat = "html",
    template_dir: str | os.PathLike[str] | None = None,
    clock: Clock | None = None,
    version: str | None = None,
) -> str:
    """Render one couple's report for the clinician (``couple.<fmt>.j2``; html or md).

    Parameters
    ----------
    result
        The couples table (:class:`~relscales.linked_results.CoupleResult`).
    couple
        0-based row of the couple in the couples table.
    fmt, template_dir, clock, version
        As for :func:`relscales.reports.change_report.render_change_person`.

    Raises
    ------
    ReportError
        ``template-not-found``, ``template-error`` or ``template-unsafe``.
    IndexError
        When ``couple`` is not a row of the couples table.
    """
    report = couple_context(result, couple, clock=clock, version=version)
    return render_linked(report, fmt=fmt, template_dir=template_dir)


# --------------------------------------------------------------------------------------
# Couples across a study
# --------------------------------------------------------------------------------------


def _nonindependence(ni: Nonindependence) -> NonindependenceView:
    alpha = 1.0 - ni.confidence_level
    return NonindependenceView(
        kind=ni.kind,
        estimate=_finite(ni.estimate),
        statistic_name="F" if ni.kind == "exchangeable" else "t",
        statistic=_finite(ni.statistic),
        df=tuple(ni.df),
        df_text=", ".join(f"{d:g}" for d in ni.df),
        p_value=_finite(ni.p_value),
        ci_low=_finite(ni.ci_low),
        ci_high=_finite(ni.ci_high),
        confidence_level=ni.confidence_level,
        n_couples=ni.n_couples,
        reason=ni.reason,
        text=say.nonindependence_text(ni.estimate, ni.p_value, ni.n_couples, alpha, ni.reason),
    )


def _pairwise(pw: PairwiseICC, alpha: float) -> PairwiseView:
    return PairwiseView(
        estimate=_finite(pw.estimate),
        z=_finite(pw.statistic),
        p_value=_finite(pw.p_value),
        n_couples=pw.n_couples,
        reason=pw.reason,
        text=say.pairwise_text(pw.estimate, pw.p_value, alpha, pw.reason),
    )


def _distinguishability(d: Distinguishability, alpha: float) -> DistinguishabilityView:
    return DistinguishabilityView(
        chi_square=_finite(d.chi_square),
        df=d.df,
        p_value=_finite(d.p_value),
        mean_1=_finite(d.mean_1),
        mean_2=_finite(d.mean_2),
        t_means=_finite(d.t_means),
        df_means=_finite(d.df_means),
        p_means=_finite(d.p_means),
        t_variances=_finite(d.t_variances),
        df_variances=_finite(d.df_variances),
        p_variances=_finite(d.p_variances),
        n_couples=d.n_couples,
        reason=d.reason,
        text=say.distinguishability_text(d.p_value, d.p_means, d.p_variances, alpha, d.reason),
    )


def _discrepancy(values: Any, n: int) -> DiscrepancyCounts | None:
    if values is None:
        return None
    told = [truth(values, k) for k in range(n)]
    reliable = sum(1 for t in told if t is True)
    within = sum(1 for t in told if t is False)
    return DiscrepancyCounts(
        reliable=reliable,
        within=within,
        unknown=n - reliable - within,
        share=reliable / (reliable + within) if reliable + within else None,
        text=say.discrepancy_count(reliable, reliable + within, n - reliable - within),
    )


def couples_study_context(
    result: CoupleResult, *, clock: Clock | None = None, version: str | None = None
) -> CouplesStudyReport:
    """Build the context of a couples study report."""
    scores = []
    for s in result.scores:
        screen = "safety" in s.tags
        ni = s.nonindependence
        alpha = 1.0 - ni.confidence_level if ni is not None else 0.05
        scores.append(
            CouplesStudyScore(
                column=s.column,
                name=s.name,
                owner=s.owner,
                screen=screen,
                nonindependence=_nonindependence(ni) if ni is not None else None,
                pairwise=_pairwise(s.pairwise, alpha) if s.pairwise is not None else None,
                distinguishability=(
                    _distinguishability(s.distinguishability, alpha)
                    if s.distinguishability is not None and result.roles is not None
                    else None
                ),
                discrepancy=None
                if screen
                else _discrepancy(
                    result.columns.get(f"{s.column}_diff_reliable"), result.n_couples
                ),
            )
        )
    instruments = instrument_lines(result.instruments)
    meanings = [say.NONINDEPENDENCE_MEANING, say.PAIRWISE_MEANING]
    if result.roles is not None:
        meanings.append(say.DISTINGUISHABILITY_MEANING)
    meanings.append(say.DISCREPANCY_MEANING)
    return CouplesStudyReport(
        kind="couples_study",
        title="Couples: study",
        generated=(clock or default_clock)().date().isoformat(),
        relscales_version=version or __version__,
        n_couples=result.n_couples,
        couple_column=result.couple_column,
        roles=result.roles,
        n_safety=int(np.count_nonzero(np.asarray(result.safety, dtype=bool))),
        confidence_level=next(
            (s.nonindependence.confidence_level for s in result.scores if s.nonindependence),
            None,
        ),
        problem_count=result.problem_count,
        instruments=instruments,
        banners=tuple(i.banner for i in instruments if i.banner),
        scores=tuple(scores),
        meanings=tuple(meanings),
        safety_note=say.SAFETY_STUDY,
        warnings=tuple(w.message for w in result.warnings),
        not_a_diagnosis=wording.STUDY_NOT_A_DIAGNOSIS,
    )


def render_couples_study(
    result: CoupleResult,
    *,
    fmt: ReportFormat = "html",
    template_dir: str | os.PathLike[str] | None = None,
    clock: Clock | None = None,
    version: str | None = None,
) -> str:
    """Render a couples study report (``couples_study.<fmt>.j2``; html or md)."""
    report = couples_study_context(result, clock=clock, version=version)
    return render_linked(report, fmt=fmt, template_dir=template_dir)

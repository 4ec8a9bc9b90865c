"""The template contexts of the change and couple reports: typed, frozen, documented.

Templates see one of four reports as ``report`` (docs/linked-reports.md):

- :class:`ChangePersonReport` (``change_person.<fmt>.j2``): one person over time, built by
  :func:`relscales.reports.change_report.change_person_context`;
- :class:`ChangeStudyReport` (``change_study.<fmt>.j2``): reliable change across people,
  built by :func:`relscales.reports.change_report.change_study_context`;
- :class:`CoupleReport` (``couple.<fmt>.j2``): one couple, for the clinician, built by
  :func:`relscales.reports.couple_report.couple_context`;
- :class:`CouplesStudyReport` (``couples_study.<fmt>.j2``): agreement within couples
  across a study, built by :func:`relscales.reports.couple_report.couples_study_context`.

As in :mod:`relscales.reports.views`, numbers stay at full precision (templates round them
with ``num``), a missing number is ``None``, charts are already-escaped SVG strings, and
every sentence that carries meaning is built once (:mod:`relscales.reports.linked_wording`)
so that every format says the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from relscales.reports.views import Guidance, Resource

__all__ = [
    "Audience",
    "CategoryCount",
    "ChangePersonReport",
    "ChangeScoreView",
    "ChangeStudyReport",
    "ChangeStudyScore",
    "CoupleReadingView",
    "CoupleReport",
    "CoupleScoreView",
    "CouplesStudyReport",
    "CouplesStudyScore",
    "DiscrepancyCounts",
    "DistinguishabilityView",
    "FlagNote",
    "InstrumentLine",
    "LinkedSafety",
    "NonindependenceView",
    "PairwiseView",
    "PartnerView",
    "WavePoint",
    "WaveSafety",
]

SafetyState = Literal["raised", "unknown", "clear", "not screened"]


@dataclass(frozen=True, slots=True)
class InstrumentLine:
    """An instrument (or battery) behind a result."""

    id: str
    name: str
    version: str
    status: str
    """Validation status: ``published``, ``provisional`` or ``experimental``."""
    experimental: bool
    banner: str | None
    """The validation banner (experimental and provisional instruments), else None."""


@dataclass(frozen=True, slots=True)
class FlagNote:
    """A flag raised for the person (at some waves) or for a partner."""

    column: str
    owner: str
    flag: str
    kind: str
    """``safety``, ``seek-help``, ``context`` or ``other``."""
    message: str
    resources: tuple[Resource, ...]
    where: tuple[str, ...]
    """The waves it was raised at (change), or the partners it was raised for (couples)."""
    where_text: str
    """``raised at wave T1``, ``raised for Partner 1``."""


@dataclass(frozen=True, slots=True)
class WaveSafety:
    """The safety screen at one wave: ``raised``, ``not raised`` or ``not checked``."""

    wave: str
    state: Literal["raised", "not raised", "not checked"]


@dataclass(frozen=True, slots=True)
class LinkedSafety:
    """The safety state of a report, and what is said about it (shown before any score).

    ``raised``: a safety flag was raised at any wave (change) or for either partner
    (couples); ``unknown``: not raised, but the safety screen could not be checked (at the
    latest wave; for a partner); ``clear``: screened, nothing raised; ``not screened``: no
    instrument asks about safety.
    """

    state: SafetyState
    heading: str | None
    """``Your safety comes first`` / ``Safety comes first`` (raised), ``Safety could not be
    checked`` (unknown), else None: nothing to show on top."""
    lead: str | None
    """When and for whom: ``A safety flag was raised in your answers at waves T1 and T3.``"""
    flags: tuple[FlagNote, ...]
    """The raised safety flags, each with its message and resources."""
    text: tuple[str, ...]
    """The paragraphs after the flags."""
    resources: tuple[Resource, ...]
    """Every resource of the safety flags, each once (what the section shows)."""
    privacy: str | None
    """Who else may see the report (raised and unknown), else None."""
    waves: tuple[WaveSafety, ...] = ()
    """Change reports: the screen at each of the person's waves."""
    partners: tuple[str, ...] = ()
    """Couple reports: the partners for whom it was raised (or could not be checked)."""

    @property
    def resources_shown(self) -> bool:
        """True when the section shows resources."""
        return bool(self.resources)


# --------------------------------------------------------------------------------------
# One person over time
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WavePoint:
    """One score of one person at one wave."""

    wave: str
    row: int
    """1-based data row (within its file)."""
    source: str
    version: str | None
    value: float | None
    ci_low: float | None
    ci_high: float | None
    text_bar: str
    """The score and its interval as one line of text (Markdown and text reports)."""


@dataclass(frozen=True, slots=True)
class ChangeScoreView:
    """Change on one score of one person."""

    column: str
    name: str
    owner: str
    low: float
    high: float
    """The range drawn (the score's range; around the values when it has no fixed bounds)."""
    better: Literal["lower", "higher"] | None
    screen: bool
    """The safety screen: its flag matters, not its change (no verdict, no chart)."""
    points: tuple[WavePoint, ...]
    """The score at each of the person's waves, in wave order (the chart's data table)."""
    wave_from: str | None
    wave_to: str | None
    value_from: float | None
    value_to: float | None
    change: float | None
    rci: float | None
    band: float | None
    """Half-width of the reliable change band in score units, or None."""
    band_low: float | None
    band_high: float | None
    """The band drawn: the first score +/- ``band``."""
    verdict: str | None
    """``improved``, ``unchanged``, ``deteriorated``, ``increased``, ``decreased``, or None
    (cannot be told)."""
    verdict_text: str
    """Whether the change is larger than measurement error, in plain words."""
    clinical: str | None
    """The clinical category, when the score has a cut-off and it could be told."""
    clinical_text: str | None
    """What the category means (None without a cut-off)."""
    clinical_limits: str | None
    """The cut-off and what the categories cannot tell (None without a cut-off)."""
    computed: str
    """How the reliable change index was computed (method, reliability, SD, S_diff)."""
    notes: tuple[str, ...]
    """Waves at which the score is missing; what changed between versions."""
    chart: str | None
    """Inline SVG (None for the safety screen)."""
    chart_caption: str
    band_text: str | None
    """The band in words for Markdown and text reports, or None."""


@dataclass(frozen=True, slots=True)
class ChangePersonReport:
    """Everything a person's report over time shows (the template variable ``report``)."""

    kind: Literal["change_person"]
    title: str
    respondent_id: str
    generated: str
    relscales_version: str
    waves: tuple[str, ...]
    """The person's waves, in order."""
    wave_from: str | None
    wave_to: str | None
    """The waves compared (``wave_from``, ``wave_to`` of the change table)."""
    safety: LinkedSafety
    banners: tuple[str, ...]
    instruments: tuple[InstrumentLine, ...]
    notes: tuple[str, ...]
    """One wave only; versions that changed between waves."""
    about: str
    scores_note: str | None
    """Shown above the scores when safety was raised: how to read them then."""
    band_meaning: str
    scores: tuple[ChangeScoreView, ...]
    other_flags: tuple[FlagNote, ...]
    """Raised flags that are not about safety (seek-help ones left out when safety is raised)."""
    limits: str
    """What a change cannot tell (not proof of what caused it)."""
    warnings: tuple[str, ...]
    """Problems of this person's rows (two rows at one wave, ...)."""
    guidance: Guidance


# --------------------------------------------------------------------------------------
# Change across a study
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """How many people fall in one category."""

    label: str
    n: int
    share: float | None
    """Share of the people for whom it could be told (None for ``missing``)."""


@dataclass(frozen=True, slots=True)
class ChangeStudyScore:
    """Reliable change on one score across people."""

    column: str
    name: str
    owner: str
    better: Literal["lower", "higher"] | None
    method: str
    method_name: str
    reliability: float | None
    reliability_source: str | None
    sd: float | None
    sd_source: str | None
    se_difference: float | None
    critical: float
    band: float | None
    cutoff: float | None
    cutoff_source: str | None
    note: str | None
    n: int
    """People for whom reliable change could be told."""
    n_missing: int
    reliable: tuple[CategoryCount, ...]
    clinical: tuple[CategoryCount, ...]
    """Empty without a cut-off."""
    computed: str
    screen: bool


@dataclass(frozen=True, slots=True)
class ChangeStudyReport:
    """A change study report (the template variable ``report``)."""

    kind: Literal["change_study"]
    title: str
    generated: str
    relscales_version: str
    n_people: int
    id_column: str
    wave_order: tuple[str, ...]
    n_rows: int
    """Scored rows (every wave of every person)."""
    problem_count: int
    n_safety: int
    """People with a safety flag raised at any wave."""
    instruments: tuple[InstrumentLine, ...]
    banners: tuple[str, ...]
    scores: tuple[ChangeStudyScore, ...]
    reliable_meaning: str
    clinical_meaning: str
    limits: str
    warnings: tuple[str, ...]
    not_a_diagnosis: str


# --------------------------------------------------------------------------------------
# One couple, for the clinician
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a report is for, shown at the very top."""

    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class PartnerView:
    """One partner of a couple."""

    number: int
    """1 or 2."""
    label: str
    """``Partner 1`` or ``Partner 1 (role)`` (headings and tables)."""
    short: str
    """``Partner 1``: how sentences name the partner."""
    role: str | None
    row: int | None
    """1-based data row, None when the partner is not in the data."""


@dataclass(frozen=True, slots=True)
class CoupleScoreView:
    """One score of both partners."""

    column: str
    name: str
    owner: str
    low: float
    high: float
    screen: bool
    value_1: float | None
    value_2: float | None
    compared: bool
    """False with a safety concern (or for a screen): no mean, difference or discrepancy."""
    mean: float | None
    difference: float | None
    """Partner 1 minus partner 2 (None when not compared)."""
    reliable: bool | None
    """A reliable discrepancy (None: cannot be told, or not compared)."""
    text: str
    chart: str | None
    text_bar_1: str
    text_bar_2: str


@dataclass(frozen=True, slots=True)
class CoupleReadingView:
    """One reading of both partners, side by side (only when safety is not raised)."""

    column: str
    name: str
    kind: Literal["insecurity_source", "attachment", "other"]
    label_1: str | None
    label_2: str | None
    label_text_1: str
    label_text_2: str
    agree: bool | None
    """Same label (None when either cannot be told)."""
    text: tuple[str, ...]
    """What the two readings mean side by side."""


@dataclass(frozen=True, slots=True)
class CoupleReport:
    """A couple report for the clinician (the template variable ``report``)."""

    kind: Literal["couple"]
    title: str
    couple_id: str
    row: int
    """1-based row of the couple in the couples table."""
    generated: str
    relscales_version: str
    audience: Audience
    partners: tuple[PartnerView, PartnerView]
    safety: LinkedSafety
    joint: bool
    """False when safety is raised: no joint reading, no comparison, no joint advice."""
    before_joint: str | None
    """What to keep in mind before joint sessions (safety clear or not screened)."""
    banners: tuple[str, ...]
    instruments: tuple[InstrumentLine, ...]
    notes: tuple[str, ...]
    """A partner missing from the data."""
    scores: tuple[CoupleScoreView, ...]
    agreement: tuple[str, ...]
    """What agreement and disagreement can and cannot mean (empty when not joint)."""
    readings: tuple[CoupleReadingView, ...]
    """Empty when not joint."""
    readings_note: str | None
    """Why readings are not shown (safety raised), else None."""
    other_flags: tuple[FlagNote, ...]
    """Raised flags that are not about safety, with the partner."""
    warnings: tuple[str, ...]
    """Linkage problems of this couple's rows."""
    not_a_diagnosis: str


# --------------------------------------------------------------------------------------
# Couples across a study
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NonindependenceView:
    """Kenny's test of nonindependence on one score."""

    kind: Literal["exchangeable", "distinguishable"]
    estimate: float | None
    statistic_name: Literal["F", "t"]
    statistic: float | None
    df: tuple[float, ...]
    df_text: str
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    confidence_level: float
    n_couples: int
    reason: str | None
    text: str


@dataclass(frozen=True, slots=True)
class PairwiseView:
    """The pairwise intraclass correlation on one score."""

    estimate: float | None
    z: float | None
    p_value: float | None
    n_couples: int
    reason: str | None
    text: str


@dataclass(frozen=True, slots=True)
class DistinguishabilityView:
    """Whether the two roles differ on one score."""

    chi_square: float | None
    df: int
    p_value: float | None
    mean_1: float | None
    mean_2: float | None
    t_means: float | None
    df_means: float | None
    p_means: float | None
    t_variances: float | None
    df_variances: float | None
    p_variances: float | None
    n_couples: int
    reason: str | None
    text: str


@dataclass(frozen=True, slots=True)
class DiscrepancyCounts:
    """How many couples' partners differ by more than measurement error on one score."""

    reliable: int
    within: int
    unknown: int
    """Couples for whom it cannot be told."""
    share: float | None
    """Share of reliable discrepancies among the couples for whom it could be told."""
    text: str
    """The counts in a sentence."""


@dataclass(frozen=True, slots=True)
class CouplesStudyScore:
    """Agreement within couples on one score."""

    column: str
    name: str
    owner: str
    screen: bool
    nonindependence: NonindependenceView | None
    pairwise: PairwiseView | None
    distinguishability: DistinguishabilityView | None
    discrepancy: DiscrepancyCounts | None
    """None for a screen (partners' screens are not compared)."""


@dataclass(frozen=True, slots=True)
class CouplesStudyReport:
    """A couples study report (the template variable ``report``)."""

    kind: Literal["couples_study"]
    title: str
    generated: str
    relscales_version: str
    n_couples: int
    couple_column: str
    roles: tuple[str, str] | None
    n_safety: int
    """Couples with a safety flag raised for at least one partner."""
    confidence_level: float | None
    """The level of the nonindependence intervals (None when there are none)."""
    problem_count: int
    instruments: tuple[InstrumentLine, ...]
    banners: tuple[str, ...]
    scores: tuple[CouplesStudyScore, ...]
    meanings: tuple[str, ...]
    """What each statistic means, in plain words."""
    safety_note: str
    warnings: tuple[str, ...]
    not_a_diagnosis: str

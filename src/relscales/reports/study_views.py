"""The template context of a study report: typed, frozen, documented (docs/reports.md).

Templates see a :class:`StudyReport` as ``report``, and nothing else of Python; it is
built by :func:`relscales.reports.study.study_context`. Numbers stay at full precision
(templates round them with the ``num`` filter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from relscales.reports.views import Provenance

__all__ = [
    "FlagCount",
    "ItemRow",
    "ItemTable",
    "LabelCount",
    "ProfileCounts",
    "QualitySummary",
    "ReliabilityRow",
    "Sample",
    "ScoreDistribution",
    "StudyInstrument",
    "StudyReport",
]


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
    n_not_applicable: int = 0
    """"Does not apply" answers to the score's items, over every respondent (0 for
    composites and scales without such an answer)."""
    n_ruled_out: int = 0
    """Respondents for whom the score does not apply in their context (``applies_when``):
    missing as not applicable."""


@dataclass(frozen=True, slots=True)
class FlagCount:
    """How many respondents raised one flag."""

    id: str
    name: str
    kind: str
    """``safety``, ``seek-help``, ``context`` or ``other``."""
    severity: str
    n_raised: int
    n_unknown: int
    """Respondents for whom it could not be told (some of its items unanswered)."""


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
    flags: tuple[FlagCount, ...] = ()
    """Every declared flag, with the respondents who raised it."""

    @property
    def any_not_applicable(self) -> bool:
        """True when some score has "Does not apply" answers or is ruled out by context."""
        return any(d.n_not_applicable or d.n_ruled_out for d in self.scores)


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

"""The template context of a person report: typed, frozen, documented (docs/reports.md).

Templates see a :class:`PersonReport` as ``report``, and nothing else of Python; it is
built by :func:`relscales.reports.person.person_context`. Numbers stay at full precision
(templates round them with the ``num`` filter); sentences that carry meaning (intervals,
norms, readings) are built once, so the HTML, Markdown and text reports say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AxisView",
    "Flag",
    "Guidance",
    "InstrumentView",
    "Interval",
    "MarkerView",
    "NormComparison",
    "PersonReport",
    "Provenance",
    "ReadingView",
    "Resource",
    "Safety",
    "ScoreView",
]


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
    kind: Literal["safety", "seek-help", "context", "other"] = "other"
    """What the flag is about: ``safety`` and ``other`` flags (and any ``urgent`` one) are
    alerts shown before the scores; a ``context`` flag is a note shown with its
    instrument's readings; ``seek-help`` flags are the criteria listed under "When to seek
    professional help"."""

    @property
    def raised(self) -> bool:
        """True when the flag is raised."""
        return self.state == "raised"

    @property
    def alert(self) -> bool:
        """True for a flag shown before the scores when raised (safety, other, or urgent)."""
        return self.kind in ("safety", "other") or self.severity == "urgent"


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
    n_not_applicable: int | None
    """Items of this score answered "Does not apply" (None for composites)."""
    not_applicable: bool
    """True when the score does not apply in the respondent's context (``applies_when``)."""
    answered_text: str
    """How many items were answered, and how many did not apply when any did: ``3 of 4
    items answered; 1 did not apply to you`` (empty for composites)."""
    missing_reason: str | None
    """Why the score is missing, in words (None when it has a value)."""
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
    not_assessed_reasons: tuple[str, ...] = ()
    """Why each part of ``not_assessed`` is missing, in the same order: it does not apply
    in the respondent's context (``does not apply: you answered "..."``), its questions
    did not apply, or they were left blank."""


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
    context_notes: tuple[str, ...] = ()
    """Messages of the raised ``context`` flags of the instrument that declares the reading
    (a new relationship, a partner no longer in daily life): plain notes, shown with the
    reading. Empty on a ``safety-first`` reading, and on later readings of the same
    instrument (said once)."""


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
    context_notes: tuple[str, ...] = ()
    """Messages of its raised ``context`` flags when it has no reading to show them with
    (an instrument with readings shows them there); shown before its scores."""


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
    The seek-help section is ``seek_help_lead``, then the ``seek_help_criteria`` as a list,
    then ``seek_help``.
    """

    not_a_diagnosis: str
    state_not_trait: str
    what_helps: tuple[str, ...]
    seek_help: str
    safety_heading: str
    what_helps_heading: str = "What often helps"
    seek_help_heading: str = "When to seek professional help"
    seek_help_lead: str | None = None
    """Said before the criteria: ``From your answers, these apply to you now:`` when some
    ``seek-help`` flags are raised; that none applies now when every one was checked and
    none is raised; None when there are none, some could not be checked, or a safety flag
    is raised (the section is then about support, not criteria)."""
    seek_help_criteria: tuple[str, ...] = ()
    """The messages of the raised ``seek-help`` flags (empty when a safety flag is raised)."""


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
    """Every declared flag, with its kind and state."""
    raised_flags: tuple[Flag, ...]
    """The raised alerts, shown before any score: flags of kind ``safety`` or ``other``, and
    any ``urgent`` one. Raised ``context`` flags are notes with the readings
    (``ReadingView.context_notes``), raised ``seek-help`` flags the criteria of the
    seek-help section (``Guidance.seek_help_criteria``)."""
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

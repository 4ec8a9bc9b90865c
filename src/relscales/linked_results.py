"""What the linked-respondent commands return: change over time and couples.

The result types of :func:`relscales.change` and :func:`relscales.couples`, kept apart from
the functions so that the reports that render them need not import the pipeline that
computes them. Both hold the output table exactly as the command line writes it
(``columns``), the typed description of each score (``scores``) and what a report needs
beyond the table (every wave of every person; each partner's reading).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from relscales.dyadic import Distinguishability, Nonindependence, PairwiseICC
from relscales.errors import Issue

__all__ = [
    "ChangeResult",
    "ChangeScore",
    "CoupleResult",
    "CoupleScore",
    "FlagColumn",
    "InstrumentNote",
    "WaveTable",
]

Better = Literal["lower", "higher"]

RELIABLE_LABELS = ("improved", "unchanged", "deteriorated", "increased", "decreased")
"""Reliable-change verdicts: the first three by the declared better direction, the last two
(with ``unchanged``) for a score without one."""
CLINICAL_LABELS = ("recovered", "improved", "unchanged", "deteriorated", "harmed")
"""Clinically significant change categories (Jacobson & Truax 1991)."""


@dataclass(frozen=True, slots=True)
class InstrumentNote:
    """An instrument behind a result, as a report names it."""

    id: str
    name: str
    version: str
    status: str
    """Validation status: ``published``, ``provisional`` or ``experimental``."""


@dataclass(frozen=True, slots=True)
class FlagColumn:
    """A flag of an instrument, its column in the score output and what it says."""

    column: str
    """The flag's column (``flag_safety``; qualified when two instruments share an id)."""
    owner: str
    flag: str
    kind: str
    """``safety``, ``seek-help``, ``context`` or ``other``."""
    message: str
    resources: tuple[tuple[str, str | None, str | None], ...] = ()
    """(name, contact, url) of each resource the flag gives."""


@dataclass(frozen=True, slots=True)
class ChangeScore:
    """How change on one score was judged: everything a report needs to say how.

    Attributes
    ----------
    column
        The score's column in ``relscales score`` output (``anxiety``); the change columns
        are ``<column>_from``, ``<column>_to``, ``<column>_change``, ``<column>_rci``,
        ``<column>_reliable`` and, where a cut-off exists, ``<column>_clinical``.
    owner, score, name
        The instrument (or battery) that declares it, its id there and its name.
    low, high
        The score's possible range (for charts).
    better
        Which direction is improvement (``None``: not declared; the verdict then says
        ``increased`` or ``decreased``).
    method
        The reliable change method (``jt``, ``gln``, ``hll``, ``en``, ``nk``, ``ha``).
    reliability, reliability_source
        The reliability used and where it came from (``None``: no reliable change index).
    sd, sd_source
        The standard deviation used and where it came from.
    se_difference
        The standard error of a difference (Jacobson & Truax's ``S_diff``), when one value
        serves every person.
    critical
        The critical value of the index (1.96 at 95%).
    cutoff, cutoff_source
        The clinical cut-off and how it was set (``None``: no clinical categories).
    note
        Why something could not be computed, or what changed between versions.
    """

    column: str
    owner: str
    score: str
    name: str
    low: float
    high: float
    better: Better | None
    method: str
    reliability: float | None
    reliability_source: str | None
    sd: float | None
    sd_source: str | None
    se_difference: float | None
    critical: float
    cutoff: float | None = None
    cutoff_source: str | None = None
    note: str | None = None
    tags: tuple[str, ...] = ()
    """The score's tags (``internal-pattern``, ``relationship-signal``, ``safety``, ...)."""

    @property
    def band(self) -> float | None:
        """Half-width of the reliable change band in score units (``critical x S_diff``)."""
        if self.se_difference is None:
            return None
        return self.critical * self.se_difference


@dataclass(frozen=True)
class WaveTable:
    """Every scored row of every person, ordered by person then wave (for reports over time).

    Attributes
    ----------
    person
        Index of the row's person in :attr:`ChangeResult.ids`.
    wave
        The wave label as found in the data (or the file name, or the column suffix).
    row
        1-based row of the data (within its file).
    source
        The file (or ``<data>``) the row came from.
    scores, ci_low, ci_high
        Score column -> values (``ci_*`` only when intervals were asked for).
    flags
        Flag column -> raised (``True``), not raised (``False``).
    version
        Instrument version the row was scored on.
    """

    person: NDArray[np.int64]
    wave: NDArray[Any]
    row: NDArray[np.int64]
    source: NDArray[Any]
    scores: dict[str, NDArray[np.float64]]
    ci_low: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    ci_high: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    flags: dict[str, NDArray[np.bool_]] = field(default_factory=dict)
    version: NDArray[Any] = field(default_factory=lambda: np.empty(0, dtype=object))

    def rows_of(self, person: int) -> NDArray[np.int64]:
        """Return the positions of one person's rows, in wave order."""
        start, stop = np.searchsorted(self.person, [person, person + 1])
        return np.arange(start, stop, dtype=np.int64)


@dataclass(frozen=True)
class ChangeResult:
    """Change from one wave to another, per person and score.

    Attributes
    ----------
    columns
        The output table, column name -> array, one row per person: exactly what
        ``relscales change`` writes.
    id_column
        The respondent id column.
    ids
        Each person's id, in output order.
    scores
        How change on each score was judged.
    waves
        Every scored row, for reports over time.
    wave_order
        The wave labels in order (labels of every person; dates sort as dates).
    warnings
        Problems of the data as a whole and of its linkage (two rows of one person at one
        wave, rows without a wave, versions that differ), with their rows.
    problem_count
        Invalid cells met while scoring (treated as missing).
    metadata
        What the ``.meta.json`` sidecar holds.
    """

    columns: dict[str, NDArray[Any]]
    id_column: str
    ids: NDArray[Any]
    scores: tuple[ChangeScore, ...]
    waves: WaveTable
    wave_order: tuple[str, ...]
    warnings: tuple[Issue, ...] = ()
    problem_count: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    flags: tuple[FlagColumn, ...] = ()
    instruments: tuple[InstrumentNote, ...] = ()

    @property
    def n_people(self) -> int:
        """Number of people (rows of the output)."""
        return len(self.ids)

    def counts(self, column: str, kind: Literal["reliable", "clinical"]) -> dict[str, int]:
        """Count the people in each category of one score (``missing``: cannot tell).

        Every category is listed, in order, even when nobody is in it.
        """
        values = self.columns.get(f"{column}_{kind}")
        if values is None:
            return {}
        text = values.copy()
        text[text == None] = ""  # noqa: E711 - elementwise on an object array
        labels, counts = np.unique(text.astype(str), return_counts=True)
        found = {str(k): int(n) for k, n in zip(labels.tolist(), counts.tolist(), strict=True)}
        if kind == "clinical":
            out = {k: found.pop(k, 0) for k in CLINICAL_LABELS}
        else:
            out = {
                k: found.pop(k, 0)
                for k in RELIABLE_LABELS
                if k in RELIABLE_LABELS[:3] or k in found
            }
        return {**out, "missing": found.pop("", 0), **found}

    def person_index(self, ident: Any) -> int:
        """Return the output row of the person with id ``ident`` (``KeyError`` if none)."""
        matches = np.flatnonzero(self.ids.astype(str) == str(ident))
        if len(matches) == 0:
            raise KeyError(ident)
        return int(matches[0])

    def __repr__(self) -> str:
        """Summarise in one line: people, scores and waves."""
        return (
            f"<ChangeResult: {self.n_people} people, {len(self.scores)} scores, "
            f"waves {', '.join(self.wave_order[:6])}{', ...' if len(self.wave_order) > 6 else ''}>"
        )


@dataclass(frozen=True, slots=True)
class CoupleScore:
    """One score of a couples analysis: its columns and its study-level statistics.

    Attributes
    ----------
    column, owner, score, name, low, high
        As in :class:`ChangeScore`; the couple columns are ``<column>_1``, ``<column>_2``,
        ``<column>_mean``, ``<column>_diff`` and ``<column>_diff_reliable``.
    critical
        Critical value of the reliable discrepancy (1.96 at 95%).
    nonindependence
        Kenny's test of nonindependence (the intraclass correlation for exchangeable
        partners, Pearson's r for distinguishable ones).
    pairwise
        The pairwise (double-entry) intraclass correlation.
    distinguishability
        Whether the roles differ in mean or variance (only with a role column).
    """

    column: str
    owner: str
    score: str
    name: str
    low: float
    high: float
    critical: float
    nonindependence: Nonindependence | None = None
    pairwise: PairwiseICC | None = None
    distinguishability: Distinguishability | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoupleResult:
    """Both partners' scores per couple, and agreement within couples across the study.

    Attributes
    ----------
    columns
        The output table, one row per couple: exactly what ``relscales couples`` writes.
    couple_column
        The couple id column.
    couples
        Each couple's id, in output order.
    roles
        The two role labels in order (``None`` when partners are in data order).
    scores
        Each score's columns and study-level statistics.
    safety
        Per couple: a safety flag was raised for at least one partner (joint readings and
        joint advice are not given for that couple).
    readings
        Reading column -> (partner 1's reading, partner 2's reading) per couple, as labels
        (``safety-first`` where that partner's safety flag is raised).
    partner_rows
        Per couple, the 1-based data rows of partner 1 and partner 2 (0 when absent).
    warnings
        Problems of the linkage (a couple with one or three members, a person in two
        couples, inconsistent roles), with their rows; nothing is dropped.
    problem_count
        Invalid cells met while scoring.
    metadata
        What the ``.meta.json`` sidecar holds.
    """

    columns: dict[str, NDArray[Any]]
    couple_column: str
    couples: NDArray[Any]
    roles: tuple[str, str] | None
    scores: tuple[CoupleScore, ...]
    safety: NDArray[np.bool_]
    readings: dict[str, tuple[NDArray[Any], NDArray[Any]]] = field(default_factory=dict)
    partner_rows: NDArray[np.int64] = field(
        default_factory=lambda: np.zeros((0, 2), dtype=np.int64)
    )
    warnings: tuple[Issue, ...] = ()
    problem_count: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    flags: tuple[FlagColumn, ...] = ()
    """Each flag; the per-partner values are ``flag columns + _1 / _2`` in ``partner_flags``."""
    partner_flags: dict[str, tuple[NDArray[np.bool_], NDArray[np.bool_]]] = field(
        default_factory=dict
    )
    """Flag column -> (raised for partner 1, raised for partner 2) per couple."""
    instruments: tuple[InstrumentNote, ...] = ()

    @property
    def n_couples(self) -> int:
        """Number of couples (rows of the output)."""
        return len(self.couples)

    def __repr__(self) -> str:
        """Summarise in one line: couples and scores."""
        return f"<CoupleResult: {self.n_couples} couples, {len(self.scores)} scores>"

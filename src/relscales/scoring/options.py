"""The options of a scoring run: what the command line's flags of ``relscales score`` set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ScoreOptions"]


@dataclass(frozen=True)
class ScoreOptions:
    """Options of a scoring run (the CLI flags of ``relscales score``).

    Attributes
    ----------
    id_column
        Respondent id column; detected from :data:`ID_CANDIDATES` when ``None``.
    column_map
        Data column -> item id, for data whose columns are named otherwise.
    with_ci, with_norms, with_counts, with_bands
        Add interval, norm (z, T, percentile), answered-count and band columns.
    confidence_level
        Level of the intervals, in (0, 1).
    norm_group
        Reference group for norms (default: each score's first group).
    reliability
        Score id -> reliability, overriding the published one for the SEM.
    problem_limit
        How many problem records to keep in memory (all are counted).
    details
        Keep each score's standard error and each profile's axis levels (for
        ``--explain``) in :attr:`ScoreResult.details`.
    quality, exclude_careless
        Screen respondents for careless answering (:func:`relscales.quality.screen`, on
        each instrument's items; flagged on any) and add a ``quality`` column; with
        ``exclude_careless`` the scores and readings of flagged rows are left empty (the
        rows stay). Needs one extra pass over the data, held in memory.
    """

    id_column: str | None = None
    column_map: Mapping[str, str] = field(default_factory=dict)
    with_ci: bool = False
    with_norms: bool = False
    with_counts: bool = False
    with_bands: bool = False
    confidence_level: float = 0.95
    norm_group: str | None = None
    reliability: Mapping[str, float] = field(default_factory=dict)
    problem_limit: int | None = 100_000
    details: bool = False
    quality: bool = False
    exclude_careless: bool = False
    duration_column: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping, for metadata."""
        data = asdict(self)
        data["column_map"] = dict(self.column_map)
        data["reliability"] = dict(self.reliability)
        return data

"""Result objects of scoring: the score table, its typed layout and its metadata."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from relscales.deps import require
from relscales.errors import Issue
from relscales.problems import Problem

__all__ = ["IntervalSource", "ResultLayout", "ScoreColumn", "ScoreResult"]


Column = NDArray[Any]

IntervalSource = Literal["person", "classical SEM", "combined"]
"""Where a score's interval comes from: the respondent's own answers (moderated), a
classical SEM from a declared reliability and reference SD, or combined from its parts."""


@dataclass(frozen=True, slots=True)
class ScoreColumn:
    """One score of a result: its output column and what produced it."""

    column: str
    """The output column (``instrument.score`` when two instruments share an id)."""
    owner: str
    """The instrument (or battery) that declares it."""
    score: str
    """Its id in the owner."""
    kind: Literal["subscale", "composite"]
    norm_group: str | None
    reliability: float | None
    reliability_source: str | None
    sem: float | None
    interval_source: IntervalSource


@dataclass(frozen=True)
class ResultLayout:
    """The typed layout of a result: which column holds which score, flag and reading.

    Other layers (reports, ``--explain``, self-assessment) read this rather than the
    metadata dictionary, which is for the JSON sidecar.
    """

    scores: tuple[ScoreColumn, ...] = ()
    """Every score: the instruments' subscales and composites, then battery composites."""
    flags: dict[str, dict[str, str]] = field(default_factory=dict)
    """Instrument id -> flag id -> its ``flag_<id>`` column."""
    profiles: dict[str, dict[str, str]] = field(default_factory=dict)
    """Instrument or battery id -> profile id -> its column."""
    confidence_level: float = 0.95

    def score(self, column: str) -> ScoreColumn | None:
        """Return the score written in ``column``, if any."""
        return next((s for s in self.scores if s.column == column), None)

    def score_column(self, owner: str, score: str) -> str | None:
        """Return the column of ``owner``'s score ``score`` (None when not scored)."""
        return next((s.column for s in self.scores if (s.owner, s.score) == (owner, score)), None)

    def flag_column(self, instrument: str, flag: str) -> str:
        """Return the column of an instrument's flag (``flag_<id>`` unless qualified)."""
        return self.flags.get(instrument, {}).get(flag, f"flag_{flag}")

    def profile_column(self, owner: str, profile: str) -> str:
        """Return the column of a profile of an instrument or battery."""
        return self.profiles.get(owner, {}).get(profile, profile)


@dataclass(frozen=True)
class ScoreResult:
    """Scores of every respondent, in input order, with problems and provenance.

    Attributes
    ----------
    columns
        The output table, column name -> array, in output order (the respondent id
        first): exactly what ``relscales score`` writes.
    id_column
        Name of the id column (as in the data, or ``row``).
    scores
        Score id -> ``float64`` array (``NaN`` = missing), for every subscale and
        composite (qualified ``instrument.score`` when two instruments share an id).
    n_answered
        Subscale id -> count of valid answers per respondent.
    n_not_applicable
        Subscale id (the keys of ``n_answered``) -> count of its items answered "does not
        apply" per respondent (zeros when no item's scale has such an answer).
    problems
        Invalid cells (treated as missing), up to the in-memory limit.
    problem_count
        Number of invalid cells, all of them.
    warnings
        Warnings about the data as a whole (for example a narrow scale range).
    metadata
        Versions, instrument ids and content hashes, options and problem counts: what the
        ``.meta.json`` sidecar holds.
    details
        With ``details=True``: ``<score>.ci_low`` / ``.ci_high`` (every score's interval)
        and ``<score>.se`` (its standard error, on the score's metric),
        ``<profile>.x_level`` / ``.y_level`` (``low``, ``high``, ``indeterminate``),
        ``<subscale>.n_not_applicable`` (items answered "does not apply"),
        ``<subscale>.not_applicable`` (bool: the subscale's ``applies_when`` rules it out;
        subscales with ``applies_when`` only) and ``<instrument>/context/<item>`` (the answer
        code of each context item, ``NaN`` when missing or "does not apply").
    layout
        Which column holds which score, flag and reading (:class:`ResultLayout`).
    """

    columns: dict[str, Column]
    id_column: str
    scores: dict[str, NDArray[np.float64]]
    n_answered: dict[str, NDArray[np.int64]]
    problems: tuple[Problem, ...] = ()
    problem_count: int = 0
    warnings: tuple[Issue, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    details: dict[str, NDArray[Any]] = field(default_factory=dict)
    layout: ResultLayout = field(default_factory=ResultLayout)
    n_not_applicable: dict[str, NDArray[np.int64]] = field(default_factory=dict)

    @property
    def n_respondents(self) -> int:
        """Number of rows scored (equal to the rows of the input)."""
        return len(self.columns[self.id_column])

    def _summary(self) -> str:
        """``40 respondents on ecr-r 1.0.0; 6 columns; 1 problem``."""
        instruments = ", ".join(
            f"{inst.get('id')} {inst.get('version')}".strip()
            for inst in self.metadata.get("instruments", ())
            if isinstance(inst, dict)
        )
        n, k = self.n_respondents, len(self.columns)
        text = f"{n} respondent{'s' * (n != 1)}"
        text += f" on {instruments}" if instruments else ""
        text += f"; {k} column{'s' * (k != 1)}"
        text += f"; {self.problem_count} problem{'s' * (self.problem_count != 1)}"
        if self.warnings:
            text += f"; {len(self.warnings)} warning{'s' * (len(self.warnings) != 1)}"
        return text

    def __repr__(self) -> str:
        """Summarise in one line: respondents, instruments, columns, problems (no arrays)."""
        names = list(self.columns)
        shown = ", ".join(names[:REPR_COLUMNS])
        if len(names) > REPR_COLUMNS:
            shown += f", ... ({len(names) - REPR_COLUMNS} more)"
        return f"<ScoreResult: {self._summary()}: {shown}>"

    def _repr_html_(self) -> str:
        """Show the summary and a table of the first rows in a notebook (text escaped)."""
        from html import escape

        names = list(self.columns)[:REPR_HTML_COLUMNS]
        rows = min(self.n_respondents, REPR_ROWS)
        values = [_plain_list(self.columns[name][:rows]) for name in names]
        head = "".join(f"<th>{escape(name)}</th>" for name in names)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(_cell_text(col[i]))}</td>" for col in values) + "</tr>"
            for i in range(rows)
        )
        shown = []
        if self.n_respondents > rows:
            shown.append(f"the first {rows} of {self.n_respondents} rows")
        if len(self.columns) > len(names):
            shown.append(f"the first {len(names)} of {len(self.columns)} columns")
        caption = f"ScoreResult: {self._summary()}"
        caption += f" ({' and '.join(shown)} shown)" if shown else ""
        caption = escape(caption)
        return (
            f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )

    def to_records(self) -> list[dict[str, Any]]:
        """Return one dict per respondent, missing scores as ``None`` (JSON ``null``)."""
        names = list(self.columns)
        cols = [_plain_list(self.columns[n]) for n in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)]

    def to_frame(self, shape: Literal["wide", "long"] = "wide") -> Any:
        """Return a pandas DataFrame: ``wide`` (as written by the CLI) or tidy ``long``.

        The long table has one row per respondent and score, with columns
        ``id, score, value, n_answered``.
        """
        pd = require("pandas", "pandas")
        if shape == "wide":
            return pd.DataFrame({name: _plain_list(col) for name, col in self.columns.items()})
        ids = self.columns[self.id_column]
        frames = []
        for score_id, values in self.scores.items():
            counts = self.n_answered.get(score_id)
            frames.append(
                pd.DataFrame(
                    {
                        self.id_column: ids,
                        "score": score_id,
                        "value": values,
                        "n_answered": counts if counts is not None else np.nan,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)


REPR_COLUMNS = 8
"""How many column names ``repr(result)`` lists."""
REPR_ROWS = 5
"""How many rows a notebook shows of a result."""
REPR_HTML_COLUMNS = 20
"""How many columns a notebook shows of a result."""


def _cell_text(value: Any) -> str:
    """One cell as a notebook shows it: numbers to 4 significant digits, missing empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    return str(value)


def _plain_list(values: Column) -> list[Any]:
    if not isinstance(values, np.ndarray) and hasattr(values, "to_pylist"):
        values = np.asarray(values.to_pylist(), dtype=object)  # a pyarrow array
    out = values.tolist() if isinstance(values, np.ndarray) else list(values)
    return [None if isinstance(v, float) and math.isnan(v) else v for v in out]

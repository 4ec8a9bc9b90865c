"""Result objects of scoring: the score table, problem records and metadata."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from relscales.errors import ErrorCode, Issue

__all__ = ["Problem", "ProblemLog", "ScoreResult"]


@dataclass(frozen=True, slots=True)
class Problem:
    """A data cell that is not a valid answer; it was treated as missing.

    Attributes
    ----------
    row
        1-based data row (the first row after the header is row 1).
    respondent
        The respondent id of that row.
    column
        The data column.
    item
        The item read from that column.
    instrument
        The instrument the item belongs to.
    value
        The cell as found.
    code
        ``value-out-of-range``, ``value-not-a-code``, ``value-not-a-number``,
        ``value-label-mismatch``, ``value-looks-like-date``, or ``ragged-row`` for a row
        with the wrong number of fields (then ``column``, ``item`` and ``instrument``
        are empty and ``value`` is the start of the row).
    detail
        A sentence that replaces the generic message (used for ragged rows).
    """

    row: int
    respondent: str
    column: str
    item: str
    instrument: str
    value: str
    code: ErrorCode
    detail: str | None = None

    @property
    def message(self) -> str:
        """A sentence for people."""
        if self.detail:
            return self.detail
        what = {
            "value-out-of-range": "is outside the item's response scale",
            "value-not-a-code": "is not one of the item's response codes",
            "value-not-a-number": "is neither a number nor a label of the item's scale",
            "value-label-mismatch": "has a number and a label that do not agree on the "
            "item's scale",
            "value-looks-like-date": "looks like a date: a spreadsheet turned the answer "
            "into one (export as CSV from the survey tool, or format the column as Text)",
        }.get(self.code, "is not a valid answer")
        return f"{self.value!r} {what}; treated as missing"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping (the columns of ``--problems``)."""
        return {
            "row": self.row,
            "respondent": self.respondent,
            "column": self.column,
            "item": self.item,
            "instrument": self.instrument,
            "value": self.value,
            "code": self.code,
            "message": self.message,
        }


PROBLEM_FIELDS = ("row", "respondent", "column", "item", "instrument", "value", "code", "message")


@dataclass
class ProblemLog:
    """Counts every problem; keeps the first ``limit`` records in memory."""

    limit: int | None = 100_000
    records: list[Problem] = field(default_factory=list)
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    total: int = 0

    def add(self, problems: list[Problem]) -> None:
        """Record a batch of problems."""
        self.total += len(problems)
        for p in problems:
            self.counts[(p.instrument, p.item, p.code)] += 1
        if self.limit is None:
            self.records.extend(problems)
        elif len(self.records) < self.limit:
            self.records.extend(problems[: self.limit - len(self.records)])

    def by_code(self) -> dict[str, int]:
        """Count of problems per code."""
        out: Counter[str] = Counter()
        for (_, _, code), n in self.counts.items():
            out[code] += n
        return dict(sorted(out.items()))

    def summary(self) -> dict[str, Any]:
        """Return counts per code and per instrument item, for metadata."""
        return {
            "total": self.total,
            "by_code": self.by_code(),
            "by_item": [
                {"instrument": inst, "item": item, "code": code, "count": n}
                for (inst, item, code), n in sorted(self.counts.items())
            ],
        }


Column = NDArray[Any]


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
    problems
        Invalid cells (treated as missing), up to the in-memory limit.
    problem_count
        Number of invalid cells, all of them.
    warnings
        Warnings about the data as a whole (for example a narrow scale range).
    metadata
        Versions, instrument ids and content hashes, options and problem counts.
    details
        With ``details=True``: ``<score>.se`` (standard error per respondent) and
        ``<profile>.x_level`` / ``.y_level`` (``low``, ``high``, ``indeterminate``).
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

    @property
    def n_respondents(self) -> int:
        """Number of rows scored (equal to the rows of the input)."""
        return len(self.columns[self.id_column])

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
        from relscales.io.tabular import require

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


def _plain_list(values: Column) -> list[Any]:
    out = values.tolist() if isinstance(values, np.ndarray) else list(values)
    return [None if isinstance(v, float) and math.isnan(v) else v for v in out]

"""Problem records: data cells that are not valid answers, and their running count.

Readers (a ragged row) and the scoring engine (an answer outside its scale) both report
problems, so the record lives here, below both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from relscales.errors import ErrorCode

__all__ = ["PROBLEM_FIELDS", "Problem", "ProblemLog"]


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

"""What an analysis of a sample returns: reliability, item analysis and screening per subscale.

The result types of :func:`relscales.analyze`, kept apart from the function so that the
reports that render them need not import the pipeline that computes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.errors import Issue
from relscales.problems import Problem
from relscales.reliability import ItemAnalysisResult, OmegaResult, ReliabilityResult

__all__ = ["AnalysisResult", "CarelessScreen", "SubscaleAnalysis", "respondent_text"]


def respondent_text(ids: NDArray[Any], row: int) -> str:
    """Name respondent ``row`` (0-based) by id and row number.

    >>> respondent_text(np.array(["R_003"], dtype=object), 0), respondent_text(np.array([1]), 0)
    ('R_003 (row 1)', 'row 1')
    """
    shown = str(ids[row]) if row < len(ids) else ""
    if shown in ("", str(row + 1)):
        return f"row {row + 1}"
    return f"{shown} (row {row + 1})"


@dataclass(frozen=True)
class CarelessScreen:
    """The careless-responding screen of a sample, kept compact for samples of any size.

    Per-respondent index values are not kept (``relscales score --with-quality`` writes
    them, row by row); what a sample summary needs is.

    Attributes
    ----------
    careless
        ``(n,)`` ``True`` for each respondent the screen flags.
    reason_names
        The rules, in the order of the bits of :attr:`reason_bits`.
    reason_bits
        ``(n,)`` bit ``j`` set when rule ``reason_names[j]`` flags the respondent.
    flagged_ids
        The ids of the flagged respondents, in row order, as a pyarrow string array (kept
        compact for millions of them); ``None`` where rows are numbered.
    """

    careless: NDArray[np.bool_]
    reason_names: tuple[str, ...]
    reason_bits: NDArray[np.unsignedinteger[Any]]
    flagged_ids: Any = None

    @property
    def reasons(self) -> _Reasons:
        """Per respondent, the names of the rules that flag them (a lazy sequence)."""
        return _Reasons(self.reason_names, self.reason_bits)

    @property
    def flagged_rows(self) -> NDArray[np.intp]:
        """0-based rows of the flagged respondents."""
        return np.flatnonzero(self.careless)

    def by_reason(self) -> dict[str, int]:
        """How many respondents each rule flags."""
        return {
            name: int(np.count_nonzero(self.reason_bits & (1 << j)))
            for j, name in enumerate(self.reason_names)
            if np.any(self.reason_bits & (1 << j))
        }

    def flagged_texts(self, start: int = 0, stop: int | None = None) -> list[str]:
        """Return the ids of flagged respondents ``start`` to ``stop`` (row numbers if none)."""
        rows = self.flagged_rows[start:stop]
        if self.flagged_ids is None:
            return [str(int(r) + 1) for r in rows]
        shown = self.flagged_ids.slice(start, len(rows)).to_pylist()
        return [s if s else str(int(r) + 1) for s, r in zip(shown, rows, strict=True)]

    def respondent(self, rank: int) -> str:
        """Name the ``rank``-th flagged respondent by id and row (:func:`respondent_text`)."""
        row = int(self.flagged_rows[rank])
        (shown,) = self.flagged_texts(rank, rank + 1)
        if shown == str(row + 1):
            return f"row {row + 1}"
        return f"{shown} (row {row + 1})"


class _Reasons:
    """``reasons[row]``: the names of the rules whose bits are set for that row."""

    def __init__(self, names: tuple[str, ...], bits: NDArray[np.unsignedinteger[Any]]) -> None:
        self._names, self._bits = names, bits

    def __len__(self) -> int:
        return int(self._bits.shape[0])

    def __getitem__(self, row: int) -> tuple[str, ...]:
        value = int(self._bits[row])
        return tuple(name for j, name in enumerate(self._names) if value >> j & 1)

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        for row in range(len(self)):
            yield self[row]


@dataclass(frozen=True)
class SubscaleAnalysis:
    """Reliability and item statistics of one subscale in a sample."""

    id: str
    name: str
    item_ids: tuple[str, ...]
    n_complete: int
    reliability: ReliabilityResult
    items: ItemAnalysisResult
    omega: OmegaResult | None
    published_alpha: float | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of ``relscales analyze --json`` for this subscale."""
        rel = self.reliability
        return {
            "n_items": len(self.item_ids),
            "n_complete": self.n_complete,
            "alpha": rel.estimate,
            "alpha_ci": [rel.ci_low, rel.ci_high],
            "alpha_ci_method": rel.method,
            "std_alpha": rel.std_alpha,
            "lambda6": rel.lambda6,
            "mean_r": rel.mean_r,
            "omega_total": self.omega.omega_total if self.omega else None,
            "omega_hierarchical": self.omega.omega_hierarchical if self.omega else None,
            "published_alpha": self.published_alpha,
            "notes": list(self.notes),
            "items": {
                s.item_id: {
                    "n": s.n,
                    "mean": s.mean,
                    "sd": s.sd,
                    "raw_r": s.raw_r,
                    "r_cor": s.r_cor,
                    "r_drop": s.r_drop,
                    "alpha_if_deleted": s.alpha_if_deleted,
                    "looks_reversed": s.looks_reversed,
                    "frequencies": {str(k): v for k, v in s.frequencies.items()},
                }
                for s in self.items.items
            },
        }


@dataclass(frozen=True)
class AnalysisResult:
    """A sample analysed with one instrument."""

    instrument: dict[str, Any]
    n_respondents: int
    subscales: dict[str, SubscaleAnalysis]
    quality: CarelessScreen | None = None
    """The careless-responding screen (``None`` when not asked for)."""
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Issue, ...] = ()
    """Warnings about the instrument in this sample: an item that looks reverse-keyed
    (``item-looks-reversed``), an alpha well below the published one
    (``alpha-below-published``), and what reading the data found."""
    quality_warnings: tuple[Issue, ...] = ()
    """Warnings about respondents: those the careless-responding screen flags
    (``careless-respondents``, naming the first few by id and row)."""

    def to_dict(self) -> dict[str, Any]:
        """Return the ``relscales analyze --json`` document (contract in docs/cli.md)."""
        out = self.to_dict_without_flagged()
        if self.quality is not None:
            out["quality"] = self._quality_dict(self.quality.flagged_texts())
        return out

    def _quality_dict(self, flagged: Any) -> dict[str, Any]:
        assert self.quality is not None
        screen = self.quality
        return {
            "n_flagged": int(screen.careless.sum()),
            "by_reason": dict(sorted(screen.by_reason().items())),
            "flagged": flagged,
        }

    def json_chunks(self, chunk: int = 65_536) -> Iterator[str]:
        """Yield the ``--json`` document (``json.dumps(to_dict(), indent=2)``) in pieces.

        The list of flagged respondents, which may hold millions of ids, is written
        ``chunk`` ids at a time, never whole.
        """
        import json

        out = self.to_dict_without_flagged()
        marker = "\x00flagged\x00"
        if self.quality is not None:
            out["quality"] = self._quality_dict(marker)
        text = json.dumps(out, indent=2, ensure_ascii=False, default=float) + "\n"
        if self.quality is None:
            yield text
            return
        head, tail = text.split(json.dumps(marker), 1)
        yield head
        n = int(self.quality.careless.sum())
        if not n:
            yield "[]"
        for start in range(0, n, chunk):
            ids = self.quality.flagged_texts(start, start + chunk)
            body = ",\n      ".join(json.dumps(i, ensure_ascii=False) for i in ids)
            yield ("[\n      " if start == 0 else ",\n      ") + body
        if n:
            yield "\n    ]"
        yield tail

    def to_dict_without_flagged(self) -> dict[str, Any]:
        """:meth:`to_dict` without the quality summary (what :meth:`json_chunks` adds)."""
        return {
            "instrument": self.instrument["id"],
            "instrument_version": self.instrument["version"],
            "content_hash": self.instrument["content_hash"],
            "n_respondents": self.n_respondents,
            "subscales": {sid: sub.to_dict() for sid, sub in self.subscales.items()},
            "problems": len(self.problems),
            "warnings": [w.to_dict() for w in (*self.warnings, *self.quality_warnings)],
        }

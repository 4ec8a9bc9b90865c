"""Shared fixtures of the report tests: a fixed clock and version, scored test data."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relscales.pipeline.report import score_for_report
from relscales.reports.render import ReportInput

BATTERY_CSV = Path(__file__).resolve().parent.parent / "data" / "reports" / "battery.csv"
"""Six made-up respondents on RISI 0.1.1 + ECR-R + RSES (the kept battery 0.1.1, so these
report-mechanics tests score with ``relationship-insecurity-battery@0.1.1``): P-001 raises the
safety flag, P-006 has an unanswered safety item and an invalid ECR-R answer, row 5's id is a
script tag."""

BATTERY = "relationship-insecurity-battery@0.1.1"
"""The battery the data above were collected with."""


def _fixed() -> datetime.datetime:
    return datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


@pytest.fixture(scope="session")
def battery_csv() -> Path:
    return BATTERY_CSV


@pytest.fixture(scope="session")
def clock() -> Callable[[], datetime.datetime]:
    return _fixed


@pytest.fixture(scope="session")
def battery_input() -> ReportInput:
    return score_for_report([BATTERY], BATTERY_CSV)


@pytest.fixture(scope="session")
def ecr_input() -> ReportInput:
    return score_for_report(["ecr-r"], BATTERY_CSV)


@pytest.fixture(scope="session")
def battery_analyses(battery_input: ReportInput) -> list[Any]:
    """``analyze`` of each instrument (ECR-R's omega on six people takes a few seconds)."""
    from relscales.pipeline.analysis import analyze

    return [analyze(c, BATTERY_CSV) for c in battery_input.compiled]


RISI_CONTEXT = {"cx_past": 3, "cx_length": 4, "cx_daily": 3}
"""More than one partner before, together more than three years, most days."""

RowBuilder = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def risi_row() -> RowBuilder:
    """Build one RISI 0.2 respondent as a dict of columns.

    Every scored item at a keyed level per side (reverse-keyed items mirrored), the context
    questions from ``RISI_CONTEXT``, seek-help and safety items at 1; ``changes`` then set
    items by id (``None`` = skipped, 9 = "Does not apply").
    """
    import relscales

    items = relscales.load_instrument("risi").items

    def build(
        internal: int = 3, signal: int = 3, behaviour: int = 3, **changes: int | None
    ) -> dict[str, Any]:
        row: dict[str, Any] = {"id": ["r1"]}
        for item in items:
            side = item.id.split("_")[0]
            if side in ("sf", "sh"):
                row[item.id] = [1]
            elif side == "cx":
                row[item.id] = [RISI_CONTEXT[item.id]]
            else:
                keyed = {"ip": internal, "rs": signal, "bh": behaviour}[side]
                row[item.id] = [6 - keyed if item.reverse else keyed]
        for item_id, value in changes.items():
            assert item_id in row, item_id
            row[item_id] = [value]
        return row

    return build

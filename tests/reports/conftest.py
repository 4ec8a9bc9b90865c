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
"""Six made-up respondents on RISI + ECR-R + RSES: P-001 raises the safety flag, P-006 has
an unanswered safety item and an invalid ECR-R answer, row 5's id is a script tag."""


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
    return score_for_report(["relationship-insecurity-battery"], BATTERY_CSV)


@pytest.fixture(scope="session")
def ecr_input() -> ReportInput:
    return score_for_report(["ecr-r"], BATTERY_CSV)


@pytest.fixture(scope="session")
def battery_analyses(battery_input: ReportInput) -> list[Any]:
    """``analyze`` of each instrument (ECR-R's omega on six people takes a few seconds)."""
    from relscales.pipeline.analysis import analyze

    return [analyze(c, BATTERY_CSV) for c in battery_input.compiled]

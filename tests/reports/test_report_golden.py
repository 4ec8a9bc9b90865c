"""Golden snapshots of rendered reports, for a fixed respondent, date and version.

Rewrite them only on purpose, and review the diff:

    python -m pytest tests/reports/test_report_golden.py --update-golden
    RELSCALES_UPDATE_GOLDEN=1 python -m pytest tests/reports/test_report_golden.py
"""

from __future__ import annotations

import datetime
import difflib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from relscales.reports.render import ReportInput, render_person_report, render_study_report

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
Clock = Callable[[], datetime.datetime]


def check(name: str, text: str, update: bool) -> None:
    path = SNAPSHOTS / name
    if update or os.environ.get("RELSCALES_UPDATE_GOLDEN") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"no snapshot {path}; create it with --update-golden"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                f"{name} (snapshot)",
                f"{name} (rendered)",
                n=2,
            )
        )
        pytest.fail(f"{name} differs from its snapshot (--update-golden to accept):\n{diff[:6000]}")


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_person_report_snapshot(
    battery_input: ReportInput, clock: Clock, update_golden: bool, fmt: str
) -> None:
    text = render_person_report(
        battery_input.result,
        battery_input.compiled,
        0,
        fmt=fmt,  # type: ignore[arg-type]
        battery=battery_input.battery,
        clock=clock,
        version="9.9.9",
    )
    check(f"person-P-001.{fmt}", text, update_golden)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_study_report_snapshot(
    battery_input: ReportInput,
    battery_analyses: list[Any],
    battery_csv: Path,
    clock: Clock,
    update_golden: bool,
    fmt: str,
) -> None:
    analyses = battery_analyses
    text = render_study_report(
        battery_input.result,
        battery_input.compiled,
        fmt=fmt,  # type: ignore[arg-type]
        analyses=analyses,
        battery=battery_input.battery,
        clock=clock,
        version="9.9.9",
    )
    check(f"study.{fmt}", text.replace(str(battery_csv), "battery.csv"), update_golden)


@pytest.mark.parametrize(
    ("row", "name", "fmt"),
    [(1, "P-002", "md"), (5, "P-006", "txt")],
    ids=["relational-clear", "safety-unknown"],
)
def test_other_person_report_snapshots(
    battery_input: ReportInput, clock: Clock, update_golden: bool, row: int, name: str, fmt: str
) -> None:
    """A source reading judged facet by facet (safety clear), and safety that could not be
    checked (one safety item skipped)."""
    text = render_person_report(
        battery_input.result,
        battery_input.compiled,
        row,
        fmt=fmt,  # type: ignore[arg-type]
        battery=battery_input.battery,
        clock=clock,
        version="9.9.9",
    )
    check(f"person-{name}.{fmt}", text, update_golden)


def test_risi_0_2_person_report_snapshot(
    risi_row: Callable[..., dict[str, Any]], clock: Clock, update_golden: bool
) -> None:
    """RISI 0.2: a first relationship (recurrence does not apply), two questions that did
    not apply, two seek-help criteria raised, a new relationship (a context note)."""
    from relscales.pipeline.report import score_for_report

    row = risi_row(
        internal=4,
        signal=2,
        cx_past=1,
        cx_length=1,
        ip_rec4=9,
        ip_rec5=9,
        ip_rec6=9,
        rs_oth4=9,
        rs_mon1=9,
        sh_long=4,
        sh_sleep=5,
    )
    inp = score_for_report(["risi"], row)
    text = render_person_report(
        inp.result, inp.compiled, 0, fmt="txt", clock=clock, version="9.9.9"
    )
    check("person-risi-0.2.txt", text, update_golden)

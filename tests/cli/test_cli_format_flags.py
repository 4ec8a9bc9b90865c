"""``--format`` names the output; ``--input-format`` (with --sheet, --long) the data file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from relscales.cli import app

runner = CliRunner()
FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"


@pytest.mark.parametrize("command", ["score", "report"])
def test_an_input_format_given_to_format_points_to_input_format(
    tmp_path: Path, command: str
) -> None:
    out = tmp_path / ("scores.csv" if command == "score" else "report.md")
    args = [command, str(FORMATS / "rses.sav"), "-i", "rses", "-o", str(out), "--format", "spss"]
    if command == "report":
        args += ["--respondent", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "error[unsupported-format]" in result.output
    assert "use --input-format spss" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_report_reads_a_qualtrics_export_named_by_input_format(tmp_path: Path) -> None:
    out = tmp_path / "one.txt"
    data = FORMATS / "qualtrics-numeric.csv"
    args = ["report", str(data), "-i", "rses", "--respondent", "1", "-o", str(out)]
    result = runner.invoke(app, [*args, "--input-format", "qualtrics"])
    assert result.exit_code == 0, result.output
    assert "R_2zK8mXq1Lp0aBcD" in out.read_text(encoding="utf-8")

"""First hour: `--with-ci`, `--with-norms` and `--with-bands` never leave a column empty
for a whole instrument without a line saying why."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from relscales.cli import app

ROOT = Path(__file__).resolve().parents[2]
ECR_R = ROOT / "examples" / "ecr-r-responses.csv"
BATTERY = ROOT / "examples" / "battery-responses.csv"
NORMED = ROOT / "tests" / "data" / "scoring" / "normed.yaml"


def run(*args: object) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_bands_missing_from_an_instrument_are_explained_once() -> None:
    result = run("score", ECR_R, "-i", "ecr-r", "--with-bands")
    assert result.exit_code == 0, result.output
    rows = table(result.stdout)
    assert all(row["anxiety_band"] == "" for row in rows)
    notes = [line for line in result.stderr.splitlines() if "bands" in line]
    assert notes == [
        "note: ecr-r declares no bands, so its _band columns are empty (a band names the "
        "range a score falls in, from published cut-offs; declare them under `bands:` in the "
        "instrument file: docs/authoring.md#bands)"
    ]


def test_an_instrument_with_bands_fills_them_without_a_note(tmp_path: Path) -> None:
    data = tmp_path / "csi.csv"
    data.write_text("id,csi01,csi02,csi03,csi04\na,6,5,5,5\nb,1,1,1,1\n", encoding="utf-8")
    result = run("score", data, "-i", "csi-4", "--with-bands")
    assert result.exit_code == 0, result.output
    bands = [row["satisfaction_band"] for row in table(result.stdout)]
    assert bands == ["above the distress cut-off", "notable relationship dissatisfaction"]
    assert "declares no bands" not in result.stderr


def test_a_battery_explains_each_member_and_itself() -> None:
    result = run("score", BATTERY, "-i", "relationship-insecurity-battery", "--with-bands")
    assert result.exit_code == 0, result.output
    owners = [line.split()[1] for line in result.stderr.splitlines() if "declares no bands" in line]
    assert owners == ["risi", "ecr-r", "rses", "relationship-insecurity-battery"]


def test_missing_norms_are_one_warning_per_instrument() -> None:
    result = run("score", BATTERY, "-i", "rses", "-i", "ecr-r", "--with-norms")
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "no-norms" in line]
    assert len(warned) == 2
    assert warned[0].startswith("warning[no-norms] rses declares no reference group")
    assert warned[1].startswith("warning[no-norms] ecr-r declares no reference group")


def test_declared_norms_give_numbers_and_no_warning(tmp_path: Path) -> None:
    data = tmp_path / "normed.csv"
    data.write_text(
        "participant_id,a1,a2,a3,a4,b1,b2,b3\nx,4,2,3,5,3,4,1\ny,2,4,3,1,1,2,5\n",
        encoding="utf-8",
    )
    result = run("score", data, "-i", NORMED, "--with-norms", "--with-bands")
    assert result.exit_code == 0, result.output
    first = table(result.stdout)[0]
    assert first["warmth_z"] != ""
    assert first["worry_pct"] != ""
    assert first["warmth_band"] != ""
    assert "declares no bands" not in result.stderr  # some of its scores have bands


def test_intervals_are_filled_for_every_score_of_every_bundled_example() -> None:
    for data, instrument in [(ECR_R, "ecr-r"), (BATTERY, "relationship-insecurity-battery")]:
        id_column = "ResponseId" if data == ECR_R else "id"
        result = run("score", data, "-i", instrument, "--with-ci")
        assert result.exit_code == 0, result.output
        for row in table(result.stdout):
            for column, low in row.items():
                if column.endswith("_ci_low"):
                    score = row[column.removesuffix("_ci_low")]
                    assert (low == "") == (score == ""), (instrument, row[id_column], column)
        assert "interval" not in result.stderr

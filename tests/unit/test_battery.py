"""Batteries: validated with located errors, scored in one pass like their members."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import relscales
from relscales.cli import app
from relscales.errors import SpecError
from relscales.instruments.battery import load_battery

HERE = Path(__file__).resolve().parents[1]
DATA = HERE / "data" / "battery"
GOLDEN = HERE / "golden" / "relationship-insecurity-battery" / "responses.csv"


def test_bundled_battery_loads_with_its_members() -> None:
    battery = load_battery(
        Path(relscales.list_instruments()[0].source).parent / "relationship-insecurity-battery.yaml"
    )
    assert [m.id for m in battery.members] == ["risi", "ecr-r", "rses"]
    assert battery.content_hash.startswith("sha256:")


def test_mistakes_are_all_reported_with_places() -> None:
    report = relscales.validate_file(DATA / "bad.yaml")
    found = [(i.code, i.location.line, i.hint) for i in report.issues]
    assert found == [
        ("unknown-score", 11, "did you mean 'ecr-r.anxiety'?"),
        ("invalid-value", 13, None),
        ("missing-key", 19, None),
    ]


def test_unknown_member_is_located() -> None:
    report = relscales.validate_file(DATA / "missing-member.yaml")
    (issue,) = report.issues
    assert (issue.code, issue.location.line, issue.hint) == (
        "unknown-instrument",
        6,
        "did you mean 'ecr-r'?",
    )
    with pytest.raises(SpecError):
        load_battery(DATA / "missing-member.yaml")


def test_battery_scores_equal_the_members_scored_alone() -> None:
    together = relscales.score("relationship-insecurity-battery", GOLDEN)
    for member in ("risi", "ecr-r", "rses"):
        alone = relscales.score(member, GOLDEN)
        for name, values in alone.scores.items():
            np.testing.assert_array_equal(together.scores[name], values)
    assert together.scores["internal_combined"].tolist() == [50.0, 100.0, 0.0]
    # b1 and b3 raise the RISI safety flag, which governs both source readings
    assert together.columns["insecurity_source_combined"].tolist() == [
        "safety-first",
        "internal",
        "safety-first",
    ]
    assert together.columns["insecurity_source"].tolist() == [
        "safety-first",
        "internal",
        "safety-first",
    ]


def test_cli_scores_and_shows_a_battery(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "b.csv"
    result = runner.invoke(
        app, ["score", str(GOLDEN), "-i", "relationship-insecurity-battery", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    header = out.read_text().splitlines()[0]
    assert header.endswith(
        "flag_safety,insecurity_source,attachment_style,insecurity_source_combined"
    )
    shown = runner.invoke(app, ["show", "relationship-insecurity-battery"])
    assert shown.exit_code == 0
    assert "internal_combined: weighted mean of POMP scores" in shown.output
    as_json = runner.invoke(app, ["show", "relationship-insecurity-battery", "--json"])
    assert '"relscales_battery": 1' in as_json.output


def test_two_batteries_in_one_run_are_refused() -> None:
    with pytest.raises(SpecError) as info:
        relscales.score(
            ["relationship-insecurity-battery", "relationship-insecurity-battery"], GOLDEN
        )
    assert info.value.code == "invalid-option"


def test_load_instrument_loads_every_bundled_id_batteries_included() -> None:
    from relscales.instruments.battery import Battery

    for summary in relscales.list_instruments():
        loaded = relscales.load_instrument(summary.id)
        assert loaded.id == summary.id
    battery = relscales.load_instrument("relationship-insecurity-battery")
    assert isinstance(battery, Battery)
    assert [m.id for m in battery.members] == ["risi", "ecr-r", "rses"]


def test_the_instrument_loader_refuses_a_battery_with_a_clear_issue() -> None:
    from relscales.instruments.loader import validate_file
    from relscales.instruments.registry import resolve_instrument

    report = validate_file(resolve_instrument("relationship-insecurity-battery"))
    (issue,) = report.issues
    assert "battery file, not an instrument" in issue.message
    assert issue.hint is not None
    assert "relscales.load_instrument" in issue.hint

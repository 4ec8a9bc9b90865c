"""First hour: help shows switches as switches, `--decimals` rounds what is written, `list`
shortens names between words, `--explain` keeps "indeterminate" apart from its notes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import relscales
from relscales.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"
BATTERY = ROOT / "examples" / "battery-responses.csv"


def run(*args: object, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


@pytest.mark.parametrize("command", [[], ["score"], ["analyze"], ["list"], ["report"]])
def test_help_shows_switches_without_a_value(command: list[str]) -> None:
    result = run(*command, "--help", env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.stdout
    if command == ["score"]:
        line = next(line for line in result.stdout.splitlines() if "--with-ci" in line)
        assert "Add confidence intervals." in line
        assert "<" not in line.split("Add")[0]
        assert "<float>" in result.stdout  # options that take a value still say which


def test_a_switch_still_takes_no_value() -> None:
    result = run("score", EXAMPLE, "-i", "ecr-r", "--with-ci=1")
    assert result.exit_code == 2


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_decimals_rounds_the_numbers_written(tmp_path: Path) -> None:
    full = _rows(run("score", EXAMPLE, "-i", "ecr-r", "--with-ci", "--with-counts").stdout)
    assert full[0]["anxiety"] == "2.7777777777777777"  # default: full precision
    result = run("score", EXAMPLE, "-i", "ecr-r", "--with-ci", "--with-counts", "--decimals", 2)
    assert result.exit_code == 0, result.output
    rounded = _rows(result.stdout)
    assert rounded[0]["anxiety"] == "2.78"
    assert rounded[0]["anxiety_n_answered"] == "18"
    assert rounded[0]["ResponseId"] == "R_001"
    assert rounded[0]["attachment_style"] == full[0]["attachment_style"]
    for row in rounded:
        for name, value in row.items():
            if name not in ("ResponseId", "attachment_style") and value:
                assert len(value.partition(".")[2]) <= 2, (name, value)
    out = tmp_path / "scores.json"
    assert run("score", EXAMPLE, "-i", "ecr-r", "--decimals", 1, "-o", out).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))[0]["anxiety"] == 2.8


def test_decimals_must_be_a_count() -> None:
    assert run("score", EXAMPLE, "-i", "ecr-r", "--decimals", -1).exit_code == 2


def test_decimals_does_not_leak_into_the_next_run() -> None:
    run("score", EXAMPLE, "-i", "ecr-r", "--decimals", 0)
    again = _rows(run("score", EXAMPLE, "-i", "ecr-r").stdout)
    assert again[0]["anxiety"] == "2.7777777777777777"


def test_list_shortens_long_names_between_words() -> None:
    result = run("list")
    assert result.exit_code == 0, result.output
    names = {s.id: s.name for s in relscales.list_instruments()}
    lines = result.stdout.splitlines()
    start = lines[0].index("name")
    end = lines[0].index("domain")
    shortened = 0
    for line in lines[1:]:
        ident = line.split()[0]
        shown = line[start:end].rstrip()
        full = names[ident]
        if shown == full:
            continue
        shortened += 1
        assert shown.endswith("..."), shown
        kept = shown.removesuffix("...")
        assert full.startswith(kept)
        assert full[len(kept)] in " -/,;:(", (shown, full)  # cut where a word ends
        assert len(shown) <= 60
    assert shortened >= 1  # the 12-item ECR and the RSES in order B have long names


def test_explain_keeps_indeterminate_apart_from_its_notes() -> None:
    out = run("score", BATTERY, "-i", "relationship-insecurity-battery", "--explain", "P-007")
    assert out.exit_code == 0, out.output
    assert "indeterminate (descriptive" not in out.stdout
    reading = next(line for line in out.stdout.splitlines() if "seems to come from:" in line)
    assert reading.split(":", 1)[1].split()[0] == "indeterminate"

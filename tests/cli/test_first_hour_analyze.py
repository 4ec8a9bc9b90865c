"""First hour: `relscales analyze` reads clearly: intervals, plurals, who was flagged, and
warnings with codes of their own."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import relscales
from relscales.cli import app
from relscales.reports.analysis_text import interval_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"
RSES_ITEMS = [f"rses{i:02d}" for i in range(1, 11)]


def run(*args: object) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def table() -> Any:
    """`relscales analyze` of the example (omega takes a few seconds: run it once)."""
    result = run("analyze", EXAMPLE, "-i", "ecr-r")
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def library() -> relscales.AnalysisResult:
    return relscales.analyze("ecr-r", EXAMPLE)


def miskeyed(tmp_path: Path) -> Path:
    """The ECR-R with its first item keyed the wrong way round."""
    text = (ROOT / "instruments" / "ecr-r.yaml").read_text(encoding="utf-8")
    text = text.replace("id: ecr-r\n", "id: ecr-r-miskeyed\n").replace(
        'label: "fears losing the partner\'s love", scale: agree7}',
        'label: "fears losing the partner\'s love", scale: agree7, reverse: true}',
    )
    path = tmp_path / "miskeyed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_intervals_read_unambiguously(table: Any) -> None:
    assert interval_text(-0.86, 0.44) == "[-0.86, 0.44]"
    anxiety = next(line for line in table.stdout.splitlines() if line.startswith("anxiety "))
    assert re.search(r"\[0\.\d\d, 0\.\d\d\]", anxiety), anxiety
    assert not re.search(r"\d-\d", anxiety), anxiety


def test_one_invalid_cell_is_singular(table: Any) -> None:
    head = table.stdout.splitlines()[0]
    assert head == "ecr-r 1.0.0: 40 respondents, 1 invalid cell treated as missing"


def test_careless_respondents_are_named_with_how_to_list_them(
    table: Any, library: relscales.AnalysisResult
) -> None:
    result = table
    doc = library.to_dict()["quality"]
    first = doc["flagged"][0]
    out = result.stdout
    assert f"flagged: {first} (row {int(first.removeprefix('R_'))})" in out
    n = doc["n_flagged"]
    assert n > 0
    assert (f"and {n - 5} more" in out) == (n > 5)
    command = f"relscales score {EXAMPLE} -i ecr-r --with-quality"
    assert f"list them all, row by row: {command}" in out
    warned = [line for line in result.stderr.splitlines() if "careless-respondents" in line]
    assert len(warned) == 1
    assert warned[0].startswith(f"warning[careless-respondents] {n} of 40 respondents")
    assert f"`{command}`" in warned[0]


def test_the_listed_command_lists_the_same_respondents(
    library: relscales.AnalysisResult,
) -> None:
    doc = library.to_dict()["quality"]
    scored = relscales.score("ecr-r", EXAMPLE, quality=True)
    careless = [
        str(i)
        for i, q in zip(scored.columns["ResponseId"], scored.columns["quality"], strict=True)
        if str(q).startswith("careless")
    ]
    assert careless == doc["flagged"]


def test_analysis_warnings_have_their_own_codes(tmp_path: Path) -> None:
    result = run("analyze", EXAMPLE, "-i", miskeyed(tmp_path), "--json")
    codes = {w["code"] for w in json.loads(result.stdout)["warnings"]}
    assert "item-looks-reversed" in codes
    assert "careless-respondents" in codes
    assert "invalid-value" not in codes
    assert "warning[item-looks-reversed]" in result.stderr

    rng = np.random.default_rng(5)  # random answers: alpha near 0, published .914
    rows = rng.integers(0, 4, size=(60, 10))
    data = tmp_path / "rses.csv"
    lines = ["id," + ",".join(RSES_ITEMS)] + [
        f"p{i}," + ",".join(map(str, row)) for i, row in enumerate(rows)
    ]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    warned = relscales.analyze("rses", data, quality=False).warnings
    assert [w.code for w in warned if "published" in w.message] == ["alpha-below-published"]


def test_careless_warnings_from_python_name_the_keyword(
    library: relscales.AnalysisResult,
) -> None:
    (warning,) = library.quality_warnings
    assert warning.code == "careless-respondents"
    assert warning.hint is not None
    assert "relscales.score('ecr-r', data, quality=True)" in warning.hint
    assert "--with-quality" not in warning.hint

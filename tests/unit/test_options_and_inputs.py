"""Option names are checked, awkward in-memory inputs are read, outputs get normal modes."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import ROOT
from typer.testing import CliRunner

import relscales
from relscales.cli import app
from relscales.errors import ScoringError
from relscales.instruments.registry import resolve_instrument

RSES = [f"rses{i:02d}" for i in range(1, 11)]


def test_plain_numpy_array_with_columns() -> None:
    arr = np.array([[3] * 10, [0] * 10])
    res = relscales.score("rses", arr, columns=RSES)
    assert res.scores["self_esteem"].tolist() == [15.0, 15.0]


def test_pandas_column_mixing_numbers_and_text() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({item: [1, "Agree"] for item in RSES})
    res = relscales.score("rses", frame)
    assert res.problem_count == 0
    # rses01 positive: 1 and Agree (2); negatives reversed 3 - x
    assert res.scores["self_esteem"].tolist() == [5 * 1 + 5 * 2, 5 * 2 + 5 * 1]


def test_boolean_cells_are_not_answers() -> None:
    data = {item: [1, 2] for item in RSES}
    data["rses01"] = [True, False]
    res = relscales.score("rses", data)
    assert res.problem_count == 2
    assert {p.code for p in res.problems} == {"value-not-a-number"}
    assert np.isnan(res.scores["self_esteem"]).all()  # min_answered is 10


def test_unknown_reliability_score_is_refused_with_a_suggestion() -> None:
    with pytest.raises(ScoringError) as info:
        relscales.score(
            "ecr-r", {f"ecrr{i:02d}": [1] for i in range(1, 37)}, reliability={"anxeity": 0.9}
        )
    (issue,) = info.value.issues
    assert issue.code == "invalid-option"
    assert issue.hint == "did you mean 'anxiety'?"


def test_unknown_item_in_column_map_is_refused() -> None:
    with pytest.raises(ScoringError) as info:
        relscales.score("rses", {item: [1] for item in RSES}, column_map={"Q1": "rses1"})
    assert info.value.issues[0].code == "invalid-option"
    assert info.value.issues[0].location.data_column == "Q1"


def test_composite_mean_with_zero_weights_is_invalid(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "instruments" / "format-tour.yaml").read_text()
    text = text.replace("{score: checking, weight: 0.5}", "{score: checking, weight: -1}")
    path = tmp_path / "zero.yaml"
    path.write_text(text)
    report = relscales.validate_file(path)
    assert not report.valid
    assert [i.code for i in report.issues if i.severity == "error"] == ["invalid-value"]
    assert "add up to 0" in report.issues[0].message


def test_instrument_found_by_declared_id_when_file_named_otherwise(tmp_path: Path) -> None:
    text = (ROOT / "instruments" / "rses.yaml").read_text().replace("id: rses\n", "id: rses-lab\n")
    (tmp_path / "mine.yaml").write_text(text)
    assert resolve_instrument("rses-lab", extra_dirs=[tmp_path]) == tmp_path / "mine.yaml"


def test_outputs_are_private(tmp_path: Path) -> None:
    """Scores hold answers about people: created 0600, whatever the umask."""
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(
        app,
        ["score", str(ROOT / "examples" / "ecr-r-responses.csv"), "-i", "ecr-r", "-o", str(out)],
    )
    assert result.exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_debug_shows_the_exception_for_any_command() -> None:
    result = CliRunner().invoke(app, ["--debug", "show", "no-such-instrument"])
    assert result.exit_code != 0
    assert isinstance(result.exception, relscales.SpecError)

"""`relscales analyze`: the JSON contract, agreement with the library, the terminal table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relscales.cli import app
from relscales.pipeline.analysis import analyze

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"


def test_json_has_the_contract_keys_and_equals_the_library() -> None:
    result = CliRunner().invoke(app, ["analyze", str(EXAMPLE), "-i", "ecr-r", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["instrument"] == "ecr-r"
    assert doc["n_respondents"] == 40
    anxiety = doc["subscales"]["anxiety"]
    for key in ("n_items", "n_complete", "alpha", "alpha_ci", "omega_total", "lambda6", "mean_r"):
        assert key in anxiety, key
    assert set(anxiety["items"]["ecrr01"]) >= {"r_drop", "alpha_if_deleted", "mean", "sd"}
    library = analyze("ecr-r", EXAMPLE).to_dict()
    assert anxiety["alpha"] == pytest.approx(library["subscales"]["anxiety"]["alpha"], abs=0)
    assert anxiety["alpha_ci"][0] < anxiety["alpha"] < anxiety["alpha_ci"][1]
    assert doc["quality"]["n_flagged"] == len(doc["quality"]["flagged"])


def test_bootstrap_is_reproducible_with_a_seed(tmp_path: Path) -> None:
    args = ["analyze", str(EXAMPLE), "-i", "ecr-r", "--ci", "bootstrap", "--n-boot", "200"]
    first = CliRunner().invoke(app, [*args, "--seed", "7", "-o", str(tmp_path / "a.json")])
    second = CliRunner().invoke(app, [*args, "--seed", "7", "-o", str(tmp_path / "b.json")])
    assert first.exit_code == second.exit_code == 0
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()
    assert "alpha" in first.stdout
    assert "interval" in first.stdout


def test_a_miskeyed_item_is_reported(tmp_path: Path) -> None:
    text = (ROOT / "instruments" / "ecr-r.yaml").read_text()
    text = text.replace("id: ecr-r\n", "id: ecr-r-miskeyed\n").replace(
        'label: "fears losing the partner\'s love", scale: agree7}',
        'label: "fears losing the partner\'s love", scale: agree7, reverse: true}',
    )
    path = tmp_path / "miskeyed.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["analyze", str(EXAMPLE), "-i", str(path), "--strict"])
    assert result.exit_code == 1
    assert "item 'ecrr01' correlates negatively" in result.stderr
    assert "<- looks reversed" in result.stdout


def test_bad_ci_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["analyze", str(EXAMPLE), "-i", "ecr-r", "--ci", "x"])
    assert result.exit_code == 2


def test_analysis_leaves_out_respondents_a_score_does_not_apply_to(tmp_path: Path) -> None:
    """RISI recurrence: people in a first relationship are out of its item analysis."""
    import numpy as np
    import yaml

    import relscales

    spec = yaml.safe_load((ROOT / "instruments" / "risi.yaml").read_text(encoding="utf-8"))
    ids = [item["id"] for item in spec["items"]]
    rng = np.random.default_rng(3)
    rows = rng.integers(1, 6, size=(60, len(ids)))
    context = ids.index("cx_past")
    rows[:, context] = np.where(np.arange(60) < 20, 1, 3)  # 20 in a first relationship
    path = tmp_path / "risi.csv"
    lines = [",".join(["id", *ids])]
    lines += [",".join([f"p{i}", *map(str, row)]) for i, row in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = relscales.analyze("risi", path)
    recurrence = result.subscales["recurrence"]
    assert recurrence.n_complete == 40
    assert any("20 respondents left out" in note for note in recurrence.notes)
    assert result.subscales["old_fears"].n_complete == 60


def test_analyze_never_writes_its_report_over_the_data(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from relscales.cli import app

    data = tmp_path / "data.csv"
    data.write_bytes((ROOT / "examples" / "ecr-r-responses.csv").read_bytes())
    before = data.read_bytes()
    result = CliRunner().invoke(app, ["analyze", str(data), "-i", "ecr-r", "-o", str(data)])
    assert result.exit_code == 2
    assert "output-is-input" in result.output
    assert data.read_bytes() == before

"""`relscales calibrate` end to end on the bundled IRT example, then scoring with its output."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from relscales.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_calibrate_writes_an_extending_file_that_scores_theta(copy: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "calibrate",
            "examples/irt-responses.csv",
            "-i",
            "examples/instruments/irt-demo.yaml",
            "--form",
            "extends",
            "-o",
            "irt-demo-irt.yaml",
            "--licence",
            "CC0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "converged" in result.output
    doc = yaml.safe_load((copy / "irt-demo-irt.yaml").read_text(encoding="utf-8"))
    assert doc["extends"] == "examples/instruments/irt-demo.yaml"
    irt = doc["subscales"][0]["irt"]
    assert irt["calibration"]["licence"] == "CC0"
    assert irt["calibration"]["n"] == 3000
    # the example was simulated from known slopes: the estimates are close to them
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from make_irt_example import TRUE_SLOPES
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    slopes = np.array([irt["items"][f"d{j:02d}"]["slope"] for j in range(1, 13)])
    assert np.sqrt(np.mean((slopes - np.array(TRUE_SLOPES)) ** 2)) < 0.1
    scored = runner.invoke(
        app,
        [
            "score",
            "examples/irt-responses.csv",
            "-i",
            "irt-demo-irt.yaml",
            "--with-ci",
            "-o",
            "s.csv",
        ],
    )
    assert scored.exit_code == 0, scored.output
    header = (copy / "s.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in ("worry_theta", "worry_theta_se", "worry_theta_t", "worry_theta_ci_low"):
        assert column in header


def test_calibrate_blocks_on_stdout_and_bad_options(copy: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["calibrate", "examples/irt-responses.csv", "-i", "examples/instruments/irt-demo.yaml"]
    )
    assert result.exit_code == 0, result.output
    assert "    irt:" in result.stdout
    bad = runner.invoke(
        app,
        [
            "calibrate",
            "examples/irt-responses.csv",
            "-i",
            "examples/instruments/irt-demo.yaml",
            "--subscale",
            "nope",
        ],
    )
    assert bad.exit_code == 2
    assert "unknown-score" in bad.output
    assert "Traceback" not in bad.output
    form = runner.invoke(
        app,
        [
            "calibrate",
            "examples/irt-responses.csv",
            "-i",
            "examples/instruments/irt-demo.yaml",
            "--form",
            "paste",
        ],
    )
    assert form.exit_code == 2

"""Paths recorded in outputs: relative to the working folder, else the file name alone.

docs/cli.md#the-metadata-sidecar. An absolute path often holds a user name.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relscales.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"

runner = CliRunner()


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def sidecar(out: Path) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(out.with_name(out.name + ".meta.json").read_text())
    return meta


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with data/answers.csv and a lab instrument."""
    home = tmp_path / "home" / "alice" / "study"
    (home / "data").mkdir(parents=True)
    shutil.copyfile(EXAMPLE, home / "data" / "answers.csv")
    (home / "lab").mkdir()
    shutil.copyfile(ROOT / "instruments" / "ecr-r.yaml", home / "lab" / "ecr-r-lab.yaml")
    monkeypatch.chdir(home)
    return home


def test_paths_inside_the_working_folder_are_relative(project: Path) -> None:
    out = project / "scores.csv"
    lab = project / "lab" / "ecr-r-lab.yaml"
    result = invoke("score", project / "data" / "answers.csv", "-i", lab, "-o", out)
    assert result.exit_code == 0, result.output
    meta = sidecar(out)
    assert meta["input"]["name"] == str(Path("data") / "answers.csv")
    assert meta["instruments"][0]["source"] == str(Path("lab") / "ecr-r-lab.yaml")
    assert str(project.parent) not in json.dumps(meta)


def test_paths_as_typed_stay_as_typed(project: Path) -> None:
    result = invoke("score", "data/answers.csv", "-i", "lab/ecr-r-lab.yaml", "-o", "s.csv")
    assert result.exit_code == 0, result.output
    meta = sidecar(project / "s.csv")
    assert meta["input"]["name"] == str(Path("data") / "answers.csv")
    assert meta["instruments"][0]["source"] == str(Path("lab") / "ecr-r-lab.yaml")


def test_paths_outside_the_working_folder_are_file_names(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = elsewhere / "scores.csv"
    data = project / "data" / "answers.csv"
    result = invoke("score", data, "-i", project / "lab" / "ecr-r-lab.yaml", "-o", out)
    assert result.exit_code == 0, result.output
    meta = sidecar(out)
    assert meta["input"]["name"] == "answers.csv"
    assert meta["instruments"][0]["source"] == "ecr-r-lab.yaml"
    assert "alice" not in json.dumps(meta)


def test_a_bundled_instrument_is_recorded_without_its_folder(project: Path) -> None:
    result = invoke("score", "data/answers.csv", "-i", "ecr-r", "-o", "s.csv")
    assert result.exit_code == 0, result.output
    (entry,) = sidecar(project / "s.csv")["instruments"]
    assert entry["source"] == "ecr-r.yaml"
    assert entry["content_hash"].startswith("sha256:")  # still traceable by its hash


def test_recorded_path_rules() -> None:
    from relscales.io.special import recorded_path

    assert recorded_path("<data>") == "<data>"
    assert recorded_path("/nowhere/near/here.csv") == "here.csv"
    assert recorded_path(Path.cwd() / "x.csv") == "x.csv"

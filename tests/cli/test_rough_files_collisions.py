"""Output paths that are inputs, or each other: refused before anything is written.

docs/cli.md#safety-of-inputs-and-outputs, docs/errors.md#output-is-input and
#output-collision.
"""

from __future__ import annotations

import shutil
import sys
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


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data.csv"
    shutil.copyfile(EXAMPLE, target)
    return target


def refused(result: Any, code: str, *named: str) -> None:
    assert result.exit_code == 2, result.output
    assert f"error[{code}]" in result.output
    for name in named:
        assert name in result.output


def test_the_sidecar_never_replaces_an_input_of_that_name(tmp_path: Path) -> None:
    data = tmp_path / "scores.csv.meta.json"  # CSV data with an unlucky name
    shutil.copyfile(EXAMPLE, data)
    before = data.read_bytes()
    out = tmp_path / "scores.csv"
    result = invoke("score", data, "-i", "ecr-r", "--input-format", "csv", "-o", out)
    refused(result, "output-is-input", "(sidecar)", "(data file)")
    assert data.read_bytes() == before
    assert not out.exists()


def test_report_all_never_replaces_an_input_in_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    data = folder / "R_001.txt"  # the data kept where the reports go
    data.write_text("".join(EXAMPLE.read_text().splitlines(keepends=True)[:3]))
    before = data.read_bytes()
    args = ("report", data, "-i", "ecr-r", "--input-format", "csv", "--all")
    result = invoke(*args, "--format", "txt", "-o", folder)
    refused(result, "output-is-input", "R_001.txt", "(--all)", "(data file)")
    assert data.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["R_001.txt"]  # nothing written


def test_two_outputs_on_one_path_are_refused(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    result = invoke("score", data, "-i", "ecr-r", "-o", out, "--problems", tmp_path / "." / "x.csv")
    refused(result, "output-collision", "(-o)", "(--problems)")
    assert not out.exists()


def test_problems_on_the_sidecar_is_refused(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    result = invoke(
        "score", data, "-i", "ecr-r", "-o", out, "--problems", tmp_path / "x.csv.meta.json"
    )
    refused(result, "output-collision", "(sidecar)", "(--problems)")
    assert list(tmp_path.iterdir()) == [data]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_an_input_reached_through_a_link_is_still_the_input(data: Path, tmp_path: Path) -> None:
    link = tmp_path / "via-link.csv"
    link.symlink_to(data)
    before = data.read_bytes()
    result = invoke("score", link, "-i", "ecr-r", "--format", "csv", "-o", data)
    refused(result, "output-is-input", "via-link.csv", "data.csv")
    assert data.read_bytes() == before


def test_a_hard_link_to_the_input_is_the_input(data: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin.csv"
    try:
        twin.hardlink_to(data)
    except OSError:  # pragma: no cover - a file system without hard links
        pytest.skip("no hard links here")
    result = invoke("score", data, "-i", "ecr-r", "-o", twin)
    refused(result, "output-is-input", "twin.csv", "(data file)")


def test_an_instrument_file_is_an_input(data: Path, tmp_path: Path) -> None:
    instrument = tmp_path / "mine.yaml"
    shutil.copyfile(ROOT / "instruments" / "ecr-r.yaml", instrument)
    before = instrument.read_bytes()
    out = tmp_path / "scores.csv"
    result = invoke("score", data, "-i", instrument, "-o", out, "--problems", instrument)
    refused(result, "output-is-input", "(--problems)", "(instrument)")
    assert instrument.read_bytes() == before
    assert not out.exists()


def test_a_bundled_instrument_reached_by_id_is_an_input(data: Path, tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    lab.mkdir()
    shutil.copyfile(ROOT / "instruments" / "ecr-r.yaml", lab / "ecr-r.yaml")
    before = (lab / "ecr-r.yaml").read_bytes()
    result = invoke(
        "score", data, "-i", "ecr-r", "--instruments-dir", lab, "--format", "csv",
        "-o", lab / "ecr-r.yaml",
    )  # fmt: skip
    refused(result, "output-is-input", "(instrument)")
    assert (lab / "ecr-r.yaml").read_bytes() == before


def test_a_column_map_and_a_text_overlay_are_inputs(data: Path, tmp_path: Path) -> None:
    column_map = tmp_path / "map.csv"
    column_map.write_text("column,item\necrr01,ecrr01\n")
    result = invoke("score", data, "-i", "ecr-r", "--map", column_map, "--problems", column_map)
    refused(result, "output-is-input", "(--map)")
    texts = ROOT / "tests" / "data" / "texts" / "ecr-r-en.yaml"
    copy = tmp_path / "texts.yaml"
    shutil.copyfile(texts, copy)
    result = invoke("score", data, "-i", "ecr-r", "--texts", copy, "--problems", copy)
    refused(result, "output-is-input", "(--texts)")
    assert copy.read_bytes() == texts.read_bytes()


def test_report_refuses_its_input_as_output(data: Path) -> None:
    result = invoke("report", data, "-i", "ecr-r", "--respondent", "1", "--format", "html",
                    "-o", data)  # fmt: skip
    refused(result, "output-is-input", "(data file)")


def test_one_checking_function_for_every_command() -> None:
    from relscales.errors import OutputError
    from relscales.io.atomic import check_outputs

    with pytest.raises(OutputError) as caught:
        check_outputs([("-o", "a.json"), ("--problems", "sub/../a.json")])
    assert caught.value.code == "output-collision"
    check_outputs([("-o", "/dev/null"), ("--problems", "/dev/null")])  # a device: fine

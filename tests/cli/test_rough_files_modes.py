"""File modes of outputs: new files 0600, replaced files keep their mode, folders 0700.

docs/cli.md#safety-of-inputs-and-outputs. Outputs hold answers and scores; the umask is
never changed by relscales (the tests set it for themselves, and put it back).
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relscales.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")

runner = CliRunner()


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common umask 022, under which the old writer made outputs world-readable."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data.csv"
    shutil.copyfile(EXAMPLE, target)
    return target


@pytest.mark.usefixtures("usual_umask")
def test_score_outputs_are_created_private(data: Path, tmp_path: Path) -> None:
    out, problems = tmp_path / "scores.csv", tmp_path / "problems.csv"
    result = invoke("score", data, "-i", "ecr-r", "-o", out, "--problems", problems)
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600
    assert mode(tmp_path / "scores.csv.meta.json") == 0o600
    assert mode(problems) == 0o600


@pytest.mark.usefixtures("usual_umask")
@pytest.mark.parametrize("chosen", [0o600, 0o640, 0o400 | 0o200])
def test_rerunning_keeps_the_mode_of_a_replaced_file(
    data: Path, tmp_path: Path, chosen: int
) -> None:
    out = tmp_path / "scores.csv"
    assert invoke("score", data, "-i", "ecr-r", "-o", out).exit_code == 0
    out.chmod(chosen)
    (tmp_path / "scores.csv.meta.json").chmod(chosen)
    result = invoke("score", data, "-i", "ecr-r", "-o", out)
    assert result.exit_code == 0, result.output
    assert mode(out) == chosen
    assert mode(tmp_path / "scores.csv.meta.json") == chosen


@pytest.mark.usefixtures("usual_umask")
def test_a_tightened_file_is_not_widened(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    out.write_text("old\n")
    out.chmod(0o600)
    assert invoke("score", data, "-i", "ecr-r", "-o", out).exit_code == 0
    assert mode(out) == 0o600
    assert out.read_text() != "old\n"


@pytest.mark.usefixtures("usual_umask")
def test_report_files_and_the_folder_all_creates_are_private(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    result = invoke("report", data, "-i", "ecr-r", "--all", "--format", "md", "-o", folder)
    assert result.exit_code == 0, result.output
    assert mode(folder) == 0o700
    files = sorted(folder.iterdir())
    assert files
    assert {mode(f) for f in files} == {0o600}
    single = tmp_path / "one.html"
    result = invoke("report", data, "-i", "ecr-r", "--respondent", "1", "-o", single)
    assert result.exit_code == 0, result.output
    assert mode(single) == 0o600


def test_the_umask_can_only_narrow_the_mode(data: Path, tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        out = tmp_path / "scores.csv"
        assert invoke("score", data, "-i", "ecr-r", "-o", out).exit_code == 0
        assert mode(out) == 0o600
    finally:
        os.umask(previous)


def test_relscales_never_changes_the_umask() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "src").rglob("*.py")
        if "os.umask(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_atomic_text_shared_files_follow_the_umask(tmp_path: Path) -> None:
    from relscales.io.atomic import atomic_text

    previous = os.umask(0o027)
    try:
        with atomic_text(tmp_path / "shared.txt", private=False) as stream:
            stream.write("x")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "shared.txt") == 0o640

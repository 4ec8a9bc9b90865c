"""Special files: outputs that are links, FIFOs, folders or devices; inputs that are not files.

docs/cli.md#safety-of-inputs-and-outputs, docs/errors.md#output-special-file and
#input-not-a-file. Runs that the old code would hang on run in a subprocess with a
timeout.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relscales.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")

runner = CliRunner()


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def relscales(*args: Any, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run the program; a hang (reading a FIFO for ever) fails the test after 60 s."""
    return subprocess.run(
        [sys.executable, "-m", "relscales", *map(str, args)],
        input=None if stdin is None else stdin.decode(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data.csv"
    shutil.copyfile(EXAMPLE, target)
    return target


# ------------------------------------------------------------------------- output targets


def test_a_symlink_output_is_refused_and_kept(data: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("keep me\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    result = invoke("score", data, "-i", "ecr-r", "-o", link)
    assert result.exit_code == 2, result.output
    assert "error[output-special-file]" in result.output
    assert "symbolic link" in result.output
    assert str(real) in result.output  # the hint names where it points
    assert link.is_symlink()
    assert real.read_text() == "keep me\n"
    assert not (tmp_path / "latest.csv.meta.json").exists()


def test_a_fifo_output_is_refused_and_kept(data: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "scores.csv"
    os.mkfifo(fifo)
    result = invoke("score", data, "-i", "ecr-r", "-o", fifo)
    assert result.exit_code == 2, result.output
    assert "error[output-special-file]" in result.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_folder_output_is_refused(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    result = invoke("score", data, "-i", "ecr-r", "-o", folder)
    assert result.exit_code == 2, result.output
    assert "error[output-special-file]" in result.output
    assert "Traceback" not in result.output


def test_dev_null_is_written_to_directly(data: Path) -> None:
    result = invoke("score", data, "-i", "ecr-r", "-o", "/dev/null")
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not Path("/dev/null.meta.json").exists()
    result = invoke("report", data, "-i", "ecr-r", "--respondent", "1", "-o", "/dev/null")
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_link_to_a_device_writes_to_the_device(data: Path, tmp_path: Path) -> None:
    link = tmp_path / "sink"
    link.symlink_to("/dev/null")
    result = invoke("score", data, "-i", "ecr-r", "-o", link, "--problems", "/dev/null")
    assert result.exit_code == 0, result.output
    assert link.is_symlink()


def test_atomic_writers_refuse_links_for_every_command(tmp_path: Path) -> None:
    from relscales.errors import OutputError
    from relscales.io.atomic import atomic_text

    (tmp_path / "real.txt").write_text("x")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    with pytest.raises(OutputError) as caught, atomic_text(tmp_path / "link.txt") as stream:
        stream.write("y")  # pragma: no cover - not reached
    assert caught.value.code == "output-special-file"
    assert (tmp_path / "real.txt").read_text() == "x"


# ------------------------------------------------------------------------- inputs


def test_validate_refuses_a_fifo_unread(tmp_path: Path) -> None:
    fifo = tmp_path / "scale.yaml"
    os.mkfifo(fifo)  # no writer: opening it would wait for ever
    proc = relscales("validate", fifo)
    assert proc.returncode == 2, proc.stderr
    assert "error[input-not-a-file]" in proc.stderr
    assert "INVALID" in proc.stdout


def test_validate_refuses_a_device() -> None:
    from relscales.io.special import not_a_file_issue

    issue = not_a_file_issue("/dev/zero", "instrument file")
    assert issue is not None
    assert issue.code == "input-not-a-file"
    result = invoke("validate", "--json", "/dev/zero")  # refused before any read
    assert result.exit_code == 2
    assert '"input-not-a-file"' in result.stdout


def test_score_from_standard_input_is_refused_clearly() -> None:
    proc = relscales("score", "-", "-i", "ecr-r", stdin=EXAMPLE.read_bytes())
    assert proc.returncode == 2, proc.stderr
    assert "error[input-not-a-file]" in proc.stderr
    assert "standard input" in proc.stderr
    assert "> responses.csv" in proc.stderr  # what to do instead
    proc = relscales("score", "/dev/stdin", "-i", "ecr-r", stdin=EXAMPLE.read_bytes())
    assert proc.returncode == 2, proc.stderr
    assert "error[input-not-a-file]" in proc.stderr
    assert proc.stdout == ""


def test_data_from_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    proc = relscales("score", fifo, "-i", "ecr-r")
    assert proc.returncode == 2, proc.stderr
    assert "error[input-not-a-file]" in proc.stderr
    proc = relscales("report", fifo, "-i", "ecr-r", "-o", tmp_path / "r.html")
    assert proc.returncode == 2, proc.stderr
    assert "error[input-not-a-file]" in proc.stderr


def test_overlays_maps_and_instrument_paths_must_be_files(data: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for extra in (["--texts", fifo], ["--map", fifo], ["-i", fifo]):
        proc = relscales("score", data, "-i", "ecr-r", *extra)
        assert proc.returncode == 2, (extra, proc.stderr)
        assert "error[input-not-a-file]" in proc.stderr, extra


@pytest.mark.parametrize("command", [["show", "rses"], ["take", "rses"], ["serve"]])
def test_a_text_overlay_on_a_fifo_is_refused_without_waiting(
    tmp_path: Path, command: list[str]
) -> None:
    import subprocess
    import sys

    fifo = tmp_path / "texts.yaml"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "relscales", *command, "--texts", str(fifo)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "input-not-a-file" in done.stderr

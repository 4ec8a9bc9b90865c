"""Writes the system refuses, and input nested too deeply: exit 2 with a code, never 3.

docs/errors.md#disk-full, #file-too-large, #output-unwritable, #nesting-too-deep.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relscales.cli import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX limits and devices")

runner = CliRunner()


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data.csv"
    shutil.copyfile(EXAMPLE, target)
    return target


def user_error(result: Any, code: str) -> None:
    assert result.exit_code == 2, result.output
    assert f"error[{code}]" in result.output
    assert "internal error" not in result.output


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


class _FailingWriter:
    def __init__(self, number: int) -> None:
        self.number = number

    def write(self, columns: Any) -> None:
        raise OSError(self.number, os.strerror(self.number))

    def close(self) -> None:  # pragma: no cover - never reached
        return None


REFUSALS = [
    (errno.ENOSPC, "disk-full"),
    (errno.EFBIG, "file-too-large"),
    (errno.EACCES, "output-unwritable"),
]


@pytest.mark.parametrize(("number", "code"), REFUSALS)
def test_a_refused_write_is_a_user_error(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: int, code: str
) -> None:
    import relscales.pipeline.scorejob as scorejob

    monkeypatch.setattr(scorejob, "open_writer", lambda *a, **k: _FailingWriter(number))
    out = tmp_path / "scores.csv"
    out.write_text("previous\n")
    result = invoke("score", data, "-i", "ecr-r", "-o", out)
    user_error(result, code)
    assert str(out) in result.output
    assert out.read_text() == "previous\n"
    assert leftovers(tmp_path) == []


def test_permission_denied_on_rename_is_output_unwritable(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import relscales.io.atomic as atomic

    def refuse(src: Any, dst: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(atomic.os, "replace", refuse)
    result = invoke("score", data, "-i", "ecr-r", "-o", tmp_path / "scores.csv")
    user_error(result, "output-unwritable")
    assert leftovers(tmp_path) == []


def test_a_report_folder_that_cannot_be_created(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    result = invoke("report", data, "-i", "ecr-r", "--all", "-o", tmp_path / "reports")
    user_error(result, "output-unwritable")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_and_file(data: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "scores.csv").write_text("previous\n")
    locked.chmod(0o500)
    try:
        user_error(
            invoke("score", data, "-i", "ecr-r", "-o", locked / "scores.csv"), "output-unwritable"
        )
        user_error(
            invoke("report", data, "-i", "ecr-r", "--all", "-o", locked / "r"), "output-unwritable"
        )
    finally:
        locked.chmod(0o700)
    read_only = tmp_path / "read-only.csv"
    read_only.write_text("previous\n")
    read_only.chmod(0o400)
    user_error(invoke("score", data, "-i", "ecr-r", "-o", read_only), "output-unwritable")
    assert read_only.read_text() == "previous\n"


@POSIX
def test_disk_full_on_a_device_and_on_standard_output(data: Path) -> None:
    if not Path("/dev/full").exists():  # pragma: no cover - not Linux
        pytest.skip("no /dev/full")
    user_error(invoke("score", data, "-i", "ecr-r", "-o", "/dev/full"), "disk-full")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "relscales", "score", str(data), "-i", "ecr-r"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
    assert proc.returncode == 2, proc.stderr
    assert "error[disk-full]" in proc.stderr


def _file_size_limit(ignore_sigxfsz: bool) -> Any:
    import resource
    import signal

    def limit() -> None:
        if ignore_sigxfsz:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))  # the output needs more

    return limit


@POSIX
@pytest.mark.parametrize("ignore_sigxfsz", [True, False], ids=["ignored", "default"])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_size_limit_is_file_too_large(
    data: Path, tmp_path: Path, suffix: str, ignore_sigxfsz: bool
) -> None:
    out = tmp_path / f"scores{suffix}"
    args = ["score", str(data), "-i", "ecr-r", "--with-ci", "--with-counts", "-o", str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "relscales", *args],
        preexec_fn=_file_size_limit(ignore_sigxfsz),  # no threads in the child yet
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "error[file-too-large]" in proc.stderr
    assert str(out) in proc.stderr
    assert leftovers(tmp_path) == []
    assert not out.exists()


def test_deeply_nested_json_data_is_nesting_too_deep(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('[{"id": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    result = invoke("score", deep, "-i", "ecr-r", "-o", tmp_path / "scores.csv")
    user_error(result, "nesting-too-deep")
    assert leftovers(tmp_path) == []


def test_recursion_anywhere_is_caught_by_the_handler() -> None:
    from relscales.cli.errors import fail

    with pytest.raises(SystemExit) as stop:
        fail(RecursionError("maximum recursion depth exceeded"), debug=False)
    assert stop.value.code == 2

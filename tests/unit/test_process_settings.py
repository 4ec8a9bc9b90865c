"""Process settings of a command-line run (relscales._startup)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from relscales import _startup

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ecr-r-responses.csv"


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_score_starts_without_collection_and_resumes_after(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*_startup.BLAS_THREADS, "PYDANTIC_DISABLE_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    _startup.begin("score")
    assert not gc.isenabled()
    assert all(os.environ[name] == "1" for name in _startup.BLAS_THREADS)
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    _startup.started()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0
    _startup.end()
    assert gc.isenabled()


def test_other_commands_keep_collecting_and_blas_settings_are_honoured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "logfire")
    _startup.begin("serve")
    assert gc.isenabled()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "logfire"


def test_the_command_line_restores_collection_after_an_error() -> None:
    from relscales.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["score", "no-such-file.csv", "-i", "ecr-r"])
    assert stopped.value.code == 2
    assert gc.isenabled()


def test_a_score_run_asks_for_one_blas_thread() -> None:
    """In a fresh process: the variable is set before numpy loads, so OpenBLAS obeys it."""
    code = (
        "import os, sys\n"
        "from relscales.cli import main\n"
        "try:\n"
        f"    main(['score', {str(EXAMPLE)!r}, '-i', 'ecr-r'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(os.environ.get('OPENBLAS_NUM_THREADS', '-'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in _startup.BLAS_THREADS}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stderr.endswith("1")


class _Exited(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        pytest.param(["relscales", "--version"], 0, id="ok"),
        pytest.param(["relscales", "score", "no-such-file.csv", "-i", "ecr-r"], 2, id="error"),
    ],
)
def test_the_program_ends_with_mains_exit_code(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], code: int
) -> None:
    from relscales import cli

    def exit_now(status: int) -> None:
        raise _Exited(status)

    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(os, "_exit", exit_now)
    with pytest.raises(_Exited) as ended:
        cli.run()
    assert ended.value.code == code


def test_the_program_shows_an_exit_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from relscales import cli

    def exit_now(status: int) -> None:
        raise _Exited(status)

    def main() -> None:
        raise SystemExit("stopped: because")

    monkeypatch.setattr(cli, "main", main)
    monkeypatch.setattr(os, "_exit", exit_now)
    with pytest.raises(_Exited) as ended:
        cli.run()
    assert ended.value.code == 1
    assert "stopped: because" in capsys.readouterr().err


def test_python_dash_m_gives_the_exit_code_and_output() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "relscales", "score", str(EXAMPLE), "-i", "ecr-r"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 41  # every row of the example, flushed
    missing = subprocess.run(
        [sys.executable, "-m", "relscales", "score", "no-such.csv", "-i", "ecr-r"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
    assert "no-such.csv" in missing.stderr

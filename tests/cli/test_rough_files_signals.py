"""SIGTERM and SIGHUP during a run: temporary files removed, exit 128 + the signal.

docs/cli.md#exit-codes and #safety-of-inputs-and-outputs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def big_data(path: Path, rows: int) -> Path:
    """ecr-r answers, ``rows`` respondents: long enough to stop the run while it writes."""
    lines = EXAMPLE.read_text().splitlines()
    header, body = lines[0], [line.split(",", 1)[1] for line in lines[1:]]
    with path.open("w") as out:
        out.write(header + "\n")
        out.writelines(f"P{i},{body[i % len(body)]}\n" for i in range(rows))
    return path


def hidden_temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or ".tmp" in p.name)


def wait_for_temporary(proc: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 60
    while not hidden_temporaries(folder):
        assert proc.poll() is None, "the run ended before it could be stopped"
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_data(tmp_path_factory.mktemp("signals") / "big.csv", 150_000)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_signal_mid_run_leaves_no_temporary_file(
    data: Path, tmp_path: Path, signum: signal.Signals
) -> None:
    out = tmp_path / "scores.json"
    out.write_text("previous result\n")
    args = ["score", str(data), "-i", "ecr-r", "--with-ci", "-o", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "relscales", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_temporary(proc, tmp_path)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the test fails
            proc.kill()
            proc.wait()
    assert hidden_temporaries(tmp_path) == []
    assert proc.returncode == 128 + signum, err.decode()
    assert out.read_text() == "previous result\n"  # the previous output is kept
    assert not (tmp_path / "scores.json.meta.json").exists()
    assert b"terminated" in err
    assert b"Traceback" not in err


def test_terminated_cleans_up_in_process(tmp_path: Path) -> None:
    from relscales.io.atomic import Terminated, atomic_text, terminate_cleanly

    before = signal.getsignal(signal.SIGTERM)
    target = tmp_path / "out.txt"

    def write_then_stop() -> None:
        with terminate_cleanly(), atomic_text(target) as stream:
            stream.write("partial")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises here, at once

    with pytest.raises(Terminated) as caught:
        write_then_stop()
    assert caught.value.exit_code == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is before


def test_an_ignored_signal_stays_ignored() -> None:
    from relscales.io.atomic import terminate_cleanly

    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with terminate_cleanly():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_signal_as_the_temporary_file_is_made_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The temporary file is named before it is made, so a signal that arrives the moment it
    exists (before the code that made it has returned) still has it removed."""
    from relscales.io import atomic

    made = atomic._create_temporary

    def made_then_stopped(name: Path, target: Path, mode: int) -> bool:
        assert made(name, target, mode)
        assert name.exists()
        raise atomic.Terminated(signal.SIGTERM)

    monkeypatch.setattr(atomic, "_create_temporary", made_then_stopped)
    target = tmp_path / "scores.csv"
    target.write_text("previous result\n")
    with pytest.raises(atomic.Terminated), atomic.atomic_path(target):
        pass  # pragma: no cover - the signal comes first
    assert hidden_temporaries(tmp_path) == []
    assert target.read_text() == "previous result\n"

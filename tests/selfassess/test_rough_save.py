"""Saving a self-assessment: checked before the first question, private, and self-describing.

``take --save PATH`` that cannot be used ends before any question (exit 2); a folder that
``serve --save DIR`` creates is 0700; every saved file is 0600, written without touching
the process umask (``serve`` saves from several threads), and says what it holds.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from typer.testing import CliRunner

from relscales.cli import app as cli_app
from relscales.errors import OutputError
from relscales.selfassess import commands, server
from relscales.selfassess.outcome import SAVED_FILE_NOTE, save_format
from relscales.selfassess.questionnaire import load_questionnaire
from relscales.selfassess.server import CSRF_COOKIE, CSRF_FIELD, SelfAssessApp, ServeOptions
from relscales.selfassess.terminal import run_take

HEADER = (
    "This file holds a person's answers to a self-assessment and their results; keep it private."
)
runner = CliRunner()
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")


@pytest.fixture
def umask_022() -> Iterator[None]:
    """A usual umask, under which a default file would be 0644."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A folder that exists but does not take a new file."""
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        try:
            yield folder
        finally:
            folder.chmod(0o700)
        return
    folder = Path("/sys")  # root writes everywhere, but not in sysfs
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        yield folder
    else:  # pragma: no cover - no folder to test with
        pytest.skip("no unwritable folder on this machine")


def _no_umask(*_: object) -> int:
    raise AssertionError("os.umask was called while saving")


# -- take --save: checked first --------------------------------------------------------


def test_take_save_into_an_unwritable_folder_stops_before_the_first_question(
    unwritable: Path,
) -> None:
    result = runner.invoke(
        cli_app, ["take", "rrss", "--save", str(unwritable / "me.json")], input="4\n" * 12 + "\n"
    )
    assert result.exit_code == 2, result.output
    assert "error[output-unwritable]" in result.output
    assert "cannot write in the folder" in result.output
    assert "Question 1 of" not in result.output


@posix_only
def test_take_save_onto_a_special_file_stops_before_the_first_question(tmp_path: Path) -> None:
    fifo = tmp_path / "me.json"
    os.mkfifo(fifo)
    result = runner.invoke(cli_app, ["take", "rrss", "--save", str(fifo)], input="q\n")
    assert result.exit_code == 2, result.output
    assert "error[output-special-file]" in result.output
    assert "Question 1 of" not in result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # left as it was


def test_save_format_refuses_what_cannot_be_saved(tmp_path: Path, unwritable: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    folder = here / "me.html"
    folder.mkdir()
    with pytest.raises(OutputError, match="is a folder") as info:
        save_format(folder)
    assert info.value.code == "output-special-file"
    (here / "link.txt").symlink_to(here / "elsewhere.txt")
    with pytest.raises(OutputError, match="symbolic link"):
        save_format(here / "link.txt")
    with pytest.raises(OutputError, match="cannot write in the folder"):
        save_format(unwritable / "me.txt")
    with pytest.raises(OutputError, match="does not exist"):
        save_format(here / "missing" / "me.txt")
    (here / "old.md").write_text("kept until replaced", "utf-8")
    assert save_format(here / "old.md") == "md"  # a file may be replaced
    assert sorted(p.name for p in here.iterdir()) == ["link.txt", "me.html", "old.md"]


def test_take_command_checks_before_loading(
    unwritable: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(ref: str, **_: object) -> None:
        raise AssertionError("loaded before the save path was checked")

    monkeypatch.setattr("relscales.selfassess.questionnaire.load_questionnaire", never)
    with pytest.raises(OutputError, match="cannot write in the folder"):
        commands.take("rrss", save=unwritable / "me.json")


# -- saved files: 0600, no umask, and what they hold ------------------------------------


@posix_only
@pytest.mark.parametrize("name", ["me.json", "me.html", "me.md", "me.txt"])
def test_take_saves_a_private_file_that_says_what_it_holds(
    tmp_path: Path, umask_022: None, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(os, "umask", _no_umask)
    q = load_questionnaire("rrss")
    target = tmp_path / name
    shown: list[str] = []
    answers = iter(["4"] * 12 + [""])
    assert run_take(q, save=target, ask=lambda _: next(answers), say=shown.append) == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = target.read_text("utf-8")
    if name.endswith(".json"):
        assert json.loads(text)["about"] == HEADER
    elif name.endswith(".txt"):
        assert text.startswith(HEADER + "\n\n")
    else:
        assert f"<!-- {HEADER} -->" in text.splitlines()[:2]
    if name.endswith(".html"):
        assert text.startswith("<!DOCTYPE html>\n<!-- ")  # the doctype stays first
    assert SAVED_FILE_NOTE in " ".join(" ".join(shown).split())
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


@posix_only
def test_serve_saves_private_files_without_touching_the_umask(
    tmp_path: Path, umask_022: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = SelfAssessApp(ServeOptions(save_dir=tmp_path, only=("rrss",)), secret=b"k" * 32)
    nonce = "n" * 43
    q = app.questionnaire("rrss", None)
    fields = {question.key: "4" for question in q.questions}
    fields[CSRF_FIELD] = app.token(nonce)
    headers = {
        "Host": "127.0.0.1:8765",
        "Cookie": f"{CSRF_COOKIE}={nonce}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    monkeypatch.setattr(os, "umask", _no_umask)
    response = app.handle("POST", "/take/rrss", headers, urlencode(fields).encode())
    assert response.status == 200
    assert "Your answers and results were saved in a file" in response.body.decode()
    [saved] = list(tmp_path.iterdir())
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    record = json.loads(saved.read_text("utf-8"))
    assert record["about"] == HEADER
    assert list(record)[:2] == ["relscales_submission", "about"]


# -- serve --save DIR: created 0700, checked before serving -------------------------------


@posix_only
def test_serve_creates_its_folder_and_missing_parents_0700(tmp_path: Path, umask_022: None) -> None:
    folder = tmp_path / "a" / "b" / "answers"
    commands._prepare_save_dir(folder)
    for part in (tmp_path / "a", tmp_path / "a" / "b", folder):
        assert stat.S_IMODE(part.stat().st_mode) == 0o700, part


@posix_only
def test_serve_warns_about_a_folder_others_can_list(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o755)
    warning = commands._prepare_save_dir(folder)
    assert warning is not None
    assert "chmod 700" in warning
    folder.chmod(0o700)
    assert commands._prepare_save_dir(folder) is None


def test_serve_refuses_an_unwritable_folder_before_serving(
    unwritable: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: object, poll_interval: float = 0.5) -> None:
        raise KeyboardInterrupt  # should it get that far, stop at once

    monkeypatch.setattr(server._Server, "serve_forever", interrupted)
    result = runner.invoke(cli_app, ["serve", "rrss", "--port", "0", "--save", str(unwritable)])
    assert result.exit_code == 2, result.output
    assert "error[output-unwritable]" in result.output
    assert "http://" not in result.output


def test_a_saved_record_names_instrument_files_without_their_folder() -> None:
    """A saved self-assessment never holds an absolute path (it can hold a user name)."""
    from relscales.selfassess.outcome import score_answers, submission_record
    from relscales.selfassess.questionnaire import load_questionnaire

    q = load_questionnaire("rrss")
    answers = {question.key: 3.0 for question in q.questions}
    record = submission_record(q, answers, score_answers(q, answers), via="take")
    for entry in record["instruments"]:
        assert not entry["source"].startswith("/"), entry["source"]

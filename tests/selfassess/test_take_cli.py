"""`relscales take` and `relscales serve` from the command line.

The take flow runs under a real pseudo-terminal (pexpect), as a person would use it;
argument handling and refusals run in-process through typer's CliRunner.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relscales.cli import app
from relscales.selfassess import server

pexpect = pytest.importorskip("pexpect", reason="needs pexpect (pip install pexpect)")

ROOT = Path(__file__).resolve().parents[2]
OverlayWriter = Callable[..., Path]
runner = CliRunner()


def _spawn(args: list[str], cwd: Path) -> Any:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "100", "LINES": "40"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "relscales", "take", *args],
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 100),
    )


def test_take_in_a_terminal(tmp_path: Path) -> None:
    child = _spawn(["rrss"], tmp_path)
    child.expect_exact("There are 12 questions.")
    child.expect_exact("Question 1 of 12")
    child.expect_exact("> ")
    child.sendline("3")
    child.expect_exact("Question 2 of 12")
    child.expect_exact("> ")
    child.sendline("Often")
    child.expect_exact("In the past four weeks, how true is each statement for you?")  # stem
    child.expect_exact("Question 3 of 12")
    child.expect_exact("> ")
    child.sendline("b")  # a back step
    child.expect_exact("Question 2 of 12")
    child.expect_exact("4  Often   (your answer; Enter keeps it)")
    child.expect_exact("> ")
    child.sendline("")
    child.expect_exact("Question 3 of 12")
    child.expect_exact("> ")
    child.sendline("s")  # a skip
    for number in range(4, 13):
        child.expect_exact(f"Question {number} of 12")
        child.expect_exact("> ")
        child.sendline("2")
    child.expect_exact("That was the last question: 11 answered, 1 skipped (question 3).")
    child.expect_exact("> ")
    child.sendline("")
    child.expect_exact("QUESTIONNAIRE REPORT")
    child.expect_exact("Relationship Reassurance-Seeking Scale")
    child.expect_exact("Nothing was saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert os.listdir(tmp_path) == []  # nothing written without --save


def test_take_with_safety_flag_and_save(tmp_path: Path) -> None:
    child = _spawn(["risi", "--save", "me.html"], tmp_path)
    child.expect_exact("At the end your report is saved to me.html")
    # "1" to the first question (a first partner): recurrence, questions 4-6, is not asked
    for number in [1, 2, 3, *range(7, 98)]:
        child.expect_exact(f"Question {number} of 97")
        child.expect_exact("> ")
        child.sendline("5" if number == 97 else "1")
    child.expect_exact("> ")
    child.sendline("")
    child.expect_exact("Before your results, please read this.")
    child.expect_exact("National Domestic Violence Hotline: 1-800-799-7233")
    child.expect_exact("Press Enter to see your results.")
    child.sendline("")
    child.expect_exact("QUESTIONNAIRE REPORT")
    child.expect_exact("A reminder of what your answers raised")
    child.expect_exact("Saved your report to me.html.")
    child.expect_exact("The saved file holds your answers and your results.")
    child.expect_exact("could open it and read them.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert os.listdir(tmp_path) == ["me.html"]
    assert "National Domestic Violence Hotline" in (tmp_path / "me.html").read_text("utf-8")


def test_take_with_the_safety_questions_skipped(tmp_path: Path) -> None:
    child = _spawn(["risi"], tmp_path)
    child.expect_exact("The last questions ask about your safety.")  # instructions
    for number in range(1, 98):
        if number == 91:
            child.expect_exact("The next 7 questions ask about your safety with your partner.")
            child.expect_exact("You can skip any of them")
        child.expect_exact(f"Question {number} of 97")
        child.expect_exact("> ")
        # "2" to the first (a partner before this one), so every question is asked
        child.sendline("s" if number > 90 else "2" if number == 1 else "1")
    child.expect_exact("That was the last question: 90 answered, 7 skipped")
    child.expect_exact("> ")
    child.sendline("")
    child.expect_exact("Before your results, please read this.")
    child.expect_exact("Safety could not be checked: you skipped some of the questions about")
    child.expect_exact("National Domestic Violence Hotline: 1-800-799-7233")
    child.expect_exact("Local emergency services")
    child.expect_exact("Press Enter to see your results.")
    assert "QUESTIONNAIRE REPORT" not in child.before  # nothing of the report yet
    child.sendline("")
    child.expect_exact("QUESTIONNAIRE REPORT")
    child.expect_exact("A reminder (it is also at the top):")
    child.expect_exact("Safety could not be checked")
    child.expect_exact("Nothing was saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert os.listdir(tmp_path) == []


def test_take_quit_and_interrupt(tmp_path: Path) -> None:
    child = _spawn(["rrss"], tmp_path)
    child.expect_exact("> ")
    child.sendline("q")
    child.expect_exact("no report was made and nothing was saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    child = _spawn(["rrss"], tmp_path)
    child.expect_exact("> ")
    child.sendintr()
    child.expect_exact("Interrupted: nothing was saved.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert os.listdir(tmp_path) == []


def test_take_a_kept_version_and_does_not_apply(tmp_path: Path) -> None:
    result = runner.invoke(app, ["take", "risi@0.1.1"], input="q\n")
    assert result.exit_code == 0, result.output
    assert "Relationship Insecurity Sources Inventory (risi 0.1.1)" in result.output
    assert "Question 1 of 57" in result.output
    assert "type n for it" not in result.output  # 0.1.1 offers no "Does not apply"
    lines = "3\n3\n3\nn\n" + "2\n" * 8 + "\n"  # "Does not apply" on rr_rel4
    result = runner.invoke(app, ["take", "rrss", "--save", str(tmp_path / "me.json")], input=lines)
    assert result.exit_code == 0, result.output
    assert "  n  Does not apply" in result.output
    record = json.loads((tmp_path / "me.json").read_text("utf-8"))
    assert record["answers"]["rrss.rr_rel4"] == 9


def test_take_cli_in_process(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["take", "rrss", "--save", str(tmp_path / "me.json")], input="4\n" * 12 + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "Saved your report to" in result.output
    assert (tmp_path / "me.json").is_file()


def test_take_refuses_keys_only_instruments() -> None:
    result = runner.invoke(app, ["take", "ecr-r"])
    assert result.exit_code == 2
    assert "error[missing-item-text] 'ecr-r' ships without its item wording" in result.output
    assert "Questionnaires that can be taken:" in result.output
    assert (
        "  risi         Relationship Insecurity Sources Inventory (97 questions)" in result.output
    )
    assert "Traceback" not in result.output


def test_take_with_texts_and_language(write_overlay: OverlayWriter) -> None:
    overlay = write_overlay("ecr-r", "fr", prefix="Énoncé")
    result = runner.invoke(
        app, ["take", "ecr-r", "--texts", str(overlay), "--lang", "fr"], input="q\n"
    )
    assert result.exit_code == 0, result.output
    assert "Énoncé 1." in result.output
    listed = runner.invoke(
        app, ["take", "relationship-insecurity-battery", "--texts", str(overlay)]
    )
    assert listed.exit_code == 2
    assert "Questionnaires that can be taken with these --texts:" in listed.output
    assert "  ecr-r " in listed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["take", "nope"], "error[unknown-instrument]", id="unknown-id"),
        pytest.param(
            ["take", "rrss", "--save", "x.pdf"], "error[unsupported-format]", id="save-suffix"
        ),
        pytest.param(["serve", "ecr-r"], "error[missing-item-text]", id="serve-keys-only"),
        pytest.param(["serve", "nope"], "error[unknown-instrument]", id="serve-unknown"),
    ],
)
def test_cli_refusals(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output


def test_serve_cli_starts_and_stops(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def interrupted(self: object, poll_interval: float = 0.5) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(server._Server, "serve_forever", interrupted)
    result = runner.invoke(app, ["serve", "rrss", "--port", "0", "--save", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:" in result.output
    assert "Offering: rrss" in result.output
    assert "stopped" in result.output


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert "take" in result.output
    assert "serve" in result.output
    assert "--lang" in runner.invoke(app, ["take", "--help"]).output
    assert "--host" in runner.invoke(app, ["serve", "--help"]).output

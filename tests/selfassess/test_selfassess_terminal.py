"""`relscales take` in-process: the flow the terminal shows, driven by scripted lines."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from relscales.errors import OutputError
from relscales.selfassess import terminal
from relscales.selfassess.questionnaire import Questionnaire, load_questionnaire
from relscales.selfassess.terminal import HELP, run_take

OverlayWriter = Callable[..., Path]


def _run(q: Questionnaire, lines: list[str], **options: object) -> tuple[int, str, list[str]]:
    shown: list[str] = []
    prompts: list[str] = []
    feed = iter(lines)

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        try:
            line = next(feed)
        except StopIteration:
            raise EOFError from None
        shown.append(prompt + line)
        return line

    code = run_take(q, ask=ask, say=shown.append, width=80, **options)  # type: ignore[arg-type]
    return code, "\n".join(shown), prompts


SAFETY_RAISED = ["1"] * 91 + ["4"] + ["1"] * 5
"""Every RISI 0.2 question answered 1, but "A little true" or more on sf_control (92)."""


@pytest.fixture
def rrss() -> Questionnaire:
    return load_questionnaire("rrss")


def test_answers_back_skip_and_report(
    rrss: Questionnaire, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = ["3", "often", "b", "", "s", "b", "", *["2"] * 9, "b", "", ""]
    code, text, _ = _run(rrss, lines)
    assert code == 0
    assert text.index("Relationship Reassurance-Seeking Scale (rrss 0.2.0)") == 0
    assert "This questionnaire is experimental" in text
    assert "nothing is saved" in text
    assert "Question 1 of 12  [--------------------] 0%" in text
    assert "  4  Often   (your answer; Enter keeps it)" in text
    assert "(you skipped this question; Enter keeps it skipped)" in text
    assert "That was the last question: 11 answered, 1 skipped (question 3)." in text
    assert "QUESTIONNAIRE REPORT" in text
    assert text.rstrip().endswith("(.html, .md, .txt or .json).")
    assert "Nothing was saved." in text
    assert os.listdir(tmp_path) == []


def test_help_invalid_and_first_question(rrss: Questionnaire) -> None:
    code, text, _ = _run(rrss, ["?", "b", "", "7", "strongly", "q"])
    assert code == 0
    assert HELP in text
    assert "this is the first question" in text
    assert "no answer given; type a number from 1 to 5, or the words of an answer" in text
    assert "'7' is not one of the answers" in text
    assert text.count("Question 1 of 12") == 2  # shown again after the help
    assert text.rstrip().endswith("no report was made and nothing was saved.")
    assert "QUESTIONNAIRE REPORT" not in text


def test_end_of_input_stops_without_a_report(rrss: Questionnaire) -> None:
    code, text, _ = _run(rrss, ["1", "2"])
    assert code == 0
    assert "Stopped before the end" in text
    assert "QUESTIONNAIRE REPORT" not in text


def test_many_skipped_are_summarised(rrss: Questionnaire) -> None:
    code, text, _ = _run(load_questionnaire("risi"), ["s"] * 97 + ["q"])
    assert code == 0
    assert (
        "0 answered, 97 skipped (question 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 85 more)"
        in (" ".join(text.split()))
    )


@pytest.mark.parametrize(
    ("name", "check"),
    [
        pytest.param("me.html", "<!DOCTYPE html>", id="html"),
        pytest.param("me.md", "# ", id="md"),
        pytest.param("me.txt", "QUESTIONNAIRE REPORT", id="txt"),
        pytest.param("me.json", '"relscales_submission": 1', id="json"),
    ],
)
def test_save(rrss: Questionnaire, tmp_path: Path, name: str, check: str) -> None:
    target = tmp_path / name
    code, text, _ = _run(rrss, ["4"] * 12 + [""], save=target)
    assert code == 0
    assert f"At the end your report is saved to {target}" in " ".join(text.split())
    assert f"Saved your report to {target}." in " ".join(text.split())
    content = target.read_text("utf-8")
    assert check in content
    assert [p.name for p in tmp_path.iterdir()] == [name]
    if name.endswith(".json"):
        record = json.loads(content)
        assert record["via"] == "take"
        assert set(record["answers"].values()) == {4}


def test_bad_save_path_is_refused_before_any_question(rrss: Questionnaire, tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        _run(rrss, ["1"], save=tmp_path / "me.pdf")


def test_safety_first_and_last() -> None:
    q = load_questionnaire("risi")
    lines = [*SAFETY_RAISED, "", ""]
    code, text, prompts = _run(q, lines)
    assert code == 0
    assert "Press Enter to see your results. " in prompts
    first = text.index("Before your results, please read this.")
    report = text.index("QUESTIONNAIRE REPORT")
    reminder = text.index("A reminder of what your answers raised")
    assert first < report < reminder
    assert text.count("National Domestic Violence Hotline: 1-800-799-7233") >= 3


def test_safety_notice_survives_end_of_input() -> None:
    q = load_questionnaire("risi")
    code, text, _ = _run(q, [*SAFETY_RAISED, ""])
    assert code == 0
    assert "QUESTIONNAIRE REPORT" in text


def test_battery_sections_and_language_notice(write_overlay: OverlayWriter) -> None:
    texts = [write_overlay("ecr-r", instructions="Rate each statement."), write_overlay("rses")]
    q = load_questionnaire("relationship-insecurity-battery", texts=texts, language="de")
    answers = ["1"] * 97 + ["4"] * 36 + ["2"] * 10
    code, text, _ = _run(q, [*answers, ""])
    assert code == 0
    assert "== Relationship Insecurity Sources Inventory (97 questions) ==" in text
    assert "== Experiences in Close Relationships - Revised (36 questions) ==" in text
    assert "Rate each statement." in text
    assert "has no wording in 'de'; it is shown in 'en'." in text
    assert "There are 143 questions." in text
    assert "Question 143 of 143" in text
    assert "internal_combined" in text or "Internal pattern, combined" in text


def test_default_output_is_standard_output(
    rrss: Questionnaire, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = iter(["q"])
    assert run_take(rrss, ask=lambda prompt: next(feed)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Relationship Reassurance-Seeking Scale (rrss 0.2.0)\n")
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize("at", [0, 97], ids=["first-question", "safety-pause"])
def test_interrupt_writes_nothing(at: int, tmp_path: Path) -> None:
    q = load_questionnaire("risi")
    lines = iter([*SAFETY_RAISED, ""])
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        if len(asked) > at and (at == 0 or prompt.startswith("Press Enter")):
            raise KeyboardInterrupt
        return next(lines)

    shown: list[str] = []
    code = run_take(q, ask=ask, say=shown.append, save=tmp_path / "me.html", width=80)
    assert code == 130
    assert shown[-1] == "Interrupted: nothing was saved."
    assert list(tmp_path.iterdir()) == []


SAFETY_SKIPPED = ["1"] * 90 + ["s"] * 7
HOTLINE = "National Domestic Violence Hotline: 1-800-799-7233"


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(SAFETY_SKIPPED, id="all-skipped"),
        pytest.param(["1"] * 90 + ["s"] + ["1"] * 6, id="one-skipped"),
    ],
)
def test_safety_unchecked_is_said_before_the_report(answers: list[str]) -> None:
    q = load_questionnaire("risi")
    code, text, prompts = _run(q, [*answers, "", ""])
    assert code == 0
    assert "Press Enter to see your results. " in prompts  # on its own, before the report
    flat = _flat(text)
    unchecked = flat.index(
        "Safety could not be checked: you skipped some of the questions about your safety"
    )
    hotline = flat.index(HOTLINE)
    report = flat.index("QUESTIONNAIRE REPORT")
    assert flat.index("Before your results, please read this.") < unchecked < hotline < report
    assert "Local emergency services" in flat[unchecked:report]
    # and again where the terminal stops
    reminder = flat.index("A reminder (it is also at the top):")
    assert report < reminder < flat.rindex("Safety could not be checked")
    assert "Your safety comes first" not in flat[:report]  # nothing was raised


def test_safety_unchecked_resources_follow_the_locale() -> None:
    q = load_questionnaire("risi")
    code, text, _ = _run(q, [*SAFETY_SKIPPED, "", ""], locale="fr-FR")
    assert code == 0
    flat = _flat(text)
    before = flat[: flat.index("QUESTIONNAIRE REPORT")]
    assert "Safety could not be checked" in before
    assert "- Local emergency services" in before
    assert "1-800-799-7233" not in before


def test_no_safety_note_when_safety_was_answered(rrss: Questionnaire) -> None:
    q = load_questionnaire("risi")
    code, text, prompts = _run(q, ["1"] * 97 + [""])  # context notes raised, no alert
    assert code == 0
    assert "Safety could not be checked" not in text
    assert "Press Enter to see your results. " not in prompts
    assert "Before your results" not in text
    code, text, _ = _run(rrss, ["s"] * 12 + [""])  # nothing here screens for safety
    assert "Safety could not be checked" not in text


def test_the_safety_questions_are_introduced_as_safe_to_skip() -> None:
    q = load_questionnaire("risi")
    lines = ["1"] * 91 + ["b", "b", "", ""] + ["1"] * 6 + ["q"]
    code, text, _ = _run(q, lines)
    assert code == 0
    flat = _flat(text)
    # the instrument's own instructions come first; they announce the safety questions
    assert flat.index("The last questions ask about your safety.") < flat.index("Question 1 of 97")
    intro = flat.index("The next 7 questions ask about your safety with your partner.")
    assert flat.index("Question 90 of 97") < intro < flat.index("Question 91 of 97")
    note = flat[intro : flat.index("Question 91 of 97")]
    assert "Answer them only if it feels safe to do so. You can skip any of them" in note
    assert "your results will then say that safety could not be checked" in note
    assert "To skip, type s; to stop, type q: nothing is saved then." in note
    assert flat.count("The next 7 questions ask about your safety") == 1  # not again on back
    code, text, _ = _run(load_questionnaire("rrss"), ["q"])
    assert "about your safety" not in text


SOURCE_READING = re.compile(
    r"\b(internal|relational|both|neither|indeterminate|safety-first)\b", re.IGNORECASE
)


def test_safety_first_shell_shows_no_source_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terminal, "render_report", lambda *args, **kwargs: "<<THE REPORT>>")
    q = load_questionnaire("risi")
    code, text, _ = _run(q, [*SAFETY_RAISED, "", ""])
    assert code == 0
    shell = text[text.index("That was the last question") :].replace("<<THE REPORT>>", "")
    assert SOURCE_READING.search(shell) is None
    assert "insecurity_source" not in shell
    flat = _flat(shell)
    assert flat.index("Before your results, please read this.") < flat.index(HOTLINE)
    full = _flat(text)
    assert full.index(HOTLINE) < full.index("<<THE REPORT>>")
    # no invitation to keep a report; a word about the scrollback instead
    assert "--save" not in flat
    assert "Other people who use this computer could scroll back through this window" in flat
    assert "close it when you are done" in flat


def test_save_says_what_the_file_holds(rrss: Questionnaire, tmp_path: Path) -> None:
    target = tmp_path / "me.json"
    code, text, _ = _run(rrss, ["4"] * 12 + [""], save=target)
    assert code == 0
    flat = _flat(text)
    note = (
        "The saved file holds your answers and your results. Anyone who can use this "
        "computer, or reach its files, could open it and read them."
    )
    assert f"At the end your report is saved to {target} on this computer. {note}" in flat
    assert f"Saved your report to {target}. {note}" in flat
    assert flat.index("Question 1 of 12") < flat.index(f"Saved your report to {target}")


def test_stems_come_before_their_questions_and_again_when_they_change(
    rrss: Questionnaire,
) -> None:
    often = "In the past four weeks, how often did you do this?"
    true = "In the past four weeks, how true is each statement for you?"
    code, text, _ = _run(rrss, ["3", "4", "b", "", "q"])
    assert code == 0
    flat = _flat(text)
    assert flat.index(often) < flat.index("Question 1 of 12")
    assert flat.count(often) == 2  # once for questions 1-2, again on going back to 2
    assert flat.index("Question 2 of 12") < flat.index(true) < flat.index("Question 3 of 12")
    assert flat.index(f"{often} Question 2 of 12") > flat.index("Question 3 of 12")


def test_context_questions_come_first_without_a_repeated_stem() -> None:
    code, text, _ = _run(load_questionnaire("risi"), ["2", "3", "3", "q"])
    assert code == 0
    flat = _flat(text)
    asked = "Have you had a partner before this one?"
    assert flat.count(asked) == 1  # the stem is the question: not said twice
    assert flat.index("Question 1 of 97") < flat.index(asked)
    assert "1 No, this is my first partner" in flat
    past = "Across your past relationships, how true is each statement for you?"
    assert flat.index("Question 3 of 97") < flat.index(past) < flat.index("Question 4 of 97")


def test_does_not_apply_in_the_terminal(rrss: Questionnaire, tmp_path: Path) -> None:
    target = tmp_path / "me.json"
    lines = ["3", "3", "3", "9", "n", "na", "2", "2", "2", "does not apply", "N", "3", "4", ""]
    code, text, _ = _run(rrss, lines, save=target)
    assert code == 0
    flat = _flat(text)
    assert 'Where a question offers "Does not apply", type n for it.' in flat
    assert "5 Completely true n Does not apply > 9" in flat  # "n", never a number
    assert "'9' is not one of the answers; type a number from 1 to 5, n for 'Does not apply'" in (
        flat
    )
    assert HELP.count("Does not apply") == 1
    record = json.loads(target.read_text("utf-8"))
    answers = record["answers"]
    assert answers["rrss.rr_rel4"] == 9  # stored as the scale's code
    assert answers["rrss.rr_rel5"] == 9
    assert answers["rrss.rr_esc6"] == 9
    assert answers["rrss.rr_fat4"] == 9
    assert answers["rrss.rr_fat5"] == 3
    assert record["scores"]["fading_relief_n_not_applicable"] == 2
    assert "1 of 3 items answered; 2 did not apply to you" in flat  # in the report
    no_na = load_questionnaire("risi@0.1.1")
    code, text, _ = _run(no_na, ["q"])
    assert "type n for it" not in text

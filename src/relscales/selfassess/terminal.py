"""``relscales take``: a questionnaire in the terminal, one question at a time.

Plain ``input()`` and standard output, so it works in any terminal, over SSH, with a
screen reader and under a pseudo-terminal in tests. The flow is a
:class:`~relscales.selfassess.session.Session`; this module only shows it. Nothing is
written unless ``save`` is given, and then only after the report was shown (the path is
checked before the first question).

Every line goes out through :func:`relscales.textsafe.printable`: item wording, labels,
overlays and the report come from files, and a control character in them (an escape
sequence that retitles the terminal, writes the clipboard or repaints the question) is
shown as an escape, never sent to the terminal.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from relscales.selfassess.outcome import (
    SAFETY_UNCHECKED,
    SAVED_FILE_NOTE,
    SafetyCheck,
    mark_saved,
    render_report,
    safety_check,
    save_format,
    score_answers,
    submission_record,
)
from relscales.selfassess.questionnaire import Question, Questionnaire, safety_intro
from relscales.selfassess.session import Session
from relscales.textsafe import printable

__all__ = ["HELP", "run_take", "save_result"]

HELP = """\
Type the number of an answer (for example 3) or its words (for example "mostly true",
or just the start of them), then press Enter.
  n         "Does not apply", on the questions that offer it
  b, back   go back to the previous question (your answers are kept)
  s, skip   leave this question unanswered and go on
  q, quit   stop now: no report, nothing saved
  Enter     keep the answer you gave before (after going back)
  ?, help   show this help"""

STATUS_NOTES = {
    "experimental": "This questionnaire is experimental: it is not yet validated. Read the "
    "results as a reading aid, not as a measurement.",
    "provisional": "This questionnaire is provisionally validated: some evidence supports it, "
    "more is being gathered.",
}


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _width() -> int:
    return max(40, min(shutil.get_terminal_size((80, 24)).columns, 100) - 2)


class _View:
    """Formats what the terminal shows; every line it shows is :func:`printable`."""

    def __init__(self, say: Callable[[str], None], width: int) -> None:
        self._say = say
        self.width = width

    def say(self, text: str) -> None:
        """Show ``text`` (lines and tabs kept, every other control escaped)."""
        self._say(printable(text, keep="\n\t"))

    def para(self, text: str, indent: str = "") -> None:
        self.say(
            textwrap.fill(
                printable(" ".join(text.split())),
                self.width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )

    def stem(self, stem: str) -> None:
        """Show the question a group of items answers (its time frame)."""
        self.say("")
        self.para(stem)

    def question(self, session: Session, question: Question) -> None:
        progress = session.progress()
        self.say("")
        self.say(
            f"Question {progress.describe()}  {progress.bar()} {round(progress.fraction * 100)}%"
        )
        self.para(question.text)
        given = session.answer_of(question.key)
        code_width = max(len(c.code) for c in question.choices)
        for choice in question.choices:
            mark = "   (your answer; Enter keeps it)" if given == choice else ""
            label = printable(choice.label or "")  # one line: a line break is shown as \n
            self.say(f"  {choice.code.rjust(code_width)}  {label}".rstrip() + mark)
        if session.was_skipped(question.key):
            self.say("  (you skipped this question; Enter keeps it skipped)")

    def review(self, session: Session) -> None:
        progress = session.progress()
        skipped = session.skipped()
        self.say("")
        line = f"That was the last question: {progress.answered} answered"
        if skipped:
            numbers = ", ".join(str(q.number) for q in skipped[:12])
            more = f" and {len(skipped) - 12} more" if len(skipped) > 12 else ""
            line += f", {len(skipped)} skipped (question {numbers}{more})"
        self.para(line + ".")
        self.para("Press Enter to see your report, b to go back, or q to quit without a report.")


def _own_text(question: Question) -> bool:
    """Tell whether the stem is the question's own text (a context question asks it)."""
    return " ".join((question.stem or "").split()) == " ".join(question.text.split())


def _intro(view: _View, questionnaire: Questionnaire, saving: Path | None) -> None:
    q = questionnaire
    view.say(f"{q.name} ({q.id} {q.version})")
    view.say("")
    note = STATUS_NOTES.get(q.status)
    if note:
        view.para(note)
    view.para(
        "Your results describe how things are for you now, not who you are, and they are "
        "not a diagnosis."
    )
    if saving is None:
        view.para("Your answers stay on this computer; nothing is saved.")
    else:
        view.para(
            f"At the end your report is saved to {saving} on this computer. {SAVED_FILE_NOTE}"
        )
    for notice in q.notices:
        view.para(notice)
    view.say("")
    view.para(f"There are {len(q.questions)} questions. Answer with the number or the words.")
    if any(question.offers_not_applicable for question in q.questions):
        view.para('Where a question offers "Does not apply", type n for it.')
    view.say("  b = back   s = skip   q = quit   ? = help")


def _section(view: _View, questionnaire: Questionnaire, index: int) -> None:
    section = questionnaire.sections[index]
    if questionnaire.kind == "battery":
        view.say("")
        view.say(f"== {section.name} ({section.count} questions) ==")
    if section.instructions:
        view.say("")
        view.para(section.instructions)


def _flags(view: _View, check: SafetyCheck, heading: str) -> None:
    """Show the raised flags with their resources, and say when safety was not checked."""
    rule = "*" * min(view.width, 78)
    view.say("")
    view.say(rule)
    view.para(heading)
    for flag in check.raised:
        view.say("")
        view.para(flag.message)
        for resource in flag.resources:
            view.say(f"  - {resource}")
    if check.unchecked:
        view.say("")
        view.para(SAFETY_UNCHECKED)
        for resource in check.unchecked_resources:
            view.say(f"  - {resource}")
    view.say(rule)


def save_result(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically; a new file is readable by its owner only.

    :func:`relscales.io.atomic.atomic_text` creates it ``0600`` without touching the
    process umask.
    """
    from relscales.io.atomic import atomic_text

    with atomic_text(path, private=True) as stream:
        stream.write(text)


def run_take(
    questionnaire: Questionnaire,
    *,
    save: Path | None = None,
    locale: str = "en-US",
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = _write,
    width: int | None = None,
) -> int:
    """Administer the questionnaire, then show the person report; return the exit code.

    Parameters
    ----------
    questionnaire
        What to ask.
    save
        Where to save the report (``.html``, ``.md``, ``.txt`` or ``.json``); nothing is
        written without it.
    locale
        Locale of the help resources shown with a safety or other flag.
    ask, say
        Read a line (raising :class:`EOFError` at the end of input) and show a line;
        ``input`` and standard output by default.
    width
        Wrap width (default: the terminal's, at most 100).

    Returns
    -------
    int
        0, whether the report was shown or the respondent quit; 130 after Ctrl-C.
    """
    fmt = save_format(save) if save is not None else None
    view = _View(say, width or _width())
    session = Session(questionnaire.questions)
    _intro(view, questionnaire, save)
    try:
        _ask_all(view, questionnaire, session, ask)
        if session.quit:
            view.say("")
            view.para("Stopped before the end: no report was made and nothing was saved.")
            return 0
        _finish(view, questionnaire, session, ask, save, fmt, locale)
    except KeyboardInterrupt:
        view.say("")
        view.para("Interrupted: nothing was saved.")
        return 130
    return 0


def _ask_all(
    view: _View, questionnaire: Questionnaire, session: Session, ask: Callable[[str], str]
) -> None:
    """Ask until the respondent is done or quits."""
    say = view.say
    shown: int | None = None
    sections_shown: set[int] = set()
    safety = questionnaire.safety_questions
    intro = safety_intro(questionnaire)
    intro_shown = False
    stem_shown: str | None = None
    while not session.finished:
        question = session.current
        if session.position != shown:
            if question is None:
                view.review(session)
            else:
                if question.section not in sections_shown:
                    sections_shown.add(question.section)
                    _section(view, questionnaire, question.section)
                    stem_shown = None
                if intro and not intro_shown and question == safety[0]:
                    intro_shown = True
                    view.say("")
                    view.para(intro + " To skip, type s; to stop, type q: nothing is saved then.")
                if question.stem != stem_shown:
                    if question.stem and not _own_text(question):
                        view.stem(question.stem)
                    stem_shown = question.stem
                view.question(session, question)
            shown = session.position
        try:
            line = ask("> ")
        except EOFError:
            say("")
            line = "q"
        step = session.submit(line)
        if step.kind in ("invalid", "at-start"):
            view.para(step.message, "  ")
        elif step.kind == "help":
            say(HELP)
            shown = None


def _finish(
    view: _View,
    questionnaire: Questionnaire,
    session: Session,
    ask: Callable[[str], str],
    save: Path | None,
    fmt: Literal["html", "md", "txt", "json"] | None,
    locale: str,
) -> None:
    """Score, show the flags and the report, and save when asked."""
    say = view.say
    answers = session.answers()
    result = score_answers(questionnaire, answers)
    check = safety_check(questionnaire, result, locale=locale)
    if check:  # before the report, and on its own: the report is long and scrolls
        _flags(view, check, "Before your results, please read this.")
        try:
            ask("Press Enter to see your results. ")
        except EOFError:
            say("")
    view.say("")
    say(render_report(questionnaire, result, "txt", locale=locale).rstrip("\n"))
    view.say("")
    if check:  # and again at the end, where the terminal stops
        heading = (
            "A reminder of what your answers raised (it is also at the top):"
            if check.raised
            else "A reminder (it is also at the top):"
        )
        _flags(view, check, heading)
    if save is None or fmt is None:
        if check.safety_first:
            # no invitation to keep a report: someone else may see it; and the scrollback
            view.para(
                "Nothing was saved. Other people who use this computer could scroll back "
                "through this window: close it when you are done."
            )
        else:
            view.para(
                "Nothing was saved. To keep a report, take the questionnaire with --save FILE "
                "(.html, .md, .txt or .json)."
            )
        return
    if fmt == "json":
        record = submission_record(questionnaire, answers, result, via="take")
        text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    else:
        text = mark_saved(render_report(questionnaire, result, fmt, locale=locale), fmt)
    save_result(save, text)
    view.para(f"Saved your report to {save}. {SAVED_FILE_NOTE}")

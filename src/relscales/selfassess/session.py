"""One sitting of a questionnaire, as a pure state machine (no input, no output).

A :class:`Session` walks the questions in order. Each line the respondent types goes to
:meth:`Session.submit`, which answers the current question (by its number or its
label), or runs a command: ``b`` back, ``s`` skip, ``q`` quit, ``?`` help; an empty
line keeps what was done before (an answer, or a skip). After the last question the
session waits for a last confirmation (an empty line) before it is done, so the
respondent can still go back. The terminal flow (:mod:`~relscales.selfassess.terminal`)
only prints what the session says; tests drive the session directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from relscales.labels import foreign_digits, normalize_label, plain_number
from relscales.selfassess.questionnaire import Choice, Question

__all__ = ["COMMANDS", "AnswerError", "Progress", "Session", "Step", "parse_answer"]

COMMANDS: dict[str, Literal["back", "skip", "quit", "help"]] = {
    "b": "back",
    "back": "back",
    "s": "skip",
    "skip": "skip",
    "q": "quit",
    "quit": "quit",
    "?": "help",
    "h": "help",
    "help": "help",
}
"""What a typed command means (case-insensitive)."""

StepKind = Literal[
    "answered", "kept", "skipped", "back", "at-start", "help", "invalid", "quit", "done"
]


class AnswerError(ValueError):
    """A typed answer that is not one of the question's answers; ``str()`` says why."""


NOT_APPLICABLE_WORDS = frozenset({"na", "n/a"})
"""Typed words that also mean "Does not apply" (besides ``n`` and the answer's label)."""


def _choices_hint(choices: Sequence[Choice]) -> str:
    scale = [c for c in choices if not c.not_applicable]
    values = [c.value for c in scale]
    contiguous = (
        bool(values)
        and all(float(v).is_integer() for v in values)
        and values == [values[0] + i for i in range(len(values))]
    )
    if contiguous and len(values) > 2:
        numbers = f"a number from {scale[0].code} to {scale[-1].code}"
    else:
        numbers = "one of " + ", ".join(c.code for c in scale)
    extra = "".join(f", {c.code} for '{c.label}'" for c in choices if c.not_applicable)
    return f"type {numbers}{extra}" + (
        ", or the words of an answer" if any(c.label for c in choices) else ""
    )


def parse_answer(question: Question, text: str) -> Choice:
    """Read a typed answer: a response code, an answer's label, or the start of one.

    Labels match case- and space-insensitively. The start of a label (two characters
    or more) is enough when it fits one answer only. "Does not apply", where the
    question offers it, is ``n`` (or ``na``, ``n/a``, or its words); its number is not a
    point on the scale and is not accepted. A number is written with the digits 0 to 9
    (:func:`relscales.labels.plain_number`); one typed with other digits (``٣``, ``３``)
    is refused with a message that says so.

    Raises
    ------
    AnswerError
        When the text is not an answer of this question, or fits several.

    Examples
    --------
    >>> from relscales.selfassess.questionnaire import load_questionnaire
    >>> q = load_questionnaire("risi").question("risi.rs_oth4")
    >>> [parse_answer(q, t).code for t in ("4", " mostly TRUE ", "comp", "n", "does not")]
    ['4', '4', '5', 'n', 'n']
    >>> parse_answer(q, "n").value
    9.0
    """
    typed = text.strip()
    if not typed:
        raise AnswerError(f"no answer given; {_choices_hint(question.choices)}")
    folded = typed.casefold()
    not_applicable = [c for c in question.choices if c.not_applicable]
    for choice in not_applicable:
        if folded == choice.code.casefold():
            return choice
    if not_applicable and folded in NOT_APPLICABLE_WORDS:
        return not_applicable[0]
    number = plain_number(typed)  # digits 0-9 only: not "٣", "３", "0x3", "inf" or "1_0"
    if number is not None:
        for choice in question.choices:
            if choice.value == number and not choice.not_applicable:
                return choice
        raise AnswerError(f"'{typed}' is not one of the answers; {_choices_hint(question.choices)}")
    wanted = normalize_label(typed)
    labelled = [c for c in question.choices if c.label]
    for choice in labelled:
        if normalize_label(choice.label or "") == wanted:
            return choice
    starts = [c for c in labelled if normalize_label(c.label or "").startswith(wanted)]
    if len(starts) == 1 and len(wanted) >= 2:
        return starts[0]
    if len(starts) > 1:
        names = " or ".join(f"'{c.label}'" for c in starts)
        raise AnswerError(f"'{typed}' could be {names}; type more of it, or the number")
    if foreign_digits(typed):
        raise AnswerError(
            f"'{typed}' is written with digits other than 0-9: type the number with the "
            f"digits 0 to 9 ({_choices_hint(question.choices)})"
        )
    raise AnswerError(f"'{typed}' is not one of the answers; {_choices_hint(question.choices)}")


@dataclass(frozen=True, slots=True)
class Step:
    """What one submitted line did.

    ``kind`` is one of ``answered``, ``kept`` (an earlier answer kept), ``skipped``,
    ``back``, ``at-start`` (back on the first question), ``help``, ``invalid`` (with a
    ``message`` saying why), ``quit`` and ``done``.
    """

    kind: StepKind
    message: str = ""


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the respondent is.

    Attributes
    ----------
    position
        0-based index of the current question (``total`` once past the last one).
    total
        Number of questions.
    answered, skipped
        Questions answered and skipped so far.
    """

    position: int
    total: int
    answered: int
    skipped: int

    @property
    def fraction(self) -> float:
        """Share of questions dealt with (answered or skipped), 0 to 1."""
        return (self.answered + self.skipped) / self.total if self.total else 1.0

    def bar(self, width: int = 20) -> str:
        """Return a text progress bar, ``[#####---------------]``, of answered or skipped."""
        filled = round(self.fraction * width)
        return "[" + "#" * filled + "-" * (width - filled) + "]"

    def describe(self) -> str:
        """Return ``"12 of 57"`` style text for the current question."""
        current = min(self.position + 1, self.total)
        return f"{current} of {self.total}"


class Session:
    """One respondent answering a questionnaire's questions in order.

    Parameters
    ----------
    questions
        The questions, in administration order (at least one).

    Examples
    --------
    >>> from relscales.selfassess.questionnaire import load_questionnaire
    >>> session = Session(load_questionnaire("rrss").questions)
    >>> [session.submit(t).kind for t in ("4", "s", "b", "", "7", "q")]
    ['answered', 'skipped', 'back', 'kept', 'invalid', 'quit']
    """

    def __init__(self, questions: Sequence[Question]) -> None:
        if not questions:
            raise ValueError("a session needs at least one question")
        self.questions = tuple(questions)
        self.position = 0
        self._answers: dict[str, Choice | None] = {}
        self.done = False
        self.quit = False

    # -- state -------------------------------------------------------------------------

    @property
    def current(self) -> Question | None:
        """The question being asked, or ``None`` at the final confirmation."""
        if self.position < len(self.questions):
            return self.questions[self.position]
        return None

    @property
    def reviewing(self) -> bool:
        """Past the last question, waiting for the respondent to confirm."""
        return self.current is None and not self.done and not self.quit

    @property
    def finished(self) -> bool:
        """Done or quit: no more input is taken."""
        return self.done or self.quit

    def answer_of(self, key: str) -> Choice | None:
        """Return the answer given to a question (``None`` when skipped or not reached)."""
        return self._answers.get(key)

    def was_skipped(self, key: str) -> bool:
        """Tell whether the question was skipped (and not answered since)."""
        return key in self._answers and self._answers[key] is None

    def progress(self) -> Progress:
        """Where the respondent is, with counts of answered and skipped questions."""
        answered = sum(choice is not None for choice in self._answers.values())
        return Progress(
            position=self.position,
            total=len(self.questions),
            answered=answered,
            skipped=len(self._answers) - answered,
        )

    def applies(self, question: Question) -> bool:
        """Tell whether a question is asked, given the context answers so far.

        A question with ``asked_when`` is not asked once its context question was answered
        with another code; while that question is unanswered or skipped, it is asked.
        """
        if question.asked_when is None:
            return True
        key, codes = question.asked_when
        context = self._answers.get(key)
        return context is None or context.value in codes

    def answers(self) -> dict[str, float | None]:
        """Question key -> the answer's code (``None``: skipped, never reached, or not asked)."""
        return {
            q.key: (
                choice.value if (choice := self._answers.get(q.key)) and self.applies(q) else None
            )
            for q in self.questions
        }

    def skipped(self) -> list[Question]:
        """Return the questions skipped so far, in order."""
        return [
            q for q in self.questions if q.key in self._answers and self._answers[q.key] is None
        ]

    # -- moves ---------------------------------------------------------------------------

    def submit(self, line: str) -> Step:
        """Handle one typed line: a command, an answer, or an empty line."""
        if self.finished:
            return Step("invalid", "the session is over")
        typed = line.strip()
        command = COMMANDS.get(typed.casefold())
        if command == "back":
            return self.back()
        if command == "skip":
            return self.skip()
        if command == "quit":
            return self.stop()
        if command == "help":
            return Step("help")
        question = self.current
        if question is None:
            if not typed:
                self.done = True
                return Step("done")
            return Step("invalid", "press Enter to see your report, b to go back, q to quit")
        if not typed:
            if question.key in self._answers:  # answered or skipped before: keep it
                self._forward()
                return Step("kept")
            return Step("invalid", f"no answer given; {_choices_hint(question.choices)}")
        return self.answer(typed)

    def answer(self, text: str) -> Step:
        """Answer the current question and move on; ``invalid`` when the text is no answer."""
        question = self.current
        if question is None:
            return Step("invalid", "there is no question to answer")
        try:
            choice = parse_answer(question, text)
        except AnswerError as exc:
            return Step("invalid", str(exc))
        self._answers[question.key] = choice
        self._forward()
        return Step("answered")

    def skip(self) -> Step:
        """Leave the current question unanswered (clearing an earlier answer) and move on."""
        question = self.current
        if question is None:
            return Step("invalid", "there is no question to skip")
        self._answers[question.key] = None
        self._forward()
        return Step("skipped")

    def back(self) -> Step:
        """Return to the previous question; its answer stays until changed."""
        earlier = [i for i in range(self.position) if self.applies(self.questions[i])]
        if not earlier:
            return Step("at-start", "this is the first question")
        self.position = earlier[-1]
        return Step("back")

    def _forward(self) -> None:
        """Move to the next question that is asked in the respondent's context."""
        self.position += 1
        while self.position < len(self.questions) and not self.applies(
            self.questions[self.position]
        ):
            self.position += 1

    def stop(self) -> Step:
        """End the sitting without a report."""
        self.quit = True
        return Step("quit")

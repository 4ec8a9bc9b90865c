"""The sitting as a state machine: answers by number or label, back, skip, quit, progress."""

from __future__ import annotations

import pytest

from relscales.selfassess.questionnaire import Choice, Question, load_questionnaire
from relscales.selfassess.session import AnswerError, Progress, Session, parse_answer


def _question(values: list[float], labels: dict[float, str], key: str = "x.q1") -> Question:
    choices = tuple(
        Choice(float(v), str(int(v)) if float(v).is_integer() else f"{v:g}", labels.get(v))
        for v in values
    )
    return Question(key, "x", key.split(".")[1], key.split(".")[1], 1, "Text?", choices, 0)


TRUE5 = _question(
    [1, 2, 3, 4, 5],
    {
        1: "Not at all true",
        2: "A little true",
        3: "Somewhat true",
        4: "Mostly true",
        5: "Completely true",
    },
)
AGREE7 = _question(
    [1, 2, 3, 4, 5, 6, 7], {1: "Strongly disagree", 4: "Neutral", 7: "Strongly agree"}
)
ZERO3 = _question(
    [0, 1, 2, 3], {0: "Strongly disagree", 1: "Disagree", 2: "Agree", 3: "Strongly agree"}
)
ODD = _question([-2, 0, 2.5], {})
TRUE5NA = Question(
    "x.q2",
    "x",
    "q2",
    "q2",
    2,
    "Text?",
    (*TRUE5.choices, Choice(9.0, "n", "Does not apply", not_applicable=True)),
    0,
)


@pytest.mark.parametrize(
    ("question", "typed", "code"),
    [
        pytest.param(TRUE5, "3", "3", id="code"),
        pytest.param(TRUE5, " 4.0 ", "4", id="code-as-float"),
        pytest.param(TRUE5, "Mostly true", "4", id="label"),
        pytest.param(TRUE5, "  completely   TRUE ", "5", id="label-case-and-spaces"),
        pytest.param(TRUE5, "not", "1", id="unique-prefix"),
        pytest.param(AGREE7, "5", "5", id="unlabelled-value"),
        pytest.param(AGREE7, "neutral", "4", id="partly-labelled-scale"),
        pytest.param(ZERO3, "0", "0", id="zero-code"),
        pytest.param(ZERO3, "disagree", "1", id="exact-label-beats-prefix"),
        pytest.param(ODD, "2.5", "2.5", id="decimal-code"),
        pytest.param(ODD, "-2", "-2", id="negative-code"),
        pytest.param(TRUE5NA, "n", "n", id="not-applicable-key"),
        pytest.param(TRUE5NA, "N", "n", id="not-applicable-key-upper"),
        pytest.param(TRUE5NA, "n/a", "n", id="not-applicable-n/a"),
        pytest.param(TRUE5NA, "NA", "n", id="not-applicable-na"),
        pytest.param(TRUE5NA, "does not apply", "n", id="not-applicable-label"),
        pytest.param(TRUE5NA, "does", "n", id="not-applicable-prefix"),
        pytest.param(TRUE5NA, "5", "5", id="scale-still-by-number"),
    ],
)
def test_parse_answer(question: Question, typed: str, code: str) -> None:
    assert parse_answer(question, typed).code == code


@pytest.mark.parametrize(
    ("question", "typed", "message"),
    [
        pytest.param(
            TRUE5, "", "no answer given; type a number from 1 to 5, or the words", id="empty"
        ),
        pytest.param(
            TRUE5, "6", "'6' is not one of the answers; type a number from 1 to 5", id="range"
        ),
        pytest.param(TRUE5, "3.5", "'3.5' is not one of the answers", id="between"),
        pytest.param(TRUE5, "maybe", "'maybe' is not one of the answers", id="unknown-word"),
        pytest.param(TRUE5, "m", "'m' is not one of the answers", id="one-letter-prefix"),
        pytest.param(
            AGREE7,
            "strongly",
            "'strongly' could be 'Strongly disagree' or 'Strongly agree'",
            id="ambiguous",
        ),
        pytest.param(ODD, "1", "type one of -2, 0, 2.5", id="non-contiguous"),
        pytest.param(ODD, "yes", "type one of -2, 0, 2.5", id="no-labels"),
        pytest.param(
            TRUE5NA,
            "9",
            "'9' is not one of the answers; type a number from 1 to 5, n for 'Does not apply'",
            id="not-applicable-never-a-number",
        ),
        pytest.param(TRUE5, "n", "'n' is not one of the answers", id="not-offered"),
    ],
)
def test_parse_answer_refuses(question: Question, typed: str, message: str) -> None:
    with pytest.raises(AnswerError) as info:
        parse_answer(question, typed)
    assert message in str(info.value)
    if question is ODD:
        assert "words" not in str(info.value)


def _session(n: int = 3) -> Session:
    return Session(
        [
            Question(f"x.q{i}", "x", f"q{i}", f"q{i}", i, f"Q{i}?", TRUE5.choices, 0)
            for i in range(1, n + 1)
        ]
    )


def test_needs_questions() -> None:
    with pytest.raises(ValueError, match="at least one question"):
        Session([])


@pytest.mark.parametrize(
    ("lines", "kinds", "answers", "position", "state"),
    [
        pytest.param(
            ["1", "2", "3", ""],
            ["answered", "answered", "answered", "done"],
            {"x.q1": 1, "x.q2": 2, "x.q3": 3},
            3,
            "done",
            id="straight-through",
        ),
        pytest.param(
            ["4", "b", "", "skip", "Completely true", ""],
            ["answered", "back", "kept", "skipped", "answered", "done"],
            {"x.q1": 4, "x.q2": None, "x.q3": 5},
            3,
            "done",
            id="back-keep-skip",
        ),
        pytest.param(
            ["4", "B", "2", "s", "s", "BACK", "BACK", "", "", ""],
            [
                "answered",
                "back",
                "answered",
                "skipped",
                "skipped",
                "back",
                "back",
                "kept",
                "kept",
                "done",
            ],
            {"x.q1": 2, "x.q2": None, "x.q3": None},
            3,
            "done",
            id="change-an-answer-enter-keeps-a-skip",
        ),
        pytest.param(
            ["b", "", "9", "?", "1", "q"],
            ["at-start", "invalid", "invalid", "help", "answered", "quit"],
            {"x.q1": 1, "x.q2": None, "x.q3": None},
            1,
            "quit",
            id="at-start-invalid-help-quit",
        ),
        pytest.param(
            ["1", "2", "3", "b", "b", "2", "", "zzz", "b", "q"],
            [
                "answered",
                "answered",
                "answered",
                "back",
                "back",
                "answered",
                "kept",
                "invalid",
                "back",
                "quit",
            ],
            {"x.q1": 1, "x.q2": 2, "x.q3": 3},
            2,
            "quit",
            id="review-then-back-then-quit",
        ),
    ],
)
def test_session_moves(
    lines: list[str],
    kinds: list[str],
    answers: dict[str, float | None],
    position: int,
    state: str,
) -> None:
    session = _session()
    assert [session.submit(line).kind for line in lines] == kinds
    assert session.answers() == answers
    assert session.position == position
    assert session.done is (state == "done")
    assert session.quit is (state == "quit")
    assert session.finished
    assert session.submit("1") == session.submit("1")
    assert session.submit("1").kind == "invalid"


def test_progress_and_review() -> None:
    session = _session()
    assert session.progress() == Progress(0, 3, 0, 0)
    assert session.progress().bar(10) == "[----------]"
    assert session.progress().describe() == "1 of 3"
    session.submit("1")
    session.submit("s")
    progress = session.progress()
    assert progress == Progress(2, 3, 1, 1)
    assert progress.fraction == pytest.approx(2 / 3)
    assert progress.bar(6) == "[####--]"
    assert [q.key for q in session.skipped()] == ["x.q2"]
    session.submit("5")
    assert session.current is None
    assert session.reviewing
    assert session.progress().describe() == "3 of 3"
    step = session.submit("7")
    assert step.kind == "invalid"
    assert "press Enter" in step.message
    assert session.answer_of("x.q3") == TRUE5.choices[4]
    assert session.answer_of("x.q2") is None
    assert session.submit("").kind == "done"
    assert not session.reviewing
    assert Progress(0, 0, 0, 0).fraction == 1.0


def test_direct_moves_past_the_end() -> None:
    session = _session(1)
    session.submit("1")
    assert session.answer("2").kind == "invalid"
    assert session.skip().kind == "invalid"
    assert session.answers() == {"x.q1": 1}


def test_skip_clears_an_earlier_answer() -> None:
    session = _session()
    session.submit("4")
    session.submit("b")
    assert session.submit("s").kind == "skipped"
    assert session.answers()["x.q1"] is None
    assert session.progress() == Progress(1, 3, 0, 1)


def test_invalid_step_says_what_to_type() -> None:
    session = _session()
    step = session.submit("")
    assert step.kind == "invalid"
    assert step.message == "no answer given; type a number from 1 to 5, or the words of an answer"


def test_real_instrument_session() -> None:
    q = load_questionnaire("rrss")
    session = Session(q.questions)
    for _ in q.questions:
        session.submit("3")
    assert session.submit("").kind == "done"
    assert set(session.answers().values()) == {3.0}


def test_does_not_apply_is_stored_as_the_scale_code() -> None:
    q = load_questionnaire("rrss")
    session = Session(q.questions)
    steps = [session.submit(line).kind for line in ("3", "n", "4", "n")]
    assert steps == ["answered", "invalid", "answered", "invalid"]  # rr_frq5, 6 have no "n"
    answers = session.answers()
    assert answers["rrss.rr_frq4"] == 3.0
    assert answers["rrss.rr_frq5"] == 4.0
    assert answers["rrss.rr_frq6"] is None  # not reached yet
    session.submit("2")  # rr_frq6
    assert session.submit("n").kind == "answered"  # rr_rel4 offers it
    assert session.answers()["rrss.rr_rel4"] == 9.0
    choice = session.answer_of("rrss.rr_rel4")
    assert choice is not None
    assert choice.not_applicable
    assert choice.describe() == "n Does not apply"


def test_recurrence_is_not_asked_in_a_first_relationship() -> None:
    """`applies_when` on recurrence: a first partner skips its questions, both ways."""
    q = load_questionnaire("risi")
    rec = [x for x in q.questions if x.item.startswith("ip_rec")]
    assert rec
    assert all(x.asked_when == ("risi.cx_past", (2.0, 3.0)) for x in rec)
    assert all(x.asked_when is None for x in q.questions if not x.item.startswith("ip_rec"))
    session = Session(q.questions)
    for typed in ("1", "4", "3"):  # first partner, together > 3 years, most days
        session.submit(typed)
    assert session.current is not None
    assert session.current.item == "ip_opp5"
    session.back()  # back goes to the last question asked, not to recurrence
    assert session.current is not None
    assert session.current.item == "cx_daily"


def test_changing_the_context_answer_brings_the_questions_back() -> None:
    q = load_questionnaire("risi")
    session = Session(q.questions)
    for typed in ("2", "4", "3", "4", "4", "2"):  # a past partner: recurrence answered
        session.submit(typed)
    assert session.answers()["risi.ip_rec4"] == 4.0
    for _ in range(6):
        session.back()
    assert session.current is not None
    assert session.current.item == "cx_past"
    session.submit("1")  # now: this is my first partner
    assert session.answers()["risi.ip_rec4"] is None  # kept answers no longer count
    session.back()
    session.submit("2")  # and back again: the earlier answers count again
    assert session.answers()["risi.ip_rec4"] == 4.0


def test_a_form_says_when_a_conditional_question_applies() -> None:
    q = load_questionnaire("risi")
    rec = next(x for x in q.questions if x.item == "ip_rec4")
    text = q.condition(rec)
    assert text is not None
    assert '"Yes, one" or "Yes, more than one"' in text
    assert '"Have you had a partner before this one?"' in text
    assert q.condition(q.questions[0]) is None

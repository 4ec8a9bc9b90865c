"""Scoring a sitting: the same numbers as `relscales score`, flags, reports, the JSON record."""

from __future__ import annotations

import csv
import json
import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest

import relscales
from relscales.errors import OutputError
from relscales.selfassess.outcome import (
    RESPONDENT,
    raised_flags,
    render_report,
    safety_check,
    save_format,
    score_answers,
    submission_record,
)
from relscales.selfassess.questionnaire import Questionnaire, load_questionnaire

OverlayWriter = Callable[..., Path]


def _random_answers(q: Questionnaire, seed: int, skip: float = 0.1) -> dict[str, float | None]:
    rng = random.Random(seed)
    return {
        question.key: None if rng.random() < skip else rng.choice(question.choices).value
        for question in q.questions
    }


def _as_csv(q: Questionnaire, answers: dict[str, float | None], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", *[question.column for question in q.questions]])
        writer.writerow(
            ["p1", *["" if answers[x.key] is None else answers[x.key] for x in q.questions]]
        )
    return path


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-12)
    return a == b


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_numbers_as_relscales_score(seed: int, tmp_path: Path) -> None:
    q = load_questionnaire("risi")
    answers = _random_answers(q, seed)
    mine = score_answers(q, answers)
    theirs = relscales.score("risi", _as_csv(q, answers, tmp_path / "one.csv"))
    shared = [c for c in theirs.columns if c != "id"]
    assert shared, "nothing to compare"
    for column in shared:
        assert _same(mine.columns[column][0], theirs.columns[column][0]), column
    assert mine.columns[RESPONDENT].tolist() == ["self-assessment"]


def test_same_numbers_for_a_battery(write_overlay: OverlayWriter, tmp_path: Path) -> None:
    texts = [write_overlay("ecr-r"), write_overlay("rses")]
    q = load_questionnaire("relationship-insecurity-battery", texts=texts)
    answers = _random_answers(q, 7, skip=0.05)
    mine = score_answers(q, answers)
    theirs = relscales.score(
        "relationship-insecurity-battery", _as_csv(q, answers, tmp_path / "one.csv")
    )
    for column in [c for c in theirs.columns if c != "id"]:
        assert _same(mine.columns[column][0], theirs.columns[column][0]), column
    assert "internal_combined" in mine.columns


def test_no_answers_at_all() -> None:
    q = load_questionnaire("rrss")
    result = score_answers(q, {})
    assert math.isnan(result.scores["total"][0])


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        pytest.param("r.html", "html", id="html"),
        pytest.param("r.HTM", "html", id="htm-upper"),
        pytest.param("r.md", "md", id="md"),
        pytest.param("r.txt", "txt", id="txt"),
        pytest.param("r.json", "json", id="json"),
    ],
)
def test_save_format(name: str, fmt: str, tmp_path: Path) -> None:
    assert save_format(tmp_path / name) == fmt


@pytest.mark.parametrize(
    ("name", "code"),
    [
        pytest.param("r.pdf", "unsupported-format", id="pdf"),
        pytest.param("report", "unsupported-format", id="no-suffix"),
        pytest.param("missing/r.html", "output-unwritable", id="no-folder"),
    ],
)
def test_save_format_refuses(name: str, code: str, tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        save_format(tmp_path / name)
    assert info.value.code == code


def _risi(safety: float) -> tuple[Questionnaire, dict[str, float | None]]:
    q = load_questionnaire("risi")
    answers: dict[str, float | None] = {x.key: 1.0 for x in q.questions}
    answers["risi.sf_threat"] = safety
    return q, answers


def test_flags_raised_with_resources_for_the_locale() -> None:
    q, answers = _risi(4)
    result = score_answers(q, answers)
    [flag] = raised_flags(q, result)
    assert (flag.instrument, flag.id, flag.name, flag.severity) == (
        "risi",
        "safety",
        "Safety concern",
        "urgent",
    )
    assert flag.message.startswith("Some of your answers say that you may not feel safe")
    assert flag.resources == (
        "National Domestic Violence Hotline: 1-800-799-7233",
        "Local emergency services",
    )
    [elsewhere] = raised_flags(q, result, locale="fr-FR")
    assert elsewhere.resources == ("Local emergency services",)
    q, answers = _risi(1)
    assert raised_flags(q, score_answers(q, answers)) == []


@pytest.mark.parametrize("fmt", ["txt", "md", "html"])
def test_report_formats(fmt: str) -> None:
    q, answers = _risi(3)
    text = render_report(q, score_answers(q, answers), fmt)  # type: ignore[arg-type]
    assert "Relationship Insecurity Sources Inventory" in text
    assert "National Domestic Violence Hotline" in text
    if fmt == "html":
        assert text.lstrip().lower().startswith("<!doctype html>")
        assert "<script" not in text.lower()


def test_submission_record() -> None:
    q, answers = _risi(2)
    answers["risi.cx_past"] = 3.0  # earlier partners: recurrence applies
    answers["risi.ip_rec4"] = None
    answers["risi.rs_oth4"] = 9.0  # "Does not apply": stored as the scale's code
    result = score_answers(q, answers)
    record = submission_record(q, answers, result, via="serve")
    assert record["relscales_submission"] == 1
    assert record["via"] == "serve"
    assert record["questionnaire"] == {
        "id": "risi",
        "kind": "instrument",
        "version": q.version,
        "validation_status": "experimental",
        "languages": {"risi": "en"},
    }
    assert record["instruments"][0]["content_hash"].startswith("sha256:")
    assert record["answers"]["risi.ip_rec4"] is None
    assert record["answers"]["risi.ip_rec5"] == 1
    assert isinstance(record["answers"]["risi.ip_rec5"], int)
    assert record["answers"]["risi.rs_oth4"] == 9
    assert record["scores"]["flag_safety"] is True
    assert RESPONDENT not in record["scores"]
    assert record["scores"]["recurrence"] == 3  # (1, and reversed 1 = 5) / 2; one skipped
    assert record["scores"]["others_concern_n_not_applicable"] == 1
    assert record["scores"]["others_concern_n_answered"] == 2
    text = json.dumps(record, allow_nan=False)
    assert "NaN" not in text


def test_every_score_has_an_interval() -> None:
    q = load_questionnaire("rrss")
    result = score_answers(q, {x.key: float(1 + n % 5) for n, x in enumerate(q.questions)})
    for name in result.scores:
        assert f"{name}.ci_low" in result.details, name
        assert f"{name}.ci_high" in result.details, name


def test_safety_flags_and_questions(write_overlay: OverlayWriter) -> None:
    risi = load_questionnaire("risi")
    assert risi.safety_flags == frozenset({("risi", "safety")})
    assert [x.item for x in risi.safety_questions] == [
        "sf_fear",
        "sf_control",
        "sf_money",
        "sf_isolate",
        "sf_threat",
        "sf_harm",
        "sf_sex",
    ]
    assert load_questionnaire("rrss").safety_flags == frozenset()
    texts = [write_overlay("ecr-r"), write_overlay("rses")]
    battery = load_questionnaire("relationship-insecurity-battery", texts=texts)
    assert battery.safety_flags == frozenset({("risi", "safety")})
    assert [x.number for x in battery.safety_questions] == list(range(91, 98))


@pytest.mark.parametrize(
    ("safety", "raised", "unchecked"),
    [
        pytest.param({"risi.sf_threat": 4.0}, ["safety"], [], id="raised"),
        pytest.param({"risi.sf_threat": 2.0, "risi.sf_fear": None}, ["safety"], [], id="raised-1"),
        pytest.param({}, [], [], id="not-raised"),
        pytest.param({"risi.sf_fear": None}, [], ["safety"], id="one-skipped"),
        pytest.param(
            dict.fromkeys(["risi.sf_fear", "risi.sf_control", "risi.sf_money"], None)
            | dict.fromkeys(["risi.sf_isolate", "risi.sf_threat", "risi.sf_harm"], None)
            | {"risi.sf_sex": None},
            [],
            ["safety"],
            id="all-skipped",
        ),
    ],
)
def test_safety_check(
    safety: dict[str, float | None], raised: list[str], unchecked: list[str]
) -> None:
    q, answers = _risi(1)
    check = safety_check(q, score_answers(q, {**answers, **safety}))
    assert [f.id for f in check.raised] == raised
    assert [f.id for f in check.unchecked] == unchecked
    assert check.safety_first is bool(raised)
    assert bool(check) is bool(raised or unchecked)
    assert all(f.safety for f in (*check.raised, *check.unchecked))
    if unchecked:
        assert check.unchecked[0].state == "unknown"
        assert check.unchecked_resources == (
            "National Domestic Violence Hotline: 1-800-799-7233",
            "Local emergency services",
        )


def test_unchecked_safety_resources_follow_the_locale() -> None:
    q, answers = _risi(1)
    result = score_answers(q, {**answers, "risi.sf_harm": None})
    assert raised_flags(q, result) == []  # an unknown flag is not a raised one
    check = safety_check(q, result, locale="fr-FR")
    assert check.unchecked_resources == ("Local emergency services",)


FLAGGED = """\
relscales: 1
extends: rrss
id: rrss-flagged
version: 0.1.0
name: RRSS with a flag
flags:
  - id: often
    name: Asks very often
    when: {items: [rr_frq4, rr_frq5], at_least: 5}
    severity: concern
    message: {en: "You ask for reassurance very often."}
    resources:
      default:
        - {name: A counsellor}
"""


def test_a_flag_that_is_not_about_safety_is_never_unchecked(tmp_path: Path) -> None:
    path = tmp_path / "rrss-flagged.yaml"
    path.write_text(FLAGGED, "utf-8")
    q = load_questionnaire(str(path))
    assert q.safety_flags == frozenset()
    assert q.safety_questions == ()
    check = safety_check(q, score_answers(q, {}))  # its items unanswered: unknown
    assert not check
    check = safety_check(q, score_answers(q, {x.key: 5.0 for x in q.questions}))
    [flag] = check.raised
    assert (flag.id, flag.safety, flag.state) == ("often", False, "raised")
    assert not check.safety_first


def test_context_and_seek_help_flags_are_not_told_before_the_results() -> None:
    """A new relationship, a partner no longer around, worries for months: the report says
    these (with the reading, and under "When to seek professional help"), not the shell."""
    q, answers = _risi(1)  # cx_length 1 and cx_daily 1 raise both context flags
    answers["risi.sh_long"] = 5.0
    result = score_answers(q, answers)
    assert result.columns["flag_early_days"][0] is True
    assert result.columns["flag_help_persistent"][0] is True
    assert raised_flags(q, result) == []
    check = safety_check(q, result)
    assert not check
    text = " ".join(render_report(q, result, "txt").split())
    assert "YOUR SAFETY COMES FIRST" not in text
    assert "From your answers, these apply to you now: - Your worries about the relationship" in (
        text
    )
    assert "About your situation: You have been together for less than three months." in text


def test_does_not_apply_is_scored_like_relscales_score(tmp_path: Path) -> None:
    q, answers = _risi(1)
    answers |= {"risi.cx_past": 3.0, "risi.ip_rec4": 9.0, "risi.ip_rec5": 9.0}
    mine = score_answers(q, answers)
    theirs = relscales.score("risi", _as_csv(q, answers, tmp_path / "na.csv"))
    assert math.isnan(mine.scores["recurrence"][0])  # 1 answer left of 3 (2 needed)
    assert mine.n_not_applicable["recurrence"].tolist() == [2]
    assert theirs.n_not_applicable["recurrence"].tolist() == [2]
    assert mine.problems == ()  # "Does not apply" is not an invalid answer

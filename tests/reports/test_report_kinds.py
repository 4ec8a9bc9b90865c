"""Flag kinds, seek-help criteria, "Does not apply" answers and scores that do not apply.

What a person sees from RISI 0.2: alerts (kinds ``safety`` and ``other``, any ``urgent``
flag) come first; a ``context`` flag is a plain note with the reading; raised ``seek-help``
flags are listed under "When to seek professional help" unless safety is raised; every score
says how many of its questions did not apply, and a missing score or index part says why.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import relscales
from relscales.pipeline.report import score_for_report
from relscales.reports import wording
from relscales.reports.explain import explain_row
from relscales.reports.person import person_context
from relscales.reports.render import render_context, render_study_report
from relscales.reports.study import study_context
from relscales.reports.views import PersonReport

Clock = Callable[[], datetime.datetime]
RowBuilder = Callable[..., dict[str, Any]]
FORMATS = ("html", "md", "txt")
FIRST_PARTNER = 'it does not apply to you, since you answered "No, this is my first partner"'


def _messages() -> dict[str, str]:
    return {f.id: f.message["en"] for f in relscales.load_instrument("risi").spec.flags}


MESSAGES = _messages()


def context(data: dict[str, Any], clock: Clock, refs: tuple[str, ...] = ("risi",)) -> PersonReport:
    inp = score_for_report(list(refs), data)
    return person_context(inp.result, inp.compiled, 0, battery=inp.battery, clock=clock)


def rendered(report: PersonReport) -> dict[str, str]:
    return {fmt: " ".join(render_context(report, fmt=fmt).split()) for fmt in FORMATS}  # type: ignore[arg-type]


def _seek_help_part(text: str) -> tuple[str, str]:
    """The text before the seek-help heading, and from it on."""
    lowered = text.lower()
    at = max(
        lowered.rfind("when to seek professional help"), lowered.rfind("where to find support")
    )
    assert at > 0
    return text[:at], text[at:]


# -- seek-help criteria ---------------------------------------------------------------------


def test_raised_seek_help_flags_are_listed_in_their_section_not_as_alerts(
    risi_row: RowBuilder, clock: Clock
) -> None:
    report = context(risi_row(internal=4, signal=2, sh_long=4, sh_sleep=5), clock)
    assert report.raised_flags == ()  # nothing before the scores
    assert report.safety.state == "clear"
    kinds = {f.id: (f.kind, f.state) for f in report.flags}
    assert kinds["help_persistent"] == ("seek-help", "raised")
    assert kinds["help_sleep_health"] == ("seek-help", "raised")
    guidance = report.guidance
    assert guidance.seek_help_heading == "When to seek professional help"
    assert guidance.seek_help_lead == wording.SEEK_HELP_APPLIES
    assert guidance.seek_help_criteria == (
        MESSAGES["help_persistent"],
        MESSAGES["help_sleep_health"],
    )
    assert "Consider talking with a professional" in guidance.seek_help  # general text kept
    for fmt, text in rendered(report).items():
        before, section = _seek_help_part(text)
        assert wording.SAFETY_HEADING.lower() not in text.lower(), fmt
        assert MESSAGES["help_persistent"] not in before, fmt
        assert "From your answers, these apply to you now:" in section, fmt
        assert MESSAGES["help_persistent"] in section, fmt
        assert MESSAGES["help_sleep_health"] in section, fmt
        assert MESSAGES["help_regret"] not in text, fmt
        assert section.index(MESSAGES["help_sleep_health"]) < section.index(
            "Consider talking with a professional"
        ), fmt
    html = render_context(report, fmt="html")
    assert 'role="alert"' not in html
    assert '<ul class="seek-help-criteria">' in html


def test_no_criterion_raised_says_so_and_keeps_the_general_list(
    risi_row: RowBuilder, clock: Clock
) -> None:
    guidance = context(risi_row(), clock).guidance
    assert guidance.seek_help_lead == wording.SEEK_HELP_NONE
    assert guidance.seek_help_criteria == ()
    assert "the worry is persistent, drives things you later regret" in guidance.seek_help


def test_skipped_seek_help_items_give_the_general_text_only(
    risi_row: RowBuilder, clock: Clock
) -> None:
    skipped = dict.fromkeys(["sh_long", "sh_regret", "sh_sleep", "sh_body", "sh_ease"])
    report = context(risi_row(**skipped, sh_echo=None), clock)
    assert {f.state for f in report.flags if f.kind == "seek-help"} == {"unknown"}
    assert report.guidance.seek_help_lead is None
    assert report.guidance.seek_help_criteria == ()
    for fmt, text in rendered(report).items():
        assert "From your answers" not in text, fmt
        assert "cannot tell whether that concern applies" not in text, fmt  # no notice per flag
        assert "Consider talking with a professional" in text, fmt


def test_a_partly_skipped_section_lists_what_is_raised(risi_row: RowBuilder, clock: Clock) -> None:
    guidance = context(risi_row(sh_long=5, sh_regret=None), clock).guidance
    assert guidance.seek_help_lead == wording.SEEK_HELP_APPLIES
    assert guidance.seek_help_criteria == (MESSAGES["help_persistent"],)


def test_safety_governs_the_seek_help_section_and_the_advice(
    risi_row: RowBuilder, clock: Clock
) -> None:
    row = risi_row(internal=4, signal=1, sf_control=3, sh_long=5, sh_echo=4, cx_length=1)
    report = context(row, clock)
    assert [f.id for f in report.raised_flags] == ["safety"]  # the only alert
    assert report.safety.state == "raised"
    guidance = report.guidance
    assert guidance.seek_help_heading == "Where to find support"
    assert guidance.seek_help_lead is None
    assert guidance.seek_help_criteria == ()
    (reading,) = report.readings
    assert reading.safety_first
    assert reading.context_notes == ()  # no reading, so no context for one
    for fmt, text in rendered(report).items():
        lowered = text.lower()
        assert MESSAGES["help_persistent"] not in text, fmt
        assert MESSAGES["help_older_hurts"] not in text, fmt
        assert "from your answers, these apply" not in lowered, fmt
        assert MESSAGES["early_days"] not in text, fmt
        for tip in ("couples", "partner what you need", "pause rule", "check-in", "raise the"):
            assert tip not in lowered, (fmt, tip)
        assert "not your fault" in lowered, fmt
        assert "1-800-799-7233" in text, fmt
        assert "old pattern of yours" in lowered  # the scores are not an old pattern


def test_safety_unknown_still_lists_the_criteria_with_conditional_tips(
    risi_row: RowBuilder, clock: Clock
) -> None:
    report = context(risi_row(sf_harm=None, sh_regret=4), clock)
    assert report.safety.state == "unknown"
    assert report.guidance.seek_help_criteria == (MESSAGES["help_regret"],)
    assert "only in a relationship where you feel safe" in report.guidance.seek_help


# -- context flags ----------------------------------------------------------------------------


def test_context_flags_are_plain_notes_with_the_reading(risi_row: RowBuilder, clock: Clock) -> None:
    report = context(risi_row(cx_length=1, cx_daily=1), clock)
    assert report.raised_flags == ()
    assert report.safety.heading is None
    (reading,) = report.readings
    assert reading.context_notes == (MESSAGES["early_days"], MESSAGES["apart"])
    assert report.instruments[0].context_notes == ()  # shown with the reading, once
    for fmt, text in rendered(report).items():
        assert text.count(MESSAGES["early_days"]) == 1, fmt
        plain = re.sub(r"<[^>]+>|\*", "", text)
        assert f"About your situation: {MESSAGES['apart']}" in plain, fmt
        reading_at = text.index("Where the insecurity seems to come from")
        scores_at = text.index("Reactions out of proportion")
        assert reading_at < text.index(MESSAGES["early_days"]) < scores_at, fmt
    html = render_context(report, fmt="html")
    assert '<p class="context-note">' in html
    assert 'role="alert"' not in html


CUSTOM = """\
relscales: 1
id: kinds
version: 1.0.0
name: Flag kinds test instrument
domain: other
citation: Test (2026).
license: {name: CC0, item_text: not-included}
validation: {status: experimental}
response_scales:
  often5:
    values: [1, 2, 3, 4, 5]
    labels: {1: Never, 5: Always, 9: Does not apply}
    not_applicable: [9]
  status:
    values: [1, 2, 3]
    labels: {1: In a relationship, 2: Recently separated, 3: Never had a partner}
items:
  - {id: rel, label: relationship status, scale: status, context: true}
  - {id: w1, label: worry one, scale: often5}
  - {id: w2, label: worry two, scale: often5}
  - {id: p1, label: checks one, scale: often5}
  - {id: p2, label: checks two, scale: often5}
subscales:
  - {id: worry, name: Worry, items: [w1, w2]}
  - id: checking
    name: Checking the partner
    items: [p1, p2]
    applies_when: {item: rel, in: [1, 2]}
flags:
  - id: calm
    name: Never worried
    when: {items: [w1, w2], at_most: 1}
    kind: other
    message: {en: "You said you never worry about these things."}
  - id: help
    when: {score: worry, at_least: 4}
    kind: seek-help
    message: {en: "You worry most of the time."}
  - id: ended
    when: {items: [rel], at_least: 2}
    kind: context
    message: {en: "You are not in a relationship now."}
"""


def test_kinds_of_an_instrument_without_readings(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "kinds.yaml"
    path.write_text(CUSTOM, encoding="utf-8")
    data = {"id": ["a", "b"], "rel": [3, 1], "w1": [1, 5], "w2": [9, 4], "p1": [2, 9], "p2": [2, 9]}
    inp = score_for_report([str(path)], data)
    first = person_context(inp.result, inp.compiled, 0, clock=clock)
    assert [f.id for f in first.raised_flags] == ["calm"]  # kind other: an alert
    (inst,) = first.instruments
    assert inst.readings == ()
    assert inst.context_notes == ("You are not in a relationship now.",)  # before its scores
    scores = {s.id: s for s in inst.scores}
    assert scores["worry"].answered_text == "1 of 2 items answered; 1 did not apply to you"
    checking = scores["checking"]
    assert checking.not_applicable
    assert checking.missing_reason == wording.context_reason("Never had a partner")
    assert checking.interval_text == (
        'missing: it does not apply to you, since you answered "Never had a partner"'
    )
    text = " ".join(render_context(first, fmt="txt").split())
    assert text.index("You said you never worry") < text.index("About your situation")
    assert 'Missing: it does not apply to you, since you answered "Never had a partner".' in text
    second = person_context(inp.result, inp.compiled, 1, clock=clock)
    assert second.raised_flags == ()
    assert second.guidance.seek_help_criteria == ("You worry most of the time.",)
    assert second.instruments[0].context_notes == ()
    checking = {s.id: s for s in second.instruments[0].scores}["checking"]
    assert checking.answered_text == "0 of 2 items answered; 2 did not apply to you"
    assert checking.interval_text == "missing: its questions did not apply to you"


# -- "Does not apply" on score lines ------------------------------------------------------------


def test_each_score_line_counts_the_questions_that_did_not_apply(
    risi_row: RowBuilder, clock: Clock
) -> None:
    report = context(risi_row(rs_oth4=9, rs_mon1=9), clock)
    scores = {s.id: s for s in report.instruments[0].scores}
    others = scores["others_concern"]
    assert others.value is not None
    assert (others.n_answered, others.n_items, others.n_not_applicable) == (2, 3, 1)
    assert others.answered_text == "2 of 3 items answered; 1 did not apply to you"
    assert scores["partner_control"].answered_text == (
        "4 of 5 items answered; 1 did not apply to you"
    )
    assert scores["dishonesty"].answered_text == "4 of 4 items answered"
    assert scores["safety"].n_not_applicable == 0
    assert scores["internal_pattern"].answered_text == ""  # a composite
    for fmt, text in rendered(report).items():
        assert "2 of 3 items answered; 1 did not apply to you" in text, fmt
        assert "4 of 5 items answered; 1 did not apply to you" in text, fmt


def test_a_facet_whose_questions_did_not_apply_says_so_everywhere(
    risi_row: RowBuilder, clock: Clock
) -> None:
    report = context(risi_row(rs_oth4=9, rs_oth5=9, rs_oth6=9), clock)
    scores = {s.id: s for s in report.instruments[0].scores}
    assert scores["others_concern"].interval_text == "missing: its questions did not apply to you"
    assert scores["relationship_signal"].interval_text == (
        "missing: it needs Trusted others' concern, which is missing"
    )
    (reading,) = report.readings
    assert "Trusted others' concern (its questions did not apply to you)" in reading.y.text
    one = context(risi_row(rs_oth4=9, rs_oth5=9), clock)
    few = {s.id: s for s in one.instruments[0].scores}["others_concern"]
    assert few.interval_text == "missing: too few of its questions applied to you"
    blank = context(risi_row(rs_oth4=9, rs_oth5=None, rs_oth6=None), clock)
    mixed = {s.id: s for s in blank.instruments[0].scores}["others_concern"]
    assert mixed.interval_text == "missing: too few items were answered (1 did not apply to you)"
    for fmt, text in rendered(report).items():
        assert "left blank" not in text, fmt
        assert "Missing: its questions did not apply to you." in text, fmt


# -- the reading's words fit the instrument's facets ---------------------------------------


def test_the_intro_names_the_facets_of_risi_0_2(risi_row: RowBuilder, clock: Clock) -> None:
    (reading,) = context(risi_row(internal=4, signal=2), clock).readings
    _, internal, signal = reading.intro
    for marker in (
        "threat read into a silence or a short message",
        "keeping an anxious watch on your partner's mood",
        "fear of being left or replaced",
        "suspicious thoughts about your partner",
        "reassurance that soothes only briefly",
    ):
        assert marker in internal, marker
    assert "can also be produced by a partner's behaviour" in internal
    assert "markers, not proof" in internal
    for marker in (
        "a partner who goes cold or is warm one day and cold the next",
        "betrayal or infidelity in this relationship",
        "a partner who monitors and controls you or is jealous of your friends",
        "put-downs and humiliation",
    ):
        assert marker in signal, marker
    assert "Each is judged on its own" in signal


def test_the_safety_first_note_names_the_markers_fear_raises(
    risi_row: RowBuilder, clock: Clock
) -> None:
    report = context(risi_row(internal=4, signal=1, sf_fear=2), clock)
    note = report.instruments[0].safety_note
    assert note is not None
    assert "keeping a close watch on your partner's mood" in note
    assert "reassurance that does not last" in note
    assert note.endswith("not an old pattern of yours.")
    old = wording.safety_first_scores(["recurrence", "fading_reassurance"])
    assert "mood" not in old  # only the markers of the instrument at hand


def test_risi_0_1_keeps_its_own_markers(clock: Clock) -> None:
    inst = relscales.load_instrument("risi@0.1.1")
    data = {"id": ["x"]} | {i.id: [1 if i.id.startswith("sf_") else 3] for i in inst.items}
    (reading,) = context(data, clock, refs=("risi@0.1.1",)).readings
    _, internal, signal = reading.intro
    assert "the same worries with different partners" in internal
    assert "mood" not in internal
    assert "put-downs" not in signal
    assert "can also be produced by a partner's behaviour" in internal


# -- explain ------------------------------------------------------------------------------------


def test_explain_shows_kinds_context_answers_and_not_applicable(
    risi_row: RowBuilder,
) -> None:
    row = risi_row(cx_past=1, cx_length=1, rs_oth4=9, sh_long=5)
    for item in ("ip_rec4", "ip_rec5", "ip_rec6"):
        row[item] = [9]
    inp = score_for_report(["risi"], row)
    text = explain_row(inp.result, list(inp.compiled), 0, level=0.95)
    alerts = text.split("Flags (read these first):")[1].split("\n\n")[0]
    assert "flag_safety: not raised" in alerts
    assert "help_persistent" not in alerts
    assert "early_days" not in alerts
    assert "Context notes (shown with the readings):" in text
    assert f"flag_early_days: raised: {MESSAGES['early_days']}" in text
    assert f"flag_help_persistent: raised: {MESSAGES['help_persistent']}" in text
    assert "risi/cx_past = 1 (No, this is my first partner)" in text
    assert (
        "recurrence = missing (0 items answered, 3 did not apply); not applicable: "
        "cx_past = 1 (No, this is my first partner)" in text
    )
    assert "others_concern = " in text
    assert "(2 items answered, 1 did not apply)" in text


# -- study report ------------------------------------------------------------------------------


def test_study_counts_not_applicable_answers_and_flags_by_kind(
    risi_row: RowBuilder, clock: Clock
) -> None:
    rows = [
        risi_row(cx_past=1, rs_oth4=9, sh_long=5),
        risi_row(rs_oth4=9, rs_oth5=9, cx_length=1),
        risi_row(sf_fear=3, sh_long=None),
    ]
    data = {key: [r[key][0] for r in rows] for key in rows[0]}
    data["id"] = ["a", "b", "c"]
    inp = score_for_report(["risi"], data)
    report = study_context(inp.result, inp.compiled, clock=clock, version="9.9.9")
    (inst,) = report.instruments
    dists = {d.id: d for d in inst.scores}
    assert dists["others_concern"].n_not_applicable == 3
    assert dists["recurrence"].n_ruled_out == 1
    assert dists["dishonesty"].n_not_applicable == 0
    assert inst.any_not_applicable
    flags = {f.id: (f.kind, f.n_raised, f.n_unknown) for f in inst.flags}
    assert flags["safety"] == ("safety", 1, 0)
    assert flags["help_persistent"] == ("seek-help", 1, 1)
    assert flags["early_days"] == ("context", 1, 0)
    md = render_study_report(inp.result, inp.compiled, fmt="md", clock=clock)
    assert '| "does not apply" answers | not applicable (respondents) |' in md
    assert "| The worry is persistent (help\\_persistent) | seek-help | 1 | 1 |" in md
    html = render_study_report(inp.result, inp.compiled, fmt="html", clock=clock)
    assert "<h3>Flags</h3>" in html


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_alerts_are_noticed_but_not_other_kinds(
    risi_row: RowBuilder, clock: Clock, fmt: str
) -> None:
    report = context(risi_row(sf_harm=None, sh_long=None, cx_length=None), clock)
    text = " ".join(render_context(report, fmt=fmt).split())  # type: ignore[arg-type]
    assert "safety could not be checked" in text.lower()
    assert "questions were left unanswered, so this report cannot tell" not in text

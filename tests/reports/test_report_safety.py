"""Safety governs the reading and the advice; readings say what they could and could not judge.

Respondents are built as columns from instruments/risi.yaml (RISI 0.2): every item answered at
a keyed level (1-5, reverse-keyed items mirrored), context questions answered "more than one
partner, more than three years, most days", seek-help items at "Not at all true", then the
items a case is about changed by hand. Tests of report mechanics on the battery data use the
kept RISI 0.1.1 (``battery_input``).
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import relscales
from relscales.pipeline.report import score_for_report
from relscales.reports import wording
from relscales.reports.explain import SOURCE_PERSON, explain_row
from relscales.reports.person import person_context
from relscales.reports.render import ReportInput, render_context
from relscales.reports.views import PersonReport

Clock = Callable[[], datetime.datetime]
FORMATS = ("html", "md", "txt")
SAFETY_ITEMS = ("sf_fear", "sf_control", "sf_money", "sf_isolate", "sf_threat", "sf_harm", "sf_sex")


CONTEXT = {"cx_past": 3, "cx_length": 4, "cx_daily": 3}
"""More than one partner before, together more than three years, most days."""


def risi_respondent(internal: int, signal: int, behaviour: int = 3) -> dict[str, Any]:
    """One RISI 0.2 respondent as a dict of columns: keyed levels per side, safety items at 1."""
    row: dict[str, Any] = {"id": ["r1"]}
    for item in relscales.load_instrument("risi").items:
        side = item.id.split("_")[0]
        if side in ("sf", "sh"):
            row[item.id] = [1]
            continue
        if side == "cx":
            row[item.id] = [CONTEXT[item.id]]
            continue
        keyed = {"ip": internal, "rs": signal, "bh": behaviour}[side]
        row[item.id] = [6 - keyed if item.reverse else keyed]
    return row


def coercive_control() -> dict[str, Any]:
    """Afraid of the partner, who controls daily life and money; fear that looks internal.

    The internal markers a partner can produce (fading reassurance, reactions that look out
    of proportion, worth tied to the relationship) are high, and the relationship-signal
    facets are minimised, which on its own would read ``internal``.
    """
    row = risi_respondent(internal=4, signal=1)
    for item in ("sf_fear", "sf_control", "sf_money"):
        row[item] = [4]
    return row


def context(data: dict[str, Any], clock: Clock, refs: tuple[str, ...] = ("risi",)) -> PersonReport:
    inp = score_for_report(list(refs), data)
    return person_context(inp.result, inp.compiled, 0, battery=inp.battery, clock=clock)


def rendered(report: PersonReport) -> dict[str, str]:
    return {fmt: render_context(report, fmt=fmt) for fmt in FORMATS}  # type: ignore[arg-type]


# -- safety raised ----------------------------------------------------------------------


def test_without_the_safety_items_the_same_answers_would_read_internal(clock: Clock) -> None:
    """The control case: it is the safety items, and nothing else, that change the reading."""
    row = coercive_control()
    for item in ("sf_fear", "sf_control", "sf_money"):
        row[item] = [1]
    (reading,) = context(row, clock).readings
    assert reading.label == "internal"


def test_coercive_control_reads_safety_first_in_every_format(clock: Clock) -> None:
    report = context(coercive_control(), clock)
    assert report.safety.state == "raised"
    assert report.safety.heading == wording.SAFETY_HEADING
    assert [f.id for f in report.safety.flags] == ["safety"]
    assert report.safety.resources_shown
    (reading,) = report.readings
    assert reading.label == "safety-first"
    assert reading.safety_first
    assert reading.chart == ""  # no map to read a region off
    assert reading.intro == ()
    assert reading.note is None
    assert reading.finding == wording.SAFETY_FIRST_READING
    assert reading.label_text == wording.SAFETY_FIRST_LABEL
    assert reading.x.text.endswith(wording.SAFETY_FIRST_AXIS)  # nothing read off the axes
    assert reading.y.text.endswith(wording.SAFETY_FIRST_AXIS)
    for fmt, text in rendered(report).items():
        lowered = " ".join(text.lower().split())
        assert "old alarm" not in lowered, fmt
        assert "couples therapy" not in lowered, fmt
        assert "tell your partner" not in lowered, fmt
        assert "pause rule" not in lowered, fmt
        assert "check-in" not in lowered, fmt
        assert "signal to take seriously" in lowered, fmt
        assert "not your fault" in lowered, fmt
        assert "browser history" in lowered, fmt
        assert "1-800-799-7233" in lowered, fmt
        assert lowered.index("your safety comes first") < lowered.index("browser history")
        for region in ("internal", "relational", "neither"):
            assert f"reading: {region}" not in lowered, (fmt, region)
        assert "which source stands out" not in lowered
        assert "more markers of a pattern you carry" not in lowered
        assert "judged facet by facet" not in lowered  # no axes shown
    html = rendered(report)["html"]
    assert 'class="reading safety-first"' in html
    assert 'class="chart chart-reading"' not in html
    assert "reading-body no-chart" in html


def test_safety_first_advice_fits_the_situation(clock: Clock) -> None:
    guidance = context(coercive_control(), clock).guidance
    assert guidance.what_helps_heading == "What can help now"
    assert guidance.seek_help_heading == "Where to find support"
    text = " ".join(guidance.what_helps) + " " + guidance.seek_help
    assert "not your fault" in text
    assert "listed at the top of this report" in text  # they are shown there
    assert "couples" not in text.lower()
    assert "partner what you need" not in text
    assert "Limit comparison" not in text


def test_battery_reading_is_safety_first_too_and_said_once(
    battery_input: ReportInput, clock: Clock
) -> None:
    report = person_context(
        battery_input.result, battery_input.compiled, 0, battery=battery_input.battery, clock=clock
    )
    risi, combined, attach = report.readings
    assert (risi.label, combined.label) == ("safety-first", "safety-first")
    assert risi.finding == wording.SAFETY_FIRST_READING
    assert combined.finding == wording.SAFETY_FIRST_AGAIN
    assert attach.label == "preoccupied"  # attachment is not governed by the flag
    assert attach.chart
    assert "couples therapy" not in report.guidance.seek_help
    assert not any("partner what you need" in s for s in report.guidance.what_helps)


# -- safety unknown ---------------------------------------------------------------------


@pytest.mark.parametrize("skipped", [SAFETY_ITEMS, ("sf_harm", "sf_sex")], ids=["all", "some"])
def test_skipped_safety_items_say_safety_could_not_be_checked(
    clock: Clock, skipped: tuple[str, ...]
) -> None:
    row = risi_respondent(internal=4, signal=1)
    for item in skipped:
        row[item] = [None]
    report = context(row, clock)
    assert report.safety.state == "unknown"
    assert report.safety.heading == wording.SAFETY_UNKNOWN_HEADING
    assert report.safety.privacy == wording.PRIVACY
    (reading,) = report.readings
    assert not reading.safety_first
    assert reading.notes == (wording.GATE_UNKNOWN,)
    if skipped == SAFETY_ITEMS:  # the safety screen is a marker: missing, it hides a signal
        assert reading.label != "internal"
    steps = report.guidance.what_helps
    assert not any(s.startswith("Tell your partner") for s in steps)
    assert any(s.startswith("In a relationship where you feel safe") for s in steps)
    assert "only in a relationship where you feel safe" in report.guidance.seek_help
    for fmt, text in rendered(report).items():
        lowered = " ".join(text.lower().split())
        assert "safety could not be checked" in lowered, fmt
        assert "could not check whether you are safe" in lowered, fmt
        assert "browser history" in lowered, fmt
        assert "local emergency services" in lowered, fmt


# -- internal readings --------------------------------------------------------------------


def test_internal_reading_never_dismisses_the_fear(clock: Clock) -> None:
    report = context(risi_respondent(internal=5, signal=1), clock)
    assert report.safety.state == "clear"
    (reading,) = report.readings
    assert reading.label == "internal"
    finding = reading.finding
    assert "old alarm" not in finding
    assert "does not mean that your feelings are imagined" in finding
    assert "produced by a partner's behaviour" in finding
    assert "you are experiencing" in finding
    assert "you are insecure" not in finding.lower()
    assert "judged facet by facet" in reading.y.text
    assert "Every one lies wholly below its cut" in reading.y.text
    for text in rendered(report).values():
        assert "old alarm" not in text


# -- recurrence not assessed ----------------------------------------------------------------


FIRST_PARTNER = 'it does not apply to you, since you answered "No, this is my first partner"'


def test_first_relationship_says_recurrence_was_not_assessed(clock: Clock) -> None:
    row = risi_respondent(internal=4, signal=1)
    row["cx_past"] = [1]  # "No, this is my first partner": recurrence does not apply
    for item in ("ip_rec4", "ip_rec5", "ip_rec6"):
        row[item] = [9]  # "Does not apply"
    report = context(row, clock)
    (reading,) = report.readings
    assert reading.x.value is not None  # the index rests on the other eight facets
    assert reading.x.not_assessed == ("Recurrence across partners",)
    assert reading.x.not_assessed_reasons == (FIRST_PARTNER,)
    assert f"Recurrence across partners could not be assessed ({FIRST_PARTNER})" in reading.x.text
    assert "left blank" not in reading.x.text
    assert "rests on the other facets" in reading.x.text
    assert reading.y.not_assessed == ()
    score = {s.id: s for s in report.instruments[0].scores}["recurrence"]
    assert score.value is None
    assert score.not_applicable
    assert score.answered_text == ""  # not "0 of 3 items answered"
    assert score.missing_reason == FIRST_PARTNER
    for fmt, text in rendered(report).items():
        flat = " ".join(text.split())
        assert "Recurrence across partners could not be assessed" in flat, fmt
        assert "No, this is my first partner" in flat, fmt  # the label keeps its case
        assert "too few items were answered" not in flat, fmt


def test_recurrence_left_blank_says_so(clock: Clock) -> None:
    row = risi_respondent(internal=4, signal=1)
    for item in ("ip_rec4", "ip_rec5", "ip_rec6"):
        row[item] = [None]
    (reading,) = context(row, clock).readings
    assert reading.x.not_assessed_reasons == (wording.LEFT_BLANK,)
    assert "its questions were left blank" in reading.x.text
    assert "first partner" not in reading.x.text


def test_optional_part_whose_questions_did_not_apply(clock: Clock) -> None:
    row = risi_respondent(internal=4, signal=1)
    for item in ("ip_fad4", "ip_fad5", "ip_fad6"):
        row[item] = [9]  # no comfort given or needed
    report = context(row, clock)
    (reading,) = report.readings
    assert reading.x.not_assessed == ("Reassurance that fades",)
    assert reading.x.not_assessed_reasons == (wording.DID_NOT_APPLY,)
    assert "Reassurance that fades could not be assessed (its questions did not apply" in (
        reading.x.text
    )
    score = {s.id: s for s in report.instruments[0].scores}["fading_reassurance"]
    assert (score.n_answered, score.n_not_applicable) == (0, 3)
    assert score.answered_text == "0 of 3 items answered; 3 did not apply to you"
    assert score.interval_text == "missing: its questions did not apply to you"


def test_two_missing_parts_each_say_why(clock: Clock) -> None:
    row = risi_respondent(internal=4, signal=1)
    row["cx_past"] = [1]
    for item in ("ip_fad4", "ip_fad5", "ip_fad6"):
        row[item] = [9]
    (reading,) = context(row, clock).readings
    assert reading.x.not_assessed_reasons == (FIRST_PARTNER, wording.DID_NOT_APPLY)
    assert (
        f"Recurrence across partners ({FIRST_PARTNER}) and Reassurance that fades (its "
        "questions did not apply to you) could not be assessed" in reading.x.text
    )


def test_recurrence_answered_says_nothing_about_it(clock: Clock) -> None:
    (reading,) = context(risi_respondent(internal=4, signal=1), clock).readings
    assert reading.x.not_assessed == ()
    assert "could not be assessed" not in reading.x.text


def test_the_battery_finds_the_missing_optional_part_through_its_composites(
    battery_csv: Path, tmp_path: Path, clock: Clock
) -> None:
    with battery_csv.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    for item in ("ip_rec1", "ip_rec2", "ip_rec3"):
        rows[1][item] = ""
    path = tmp_path / "first.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    inp = score_for_report(["relationship-insecurity-battery@0.1.1"], path)
    report = person_context(inp.result, inp.compiled, 1, battery=inp.battery, clock=clock)
    risi, combined, _ = report.readings
    assert risi.x.not_assessed == ("Recurrence across partners",)
    assert combined.x.not_assessed == ("Recurrence across partners",)
    assert combined.x.not_assessed_reasons == (wording.LEFT_BLANK,)
    assert "could not be assessed (its questions were left blank)" in combined.x.text


# -- rule any ---------------------------------------------------------------------------------


def test_one_clear_signal_is_named_on_the_relationship_side(clock: Clock) -> None:
    row = risi_respondent(internal=1, signal=1)
    for item in ("rs_dis5", "rs_dis6", "rs_dis7"):
        row[item] = [5]
    row["rs_dis8"] = [1]  # reverse-keyed
    report = context(row, clock)
    (reading,) = report.readings
    assert reading.label == "relational"
    levels = {m.score: m.level for m in reading.y.markers}
    assert levels["dishonesty"] == "high"
    assert all(level == "low" for score, level in levels.items() if score != "dishonesty")
    raised = reading.y.text.split("Raised")[1]
    assert "Dishonesty (interval" in raised
    assert "Feelings dismissed" not in raised
    assert "shown as a summary only" in reading.y.text
    marker = next(m for m in reading.y.markers if m.score == "dishonesty")
    assert marker.interval is not None
    assert marker.interval.low > 3


def test_markers_that_cannot_be_told_are_named(battery_input: ReportInput, clock: Clock) -> None:
    report = person_context(
        battery_input.result, battery_input.compiled, 5, battery=battery_input.battery, clock=clock
    )
    risi = report.readings[0]
    assert risi.y.level == "indeterminate"
    unclear = [m.name for m in risi.y.markers if m.level == "indeterminate"]
    assert unclear
    told = risi.y.text.split("Could not be told:")[1]
    assert all(name in told for name in unclear)


# -- attachment and advice by reading -------------------------------------------------------


def test_attachment_indeterminate_has_its_own_words(
    battery_input: ReportInput, clock: Clock
) -> None:
    assert "source" not in wording.ATTACHMENT_REGIONS["indeterminate"]
    report = person_context(
        battery_input.result, battery_input.compiled, 1, battery=battery_input.battery, clock=clock
    )
    attach = report.readings[-1]
    assert attach.label == "indeterminate"
    assert "source" not in attach.finding
    assert attach.qualifier is None  # "indeterminate", not "indeterminate (descriptive)"
    for fmt, text in rendered(report).items():
        assert "indeterminate (" not in text, fmt


@pytest.mark.parametrize("region", ["dismissing", "fearful"])
def test_avoidant_orientations_are_not_told_to_limit_comparison(region: str) -> None:
    steps = wording.what_helps([("attachment", region)], "clear", resources_shown=False)
    assert not any("comparison" in s for s in steps)
    preoccupied = wording.what_helps(
        [("attachment", "preoccupied")], "clear", resources_shown=False
    )
    assert any("Limit comparison" in s for s in preoccupied)


def test_advice_follows_the_readings(battery_input: ReportInput, clock: Clock) -> None:
    relational = person_context(
        battery_input.result, battery_input.compiled, 1, battery=battery_input.battery, clock=clock
    )
    steps = " ".join(relational.guidance.what_helps)
    assert "Take your doubts seriously" in steps
    assert "Limit comparison" not in steps
    assert relational.safety.state == "clear"
    assert "couples therapy" in relational.guidance.seek_help


# -- resources are pointed at only when shown -------------------------------------------------


def test_no_text_points_at_resources_that_are_not_shown(
    battery_input: ReportInput, ecr_input: ReportInput, clock: Clock
) -> None:
    for inp, row in ((battery_input, 1), (battery_input, 2), (ecr_input, 0)):
        report = person_context(inp.result, inp.compiled, row, battery=inp.battery, clock=clock)
        assert report.raised_flags == ()
        assert not report.safety.resources_shown
        for fmt, text in rendered(report).items():
            flat = " ".join(text.split())
            assert "at the top of this report" not in flat, (row, fmt)
            assert "resources listed" not in flat, (row, fmt)
    for state in ("raised", "unknown", "clear", "not screened"):
        texts = [
            *wording.what_helps([], state, resources_shown=False),  # type: ignore[arg-type]
            wording.seek_help(state, resources_shown=False),  # type: ignore[arg-type]
        ]
        assert not any("top of this report" in t for t in texts), state
    assert "below" not in wording.safety_unknown(False)


def test_an_instrument_without_a_safety_screen_keeps_partner_tips_conditional(
    ecr_input: ReportInput, clock: Clock
) -> None:
    report = person_context(ecr_input.result, ecr_input.compiled, 0, clock=clock)
    assert report.safety.state == "not screened"
    assert report.safety.heading is None
    assert "only in a relationship where you feel safe" in report.guidance.seek_help
    assert "safety could not be checked" not in render_context(report, fmt="txt").lower()


# -- experimental labels ------------------------------------------------------------------------


def test_experimental_readings_are_labelled_in_every_format(clock: Clock) -> None:
    report = context(risi_respondent(internal=5, signal=1), clock)
    (reading,) = report.readings
    assert reading.experimental
    assert reading.qualifier == "experimental, not yet validated; a description, not a diagnosis"
    for fmt, text in rendered(report).items():
        assert "Reading: internal" in text, fmt
        assert "experimental, not yet validated" in text, fmt


# -- explain ----------------------------------------------------------------------------------


def test_explain_prints_markers_intervals_and_the_gate(
    battery_input: ReportInput,
) -> None:
    result, compiled = battery_input.result, list(battery_input.compiled)
    first = explain_row(result, compiled, 0, level=0.95, battery=battery_input.battery)
    assert (
        first.count("safety-first: the safety flag is raised, so no source reading is given") == 2
    )
    assert "Where the insecurity seems to come from: safety-first (experimental" in first
    assert re.search(r"\.se\b|\bSE\b", first) is None  # intervals, not standard errors
    assert f"({SOURCE_PERSON})" in first
    second = explain_row(result, compiled, 1, level=0.95, battery=battery_input.battery)
    assert "safety-first" not in second
    assert "judged marker by marker" in second
    lines = second.splitlines()
    dishonesty = next(
        line for line in lines if line.strip().startswith("dishonesty ") and "cut" in line
    )
    assert "interval" in dishonesty
    assert dishonesty.endswith("-> high")
    assert any(line.strip().startswith("risi.dishonesty ") for line in lines)  # the battery's
    assert "is shown as a summary; the reading does not use it" in second
    low = float(result.details["dishonesty.ci_low"][1])
    assert f"{low:.2f}" in dishonesty
    assert "indeterminate (descriptive" not in second
    assert "Attachment orientation (descriptive): indeterminate\n" in second
    assert "relational (descriptive; experimental, not validated)" in second
    unknown = explain_row(result, compiled, 5, level=0.95, battery=battery_input.battery)
    assert "the safety flag is not known" in unknown
    assert "safety could not be checked" in unknown

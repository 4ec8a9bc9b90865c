"""The report context: what a person or study report says, before any template."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import relscales
from relscales.pipeline.report import score_for_report
from relscales.pipeline.score import resolve_refs, score_compiled
from relscales.reports import wording
from relscales.reports.common import default_clock
from relscales.reports.explain import SOURCE_COMBINED, SOURCE_PERSON, SOURCE_SEM
from relscales.reports.person import person_context
from relscales.reports.render import ReportInput
from relscales.reports.study import study_context
from relscales.scoring.options import ScoreOptions

Clock = Callable[[], datetime.datetime]
NORMED = Path(__file__).resolve().parent.parent / "data" / "scoring" / "normed.yaml"


def test_safety_flag_with_resources_for_the_locale(
    battery_input: ReportInput, clock: Clock
) -> None:
    report = person_context(
        battery_input.result,
        battery_input.compiled,
        0,
        battery=battery_input.battery,
        clock=clock,
        version="9.9.9",
    )
    assert report.respondent_id == "P-001"
    assert report.row == 1
    assert report.generated == "2026-01-02"
    assert report.relscales_version == "9.9.9"
    (flag,) = report.raised_flags
    assert (flag.id, flag.instrument, flag.severity, flag.state) == (
        "safety",
        "risi",
        "urgent",
        "raised",
    )
    assert flag.raised
    assert "you may not feel safe" in flag.message
    assert [(r.name, r.contact) for r in flag.resources] == [
        ("National Domestic Violence Hotline", "1-800-799-7233"),
        ("Local emergency services", None),
    ]
    default = person_context(
        battery_input.result,
        battery_input.compiled,
        0,
        battery=battery_input.battery,
        locale="default",
        clock=clock,
    )
    assert [r.name for r in default.raised_flags[0].resources] == ["Local emergency services"]


def test_unknown_flag_and_unreadable_answers(battery_input: ReportInput, clock: Clock) -> None:
    report = person_context(
        battery_input.result, battery_input.compiled, 5, battery=battery_input.battery, clock=clock
    )
    assert [f.state for f in report.flags] == ["unknown"]
    assert report.raised_flags == ()
    assert report.problems == (
        "ecr-r item ecrr07 (column ecrr07): '8' is outside the item's response scale; "
        "treated as missing",
    )


def test_banners_for_experimental_instruments_only(
    battery_input: ReportInput, clock: Clock
) -> None:
    report = person_context(
        battery_input.result, battery_input.compiled, 0, battery=battery_input.battery, clock=clock
    )
    views = {i.id: i for i in report.instruments}
    assert [i.kind for i in report.instruments] == ["instrument"] * 3 + ["battery"]
    assert views["risi"].experimental
    assert views["risi"].banner is not None
    assert "has not been validated" in views["risi"].banner
    assert views["ecr-r"].banner is None
    assert views["ecr-r"].validation_status == "published"
    assert report.banners == (views["risi"].banner, views["relationship-insecurity-battery"].banner)
    assert [(p.kind, p.id) for p in report.provenance] == [
        ("instrument", "risi"),
        ("instrument", "ecr-r"),
        ("instrument", "rses"),
        ("battery", "relationship-insecurity-battery"),
    ]
    assert all(p.content_hash.startswith("sha256:") for p in report.provenance)


@pytest.mark.parametrize(
    ("row", "source", "attachment"),
    [
        (1, "relational", "indeterminate"),
        (2, "both", "fearful"),
        (3, "indeterminate", "secure"),
        (4, "indeterminate", "indeterminate"),
    ],
    ids=["relational", "both", "indeterminate-y", "indeterminate"],
)
def test_readings_in_plain_language(
    battery_input: ReportInput, clock: Clock, row: int, source: str, attachment: str
) -> None:
    report = person_context(
        battery_input.result,
        battery_input.compiled,
        row,
        battery=battery_input.battery,
        clock=clock,
    )
    kinds = [(r.kind, r.id) for r in report.readings]
    assert kinds == [
        ("insecurity_source", "insecurity_source"),
        ("insecurity_source", "insecurity_source_combined"),
        ("attachment", "attachment_style"),
    ]
    risi, combined, attach = report.readings
    assert risi.label == source
    assert risi.finding == wording.SOURCE_REGIONS[source]
    assert attach.label == attachment
    assert attach.finding == wording.ATTACHMENT_REGIONS[attachment]
    internal = ["recurrence", "out_of_proportion", "fading_reassurance", "old_fears"]
    internal.append("contingent_worth")  # RISI 0.1.1's five internal facets
    signal = ["dishonesty", "dismissed", "worse_since", "others_concern", "secrecy", "safety"]
    assert risi.intro == (
        wording.SOURCE_INTRO,
        wording.internal_pattern_text([(f, f) for f in internal]),
        wording.relationship_signal_text([(f, f) for f in signal], each_on_its_own=True),
    )
    assert "the same worries with different partners" in risi.intro[1]
    assert "can also be produced by a partner" in risi.intro[1]
    assert "neutral" not in risi.intro[1]  # 0.1.1 has no such facet: nothing it did not ask
    assert "put-downs" not in risi.intro[2]
    assert combined.intro == ()  # explained once
    assert attach.intro == (wording.ATTACHMENT_INTRO,)
    assert risi.experimental
    assert not attach.experimental
    assert (risi.x.cut, risi.y.cut, combined.x.cut) == (3, 3, 50)
    assert attach.x.name == "Attachment-related avoidance"
    assert risi.x.interval is not None
    assert risi.x.interval.low < risi.x.value < risi.x.interval.high
    assert ("active-region" in risi.chart) == (source != "indeterminate")
    assert risi.y.rule == "any"
    assert [m.score for m in risi.y.markers] == [
        "dishonesty",
        "dismissed",
        "worse_since",
        "others_concern",
        "secrecy",
        "safety",
    ]
    assert risi.chart_note is not None  # the y axis is drawn at its mean, a summary
    assert not risi.safety_first
    assert risi.label_text == source
    assert risi.qualifier is not None
    assert "experimental" in risi.qualifier
    assert (attach.qualifier is None) == (attachment == "indeterminate")
    assert "experimental" not in (attach.qualifier or "")
    for text in (risi.finding, attach.finding, *risi.intro):
        assert " you are insecure" not in text.lower()
        assert "disorder" not in text.lower()
        assert "old alarm" not in text.lower()


def test_every_score_has_an_interval_and_the_screen_has_no_chart(
    battery_input: ReportInput, clock: Clock
) -> None:
    report = person_context(
        battery_input.result, battery_input.compiled, 0, battery=battery_input.battery, clock=clock
    )
    scores = {(i.id, s.id): s for i in report.instruments for s in i.scores}
    screen = scores[("risi", "safety")]
    assert screen.screen
    assert screen.chart is None
    others = [s for s in scores.values() if not s.screen]
    assert all(s.interval is not None and s.chart for s in others)
    rses = scores[("rses", "self_esteem")]  # no reading, and an interval all the same
    assert rses.interval is not None
    assert rses.interval.source == SOURCE_PERSON
    assert rses.n_answered == 10
    assert rses.n_items == 10
    assert (rses.low, rses.high) == (0, 30)
    assert scores[("risi", "internal_pattern")].n_items is None  # a composite
    battery = next(i for i in report.instruments if i.kind == "battery")
    assert [s.id for s in battery.scores] == ["internal_combined", "relationship_signal_pomp"]
    assert battery.scores[0].interval is not None
    assert battery.scores[0].interval.source == SOURCE_COMBINED
    risi = report.instruments[0]
    assert risi.interval_sources == (SOURCE_PERSON, SOURCE_COMBINED)
    assert risi.norms_note is not None
    assert risi.norms_note.startswith("These scores")


def test_intervals_come_from_the_engine_inside_the_scale_and_asymmetric(
    battery_input: ReportInput, clock: Clock
) -> None:
    """Every interval is the engine's (details ci_low/ci_high): no notes, no SE, no overrun."""
    result = battery_input.result
    report = person_context(
        result, battery_input.compiled, 0, battery=battery_input.battery, clock=clock
    )
    views = [s for i in report.instruments for s in i.scores if s.interval is not None]
    assert len(views) == 24  # every score, the safety screen too (it draws no chart)
    for view in views:
        assert view.interval is not None
        assert view.value is not None
        assert (view.interval.low, view.interval.high) == (
            result.details[f"{view.id}.ci_low"][0],
            result.details[f"{view.id}.ci_high"][0],
        )
        assert view.low <= view.interval.low < view.value < view.interval.high <= view.high
        assert ">" not in view.text_bar
        assert "<" not in view.text_bar
        assert "runs past" not in view.interval_text
    assert not hasattr(views[0].interval, "note")
    assert not hasattr(views[0].interval, "se")
    scores = {s.id: s for s in report.instruments[0].scores}
    fades = scores["fading_reassurance"]  # 4.67 on 1-5: the interval is asymmetric
    assert fades.interval is not None
    assert fades.value is not None
    below, above = fades.value - fades.interval.low, fades.interval.high - fades.value
    assert below > 2 * above


def _normed_result(
    details: bool,
) -> tuple[relscales.ScoreResult, list[relscales.CompiledInstrument]]:
    compiled, _ = resolve_refs([str(NORMED)])
    data = {
        "id": ["n1", "n2"],
        "a1": [4, 1],
        "a2": [2, 5],
        "a3": [4, 1],
        "a4": [4, 1],
        "b1": [3, 1],
        "b2": [3, None],
        "b3": [3, 5],
    }
    result = score_compiled(compiled, data, ScoreOptions(details=details))
    return result, compiled


@pytest.mark.parametrize("details", [True, False], ids=["details", "plain-result"])
def test_norms_bands_and_classical_sem(details: bool, clock: Clock) -> None:
    result, compiled = _normed_result(details)
    report = person_context(result, compiled, 0, clock=clock)
    (inst,) = report.instruments
    warmth = {s.id: s for s in inst.scores}["warmth"]
    assert warmth.value == 4.0
    assert warmth.band == "high"
    assert warmth.band_note is None
    norm = warmth.norm
    assert norm is not None
    assert norm.group == "students"
    assert norm.n == 400
    assert math.isclose(norm.z, 1.25)
    assert math.isclose(norm.t, 62.5)
    assert math.isclose(norm.percentile, 89.4350, abs_tol=1e-3)
    assert norm.percentile_method == "normal approximation"
    assert "higher than about 89% of that group" in norm.text
    import numpy as np

    from relscales.scoring.intervals import fixed_interval

    sem = 0.8 * math.sqrt(1 - 0.84)
    expected = fixed_interval(np.array([4.0]), sem, 3.0, 1.0, 5.0, 1.959964)
    assert warmth.interval is not None
    assert warmth.interval.source == SOURCE_SEM
    assert math.isclose(warmth.interval.low, float(expected.low[0]), rel_tol=1e-5)
    assert math.isclose(warmth.interval.high, float(expected.high[0]), rel_tol=1e-5)
    assert "students: mean 3, SD 0.8" in (warmth.chart or "")
    assert inst.norms_note is not None
    assert inst.norms_note.startswith("Some scores")
    assert report.banners
    assert "Normed test instrument" in report.banners[0]


def test_missing_score_missing_reading_and_no_interval(clock: Clock) -> None:
    result, compiled = _normed_result(True)
    report = person_context(result, compiled, 1, clock=clock)
    worry = {s.id: s for s in report.instruments[0].scores}["worry"]
    assert worry.value is None
    assert worry.interval is None
    assert worry.chart is None
    assert worry.interval_text.startswith("missing")
    result = relscales.score(
        "risi@0.1.1",
        {"id": ["x"], "ip_old1": [None]}
        | {
            i.id: [1 if i.id.startswith("sf_") else 3]
            for i in relscales.load_instrument("risi@0.1.1").items
            if i.id not in ("ip_old1", "ip_old2")
        }
        | {"ip_old2": [None]},
    )
    compiled, _ = resolve_refs(["risi@0.1.1"])
    report = person_context(result, compiled, 0, clock=clock)
    (reading,) = report.readings
    assert reading.label is None
    assert reading.finding == wording.SOURCE_REGIONS["missing"]
    assert reading.x.value is None
    assert reading.x.level is None
    assert "no reading: a score is missing" in reading.chart
    scores = {s.id: s for s in report.instruments[0].scores}
    assert scores["old_fears"].interval_text == "missing: too few items were answered"
    assert scores["old_fears"].missing_reason == "too few items were answered"
    assert (
        scores["internal_pattern"].interval_text
        == "missing: it needs Old, familiar fears, which is missing"
    )
    assert scores["dishonesty"].interval is None  # no details: precision unknown
    assert scores["dishonesty"].interval_text == "no interval: this score's precision is not known"


def test_one_answered_item_still_gives_an_interval_inside_the_scale(clock: Clock) -> None:
    inst = relscales.load_instrument("risi@0.1.1")
    data = {"id": ["x"]} | {i.id: [3] for i in inst.items}
    data["rs_sec1"] = data["rs_sec2"] = [None]  # secrecy: 1 of 3 answered, below min_answered
    inp = score_for_report(["risi@0.1.1"], data)
    report = person_context(inp.result, inp.compiled, 0, clock=clock)
    safety = {s.id: s for s in report.instruments[0].scores}
    assert safety["secrecy"].value is None
    assert safety["secrecy"].interval_text == "missing: too few items were answered"
    data = {"id": ["x"]} | {i.id: [None] for i in inst.items} | {"sf_fear": [1]}
    inp = score_for_report(["risi@0.1.1"], data)
    report = person_context(inp.result, inp.compiled, 0, clock=clock)
    screen = {s.id: s for s in report.instruments[0].scores}["safety"]
    assert screen.value == 1.0
    assert screen.interval is not None  # the prior stands in for a spread of answers
    assert 1.0 == screen.interval.low < screen.interval.high < 5.0


def test_classification_functions_reading(clock: Clock) -> None:
    inst = relscales.load_instrument("ecr")
    data = {"id": ["e"]} | {item.id: [4] for item in inst.items}
    inp = score_for_report(["ecr"], data)
    report = person_context(inp.result, inp.compiled, 0, clock=clock)
    midpoint, brennan = report.readings
    assert (midpoint.method, brennan.method) == ("cut", "functions")
    assert brennan.label == "fearful"
    assert brennan.intro == ()
    assert brennan.x.cut is None
    assert brennan.x.level == "function"
    assert brennan.x.text.startswith("Attachment-related avoidance: 4.00")
    assert 'stroke-dasharray="5 3"' not in brennan.chart


def test_other_readings_use_the_profile_description(tmp_path: Path, clock: Clock) -> None:
    text = NORMED.read_text().replace(
        "composites:",
        "profiles:\n  - id: mood\n    name: Mood map\n    description: Warmth by worry.\n"
        "    x: {score: warmth, cut: 3}\n    y: {score: worry, cut: 9}\n"
        "    regions: {low-low: calm, low-high: tense, high-low: warm, high-high: mixed}\n"
        "composites:",
        1,
    )
    path = tmp_path / "mood.yaml"
    path.write_text(text)
    inp = score_for_report(
        [str(path)],
        {"id": ["a"], "a1": [5], "a2": [1], "a3": [5], "a4": [5], "b1": [1], "b2": [1], "b3": [5]},
    )
    (reading,) = person_context(inp.result, inp.compiled, 0, clock=clock).readings
    assert reading.kind == "other"
    assert reading.intro == ("Warmth by worry.",)
    assert reading.label == "warm"
    assert reading.finding == "Reading: warm."
    assert reading.note is None


def test_row_out_of_range(ecr_input: ReportInput, clock: Clock) -> None:
    with pytest.raises(IndexError, match="outside the 6 respondents"):
        person_context(ecr_input.result, ecr_input.compiled, 6, clock=clock)


def test_default_clock_honours_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    assert default_clock() == datetime.datetime(1970, 1, 2, tzinfo=datetime.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert default_clock().year >= 2024


def test_study_context(
    battery_input: ReportInput, battery_analyses: list[Any], clock: Clock
) -> None:
    analyses = battery_analyses
    report = study_context(
        battery_input.result,
        battery_input.compiled,
        analyses=analyses,
        battery=battery_input.battery,
        clock=clock,
        version="9.9.9",
    )
    assert report.sample.n_respondents == 6
    assert report.sample.id_column == "id"
    assert report.sample.n_invalid_cells == 1
    assert report.sample.invalid_by_code == (("value-out-of-range", 1),)
    assert [i.id for i in report.instruments] == [
        "risi",
        "ecr-r",
        "rses",
        "relationship-insecurity-battery",
    ]
    for inst in report.instruments:
        for dist in inst.scores:
            assert dist.n + dist.n_missing == 6
            assert "<svg" in dist.chart
    risi = report.instruments[0]
    assert risi.reliability
    assert risi.items
    assert risi.quality is not None
    assert risi.quality.n_screened == 6
    assert 0 <= risi.quality.share_flagged <= 1
    assert report.instruments[-1].kind == "battery"
    assert report.instruments[-1].reliability == ()
    source = {p.id: p for p in report.profiles}["insecurity_source"]
    counts = {c.label: c.n for c in source.counts}
    assert counts == {
        "neither": 0,
        "internal": 0,
        "relational": 1,
        "both": 1,
        "indeterminate": 3,
        "safety-first": 1,
    }
    assert source.n_read == 6
    assert source.n_missing == 0
    assert source.n_indeterminate == 3
    assert math.isclose(source.share_indeterminate, 3 / 6)
    assert source.gated
    assert source.n_safety_first == 1
    assert source.experimental
    experimental = {p.id: p.experimental for p in report.profiles}
    assert experimental == {
        "insecurity_source": True,
        "attachment_style": False,
        "insecurity_source_combined": True,
    }
    assert math.isclose(sum(c.share for c in source.counts), 1.0)
    assert [p.owner for p in report.profiles] == [
        "risi",
        "ecr-r",
        "relationship-insecurity-battery",
    ]
    assert report.not_a_diagnosis == wording.STUDY_NOT_A_DIAGNOSIS


def test_study_without_analyses_or_answers(clock: Clock) -> None:
    compiled, _ = resolve_refs(["ecr-r"])
    ids = [item.id for item in compiled[0].instrument.items]
    result = score_compiled(compiled, {"id": ["a"]} | {i: [None] for i in ids}, ScoreOptions())
    report = study_context(result, compiled, clock=clock)
    (inst,) = report.instruments
    assert inst.reliability == ()
    assert inst.quality is None
    assert [(d.n, d.n_missing, d.mean) for d in inst.scores] == [(0, 1, None), (0, 1, None)]
    (prof,) = report.profiles
    assert prof.n_read == 0
    assert prof.n_missing == 1
    assert prof.share_indeterminate == 0.0


def test_item_analysis_of_constant_items_gives_nan_not_a_warning() -> None:
    """Safety-screen items are mostly answered 1: alpha without an item can be 0/0."""
    import numpy as np

    from relscales.reliability import item_analysis

    x = np.array([[1.0, 1, 1, 3], [1, 1, 1, 1], [1, 1, 1, 2], [1, 1, 1, 1]])
    stats = item_analysis(x, ["a", "b", "c", "d"]).items
    assert math.isnan(stats[3].alpha_if_deleted)  # the other three never vary
    two = item_analysis(np.array([[1.0, 1], [1, 1], [1, 2]]), ["a", "b"]).items
    assert math.isnan(two[1].alpha_if_deleted)


def test_explain_shares_the_flag_and_interval_helpers(battery_input: ReportInput) -> None:
    """``--explain`` and the reports read flags and intervals through the same functions."""
    from relscales.reports.explain import explain_row, find_row
    from relscales.scoring.norms import critical_z

    result = battery_input.result
    assert find_row(result, "P-003") == 2
    assert find_row(result, "3") == 2
    assert find_row(result, "nobody") is None
    text = explain_row(
        result,
        list(battery_input.compiled),
        0,
        level=0.95,
        z=critical_z(0.95),
        battery=battery_input.battery,
    )
    assert text.index("URGENT flag_safety") < text.index("recurrence = ")
    assert "internal_combined = " in text
    assert f"({SOURCE_PERSON})" in text
    assert f"({SOURCE_COMBINED})" in text


def test_explain_classification_functions() -> None:
    from relscales.reports.explain import explain_row
    from relscales.scoring.norms import critical_z

    inst = relscales.load_instrument("ecr")
    data = {"id": ["e", "f"]} | {item.id: [4, None] for item in inst.items}
    inp = score_for_report(["ecr"], data)
    text = explain_row(inp.result, list(inp.compiled), 0, level=0.95, z=critical_z(0.95))
    assert "the highest function wins" in text
    missing = explain_row(inp.result, list(inp.compiled), 1, level=0.95, z=critical_z(0.95))
    assert "a score is missing, so there is no reading" in missing

"""Reports of change over time: one person (``render_change_person``) and a study.

The results are built by hand (no scoring): four people on RISI-like scores, a CSI-4-like
score with a published cut-off and a score without a declared direction:

- P-001: three waves; the safety flag raised at T1 and T2, not at T3; internal pattern and
  relationship signal reliably lower, CSI-4 ``recovered``;
- P-002: one wave only;
- P-003: two waves on different versions (0.1.1, then 0.2); the safety screen missing at the
  latest wave (safety could not be checked); reassurance seeking (no declared direction)
  reliably increased; relationship signal missing at T1;
- P-004: two waves with intervals; safety screened and clear; internal pattern within
  measurement error, CSI-4 ``harmed``; a seek-help flag raised.

Snapshots are in tests/reports/snapshots/linked/ (rewrite on purpose with
``RELSCALES_UPDATE_GOLDEN=1`` or ``--update-golden``, and review the diff).
"""

from __future__ import annotations

import datetime
import difflib
import math
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from relscales.errors import Issue, Location, ReportError
from relscales.linked_results import (
    ChangeResult,
    ChangeScore,
    FlagColumn,
    InstrumentNote,
    WaveTable,
)
from relscales.reports import linked_wording as say
from relscales.reports import wording
from relscales.reports.change_report import (
    change_person_context,
    change_study_context,
    render_change_person,
    render_change_study,
)

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "linked"
NAN = math.nan
HOTLINE = ("National Domestic Violence Hotline", "1-800-799-7233", "https://www.thehotline.org")


def clock() -> datetime.datetime:
    return datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def check(name: str, text: str, update: bool) -> None:
    """Compare with a snapshot (or rewrite it on purpose)."""
    path = SNAPSHOTS / name
    if update or os.environ.get("RELSCALES_UPDATE_GOLDEN") == "1":
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"no snapshot {path}; create it with --update-golden"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                f"{name} (snapshot)",
                f"{name} (rendered)",
                n=2,
            )
        )
        pytest.fail(f"{name} differs from its snapshot (--update-golden to accept):\n{diff[:6000]}")


# -- a hand-built result ------------------------------------------------------------------


def _score(column: str, **kw: Any) -> ChangeScore:
    base: dict[str, Any] = {
        "column": column,
        "owner": "risi",
        "score": column,
        "name": column.replace("_", " ").capitalize(),
        "low": 1.0,
        "high": 5.0,
        "better": "lower",
        "method": "jt",
        "reliability": 0.88,
        "reliability_source": "published alpha",
        "sd": 0.7,
        "sd_source": "SD of the first wave in the data",
        "se_difference": 0.7 * math.sqrt(2) * math.sqrt(1 - 0.88),
        "critical": 1.959964,
    }
    base.update(kw)
    return ChangeScore(**base)


SCORES = (
    _score("internal_pattern", name="Internal pattern", tags=("internal-pattern",)),
    _score("relationship_signal", name="Relationship signal", tags=("relationship-signal",)),
    _score(
        "safety",
        name="Safety screen",
        better=None,
        reliability=None,
        reliability_source=None,
        se_difference=None,
        tags=("safety",),
    ),
    _score(
        "reassurance",
        name="Reassurance seeking",
        owner="rss",
        better=None,
        low=1.0,
        high=7.0,
        reliability=0.9,
        sd=1.2,
        se_difference=1.2 * math.sqrt(2) * math.sqrt(1 - 0.9),
    ),
    _score(
        "csi4",
        name="Relationship satisfaction (CSI-4)",
        owner="csi-4",
        low=0.0,
        high=21.0,
        better="higher",
        reliability=0.94,
        reliability_source="published alpha (Funk and Rogge, 2007)",
        sd=4.5,
        se_difference=4.5 * math.sqrt(2) * math.sqrt(1 - 0.94),
        cutoff=13.5,
        cutoff_source="published cut-off (Funk and Rogge, 2007)",
    ),
)

FLAGS = (
    FlagColumn(
        "flag_safety",
        "risi",
        "safety",
        "safety",
        "Some of your answers say you may not feel safe with your partner.",
        (HOTLINE,),
    ),
    FlagColumn(
        "flag_sleep", "risi", "sleep", "seek-help", "The worry is disturbing your sleep.", ()
    ),
)

INSTRUMENTS = (
    InstrumentNote("risi", "Relationship Insecurity Sources Inventory", "0.2", "experimental"),
    InstrumentNote("csi-4", "Couples Satisfaction Index (4 items)", "1.0", "published"),
)

# person, wave, row, source, version, scores (ip, rs, safety, reassurance, csi4), flags
Wave = tuple[int, str, int, str, str, tuple[float, ...], tuple[bool, bool]]
WAVES: list[Wave] = [
    (0, "T1", 1, "t1.csv", "0.2", (4.2, 4.0, 3.0, 5.0, 9.0), (True, False)),
    (0, "T2", 1, "t2.csv", "0.2", (3.6, 3.1, 2.0, 4.6, 12.0), (True, False)),
    (0, "T3", 1, "t3.csv", "0.2", (2.9, 2.2, 1.0, 4.5, 17.0), (False, False)),
    (1, "T1", 2, "t1.csv", "0.2", (2.5, 1.5, 1.0, 3.0, 15.0), (False, False)),
    (2, "T1", 3, "t1.csv", "0.1.1", (3.0, NAN, 1.0, 3.0, 14.0), (False, False)),
    (2, "T2", 2, "t2.csv", "0.2", (3.1, 2.0, NAN, 5.5, 14.5), (False, False)),
    (3, "T1", 4, "t1.csv", "0.2", (3.0, 2.0, 1.0, 3.0, 16.0), (False, False)),
    (3, "T2", 3, "t2.csv", "0.2", (3.2, 2.1, 1.0, 3.1, 10.0), (False, True)),
]

CHANGE: dict[str, list[Any]] = {
    # wave_from, wave_to per person
    "wave_from": ["T1", "T1", "T1", "T1"],
    "wave_to": ["T3", "", "T2", "T2"],
    "internal_pattern_reliable": ["improved", "", "unchanged", "unchanged"],
    "relationship_signal_reliable": ["improved", "", "", "unchanged"],
    "safety_reliable": ["", "", "", ""],
    "reassurance_reliable": ["unchanged", "", "increased", "unchanged"],
    "csi4_reliable": ["improved", "", "unchanged", "deteriorated"],
    "csi4_clinical": ["recovered", "", "unchanged", "harmed"],
}


def change_result(
    waves: list[Any] | None = None, change: dict[str, list[Any]] | None = None
) -> ChangeResult:
    """The four people above as a :class:`ChangeResult`."""
    rows = WAVES if waves is None else waves
    table = CHANGE if change is None else change
    cols = [s.column for s in SCORES]
    scores = {c: np.array([r[5][k] for r in rows], dtype=float) for k, c in enumerate(cols)}
    ci_low = {"internal_pattern": scores["internal_pattern"] - 0.3}
    ci_high = {"internal_pattern": scores["internal_pattern"] + 0.3}
    wave_table = WaveTable(
        person=np.array([r[0] for r in rows], dtype=np.int64),
        wave=np.array([r[1] for r in rows], dtype=object),
        row=np.array([r[2] for r in rows], dtype=np.int64),
        source=np.array([r[3] for r in rows], dtype=object),
        scores=scores,
        ci_low=ci_low,
        ci_high=ci_high,
        flags={
            f.column: np.array([r[6][k] for r in rows], dtype=bool) for k, f in enumerate(FLAGS)
        },
        version=np.array([r[4] for r in rows], dtype=object),
    )
    n = 1 + max(r[0] for r in rows)
    columns: dict[str, Any] = {"id": np.array([f"P-00{k + 1}" for k in range(n)], dtype=object)}
    columns["wave_from"] = np.array(table["wave_from"], dtype=object)
    columns["wave_to"] = np.array(table["wave_to"], dtype=object)
    for s in SCORES:
        frm, to = [], []
        for p in range(n):
            mine = [r for r in rows if r[0] == p]
            first = next(r for r in mine if r[1] == table["wave_from"][p])
            last = next((r for r in mine if r[1] == table["wave_to"][p]), None)
            k = cols.index(s.column)
            frm.append(first[5][k])
            to.append(last[5][k] if last is not None else NAN)
        f_, t_ = np.array(frm), np.array(to)
        columns[f"{s.column}_from"] = f_
        columns[f"{s.column}_to"] = t_
        columns[f"{s.column}_change"] = t_ - f_
        sd = s.se_difference
        columns[f"{s.column}_rci"] = (t_ - f_) / sd if sd else np.full(n, NAN)
        columns[f"{s.column}_reliable"] = np.array(table[f"{s.column}_reliable"], dtype=object)
    columns["csi4_clinical"] = np.array(table["csi4_clinical"], dtype=object)
    return ChangeResult(
        columns=columns,
        id_column="id",
        ids=columns["id"],
        scores=SCORES,
        waves=wave_table,
        wave_order=("T1", "T2", "T3"),
        warnings=(
            Issue(
                "duplicate-id",
                "P-003 has two rows at wave T2 in t2.csv (rows 2 and 5); the first is used",
                Location(file="t2.csv", row=5, respondent="P-003"),
                severity="warning",
            ),
            Issue(
                "duplicate-id",
                "row 9 of t1.csv has no wave and is left out",
                Location(file="t1.csv", row=9),
                severity="warning",
            ),
        ),
        problem_count=2,
        flags=FLAGS,
        instruments=INSTRUMENTS,
    )


def render(person: int, fmt: Any, result: ChangeResult | None = None) -> str:
    return render_change_person(
        result or change_result(),
        person,
        fmt=fmt,
        clock=clock,
        version="9.9.9",
    )


def study(fmt: Any, result: ChangeResult | None = None) -> str:
    return render_change_study(result or change_result(), fmt=fmt, clock=clock, version="9.9.9")


def plain(text: str) -> str:
    """Text with markup, Markdown escapes and line wrapping removed (for sentence checks)."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')
    text = text.replace("&amp;", "&").replace("\\", "")
    return re.sub(r"\s+", " ", text)


# -- snapshots ----------------------------------------------------------------------------

PERSON_SNAPSHOTS = [
    (0, "html"),
    (0, "md"),
    (0, "txt"),
    (1, "txt"),
    (2, "html"),
    (2, "md"),
    (2, "txt"),
    (3, "md"),
]


@pytest.mark.parametrize(("person", "fmt"), PERSON_SNAPSHOTS)
def test_change_person_snapshot(person: int, fmt: str, update_golden: bool) -> None:
    check(f"change-P-00{person + 1}.{fmt}", render(person, fmt), update_golden)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_change_study_snapshot(fmt: str, update_golden: bool) -> None:
    check(f"change-study.{fmt}", study(fmt), update_golden)


# -- safety first -------------------------------------------------------------------------

ADVICE_TIPS = ("Notice your triggers", "pause rule", "Understanding the pattern", "Couples therapy")


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_safety_raised_at_any_wave_opens_the_report(fmt: str) -> None:
    text = plain(render(0, fmt))
    heading = wording.SAFETY_HEADING if fmt != "txt" else wording.SAFETY_HEADING.upper()
    first_score = text.index("Internal pattern (risi)" if fmt == "txt" else "Internal pattern")
    assert text.index(heading) < text.index(
        "Not yet validated".upper() if fmt == "txt" else "Not yet validated"
    )
    assert text.index(heading) < first_score
    for sentence in (
        say.safety_raised_at(["T1", "T2"]),
        say.safety_not_latest("T3"),
        wording.SAFETY_RAISED,
        say.NOT_YOUR_FAULT,
        wording.PRIVACY,
        "Some of your answers say you may not feel safe with your partner.",
        "1-800-799-7233",
        say.CHANGE_SAFETY_SCORES,
    ):
        assert sentence in text, sentence
    # no self-help tips, no reading of where the insecurity comes from, no "improvement"
    for tip in ADVICE_TIPS:
        assert tip not in text
    for word in ("improvement", "reliably worse", "Internal pattern means", "is it me"):
        assert word not in text
    assert "not read as getting better or worse" in text
    assert "not read as progress or setback" in text


def test_safety_raised_keeps_the_verdicts_in_the_context_but_not_in_words() -> None:
    report = change_person_context(change_result(), 0, clock=clock)
    ip = next(s for s in report.scores if s.column == "internal_pattern")
    assert ip.verdict == "improved"
    assert "improve" not in ip.verdict_text
    assert report.scores_note == say.CHANGE_SAFETY_SCORES
    assert [w.state for w in report.safety.waves] == ["raised", "raised", "not raised"]
    assert report.guidance.what_helps == wording.what_helps((), "raised", resources_shown=True)
    assert report.other_flags == ()


def without_screen(k: int) -> list[Wave]:
    """The waves above with the safety screen of wave row ``k`` missing."""
    waves = list(WAVES)
    person, wave, row, source, version, scores, flags = waves[k]
    waves[k] = (person, wave, row, source, version, (*scores[:2], NAN, *scores[3:]), flags)
    return waves


def test_safety_raised_and_not_checked_at_the_latest_wave() -> None:
    report = change_person_context(change_result(without_screen(2)), 0, clock=clock)
    assert report.safety.state == "raised"
    assert say.safety_unchecked(["T3"]) in report.safety.text
    assert report.safety.waves[-1].state == "not checked"


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_safety_not_checked_at_the_latest_wave(fmt: str) -> None:
    text = plain(render(2, fmt))
    assert say.safety_unknown_at("T2", resources_shown=True) in text
    heading = wording.SAFETY_UNKNOWN_HEADING
    assert (heading.upper() if fmt == "txt" else heading) in text
    assert wording.ADVICE_IF_SAFE["rituals"] in text  # partner tips only where one feels safe


def test_safety_not_checked_at_an_earlier_wave_is_a_note() -> None:
    report = change_person_context(change_result(without_screen(6)), 3, clock=clock)
    assert report.safety.state == "clear"
    assert say.safety_unchecked(["T1"]) in report.notes


def test_clear_and_not_screened() -> None:
    report = change_person_context(change_result(), 3, clock=clock)
    assert report.safety.state == "clear"
    assert report.safety.heading is None
    bare = replace(change_result(), flags=(), scores=SCORES[:2] + SCORES[3:])
    assert change_person_context(bare, 3, clock=clock).safety.state == "not screened"


# -- change in words ----------------------------------------------------------------------


def test_one_wave_only() -> None:
    report = change_person_context(change_result(), 1, clock=clock)
    assert say.one_wave("T1") in report.notes
    for s in report.scores:
        if not s.screen:
            assert s.verdict_text == "Change cannot be told: there is only one wave."
    assert report.wave_to is None
    assert "Change is from" not in render(1, "txt")


def test_changed_versions_are_said() -> None:
    text = plain(render(2, "md"))
    assert say.versions_changed([("T1", "0.1.1"), ("T2", "0.2")]) in text
    assert "version changed" not in render(3, "md")


def test_undeclared_direction_is_a_change_not_an_improvement() -> None:
    report = change_person_context(change_result(), 2, clock=clock)
    rs = next(s for s in report.scores if s.column == "reassurance")
    assert rs.verdict == "increased"
    assert "a reliable increase" in rs.verdict_text
    assert "not an improvement or a worsening" in rs.verdict_text


def test_within_measurement_error() -> None:
    report = change_person_context(change_result(), 3, clock=clock)
    ip = next(s for s in report.scores if s.column == "internal_pattern")
    assert "within measurement error: it cannot be told from the ups and downs of measuring" in (
        ip.verdict_text
    )


def test_reliable_improvement_and_worsening_without_safety() -> None:
    change = {k: list(v) for k, v in CHANGE.items()}
    change["internal_pattern_reliable"][3] = "improved"
    report = change_person_context(change_result(change=change), 3, clock=clock)
    ip = next(s for s in report.scores if s.column == "internal_pattern")
    assert "a reliable improvement (for this score, lower is better)" in ip.verdict_text
    csi = next(s for s in report.scores if s.column == "csi4")
    assert "it is reliably worse (for this score, higher is better)" in csi.verdict_text
    assert csi.clinical == "harmed"
    assert "crossed the cut-off 13.5 into the range typical of a clinical group" in (
        csi.clinical_text or ""
    )
    assert "not what caused the change" in (csi.clinical_limits or "")
    assert "Funk and Rogge" in (csi.clinical_limits or "")


def test_missing_score_at_a_wave() -> None:
    report = change_person_context(change_result(), 2, clock=clock)
    rs = next(s for s in report.scores if s.column == "relationship_signal")
    assert say.missing_at(["T1"]) in rs.notes
    assert rs.verdict_text == "Change cannot be told: the score is missing at wave T1."
    assert rs.band_text is not None
    assert "the score at T2" in rs.band_text  # the band is around the first score there is


def test_no_reliability_means_no_index() -> None:
    scores = (replace(SCORES[0], reliability=None, se_difference=None, note="no alpha published"),)
    change = {k: list(v) for k, v in CHANGE.items()}
    change["internal_pattern_reliable"] = ["", "", "", ""]
    result = replace(change_result(change=change), scores=scores)
    view = change_person_context(result, 3, clock=clock).scores[0]
    assert view.verdict is None
    assert "no reliability is known for this score." in view.verdict_text
    assert view.notes == ("no alpha published",)
    assert "no reliable change index was computed" in view.computed
    assert view.band is None
    assert view.band_text is None
    assert "No reliable change band" in view.chart_caption


def test_how_it_was_computed() -> None:
    view = change_person_context(change_result(), 3, clock=clock).scores[0]
    assert view.computed.startswith(
        "How this was computed: reliable change index by Jacobson and Truax (1991). "
        "Reliability 0.88, source: published alpha. Standard deviation 0.70, source: SD of the "
        "first wave in the data. Standard error of the difference (S_diff) 0.34."
    )
    assert "larger than 0.67 points (1.96 x S_diff, 95% two-sided)" in view.computed


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_every_format_says_what_a_change_cannot_tell(fmt: str) -> None:
    text = plain(render(3, fmt))
    assert say.CHANGE_LIMITS in text
    assert say.CHANGE_NOT_A_DIAGNOSIS in text
    assert "Experimental instrument: Relationship Insecurity Sources Inventory" in text


def test_own_warnings_only() -> None:
    assert change_person_context(change_result(), 2, clock=clock).warnings == (
        "P-003 has two rows at wave T2 in t2.csv (rows 2 and 5); the first is used",
    )
    for person in (0, 1, 3):
        assert change_person_context(change_result(), person, clock=clock).warnings == ()


def test_other_flags() -> None:
    report = change_person_context(change_result(), 3, clock=clock)
    assert [(f.flag, f.where_text) for f in report.other_flags] == [("sleep", "raised at wave T2")]


# -- charts -------------------------------------------------------------------------------


def test_chart_is_accessible_and_shows_the_band() -> None:
    html = render(0, "html")
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(charts) == 4  # every score but the safety screen
    for svg in charts:
        cid = re.search(r'id="(change-\d+)"', svg)
        assert cid is not None
        assert f'aria-labelledby="{cid[1]}-title {cid[1]}-desc"' in svg
        assert f'<title id="{cid[1]}-title">' in svg
        assert f'<desc id="{cid[1]}-desc">' in svg
        assert 'class="band"' in svg
        assert "reliable change band" in svg
        assert svg.count('class="point"') == 3
    first = charts[0]
    assert first.count('class="interval"') == 3  # internal pattern has intervals
    assert "Reliable change band 3.53 to 4.87." in first
    assert html.count("(the data of the chart)") == 4
    assert "<td>4.20</td>" in html
    assert "3.90 to 4.50" in html


def test_chart_marks_a_missing_wave() -> None:
    html = render(2, "html")
    svg = re.findall(r"<svg.*?</svg>", html, flags=re.S)[1]
    assert ">missing</text>" in svg
    assert "T1 missing" in svg


def test_unbounded_score_is_drawn_around_its_values() -> None:
    z = replace(SCORES[0], low=-math.inf, high=math.inf)
    result = replace(change_result(), scores=(z,))
    view = change_person_context(result, 3, clock=clock).scores[0]
    assert (view.low, view.high) == (-3.0, 4.0)
    assert view.chart is not None
    assert "<svg" in view.chart


# -- study --------------------------------------------------------------------------------


def test_study_counts() -> None:
    report = change_study_context(change_result(), clock=clock)
    ip = report.scores[0]
    assert [(c.label, c.n) for c in ip.reliable] == [
        ("improved", 1),
        ("unchanged", 2),
        ("deteriorated", 0),
        ("missing", 1),
    ]
    assert (ip.n, ip.n_missing) == (3, 1)
    rs = next(s for s in report.scores if s.column == "reassurance")
    assert [c.label for c in rs.reliable] == ["increased", "unchanged", "decreased", "missing"]
    csi = next(s for s in report.scores if s.column == "csi4")
    assert {c.label: c.n for c in csi.clinical} == {
        "recovered": 1,
        "improved": 0,
        "unchanged": 1,
        "deteriorated": 0,
        "harmed": 1,
        "missing": 1,
    }
    assert report.n_safety == 1
    assert report.n_rows == 8
    assert len(report.warnings) == 2


def test_study_has_no_text_format() -> None:
    with pytest.raises(ReportError) as err:
        study("txt")
    assert err.value.issues[0].code == "template-not-found"


# -- templates ----------------------------------------------------------------------------


def test_custom_template_folder(tmp_path: Path) -> None:
    (tmp_path / "change_person.md.j2").write_text(
        "{{ report.respondent_id }}: {% for s in report.scores %}{{ s.column }}={{ s.verdict }} "
        "{% endfor %}\n",
        encoding="utf-8",
    )
    out = render_change_person(change_result(), 3, fmt="md", template_dir=str(tmp_path))
    assert out == (
        "P-004: internal\\_pattern=unchanged relationship\\_signal=unchanged safety=None "
        "reassurance=unchanged csi4=deteriorated "
    )


def test_template_sandbox(tmp_path: Path) -> None:
    (tmp_path / "change_person.md.j2").write_text(
        "{{ report.__class__.__mro__ }}", encoding="utf-8"
    )
    with pytest.raises(ReportError) as err:
        render_change_person(change_result(), 0, fmt="md", template_dir=str(tmp_path))
    assert err.value.issues[0].code == "template-unsafe"
    with pytest.raises(ReportError) as err:
        render_change_person(change_result(), 0, template_dir=str(tmp_path / "nowhere"))
    assert err.value.issues[0].code == "template-not-found"


def test_ids_are_escaped() -> None:
    result = change_result()
    ids = np.array(["<script>alert(1)</script>", "b", "c", "d"], dtype=object)
    result = replace(result, ids=ids, columns={**result.columns, "id": ids})
    assert "<script>" not in render(0, "html", result)
    assert "<script>" not in render(0, "md", result)


def test_person_out_of_range() -> None:
    with pytest.raises(IndexError):
        render_change_person(change_result(), 4)


@pytest.mark.parametrize("person", [0, 2])
def test_html_is_self_contained(person: int) -> None:
    for html in (render(person, "html"), study("html")):
        for fetch in ("<script", "<link", " src=", "@import", "url("):
            assert fetch not in html


def test_a_minimal_result_renders() -> None:
    """No intervals, flags, versions, instruments, warnings or change columns."""
    waves = WaveTable(
        person=np.array([0, 0], dtype=np.int64),
        wave=np.array(["1", "2"], dtype=object),
        row=np.array([1, 2], dtype=np.int64),
        source=np.array(["<data>", "<data>"], dtype=object),
        scores={"internal_pattern": np.array([3.0, 2.0])},
    )
    result = ChangeResult(
        columns={"id": np.array(["x"], dtype=object)},
        id_column="id",
        ids=np.array(["x"], dtype=object),
        scores=SCORES[:1],
        waves=waves,
        wave_order=("1", "2"),
    )
    report = change_person_context(result, 0, clock=clock)
    assert report.safety.state == "not screened"
    view = report.scores[0]
    assert (view.wave_from, view.wave_to, view.verdict) == ("1", "2", None)
    assert view.verdict_text == "Change cannot be told for this score."
    assert [p.version for p in view.points] == [None, None]
    for fmt in ("html", "md", "txt"):
        assert "change over time" in render(0, fmt, result).lower()
    assert "People with a safety flag raised at any wave</th><td>0" in study("html", result)

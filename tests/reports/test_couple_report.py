"""Reports of couples: one couple for the clinician (``render_couple``) and a study.

The result is built by hand (no scoring), partners in role order (client, partner):

- C-01: the partners disagree: the client's insecurity reads "internal", the partner's
  "relationship signal"; their relationship-signal scores differ by more than measurement
  error; attachment preoccupied and dismissing; a context flag raised for the partner;
- C-02: a safety flag raised for the partner (whose reading is ``safety-first``);
- C-03: both read "relationship signal"; the client's safety screen is missing (safety
  could not be checked);
- C-04: only the client is in the data.

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

from relscales.dyadic import Distinguishability, Nonindependence, PairwiseICC
from relscales.errors import Issue, Location, ReportError
from relscales.linked_results import CoupleResult, CoupleScore, FlagColumn, InstrumentNote
from relscales.reports import linked_wording as say
from relscales.reports.couple_report import (
    couple_context,
    couples_study_context,
    render_couple,
    render_couples_study,
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

NONINDEPENDENCE = Nonindependence(
    kind="distinguishable",
    estimate=0.45,
    statistic=1.42,
    df=(8.0,),
    p_value=0.193,
    ci_low=-0.25,
    ci_high=0.84,
    n_couples=10,
    confidence_level=0.95,
)
SIMILAR = Nonindependence(
    kind="distinguishable",
    estimate=0.81,
    statistic=3.9,
    df=(8.0,),
    p_value=0.0045,
    ci_low=0.37,
    ci_high=0.95,
    n_couples=10,
    confidence_level=0.95,
)
TOO_FEW = Nonindependence(
    kind="distinguishable",
    estimate=NAN,
    statistic=NAN,
    df=(NAN,),
    p_value=NAN,
    ci_low=NAN,
    ci_high=NAN,
    n_couples=2,
    confidence_level=0.95,
    reason="only 2 complete couples (at least 3 are needed)",
)
DISTINCT = Distinguishability(
    chi_square=7.9,
    df=2,
    p_value=0.019,
    multiplier="n",
    mean_1=3.4,
    mean_2=2.5,
    t_means=2.9,
    df_means=9.0,
    p_means=0.017,
    variance_1=0.5,
    variance_2=0.45,
    t_variances=0.3,
    df_variances=8.0,
    p_variances=0.77,
    n_couples=10,
)
SAME = Distinguishability(
    chi_square=1.1,
    df=2,
    p_value=0.58,
    multiplier="n",
    mean_1=2.9,
    mean_2=2.8,
    t_means=0.4,
    df_means=9.0,
    p_means=0.69,
    variance_1=0.5,
    variance_2=0.6,
    t_variances=-0.5,
    df_variances=8.0,
    p_variances=0.63,
    n_couples=10,
)

SCORES = (
    CoupleScore(
        "internal_pattern",
        "risi",
        "internal_pattern",
        "Internal pattern",
        1.0,
        5.0,
        1.959964,
        NONINDEPENDENCE,
        PairwiseICC(0.41, 1.30, 0.194, 10),
        SAME,
        ("internal-pattern",),
    ),
    CoupleScore(
        "relationship_signal",
        "risi",
        "relationship_signal",
        "Relationship signal",
        1.0,
        5.0,
        1.959964,
        SIMILAR,
        PairwiseICC(0.78, 2.47, 0.0135, 10),
        DISTINCT,
        ("relationship-signal",),
    ),
    CoupleScore(
        "safety",
        "risi",
        "safety",
        "Safety screen",
        1.0,
        5.0,
        1.959964,
        TOO_FEW,
        None,
        None,
        ("safety",),
    ),
    CoupleScore(
        "csi4",
        "csi-4",
        "csi4",
        "Relationship satisfaction (CSI-4)",
        0.0,
        21.0,
        1.959964,
        NONINDEPENDENCE,
        PairwiseICC(NAN, NAN, NAN, 2, "only 2 complete couples"),
        None,
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
        "flag_new", "risi", "new", "context", "You have been together for less than a year.", ()
    ),
)

# per couple: (client, partner) for internal_pattern, relationship_signal, safety, csi4
VALUES = [
    ((3.8, 2.0), (1.6, 3.9), (1.0, 1.0), (15.0, 9.0)),
    ((3.9, 2.2), (1.5, 1.4), (1.0, 3.5), (14.0, 16.0)),
    ((2.5, 2.6), (3.6, 3.4), (NAN, 1.0), (8.0, 9.0)),
    ((2.0, NAN), (2.0, NAN), (1.0, NAN), (12.0, NAN)),
]
RELIABLE = {
    "internal_pattern": ["true", "true", "false", ""],
    "relationship_signal": ["true", "false", "false", ""],
    "safety": ["", "", "", ""],
    "csi4": ["true", "false", "false", ""],
}


def couple_result(
    values: list[Any] | None = None, roles: tuple[str, str] | None = ("client", "partner")
) -> CoupleResult:
    """The four couples above as a :class:`CoupleResult`."""
    vals = VALUES if values is None else values
    n = len(vals)
    columns: dict[str, Any] = {"couple": np.array([f"C-0{k + 1}" for k in range(n)], dtype=object)}
    for j, s in enumerate(SCORES):
        one = np.array([v[j][0] for v in vals])
        two = np.array([v[j][1] for v in vals])
        columns[f"{s.column}_1"] = one
        columns[f"{s.column}_2"] = two
        columns[f"{s.column}_mean"] = (one + two) / 2
        columns[f"{s.column}_diff"] = one - two
        columns[f"{s.column}_diff_reliable"] = np.array(RELIABLE[s.column][:n], dtype=object)
    return CoupleResult(
        columns=columns,
        couple_column="couple",
        couples=columns["couple"],
        roles=roles,
        scores=SCORES,
        safety=np.array([False, True, False, False][:n]),
        readings={
            "insecurity_source": (
                np.array(["internal", "internal", "relational", "both"][:n], dtype=object),
                np.array(["relational", "safety-first", "relational", ""][:n], dtype=object),
            ),
            "attachment_style": (
                np.array(["preoccupied", "fearful", "secure", "secure"][:n], dtype=object),
                np.array(["dismissing", "fearful", "secure", ""][:n], dtype=object),
            ),
        },
        partner_rows=np.array([[1, 2], [3, 4], [5, 6], [7, 0]][:n], dtype=np.int64),
        warnings=(
            Issue(
                "duplicate-id",
                "couple C-04 has one member (row 7); it is kept, with nothing to compare",
                Location(row=7),
                severity="warning",
            ),
        ),
        problem_count=0,
        flags=FLAGS,
        partner_flags={
            "flag_safety": (
                np.array([False, False, False, False][:n]),
                np.array([False, True, False, False][:n]),
            ),
            "flag_new": (
                np.array([False, False, False, False][:n]),
                np.array([True, False, False, False][:n]),
            ),
        },
        instruments=(
            InstrumentNote(
                "risi", "Relationship Insecurity Sources Inventory", "0.2", "experimental"
            ),
            InstrumentNote("csi-4", "Couples Satisfaction Index (4 items)", "1.0", "published"),
        ),
    )


def render(couple: int, fmt: Any, result: CoupleResult | None = None) -> str:
    return render_couple(
        result or couple_result(),
        couple,
        fmt=fmt,
        clock=clock,
        version="9.9.9",
    )


def study(fmt: Any, result: CoupleResult | None = None) -> str:
    return render_couples_study(
        result or couple_result(),
        fmt=fmt,
        clock=clock,
        version="9.9.9",
    )


def plain(text: str) -> str:
    """Text with markup, Markdown escapes and line breaks removed (for sentence checks)."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')
    text = text.replace("&amp;", "&").replace("\\", "")
    return re.sub(r"\s+", " ", text)


# -- snapshots ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("couple", "fmt"), [(0, "html"), (0, "md"), (1, "html"), (1, "md"), (2, "md"), (3, "md")]
)
def test_couple_snapshot(couple: int, fmt: str, update_golden: bool) -> None:
    check(f"couple-C-0{couple + 1}.{fmt}", render(couple, fmt), update_golden)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_couples_study_snapshot(fmt: str, update_golden: bool) -> None:
    check(f"couples-study.{fmt}", study(fmt), update_golden)


def test_couples_study_without_roles_snapshot(update_golden: bool) -> None:
    check("couples-study-no-roles.md", study("md", couple_result(roles=None)), update_golden)


# -- for the clinician only ---------------------------------------------------------------


@pytest.mark.parametrize("couple", [0, 1, 2, 3])
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_clinician_box_is_at_the_very_top(couple: int, fmt: str) -> None:
    text = render(couple, fmt)
    body = text.split("<body>", 1)[1] if fmt == "html" else text
    first = plain(body).lstrip(" >*")
    assert first.startswith(say.AUDIENCE_HEADING)
    assert plain(body).index(say.AUDIENCE) < plain(body).index(say.COUPLE_NOT_A_DIAGNOSIS)
    for phrase in (
        "for the clinician",
        "Do not show it or give it to either partner",
        "It contains no item answers",
        "both partners' scores, their readings and their safety screening",
    ):
        assert phrase in say.AUDIENCE


# -- safety raised for a partner: no joint reading, no comparison, no joint advice ---------


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_safety_raised_for_a_partner(fmt: str) -> None:
    text = plain(render(1, fmt))
    safety_at = text.index(say.COUPLE_SAFETY_HEADING)
    assert safety_at < text.index("Each partner's scores, for the record")
    for sentence in (
        say.couple_safety_lead(["Partner 2 (partner)"]),
        *say.COUPLE_SAFETY,
        say.COUPLE_PRIVACY,
        "1-800-799-7233",
        "Some of your answers say you may not feel safe with your partner.",
        say.READINGS_WITHHELD,
    ):
        assert sentence in text, sentence
    assert "conjoint (couples) sessions can be unsafe" in text
    assert "Individual follow-up comes first" in text
    # no joint reading, no readings side by side, no comparison
    for absent in (
        "Readings side by side",
        *say.AGREEMENT,
        "internal pattern",
        "relationship signal",
        "fearful",
        "measurement error",
        "difference",
    ):
        assert absent not in text, absent
    assert text.count(say.NOT_COMPARED) == 3  # every score but the screen
    assert "<svg" not in render(1, "html")


def test_safety_raised_context() -> None:
    report = couple_context(couple_result(), 1, clock=clock)
    assert report.safety.state == "raised"
    assert report.safety.partners == ("Partner 2 (partner)",)
    assert report.joint is False
    assert report.readings == ()
    assert report.agreement == ()
    assert report.before_joint is None
    assert all(not s.compared for s in report.scores)
    assert all(s.mean is None and s.difference is None for s in report.scores)
    assert [(f.flag, f.where) for f in report.safety.flags] == [
        ("safety", ("Partner 2 (partner)",))
    ]


def test_safety_first_reading_alone_raises_safety() -> None:
    """A partner whose reading is safety-first counts as raised, even without its flag."""
    result = replace(
        couple_result(),
        safety=np.zeros(4, dtype=bool),
        partner_flags={},
    )
    report = couple_context(result, 1, clock=clock)
    assert report.safety.state == "raised"
    assert report.safety.lead == say.couple_safety_lead(["Partner 2 (partner)"])
    assert report.readings == ()


def test_safety_raised_for_both_and_for_an_unknown_partner() -> None:
    flags = couple_result().partner_flags
    both = {
        **flags,
        "flag_safety": (np.array([False, True, False, False]), flags["flag_safety"][1]),
    }
    report = couple_context(replace(couple_result(), partner_flags=both), 1, clock=clock)
    assert report.safety.lead == (
        "A safety flag was raised for both partners (Partner 1 (client) and Partner 2 (partner))."
    )
    result = replace(couple_result(), partner_flags={}, readings={})
    assert couple_context(result, 1, clock=clock).safety.lead == (
        "A safety flag was raised for at least one partner."
    )


def test_safety_not_checked_for_a_partner() -> None:
    report = couple_context(couple_result(), 2, clock=clock)
    assert report.safety.state == "unknown"
    assert report.safety.text == (say.couple_safety_unknown(["Partner 1 (client)"]),)
    assert report.agreement[0] == say.readings_unchecked(("Partner 1 (client)",))
    assert report.joint is True


def test_clear_and_not_screened_remind_to_check_safety_individually() -> None:
    report = couple_context(couple_result(), 0, clock=clock)
    assert report.safety.state == "clear"
    assert report.before_joint == say.before_joint("clear")
    assert "play it down" in (report.before_joint or "")
    bare = replace(couple_result(), flags=(), scores=(SCORES[0], SCORES[1], SCORES[3]))
    report = couple_context(bare, 0, clock=clock)
    assert report.safety.state == "not screened"
    assert "generally contraindicated where there is coercive control" in (
        report.before_joint or ""
    )


# -- agreement and disagreement -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_disagreement_does_not_tell_who_is_right(fmt: str) -> None:
    text = plain(render(0, fmt))
    for sentence in (
        *say.AGREEMENT,
        "Partner 1's answers read as internal pattern and Partner 2's as relationship signal.",
        "the difference does not tell who is right",
        "Partner 1's low report of relationship problems is not evidence that Partner 2's "
        "concerns are unfounded, and Partner 2's concerns are not 'just a pattern' because of it.",
        "Partner 1's internal-pattern reading does not mean that their fears are imagined",
        "people who control or hurt a partner, and people who are being hurt, both often "
        "under-report",
        "Agreement is not proof",
    ):
        assert sentence in text, sentence
    # "pattern" never names one partner's fear as theirs alone
    for match in re.finditer(r"[^.]*just (their|a) pattern[^.]*\.", text):
        assert "Never read" in match[0] or "are not 'just a pattern'" in match[0], match[0]


def test_both_relationship_signal_says_not_who_causes_it() -> None:
    report = couple_context(couple_result(), 2, clock=clock)
    source = report.readings[0]
    assert (source.label_1, source.label_2, source.agree) == ("relational", "relational", True)
    assert "both experience something in the relationship as wrong" in source.text[0]
    assert "That does not say who causes it" in source.text[0]


@pytest.mark.parametrize(
    ("la", "lb", "expected"),
    [
        ("internal", "internal", "does not mean either partner's feelings are unfounded"),
        ("both", "both", "it does not say who causes what"),
        ("neither", "neither", "may not have captured it"),
        ("neither", "both", "Partner 1's low report of relationship problems is not evidence"),
        ("both", "internal", "Partner 2's low report of relationship problems is not evidence"),
        ("indeterminate", "relational", "Partner 1's reading cannot be told"),
        (None, None, "Neither partner's reading can be told"),
    ],
)
def test_pair_readings(la: str | None, lb: str | None, expected: str) -> None:
    text = " ".join(say.pair_reading_text("insecurity_source", "Partner 1", "Partner 2", la, lb))
    assert expected in text
    assert "who is right" in text or "cannot be" in text or la == lb


def test_attachment_and_other_readings() -> None:
    text = say.pair_reading_text("attachment", "Partner 1", "Partner 2", "secure", "fearful")
    assert text == (
        "Partner 1's answers fall in the region often called secure, Partner 2's in the region "
        "often called fearful.",
        say.ATTACHMENT_PAIR,
    )
    other = say.pair_reading_text("other", "Partner 1", "Partner 2", "a", "a")
    assert other[0].startswith("The two readings agree.")


def test_reliable_discrepancy_words() -> None:
    report = couple_context(couple_result(), 0, clock=clock)
    rs = next(s for s in report.scores if s.column == "relationship_signal")
    assert (rs.mean, rs.difference, rs.reliable) == (2.75, -2.3, True)
    assert rs.text == (
        "The partners' scores differ by more than measurement error (-2.30, Partner 1 minus "
        "Partner 2): the two experience this differently. That does not say who is right."
    )
    within = couple_context(couple_result(), 2, clock=clock).scores[0]
    assert "within measurement error" in within.text
    screen = next(s for s in report.scores if s.screen)
    assert screen.text == say.SCREEN_COUPLE
    assert screen.compared is False


def test_pair_chart_is_accessible() -> None:
    html = render(0, "html")
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(charts) == 3
    for svg in charts:
        cid = re.search(r'id="(pair-\d+)"', svg)
        assert cid is not None
        assert f'<title id="{cid[1]}-title">' in svg
        assert f'<desc id="{cid[1]}-desc">' in svg
        assert 'class="partner-1"' in svg
        assert 'class="partner-2"' in svg


def test_one_partner_only() -> None:
    report = couple_context(couple_result(), 3, clock=clock)
    assert report.notes == (say.one_partner("Partner 1 (client)", "Partner 2 (partner)"),)
    assert report.partners[1].row is None
    assert report.warnings == (
        "couple C-04 has one member (row 7); it is kept, with nothing to compare",
    )
    assert couple_context(couple_result(), 0, clock=clock).warnings == ()


def test_other_flags_name_the_partner() -> None:
    report = couple_context(couple_result(), 0, clock=clock)
    assert [(f.flag, f.where_text) for f in report.other_flags] == [
        ("new", "raised for Partner 2 (partner)")
    ]


def test_partners_without_roles() -> None:
    report = couple_context(couple_result(roles=None), 0, clock=clock)
    assert [p.label for p in report.partners] == ["Partner 1", "Partner 2"]


# -- study --------------------------------------------------------------------------------


def test_couples_study_context() -> None:
    report = couples_study_context(couple_result(), clock=clock)
    assert (report.n_couples, report.n_safety, report.confidence_level) == (4, 1, 0.95)
    ip, rs, screen, csi = report.scores
    assert ip.nonindependence is not None
    assert (ip.nonindependence.statistic_name, ip.nonindependence.df_text) == ("t", "8")
    assert "not evidence that the partners are independent" in ip.nonindependence.text
    assert rs.nonindependence is not None
    assert "more alike than chance" in rs.nonindependence.text
    assert rs.distinguishability is not None
    assert "in their means" in rs.distinguishability.text
    assert ip.discrepancy is not None
    assert (ip.discrepancy.reliable, ip.discrepancy.within, ip.discrepancy.unknown) == (2, 1, 1)
    assert screen.discrepancy is None
    assert screen.nonindependence is not None
    assert screen.nonindependence.text == (
        "Not computed: only 2 complete couples (at least 3 are needed)."
    )
    assert csi.pairwise is not None
    assert csi.pairwise.estimate is None
    assert csi.distinguishability is None
    assert report.warnings == (
        "couple C-04 has one member (row 7); it is kept, with nothing to compare",
    )
    no_roles = couples_study_context(couple_result(roles=None), clock=clock)
    assert all(s.distinguishability is None for s in no_roles.scores)
    assert say.DISTINGUISHABILITY_MEANING not in no_roles.meanings


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_couples_study_says_what_each_statistic_means(fmt: str) -> None:
    text = plain(study(fmt))
    for sentence in (
        say.NONINDEPENDENCE_MEANING,
        say.PAIRWISE_MEANING,
        say.DISTINGUISHABILITY_MEANING,
        say.DISCREPANCY_MEANING,
        say.SAFETY_STUDY,
        "couple C-04 has one member (row 7)",
    ):
        assert sentence in text, sentence


def test_no_text_format_for_couples() -> None:
    with pytest.raises(ReportError) as err:
        render(0, "txt")
    assert err.value.issues[0].code == "template-not-found"


def test_couple_out_of_range() -> None:
    with pytest.raises(IndexError):
        render_couple(couple_result(), 4)


@pytest.mark.parametrize("couple", [0, 1])
def test_html_is_self_contained(couple: int) -> None:
    for html in (render(couple, "html"), study("html")):
        for fetch in ("<script", "<link", " src=", "@import", "url("):
            assert fetch not in html


def test_a_minimal_result_renders() -> None:
    """No readings, flags, data rows, instruments, warnings or study statistics."""
    result = CoupleResult(
        columns={
            "couple": np.array(["c"], dtype=object),
            "csi4_1": np.array([10.0]),
            "csi4_2": np.array([12.0]),
        },
        couple_column="couple",
        couples=np.array(["c"], dtype=object),
        roles=None,
        scores=(SCORES[3],),
        safety=np.array([False]),
    )
    report = couple_context(result, 0, clock=clock)
    assert report.safety.state == "not screened"
    assert report.notes == ()
    assert [p.row for p in report.partners] == [None, None]
    assert report.scores[0].reliable is None
    assert report.readings == ()
    for fmt in ("html", "md"):
        assert "Couple report" in render(0, fmt, result)
        assert "Couples: study" in study(fmt, result)

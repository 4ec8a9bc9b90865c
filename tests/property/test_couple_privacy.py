"""Privacy of the linked reports: output addressed to one person depends on that person only.

Properties (Hypothesis, on hand-built results with random data):

- a person's report over time (``render_change_person(result, i)``), in every format, is
  byte-identical when every other person's waves, scores, intervals, flags, versions, ids,
  change-table rows and warnings are replaced by random values (the study-level description
  of each score, which the report says how change was judged by, stays);
- a couple's report for the clinician (``render_couple(result, i)``) is byte-identical when
  every other couple's scores, readings, flags, safety, data rows, ids and warnings change.

(A partner's own report is the ordinary person report of that partner's row, built by the
pipeline; its test lives with the pipeline.)
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relscales.dyadic import Nonindependence, PairwiseICC
from relscales.errors import Issue, Location
from relscales.linked_results import (
    ChangeResult,
    ChangeScore,
    CoupleResult,
    CoupleScore,
    FlagColumn,
    InstrumentNote,
    WaveTable,
)
from relscales.reports.change_report import render_change_person
from relscales.reports.couple_report import render_couple
from relscales.reports.render import ReportFormat


def clock() -> datetime.datetime:
    return datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)


FLAGS = (
    FlagColumn(
        "flag_safety", "risi", "safety", "safety", "You may not feel safe.", (("Line", "1", None),)
    ),
    FlagColumn("flag_sleep", "risi", "sleep", "seek-help", "Sleep is disturbed.", ()),
    FlagColumn("flag_new", "risi", "new", "context", "A new relationship.", ()),
)
INSTRUMENTS = (InstrumentNote("risi", "RISI", "0.2", "experimental"),)

CHANGE_SCORES = (
    ChangeScore(
        "ip",
        "risi",
        "ip",
        "Internal pattern",
        1.0,
        5.0,
        "lower",
        "jt",
        0.88,
        "alpha",
        0.7,
        "SD",
        0.34,
        1.96,
        tags=("internal-pattern",),
    ),
    ChangeScore(
        "rs",
        "risi",
        "rs",
        "Reassurance",
        1.0,
        7.0,
        None,
        "jt",
        0.9,
        "alpha",
        1.2,
        "SD",
        0.54,
        1.96,
    ),
    ChangeScore(
        "safety",
        "risi",
        "safety",
        "Safety",
        1.0,
        5.0,
        None,
        "jt",
        None,
        None,
        None,
        None,
        None,
        1.96,
        tags=("safety",),
    ),
    ChangeScore(
        "csi",
        "csi-4",
        "csi",
        "CSI-4",
        0.0,
        21.0,
        "higher",
        "jt",
        0.94,
        "alpha",
        4.5,
        "SD",
        1.56,
        1.96,
        cutoff=13.5,
        cutoff_source="published",
    ),
)

score_value = st.one_of(st.just(math.nan), st.floats(0.0, 21.0, allow_nan=False))
label_text = st.text(alphabet="abcdefghij-_ <>*&", min_size=0, max_size=8)
verdict = st.sampled_from(["", "improved", "unchanged", "deteriorated", "increased", "decreased"])
clinical = st.sampled_from(["", "recovered", "improved", "unchanged", "deteriorated", "harmed"])


@st.composite
def wave(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "wave": draw(st.sampled_from(["T1", "T2", "T3", "2024-01-05", "w<1>"])),
        "source": draw(st.sampled_from(["a.csv", "b.csv"])),
        "version": draw(st.sampled_from(["0.1.1", "0.2"])),
        "scores": [draw(score_value) for _ in CHANGE_SCORES],
        "ci": draw(st.booleans()),
        "flags": [draw(st.booleans()) for _ in FLAGS],
    }


@st.composite
def change_person(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "id": draw(label_text),
        "waves": draw(st.lists(wave(), min_size=1, max_size=3)),
        "reliable": [draw(verdict) for _ in CHANGE_SCORES],
        "clinical": draw(clinical),
        "warn": draw(st.booleans()),
    }


def change_result(people: list[dict[str, Any]]) -> ChangeResult:
    """Assemble a ChangeResult from per-person records (person k has ids and rows of its own)."""
    rows: list[tuple[int, int, dict[str, Any]]] = []
    for k, p in enumerate(people):
        for j, w in enumerate(p["waves"]):
            rows.append((k, 100 * k + j + 1, w))
    scores = {
        s.column: np.array([w["scores"][c] for _, _, w in rows], dtype=float)
        for c, s in enumerate(CHANGE_SCORES)
    }
    ci = np.array([w["ci"] for _, _, w in rows])
    table = WaveTable(
        person=np.array([k for k, _, _ in rows], dtype=np.int64),
        wave=np.array([w["wave"] for _, _, w in rows], dtype=object),
        row=np.array([r for _, r, _ in rows], dtype=np.int64),
        source=np.array([w["source"] for _, _, w in rows], dtype=object),
        scores=scores,
        ci_low={"ip": np.where(ci, scores["ip"] - 0.3, np.nan)},
        ci_high={"ip": np.where(ci, scores["ip"] + 0.3, np.nan)},
        flags={
            f.column: np.array([w["flags"][c] for _, _, w in rows], dtype=bool)
            for c, f in enumerate(FLAGS)
        },
        version=np.array([w["version"] for _, _, w in rows], dtype=object),
    )
    ids = np.array([f"{k}:{p['id']}" for k, p in enumerate(people)], dtype=object)
    columns: dict[str, Any] = {
        "id": ids,
        "wave_from": np.array([p["waves"][0]["wave"] for p in people], dtype=object),
        "wave_to": np.array([p["waves"][-1]["wave"] for p in people], dtype=object),
    }
    for c, s in enumerate(CHANGE_SCORES):
        first = np.array([p["waves"][0]["scores"][c] for p in people])
        last = np.array([p["waves"][-1]["scores"][c] for p in people])
        columns[f"{s.column}_from"] = first
        columns[f"{s.column}_to"] = last
        columns[f"{s.column}_change"] = last - first
        columns[f"{s.column}_rci"] = (last - first) / (s.se_difference or math.nan)
        columns[f"{s.column}_reliable"] = np.array([p["reliable"][c] for p in people], dtype=object)
    columns["csi_clinical"] = np.array([p["clinical"] for p in people], dtype=object)
    warnings = tuple(
        Issue(
            "duplicate-id",
            f"two rows of {ids[k]}",
            Location(file=p["waves"][0]["source"], row=100 * k + 1, respondent=str(ids[k])),
            severity="warning",
        )
        for k, p in enumerate(people)
        if p["warn"]
    )
    waves_seen = sorted({w["wave"] for _, _, w in rows})
    return ChangeResult(
        columns=columns,
        id_column="id",
        ids=ids,
        scores=CHANGE_SCORES,
        waves=table,
        wave_order=tuple(waves_seen),
        warnings=warnings,
        problem_count=len(rows),
        flags=FLAGS,
        instruments=INSTRUMENTS,
    )


@given(
    st.lists(change_person(), min_size=1, max_size=4),
    st.lists(change_person(), min_size=1, max_size=4),
    st.data(),
)
def test_a_persons_report_over_time_depends_on_that_person_only(
    people: list[dict[str, Any]], others: list[dict[str, Any]], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(people) - 1), label="person")
    # the same person at the same position (its row in the change table); everyone else,
    # and how many there are, replaced
    before = [others[k % len(others)] for k in range(i)]
    base, other = change_result(people), change_result([*before, people[i], *others])
    formats: tuple[ReportFormat, ...] = ("html", "md", "txt")
    for fmt in formats:
        a = render_change_person(base, i, fmt=fmt, clock=clock, version="1")
        b = render_change_person(other, i, fmt=fmt, clock=clock, version="1")
        assert a == b


# -- couples ------------------------------------------------------------------------------

NI = Nonindependence("exchangeable", 0.3, 1.9, (9.0, 10.0), 0.3, -0.3, 0.7, 10, 0.95)
COUPLE_SCORES = (
    CoupleScore(
        "ip", "risi", "ip", "Internal pattern", 1.0, 5.0, 1.96, NI, PairwiseICC(0.3, 1.0, 0.3, 10)
    ),
    CoupleScore("safety", "risi", "safety", "Safety", 1.0, 5.0, 1.96, tags=("safety",)),
    CoupleScore("csi", "csi-4", "csi", "CSI-4", 0.0, 21.0, 1.96),
)
source_label = st.sampled_from(
    ["", "internal", "relational", "both", "neither", "indeterminate", "safety-first"]
)
attachment_label = st.sampled_from(["", "secure", "preoccupied", "dismissing", "fearful"])


@st.composite
def couple(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "id": draw(label_text),
        "scores": [(draw(score_value), draw(score_value)) for _ in COUPLE_SCORES],
        "reliable": [draw(st.sampled_from(["", "true", "false"])) for _ in COUPLE_SCORES],
        "source": (draw(source_label), draw(source_label)),
        "attachment": (draw(attachment_label), draw(attachment_label)),
        "flags": [(draw(st.booleans()), draw(st.booleans())) for _ in FLAGS],
        "safety": draw(st.booleans()),
        "absent": draw(st.booleans()),
        "warn": draw(st.booleans()),
    }


def couple_result(couples: list[dict[str, Any]]) -> CoupleResult:
    """Assemble a CoupleResult from per-couple records (couple k has rows of its own)."""
    n = len(couples)
    columns: dict[str, Any] = {
        "couple": np.array([f"{k}:{c['id']}" for k, c in enumerate(couples)], dtype=object)
    }
    for s_k, s in enumerate(COUPLE_SCORES):
        one = np.array([c["scores"][s_k][0] for c in couples])
        two = np.array([c["scores"][s_k][1] for c in couples])
        columns[f"{s.column}_1"] = one
        columns[f"{s.column}_2"] = two
        columns[f"{s.column}_mean"] = (one + two) / 2
        columns[f"{s.column}_diff"] = one - two
        columns[f"{s.column}_diff_reliable"] = np.array(
            [c["reliable"][s_k] for c in couples], dtype=object
        )
    rows = np.array(
        [[10 * k + 1, 0 if c["absent"] else 10 * k + 2] for k, c in enumerate(couples)],
        dtype=np.int64,
    )
    return CoupleResult(
        columns=columns,
        couple_column="couple",
        couples=columns["couple"],
        roles=("a", "b"),
        scores=COUPLE_SCORES,
        safety=np.array([c["safety"] for c in couples], dtype=bool),
        readings={
            "insecurity_source": (
                np.array([c["source"][0] for c in couples], dtype=object),
                np.array([c["source"][1] for c in couples], dtype=object),
            ),
            "attachment_style": (
                np.array([c["attachment"][0] for c in couples], dtype=object),
                np.array([c["attachment"][1] for c in couples], dtype=object),
            ),
        },
        partner_rows=rows,
        warnings=tuple(
            Issue(
                "duplicate-id", f"couple {k} is odd", Location(row=10 * k + 1), severity="warning"
            )
            for k, c in enumerate(couples)
            if c["warn"]
        ),
        problem_count=n,
        flags=FLAGS,
        partner_flags={
            f.column: (
                np.array([c["flags"][f_k][0] for c in couples], dtype=bool),
                np.array([c["flags"][f_k][1] for c in couples], dtype=bool),
            )
            for f_k, f in enumerate(FLAGS)
        },
        instruments=INSTRUMENTS,
    )


@given(
    st.lists(couple(), min_size=1, max_size=4),
    st.lists(couple(), min_size=1, max_size=4),
    st.data(),
)
def test_a_couples_report_depends_on_that_couple_only(
    couples: list[dict[str, Any]], others: list[dict[str, Any]], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(couples) - 1), label="couple")
    before = [others[k % len(others)] for k in range(i)]  # so that it keeps its row
    changed = [*before, couples[i], *others]
    base, other = couple_result(couples), couple_result(changed)
    couple_formats: tuple[ReportFormat, ...] = ("html", "md")
    for fmt in couple_formats:
        a = render_couple(base, i, fmt=fmt, clock=clock, version="1")
        b = render_couple(other, i, fmt=fmt, clock=clock, version="1")
        assert a == b

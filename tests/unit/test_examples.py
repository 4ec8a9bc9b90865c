"""The bundled example data and the format tour work as the docs say."""

from __future__ import annotations

import math

import pytest
from tests.conftest import ROOT
from tests.reference_intervals import sem_n, wilson_naive

import relscales

TOUR = ROOT / "examples" / "instruments" / "format-tour.yaml"
DATA = {
    "id": ["a", "b"],
    "w1": [5, 1],
    "w2": [1, "Strongly agree"],
    "w3": [5, 1],
    "Q4_text": [1, -99],
    "c1": [3, 0],
    "c2": ["Often", 0],
    "c3": [3, None],
    "s1": [0, 3],
    "ac1": [4, 4],
}


def test_format_tour_validates_without_warnings() -> None:
    report = relscales.validate_file(TOUR)
    assert report.valid
    assert report.issues == ()


def test_format_tour_scores_by_hand() -> None:
    res = relscales.score(TOUR, DATA, with_ci=True, with_norms=True, with_bands=True)
    rec = {r["id"]: r for r in res.to_records()}
    # worry (mean, w3 weighted 2, w2 and w4 reversed as 6 - x on 1-5):
    # a: (5 + 5 + 2*5 + 5) / 5 = 5; b: (1 + 1 + 2*1) / 4 = 1 (w4 is the missing code -99)
    assert rec["a"]["worry"] == 5.0
    assert rec["b"]["worry"] == 1.0
    assert res.n_answered["worry"].tolist() == [4, 3]
    # checking (prorated sum of 3 items, min 2): a: 8/3*3 = 8; b: 0/2*3 = 0
    assert rec["a"]["checking"] == pytest.approx(8.0, abs=1e-12)
    assert rec["b"]["checking"] == 0.0
    # norms against "example adults" (mean 2.8, sd 0.9); T = 50 + 10 z
    z = (5 - 2.8) / 0.9
    assert rec["a"]["worry_z"] == pytest.approx(z, abs=1e-12)
    assert rec["a"]["worry_t"] == pytest.approx(50 + 10 * z, abs=1e-12)
    # interval: SEM = 0.9 * sqrt(1 - 0.8), the Wilson interval whose error variance at the
    # reference mean (2.8) equals SEM^2; 95% -> 1.959963984540054
    n = sem_n(0.9 * math.sqrt(0.2), 2.8, 1, 5)
    low, high = wilson_naive(5.0, n, 1, 5, 1.959963984540054)
    assert rec["a"]["worry_ci_low"] == pytest.approx(low, abs=1e-9)
    assert rec["a"]["worry_ci_high"] == pytest.approx(high, abs=1e-9)
    assert high == 5.0  # never past the end of the scale
    assert rec["a"]["worry_band"] == "high"
    assert rec["b"]["worry_band"] == "low"
    # standardized composite: (z_worry + 0.5 z_checking) / 1.5
    expected = (z + 0.5 * (8 - 3.5) / 2.0) / 1.5
    assert rec["a"]["overall"] == pytest.approx(expected, abs=1e-12)
    assert res.problem_count == 0


def test_example_data_scores_with_one_reported_problem() -> None:
    res = relscales.score("ecr-r", ROOT / "examples" / "ecr-r-responses.csv")
    assert res.n_respondents == 40
    assert res.problem_count == 1
    (problem,) = res.problems
    assert (problem.row, problem.respondent, problem.column, problem.value) == (
        12,
        "R_012",
        "ecrr30",
        "8",
    )
    assert problem.code == "value-out-of-range"
    assert not any(math.isnan(v) for v in res.scores["anxiety"].tolist())


def test_attention_checks_and_durations_feed_the_screen(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from relscales.pipeline.analysis import analyze

    rows = [
        {**{k: v[0] for k, v in DATA.items()}, "ac1": 4, "seconds": 120},
        {**{k: v[1] for k, v in DATA.items()}, "ac1": 1, "seconds": 100},  # failed check
        {**{k: v[0] for k, v in DATA.items()}, "id": "c", "ac1": 4, "seconds": 5},  # too fast
    ]
    path = tmp_path / "tour.csv"
    header = list(rows[0])
    path.write_text(
        ",".join(header)
        + "\n"
        + "\n".join(",".join("" if r[h] is None else str(r[h]) for h in header) for r in rows)
        + "\n"
    )
    result = analyze(TOUR, path, duration_column="seconds")
    assert result.quality is not None
    reasons = [set(r) for r in result.quality.reasons]
    assert ["attention" in r for r in reasons] == [False, True, False]
    assert "attention" in reasons[1]
    assert "speed" in reasons[2]
    assert "attention" not in reasons[0]
    assert "speed" not in reasons[0]
    scored = relscales.score(TOUR, path, quality=True)
    assert scored.columns["quality"][1].startswith("careless")

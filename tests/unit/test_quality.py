"""Careless-responding indices (relscales.quality): hand-computed cases, R cross-checks.

Every expected number below is worked out by hand in the comment next to it. The R
fixtures (tests/r/fixtures/quality/, made by tests/r/make_quality_fixtures.R with the
R version recorded in versions.json) hold ``stats::mahalanobis`` and the published
careless formulas written out in base R, one respondent at a time.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from relscales.errors import ScoringError
from relscales.quality import (
    QualityThresholds,
    attention_checks,
    even_odd,
    irv,
    longstring,
    mahalanobis,
    psychant,
    psychsyn,
    screen,
    speed,
)

NAN = math.nan
QUALITY = Path(__file__).resolve().parent.parent / "r" / "fixtures" / "quality"
R_TOL = 1e-10  # R writes 17 significant digits; summation order differs in the last bits

# ---------------------------------------------------------------------------------------------
# longstring
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "longest", "average"),
    [
        # runs 3,3 | 1 -> longest 3, 4 answered / 2 runs = 2.0
        pytest.param([3, 3, 3, 1], 3, 2.0, id="run-of-three"),
        # straight-liner: one run of 5
        pytest.param([2, 2, 2, 2, 2], 5, 5.0, id="straight-liner"),
        # all different: 4 runs of 1
        pytest.param([1, 2, 3, 4], 1, 1.0, id="all-different"),
        # 1 1 | NaN | 1 1 1 -> missing breaks the run: runs 2 and 3, 5 answered / 2 runs
        pytest.param([1, 1, NAN, 1, 1, 1], 3, 2.5, id="missing-breaks-run"),
        # alternating 1 5 1 5: 4 runs of 1
        pytest.param([1, 5, 1, 5], 1, 1.0, id="alternating"),
        # only one answer: one run of 1
        pytest.param([NAN, 4, NAN], 1, 1.0, id="one-answer"),
        # nothing answered: 0 and NaN
        pytest.param([NAN, NAN, NAN], 0, NAN, id="all-missing"),
    ],
)
def test_longstring_by_hand(row: list[float], longest: int, average: float) -> None:
    result = longstring(np.array([row], dtype=float))
    assert result.longest.tolist() == [longest]
    assert_allclose(result.average, [average], equal_nan=True)
    assert result.longest.dtype == np.int64


# ---------------------------------------------------------------------------------------------
# irv
# ---------------------------------------------------------------------------------------------


def test_irv_by_hand() -> None:
    x = np.array(
        [
            [1.0, 2.0, 3.0, 4.0],  # mean 2.5, SS = 2.25+0.25+0.25+2.25 = 5, /3 -> sqrt(5/3)
            [3.0, 3.0, 3.0, 3.0],  # straight-liner -> 0
            [1.0, NAN, 5.0, NAN],  # mean 3, SS = 4+4 = 8, /1 -> sqrt(8)
            [2.0, NAN, NAN, NAN],  # one answer -> NaN (R sd of one value is NA)
        ]
    )
    assert_allclose(irv(x), [math.sqrt(5 / 3), 0.0, math.sqrt(8), NAN], equal_nan=True)


# ---------------------------------------------------------------------------------------------
# mahalanobis
# ---------------------------------------------------------------------------------------------


def test_mahalanobis_one_item_by_hand() -> None:
    # complete values 1, 2, 3, 6: mean 3, var = (4+1+0+9)/3 = 14/3
    # D2 = (x-3)^2 / (14/3): 4*3/14 = 6/7, 3/14, 0, 27/14; row with NaN -> NaN
    r = mahalanobis(np.array([[1.0], [2.0], [3.0], [NAN], [6.0]]))
    assert_allclose(r.distance, [6 / 7, 3 / 14, 0.0, NAN, 27 / 14], equal_nan=True)
    assert (r.df, r.n_complete) == (1, 4)
    # chi-square(1) upper tail of 0 is 1
    assert r.p_value[2] == pytest.approx(1.0)
    assert math.isnan(r.p_value[3])


def test_mahalanobis_two_items_by_hand() -> None:
    # x = (0,0), (2,0), (0,2), (2,2): mean (1,1), S = diag(4/3, 4/3) (cross-products cancel)
    # every point has D2 = (1 + 1) / (4/3) = 1.5
    x = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    assert_allclose(mahalanobis(x).distance, [1.5] * 4)


@pytest.mark.parametrize(
    "x",
    [
        pytest.param(np.array([[1.0, 2.0], [2.0, 1.0]]), id="too-few-complete-cases"),
        pytest.param(np.array([[1.0, 1.0], [2.0, 1.0], [3.0, 1.0], [4.0, 1.0]]), id="constant"),
        pytest.param(np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [5.0, 10.0]]), id="collinear"),
    ],
)
def test_mahalanobis_singular_covariance_raises(x: np.ndarray) -> None:
    with pytest.raises(ScoringError, match="singular") as info:
        mahalanobis(x)
    assert info.value.code == "invalid-option"


def test_mahalanobis_rejects_non_matrix() -> None:
    with pytest.raises(ScoringError, match="2-D"):
        mahalanobis(np.array([1.0, 2.0]))


# ---------------------------------------------------------------------------------------------
# even-odd
# ---------------------------------------------------------------------------------------------


def test_even_odd_by_hand() -> None:
    scales = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    x = np.array(
        [
            # odd halves (pos 1,3): 1, 3, 5; even halves (pos 2,4): 2, 3, 4 -> r = 1,
            # SB = 2/2 = 1, flipped -> -1 (consistent)
            [1, 2, 1, 2, 3, 3, 3, 3, 5, 4, 5, 4],
            # odd (pos 1,3) means 1, 3, 4; even (pos 2,4) means 2, 3, 3; both average 8/3
            # deviations odd (-5/3, 1/3, 4/3), even (-2/3, 1/3, 1/3)
            # cross = (10 + 1 + 4)/9 = 15/9; SS odd = (25 + 1 + 16)/9 = 42/9; SS even = 6/9
            # r = 15 / sqrt(42*6) = 15/sqrt(252); SB = 2r/(1+r); score = -SB
            [1, 2, 1, 2, 3, 3, 3, 3, 4, 3, 4, 3],
            # odd means 1, 3, 5; even means 5, 3, 1 -> r = -1 -> SB -inf -> clamp -1 -> 1
            [1, 5, 1, 5, 3, 3, 3, 3, 5, 1, 5, 1],
            # odd means all 3 -> constant -> NaN
            [3, 1, 3, 1, 3, 4, 3, 4, 3, 5, 3, 5],
        ],
        dtype=float,
    )
    r = 15 / math.sqrt(252)
    res = even_odd(x, scales)
    assert_allclose(res.score, [-1.0, -(2 * r) / (1 + r), 1.0, NAN], equal_nan=True)
    assert res.n_pairs.tolist() == [3, 3, 3, 3]


def test_even_odd_missing_and_interleaved_scales() -> None:
    # interleaved scales: A = cols 0,2,4,6; B = cols 1,3,5,7, and C = 8, 9
    scales = [[0, 2, 4, 6], [1, 3, 5, 7], [8, 9]]
    x = np.array(
        [
            # A: odd (cols 0,4) = 1, NaN -> 1; even (cols 2,6) = 2, 2 -> 2
            # B: odd (cols 1,5) = 4, 4 -> 4; even (3,7) = 5, NaN -> 5
            # C: odd 2; even 3.  odd (1,4,2) vs even (2,5,3): differ by +1 -> r = 1 -> -1
            [1, 4, 2, 5, NAN, 4, 2, NAN, 2, 3],
            # C fully missing: only two usable scales -> r = +-1 from two points
            # A odd 1, even 2; B odd 4, even 5 -> r = 1 -> -1
            [1, 4, 2, 5, 1, 4, 2, 5, NAN, NAN],
            # only scale A usable -> one pair -> NaN
            [1, NAN, 2, NAN, 1, NAN, 2, NAN, NAN, NAN],
        ]
    )
    res = even_odd(x, scales)
    assert_allclose(res.score, [-1.0, -1.0, NAN], equal_nan=True)
    assert res.n_pairs.tolist() == [3, 2, 1]


@pytest.mark.parametrize(
    ("scales", "match"),
    [
        pytest.param([[0, 1, 2, 3]], "at least two scales", id="one-scale"),
        pytest.param([], "at least two scales", id="no-scale"),
        pytest.param([[0, 1], []], "non-empty", id="empty-scale"),
        pytest.param([[0, 1], [2, 9]], "outside", id="out-of-range"),
        pytest.param([[0, 1], [-1, 2]], "outside", id="negative"),
    ],
)
def test_even_odd_bad_scales(scales: list[list[int]], match: str) -> None:
    with pytest.raises(ScoringError, match=match):
        even_odd(np.ones((2, 4)), scales)


# ---------------------------------------------------------------------------------------------
# psychsyn / psychant
# ---------------------------------------------------------------------------------------------

# Six items: columns (0,1), (2,3), (4,5) repeat the same answers in rows 0-9 (pair r = 0.69
# once row 10 is in), other pairs have |r| <= 0.45. Row 10 answers each pair inconsistently.
SYN = np.array(
    [
        [1, 1, 3, 3, 2, 2],
        [2, 2, 5, 5, 4, 4],
        [3, 3, 2, 2, 5, 5],
        [4, 4, 4, 4, 1, 1],
        [5, 5, 1, 1, 3, 3],
        [1, 1, 4, 4, 5, 5],
        [2, 2, 1, 1, 3, 3],
        [3, 3, 5, 5, 1, 1],
        [4, 4, 3, 3, 2, 2],
        [5, 5, 2, 2, 4, 4],
        [1, 5, 5, 1, 1, 5],
    ],
    dtype=float,
)


def test_psychsyn_selects_pairs_and_scores_by_hand() -> None:
    res = psychsyn(SYN, 0.60)
    assert res.pairs == ((0, 1), (2, 3), (4, 5))
    assert all(r > 0.6 for r in res.pair_correlations)
    # row 0: first items (1, 3, 2) vs second items (1, 3, 2) -> r = 1
    # row 10: first (1, 5, 1) vs second (5, 1, 5) -> exactly reversed -> r = -1
    assert_allclose(res.score, [1.0] * 10 + [-1.0])
    assert res.n_pairs.tolist() == [3] * 11


def test_psychsyn_needs_three_complete_pairs() -> None:
    x = SYN.copy()
    x[0, 0] = NAN  # row 0 now has 2 usable pairs -> NaN (careless: sum_item_pairs > 2)
    res = psychsyn(x, 0.60)
    assert res.n_pairs[0] == 2
    assert math.isnan(res.score[0])


def test_psychsyn_constant_side_is_nan() -> None:
    x = np.vstack([SYN, [3, 3, 3, 3, 3, 3]])
    res = psychsyn(x, 0.60)
    assert math.isnan(res.score[-1])


def test_psychsyn_no_pairs_gives_nan_and_empty_pairs() -> None:
    # columns uncorrelated: (1,2,3,4) with (1,-1,-1,1)-like pattern
    x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 1.0], [4.0, 2.0]])  # r = 0
    res = psychsyn(x, 0.60)
    assert res.pairs == ()
    assert np.isnan(res.score).all()
    assert res.n_pairs.tolist() == [0] * 4


def test_psychant_by_hand() -> None:
    # reverse columns 1, 3, 5 of SYN (6 - x): the pairs become antonyms (r < -0.6)
    x = SYN.copy()
    x[:, [1, 3, 5]] = 6 - x[:, [1, 3, 5]]
    res = psychant(x, -0.60)
    assert res.pairs == ((0, 1), (2, 3), (4, 5))
    # row 0: (1, 3, 2) vs (5, 3, 4) -> r = -1 (attentive); row 10: (1, 5, 1) vs (1, 5, 1) -> +1
    assert_allclose(res.score, [-1.0] * 10 + [1.0])
    # the sign of critval does not matter (careless takes abs)
    assert psychant(x, 0.60).pairs == res.pairs


def test_pairwise_item_correlation_uses_pair_complete_rows() -> None:
    # item 0 = (1,2,3,NaN,9), item 1 = (1,2,3,7,NaN): on the three shared rows r = 1 -> selected
    x = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [NAN, 7.0], [9.0, NAN]])
    res = psychsyn(x, 0.99)
    assert res.pairs == ((0, 1),)
    assert res.pair_correlations[0] == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------
# attention checks and speed
# ---------------------------------------------------------------------------------------------


def test_attention_checks_by_hand() -> None:
    x = np.array(
        [
            [1.0, 5.0, 2.0],  # col1 = 5 ok, col2 in {1, 2} ok -> 0
            [1.0, 4.0, 3.0],  # both wrong -> 2
            [1.0, NAN, 1.0],  # col1 missing -> fails under "fail", ignored under "omit"
        ]
    )
    checks = {1: 5.0, 2: [1.0, 2.0]}
    assert attention_checks(x, checks).tolist() == [0, 2, 1]
    assert attention_checks(x, checks, nan_policy="omit").tolist() == [0, 2, 0]
    assert attention_checks(x, {}).tolist() == [0, 0, 0]


@pytest.mark.parametrize(
    ("checks", "match"),
    [
        pytest.param({3: 1.0}, "outside", id="out-of-range"),
        pytest.param({0: []}, "no acceptable answer", id="empty-expected"),
    ],
)
def test_attention_checks_bad_options(checks: dict[int, list[float] | float], match: str) -> None:
    with pytest.raises(ScoringError, match=match):
        attention_checks(np.ones((2, 3)), checks)


def test_speed_by_hand() -> None:
    # 120 s / 30 items = 4; 45 / 30 = 1.5; unknown duration stays NaN
    assert_allclose(speed([120.0, 45.0, NAN], 30), [4.0, 1.5, NAN], equal_nan=True)
    # per-respondent item counts: 60/20 = 3, 60/40 = 1.5
    assert_allclose(speed([60.0, 60.0], [20, 40]), [3.0, 1.5])


@pytest.mark.parametrize("n_items", [0, -3, [10, 0], NAN])
def test_speed_rejects_non_positive_item_counts(n_items: object) -> None:
    with pytest.raises(ScoringError, match="positive"):
        speed([10.0, 10.0], n_items)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# screen
# ---------------------------------------------------------------------------------------------


def _screen_data() -> np.ndarray:
    rng = np.random.default_rng(7)
    f = rng.normal(size=(80, 2))
    load = np.repeat(f, 4, axis=1) * 0.8 + rng.normal(size=(80, 8)) * 0.6
    x = np.clip(np.rint(3 + 1.2 * load), 1, 5)
    x[0] = 3.0  # straight-liner
    return x


def test_screen_skips_even_odd_with_two_scales() -> None:
    # over two scales the correlation rests on two points: always +1 or -1
    x = _screen_data()
    two = screen(x, scales=[[0, 1, 2, 3], [4, 5, 6, 7]], skip=("mahalanobis",))
    assert two.even_odd is None
    assert "even_odd" not in two.flags
    three = screen(x, scales=[[0, 1, 2], [3, 4, 5], [6, 7]], skip=("mahalanobis",))
    assert three.even_odd is not None
    # a respondent with only two usable scales gets no score
    x[3, [6, 7]] = NAN
    partial = screen(x, scales=[[0, 1, 2], [3, 4, 5], [6, 7]], skip=("mahalanobis",))
    assert partial.even_odd is not None
    assert np.isnan(partial.even_odd[3])
    assert even_odd(x, [[0, 1, 2], [3, 4, 5], [6, 7]]).score[3] in (-1.0, 1.0)  # careless's rule


def test_screen_flags_and_reasons() -> None:
    x = _screen_data()
    durations = np.full(80, 60.0)
    durations[5] = 8.0  # 8 s / 8 items = 1 s per item -> speed
    checks = {7: [1.0, 2.0, 3.0, 4.0, 5.0]}  # everybody passes ...
    x_raw = x.copy()
    x_raw[9, 7] = NAN  # ... except respondent 9, who skipped it
    res = screen(
        x,
        scales=[[0, 1, 2], [3, 4, 5], [6, 7]],
        x_raw=x_raw,
        checks=checks,
        duration_seconds=durations,
    )
    assert "longstring" in res.reasons[0]
    assert res.reasons[5] == ("speed",) or "speed" in res.reasons[5]
    assert "attention" in res.reasons[9]
    assert res.careless[[0, 5, 9]].all()
    assert set(res.flags) == {
        "longstring",
        "mahalanobis",
        "even_odd",
        "psychsyn",
        "psychant",
        "attention",
        "speed",
    }
    # careless is exactly "any flag"; reasons list exactly the raised flags, in rule order
    any_flag = np.any(np.column_stack(list(res.flags.values())), axis=1)
    assert_array_equal(res.careless, any_flag)
    for i, reasons in enumerate(res.reasons):
        assert list(reasons) == [name for name, v in res.flags.items() if v[i]]
    # thresholds, by hand: longstring 8 >= 0.5 * 8; speed 1.0 < 2
    assert res.longstring[0] == 8
    assert res.seconds_per_item is not None
    assert res.seconds_per_item[5] == 1.0
    assert res.attention_failed is not None
    assert res.attention_failed.tolist() == [1 if i == 9 else 0 for i in range(80)]


def test_screen_optional_inputs_absent() -> None:
    x = _screen_data()
    res = screen(x, skip=("mahalanobis", "psychant"))
    assert res.mahalanobis is None
    assert res.mahalanobis_p is None
    assert res.even_odd is None
    assert res.attention_failed is None
    assert res.seconds_per_item is None
    assert res.psychant is None
    assert set(res.flags) == {"longstring", "psychsyn"}


def test_screen_thresholds_switch_rules_off() -> None:
    x = _screen_data()
    off = QualityThresholds(
        longstring_fraction=None,
        mahalanobis_alpha=None,
        even_odd_max=None,
        psychsyn_min=None,
        psychant_max=None,
        attention_max_failed=None,
        seconds_per_item_min=None,
    )
    res = screen(x, scales=[[0, 1, 2, 3], [4, 5, 6, 7]], thresholds=off)
    assert res.flags == {}
    assert not res.careless.any()
    assert res.reasons == ((),) * 80
    assert res.mahalanobis is not None  # still computed, just not flagged


def test_screen_nan_index_never_flags() -> None:
    x = _screen_data()
    x[3, :] = NAN  # nothing answered: every index NaN (longstring 0)
    res = screen(x, scales=[[0, 1, 2, 3], [4, 5, 6, 7]])
    assert not res.careless[3]
    assert res.reasons[3] == ()


def test_screen_to_records() -> None:
    x = _screen_data()
    x[2, 1] = NAN
    recs = screen(x, duration_seconds=np.full(80, 30.0)).to_records()
    assert len(recs) == 80
    assert recs[0]["longstring"] == 8
    assert recs[0]["careless"] is True
    assert recs[0]["reasons"][0] == "longstring"
    assert recs[2]["mahalanobis"] is None  # incomplete row
    assert recs[1]["seconds_per_item"] == 3.75  # 30 / 8
    assert "even_odd" not in recs[0]  # not computed without scales
    json.dumps(recs)  # plain Python values only


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"x_raw": np.ones((3, 3))}, "x_raw has shape", id="x-raw-shape"),
        pytest.param({"skip": ("bogus",)}, "unknown index", id="unknown-skip"),
        pytest.param({"duration_seconds": [1.0, 2.0]}, "duration_seconds", id="durations"),
    ],
)
def test_screen_bad_options(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ScoringError, match=match):
        screen(_screen_data(), **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Cross-check against R (fixtures from tests/r/make_quality_fixtures.R)
# ---------------------------------------------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _column(rows: list[dict[str, str]], name: str) -> np.ndarray:
    return np.array([float(r[name]) if r[name] != "" else NAN for r in rows])


@pytest.fixture(scope="module")
def r_case() -> tuple[np.ndarray, list[dict[str, str]], dict[str, object]]:
    items = _read_csv(QUALITY / "items.csv")
    names = [c for c in items[0] if c != "id"]
    x = np.column_stack([_column(items, c) for c in names])
    meta = json.loads((QUALITY / "versions.json").read_text())
    return x, _read_csv(QUALITY / "expected.csv"), meta


def test_r_fixture_has_missing_data(r_case: tuple[np.ndarray, list, dict]) -> None:
    x, _, meta = r_case
    assert np.isnan(x).any()
    assert str(meta["r_version"]).startswith("R version")


def test_mahalanobis_matches_r_stats_mahalanobis(r_case: tuple[np.ndarray, list, dict]) -> None:
    x, expected, _ = r_case
    res = mahalanobis(x)
    assert_allclose(res.distance, _column(expected, "mahalanobis"), rtol=R_TOL, equal_nan=True)
    assert_allclose(res.p_value, _column(expected, "mahalanobis_p"), rtol=1e-9, equal_nan=True)


def test_irv_matches_r_sd(r_case: tuple[np.ndarray, list, dict]) -> None:
    x, expected, _ = r_case
    assert_allclose(irv(x), _column(expected, "irv"), rtol=R_TOL, atol=1e-14, equal_nan=True)


def test_even_odd_matches_r_formula(r_case: tuple[np.ndarray, list, dict]) -> None:
    x, expected, meta = r_case
    res = even_odd(x, meta["scales"])  # type: ignore[arg-type]
    assert_allclose(res.score, _column(expected, "even_odd"), rtol=R_TOL, equal_nan=True)


def test_psychsyn_and_psychant_match_r_formula(r_case: tuple[np.ndarray, list, dict]) -> None:
    x, expected, meta = r_case
    syn = psychsyn(x, float(meta["psychsyn_critval"]))  # type: ignore[arg-type]
    assert len(syn.pairs) == meta["psychsyn_pairs"]
    assert_allclose(syn.score, _column(expected, "psychsyn"), rtol=R_TOL, equal_nan=True)
    assert syn.n_pairs.tolist() == [int(r["psychsyn_n_pairs"]) for r in expected]

    x_raw = x.copy()
    cols = meta["psychant_reversed_columns"]
    x_raw[:, cols] = 6 - x_raw[:, cols]  # type: ignore[index]
    ant = psychant(x_raw, float(meta["psychant_critval"]))  # type: ignore[arg-type]
    assert len(ant.pairs) == meta["psychant_pairs"]
    assert_allclose(ant.score, _column(expected, "psychant"), rtol=R_TOL, equal_nan=True)
    assert ant.n_pairs.tolist() == [int(r["psychant_n_pairs"]) for r in expected]


def test_longstring_matches_r_rle_on_complete_rows(r_case: tuple[np.ndarray, list, dict]) -> None:
    x, expected, _ = r_case
    res = longstring(x)
    complete = ~np.isnan(x).any(axis=1)
    assert_allclose(res.longest[complete], _column(expected, "longstring")[complete])
    assert_allclose(res.average[complete], _column(expected, "avgstring")[complete], rtol=R_TOL)

"""relscales.reliable_change: a naive reference, argument checks, NaN, directions, cut-offs.

The reference below is written from the formulas in docs/methods-change.md, one person at a
time in plain Python (statistics.mean / stdev for the sample statistics), not from the
module's code; the vectorised functions must agree with it on random data.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from collections.abc import Sequence

import numpy as np
import pytest

from relscales.reliable_change import (
    CATEGORIES,
    RCI_METHODS,
    VERDICTS,
    ClinicalSignificance,
    ReliableChange,
    _verdicts,
    clinical_cutoff,
    clinical_significance,
    cutoff_crossing,
    reliable_change,
)

Z975 = statistics.NormalDist().inv_cdf(0.975)
Z95 = statistics.NormalDist().inv_cdf(0.95)


# ---------------------------------------------------------------------------------------------
# Naive reference
# ---------------------------------------------------------------------------------------------


def naive(
    before: Sequence[float],
    after: Sequence[float],
    r: float,
    better: str,
    method: str,
    r_after: float | None = None,
) -> tuple[list[float], list[str]]:
    pairs = [
        (x1, x2)
        for x1, x2 in zip(before, after, strict=True)
        if not (math.isnan(x1) or math.isnan(x2))
    ]
    pre = [p[0] for p in pairs]
    post = [p[1] for p in pairs]
    m1, m2 = statistics.mean(pre), statistics.mean(post)
    s1, s2 = statistics.stdev(pre), statistics.stdev(post)
    rho = statistics.correlation(pre, post)
    se = s1 * math.sqrt(1 - r)
    r2 = r if r_after is None else r_after
    d = 1 if better == "higher" else -1
    crit = Z95 if method == "ha" else Z975
    indices: list[float] = []
    labels: list[str] = []
    for x1, x2 in zip(before, after, strict=True):
        if math.isnan(x1) or math.isnan(x2):
            indices.append(math.nan)
            labels.append("")
            continue
        if method == "jt":
            rc = (x2 - x1) / math.sqrt(2 * se * se)
        elif method == "gln":
            rc = ((x2 - m1) - r * (x1 - m1)) / (s1 * math.sqrt(1 - r * r))
        elif method == "hll":
            rc = ((x2 - m2) - r * (x1 - m1)) / (s1 * math.sqrt(1 - r * r))
        elif method == "en":
            rc = (x2 - (r * (x1 - m1) + m1)) / se
        elif method == "nk":
            rc = (x2 - (r * (x1 - m1) + m1)) / math.sqrt(
                r * r * s1 * s1 * (1 - r) + s1 * s1 * (1 - r2)
            )
        else:
            r11 = (s1 * s1 - se * se) / (s1 * s1)
            r22 = (s2 * s2 - se * se) / (s2 * s2)
            rdd = (s1 * s1 * r11 + s2 * s2 * r22 - 2 * s1 * s2 * rho) / (
                s1 * s1 + s2 * s2 - 2 * s1 * s2 * rho
            )
            rc = ((x2 - x1) * rdd + (m2 - m1) * (1 - rdd)) / (
                math.sqrt(rdd) * math.sqrt(2 * se * se)
            )
        indices.append(rc)
        if d * rc > crit:
            labels.append("improved")
        elif d * rc < -crit:
            labels.append("deteriorated")
        else:
            labels.append("unchanged")
    return indices, labels


def naive_categories(
    before: Sequence[float],
    after: Sequence[float],
    verdicts: Sequence[str],
    cut: float,
    better: str,
) -> list[str]:
    d = 1 if better == "higher" else -1
    out = []
    for x1, x2, v in zip(before, after, verdicts, strict=True):
        if v == "":
            out.append("")
            continue
        clinical_pre = d * x1 < d * cut
        functional_post = d * x2 > d * cut
        if v == "improved":
            out.append("recovered" if clinical_pre and functional_post else "improved")
        elif v == "deteriorated":
            harmed = (not clinical_pre) and (not functional_post)
            out.append("harmed" if harmed else "deteriorated")
        else:
            out.append("unchanged")
    return out


def _data(seed: int, n: int = 300, missing: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    true = rng.normal(30, 8, n)
    before = np.round(true + rng.normal(0, 3, n))
    after = np.round(true - rng.normal(4, 6, n) + rng.normal(0, 3, n))
    before[rng.random(n) < missing] = np.nan
    after[rng.random(n) < missing] = np.nan
    return before, after


# ---------------------------------------------------------------------------------------------
# Differential checks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", RCI_METHODS)
@pytest.mark.parametrize("better", ["lower", "higher"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_equals_naive(method: str, better: str, seed: int) -> None:
    before, after = _data(seed)
    r_after = 0.7 if method == "nk" else None
    rc = reliable_change(
        before,
        after,
        reliability=0.82,
        better=better,  # type: ignore[arg-type]
        method=method,  # type: ignore[arg-type]
        reliability_after=r_after,
    )
    indices, labels = naive(before.tolist(), after.tolist(), 0.82, better, method, r_after)
    np.testing.assert_allclose(rc.index, indices, rtol=1e-12, atol=1e-12)
    assert rc.labels().tolist() == labels
    cut = 24.5
    cs = clinical_significance(before, after, rc, cut)
    assert cs.labels().tolist() == naive_categories(
        before.tolist(), after.tolist(), labels, cut, better
    )


def test_sample_statistics_use_complete_pairs_only() -> None:
    before = np.array([10.0, 12.0, np.nan, 20.0, 99.0])
    after = np.array([8.0, 9.0, 30.0, 15.0, np.nan])
    rc = reliable_change(before, after, reliability=0.8, better="lower")
    assert rc.n == 5
    assert rc.n_complete == 3
    assert rc.mean_before == pytest.approx(14.0)
    assert rc.sd_before == pytest.approx(statistics.stdev([10.0, 12.0, 20.0]))
    assert rc.mean_after == pytest.approx(statistics.mean([8.0, 9.0, 15.0]))
    assert rc.sd_after == pytest.approx(statistics.stdev([8.0, 9.0, 15.0]))
    assert rc.correlation == pytest.approx(statistics.correlation([10, 12, 20], [8, 9, 15]))


def test_published_statistics_replace_the_sample_ones() -> None:
    rc = reliable_change([40.0], [20.0], reliability=0.9, better="lower", sd_before=10.0)
    se = 10 * math.sqrt(0.1)
    assert rc.se_measurement == pytest.approx(se)
    assert rc.se_difference == pytest.approx(math.sqrt(2) * se)
    assert rc.index[0] == pytest.approx(-20 / (math.sqrt(2) * se))
    assert rc.labels().tolist() == ["improved"]
    assert math.isnan(rc.sd_after)
    assert math.isnan(rc.correlation)
    gln = reliable_change(
        [40.0], [20.0], reliability=0.9, better="lower", method="gln", sd_before=10, mean_before=35
    )
    assert gln.index[0] == pytest.approx(((20 - 35) - 0.9 * (40 - 35)) / (10 * math.sqrt(1 - 0.81)))


def test_one_person_with_published_statistics() -> None:
    # a single number is one person; HLL reads both means
    rc = reliable_change(
        32.0,
        20.0,
        reliability=0.85,
        better="lower",
        method="hll",
        sd_before=8.0,
        mean_before=30.0,
        mean_after=24.0,
    )
    expected = ((20 - 24) - 0.85 * (32 - 30)) / (8 * math.sqrt(1 - 0.85**2))
    assert rc.index.tolist() == [pytest.approx(expected)]
    assert (rc.n, rc.n_complete) == (1, 1)
    assert rc.mean_after == 24.0
    ha = reliable_change(
        32.0,
        20.0,
        reliability=0.85,
        better="lower",
        method="ha",
        sd_before=8.0,
        sd_after=10.0,
        mean_before=30.0,
        mean_after=24.0,
        correlation=0.5,
    )
    se = 8 * math.sqrt(0.15)
    r22 = (100 - se * se) / 100
    rdd = (64 * 0.85 + 100 * r22 - 2 * 8 * 10 * 0.5) / (64 + 100 - 2 * 8 * 10 * 0.5)
    assert ha.r_dd == pytest.approx(rdd)
    assert ha.index[0] == pytest.approx(
        (-12 * rdd + (24 - 30) * (1 - rdd)) / (math.sqrt(rdd) * math.sqrt(2) * se)
    )


def test_critical_values_match_r_qnorm() -> None:
    before, after = _data(5)
    assert reliable_change(before, after, reliability=0.8, better="lower").critical == (
        1.9599639845400536
    )
    ha = reliable_change(before, after, reliability=0.8, better="lower", method="ha")
    assert ha.critical == 1.6448536269514715
    rc90 = reliable_change(before, after, reliability=0.8, better="lower", confidence_level=0.9)
    assert rc90.critical == pytest.approx(1.6448536269514715)


def test_nk_reliability_after_defaults_to_reliability() -> None:
    before, after = _data(6)
    default = reliable_change(before, after, reliability=0.8, better="lower", method="nk")
    same = reliable_change(
        before, after, reliability=0.8, better="lower", method="nk", reliability_after=0.8
    )
    assert default.reliability_after == 0.8
    np.testing.assert_array_equal(default.index, same.index)
    other = reliable_change(
        before, after, reliability=0.8, better="lower", method="nk", reliability_after=1.0
    )
    assert other.se_difference < default.se_difference


# ---------------------------------------------------------------------------------------------
# NaN, directions, results
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", RCI_METHODS)
def test_nan_gives_nan_index_and_code_minus_one(method: str) -> None:
    before, after = _data(7, missing=0.2)
    rc = reliable_change(
        before,
        after,
        reliability=0.8,
        better="lower",
        method=method,  # type: ignore[arg-type]
    )
    missing = np.isnan(before) | np.isnan(after)
    assert missing.any()
    assert np.isnan(rc.index[missing]).all()
    assert np.isnan(rc.change[missing]).all()
    assert not np.isnan(rc.index[~missing]).any()
    assert (rc.verdict[missing] == -1).all()
    assert (rc.verdict[~missing] >= 0).all()
    assert (rc.labels()[missing] == "").all()
    assert rc.counts()["missing"] == missing.sum()
    cs = clinical_significance(before, after, rc, 25.0)
    assert (cs.category[missing] == -1).all()
    assert (cs.category[~missing] >= 0).all()
    assert cs.counts()["missing"] == missing.sum()
    assert not cs.crossing.functional_after[missing].any()


@pytest.mark.parametrize("method", RCI_METHODS)
def test_lower_and_higher_mirror_each_other(method: str) -> None:
    before, after = _data(8)
    kwargs = {"reliability": 0.8, "method": method}
    low = reliable_change(before, after, better="lower", **kwargs)  # type: ignore[arg-type]
    high = reliable_change(before, after, better="higher", **kwargs)  # type: ignore[arg-type]
    np.testing.assert_array_equal(low.index, high.index)
    mirror = np.array([2, 1, 0], dtype=np.int8)
    ok = low.verdict >= 0
    np.testing.assert_array_equal(high.verdict[ok], mirror[low.verdict[ok]])
    np.testing.assert_array_equal(high.verdict[~ok], low.verdict[~ok])
    # the same people, mirrored scores: the same verdicts
    flipped = reliable_change(-before, -after, better="higher", **kwargs)  # type: ignore[arg-type]
    np.testing.assert_array_equal(flipped.verdict, low.verdict)


def test_strict_inequalities_at_the_critical_value() -> None:
    # an index of exactly +-critical is unchanged (the package uses > and <)
    z = Z975
    up = np.nextafter(z, math.inf)
    index = np.array([z, -z, up, -up, np.nan])
    assert _verdicts(index, 1.0, z).tolist() == [1, 1, 0, 2, -1]
    assert _verdicts(index, -1.0, z).tolist() == [1, 1, 2, 0, -1]


def test_labels_counts_and_frozen() -> None:
    before, after = _data(9)
    rc = reliable_change(before, after, reliability=0.8, better="lower")
    counts = rc.counts()
    assert list(counts) == [*VERDICTS, "missing"]
    assert sum(counts.values()) == rc.n
    for label in VERDICTS:
        assert counts[label] == int((rc.labels() == label).sum())
    with pytest.raises(dataclasses.FrozenInstanceError):
        rc.critical = 1.0  # type: ignore[misc]
    cs = clinical_significance(before, after, rc, 25.0)
    assert list(cs.counts()) == [*CATEGORIES, "missing"]
    assert sum(cs.counts().values()) == rc.n
    assert isinstance(cs, ClinicalSignificance)
    assert isinstance(rc, ReliableChange)
    assert rc.verdict.dtype == np.int8
    assert cs.category.dtype == np.int8


def test_a_million_people_take_milliseconds() -> None:
    before, after = _data(0, n=1_000_000)
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        rc = reliable_change(before, after, reliability=0.8, better="lower", method="ha")
        clinical_significance(before, after, rc, 25.0)
        best = min(best, time.perf_counter() - start)
    assert best < 0.5


# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------

GOOD = {"reliability": 0.8, "better": "lower"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"better": None}, "declare which direction of the score is better"),
        ({"better": "up"}, "better must be 'lower' or 'higher'"),
        (
            {"reliability": 1.0},
            r"reliability must be in \(0, 1\), got 1.0; with a reliability of 1",
        ),
        ({"reliability": 0.0}, r"reliability must be in \(0, 1\)"),
        ({"reliability": math.nan}, "reliability must be finite"),
        ({"reliability": "0.8"}, "reliability must be a number"),
        ({"reliability": True}, "reliability must be a number"),
        ({"method": "xx"}, "method must be one of jt, gln, hll, en, nk, ha"),
        ({"reliability_after": 0.7}, "reliability_after is read by method='nk' only"),
        ({"method": "nk", "reliability_after": 1.5}, r"reliability_after must be in \(0, 1\]"),
        ({"sd_before": 0.0}, "sd_before must be > 0"),
        ({"sd_before": -1.0}, "sd_before must be > 0"),
        ({"sd_after": math.inf}, "sd_after must be finite"),
        ({"mean_before": math.nan}, "mean_before must be finite"),
        ({"correlation": 1.5}, r"correlation must be in \[-1, 1\]"),
        ({"confidence_level": 1.0}, r"confidence_level must be in \(0, 1\)"),
        ({"confidence_level": 0.0}, r"confidence_level must be in \(0, 1\)"),
    ],
)
def test_reliable_change_argument_messages(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reliable_change([1.0, 2.0, 3.0], [2.0, 2.0, 5.0], **{**GOOD, **kwargs})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        ([1.0, 2.0], [1.0], "one score per person each; got 2 and 1"),
        ([[1.0, 2.0]], [[1.0, 2.0]], "1-D array of scores"),
        ([1.0, math.inf], [1.0, 2.0], "before holds an infinite value"),
        ([1.0, 2.0], [1.0, -math.inf], "after holds an infinite value"),
        (["a", "b"], [1.0, 2.0], "before must be numbers"),
    ],
)
def test_score_messages(before: object, after: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reliable_change(before, after, **GOOD)  # type: ignore[arg-type]


def test_missing_statistics_ask_for_a_value() -> None:
    with pytest.raises(ValueError, match=r"needs the SD of `before`.*1 complete pair.*sd_before="):
        reliable_change([30.0, np.nan], [20.0, 5.0], **GOOD)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"needs the SD of `before`, which is 0.*sd_before="):
        reliable_change([30.0, 30.0], [20.0, 5.0], **GOOD)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"method='gln' needs the mean of `before`"):
        reliable_change(
            [np.nan],
            [20.0],
            method="gln",
            sd_before=5.0,
            **GOOD,  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="correlation of `before` and `after`"):
        reliable_change(
            [30.0],
            [20.0],
            method="ha",
            sd_before=5,
            sd_after=5,
            **GOOD,  # type: ignore[arg-type]
        )


def test_ha_without_reliable_difference_is_an_error() -> None:
    # a perfect pre-post correlation and equal SDs leave no reliable difference variance
    before = np.array([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="difference scores have no variance"):
        reliable_change(before, before + 1, reliability=0.5, better="lower", method="ha")
    # less variance in the differences than measurement error alone would give
    rng = np.random.default_rng(0)
    before = rng.normal(30, 8, 2000)
    after = before - rng.normal(3, 5, 2000)
    with pytest.raises(ValueError, match=r"r_dd is -0\.0\d+ \(not > 0\)"):
        reliable_change(before, after, reliability=0.8, better="lower", method="ha")
    # the other methods do not need r_dd
    assert reliable_change(before, after, reliability=0.8, better="lower").n == 2000


# ---------------------------------------------------------------------------------------------
# Cut-offs
# ---------------------------------------------------------------------------------------------


def test_cutoff_criteria_by_hand() -> None:
    fun, dys = (10.0, 4.0), (30.0, 6.0)
    # lower is better: a = 30 - 2*6 = 18; b = 10 + 2*4 = 18 (paper) or 10 + 2*6 = 22 (package)
    # c = (6*10 + 4*30) / (4 + 6) = 18
    lower = {"functional": fun, "dysfunctional": dys, "better": "lower"}
    assert clinical_cutoff(**lower, criterion="a").value == 18.0  # type: ignore[arg-type]
    assert clinical_cutoff(**lower, criterion="b").value == 18.0  # type: ignore[arg-type]
    assert clinical_cutoff(**lower, criterion="b", b_sd="dysfunctional").value == 22.0  # type: ignore[arg-type]
    assert clinical_cutoff(**lower, criterion="c").value == 18.0  # type: ignore[arg-type]
    # higher is better (scores mirrored): a = -30 + 12, b = -10 - 8, c unchanged in form
    higher = {"functional": (-10.0, 4.0), "dysfunctional": (-30.0, 6.0), "better": "higher"}
    assert clinical_cutoff(**higher, criterion="a").value == -18.0  # type: ignore[arg-type]
    assert clinical_cutoff(**higher, criterion="b").value == -18.0  # type: ignore[arg-type]
    assert clinical_cutoff(**higher, criterion="c").value == -18.0  # type: ignore[arg-type]
    # unequal distances: c is as many own SDs from either mean
    c = clinical_cutoff(functional=(7.69, 7.52), dysfunctional=(35.475, 8.2), better="lower")
    assert (35.475 - c.value) / 8.2 == pytest.approx((c.value - 7.69) / 7.52)
    assert c.criterion == "c"


def test_cutoff_default_criterion_and_declared_value() -> None:
    assert clinical_cutoff(dysfunctional=(30, 5), better="lower").criterion == "a"
    assert clinical_cutoff(functional=(10, 5), better="lower").criterion == "b"
    assert (
        clinical_cutoff(functional=(10, 5), dysfunctional=(30, 5), better="lower").criterion == "c"
    )
    declared = clinical_cutoff(value=14, better="lower")
    assert (declared.value, declared.criterion, declared.method) == (14.0, "declared", "jt")
    assert declared.functional is None
    assert declared.dysfunctional is None
    assert math.isnan(declared.se_measurement)


def test_ha_cutoffs_by_hand() -> None:
    fun, dys, r = (10.0, 4.0), (30.0, 6.0), 0.8
    se = 6 * math.sqrt(1 - r)
    r_dys = (36 - se * se) / 36
    r_fun = (16 - se * se) / 16
    kw = {
        "functional": fun,
        "dysfunctional": dys,
        "better": "lower",
        "method": "ha",
        "reliability": r,
    }
    a = clinical_cutoff(**kw, criterion="a")  # type: ignore[arg-type]
    assert a.value == pytest.approx(30 - 2 * 6 * math.sqrt(r_dys))
    assert a.se_measurement == pytest.approx(se)
    assert a.reliability_dysfunctional == pytest.approx(r)
    assert a.reliability_functional == pytest.approx(r_fun)
    b = clinical_cutoff(**kw, criterion="b")  # type: ignore[arg-type]
    assert b.value == pytest.approx(10 + 2 * 4 * math.sqrt(r_fun))
    b_pkg = clinical_cutoff(**kw, criterion="b", b_sd="dysfunctional")  # type: ignore[arg-type]
    assert b_pkg.value == pytest.approx(10 + 2 * 6 * math.sqrt(r_dys))
    c = clinical_cutoff(**kw, criterion="c")  # type: ignore[arg-type]
    w_d, w_f = 6 * math.sqrt(r_dys), 4 * math.sqrt(r_fun)
    assert c.value == pytest.approx((w_d * 10 + w_f * 30) / (w_d + w_f))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"better": None, "dysfunctional": (1, 1)}, "declare which direction"),
        ({}, "pass the reference groups"),
        ({"dysfunctional": (30, 5), "criterion": "b"}, "needs the functional group"),
        ({"functional": (10, 5), "criterion": "a"}, "needs the dysfunctional group"),
        (
            {"functional": (10, 5), "criterion": "b", "b_sd": "dysfunctional"},
            "needs the dysfunctional",
        ),
        ({"functional": (10, 5), "dysfunctional": (30, 5), "criterion": "d"}, "criterion must be"),
        ({"functional": (10, 0), "dysfunctional": (30, 5)}, "functional sd must be > 0"),
        (
            {"functional": (10,), "dysfunctional": (30, 5)},
            r"functional must be a \(mean, sd\) pair",
        ),
        ({"functional": "10,5"}, r"functional must be a \(mean, sd\) pair"),
        ({"dysfunctional": (math.nan, 5)}, "dysfunctional mean must be finite"),
        ({"value": 14, "criterion": "a"}, "either value="),
        ({"value": 14, "method": "ha"}, "declared cut-off is crossed as observed scores"),
        ({"value": 14, "reliability": 0.8}, "reliability is read by method='ha' only"),
        ({"value": math.inf}, "value must be finite"),
        ({"dysfunctional": (30, 5), "reliability": 0.8}, "reliability is read by method='ha'"),
        ({"dysfunctional": (30, 5), "method": "ha"}, "reliability is required"),
        ({"functional": (10, 5), "method": "ha", "reliability": 0.8}, "needs the dysfunctional"),
        ({"dysfunctional": (30, 5), "method": "xx"}, "method must be 'jt' or 'ha'"),
        ({"dysfunctional": (30, 5), "b_sd": "both"}, "b_sd must be"),
        (
            {"functional": (10, 1), "dysfunctional": (30, 8), "method": "ha", "reliability": 0.5},
            "functional group's reliability",
        ),
    ],
)
def test_cutoff_argument_messages(kwargs: dict[str, object], message: str) -> None:
    kwargs = {"better": "lower", **kwargs}
    with pytest.raises(ValueError, match=message):
        clinical_cutoff(**kwargs)  # type: ignore[arg-type]


def test_ha_cutoff_a_ignores_an_unusable_functional_group() -> None:
    got = clinical_cutoff(
        functional=(10, 1),
        dysfunctional=(30, 8),
        better="lower",
        criterion="a",
        method="ha",
        reliability=0.5,
    )
    assert got.reliability_functional < 0
    assert got.value == pytest.approx(30 - 2 * 8 * math.sqrt(0.5))


# ---------------------------------------------------------------------------------------------
# Crossing the cut-off and categories
# ---------------------------------------------------------------------------------------------


def test_crossing_at_the_cutoff_follows_the_package() -> None:
    # lower is better, cut-off 20: a before of exactly 20 counts as functional, an after of
    # exactly 20 as not functional
    before = [25.0, 20.0, 25.0, 15.0, 15.0, np.nan]
    after = [15.0, 15.0, 20.0, 25.0, 20.0, 10.0]
    got = cutoff_crossing(before, after, 20.0, better="lower")
    assert got.clinical_before.tolist() == [True, False, True, False, False, False]
    assert got.functional_after.tolist() == [True, True, False, False, False, False]
    assert got.labels().tolist() == [
        "improved",
        "unchanged",
        "unchanged",
        "deteriorated",
        "deteriorated",
        "",
    ]
    higher = cutoff_crossing([-x for x in before], [-x for x in after], -20.0, better="higher")
    np.testing.assert_array_equal(higher.verdict, got.verdict)


def test_crossing_better_must_agree_with_the_cutoff() -> None:
    cut = clinical_cutoff(value=20, better="lower")
    assert cutoff_crossing([25.0], [15.0], cut).labels().tolist() == ["improved"]
    with pytest.raises(ValueError, match="disagrees"):
        cutoff_crossing([25.0], [15.0], cut, better="higher")
    with pytest.raises(ValueError, match="declare which direction"):
        cutoff_crossing([25.0], [15.0], 20.0)
    with pytest.raises(ValueError, match="cutoff must be finite"):
        cutoff_crossing([25.0], [15.0], math.nan, better="lower")


def test_categories_by_rule() -> None:
    # lower is better, cut-off 20, S_diff = 1 (sd_before chosen so), critical 1.96
    sd = 1 / math.sqrt(2 * (1 - 0.5))
    before = [25.0, 25.0, 15.0, 25.0, 15.0, 15.0, 22.0, 18.0]
    after = [15.0, 22.0, 10.0, 25.5, 25.0, 18.0, 25.0, 17.5]
    rc = reliable_change(before, after, reliability=0.5, better="lower", sd_before=sd)
    cs = clinical_significance(before, after, rc, 20.0)
    assert cs.labels().tolist() == [
        "recovered",  # reliably down, crossed from dysfunctional to functional
        "improved",  # reliably down, still dysfunctional
        "improved",  # reliably down from the functional side: never recovered
        "unchanged",
        "harmed",  # reliably up, from functional to dysfunctional
        "deteriorated",  # reliably up, still functional
        "deteriorated",  # reliably up, started dysfunctional: never harmed
        "unchanged",
    ]
    assert cs.cutoff == 20.0
    assert cs.change is rc


def test_ha_categories_follow_the_package() -> None:
    before, after = _data(11, n=400, missing=0.0)
    rc = reliable_change(before, after, reliability=0.8, better="lower", method="ha")
    cut = clinical_cutoff(
        functional=(12.0, 6.0),
        dysfunctional=(rc.mean_before, rc.sd_before),
        better="lower",
        method="ha",
        reliability=0.8,
    )
    cs = clinical_significance(before, after, rc, cut)
    crossing = cs.crossing
    assert crossing.method == "ha"
    assert crossing.index is not None
    # functional after only for people who started dysfunctional
    assert not (crossing.functional_after & ~crossing.clinical_before).any()
    # so every reliable deterioration from the functional side is "harmed"
    deteriorated = rc.verdict == 2
    harmed = cs.category == 4
    np.testing.assert_array_equal(harmed, deteriorated & ~crossing.clinical_before)
    r_after = (rc.sd_after**2 - cut.se_measurement**2) / rc.sd_after**2
    expected = (rc.mean_after + (after - rc.mean_after) * r_after - cut.value) / (
        math.sqrt(r_after) * cut.se_measurement
    )
    np.testing.assert_allclose(crossing.index, expected, rtol=1e-12)
    assert crossing.reliability_after == pytest.approx(r_after)
    stat = cutoff_crossing(before, after, cut)
    improved = stat.verdict == 0
    np.testing.assert_array_equal(improved, crossing.clinical_before & (-stat.index > Z95))  # type: ignore[operator]
    assert (stat.verdict[stat.verdict == 2] == 2).all()
    np.testing.assert_array_equal(stat.verdict == 2, ~stat.clinical_before & (-stat.index < -Z95))  # type: ignore[operator]


def test_ha_crossing_needs_after_statistics() -> None:
    cut = clinical_cutoff(dysfunctional=(30.0, 6.0), better="lower", method="ha", reliability=0.8)
    with pytest.raises(ValueError, match="mean_after= and sd_after="):
        cutoff_crossing([30.0], [20.0], cut)
    single = cutoff_crossing([30.0], [20.0], cut, mean_after=22.0, sd_after=7.0)
    assert single.mean_after == 22.0
    with pytest.raises(ValueError, match="reliability of `after`"):
        cutoff_crossing([30.0], [20.0], cut, mean_after=22.0, sd_after=1.0)


def test_clinical_significance_checks_its_inputs() -> None:
    before, after = _data(12)
    rc = reliable_change(before, after, reliability=0.8, better="lower")
    with pytest.raises(ValueError, match="scores `change` was computed from"):
        clinical_significance(before, after + 1, rc, 20.0)
    with pytest.raises(ValueError, match="scores `change` was computed from"):
        clinical_significance(before[:-1], after[:-1], rc, 20.0)
    with pytest.raises(ValueError, match=r"disagrees with change\.better"):
        clinical_significance(before, after, rc, 20.0, better="higher")
    cut = clinical_cutoff(value=20.0, better="higher")
    with pytest.raises(ValueError, match="cut-off's better='higher' disagrees"):
        clinical_significance(before, after, rc, cut)
    same = clinical_significance(before, after, rc, 20.0, better="lower")
    assert same.better == "lower"

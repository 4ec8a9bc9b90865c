"""Person-level intervals (:mod:`relscales.scoring.intervals`): unit and property tests.

The Wilson interval is checked against ``naive_wilson`` below: a plain, scalar reference
written from the definition (the set of true values ``mu`` in [0, 1] with
``(p - mu)^2 <= z^2 mu (1 - mu) / n``), whose ends are found by bisection, sharing no code
with the library.

"Holds the score" is checked exactly (``low <= score <= high`` in floating point), also at
the ends of the scale, where a score at the floor (ceiling) is its interval's low (high) end.

Tests about the formula use ``PRIOR_DISPERSION`` and ``PRIOR_DF`` from the library; tests
that pin numbers derive them by hand in comments for ``phi0 = 0.28``, ``d0 = 10`` and check
first that those are the library's constants.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import relscales
from relscales.pipeline.score import compile_ref
from relscales.scoring.intervals import (
    PRIOR_DF,
    PRIOR_DISPERSION,
    ScoreInterval,
    composite_interval,
    fixed_interval,
    subscale_interval,
    wilson,
)
from relscales.spec import InstrumentSpec

Z95 = statistics.NormalDist().inv_cdf(0.975)
HAND_PRIOR = (0.28, 10.0)
"""``(phi0, d0)`` that the hand-computed numbers below assume."""
SCALES = [(1.0, 5.0), (0.0, 6.0), (1.0, 7.0), (0.0, 1.0), (-3.0, 3.0), (0.0, 100.0)]


# ---------------------------------------------------------------------------------------------
# Naive references
# ---------------------------------------------------------------------------------------------


def naive_wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """Ends of ``{mu in [0, 1]: (p - mu)^2 <= z^2 mu (1 - mu) / n}``, by bisection."""

    def inside(mu: float) -> bool:
        return (p - mu) ** 2 <= z * z * mu * (1.0 - mu) / n

    def edge(outside: float, within: float) -> float:
        for _ in range(200):
            mid = (outside + within) / 2.0
            if inside(mid):
                within = mid
            else:
                outside = mid
        return within

    low = 0.0 if inside(0.0) else edge(0.0, p)
    high = 1.0 if inside(1.0) else edge(1.0, p)
    return low, high


def naive_subscale(answers: list[float], low: float, high: float, z: float) -> tuple[float, float]:
    """A person's interval from their answers, straight from the documented method."""
    span = high - low
    k = len(answers)
    p = (statistics.fmean(answers) - low) / span
    if k >= 2 and p * (1.0 - p) > 1e-12:
        s2 = statistics.variance([(a - low) / span for a in answers])  # k - 1 denominator
        own = min(s2 / (p * (1.0 - p)), 1.0)
        dof = k - 1.0
    else:
        own, dof = 0.0, 0.0
    phi = (PRIOR_DF * PRIOR_DISPERSION + dof * own) / (PRIOR_DF + dof)
    lo, hi = naive_wilson(p, k / phi, z)
    return low + span * lo, low + span * hi


def person_se(answers: list[float]) -> float:
    """The item-sampling SE of a mean score (as the engine gives it): sd / sqrt(k)."""
    if len(answers) < 2:
        return math.inf
    return statistics.stdev(answers) / math.sqrt(len(answers))


def one(answers: list[float], low: float, high: float, z: float = Z95) -> ScoreInterval:
    """:func:`subscale_interval` of one respondent's mean score."""
    return subscale_interval(
        np.array([statistics.fmean(answers)]),
        np.array([person_se(answers)]),
        np.array([len(answers)]),
        low,
        high,
        z,
    )


@st.composite
def respondents(draw: st.DrawFn) -> tuple[list[float], float, float]:
    """A scale and one respondent's answers on it (1-12 answers, on its categories)."""
    low, high = draw(st.sampled_from(SCALES))
    if high - low <= 10:
        values = st.integers(int(low), int(high)).map(float)
    else:
        values = st.floats(low, high, allow_nan=False)
    answers = draw(st.lists(values, min_size=1, max_size=12))
    return answers, low, high


# ---------------------------------------------------------------------------------------------
# wilson
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "n"),
    [(0.0, 10.0), (1.0, 10.0), (0.5, 10.0), (0.1, 3.0), (0.9, 40.0), (0.3, 0.5), (0.02, 500.0)],
)
def test_wilson_matches_the_naive_reference(p: float, n: float) -> None:
    lo, hi = wilson(np.array([p]), np.array([n]), Z95)
    assert (float(lo[0]), float(hi[0])) == pytest.approx(naive_wilson(p, n, Z95), abs=1e-12)


@given(
    p=st.floats(0.0, 1.0),
    n=st.floats(0.2, 1e4),
    z=st.floats(0.5, 3.5),
)
def test_wilson_matches_the_naive_reference_everywhere(p: float, n: float, z: float) -> None:
    lo, hi = wilson(np.array([p]), np.array([n]), z)
    ref_lo, ref_hi = naive_wilson(p, n, z)
    assert float(lo[0]) == pytest.approx(ref_lo, abs=1e-9)
    assert float(hi[0]) == pytest.approx(ref_hi, abs=1e-9)
    assert 0.0 <= lo[0] <= p
    assert p <= hi[0] <= 1.0
    assert hi[0] > lo[0]


def test_wilson_ends_solve_the_quadratic() -> None:
    """Each end is a root of (p - mu)^2 = z^2 mu (1 - mu) / n (scipy's brentq agrees)."""
    from scipy.optimize import brentq

    p, n = 0.35, 7.0
    lo, hi = wilson(np.array([p]), np.array([n]), Z95)

    def f(mu: float) -> float:
        return (p - mu) ** 2 - Z95 * Z95 * mu * (1.0 - mu) / n

    assert float(lo[0]) == pytest.approx(brentq(f, 0.0, p), abs=1e-10)
    assert float(hi[0]) == pytest.approx(brentq(f, p, 1.0), abs=1e-10)


def test_wilson_of_the_docstring() -> None:
    lo, hi = wilson(np.array([0.0, 0.5, 1.0]), np.full(3, 10.0), 1.96)
    assert np.round(lo, 3).tolist() == [0.0, 0.237, 0.722]
    assert np.round(hi, 3).tolist() == [0.278, 0.763, 1.0]


# ---------------------------------------------------------------------------------------------
# subscale_interval
# ---------------------------------------------------------------------------------------------


@given(respondents())
def test_a_subscale_interval_matches_the_naive_method(
    case: tuple[list[float], float, float],
) -> None:
    answers, low, high = case
    iv = one(answers, low, high)
    ref_lo, ref_hi = naive_subscale(answers, low, high, Z95)
    tol = 1e-9 * (high - low)
    assert float(iv.low[0]) == pytest.approx(ref_lo, abs=tol)
    assert float(iv.high[0]) == pytest.approx(ref_hi, abs=tol)


@given(respondents(), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_a_subscale_interval_is_inside_the_scale_holds_the_score_and_has_width(
    case: tuple[list[float], float, float], level: float
) -> None:
    answers, low, high = case
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    iv = one(answers, low, high, z)
    value = statistics.fmean(answers)
    lo, hi = float(iv.low[0]), float(iv.high[0])
    assert low <= lo <= value <= hi <= high
    assert hi - lo > 0.0
    # never narrower than the most the prior and k answers allow: n <= k (d0 + k - 1) / (d0 phi0)
    n_max = len(answers) * (PRIOR_DF + len(answers) - 1) / (PRIOR_DF * PRIOR_DISPERSION)
    p = (value - low) / (high - low)
    w_lo, w_hi = naive_wilson(p, n_max, z)
    assert (hi - lo) / (high - low) >= (w_hi - w_lo) * (1 - 1e-9)
    assert low <= float(iv.centre[0]) <= high
    assert float(iv.variance[0]) > 0.0


def test_a_missing_score_has_a_missing_interval() -> None:
    iv = subscale_interval(
        np.array([np.nan, 3.0]), np.array([np.inf, 0.5]), np.array([0, 2]), 1.0, 5.0, Z95
    )
    for part in (iv.low, iv.high, iv.centre, iv.variance):
        assert math.isnan(part[0])
        assert not math.isnan(part[1])


def test_alike_answers_do_not_collapse_the_interval() -> None:
    """Three answers of 3 on 1-5: the prior keeps the interval about 2 to 4."""
    assert (PRIOR_DISPERSION, PRIOR_DF) == HAND_PRIOR
    iv = one([3.0, 3.0, 3.0], 1.0, 5.0)
    # no spread (own dispersion 0 on 2 df): phi = 10 * 0.28 / (10 + 2) = 2.8 / 12 = 0.2333,
    # n = 3 / phi = 36 / 2.8 = 12.857. At p = 1/2 the Wilson half-width is
    # z / (2 sqrt(n + z^2)) = 1.96 / (2 sqrt(12.857 + 3.841)) = 1.96 / 8.173 = 0.2398,
    # times the range 4: 0.959, so 3 -/+ 0.959 = 2.041 to 3.959
    assert float(iv.low[0]) == pytest.approx(2.041, abs=0.001)
    assert float(iv.high[0]) == pytest.approx(3.959, abs=0.001)
    # the formula: phi = d0 phi0 / (d0 + k - 1) with k = 3, n = k / phi
    phi = PRIOR_DF * PRIOR_DISPERSION / (PRIOR_DF + 2.0)
    lo, hi = wilson(np.array([0.5]), np.array([3.0 / phi]), Z95)
    assert float(iv.low[0]) == pytest.approx(1.0 + 4.0 * float(lo[0]))
    assert float(iv.high[0]) == pytest.approx(1.0 + 4.0 * float(hi[0]))
    for answers in ([4.0, 4.0, 4.0], [2.0, 2.0, 2.0, 2.0], [5.0, 5.0, 5.0], [1.0, 1.0, 1.0]):
        iv = one(answers, 1.0, 5.0)
        assert float(iv.high[0] - iv.low[0]) > 0.8, answers


def test_the_subscale_interval_docstring_numbers() -> None:
    """The example of subscale_interval's docstring: 3,3,3 and 1,1,1 on 1-5 at z = 1.96.

    3,3,3: n = 36 / 2.8 = 12.857 (above), half-width 4 * 1.96 / (2 sqrt(12.857 + 3.8416))
    = 4 * 1.96 / 8.1728 = 0.959: 2.04 to 3.96. 1,1,1: at the floor the prior stands alone,
    n = 3 / 0.28 = 10.714, and the high end is z^2 / (n + z^2) = 3.8416 / 14.556 = 0.2639 of
    the range: 1 + 4 * 0.2639 = 2.06.
    """
    assert (PRIOR_DISPERSION, PRIOR_DF) == HAND_PRIOR
    iv = subscale_interval(np.array([3.0, 1.0]), np.zeros(2), np.array([3, 3]), 1.0, 5.0, 1.96)
    assert np.round(iv.low, 2).tolist() == [2.04, 1.0]
    assert np.round(iv.high, 2).tolist() == [3.96, 2.06]


def test_at_the_end_of_the_scale_the_prior_stands_alone() -> None:
    """All answers at the floor say nothing about spread: n = k / phi0."""
    for k in (2, 3, 4, 7):
        iv = one([1.0] * k, 1.0, 5.0)
        n = k / PRIOR_DISPERSION
        assert float(iv.low[0]) == 1.0
        assert float(iv.high[0]) == pytest.approx(1.0 + 4.0 * Z95**2 / (n + Z95**2))
        iv = one([5.0] * k, 1.0, 5.0)
        assert float(iv.high[0]) == 5.0
        assert float(iv.low[0]) == pytest.approx(5.0 - 4.0 * Z95**2 / (n + Z95**2))


def test_a_score_at_the_end_of_the_scale_is_its_own_interval_end() -> None:
    """A score at the floor (ceiling) is exactly its interval's low (high) end."""
    n = np.linspace(0.2, 60.0, 300)
    for z in (1.2815515655446004, 1.6448536269514722, Z95, 2.5758293035489004):
        lo, _ = wilson(np.zeros_like(n), n, z)
        _, hi = wilson(np.ones_like(n), n, z)
        assert np.all(lo == 0.0), z
        assert np.all(hi == 1.0), z
    for low, high in ((1.0, 5.0), (0.0, 6.0), (1.0, 7.0)):
        for k in range(1, 41):
            iv = one([low] * k, low, high)
            assert float(iv.low[0]) == low, (low, high, k)
            iv = one([high] * k, low, high)
            assert float(iv.high[0]) == high, (low, high, k)


def test_a_single_answer_uses_the_prior_alone() -> None:
    iv = one([4.0], 1.0, 5.0)
    lo, hi = naive_wilson(0.75, 1.0 / PRIOR_DISPERSION, Z95)
    assert float(iv.low[0]) == pytest.approx(1.0 + 4.0 * lo)
    assert float(iv.high[0]) == pytest.approx(1.0 + 4.0 * hi)


def implied_dispersion(iv: ScoreInterval, k: int, low: float, high: float) -> float:
    """``phi = k / n``, with ``n`` read back from the interval's variance at its centre."""
    span = high - low
    c = (float(iv.centre[0]) - low) / span
    n = span * span * c * (1.0 - c) / float(iv.variance[0])
    return k / n


@given(respondents())
def test_the_moderated_dispersion_lies_between_the_persons_own_and_the_prior(
    case: tuple[list[float], float, float],
) -> None:
    answers, low, high = case
    k = len(answers)
    span = high - low
    p = (statistics.fmean(answers) - low) / span
    assume(k >= 2 and 1e-6 < p < 1 - 1e-6)
    own = min(statistics.variance([(a - low) / span for a in answers]) / (p * (1 - p)), 1.0)
    phi = implied_dispersion(one(answers, low, high), k, low, high)
    tol = 1e-9
    assert min(own, PRIOR_DISPERSION) - tol <= phi <= max(own, PRIOR_DISPERSION) + tol
    # and exactly the weighted mean of the two, the prior worth PRIOR_DF degrees of freedom
    expected = (PRIOR_DF * PRIOR_DISPERSION + (k - 1) * own) / (PRIOR_DF + k - 1)
    assert phi == pytest.approx(expected, rel=1e-9)


def test_more_alike_answers_give_narrower_intervals_and_more_answers_too() -> None:
    spread = one([1.0, 5.0, 1.0, 5.0], 1.0, 5.0)
    alike = one([3.0, 3.0, 3.0, 3.0], 1.0, 5.0)
    assert float(spread.high[0] - spread.low[0]) > float(alike.high[0] - alike.low[0])
    three = one([2.0, 3.0, 4.0], 1.0, 5.0)
    nine = one([2.0, 3.0, 4.0] * 3, 1.0, 5.0)
    assert float(nine.high[0] - nine.low[0]) < float(three.high[0] - three.low[0])


def test_the_interval_depends_only_on_the_persons_own_answers() -> None:
    """Each row's interval is the same whatever else is in the batch."""
    rng = np.random.default_rng(5)
    answers = rng.integers(1, 6, size=(50, 4)).astype(np.float64)
    values = answers.mean(axis=1)
    se = answers.std(axis=1, ddof=1) / 2.0
    k = np.full(50, 4)
    batch = subscale_interval(values, se, k, 1.0, 5.0, Z95)
    for i in (0, 17, 49):
        alone = subscale_interval(values[i : i + 1], se[i : i + 1], k[i : i + 1], 1.0, 5.0, Z95)
        assert alone.low[0] == batch.low[i]
        assert alone.high[0] == batch.high[i]


def test_the_same_answers_get_the_same_interval_in_any_file() -> None:
    """Through the engine: a RISI 0.1.1 respondent scored alone and among 300 others."""
    rng = np.random.default_rng(11)
    items = compile_ref("risi@0.1.1", ()).item_ids
    person = {
        item: [float(v)] for item, v in zip(items, rng.integers(1, 6, len(items)), strict=True)
    }
    crowd = {item: rng.integers(1, 6, 300).astype(float).tolist() + person[item] for item in items}
    alone = relscales.score("risi@0.1.1", person, with_ci=True).columns
    among = relscales.score("risi@0.1.1", crowd, with_ci=True).columns
    for score in ("dishonesty", "recurrence"):
        for end in ("ci_low", "ci_high"):
            assert alone[f"{score}_{end}"][0] == among[f"{score}_{end}"][-1]
        assert alone[f"{score}_ci_high"][0] > alone[f"{score}_ci_low"][0]


def test_the_same_answers_get_the_same_interval_in_any_file_risi_0_2() -> None:
    """The same on RISI 0.2, with its context questions and "does not apply" codes in the
    crowd: the person's interval does not depend on who else is in the file."""
    rng = np.random.default_rng(12)
    spec = relscales.load_instrument("risi").spec
    assert isinstance(spec, InstrumentSpec)
    scales = {item.id: spec.response_scales[item.scale] for item in spec.items}
    codes = {item: [*scale.values, *scale.not_applicable] for item, scale in scales.items()}
    person = {item: [float(rng.choice(scales[item].values))] for item in codes}
    person["cx_past"] = [3.0]  # past partners: recurrence applies
    crowd = {
        item: [float(v) for v in rng.choice(c, 300)] + person[item] for item, c in codes.items()
    }
    alone = relscales.score("risi", person, with_ci=True).columns
    among = relscales.score("risi", crowd, with_ci=True).columns
    for score in ("dishonesty", "recurrence", "partner_control", "internal_pattern"):
        for end in ("ci_low", "ci_high"):
            assert alone[f"{score}_{end}"][0] == among[f"{score}_{end}"][-1]
        assert alone[f"{score}_ci_high"][0] > alone[f"{score}_ci_low"][0]


# ---------------------------------------------------------------------------------------------
# composite_interval
# ---------------------------------------------------------------------------------------------


def test_a_one_part_composite_reproduces_its_part() -> None:
    part = one([2.0, 3.0, 5.0], 1.0, 5.0)
    iv = composite_interval(
        np.array([10.0 / 3.0]), part.centre, [part.variance], np.ones(1), [1.0], 1.0, 1.0, 5.0, Z95
    )
    assert float(iv.low[0]) == pytest.approx(float(part.low[0]))
    assert float(iv.high[0]) == pytest.approx(float(part.high[0]))


def test_a_mean_of_like_parts_has_their_variance_over_m() -> None:
    """m parts alike, independent errors: the mean has variance/m, n times m."""
    answers = [2.0, 3.0, 3.0, 4.0]
    part = one(answers, 1.0, 5.0)
    k, m = len(answers), 4
    n_part = k / implied_dispersion(part, k, 1.0, 5.0)
    iv = composite_interval(
        np.array([3.0]), part.centre, [part.variance] * m, np.ones(m), [1.0] * m, m, 1.0, 5.0, Z95
    )
    lo, hi = naive_wilson(0.5, n_part * m, Z95)
    assert float(iv.low[0]) == pytest.approx(1.0 + 4.0 * lo)
    assert float(iv.high[0]) == pytest.approx(1.0 + 4.0 * hi)
    assert float(iv.high[0] - iv.low[0]) < float(part.high[0] - part.low[0])


def test_a_part_left_out_does_not_count() -> None:
    part = one([2.0, 3.0, 5.0], 1.0, 5.0)
    huge = np.array([100.0])
    weights = np.array([[1.0, 0.0]])
    iv = composite_interval(
        np.array([10.0 / 3.0]), part.centre, [part.variance, huge], weights, [1.0, 1.0], 1.0,
        1.0, 5.0, Z95,
    )  # fmt: skip
    assert float(iv.low[0]) == pytest.approx(float(part.low[0]))


@given(
    st.lists(
        st.tuples(st.floats(-4, 4), st.floats(1e-4, 4.0), st.floats(0.1, 3.0)),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_a_z_composite_interval_is_symmetric(
    parts: list[tuple[float, float, float]], mean: bool
) -> None:
    """Unbounded (z) composites get value +/- z SE, SE from the weighted part variances."""
    values = np.array([[v for v, _, _ in parts]])
    variances = [np.array([var]) for _, var, _ in parts]
    weights = np.array([w for _, _, w in parts])
    divisor = float(weights.sum()) if mean else 1.0
    value = np.array([float((values * weights).sum()) / divisor])
    iv = composite_interval(
        value, value, variances, weights, [1.0] * len(parts), divisor, -math.inf, math.inf, Z95
    )
    se = math.sqrt(sum(w * w * var for _, var, w in parts)) / divisor
    assert float(value[0] - iv.low[0]) == pytest.approx(float(iv.high[0] - value[0]))
    assert float(iv.high[0] - value[0]) == pytest.approx(Z95 * se)
    assert float(iv.centre[0]) == float(value[0])


@given(
    st.lists(
        st.lists(st.integers(1, 5).map(float), min_size=1, max_size=5), min_size=2, max_size=5
    ),
)
def test_a_bounded_composite_interval_is_inside_the_scale_and_holds_the_score(
    people: list[list[float]],
) -> None:
    """A mean of 1-5 facets, each from 1-5 answers."""
    parts = [one(answers, 1.0, 5.0) for answers in people]
    value = np.array([statistics.fmean(statistics.fmean(a) for a in people)])
    centre = np.array([statistics.fmean(float(p.centre[0]) for p in parts)])
    m = len(parts)
    iv = composite_interval(
        value, centre, [p.variance for p in parts], np.ones(m), [1.0] * m, m, 1.0, 5.0, Z95
    )
    lo, hi = float(iv.low[0]), float(iv.high[0])
    assert 1.0 <= lo <= float(value[0]) <= hi <= 5.0
    assert hi > lo


def test_a_missing_composite_has_a_missing_interval() -> None:
    part = one([2.0, 3.0], 1.0, 5.0)
    iv = composite_interval(
        np.array([np.nan]), part.centre, [part.variance], np.ones(1), [1.0], 1.0, 1.0, 5.0, Z95
    )
    assert math.isnan(iv.low[0])
    assert math.isnan(iv.high[0])


# ---------------------------------------------------------------------------------------------
# fixed_interval (a classical SEM)
# ---------------------------------------------------------------------------------------------


def test_an_unbounded_score_gets_plus_or_minus_z_sem() -> None:
    value = np.array([-1.0, 0.0, 2.5])
    iv = fixed_interval(value, 0.4, 0.0, -math.inf, math.inf, Z95)
    assert np.allclose(iv.low, value - Z95 * 0.4)
    assert np.allclose(iv.high, value + Z95 * 0.4)
    assert np.allclose(iv.variance, 0.16)


def test_a_bounded_score_near_the_reference_mean_gets_about_z_sem() -> None:
    """At the reference mean the Wilson interval is close to the classical one."""
    sem, mean = 0.15, 3.0
    iv = fixed_interval(np.array([mean]), sem, mean, 1.0, 5.0, Z95)
    assert float(iv.high[0] - iv.low[0]) == pytest.approx(2 * Z95 * sem, rel=0.02)
    # the variance at the centre is SEM^2 (the n was chosen for it)
    assert float(iv.variance[0]) == pytest.approx(sem * sem, rel=1e-9)


@given(
    st.floats(1.0, 5.0),
    st.floats(0.01, 1.5),
    st.floats(1.0, 5.0),
)
def test_a_fixed_interval_is_inside_the_scale_holds_the_score_and_has_width(
    value: float, sem: float, mean: float
) -> None:
    iv = fixed_interval(np.array([value, np.nan]), sem, mean, 1.0, 5.0, Z95)
    lo, hi = float(iv.low[0]), float(iv.high[0])
    assert 1.0 <= lo <= value <= hi <= 5.0
    assert hi > lo
    assert math.isnan(iv.low[1])
    assert math.isnan(iv.high[1])


def test_a_fixed_interval_is_the_same_n_for_everyone() -> None:
    """One SEM for all: the interval depends on the score only, narrower toward the ends."""
    value = np.array([1.0, 2.0, 3.0, 3.0, 4.5])
    iv = fixed_interval(value, 0.3, 2.8, 1.0, 5.0, Z95)
    width = iv.high - iv.low
    assert width[2] == width[3]
    assert width[0] < width[1] < width[2]
    assert width[4] < width[2]
    n = 0.45 * 0.55 / (0.3 / 4.0) ** 2  # p at the reference mean 2.8 is 0.45
    lo, hi = naive_wilson(0.25, n, Z95)
    assert float(iv.low[1]) == pytest.approx(1.0 + 4.0 * lo)
    assert float(iv.high[1]) == pytest.approx(1.0 + 4.0 * hi)


def test_a_reference_mean_at_the_end_is_held_off_it() -> None:
    """A reference mean at the floor would give n = 0; it is held at 5% of the range."""
    iv = fixed_interval(np.array([2.0]), 0.3, 1.0, 1.0, 5.0, Z95)
    n = 0.05 * 0.95 / (0.3 / 4.0) ** 2
    lo, hi = naive_wilson(0.25, n, Z95)
    assert float(iv.low[0]) == pytest.approx(1.0 + 4.0 * lo)
    assert float(iv.high[0]) == pytest.approx(1.0 + 4.0 * hi)

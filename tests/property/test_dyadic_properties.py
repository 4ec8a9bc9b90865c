"""Property-based tests of relscales.dyadic (statistics of couples).

- swapping the partners leaves r_I, the pairwise ICC, Pearson r and the chi-square of
  distinguishability unchanged, negates the paired t, the Pitman-Morgan t and every
  discrepancy, and keeps the reliable-discrepancy codes;
- an affine transform ``a * x + b`` (``a != 0``) of both partners' scores leaves the
  correlations and the chi-squares unchanged;
- reordering the couples changes nothing;
- correlations lie in [-1, 1], intervals contain their estimate, p-values lie in [0, 1].

Scores are drawn on a 0.25 grid (as questionnaire means are) so that sums are exact
and the invariances can be checked to 1e-9.
"""

from __future__ import annotations

import math
import random

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from relscales.dyadic import (
    distinguishability,
    joint_distinguishability,
    nonindependence,
    pairwise_icc,
    reliable_discrepancy,
)

TOL = 1e-9

plain_score = st.integers(min_value=0, max_value=28).map(lambda k: 1.0 + k / 4)


@st.composite
def couples(
    draw: st.DrawFn, min_size: int = 3, max_size: int = 40
) -> tuple[list[float], list[float]]:
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    with_missing = draw(st.booleans())
    element = (
        st.one_of(plain_score, plain_score, plain_score, st.just(math.nan))
        if with_missing
        else plain_score
    )
    x1 = draw(st.lists(element, min_size=n, max_size=n))
    x2 = draw(st.lists(element, min_size=n, max_size=n))
    return x1, x2


def same(a: float, b: float, tol: float = TOL) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def affine(x: list[float], slope: float, shift: float) -> list[float]:
    return [slope * v + shift for v in x]


# ------------------------------------------------------------------------ swapping


@given(couples())
def test_swapping_partners_leaves_exchangeable_statistics(
    data: tuple[list[float], list[float]],
) -> None:
    x1, x2 = data
    for distinguishable in (False, True):
        a = nonindependence(x1, x2, distinguishable=distinguishable)
        b = nonindependence(x2, x1, distinguishable=distinguishable)
        assert a.n_couples == b.n_couples
        for field in ("estimate", "statistic", "p_value", "ci_low", "ci_high"):
            assert same(getattr(a, field), getattr(b, field)), field
        assert a.df == b.df or (math.isnan(a.df[0]) and math.isnan(b.df[0]))
    p, q = pairwise_icc(x1, x2), pairwise_icc(x2, x1)
    assert same(p.estimate, q.estimate)
    assert same(p.p_value, q.p_value)


@given(couples())
def test_swapping_partners_in_distinguishability(data: tuple[list[float], list[float]]) -> None:
    x1, x2 = data
    a, b = distinguishability(x1, x2), distinguishability(x2, x1)
    assert same(a.chi_square, b.chi_square)
    assert same(a.p_value, b.p_value)
    assert same(a.t_means, -b.t_means)
    assert same(a.t_variances, -b.t_variances)
    assert same(a.p_means, b.p_means)
    assert same(a.p_variances, b.p_variances)
    ja, jb = joint_distinguishability(x1, x2), joint_distinguishability(x2, x1)
    assert same(ja.chi_square, jb.chi_square, 1e-7)


@given(
    couples(min_size=1),
    st.floats(min_value=0.0, max_value=3.0),
    st.floats(min_value=0.0, max_value=3.0),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_reliable_discrepancy_is_antisymmetric(
    data: tuple[list[float], list[float]], se1: float, se2: float, level: float
) -> None:
    x1, x2 = data
    a = reliable_discrepancy(x1, x2, se1, se2, confidence_level=level)
    b = reliable_discrepancy(x2, x1, se2, se1, confidence_level=level)
    assert_array_equal(a.difference, -b.difference)
    assert_array_equal(a.z, -b.z)
    assert_array_equal(a.se, b.se)
    assert_array_equal(a.code, b.code)
    assert_array_equal(a.code == -1, np.isnan(np.asarray(x1)) | np.isnan(np.asarray(x2)))
    # a larger confidence level never makes more discrepancies reliable
    c = reliable_discrepancy(x1, x2, se1, se2, confidence_level=0.999)
    assert_array_equal(c.code == -1, a.code == -1)
    assert np.all(c.code <= a.code)


# ---------------------------------------------------------------------- affine maps


@given(
    couples(),
    st.sampled_from([-3.0, -0.5, 0.25, 2.0, 10.0]),
    st.sampled_from([-7.5, 0.0, 1.0, 100.0]),
)
def test_affine_transform_leaves_correlations(
    data: tuple[list[float], list[float]], slope: float, shift: float
) -> None:
    x1, x2 = data
    y1, y2 = affine(x1, slope, shift), affine(x2, slope, shift)
    for distinguishable in (False, True):
        a = nonindependence(x1, x2, distinguishable=distinguishable)
        b = nonindependence(y1, y2, distinguishable=distinguishable)
        assert same(a.estimate, b.estimate, 1e-8)
    assert same(pairwise_icc(x1, x2).estimate, pairwise_icc(y1, y2).estimate, 1e-8)
    da, db = distinguishability(x1, x2), distinguishability(y1, y2)
    assume(not math.isnan(da.chi_square) and da.chi_square > 1e-3)
    assert same(da.chi_square, db.chi_square, 1e-6)
    assert same(da.t_variances, db.t_variances, 1e-7)
    assert same(da.t_means, math.copysign(1.0, slope) * db.t_means, 1e-7)


# ------------------------------------------------------------------------ ranges


@given(couples(), st.sampled_from([0.5, 0.9, 0.95, 0.999]))
def test_ranges(data: tuple[list[float], list[float]], level: float) -> None:
    x1, x2 = data
    for distinguishable in (False, True):
        res = nonindependence(x1, x2, distinguishable=distinguishable, confidence_level=level)
        if math.isnan(res.estimate):
            assert res.reason is not None
            continue
        assert -1.0 <= res.estimate <= 1.0
        assert 0.0 <= res.p_value <= 1.0
        if not math.isnan(res.ci_low):
            assert -1.0 <= res.ci_low <= res.estimate + 1e-12
            assert res.estimate - 1e-12 <= res.ci_high <= 1.0
    pw = pairwise_icc(x1, x2)
    if not math.isnan(pw.estimate):
        assert -1.0 <= pw.estimate <= 1.0
        assert 0.0 <= pw.p_value <= 1.0
        # both are (B - W) / (B + W) of the same sums of squares, r_I after dividing the
        # between part by n - 1 rather than n: so r_I is never the smaller
        icc = nonindependence(x1, x2, distinguishable=False)
        assert icc.estimate >= pw.estimate - 1e-12
    dist = distinguishability(x1, x2)
    if not math.isnan(dist.chi_square):
        assert dist.chi_square >= 0.0
        assert 0.0 <= dist.p_value <= 1.0


@given(couples(), st.randoms(use_true_random=False))
def test_order_of_couples_does_not_matter(
    data: tuple[list[float], list[float]], rnd: random.Random
) -> None:
    x1, x2 = data
    order = list(range(len(x1)))
    rnd.shuffle(order)
    y1 = [x1[i] for i in order]
    y2 = [x2[i] for i in order]
    a = nonindependence(x1, x2, distinguishable=False)
    b = nonindependence(y1, y2, distinguishable=False)
    assert same(a.estimate, b.estimate, 1e-12)
    assert same(pairwise_icc(x1, x2).estimate, pairwise_icc(y1, y2).estimate, 1e-12)
    assert same(distinguishability(x1, x2).chi_square, distinguishability(y1, y2).chi_square, 1e-8)


def test_collinear_partners_are_singular_whichever_order() -> None:
    """Partner 2's score an exact multiple of partner 1's (about their common value): the
    determinant's sign was rounding, singular one way round and chi-square 109 the other."""
    x1, x2 = [1.0, 1.25, 1.0], [1.0, 1.5, 1.0]
    for first, second in ((x1, x2), (x2, x1)):
        joint = joint_distinguishability(first, second)
        assert math.isnan(joint.chi_square)
        assert joint.reason is not None
        assert "singular" in joint.reason
    constant = joint_distinguishability([0.1, 0.1, 0.1, 0.1], [1.0, 2.0, 3.0, 5.0])
    assert math.isnan(constant.chi_square)

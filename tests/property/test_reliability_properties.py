"""Property-based tests of relscales.reliability (house style 21)."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from relscales.reliability import cronbach_alpha, item_analysis, pairwise_covariance


@st.composite
def answers(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(5, 40))
    k = draw(st.integers(2, 8))
    x = draw(arrays(np.float64, (n, k), elements=st.integers(1, 7).map(float)))
    missing = draw(arrays(np.bool_, (n, k), elements=st.booleans()))
    if draw(st.booleans()):
        x = np.where(missing & (np.arange(n) % 3 == 0)[:, None], np.nan, x)
    c = pairwise_covariance(x)
    assume(np.isfinite(c).all())
    assume(np.diag(c).min() > 1e-6)
    assume(abs(c.sum()) > 1e-6)
    return x


@given(answers(), st.floats(-50, 50), st.floats(0.1, 20))
def test_alpha_invariant_to_shift_and_common_scale(
    x: np.ndarray, shift: float, scale: float
) -> None:
    a = cronbach_alpha(x)
    b = cronbach_alpha(x * scale + shift)
    np.testing.assert_allclose(b.estimate, a.estimate, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(b.std_alpha, a.std_alpha, rtol=1e-7, atol=1e-7)


@given(answers())
def test_alpha_at_most_one(x: np.ndarray) -> None:
    """On complete data the covariance matrix is positive semi-definite, so alpha <= 1.

    With missing answers the pairwise covariances (as psych uses them) need not form a
    positive semi-definite matrix, and alpha can exceed 1 on degenerate data, in psych
    too; so the bound is checked on the complete rows only (found by Hypothesis).
    """
    complete = x[~np.isnan(x).any(axis=1)]
    assume(complete.shape[0] >= 2)
    res = cronbach_alpha(complete)
    assume(res.estimate == res.estimate)
    assert res.estimate <= 1.0 + 1e-12


@given(answers(), st.data())
def test_item_order_irrelevant(x: np.ndarray, data: st.DataObject) -> None:
    k = x.shape[1]
    perm = np.array(data.draw(st.permutations(range(k))))
    a = cronbach_alpha(x)
    b = cronbach_alpha(x[:, perm])
    np.testing.assert_allclose(b.estimate, a.estimate, rtol=1e-9, atol=1e-9)
    ids = [f"i{j}" for j in range(k)]
    ia = item_analysis(x, ids)
    ib = item_analysis(x[:, perm], [ids[p] for p in perm])
    for item_id in ids:
        np.testing.assert_allclose(
            ib[item_id].alpha_if_deleted, ia[item_id].alpha_if_deleted, rtol=1e-9, atol=1e-9
        )
        np.testing.assert_allclose(ib[item_id].r_drop, ia[item_id].r_drop, rtol=1e-9, atol=1e-9)


@given(answers())
def test_pairwise_covariance_equals_per_pair_numpy_cov(x: np.ndarray) -> None:
    c = pairwise_covariance(x)
    k = x.shape[1]
    for i in range(k):
        for j in range(k):
            ok = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            ref = np.cov(x[ok, i], x[ok, j])[0, 1]
            np.testing.assert_allclose(c[i, j], ref, rtol=1e-9, atol=1e-9)

"""Property-based tests of relscales.moments: any split of the rows merges exactly.

The references are naive: per pair, numpy over the rows where both columns are answered.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from relscales.moments import BootstrapAlpha, PairwiseMoments, update_bootstraps

FIELDS = ("n", "s", "ss", "p", "cs", "cp", "t")


@st.composite
def answers(draw: st.DrawFn) -> np.ndarray:
    """Integer answers 1..7 with missing cells; 0-40 rows, 2-6 columns."""
    n = draw(st.integers(0, 40))
    k = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 8, size=(n, k)).astype(float)
    x[rng.random(x.shape) < draw(st.sampled_from([0.0, 0.1, 0.4]))] = np.nan
    return x


def _splits(draw: st.DrawFn, n: int) -> list[slice]:
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=4)))
    bounds = [0, *cuts, n]
    return [slice(a, b) for a, b in itertools.pairwise(bounds)]


@given(x=answers(), data=st.data())
@settings(max_examples=150, deadline=None)
def test_any_split_in_any_order_merges_to_one_pass_bitwise(
    x: np.ndarray, data: st.DataObject
) -> None:
    k = x.shape[1]
    shift = np.full(k, 4.0)
    whole = PairwiseMoments(k, shift, totals=True, frequencies=True)
    whole.update(x)
    parts = []
    for part in _splits(data.draw, x.shape[0]):
        m = PairwiseMoments(k, shift, totals=True, frequencies=True)
        m.update(x[part])
        parts.append(m)
    order = data.draw(st.permutations(range(len(parts))))
    merged = PairwiseMoments(k, shift, totals=True, frequencies=True)
    for j in order:
        merged.merge(parts[j])
    for name in FIELDS:
        assert np.array_equal(getattr(merged, name), getattr(whole, name)), name
    assert (merged.n_rows, merged.n_complete) == (whole.n_rows, whole.n_complete)
    assert merged.frequencies() == whole.frequencies()


@given(x=answers(), centres=st.lists(st.integers(-3, 9), min_size=6, max_size=6))
@settings(max_examples=100, deadline=None)
def test_merging_moments_with_other_centres_is_exact(x: np.ndarray, centres: list[int]) -> None:
    k = x.shape[1]
    half = x.shape[0] // 2
    target = PairwiseMoments(k, np.zeros(k), totals=True)
    target.update(x)
    a = PairwiseMoments(k, np.zeros(k), totals=True)
    a.update(x[:half])
    b = PairwiseMoments(k, np.array(centres[:k], dtype=float), totals=True)
    b.update(x[half:])
    a.merge(b)
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(target, name)), name


def _naive_pair_cov(x: np.ndarray) -> np.ndarray:
    k = x.shape[1]
    out = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(k):
            both = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            if both.sum() >= 2:
                out[i, j] = np.cov(x[both, i], x[both, j])[0, 1]
    return out


def _naive_pair_cor(x: np.ndarray) -> np.ndarray:
    k = x.shape[1]
    out = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(k):
            both = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            a, b = x[both, i], x[both, j]
            if both.sum() >= 2 and a.std() > 0 and b.std() > 0:
                out[i, j] = np.corrcoef(a, b)[0, 1]
    np.fill_diagonal(out, 1.0)
    return out


@given(x=answers())
@settings(max_examples=150, deadline=None)
def test_statistics_equal_naive_per_pair_numpy(x: np.ndarray) -> None:
    k = x.shape[1]
    m = PairwiseMoments(k, totals=True, frequencies=True)
    for part in np.array_split(np.arange(x.shape[0]), 3):
        m.update(x[part])
    assert_allclose(m.covariance(), _naive_pair_cov(x), rtol=0, atol=1e-12, equal_nan=True)
    assert_allclose(m.correlation(), _naive_pair_cor(x), rtol=0, atol=1e-12, equal_nan=True)
    complete = x[~np.isnan(x).any(axis=1)]
    if complete.shape[0] >= 2:
        assert_allclose(m.complete_mean(), complete.mean(axis=0), atol=1e-12)
        assert_allclose(m.complete_covariance(), np.cov(complete.T), atol=1e-12)
    answered = ~np.isnan(x)
    rows = answered.any(axis=1)
    mean_row = np.full(x.shape[0], np.nan)
    mean_row[rows] = np.nanmean(x[rows], axis=1)
    for i in range(k):
        ok = answered[:, i]
        if ok.sum() > 1 and x[ok, i].std() > 0 and mean_row[ok].std() > 0:
            ref = np.corrcoef(x[ok, i], mean_row[ok])[0, 1]
            assert abs(m.item_total_correlation()[i] - ref) < 1e-12
        values, counts = np.unique(x[ok, i], return_counts=True)
        expected = {float(v): c / ok.sum() for v, c in zip(values, counts, strict=True)}
        assert m.frequencies()[i] == expected


@given(x=answers())
@settings(max_examples=50, deadline=None)
def test_bytes_round_trip(x: np.ndarray) -> None:
    m = PairwiseMoments(x.shape[1], totals=True, frequencies=True)
    m.update(x)
    back = PairwiseMoments.from_bytes(m.to_bytes())
    for name in FIELDS:
        assert np.array_equal(getattr(back, name), getattr(m, name))
    assert back.frequencies() == m.frequencies()
    assert (back.n_rows, back.n_complete) == (m.n_rows, m.n_complete)


@given(x=answers(), data=st.data(), seed=st.integers(0, 2**62))
@settings(max_examples=60, deadline=None)
def test_bootstrap_sums_do_not_depend_on_batches(
    x: np.ndarray, data: st.DataObject, seed: int
) -> None:
    k = x.shape[1]
    shift = np.full(k, 4.0)
    whole = BootstrapAlpha(k, 17, seed, shift)
    whole.update(x, 0)
    parts = []
    for part in _splits(data.draw, x.shape[0]):
        b = BootstrapAlpha(k, 17, seed, shift)
        update_bootstraps([b], [x[part]], part.start)
        parts.append(b)
    merged = BootstrapAlpha(k, 17, seed, shift)
    for j in data.draw(st.permutations(range(len(parts)))):
        merged.merge(parts[j])
    assert np.array_equal(merged.sums, whole.sums)


def test_merge_refuses_other_columns_or_options() -> None:
    with pytest.raises(ValueError, match="same columns"):
        PairwiseMoments(2).merge(PairwiseMoments(3))
    with pytest.raises(ValueError, match="frequencies"):
        PairwiseMoments(2, frequencies=True).merge(PairwiseMoments(2))
    with pytest.raises(ValueError, match="same items"):
        BootstrapAlpha(2, 5, 1, [0, 0]).merge(BootstrapAlpha(2, 5, 2, [0, 0]))


def test_results_need_their_options() -> None:
    m = PairwiseMoments(2)
    m.update(np.array([[1.0, 2.0], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="totals"):
        m.item_total_correlation()
    with pytest.raises(ValueError, match="frequencies"):
        m.frequencies()
    with pytest.raises(ValueError, match="shape"):
        m.update(np.ones((2, 3)))

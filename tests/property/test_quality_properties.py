"""Property-based tests of relscales.quality (house style 21).

The differential tests compare the vectorised indices with the ``naive_*`` functions
below: plain per-respondent Python loops written from the published definitions
(careless 1.2.2; see the module docstring of relscales.quality), sharing no code with it.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from relscales.errors import ScoringError
from relscales.quality import (
    attention_checks,
    even_odd,
    irv,
    longstring,
    mahalanobis,
    psychant,
    psychsyn,
    screen,
)

NAN = math.nan

# ---------------------------------------------------------------------------------------------
# Naive references: one respondent at a time
# ---------------------------------------------------------------------------------------------


def naive_longstring(row: list[float]) -> tuple[int, float]:
    runs: list[int] = []
    prev: float | None = None
    for v in row:
        if math.isnan(v):
            prev = None
            continue
        if prev is not None and v == prev:
            runs[-1] += 1
        else:
            runs.append(1)
        prev = v
    if not runs:
        return 0, NAN
    return max(runs), sum(runs) / len(runs)


def naive_irv(row: list[float]) -> float:
    vals = [v for v in row if not math.isnan(v)]
    return statistics.stdev(vals) if len(vals) >= 2 else NAN


def naive_pearson(a: list[float], b: list[float], min_pairs: int) -> float:
    pairs = [(u, v) for u, v in zip(a, b, strict=True) if not (math.isnan(u) or math.isnan(v))]
    if len(pairs) < min_pairs:
        return NAN
    us = [u for u, _ in pairs]
    vs = [v for _, v in pairs]
    if len(set(us)) == 1 or len(set(vs)) == 1:
        return NAN
    mu, mv = statistics.fmean(us), statistics.fmean(vs)
    num = sum((u - mu) * (v - mv) for u, v in pairs)
    den = math.sqrt(sum((u - mu) ** 2 for u in us) * sum((v - mv) ** 2 for v in vs))
    return max(-1.0, min(1.0, num / den))


def naive_even_odd(row: list[float], scales: list[list[int]]) -> float:
    odd, even = [], []
    for cols in scales:
        for half, out in ((cols[0::2], odd), (cols[1::2], even)):
            vals = [row[c] for c in half if not math.isnan(row[c])]
            out.append(statistics.fmean(vals) if vals else NAN)
    r = naive_pearson(odd, even, 2)
    if math.isnan(r):
        return NAN
    sb = -1.0 if r == -1.0 else 2 * r / (1 + r)
    return -max(sb, -1.0)


def naive_synonym(row: list[float], pairs: tuple[tuple[int, int], ...]) -> float:
    return naive_pearson([row[i] for i, _ in pairs], [row[j] for _, j in pairs], 3)


def naive_mahalanobis(x: np.ndarray) -> list[float]:
    rows = [r for r in x.tolist() if not any(math.isnan(v) for v in r)]
    k = x.shape[1]
    mean = [statistics.fmean(r[j] for r in rows) for j in range(k)]
    cov = np.array(
        [
            [
                sum((r[a] - mean[a]) * (r[b] - mean[b]) for r in rows) / (len(rows) - 1)
                for b in range(k)
            ]
            for a in range(k)
        ]
    )
    inv = np.linalg.inv(cov)
    out = []
    for r in x.tolist():
        if any(math.isnan(v) for v in r):
            out.append(NAN)
        else:
            d = np.array(r) - np.array(mean)
            out.append(float(d @ inv @ d))
    return out


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------


@st.composite
def responses(draw: st.DrawFn, min_rows: int = 1, min_items: int = 2) -> np.ndarray:
    n = draw(st.integers(min_rows, 12))
    k = draw(st.integers(min_items, 8))
    cell = st.one_of(st.integers(1, 5).map(float), st.just(NAN))
    values = draw(st.lists(st.lists(cell, min_size=k, max_size=k), min_size=n, max_size=n))
    return np.array(values, dtype=float)


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert_allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)


# ---------------------------------------------------------------------------------------------
# Differential tests
# ---------------------------------------------------------------------------------------------


@given(responses())
def test_longstring_and_irv_equal_naive(x: np.ndarray) -> None:
    res = longstring(x)
    ref = [naive_longstring(r) for r in x.tolist()]
    assert res.longest.tolist() == [r[0] for r in ref]
    _same(res.average, np.array([r[1] for r in ref]))
    _same(irv(x), np.array([naive_irv(r) for r in x.tolist()]))


@given(responses(min_items=4), st.data())
def test_even_odd_equals_naive(x: np.ndarray, data: st.DataObject) -> None:
    k = x.shape[1]
    order = data.draw(st.permutations(range(k)))
    cut = data.draw(st.integers(1, k - 1))
    scales = [list(order[:cut]), list(order[cut:])]
    if k >= 6 and data.draw(st.booleans()):
        scales = [list(order[:2]), list(order[2:4]), list(order[4:])]
    res = even_odd(x, scales)
    _same(res.score, np.array([naive_even_odd(r, scales) for r in x.tolist()]))


@given(responses(min_rows=3, min_items=3), st.floats(-0.9, 0.9))
def test_psychsyn_and_psychant_equal_naive(x: np.ndarray, critval: float) -> None:
    for fn in (psychsyn, psychant):
        res = fn(x, critval)
        ref = np.array([naive_synonym(r, res.pairs) for r in x.tolist()])
        _same(res.score, ref)
        for (i, j), r in zip(res.pairs, res.pair_correlations, strict=True):
            assert i < j
            assert r == pytest.approx(naive_pearson(x[:, i].tolist(), x[:, j].tolist(), 2))


@st.composite
def mostly_complete(draw: st.DrawFn) -> np.ndarray:
    k = draw(st.integers(1, 4))
    n = draw(st.integers(k + 3, 15))
    cells = st.lists(st.integers(1, 9).map(float), min_size=k, max_size=k)
    x = np.array(draw(st.lists(cells, min_size=n, max_size=n)))
    for i in draw(st.lists(st.integers(0, n - 1), max_size=2)):
        x[i, draw(st.integers(0, k - 1))] = NAN
    return x


@given(mostly_complete())
def test_mahalanobis_equals_naive(x: np.ndarray) -> None:
    try:
        res = mahalanobis(x)
    except ScoringError:
        assume(False)
        return
    cov = np.atleast_2d(np.cov(x[~np.isnan(x).any(axis=1)], rowvar=False))
    assume(np.linalg.cond(cov) < 1e8)
    _same(res.distance, np.array(naive_mahalanobis(x)))
    assert ((res.p_value >= 0) | np.isnan(res.p_value)).all()
    assert ((res.p_value <= 1) | np.isnan(res.p_value)).all()


# ---------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------


@given(responses())
def test_longstring_between_one_and_k(x: np.ndarray) -> None:
    res = longstring(x)
    answered = (~np.isnan(x)).sum(axis=1)
    assert ((res.longest >= 1) | (answered == 0)).all()
    assert (res.longest <= answered).all()
    assert (res.longest <= x.shape[1]).all()
    with np.errstate(invalid="ignore"):
        assert ((res.average <= res.longest) | np.isnan(res.average)).all()


@given(st.integers(1, 5), st.integers(2, 20), st.integers(1, 6))
def test_straight_liner(value: int, k: int, n: int) -> None:
    x = np.full((n, k), float(value))
    assert_array_equal(irv(x), np.zeros(n))
    res = longstring(x)
    assert res.longest.tolist() == [k] * n
    assert res.average.tolist() == [float(k)] * n
    assert attention_checks(x, {0: float(value)}).tolist() == [0] * n


@given(responses(min_rows=2, min_items=4), st.data())
def test_shuffling_respondents_permutes_results(x: np.ndarray, data: st.DataObject) -> None:
    perm = np.array(data.draw(st.permutations(range(x.shape[0]))))
    scales = [[0, 1], [2, 3]]
    try:
        a = screen(x, scales=scales)
        b = screen(x[perm], scales=scales)
    except ScoringError:  # singular covariance: check the others without Mahalanobis
        a = screen(x, scales=scales, skip=("mahalanobis",))
        b = screen(x[perm], scales=scales, skip=("mahalanobis",))
    for name in ("longstring", "avgstring", "irv", "mahalanobis", "even_odd", "psychsyn"):
        va, vb = getattr(a, name), getattr(b, name)
        if va is None:
            assert vb is None
            continue
        assert_allclose(vb, va[perm], rtol=1e-9, atol=1e-9, equal_nan=True)
    assert_array_equal(b.careless, a.careless[perm])
    assert list(b.reasons) == [a.reasons[i] for i in perm]

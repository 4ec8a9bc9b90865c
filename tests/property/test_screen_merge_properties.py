"""Property tests: the quality screen's statistics of any split of the rows, merged in any
order, equal the statistics of all rows at once, exactly (integer answers).

That is what lets ``--with-quality`` read a file in batches (or partitions) and still give
every respondent the values of the in-memory screen: the fitted parts (the Mahalanobis
centroid and inverse covariance, the synonym and antonym pairs, the ``Gnormed.poly`` step
order and reference threshold) are functions of these statistics alone.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from relscales.errors import ScoringError
from relscales.instruments.loader import load_instrument
from relscales.moments import PairwiseMoments
from relscales.personfit import GnormedCounts, GnormedReference
from relscales.quality import MahalanobisModel, QualityResult, ScreenModel, reason_names
from relscales.scoring.compile import compile_instrument
from relscales.scoring.screening import InstrumentScreen

RSES = compile_instrument(load_instrument("rses"))


@st.composite
def codes(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """0-based codes of 2-6 items with 2-5 categories, 0-60 rows, some missing."""
    n = draw(st.integers(0, 60))
    n_cat = np.array(draw(st.lists(st.integers(2, 5), min_size=2, max_size=6)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = (rng.random((n, n_cat.size)) * n_cat).astype(np.int64).astype(float)
    x[rng.random(x.shape) < draw(st.sampled_from([0.0, 0.05, 0.3]))] = np.nan
    return x, n_cat


@st.composite
def answers(draw: st.DrawFn, k: int | None = None, low: int = 1, high: int = 5) -> np.ndarray:
    """Integer answers low..high, correlated through one trait, some missing."""
    n = draw(st.integers(0, 60))
    k = draw(st.integers(2, 6)) if k is None else k
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    trait = rng.normal(size=(n, 1))
    x = np.clip(np.rint((low + high) / 2 + trait + rng.normal(size=(n, k))), low, high)
    x[rng.random(x.shape) < draw(st.sampled_from([0.0, 0.05, 0.3]))] = np.nan
    return x


def splits(data: st.DataObject, n: int) -> tuple[list[slice], list[int]]:
    """Any cut of ``0..n`` into consecutive parts (some empty), and an order to merge them."""
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=5)))
    parts = [slice(a, b) for a, b in itertools.pairwise([0, *cuts, n])]
    return parts, data.draw(st.permutations(range(len(parts))))


@given(case=codes(), data=st.data())
@settings(max_examples=100, deadline=None)
def test_gnormed_counts_of_any_split_merge_to_the_whole(
    case: tuple[np.ndarray, np.ndarray], data: st.DataObject
) -> None:
    x, n_cat = case
    whole = GnormedCounts.of(x, n_cat)
    parts, order = splits(data, x.shape[0])
    pieces = [GnormedCounts.of(x[p], n_cat) for p in parts]
    merged = GnormedCounts.empty(n_cat)
    for i in order:
        merged.merge(pieces[i])
    for name in ("answered", "totals", "joint"):
        assert_array_equal(getattr(merged, name), getattr(whole, name), err_msg=name)
    assert merged.n_complete == int((~np.isnan(x).any(axis=1)).sum())
    assert int(whole.answered.sum()) == int((~np.isnan(x)).sum())
    # the fit is a function of the counts: the same step order and threshold, bit for bit
    if whole.n_complete:
        a = GnormedReference.fit(whole, n_reference=200)
        b = GnormedReference.fit(merged, n_reference=200)
        assert a.threshold == b.threshold
        assert_array_equal(a.items, b.items)
        assert_array_equal(a.steps, b.steps)
        assert_array_equal(a.apply(x).statistic, b.apply(x).statistic)


def _moments(x: np.ndarray, parts: list[slice], order: list[int]) -> PairwiseMoments:
    shift = np.full(x.shape[1], 3.0)
    pieces = []
    for p in parts:
        m = PairwiseMoments(x.shape[1], shift)
        m.update(x[p])
        pieces.append(m)
    merged = PairwiseMoments(x.shape[1], shift)
    for i in order:
        merged.merge(pieces[i])
    return merged


def _same_result(a: QualityResult, b: QualityResult) -> None:
    for name in ("longstring", "avgstring", "irv", "mahalanobis", "mahalanobis_p", "psychsyn"):
        va, vb = getattr(a, name), getattr(b, name)
        assert (va is None) == (vb is None), name
        if va is not None:
            assert_array_equal(va, vb, err_msg=name)
    assert a.reasons == b.reasons
    assert_array_equal(a.careless, b.careless)


@given(x=answers(), data=st.data())
@settings(max_examples=100, deadline=None)
def test_screen_fitted_from_merged_moments_equals_the_whole(
    x: np.ndarray, data: st.DataObject
) -> None:
    whole = _moments(x, [slice(0, x.shape[0])], [0])
    parts, order = splits(data, x.shape[0])
    merged = _moments(x, parts, order)
    assert_array_equal(merged.complete_mean(), whole.complete_mean())
    assert_array_equal(merged.complete_covariance(), whole.complete_covariance())
    assert_array_equal(merged.correlation(), whole.correlation())
    try:
        a = MahalanobisModel.fit(whole)
    except ScoringError:
        try:
            MahalanobisModel.fit(merged)
        except ScoringError:
            skip: tuple[str, ...] = ("mahalanobis",)
        else:
            raise AssertionError("only the merged statistics give a covariance") from None
    else:
        b = MahalanobisModel.fit(merged)
        assert_array_equal(a.mean, b.mean)
        assert_array_equal(a.precision, b.precision)
        skip = ()
    fa = ScreenModel.fit(whole, skip=skip)  # type: ignore[arg-type]
    fb = ScreenModel.fit(merged, skip=skip)  # type: ignore[arg-type]
    assert fa.synonyms == fb.synonyms
    assert fa.antonyms == fb.antonyms
    result = fa.apply(x)
    _same_result(result, fb.apply(x))
    # applied batch by batch: each respondent's values depend on their row alone
    pieces = [fb.apply(x[p]) for p in parts]
    assert sum((r.reasons for r in pieces), ()) == result.reasons
    for name in ("irv", "mahalanobis", "psychsyn", "psychant"):
        whole_values = getattr(result, name)
        if whole_values is not None:
            got = np.concatenate([getattr(r, name) for r in pieces])
            assert_array_equal(got, whole_values, err_msg=name)
    bits = np.concatenate([r.reason_bits() for r in pieces]) if pieces else np.zeros(0)
    assert [reason_names(int(b)) for b in bits.tolist()] == list(result.reasons)


@given(x=answers(k=10, low=0, high=3), data=st.data())
@settings(max_examples=40, deadline=None)
def test_instrument_screen_of_any_split_equals_the_whole(
    x: np.ndarray, data: st.DataObject
) -> None:
    whole = InstrumentScreen(RSES)
    whole.update(x)
    whole.finish()
    parts, order = splits(data, x.shape[0])
    pieces = []
    for p in parts:
        one = InstrumentScreen(RSES)
        one.update(x[p])
        pieces.append(one)
    merged = InstrumentScreen(RSES)
    for i in order:
        merged.merge(pieces[i])
    merged.finish()
    assert merged.n_rows == whole.n_rows == x.shape[0]
    a, b = whole.apply(x), merged.apply(x)
    _same_result(a.quality, b.quality)
    assert_array_equal(a.person_fit.unusual, b.person_fit.unusual)
    for s, (kind, values) in a.person_fit.values.items():
        assert b.person_fit.values[s][0] == kind
        assert_array_equal(b.person_fit.values[s][1], values)

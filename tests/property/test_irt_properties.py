"""Property-based tests of relscales.irt (graded response model scoring)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from relscales.irt import GradedModel, score_theta


@st.composite
def models(draw: st.DrawFn) -> GradedModel:
    k = draw(st.integers(1, 8))
    m_max = draw(st.integers(2, 6))
    n_cat = np.array([draw(st.integers(2, m_max)) for _ in range(k)])
    n_cat[draw(st.integers(0, k - 1))] = m_max
    slopes = np.array([draw(st.floats(0.3, 3.0)) for _ in range(k)])
    thresholds = np.full((k, m_max - 1), np.nan)
    for j in range(k):
        start = draw(st.floats(-3.0, 2.0))
        gaps = [draw(st.floats(0.05, 1.5)) for _ in range(n_cat[j] - 2)]
        thresholds[j, : n_cat[j] - 1] = start + np.concatenate(([0.0], np.cumsum(gaps)))
    return GradedModel(slopes, thresholds, n_cat)


@st.composite
def model_and_pattern(draw: st.DrawFn) -> tuple[GradedModel, np.ndarray]:
    model = draw(models())
    pattern = np.array(
        [draw(st.one_of(st.none(), st.integers(0, int(m) - 1))) for m in model.n_categories],
        dtype=float,
    )
    if np.all(np.isnan(pattern)):
        pattern[0] = 0.0
    return model, pattern


@given(model_and_pattern(), st.data())
def test_eap_increases_when_one_response_moves_up(
    case: tuple[GradedModel, np.ndarray], data: st.DataObject
) -> None:
    model, pattern = case
    answered = np.nonzero(~np.isnan(pattern) & (pattern < model.n_categories - 1))[0]
    if answered.size == 0:
        return
    j = data.draw(st.sampled_from(answered.tolist()))
    higher = pattern.copy()
    higher[j] += 1
    est = score_theta(model, np.array([pattern, higher]))
    assert est.theta[1] > est.theta[0]


@given(model_and_pattern(), st.floats(-1.0, 1.0), st.floats(0.5, 2.0))
def test_posterior_sd_at_most_prior_sd(
    case: tuple[GradedModel, np.ndarray], mean: float, sd: float
) -> None:
    model, pattern = case
    est = score_theta(model, pattern[None, :], prior_mean=mean, prior_sd=sd)
    assert 0 < est.se[0] <= sd * (1 + 1e-12)


@given(model_and_pattern(), st.randoms(use_true_random=False))
def test_item_order_does_not_matter(case: tuple[GradedModel, np.ndarray], rnd) -> None:  # type: ignore[no-untyped-def]
    model, pattern = case
    order = list(range(model.n_items))
    rnd.shuffle(order)
    shuffled = GradedModel(model.slopes[order], model.thresholds[order], model.n_categories[order])
    for method in ("eap", "map"):
        a = score_theta(model, pattern[None, :], method=method)
        b = score_theta(shuffled, pattern[order][None, :], method=method)
        np.testing.assert_allclose(b.theta, a.theta, rtol=0, atol=1e-12)
        np.testing.assert_allclose(b.se, a.se, rtol=0, atol=1e-12)


@given(model_and_pattern(), st.floats(-2.0, 2.0))
def test_shifting_thresholds_and_prior_shifts_theta(
    case: tuple[GradedModel, np.ndarray], shift: float
) -> None:
    model, pattern = case
    moved = GradedModel(model.slopes, model.thresholds + shift, model.n_categories)
    for method in ("eap", "map", "ml"):
        a = score_theta(model, pattern[None, :], method=method)
        b = score_theta(moved, pattern[None, :], method=method, prior_mean=shift)
        np.testing.assert_allclose(b.theta, a.theta + shift, rtol=0, atol=1e-9)
        np.testing.assert_allclose(b.se, a.se, rtol=1e-9, atol=1e-12)

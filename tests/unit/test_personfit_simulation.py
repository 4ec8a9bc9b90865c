"""Simulation check of the person-fit statistics (small version of
``scripts/simulate_personfit.py``; the full study and its table are in
``docs/methods-personfit.md``).

36 items in two GRM scales (18 items, 5 categories each), N = 5,000, 10 % random
responders (uniform over the categories). Asserted: the detection AUC of ``lz*p`` is at
least .90, and attentive respondents with an extreme trait level (``|theta| > 2`` on
either scale) are flagged by ``lz*p`` at most twice as often as attentive respondents
overall. ``Gnormed.poly`` and the longstring / Mahalanobis rules of
:mod:`relscales.quality` are measured and printed (``pytest -n 0 -s``), not asserted beyond
sanity bounds.
"""

from __future__ import annotations

import numpy as np
import pytest

from relscales import irt, quality
from relscales.irt import GradedModel
from relscales.personfit import gnormed_poly, lz_poly

K, M, N, SEED = 18, 5, 5_000, 20240601


def make_model(rng: np.random.Generator) -> GradedModel:
    slopes = rng.uniform(1.0, 2.5, K)
    location = rng.uniform(-0.75, 0.75, K)
    steps = np.array([-2.0, -0.7, 0.5, 1.8])
    thresholds = np.sort(
        location[:, None] + steps[None, :] + rng.uniform(-0.2, 0.2, (K, 4)), axis=1
    )
    return GradedModel(slopes, thresholds, np.full(K, M))


def draw(model: GradedModel, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cum = np.cumsum(irt.category_probabilities(model, theta), axis=2)[:, :, :-1]
    return (rng.random((theta.size, K, 1)) >= cum).sum(axis=2).astype(float)


def auc(misfit: np.ndarray, positive: np.ndarray) -> float:
    from scipy.stats import rankdata

    ranks = rankdata(misfit)
    n_pos = int(positive.sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * (~positive).sum()))


@pytest.fixture(scope="module")
def study() -> dict[str, float]:
    rng = np.random.default_rng(SEED)
    models = (make_model(rng), make_model(rng))
    theta = rng.multivariate_normal([0.0, 0.0], [[1.0, 0.5], [0.5, 1.0]], size=N)
    codes = [draw(models[s], theta[:, s], rng) for s in range(2)]
    rnd = rng.random(N) < 0.10
    for c in codes:
        c[rnd] = rng.integers(0, M, (int(rnd.sum()), K))
    att = ~rnd
    extreme = att & (np.abs(theta).max(axis=1) > 2.0)

    z = []
    for model, c in zip(models, codes, strict=True):
        theta_ml = irt.score_theta(model, c, method="ml").theta
        z.append(lz_poly(model, c, theta_ml).statistic)
    both = np.isfinite(z[0]) & np.isfinite(z[1])
    lz = np.where(both, (z[0] + z[1]) / np.sqrt(2.0), np.where(np.isfinite(z[0]), z[0], z[1]))
    lz_flag = lz < -1.645

    keyed = np.hstack(codes)
    g = gnormed_poly(keyed, np.full(2 * K, M))
    raw = np.empty_like(keyed)
    raw[:, 0::2], raw[:, 1::2] = codes  # administration order: the scales alternate
    raw = np.where(np.arange(2 * K) % 3 == 2, (M - 1) - raw, raw)  # a third reverse-worded
    longstring = quality.longstring(raw).longest >= K
    mahal = quality.mahalanobis(raw).p_value < 0.001

    out = {
        "lz AUC": auc(-np.nan_to_num(lz, nan=np.inf), rnd),
        "lz flag random": lz_flag[rnd].mean(),
        "lz flag attentive": lz_flag[att].mean(),
        "lz flag extreme": lz_flag[extreme].mean(),
        "G AUC": auc(np.nan_to_num(g.statistic, nan=-np.inf), rnd),
        "G flag random": g.flagged[rnd].mean(),
        "G flag attentive": g.flagged[att].mean(),
        "G flag extreme": g.flagged[extreme].mean(),
        "longstring flag attentive": longstring[att].mean(),
        "longstring flag extreme": longstring[extreme].mean(),
        "Mahalanobis flag attentive": mahal[att].mean(),
        "Mahalanobis flag extreme": mahal[extreme].mean(),
        "n extreme": float(extreme.sum()),
    }
    print()
    for key, value in out.items():
        print(f"{key:>28}: {value:.4f}")
    return {k: float(v) for k, v in out.items()}


def test_lzstar_detects_random_responders(study: dict[str, float]) -> None:
    assert study["lz AUC"] >= 0.90
    assert study["lz flag random"] >= 0.80


def test_lzstar_does_not_single_out_extreme_honest_respondents(study: dict[str, float]) -> None:
    assert study["n extreme"] >= 200  # enough extreme respondents for the comparison
    assert study["lz flag extreme"] <= 2.0 * study["lz flag attentive"]
    # near the nominal 5 % under the model
    assert 0.02 <= study["lz flag attentive"] <= 0.08


def test_gnormed_is_measured(study: dict[str, float]) -> None:
    # reported, not a requirement: Gnormed.poly with one threshold for every total
    # score flags honest extreme respondents far more often (see the methods page)
    assert study["G AUC"] >= 0.90
    assert study["G flag attentive"] <= 0.10

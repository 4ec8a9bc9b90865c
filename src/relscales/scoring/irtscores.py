"""Scores from a declared graded response model: theta, its standard error, its interval.

A subscale that declares an ``irt`` block (:class:`relscales.spec.IrtSpec`) gets, besides its
classical score, theta by the declared method (:func:`relscales.irt.score_theta`), its
standard error, and a T score (50 + 10 theta, the calibration sample's metric). Its interval
on the classical score's own metric comes from the model too: the expected score, over the
items the person answered, at theta -/+ z standard errors (the test characteristic curve),
widened to contain the observed score. That is the conditional standard error of the
person's own level, not an average over the sample.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from relscales.scoring.intervals import ScoreInterval

if TYPE_CHECKING:
    from relscales.irt import ThetaEstimates
    from relscales.scoring.compile import CompiledInstrument, CompiledIrt

__all__ = ["THETA_BOUND", "model_interval", "theta_estimates"]

THETA_BOUND = 8.0
"""Theta is clipped to +/- this before expected scores are computed (ML gives +/- inf for
all-lowest or all-highest answers)."""


def theta_estimates(model: CompiledIrt, codes: NDArray[np.float64]) -> ThetaEstimates:
    """Estimate theta and its standard error for every row of ``codes`` (NaN = missing).

    The codes come from :class:`~relscales.scoring.compile.CodeKey`, which only makes
    valid codes of decoded answers: the scorer does not check them again.
    """
    return model.scorer.score(codes, checked=True)


def _expected(
    model: CompiledIrt,
    compiled: CompiledInstrument,
    theta: NDArray[np.float64],
    answered: NDArray[np.bool_],
) -> NDArray[np.float64]:
    """Return the expected classical score at ``theta``, over each person's answered items."""
    from relscales.irt import category_probabilities

    finite = np.clip(np.nan_to_num(theta, nan=0.0), -THETA_BOUND, THETA_BOUND)
    probs = category_probabilities(model.model, finite)  # (n, k, m_max)
    width = probs.shape[2]
    values = np.zeros((len(model.items), width))
    for j, item in enumerate(model.items.tolist()):
        scale = compiled.scales[int(compiled.item_scale[item])].values
        values[j, : len(scale)] = scale
    expected = np.einsum("nkm,km->nk", probs, values)
    weights = compiled.weights[model.subscale, model.items]
    used = answered * weights
    total = np.einsum("nk,nk->n", expected, used)
    weight_answered = used.sum(axis=1)
    method = compiled.methods[model.subscale]
    if method == "sum":
        return np.asarray(total, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.asarray(total / weight_answered, dtype=np.float64)
    if method == "prorated_sum":
        return np.asarray(mean * float(weights.sum()), dtype=np.float64)
    return mean


def model_interval(
    model: CompiledIrt,
    compiled: CompiledInstrument,
    estimates: ThetaEstimates,
    codes: NDArray[np.float64],
    value: NDArray[np.float64],
    z: float,
) -> ScoreInterval:
    """Return the classical score's interval: theta -/+ z SE through the expected score."""
    answered = ~np.isnan(codes)
    low = _expected(model, compiled, estimates.theta - z * estimates.se, answered)
    high = _expected(model, compiled, estimates.theta + z * estimates.se, answered)
    missing = np.isnan(value) | np.isnan(estimates.theta)
    low = np.where(missing, np.nan, np.fmin(low, value))
    high = np.where(missing, np.nan, np.fmax(high, value))
    centre = (low + high) / 2
    variance = np.square((high - low) / (2 * z))
    return ScoreInterval(low, high, centre, variance)

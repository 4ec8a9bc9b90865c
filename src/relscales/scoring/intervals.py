"""Person-level confidence intervals that stay inside the scale (one method for every score).

Every score's interval is a Wilson score interval on the score's 0-1 metric
(``p = (x - low) / (high - low)``) with an *effective number of answers* ``n``:

* the error variance of a score at true value ``mu`` (0-1 metric) is taken as
  ``mu (1 - mu) / n``: the largest variance a bounded answer can have around ``mu``
  (Bhatia & Davis 2000), scaled by how much of it answers really show (the dispersion
  ``phi``), over the number of answers (Lord's 1957 binomial error model, with a
  dispersion factor for rating scales);
* a subscale's ``n = k / phi``, with ``k`` the items answered and ``phi`` the person's own
  dispersion ``s^2 / (p (1 - p))`` (``k - 1`` degrees of freedom) shrunk toward a prior
  ``phi_0`` worth ``d_0`` degrees of freedom (the moderated variance of Smyth 2004):
  ``phi = (d_0 phi_0 + (k - 1) phi_person) / (d_0 + k - 1)``. Answers that are all alike
  do not make the interval collapse; an answer at the end of the scale carries no
  information about spread, so ``phi_0`` stands alone there;
* a score with a declared reliability *and* a reference SD uses its classical SEM instead:
  ``n = p_norm (1 - p_norm) / (SEM / (high - low))^2`` at the reference group's mean;
* a composite combines its parts' error variances at their Wilson centres (errors taken as
  independent) and converts the sum back into an ``n`` at the composite's own centre; a
  composite of z scores has no bounds and gets the normal interval ``x +/- z SE``.

The Wilson interval (Wilson 1927) solves ``(p - mu)^2 <= z^2 mu (1 - mu) / n`` for ``mu``:
it always contains the score, never leaves ``[0, 1]``, and is never zero-width. The
constants below were chosen by simulation (docs/methods.md, "Intervals"; the coverage
study runs in the test suite).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "PRIOR_DF",
    "PRIOR_DISPERSION",
    "ScoreInterval",
    "composite_interval",
    "fixed_interval",
    "subscale_interval",
    "wilson",
]

FloatArray = NDArray[np.float64]

PRIOR_DISPERSION = 0.28
"""``phi_0``: the share of the largest possible variance that one answer shows around the
person's true level, before their own answers are seen."""

PRIOR_DF = 10.0
"""``d_0``: how many degrees of freedom the prior dispersion is worth."""


@dataclass(frozen=True, slots=True)
class ScoreInterval:
    """One score's interval for every respondent, and what a composite needs of it.

    Attributes
    ----------
    low, high
        The interval on the score's own metric (NaN where the score is missing).
    centre
        The Wilson centre on the score's metric (the score itself when unbounded).
    variance
        Error variance on the score's own metric at the centre.
    """

    low: FloatArray
    high: FloatArray
    centre: FloatArray
    variance: FloatArray


def wilson(p: FloatArray, n: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    """Return the Wilson score interval ``(low, high)`` for proportions ``p`` over ``n``.

    Examples
    --------
    >>> lo, hi = wilson(np.array([0.0, 0.5, 1.0]), np.array([10.0, 10.0, 10.0]), 1.96)
    >>> [round(float(v), 3) for v in lo], [round(float(v), 3) for v in hi]
    ([0.0, 0.237, 0.722], [0.278, 0.763, 1.0])
    """
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        den = 1.0 + z2 / n
        centre = (p + z2 / (2.0 * n)) / den
        half = (z / den) * np.sqrt(np.clip(p * (1.0 - p), 0.0, None) / n + z2 / (4.0 * n * n))
    # the interval contains p; keep that exact in floating point at the ends of the scale
    low = np.clip(np.minimum(centre - half, p), 0.0, 1.0)
    high = np.clip(np.maximum(centre + half, p), 0.0, 1.0)
    return low, high


def _centre(p: FloatArray, n: FloatArray, z: float) -> FloatArray:
    """Return the Wilson centre: ``p`` pulled toward 1/2, never 0 or 1."""
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((p + z2 / (2.0 * n)) / (1.0 + z2 / n), dtype=np.float64)


def _bounded(value: FloatArray, n: FloatArray, low: float, high: float, z: float) -> ScoreInterval:
    span = high - low
    p = np.clip((value - low) / span, 0.0, 1.0)
    lo, hi = wilson(p, n, z)
    c = _centre(p, n, z)
    missing = np.isnan(value)
    # the Wilson interval contains p; keep that exact in floating point
    out_lo = np.minimum(low + span * lo, value)
    out_hi = np.maximum(high - span * (1.0 - hi), value)
    out_lo[missing] = np.nan
    out_hi[missing] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.where(missing, np.nan, span * span * c * (1.0 - c) / n)
    return ScoreInterval(out_lo, out_hi, np.where(missing, np.nan, low + span * c), variance)


def subscale_interval(
    value: FloatArray,
    person_se: FloatArray,
    answered: NDArray[np.int64],
    low: float,
    high: float,
    z: float,
) -> ScoreInterval:
    """Interval of a subscale from each person's own answers, moderated by the prior.

    ``person_se`` is the item-sampling standard error on the score's metric
    (:func:`relscales.scoring.kernel.item_sampling_se`; ``inf`` below two answers) and
    ``answered`` the count of items answered.

    Examples
    --------
    Three answers all at the middle of a 1-5 scale, and all at its floor:

    >>> iv = subscale_interval(np.array([3.0, 1.0]), np.zeros(2), np.array([3, 3]), 1.0, 5.0, 1.96)
    >>> [round(float(v), 2) for v in iv.low], [round(float(v), 2) for v in iv.high]
    ([2.04, 1.0], [3.96, 2.06])
    """
    k = answered.astype(np.float64)
    span = high - low
    p = (value - low) / span
    with np.errstate(invalid="ignore", divide="ignore"):
        s2 = k * (person_se / span) ** 2  # the person's variance of answers, 0-1 metric
        pq = p * (1.0 - p)
        own = np.minimum(s2 / pq, 1.0)
    has_own = (k >= 2) & (pq > 1e-12) & np.isfinite(own)
    dof = np.where(has_own, k - 1.0, 0.0)
    phi = (PRIOR_DF * PRIOR_DISPERSION + dof * np.where(has_own, own, 0.0)) / (PRIOR_DF + dof)
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.where(k > 0, k / phi, np.nan)
    return _bounded(value, n, low, high, z)


def fixed_interval(
    value: FloatArray, sem: float, centre: float, low: float, high: float, z: float
) -> ScoreInterval:
    """Interval from a classical SEM (a declared reliability and reference SD).

    Bounded scores keep the Wilson form with the ``n`` at which the error variance at the
    reference mean ``centre`` equals ``SEM^2``; unbounded ones get ``x +/- z SEM``.
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        var = np.full(value.shape, sem * sem)
        lo, hi = value - z * sem, value + z * sem
        return ScoreInterval(lo, hi, value, var)
    span = high - low
    pc = min(max((centre - low) / span, 0.05), 0.95)
    n = np.full(value.shape, pc * (1.0 - pc) / (sem / span) ** 2)
    return _bounded(value, n, low, high, z)


def composite_interval(
    value: FloatArray,
    centre: FloatArray,
    variances: Sequence[FloatArray],
    weights: FloatArray,
    factors: Sequence[float],
    divisor: FloatArray | float,
    low: float,
    high: float,
    z: float,
) -> ScoreInterval:
    """Interval of a composite from its parts' variances (independent errors).

    Parameters
    ----------
    value
        The composite.
    centre
        The composite computed from the parts' centres (the same combining rule).
    variances
        Each part's error variance on its own metric (:attr:`ScoreInterval.variance`).
    weights
        ``(n, m)`` or ``(m,)`` weights of the parts (zero for a part left out).
    factors
        Each part's metric factor (1 raw, ``1/sd`` z, ``100/range`` POMP).
    divisor
        Sum of weights for a weighted mean (per row when parts can be left out), else 1.
    """
    w = np.broadcast_to(weights, (value.shape[0], len(variances)))
    total = np.zeros(value.shape)
    for j, (var, factor) in enumerate(zip(variances, factors, strict=True)):
        term = (w[:, j] * factor) ** 2 * var
        total = total + np.where(w[:, j] == 0, 0.0, term)
    variance = total / np.asarray(divisor) ** 2
    if not (np.isfinite(low) and np.isfinite(high)):
        se = np.sqrt(variance)
        return ScoreInterval(value - z * se, value + z * se, value, variance)
    span = high - low
    pc = np.clip((centre - low) / span, 1e-6, 1 - 1e-6)
    with np.errstate(invalid="ignore", divide="ignore"):
        n = pc * (1.0 - pc) * span * span / variance
    return _bounded(value, n, low, high, z)

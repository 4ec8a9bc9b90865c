"""Norm-referenced scores, standard errors of measurement, confidence intervals and bands.

Formulas (see docs/methods.md):

* ``z = (x - mean) / sd`` against a named reference group; ``T = 50 + 10 z``;
* percentile = ``100 * Phi(z)`` (normal approximation), or linear interpolation in
  the group's empirical percentile table when one is declared;
* ``SEM = sd * sqrt(1 - r)`` with ``sd`` the reference group's SD and ``r`` the
  score's reliability; the interval is ``x +/- z_(1+level)/2 * SEM``;
* a composite's SEM combines its parts' SEMs as ``sqrt(sum (w_i SEM_i)^2)`` (errors
  assumed independent), divided by ``sum w_i`` for a weighted mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from relscales.spec import BandSpec, NormSpec

__all__ = ["NormScores", "band_labels", "critical_z", "norm_scores", "pick_norm", "sem"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class NormScores:
    """z, T and percentile scores against one reference group."""

    z: FloatArray
    t: FloatArray
    pct: FloatArray


def pick_norm(norms: tuple[NormSpec, ...], group: str | None) -> NormSpec | None:
    """Return the named reference group, or the first one when no name is given."""
    if not norms:
        return None
    if group is None:
        return norms[0]
    for norm in norms:
        if norm.group == group:
            return norm
    return None


def _phi(z: FloatArray) -> FloatArray:
    from scipy.special import ndtr

    return np.asarray(ndtr(z), dtype=np.float64)


def critical_z(level: float) -> float:
    """Return the two-sided normal critical value for a confidence level (1.96 for 0.95)."""
    from scipy.special import ndtri

    return float(ndtri(0.5 + level / 2.0))


def norm_scores(x: FloatArray, norm: NormSpec) -> NormScores:
    """Compute z, T and percentile scores of raw scores ``x`` (``NaN`` stays ``NaN``).

    Examples
    --------
    >>> from relscales.spec import NormSpec
    >>> ns = norm_scores(np.array([3.0, np.nan]), NormSpec(group="g", mean=2.0, sd=0.5))
    >>> ns.z.tolist()[0], ns.t.tolist()[0], round(ns.pct.tolist()[0], 2)
    (2.0, 70.0, 97.72)
    """
    z = (x - float(norm.mean)) / float(norm.sd)
    if norm.percentiles:
        scores = np.array([float(p.score) for p in norm.percentiles])
        ranks = np.array([float(p.percentile) for p in norm.percentiles])
        pct = np.interp(x, scores, ranks)
        pct = np.where(np.isnan(x), np.nan, pct)
    else:
        pct = 100.0 * _phi(z)
    return NormScores(z, 50.0 + 10.0 * z, pct)


def sem(sd: float, reliability: float) -> float:
    """Return the standard error of measurement, ``sd * sqrt(1 - reliability)``.

    Examples
    --------
    >>> round(sem(10.0, 0.91), 6)
    3.0
    """
    return sd * math.sqrt(max(0.0, 1.0 - reliability))


def band_labels(x: FloatArray, bands: tuple[BandSpec, ...]) -> NDArray[np.object_]:
    """Return the band label of each score (``None`` for a missing score).

    A score belongs to the first band whose ``below`` it is under; the last band
    (no ``below``) takes the rest.
    """
    out = np.full(x.shape, None, dtype=object)
    if not bands:
        return out
    edges = np.array([float(b.below) for b in bands if b.below is not None])
    labels = np.array([b.label for b in bands], dtype=object)
    idx = np.searchsorted(edges, x, side="right")
    known = ~np.isnan(x)
    out[known] = labels[idx[known]]
    return out

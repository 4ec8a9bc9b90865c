"""Naive reference implementations of the interval method, for differential tests.

Written from the formulas in docs/methods.md ("Intervals"), not from the library's code:
the Wilson interval is found by root-solving its defining inequality.
"""

from __future__ import annotations

import math


def wilson_naive(score: float, n: float, low: float, high: float, z: float) -> tuple[float, float]:
    """The Wilson interval found by root-solving (p - mu)^2 = z^2 mu (1 - mu) / n on [0, 1]."""
    from scipy.optimize import brentq, minimize_scalar

    if math.isnan(score):
        return math.nan, math.nan
    p = (score - low) / (high - low)

    def f(mu: float) -> float:
        return (p - mu) ** 2 - z * z * mu * (1 - mu) / n

    # f is a convex parabola, negative at its minimum: one root on each side of it
    m = float(minimize_scalar(f, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-12}).x)
    lo = 0.0 if f(0.0) <= 0 else brentq(f, 0.0, m, xtol=1e-14)
    hi = 1.0 if f(1.0) <= 0 else brentq(f, m, 1.0, xtol=1e-14)
    return low + (high - low) * lo, low + (high - low) * hi


def sem_n(sem: float, norm_mean: float, low: float, high: float) -> float:
    """Effective n of a classical SEM: the error variance at the reference mean is SEM^2."""
    pc = min(max((norm_mean - low) / (high - low), 0.05), 0.95)
    return pc * (1 - pc) / (sem / (high - low)) ** 2

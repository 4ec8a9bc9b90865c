"""Pure-numpy scoring kernels: reverse keying and keyed sums, means and prorated sums.

No Python loop runs over respondents: every function works on whole
``(respondents x items)`` arrays, with ``NaN`` marking a missing answer.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["ScoreMethod", "keyed_scores", "reverse_key"]

FloatArray = NDArray[np.float64]
ScoreMethod = Literal["mean", "sum", "prorated_sum"]

_METHOD_CODES = {"mean": 0, "sum": 1, "prorated_sum": 2}


def reverse_key(x: FloatArray, reverse: NDArray[np.bool_], offset: FloatArray) -> FloatArray:
    """Reverse-key the flagged columns as ``offset - x`` (``offset`` = scale min + max).

    Parameters
    ----------
    x
        Answers, ``(n, k)``; ``NaN`` = missing (stays missing).
    reverse
        ``(k,)`` True for reverse-keyed items.
    offset
        ``(k,)`` min + max of each item's *declared* response scale.

    Examples
    --------
    >>> reverse_key(np.array([[1.0, 7.0]]), np.array([False, True]), np.array([8.0, 8.0]))
    array([[1., 1.]])
    """
    return np.where(reverse, offset - x, x)


def keyed_scores(
    x: FloatArray,
    weights: FloatArray,
    methods: tuple[ScoreMethod, ...],
    min_answered: NDArray[np.int64],
) -> tuple[FloatArray, NDArray[np.int64]]:
    """Score every respondent on every scale.

    Parameters
    ----------
    x
        Keyed answers (already reverse-keyed), ``(n, k)``; ``NaN`` = missing.
    weights
        ``(s, k)`` non-negative item weights; 0 = the item is not in the scale.
    methods
        Per scale: ``mean`` (weighted mean of answered items), ``sum`` (weighted sum of
        answered items) or ``prorated_sum`` (mean x total weight).
    min_answered
        ``(s,)`` fewest answered items for a score; below it the score is ``NaN``.

    Returns
    -------
    scores, n_answered
        ``(n, s)`` scores and ``(n, s)`` counts of answered items.

    Notes
    -----
    With unit weights, ``mean`` equals R ``psych::scoreItems(keys, items, impute =
    "none")`` and ``sum`` equals its ``totals = TRUE`` variant, except that a
    respondent with too few answers gets ``NaN`` rather than psych's total of 0.

    Examples
    --------
    >>> x = np.array([[1.0, 3.0], [2.0, np.nan]])
    >>> s, n = keyed_scores(x, np.array([[1.0, 1.0]]), ("mean",), np.array([1]))
    >>> s.ravel().tolist(), n.ravel().tolist()
    ([2.0, 2.0], [2, 1])
    """
    answered = ~np.isnan(x)
    filled = np.where(answered, x, 0.0)
    answered_f = answered.astype(np.float64)
    totals = filled @ weights.T
    weight_answered = answered_f @ weights.T
    n_answered = np.rint(answered_f @ (weights > 0).T.astype(np.float64)).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = totals / weight_answered
    codes = np.array([_METHOD_CODES[m] for m in methods])
    total_weight = weights.sum(axis=1)
    scores = np.where(
        codes == 0, means, np.where(codes == 1, totals, means * total_weight)
    )
    scores = np.where(n_answered >= min_answered, scores, np.nan)
    return scores, n_answered

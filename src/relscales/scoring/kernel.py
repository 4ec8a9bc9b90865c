"""Pure-numpy scoring kernels: reverse keying and keyed sums, means and prorated sums.

No Python loop runs over respondents: every function works on whole
``(respondents x items)`` arrays, with ``NaN`` marking a missing answer, or (for
:func:`keyed_scores_filled`, the engine's form) with 0 in its place and the missing
rows of each item listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["ScoreMethod", "keyed_scores", "keyed_scores_filled", "reverse_key"]

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
    *,
    reverse: NDArray[np.bool_] | None = None,
    offset: FloatArray | None = None,
    overwrite_x: bool = False,
) -> tuple[FloatArray, NDArray[np.int64]]:
    """Score every respondent on every scale.

    Parameters
    ----------
    x
        Answers, ``(n, k)``; ``NaN`` = missing. Already reverse-keyed unless
        ``reverse`` and ``offset`` are given, in which case reverse keying is folded
        into the weights (``offset - x`` for flagged items) without a pass over ``x``.
    weights
        ``(s, k)`` non-negative item weights; 0 = the item is not in the scale.
    methods
        Per scale: ``mean`` (weighted mean of answered items), ``sum`` (weighted sum of
        answered items) or ``prorated_sum`` (mean x total weight).
    min_answered
        ``(s,)`` fewest answered items for a score; below it the score is ``NaN``.
    reverse, offset
        ``(k,)`` reverse-key mask and min + max of each item's declared scale.
    overwrite_x
        Allow the function to overwrite ``x`` (saves a copy of a large batch).

    Returns
    -------
    scores, n_answered
        ``(n, s)`` scores and ``(n, s)`` counts of answered items.

    Notes
    -----
    With ``m`` the missing mask, ``x0`` the answers with missing set to 0 and
    ``sign = -1`` for reversed items, the weighted total of answered keyed items is
    ``x0 @ (w * sign).T + sum(w * offset * rev) - m @ (w * offset * rev).T``, so one
    matrix product per pass replaces any per-respondent loop. With unit weights,
    ``mean`` equals R ``psych::scoreItems(keys, items, impute = "none")`` and ``sum``
    equals its ``totals = TRUE`` variant, except that a respondent with too few
    answers gets ``NaN`` rather than psych's total of 0.

    Examples
    --------
    >>> x = np.array([[1.0, 3.0], [2.0, np.nan]])
    >>> s, n = keyed_scores(x, np.array([[1.0, 1.0]]), ("mean",), np.array([1]))
    >>> s.ravel().tolist(), n.ravel().tolist()
    ([2.0, 2.0], [2, 1])
    """
    missing = np.isnan(x)
    filled = x if overwrite_x else x.copy()
    np.copyto(filled, 0.0, where=missing)
    return _keyed(filled, missing, weights, methods, min_answered, reverse, offset)


def keyed_scores_filled(
    filled: FloatArray,
    missing: Sequence[NDArray[np.int64]],
    weights: FloatArray,
    methods: tuple[ScoreMethod, ...],
    min_answered: NDArray[np.int64],
    *,
    reverse: NDArray[np.bool_] | None = None,
    offset: FloatArray | None = None,
) -> tuple[FloatArray, NDArray[np.int64]]:
    """:func:`keyed_scores` on answers with 0 for missing and the missing rows per item.

    The scoring engine decodes data into this form: a matrix product uses the zeros as
    they are, and the cells without an answer, few in most data, are added up one by one
    instead of in a product over a whole ``(n, k)`` mask. ``filled`` is not modified.

    Examples
    --------
    >>> filled = np.array([[1.0, 3.0], [2.0, 0.0]])
    >>> missing = [np.array([], dtype=np.int64), np.array([1])]
    >>> s, n = keyed_scores_filled(filled, missing, np.array([[1.0, 1.0]]), ("mean",),
    ...                            np.array([1]))
    >>> s.ravel().tolist(), n.ravel().tolist()
    ([2.0, 2.0], [2, 1])
    """
    if len(missing) != filled.shape[1]:
        raise ValueError(f"{len(missing)} missing-row lists for {filled.shape[1]} items")
    return _keyed(filled, missing, weights, methods, min_answered, reverse, offset)


SPARSE_MISSING = 1 / 8
"""Largest share of missing cells for which they are added up cell by cell."""


def _keyed(
    filled: FloatArray,
    missing: NDArray[np.bool_] | Sequence[NDArray[np.int64]],
    weights: FloatArray,
    methods: tuple[ScoreMethod, ...],
    min_answered: NDArray[np.int64],
    reverse: NDArray[np.bool_] | None,
    offset: FloatArray | None,
) -> tuple[FloatArray, NDArray[np.int64]]:
    n, k = filled.shape
    rev = np.zeros(k, dtype=np.bool_) if reverse is None else np.asarray(reverse, dtype=np.bool_)
    off = np.zeros(k) if offset is None else np.asarray(offset, dtype=np.float64)
    signed = weights * np.where(rev, -1.0, 1.0)
    rev_const = weights * np.where(rev, off, 0.0)
    in_scale = (weights > 0).astype(np.float64)
    s = weights.shape[0]
    # Scores run along rows here, (s, n): every step below is then a pass over contiguous
    # memory (an (n, s) array with s = 2 would step through n rows of 2). One product
    # for the answers; the missing cells take back their offsets, weights and counts.
    answered = signed @ filled.T
    lost = _missing_sums(missing, np.vstack([rev_const, weights, in_scale]), n)
    totals = answered + (rev_const.sum(axis=1)[:, None] - lost[:s])
    weight_answered = weights.sum(axis=1)[:, None] - lost[s : 2 * s]
    n_answered = np.rint(in_scale.sum(axis=1)[:, None] - lost[2 * s :]).astype(np.int64)
    scores = np.empty((s, n))
    total_weight = weights.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, method in enumerate(methods):
            if method == "sum":
                scores[i] = totals[i]
            else:
                np.divide(totals[i], weight_answered[i], out=scores[i])
                if method == "prorated_sum":
                    scores[i] *= total_weight[i]
    scores[n_answered < np.asarray(min_answered)[:, None]] = np.nan
    return scores.T, n_answered.T


def _missing_sums(
    missing: NDArray[np.bool_] | Sequence[NDArray[np.int64]],
    per_missing: FloatArray,
    n: int,
) -> FloatArray:
    """``per_missing @ mask.T`` for the ``(n, k)`` missing-cell mask: ``(rows, n)`` sums.

    ``missing`` is the mask itself, or the missing rows of each item. Few missing cells
    are added up cell by cell (a weighted ``bincount`` over their rows); many go through
    the product over the whole mask.
    """
    dtype = _exact_dtype(per_missing.T)
    weights = per_missing.astype(dtype)
    if isinstance(missing, np.ndarray):
        product: FloatArray = weights @ missing.T.astype(dtype)
        return product
    k = len(missing)
    cells = sum(rows.size for rows in missing)
    if cells > SPARSE_MISSING * n * k:
        mask = np.zeros((k, n), dtype=dtype)
        for j, rows in enumerate(missing):
            mask[j, rows] = 1.0
        dense: FloatArray = weights @ mask
        return dense
    rows = np.concatenate(missing) if k else np.empty(0, dtype=np.int64)
    items = np.repeat(np.arange(k), [r.size for r in missing])
    sums = np.empty((per_missing.shape[0], n))
    for i, row in enumerate(per_missing):  # one pass over the missing cells per sum
        sums[i] = np.bincount(rows, weights=row[items], minlength=n)
    return sums


def _exact_dtype(matrix: FloatArray) -> type[np.floating[Any]]:
    """float32 when every sum of a 0/1 row times ``matrix`` is exact in it, else float64.

    A missing-mask product adds up whole-number offsets, weights and counts; float32
    holds every integer below 2**24 exactly, and its product reads half the memory.
    """
    whole = bool(np.all(matrix == np.rint(matrix)))
    if whole and float(np.abs(matrix).sum(axis=0).max(initial=0.0)) < 2**24:
        return np.float32
    return np.float64


def item_sampling_se(
    x: FloatArray,
    weights: FloatArray,
    methods: tuple[ScoreMethod, ...],
    *,
    reverse: NDArray[np.bool_],
    offset: FloatArray,
) -> FloatArray:
    """Person-level standard error of each score under the item-sampling model.

    A respondent's mean score is a mean over a sample of items from a domain; its
    standard error is the spread of their own keyed answers divided by the square root
    of the number answered (Lord 1957; the domain-sampling model of classical test
    theory). Used when no published reliability and reference SD give a classical SEM.

    Parameters
    ----------
    x
        Raw answers ``(n, k)``, ``NaN`` = missing (not modified).
    weights, methods, reverse, offset
        As for :func:`keyed_scores`.

    Returns
    -------
    numpy.ndarray
        ``(n, s)`` standard errors on each score's own metric; ``inf`` where fewer
        than two items were answered (no spread to estimate), so that any reading that
        depends on it is indeterminate.

    Examples
    --------
    >>> x = np.array([[1.0, 3.0, 2.0]])
    >>> se = item_sampling_se(x, np.ones((1, 3)), ("mean",), reverse=np.zeros(3, bool),
    ...                       offset=np.zeros(3))
    >>> round(float(se[0, 0]), 6)  # sd 1 over sqrt(3) items
    0.57735
    """
    missing = np.isnan(x)
    keyed = np.where(reverse, offset - x, x)
    np.copyto(keyed, 0.0, where=missing)
    answered = (~missing).astype(np.float64)
    # numpy's own loops, not BLAS: with a few scores, a matrix product of a tall (n, k)
    # matrix and a (k, s) one runs several times faster this way
    w_answered = np.einsum("nk,sk->ns", answered, weights)
    total = np.einsum("nk,sk->ns", keyed, weights)
    total_sq = np.einsum("nk,sk->ns", keyed * keyed, weights)
    n = np.einsum("nk,sk->ns", answered, (weights > 0).astype(np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / w_answered
        var = np.clip((total_sq - w_answered * mean * mean) / (w_answered - 1.0), 0.0, None)
        se_mean = np.sqrt(var / n)
    se_mean = np.where(n >= 2, se_mean, np.inf)
    codes = np.array([_METHOD_CODES[m] for m in methods])
    scale = np.where(codes == 0, 1.0, np.where(codes == 1, n, weights.sum(axis=1)))
    with np.errstate(invalid="ignore"):  # inf x 0 answered items: NaN, as the score
        return np.asarray(se_mean * scale, dtype=np.float64)

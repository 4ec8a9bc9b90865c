"""How many answers a score needs, and the lowest and highest value it can take.

Both follow from an instrument's declaration alone. The scoring engine
(:mod:`relscales.scoring.compile`) and the exporters of :mod:`relscales.interchange`, which
write the same rules for other systems, take them from here, so that they never disagree.
Plain Python on sequences of numbers: the interchange layer imports no numeric package.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["composite_bounds", "min_answered_count", "score_bounds"]


def min_answered_count(min_answered: float, n_items: int) -> int:
    """Return the fewest answered items a subscale needs to have a score.

    Parameters
    ----------
    min_answered
        The subscale's ``min_answered``. A whole number (an ``int``) is a count of items. A
        ``float``, even ``1.0``, is a fraction of the subscale's items: the count is the
        fraction times the number of items, rounded up, and never less than one item. The
        rounding allows ``1e-9`` for binary floating point, so that 0.28 of 25 items is 7
        although ``0.28 * 25`` is a little more than 7.
    n_items
        How many items the subscale lists.

    Returns
    -------
    int
        The number of items a respondent must answer; with fewer answered, the score is
        missing.

    Examples
    --------
    >>> min_answered_count(2, 3)
    2
    >>> min_answered_count(0.75, 4), min_answered_count(0.5, 5), min_answered_count(1.0, 10)
    (3, 3, 10)
    >>> min_answered_count(0.28, 25), min_answered_count(0.01, 5)
    (7, 1)
    """
    if isinstance(min_answered, float):
        return max(1, math.ceil(min_answered * n_items - 1e-9))
    return int(min_answered)


def score_bounds(
    method: str,
    weights: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    min_count: int,
) -> tuple[float, float]:
    """Return the lowest and highest score of a subscale when ``min_count`` items are answered.

    Parameters
    ----------
    method
        How the subscale scores: ``"sum"``, ``"mean"`` (weighted: divided by the sum of
        the answered items' weights) or ``"prorated_sum"`` (that mean times the sum of all
        the weights).
    weights
        Each item's weight (positive).
    low, high
        Each item's lowest and highest scale value. Reverse keying does not change them:
        it maps an item's scale onto itself.
    min_count
        The fewest answered items that give a score (:func:`min_answered_count`).

    Returns
    -------
    tuple of float
        ``(lowest, highest)``.

    Notes
    -----
    A sum is lowest for a respondent who answers, at their lowest value, the ``min_count``
    items of smallest weighted low and, beyond them, every item whose weighted low is
    negative; it is highest likewise with the weighted highs. So a sum over fewer than all
    items can fall below the sum of the lows (scales with negative codes) or rise above the
    sum of the highs. A mean needing every item goes from the weighted mean of the lows to
    that of the highs; a mean that can leave items out goes from the lowest item low to the
    highest item high, which a respondent answering only the items of the widest scale
    reaches. A prorated sum is the mean's bounds times the sum of the weights. With every
    item required, all three are the full-scale values.

    Examples
    --------
    >>> score_bounds("sum", [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [5.0, 5.0, 5.0], 3)
    (3.0, 15.0)
    >>> score_bounds("sum", [1.0, 1.0], [1.0, -2.0], [5.0, 2.0], 1)
    (-2.0, 7.0)
    >>> score_bounds("mean", [1.0, 1.0], [1.0, -2.0], [5.0, 2.0], 1)
    (-2.0, 5.0)
    >>> score_bounds("mean", [1.0, 1.0], [1.0, -2.0], [5.0, 2.0], 2)
    (-0.5, 3.5)
    """
    lo_terms = sorted(w * v for w, v in zip(weights, low, strict=True))
    hi_terms = sorted((w * v for w, v in zip(weights, high, strict=True)), reverse=True)
    lo_sum = sum(lo_terms[:min_count]) + sum(min(t, 0.0) for t in lo_terms[min_count:])
    hi_sum = sum(hi_terms[:min_count]) + sum(max(t, 0.0) for t in hi_terms[min_count:])
    if method == "sum":
        return float(lo_sum), float(hi_sum)
    total = sum(weights)
    if min_count >= len(weights):
        lo_mean = sum(w * v for w, v in zip(weights, low, strict=True)) / total
        hi_mean = sum(w * v for w, v in zip(weights, high, strict=True)) / total
    else:
        lo_mean, hi_mean = min(low), max(high)
    if method == "prorated_sum":
        return float(lo_mean * total), float(hi_mean * total)
    return float(lo_mean), float(hi_mean)


def composite_bounds(
    parts: Sequence[tuple[float, float]],
    weights: Sequence[float],
    method: str,
    standardized: bool | str,
) -> tuple[float, float]:
    """Return the lowest and highest value of a composite.

    Parameters
    ----------
    parts
        Each part's ``(lowest, highest)`` score, from :func:`score_bounds` for a subscale
        or from this function for a composite.
    weights
        Each part's weight (negative weights allowed).
    method
        ``"sum"`` (the weighted sum of the parts) or ``"mean"`` (that sum divided by the
        sum of the weights).
    standardized
        ``False`` for raw scores; ``"pomp"`` for POMP scores, where each part goes from 0
        to 100 whatever its own range; ``True`` for z scores, which have no bounds.

    Returns
    -------
    tuple of float
        ``(lowest, highest)``: the weighted sum (or mean) of each part's low, or of its
        high where the weight is negative, and the other way round; ``(nan, nan)`` for a
        composite of z scores.

    Examples
    --------
    >>> composite_bounds([(1.0, 5.0), (0.0, 10.0)], [1.0, -1.0], "sum", False)
    (-9.0, 5.0)
    >>> composite_bounds([(1.0, 5.0), (0.0, 10.0)], [1.0, 1.0], "mean", "pomp")
    (0.0, 100.0)
    >>> composite_bounds([(1.0, 5.0)], [1.0], "mean", True)
    (nan, nan)
    """
    if standardized is True:
        return math.nan, math.nan
    if standardized == "pomp":
        lows, highs = [0.0] * len(parts), [100.0] * len(parts)
    else:
        lows, highs = [p[0] for p in parts], [p[1] for p in parts]
    lo = sum((lw if w >= 0 else hg) * w for w, lw, hg in zip(weights, lows, highs, strict=True))
    hi = sum((hg if w >= 0 else lw) * w for w, lw, hg in zip(weights, lows, highs, strict=True))
    divisor = sum(weights) if method == "mean" else 1.0
    return float(lo / divisor), float(hi / divisor)

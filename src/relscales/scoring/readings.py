"""Readings: two-axis profiles with honest uncertainty, governed by flags.

A profile places a respondent on two axes against cut points, using the interval of
each score (:mod:`relscales.scoring.intervals`, the same intervals ``--with-ci``
writes):

* ``rule: mean`` (the default): the axis is ``high`` only when the whole interval of its
  score lies above the cut, ``low`` only when it lies wholly below, and otherwise
  ``indeterminate`` (a respondent exactly at a cut is always indeterminate);
* ``rule: any``: each marker score is judged on its own interval. The axis is ``high`` as
  soon as one marker is clearly above its cut, whatever the others say (distinct signals
  are not averaged away); ``low`` only when every marker is clearly below its cut;
  otherwise ``indeterminate`` (a missing marker can hide a signal, so it never allows
  ``low``).

A profile ``gated_by`` a flag reads :data:`SAFETY_FIRST` whenever that flag is raised,
before and instead of any region: when someone may not be safe with their partner, that
is the answer that matters.

A flag is raised when any listed item is answered at or above its ``at_least``
threshold (raw answer codes, before reverse keying), or at or below its ``at_most``
one, or when a score reaches its threshold in the same sense. It is ``True`` as soon as
one item meets the condition, whatever else is answered or missing; ``False`` only when
every listed item was answered without meeting it; otherwise unknown (``None``). A "does
not apply" answer counts as unanswered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from relscales.scoring.compile import CompiledFlag, CompiledProfile

__all__ = [
    "INDETERMINATE",
    "SAFETY_FIRST",
    "axis_levels",
    "classify_functions",
    "flag_state",
    "gate",
    "marker_levels",
    "meets_flag",
    "region_labels",
    "score_flag_state",
]

INDETERMINATE = "indeterminate"
SAFETY_FIRST = "safety-first"
"""The value of a gated profile when one of its gating flags is raised."""

FloatArray = NDArray[np.float64]


def axis_levels(score: FloatArray, low: FloatArray, high: FloatArray, cut: float) -> NDArray[Any]:
    """Return ``"low"``, ``"high"``, ``"indeterminate"`` or ``None`` (missing score).

    Examples
    --------
    >>> s = np.array([2.0, 4.0, 3.1, 3.0, np.nan])
    >>> axis_levels(s, s - 0.2, s + 0.2, 3.0).tolist()
    ['low', 'high', 'indeterminate', 'indeterminate', None]
    """
    with np.errstate(invalid="ignore"):
        is_high = low > cut
        is_low = high < cut
    out = np.full(score.shape, INDETERMINATE, dtype=object)
    out[is_high] = "high"
    out[is_low] = "low"
    out[np.isnan(score)] = None
    return out


def marker_levels(
    scores: Sequence[FloatArray],
    lows: Sequence[FloatArray],
    highs: Sequence[FloatArray],
    cuts: Sequence[float],
) -> NDArray[Any]:
    """Level of a ``rule: any`` axis: high if any marker is high, low only if all are low.

    Examples
    --------
    One clear signal among quiet markers, all quiet, and a quiet pair with one missing:

    >>> s = [np.array([4.5, 1.2, 1.2]), np.array([1.2, 1.2, np.nan])]
    >>> lo = [v - 0.3 for v in s]
    >>> hi = [v + 0.3 for v in s]
    >>> marker_levels(s, lo, hi, [3.0, 3.0]).tolist()
    ['high', 'low', 'indeterminate']
    """
    levels = [
        axis_levels(s, lo, hi, cut)
        for s, lo, hi, cut in zip(scores, lows, highs, cuts, strict=True)
    ]
    stacked = np.column_stack(levels)
    out = np.full(stacked.shape[0], INDETERMINATE, dtype=object)
    out[(stacked == "low").all(axis=1)] = "low"
    out[(stacked == "high").any(axis=1)] = "high"
    none = np.array([[v is None for v in row] for row in stacked], dtype=bool).reshape(
        stacked.shape
    )
    out[none.all(axis=1)] = None
    return out


def region_labels(
    x_level: NDArray[Any], y_level: NDArray[Any], regions: dict[str, str]
) -> NDArray[Any]:
    """Return each respondent's region, ``indeterminate``, or ``None`` (a level missing)."""
    label = np.full(x_level.shape, INDETERMINATE, dtype=object)
    for key, region in regions.items():
        x_want, y_want = key.split("-")
        label[(x_level == x_want) & (y_level == y_want)] = region
    missing = np.array(
        [a is None or b is None for a, b in zip(x_level, y_level, strict=True)], dtype=bool
    )
    label[missing] = None
    return label


def gate(label: NDArray[Any], flags: Sequence[NDArray[Any]]) -> NDArray[Any]:
    """Return ``label`` with :data:`SAFETY_FIRST` wherever any gating flag is raised."""
    out = label.copy()
    for flag in flags:
        out[flag == True] = SAFETY_FIRST  # noqa: E712 (object array of True/False/None)
    return out


def classify_functions(
    x: FloatArray,
    x_low: FloatArray,
    x_high: FloatArray,
    y: FloatArray,
    y_low: FloatArray,
    y_high: FloatArray,
    profile: CompiledProfile,
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Assign the category whose linear function is highest, if it is over the whole interval.

    Each category's region (where its function beats every other) is convex, so the
    category wins everywhere in the respondent's interval rectangle exactly when it wins at
    its four corners. Otherwise the reading is ``indeterminate``.
    """
    names = np.array([f[0] for f in profile.functions], dtype=object)
    coef = np.array([f[1:] for f in profile.functions], dtype=np.float64)  # (k, 3)

    def winner(px: FloatArray, py: FloatArray) -> NDArray[np.int64]:
        values = px[:, None] * coef[:, 0] + py[:, None] * coef[:, 1] + coef[:, 2]
        best = values.max(axis=1, keepdims=True)
        ties = (values == best).sum(axis=1) > 1
        out = values.argmax(axis=1)
        return np.where(ties, -1, out)

    centre = winner(x, y)
    agree = centre >= 0
    for px in (x_low, x_high):
        for py in (y_low, y_high):
            with np.errstate(invalid="ignore"):
                agree &= winner(px, py) == centre
    label = np.full(x.shape, INDETERMINATE, dtype=object)
    label[agree] = names[centre[agree]]
    missing = np.isnan(x) | np.isnan(y)
    label[missing] = None
    levels = np.full(x.shape, "function", dtype=object)
    levels[missing] = None
    return label, levels, levels.copy()


def meets_flag(values: NDArray[np.float64], flag: CompiledFlag) -> NDArray[np.bool_]:
    """Where ``values`` meet the flag's threshold (``>= at_least`` or ``<= at_most``).

    ``NaN`` never meets it. A flag-like object without ``at_most`` is an ``at_least`` flag.
    """
    at_most = getattr(flag, "at_most", None)
    with np.errstate(invalid="ignore"):
        if at_most is not None:
            return np.asarray(values <= at_most, dtype=np.bool_)
        assert flag.at_least is not None
        return np.asarray(values >= flag.at_least, dtype=np.bool_)


def flag_state(x: FloatArray, flag: CompiledFlag) -> NDArray[Any]:
    """Evaluate an item flag on raw answers ``x``: ``True``, ``False`` or ``None`` (unknown).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> f = SimpleNamespace(items=np.array([0, 1]), at_least=2.0)
    >>> x = np.array([[1.0, 3.0], [1.0, np.nan], [1.0, 1.0]])
    >>> flag_state(x, f).tolist()
    [True, None, False]
    >>> low = SimpleNamespace(items=np.array([0, 1]), at_least=None, at_most=1.0)
    >>> flag_state(np.array([[1.0, 3.0], [2.0, np.nan], [2.0, 3.0]]), low).tolist()
    [True, None, False]
    """
    assert flag.items is not None
    block = x[:, flag.items]
    raised = meets_flag(block, flag).any(axis=1)
    complete = ~np.isnan(block).any(axis=1)
    out = np.full(x.shape[0], None, dtype=object)
    out[raised] = True
    out[~raised & complete] = False
    return out


def score_flag_state(score: FloatArray, flag: CompiledFlag) -> NDArray[Any]:
    """Evaluate a score flag: ``True``, ``False``, or ``None`` where the score is missing.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> f = SimpleNamespace(at_least=None, at_most=2.0)
    >>> score_flag_state(np.array([1.5, 2.0, 2.5, np.nan]), f).tolist()
    [True, True, False, None]
    """
    raised = np.full(score.shape[0], None, dtype=object)
    known = ~np.isnan(score)
    raised[known] = meets_flag(score[known], flag)
    return raised

"""Readings: two-axis profiles with honest uncertainty, and flags.

A profile places a respondent on two scores against cut points. On each axis the
respondent is ``high`` only when their whole confidence interval lies above the cut,
``low`` only when it lies wholly below, and otherwise (the interval touches or
straddles the cut) the reading is ``indeterminate``: nobody is forced into a region.
A respondent exactly at a cut point is always indeterminate.

A flag is raised when any listed item is answered at or above its threshold (raw
answer codes, before reverse keying), or when a score reaches its threshold. It is
``True`` as soon as one item meets the condition, whatever else is answered or
missing; ``False`` only when every listed item was answered below it; otherwise
unknown (``None``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from relscales.scoring.compile import CompiledFlag, CompiledProfile

__all__ = ["INDETERMINATE", "axis_levels", "classify_profile", "flag_state"]

INDETERMINATE = "indeterminate"

FloatArray = NDArray[np.float64]


def axis_levels(score: FloatArray, se: FloatArray, cut: float, z: Any) -> NDArray[Any]:
    """Return ``"low"``, ``"high"``, ``"indeterminate"`` or ``None`` (missing score).

    Examples
    --------
    >>> axis_levels(np.array([2.0, 4.0, 3.1, 3.0, np.nan]), np.full(5, 0.1), 3.0, 1.96).tolist()
    ['low', 'high', 'indeterminate', 'indeterminate', None]
    """
    with np.errstate(invalid="ignore"):
        half = np.where(se == 0, 0.0, z * se)  # no spread: no interval, whatever z
        high = score - half > cut
        low = score + half < cut
    out = np.full(score.shape, INDETERMINATE, dtype=object)
    out[high] = "high"
    out[low] = "low"
    out[np.isnan(score)] = None
    return out


def classify_profile(
    x: FloatArray,
    x_se: FloatArray,
    y: FloatArray,
    y_se: FloatArray,
    profile: CompiledProfile,
    z: float | tuple[Any, Any],
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Return each respondent's region (or ``indeterminate``/``None``) and both axis levels.

    ``z`` is the critical value, or a pair of per-respondent critical values (x, y).
    """
    z_x, z_y = z if isinstance(z, tuple) else (z, z)
    if profile.functions:
        return classify_functions(x, x_se, y, y_se, profile, z_x, z_y)
    x_level = axis_levels(x, x_se, profile.cut_x, z_x)
    y_level = axis_levels(y, y_se, profile.cut_y, z_y)
    label = np.full(x.shape, INDETERMINATE, dtype=object)
    for key, region in profile.regions.items():
        x_want, y_want = key.split("-")
        label[(x_level == x_want) & (y_level == y_want)] = region
    missing = np.array(
        [a is None or b is None for a, b in zip(x_level, y_level, strict=True)], dtype=bool
    )
    label[missing] = None
    return label, x_level, y_level


def classify_functions(
    x: FloatArray,
    x_se: FloatArray,
    y: FloatArray,
    y_se: FloatArray,
    profile: CompiledProfile,
    z_x: Any,
    z_y: Any,
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Assign the category whose linear function is highest, if it is over the whole interval.

    Each category's region (where its function beats every other) is convex, so the
    category wins everywhere in the respondent's interval rectangle exactly when it wins at
    its four corners. Otherwise the reading is ``indeterminate``.
    """
    with np.errstate(invalid="ignore"):
        hx = np.where(x_se == 0, 0.0, z_x * x_se)
        hy = np.where(y_se == 0, 0.0, z_y * y_se)
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
    for sx in (-1.0, 1.0):
        for sy in (-1.0, 1.0):
            with np.errstate(invalid="ignore"):
                agree &= winner(x + sx * hx, y + sy * hy) == centre
    label = np.full(x.shape, INDETERMINATE, dtype=object)
    label[agree] = names[centre[agree]]
    missing = np.isnan(x) | np.isnan(y)
    label[missing] = None
    levels = np.full(x.shape, "function", dtype=object)
    levels[missing] = None
    return label, levels, levels.copy()


def flag_state(x: FloatArray, flag: CompiledFlag) -> NDArray[Any]:
    """Evaluate an item flag on raw answers ``x``: ``True``, ``False`` or ``None`` (unknown).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> f = SimpleNamespace(items=np.array([0, 1]), at_least=2.0)
    >>> x = np.array([[1.0, 3.0], [1.0, np.nan], [1.0, 1.0]])
    >>> flag_state(x, f).tolist()
    [True, None, False]
    """
    assert flag.items is not None
    block = x[:, flag.items]
    with np.errstate(invalid="ignore"):
        raised = (block >= flag.at_least).any(axis=1)
    complete = ~np.isnan(block).any(axis=1)
    out = np.full(x.shape[0], None, dtype=object)
    out[raised] = True
    out[~raised & complete] = False
    return out

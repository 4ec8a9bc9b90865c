"""Combining scores into composites: raw, z (against norms) or POMP metrics.

One set of rules serves an instrument's own composites and a battery's
cross-instrument composites:

* each part is first put on the composite's metric: raw (as scored), z
  (``(x - mean) / sd`` of the part's reference group) or POMP (percent of the
  maximum possible, ``100 (x - low) / (high - low)`` on the part's own range);
* a ``reverse`` part is mirrored (``high + low - x``, ``-z`` or ``100 - p``);
* the composite is the weighted sum, or the weighted mean (divided by the sum of
  weights); it is missing when any part is missing, except a part declared
  ``optional``: a missing optional part is left out of a weighted mean (weight 0);
* its standard error combines the parts' as ``sqrt(sum (w_i se_i)^2)`` (divided by the
  sum of weights for a mean), each part's SE converted to the metric (``se / sd`` for
  z, ``100 se / (high - low)`` for POMP). Errors of the parts are taken as independent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.scoring.compile import CompiledComposite, ScoreInfo
from relscales.scoring.norms import pick_norm

__all__ = ["combine", "combine_se", "part_weights", "se_factor"]

FloatArray = NDArray[np.float64]


def _transform(
    v: FloatArray, info: ScoreInfo, comp: CompiledComposite, k: int, norm_group: str | None
) -> FloatArray:
    metric, reverse = comp.metric, bool(comp.reverse[k]) if comp.reverse.size else False
    if metric == "z":
        norm = pick_norm(info.norms, comp.norm_group or norm_group)
        if norm is None:  # a named group the part lacks
            return np.full(v.shape, np.nan)
        z = (v - float(norm.mean)) / float(norm.sd)
        return -z if reverse else z
    if metric == "pomp":
        p = 100.0 * (v - info.low) / (info.high - info.low)
        return 100.0 - p if reverse else p
    return (info.low + info.high - v) if reverse else v


def se_factor(info: ScoreInfo, comp: CompiledComposite, norm_group: str | None) -> float:
    """Multiplier that puts a part's standard error on the composite's metric."""
    if comp.metric == "z":
        norm = pick_norm(info.norms, comp.norm_group or norm_group)
        return 1.0 / float(norm.sd) if norm is not None else math.inf
    if comp.metric == "pomp":
        return 100.0 / (info.high - info.low)
    return 1.0


def combine(
    values: Sequence[FloatArray],
    infos: Sequence[ScoreInfo],
    comp: CompiledComposite,
    norm_group: str | None = None,
) -> FloatArray:
    """Return the composite of the parts ``values`` (one array per part, in order)."""
    parts = [
        _transform(v, info, comp, k, norm_group)
        for k, (v, info) in enumerate(zip(values, infos, strict=True))
    ]
    stacked = np.column_stack(parts)
    weights, divisor = part_weights(stacked, comp)
    if comp.optional.size and comp.optional.any():
        stacked = np.where(np.isnan(stacked) & comp.optional, 0.0, stacked)
    total: FloatArray = (stacked * weights).sum(axis=1)
    if comp.method == "mean":
        total = total / divisor
    return total


def part_weights(stacked: FloatArray, comp: CompiledComposite) -> tuple[FloatArray, Any]:
    """Return the parts' weights and the divisor of a weighted mean, per row when needed.

    Without optional parts: ``comp.weights`` and their sum. With them: an ``(n, m)`` array
    in which a missing optional part weighs 0, and each row's sum of weights.
    """
    if not (comp.optional.size and comp.optional.any()):
        return comp.weights, float(comp.weights.sum())
    absent = np.isnan(stacked) & comp.optional
    weights = np.where(absent, 0.0, comp.weights)
    return weights, weights.sum(axis=1)


def combine_se(
    ses: Sequence[Any],
    infos: Sequence[ScoreInfo],
    comp: CompiledComposite,
    norm_group: str | None = None,
) -> Any:
    """Combine the parts' standard errors (arrays or floats) on the composite's metric."""
    total: Any = 0.0
    for se, info, weight in zip(ses, infos, comp.weights.tolist(), strict=True):
        total = total + (weight * se * se_factor(info, comp, norm_group)) ** 2
    divisor = float(comp.weights.sum()) if comp.method == "mean" else 1.0
    return np.sqrt(total) / divisor

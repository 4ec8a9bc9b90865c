"""Item response theory scoring with Samejima's graded response model (GRM).

Given a calibrated :class:`GradedModel` (slopes and thresholds of each item), this module
estimates each respondent's latent trait ``theta`` from the item responses:

- :func:`score_theta` with ``method="eap"`` (default): the posterior mean and posterior SD
  under a normal prior, by fixed quadrature on equally spaced nodes; ``"map"``: the posterior
  mode (Newton-Raphson), ``"ml"``: the maximum-likelihood estimate (Newton-Raphson);
- :func:`sum_score_table`: Lord & Wingersky's (1984) recursion for the distribution of the
  sum score, and the EAP of ``theta`` given only the sum score (Thissen et al., 1995);
- :func:`information`: test information; :func:`t_score`: ``50 + 10 theta``.

Conventions:

- responses are an ``(n, k)`` float array of category codes ``0 .. m_j - 1``; ``NaN`` marks
  a missing response, which is simply left out of the likelihood (ignorable missingness);
- a respondent who answered no item gets ``NaN`` theta and SE, never a guess;
- logistic metric without ``D = 1.702``; every result is a frozen dataclass at full
  precision.

EAP scoring: items are grouped in threes or so, a table holds each group's likelihood at every
node for every combination of its items' answers (exponentiated once, when the table is
built), and a pattern's posterior is the product of one row per group. The optional compiled
kernel (``relscales._eapkernel``, built at install time where a C compiler is found; see
:func:`eap_kernel`) does it one pattern at a time, about a third of a second of processor time
per 18-item scale per million respondents; the numpy kernel does it in blocks of rows, about a
second. Both run on several threads with bounded memory. The formulas, the choice of
quadrature and their references are in ``docs/methods-irt.md``.

Only numpy is imported (and only the standard library besides).
"""

from __future__ import annotations

import math
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "METHODS",
    "GradedModel",
    "Method",
    "SumScoreTable",
    "ThetaEstimates",
    "ThetaScorer",
    "category_probabilities",
    "eap_kernel",
    "information",
    "log_likelihood_table",
    "quadrature_nodes",
    "score_theta",
    "sum_score_likelihoods",
    "sum_score_table",
    "t_score",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _frozen(array: NDArray[Any]) -> NDArray[Any]:
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class GradedModel:
    """Samejima's graded response model for ``k`` items (logistic, no ``D = 1.702``).

    Item ``j`` has ``m_j`` ordered categories coded ``0 .. m_j - 1``. The probability of
    answering in category ``c`` or above is the boundary curve

    ``P*_jc(theta) = 1 / (1 + exp(-a_j * (theta - b_jc)))``  for ``c = 1 .. m_j - 1``,

    with ``P*_j0 = 1`` and ``P*_jm_j = 0``; the category probability is the difference
    ``P_jc = P*_jc - P*_j(c+1)``. The logistic metric is used as it stands: there is no
    scaling constant ``D = 1.702`` (slopes from software that reports normal-ogive-like
    slopes must be multiplied by 1.702 before use).

    Parameters
    ----------
    slopes : ndarray of float, shape (k,)
        Discriminations ``a_j``, finite and ``> 0``.
    thresholds : ndarray of float, shape (k, m_max - 1)
        Boundary locations ``b_jc`` for ``c = 1 .. m_j - 1`` in column ``c - 1``; finite and
        strictly increasing within an item's ``m_j - 1`` used columns, ``NaN`` in the columns
        beyond them (items with fewer categories than the longest one).
    n_categories : ndarray of int, shape (k,)
        Number of categories ``m_j >= 2`` of each item; ``m_max = max(n_categories)``.
    item_ids : tuple of str, optional
        Item identifiers, empty or one per item.

    Raises
    ------
    ValueError
        When a shape, a slope, a threshold or a category count is invalid; the message says
        what to pass.

    Notes
    -----
    The arrays are copied and made read-only. Instances compare by identity (``eq=False``)
    because arrays have no single truth value.
    """

    slopes: FloatArray
    thresholds: FloatArray
    n_categories: IntArray
    item_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        slopes = np.array(self.slopes, dtype=np.float64, copy=True)
        if slopes.ndim != 1 or slopes.size == 0:
            raise ValueError(
                f"slopes must be a non-empty 1-D array with one slope per item, "
                f"got shape {slopes.shape}"
            )
        k = slopes.size
        if not np.all(np.isfinite(slopes)) or np.any(slopes <= 0):
            raise ValueError("slopes must be finite and > 0: pass positive discriminations a_j")
        raw_m = np.asarray(self.n_categories)
        if raw_m.shape != (k,):
            raise ValueError(
                f"n_categories must have shape ({k},) (one count per item), got {raw_m.shape}"
            )
        if raw_m.dtype.kind == "f":
            if not np.all(np.isfinite(raw_m)) or np.any(raw_m != np.round(raw_m)):
                raise ValueError("n_categories must be whole numbers: pass integer counts")
        elif raw_m.dtype.kind not in "iu":
            raise ValueError("n_categories must be integers: pass integer category counts")
        n_cat = raw_m.astype(np.int64)
        if np.any(n_cat < 2):
            raise ValueError("every item needs at least 2 categories: n_categories must be >= 2")
        m_max = int(n_cat.max())
        thresholds = np.array(self.thresholds, dtype=np.float64, copy=True)
        if thresholds.ndim == 1 and m_max == 2 and thresholds.size == k:
            thresholds = thresholds.reshape(k, 1)
        if thresholds.shape != (k, m_max - 1):
            raise ValueError(
                f"thresholds must have shape (k, m_max - 1) = ({k}, {m_max - 1}), "
                f"got {thresholds.shape}; pad items with fewer categories with NaN"
            )
        used = np.arange(m_max - 1)[None, :] < (n_cat - 1)[:, None]
        if not np.all(np.isfinite(thresholds[used])):
            raise ValueError(
                "thresholds must be finite in each item's first n_categories - 1 columns"
            )
        if not np.all(np.isnan(thresholds[~used])):
            raise ValueError(
                "thresholds beyond an item's n_categories - 1 columns must be NaN "
                "(padding for items with fewer categories)"
            )
        diffs = np.diff(thresholds, axis=1)
        both = used[:, 1:]
        if np.any(diffs[both] <= 0):
            bad = sorted({int(j) for j in np.nonzero(both & ~(diffs > 0))[0]})
            raise ValueError(
                f"thresholds must be strictly increasing within each item (b_j1 < b_j2 < ...); "
                f"items at positions {bad} are not"
            )
        item_ids = tuple(self.item_ids)
        if item_ids and len(item_ids) != k:
            raise ValueError(
                f"item_ids must be empty or hold one id per item ({k}), got {len(item_ids)}"
            )
        if not all(isinstance(i, str) for i in item_ids):
            raise ValueError("item_ids must be strings")
        object.__setattr__(self, "slopes", _frozen(slopes))
        object.__setattr__(self, "thresholds", _frozen(thresholds))
        object.__setattr__(self, "n_categories", _frozen(n_cat))
        object.__setattr__(self, "item_ids", item_ids)

    @property
    def n_items(self) -> int:
        """Number of items ``k``."""
        return int(self.slopes.size)

    @property
    def max_categories(self) -> int:
        """Largest number of categories ``m_max`` over the items."""
        return int(self.n_categories.max())

    @property
    def max_sum_score(self) -> int:
        """Highest possible sum score, ``sum(m_j - 1)``."""
        return int(np.sum(self.n_categories - 1))


def _as_theta(theta: ArrayLike) -> FloatArray:
    values = np.asarray(theta, dtype=np.float64)
    if values.ndim > 1:
        raise ValueError(f"theta must be a scalar or a 1-D array, got shape {values.shape}")
    values = np.atleast_1d(values)
    if np.any(np.isnan(values)):
        raise ValueError("theta must not contain NaN")
    return values


def _log_sigmoid(x: FloatArray) -> FloatArray:
    """``log(1 / (1 + exp(-x)))`` without overflow or loss of precision."""
    return -np.logaddexp(0.0, -x)


def _log_category_terms(model: GradedModel, theta: FloatArray) -> FloatArray:
    """Log category probabilities, shape (k, m_max, len(theta)), ``-inf`` beyond categories.

    Uses ``P_c = sigma(x_c) * sigma(-x_(c+1)) * (1 - exp(-(x_c - x_(c+1))))`` with
    ``x_c = a (theta - b_c)``: the last factor does not depend on theta, and every factor is
    evaluated in the log domain, so tiny probabilities keep their relative precision.
    """
    k, m_max = model.n_items, model.max_categories
    a = model.slopes[:, None]
    out = np.full((k, m_max, theta.size), -np.inf)
    for j in range(k):
        m = int(model.n_categories[j])
        b = model.thresholds[j, : m - 1]
        x = a[j, 0] * (theta[None, :] - b[:, None])  # (m-1, q): x_1 .. x_(m-1)
        log_upper = _log_sigmoid(x)  # log P*_c, c = 1..m-1
        log_lower = _log_sigmoid(-x)  # log (1 - P*_c)
        out[j, 0] = log_lower[0]
        out[j, m - 1] = log_upper[m - 2]
        if m > 2:
            gap = np.log(-np.expm1(-a[j, 0] * np.diff(b)))  # (m-2,)
            out[j, 1 : m - 1] = log_upper[:-1] + log_lower[1:] + gap[:, None]
    return out


def log_likelihood_table(model: GradedModel, nodes: ArrayLike) -> FloatArray:
    """Log category probabilities of every item at every node.

    Parameters
    ----------
    model : GradedModel
        The calibrated model.
    nodes : array_like of float, shape (q,)
        Latent trait values.

    Returns
    -------
    ndarray of float, shape (k, m_max, q)
        ``log P(X_j = c | theta = nodes[t])`` at ``[j, c, t]``; ``-inf`` for categories an
        item does not have. The log-likelihood of a response pattern is the sum over items of
        the rows picked by the codes (a one-hot product or an indexed gather).

    Examples
    --------
    >>> import numpy as np
    >>> model = GradedModel(np.array([1.0]), np.array([[0.0]]), np.array([2]))
    >>> np.exp(log_likelihood_table(model, [0.0]))[0, :, 0].tolist()
    [0.5, 0.5]
    """
    return _log_category_terms(model, _as_theta(nodes))


def category_probabilities(model: GradedModel, theta: ArrayLike) -> FloatArray:
    """Probability of each category of each item at each theta.

    Parameters
    ----------
    model : GradedModel
        The calibrated model.
    theta : array_like of float, shape (n,) or scalar
        Latent trait values (``+-inf`` allowed: the limits).

    Returns
    -------
    ndarray of float, shape (n, k, m_max)
        ``P(X_j = c | theta_i)`` at ``[i, j, c]``; zero beyond an item's categories. Each
        ``[i, j, :]`` sums to 1.

    Examples
    --------
    >>> import numpy as np
    >>> model = GradedModel(np.array([1.0]), np.array([[-1.0, 1.0]]), np.array([3]))
    >>> p = category_probabilities(model, [0.0])
    >>> p.shape, bool(np.isclose(p.sum(), 1.0))
    ((1, 1, 3), True)
    """
    values = _as_theta(theta)
    log_p = _log_category_terms(model, values)  # (k, m_max, n)
    return np.ascontiguousarray(np.exp(log_p).transpose(2, 0, 1))


# --------------------------------------------------------------------------------------
# information


def _expit(x: FloatArray) -> FloatArray:
    """Return the logistic function ``1 / (1 + exp(-x))`` at full relative precision."""
    small = np.exp(-np.abs(x))
    result: FloatArray = np.where(x >= 0, 1.0, small) / (1.0 + small)
    return result


def _item_information(model: GradedModel, theta: FloatArray) -> FloatArray:
    """Fisher information of each item at each theta, shape (n, k)."""
    k, m_max = model.n_items, model.max_categories
    a = model.slopes
    # boundary curves P*_c for c = 0 .. m_max (P*_0 = 1, P*_m = 0, and 0 beyond m_j)
    x = a[None, :, None] * (theta[:, None, None] - model.thresholds[None, :, :])
    upper = _expit(np.nan_to_num(x, nan=-np.inf))  # NaN padding -> P* = 0
    spread = _expit(x) * _expit(-x)  # P* (1 - P*), relative precision in the tails
    spread = np.nan_to_num(spread, nan=0.0)
    n = theta.size
    star = np.zeros((n, k, m_max + 1))
    star[:, :, 0] = 1.0
    star[:, :, 1:m_max] = upper
    wq = np.zeros((n, k, m_max + 1))
    wq[:, :, 1:m_max] = spread
    prob = star[:, :, :-1] - star[:, :, 1:]
    prob = np.maximum(prob, 0.0)
    # I_j = a_j^2 sum_c P_c [P*_c Q*_c + P*_(c+1) Q*_(c+1)] = E[-d^2 log P / d theta^2]
    info = np.sum(prob * (wq[:, :, :-1] + wq[:, :, 1:]), axis=2) * (a * a)[None, :]
    result: FloatArray = info
    return result


def information(model: GradedModel, theta: ArrayLike) -> FloatArray:
    """Test information ``I(theta) = sum_j I_j(theta)`` of the graded response model.

    Parameters
    ----------
    model : GradedModel
        The calibrated model.
    theta : array_like of float, shape (n,) or scalar
        Latent trait values.

    Returns
    -------
    ndarray of float, shape (n,)
        Fisher information ``sum_j a_j^2 sum_c P_jc (P*_jc Q*_jc + P*_j(c+1) Q*_j(c+1))``
        with ``Q* = 1 - P*``; ``1 / sqrt(I)`` is the asymptotic SE of the ML estimate.

    Examples
    --------
    >>> import numpy as np
    >>> model = GradedModel(np.array([2.0]), np.array([[0.0]]), np.array([2]))
    >>> information(model, [0.0]).tolist()  # a^2 P Q = 4 * 0.25
    [1.0]
    """
    values = _as_theta(theta)
    total: FloatArray = np.sum(_item_information(model, values), axis=1)
    return total


def t_score(theta: ArrayLike) -> FloatArray:
    """T-score ``50 + 10 theta``: mean 50 and SD 10 in the calibration sample's metric.

    Parameters
    ----------
    theta : array_like of float
        Theta estimates (``NaN`` and ``+-inf`` pass through).

    Returns
    -------
    ndarray of float
        ``50 + 10 * theta``. An SE converts as ``10 * se``.

    Examples
    --------
    >>> t_score([0.0, -1.5]).tolist()
    [50.0, 35.0]
    """
    return 50.0 + 10.0 * np.asarray(theta, dtype=np.float64)


# --------------------------------------------------------------------------------------
# quadrature

#: Smallest half-width of the automatic quadrature range, in prior SDs.
_HALF_WIDTH = 8.0
#: Largest node spacing of the automatic grid, in prior SDs.
_MAX_SPACING = 0.2
#: Largest node spacing of the automatic grid times the steepest slope.
_STEEPNESS = 0.4
#: The prior mass left outside the automatic range, at most, relative to the marginal
#: probability of the least probable pattern whose likelihood is flat towards that end.
_TAIL = 1e-13
_MAX_NODES = 2001


def _half_width(model: GradedModel, prior_mean: float, prior_sd: float) -> float:
    """Half-width of the automatic range, in prior SDs: at least ``_HALF_WIDTH``.

    The range cuts off the prior beyond it; what that costs a pattern's posterior is at
    most the prior mass cut off, relative to the pattern's marginal probability ``Z``, and
    only for patterns whose likelihood does not vanish towards that end: every answer in
    the lowest category (or every answer in the highest). The one with every item answered
    so has the smallest ``Z`` of them. The half-width ``B`` keeps the prior's tail beyond it,
    ``phi(B) / B``, below ``_TAIL * Z`` for both.
    """
    grid = np.linspace(prior_mean - 12 * prior_sd, prior_mean + 12 * prior_sd, 2401)
    z = (grid - prior_mean) / prior_sd
    log_prior = -0.5 * z * z - math.log(prior_sd * math.sqrt(2 * math.pi))
    step = math.log(float(grid[1] - grid[0]))
    width = _HALF_WIDTH
    last = model.n_categories - 2
    lowest = model.thresholds[:, 0]
    highest = model.thresholds[np.arange(model.n_items), last]
    slopes = model.slopes[:, None]
    for edge in (
        _log_sigmoid(-slopes * (grid[None, :] - lowest[:, None])),  # every answer lowest
        _log_sigmoid(slopes * (grid[None, :] - highest[:, None])),  # every answer highest
    ):
        terms = log_prior + edge.sum(axis=0) + step
        top = float(terms.max())
        log_z = top + math.log(float(np.exp(terms - top).sum()))
        target = math.log(_TAIL) + log_z + 0.5 * math.log(2 * math.pi)
        b = _HALF_WIDTH  # solve -b^2 / 2 - log(b) = target, from b = 8 upwards
        for _ in range(8):
            b = math.sqrt(max(2.0 * (-target - math.log(b)), _HALF_WIDTH**2))
        width = max(width, b)
    return width


def _check_prior(prior_mean: float, prior_sd: float) -> None:
    if not math.isfinite(prior_mean):
        raise ValueError(f"prior_mean must be a finite number, got {prior_mean!r}")
    if not (math.isfinite(prior_sd) and prior_sd > 0):
        raise ValueError(f"prior_sd must be a finite number > 0, got {prior_sd!r}")


def quadrature_nodes(
    model: GradedModel,
    *,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    quadrature: int | None = None,
    bounds: tuple[float, float] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Equally spaced quadrature nodes and normalised prior weights used for EAP scoring.

    Parameters
    ----------
    model : GradedModel
        The model (used only by the automatic choice of the number of nodes).
    prior_mean, prior_sd : float
        The normal prior of theta.
    quadrature : int or None
        Number of nodes (``>= 3``). ``None`` (default) chooses it: a spacing of at most
        ``0.2 * prior_sd``, at most the smallest posterior SD the model can produce,
        ``1 / sqrt(max_theta I(theta) + 1 / prior_sd^2)``, and at most ``0.4 / max_j a_j``
        (see ``docs/methods-irt.md``).
    bounds : (float, float) or None
        The range ``(low, high)`` of the nodes; ``None`` (default) is
        ``prior_mean +- B prior_sd``, with ``B`` at least 8 and wide enough that the prior
        mass cut off is negligible for the least probable all-lowest or all-highest pattern.

    Returns
    -------
    nodes : ndarray of float, shape (q,)
    weights : ndarray of float, shape (q,)
        Trapezoid weights times the normal prior density, summing to 1.

    Raises
    ------
    ValueError
        For a non-finite prior, ``prior_sd <= 0``, fewer than 3 nodes or bounds not
        increasing.

    Examples
    --------
    >>> import numpy as np
    >>> model = GradedModel(np.array([1.0]), np.array([[0.0]]), np.array([2]))
    >>> nodes, weights = quadrature_nodes(model)
    >>> nodes.size, float(nodes[0]), bool(np.isclose(weights.sum(), 1.0))
    (81, -8.0, True)
    """
    _check_prior(prior_mean, prior_sd)
    if bounds is None:
        half = _half_width(model, prior_mean, prior_sd)
        low = prior_mean - half * prior_sd
        high = prior_mean + half * prior_sd
    else:
        if len(bounds) != 2:
            raise ValueError("bounds must be a pair (low, high) of finite numbers, or None")
        low, high = float(bounds[0]), float(bounds[1])
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(
                f"bounds must be a pair (low, high) of finite numbers with low < high, "
                f"got {bounds!r}"
            )
    if quadrature is None:
        probe = np.linspace(low, high, 801)
        peak = float(np.max(information(model, probe)))
        smallest_sd = 1.0 / math.sqrt(peak + 1.0 / prior_sd**2)
        steepest = float(np.max(model.slopes))
        spacing = min(_MAX_SPACING * prior_sd, smallest_sd, _STEEPNESS / steepest)
        count = min(_MAX_NODES, math.ceil((high - low) / spacing - 1e-9) + 1)
    else:
        if isinstance(quadrature, bool) or not isinstance(quadrature, int | np.integer):
            raise ValueError(f"quadrature must be an int >= 3 or None, got {quadrature!r}")
        count = int(quadrature)
        if count < 3:
            raise ValueError(f"quadrature must be an int >= 3 or None, got {quadrature!r}")
    nodes = np.linspace(low, high, count)
    z = (nodes - prior_mean) / prior_sd
    log_w = -0.5 * z * z
    log_w[[0, -1]] += math.log(0.5)  # trapezoid end weights
    weights = np.exp(log_w - log_w.max())
    weights /= weights.sum()
    return nodes, weights


# --------------------------------------------------------------------------------------
# responses

Method = Literal["eap", "map", "ml"]
#: The estimation methods of :func:`score_theta`.
METHODS: tuple[Method, ...] = ("eap", "map", "ml")
_BLOCK = 4096
_BLOCK_BYTES = 1 << 21
"""Bytes of one EAP block's posterior (its scratch twin takes as many): measured fastest at
1 to 2 MiB (2,048 rows at 81 nodes); smaller blocks cost more numpy calls per row, larger ones
leave the processor's caches."""
_TASKS_PER_WORKER = 4
"""EAP tasks (runs of whole blocks) per thread and call: few, so threads seldom hand over,
and several, so a thread that finishes early takes another."""
_MAX_WORKERS = 4
_SMALLEST_MASS = math.exp(-650.0)
"""A posterior mass (a product of factors scaled by their rows' maxima) below this is
recomputed with the exact maximum: above it the largest term is a normal double and every term
within 37 nats of it too, and so is every partial product of those terms (each factor is at
most 1), so no term that matters passes through the subnormal range."""


def _as_responses(model: GradedModel, responses: ArrayLike) -> FloatArray:
    values = np.asarray(responses, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != model.n_items:
        raise ValueError(
            f"responses must be a 2-D array (respondents x {model.n_items} items), "
            f"got shape {values.shape}; reshape one respondent with reshape(1, -1)"
        )
    return values


def _block_codes(model: GradedModel, block: FloatArray, start: int) -> tuple[IntArray, Any]:
    """Integer codes of a block (0 where missing) and the missing mask; validates codes."""
    missing = np.isnan(block)
    bad = ~missing & (
        (block < 0) | (block >= model.n_categories[None, :]) | (block != np.floor(block))
    )
    if bad.any():
        row, col = (int(v) for v in np.argwhere(bad)[0])
        name = model.item_ids[col] if model.item_ids else f"column {col}"
        found = float(block[row, col])
        raise ValueError(
            f"responses must be whole category codes 0..{int(model.n_categories[col]) - 1} "
            f"(or NaN for missing) for item {name}; row {start + row} has {found!r}"
        )
    codes = np.where(missing, 0.0, block).astype(np.int64)
    return codes, missing


# --------------------------------------------------------------------------------------
# EAP


@dataclass(frozen=True, eq=False)
class ThetaEstimates:
    """Theta estimates of ``n`` respondents.

    Attributes
    ----------
    theta : ndarray of float, shape (n,)
        The estimates; ``NaN`` where no item was answered; ``+-inf`` for ML estimates of
        all-lowest / all-highest patterns (no finite maximum).
    se : ndarray of float, shape (n,)
        Posterior SD (EAP), ``1 / sqrt(observed information + 1 / prior_sd^2)`` (MAP) or
        ``1 / sqrt(test information)`` (ML); ``NaN`` where no item was answered, ``inf``
        where the ML estimate is infinite.
    n_answered : ndarray of int, shape (n,)
        Number of items answered (not ``NaN``).
    method : {"eap", "map", "ml"}
        The estimator.
    """

    theta: FloatArray
    se: FloatArray
    n_answered: IntArray
    method: Method

    def __post_init__(self) -> None:
        for name in ("theta", "se", "n_answered"):
            _frozen(getattr(self, name))


_GROUP_COMBINATIONS = 512
"""Items are grouped so that each group has at most this many answer combinations (missing
counts as one more answer): the group's log-likelihood table stays in the processor's cache."""


def _item_groups(n_categories: IntArray) -> list[list[int]]:
    """Consecutive items whose answer combinations (with missing) number <= the limit."""
    groups: list[list[int]] = []
    size = 0
    for j, m in enumerate(n_categories.tolist()):
        if groups and size * (m + 1) <= _GROUP_COMBINATIONS:
            groups[-1].append(j)
            size *= m + 1
        else:
            groups.append([j])
            size = m + 1
    return groups


@dataclass(frozen=True, eq=False)
class _EapKernel:
    """Tables shared by every EAP block of one model and one set of nodes.

    The likelihood of a response pattern at the nodes is a product over items of rows of
    the ``(k, m, q)`` probability table. Items are taken in small groups
    (:func:`_item_groups`); the table of a group holds, for every combination of its items'
    answers (missing counts as one more answer and contributes 1), the product of their
    rows, so a pattern needs one row per group instead of one per item. The prior weights
    are multiplied into the first group's rows: every pattern picks exactly one of them.
    A pattern's row in group ``g`` is ``offsets[g]`` plus each of its items' code times its
    place value (``places``), with missing coded ``m_j``.

    The rows are built in the log domain (``table``) and each is scaled by its own
    maximum before it is exponentiated (``factors = exp(table - row_max)``), so every
    factor is at most 1 and a pattern's posterior, the product of its picked rows, is its
    posterior divided by ``exp`` of the sum of the picked rows' maxima: an upper bound of
    its largest term, so nothing overflows and no exponential is taken per pattern. The few
    patterns whose bound is so loose that their largest term could lose precision are
    summed again in the log domain with their exact maximum.
    """

    table: FloatArray  # (total combinations, q): log prior (first group) + log-likelihood
    row_max: FloatArray  # (total combinations,): each row's maximum over the nodes
    factors: FloatArray  # (total combinations, q): exp(table - row_max), at most 1
    places: tuple[tuple[int, int, float], ...]  # (item, group, place value of its code)
    offsets: FloatArray  # (g,): first row of each group in ``table``
    item_groups: IntArray  # (k,): each item's group, for the compiled kernel
    item_places: IntArray  # (k,): each item's place value, for the compiled kernel
    row_offsets: IntArray  # (g,): ``offsets`` as integers, for the compiled kernel
    shifted: FloatArray  # (q,): nodes minus the centre
    squared: FloatArray  # (q,): ``shifted ** 2``
    centre: float
    rows: int  # rows per block: a block's posterior (rows x q doubles) stays in cache
    spare: queue.SimpleQueue[_Buffers] = field(default_factory=queue.SimpleQueue)
    """Scratch arrays of finished blocks, for the next ones (any thread, any call)."""

    @classmethod
    def build(cls, model: GradedModel, nodes: FloatArray, weights: FloatArray) -> _EapKernel:
        log_table = log_likelihood_table(model, nodes)  # (k, m_max, q)
        m = model.n_categories
        q = nodes.size
        groups = _item_groups(m)
        places: list[tuple[int, int, float]] = []
        offsets = np.zeros(len(groups))
        with np.errstate(divide="ignore"):
            combined = np.log(weights)[None, :]  # the prior, in the first group
        parts = []
        row = 0
        for g, items in enumerate(groups):
            place = 1
            for j in reversed(items):  # the last item of a group varies fastest
                places.append((j, g, float(place)))
                place *= int(m[j]) + 1
            for j in items:
                rows = np.zeros((int(m[j]) + 1, q))  # last row: missing adds 0
                rows[: m[j]] = log_table[j, : m[j]]
                combined = (combined[:, None, :] + rows[None, :, :]).reshape(-1, q)
            offsets[g] = row
            row += combined.shape[0]
            parts.append(combined)
            combined = np.zeros((1, q))
        table = np.ascontiguousarray(np.concatenate(parts))
        if not np.all(np.isfinite(table)):  # pragma: no cover - finite nodes, finite logs
            raise ValueError("log-likelihood table is not finite: use finite quadrature bounds")
        row_max = table.max(axis=1)
        factors = np.exp(table - row_max[:, None])
        centre = 0.5 * (float(nodes[0]) + float(nodes[-1]))
        shifted = nodes - centre
        item_groups = np.zeros(m.size, dtype=np.int64)
        item_places = np.zeros(m.size, dtype=np.int64)
        for j, g, place_value in places:
            item_groups[j], item_places[j] = g, int(place_value)
        return cls(
            table,
            row_max,
            factors,
            tuple(places),
            offsets,
            _frozen(item_groups),
            _frozen(item_places),
            _frozen(offsets.astype(np.int64)),
            shifted,
            shifted * shifted,
            centre,
            _block_rows(q),
        )

    def block(self, filled: FloatArray, moments: FloatArray, work: _Buffers) -> None:
        """Posterior mass and first two moments of a block of patterns, into ``moments``.

        ``filled`` holds the codes, ``m_j`` where missing; ``moments`` (3, b) receives the
        mass and the moments about the centre (see :meth:`estimates`). ``work`` holds the
        block's scratch arrays, reused from block to block (fresh arrays of this size would
        each cost page faults). A numpy call per item and two per group, each over the
        whole block, and no BLAS call: BLAS threads would compete with the EAP threads and
        the reader's.
        """
        b = filled.shape[0]
        picked = self.picks(filled, work.columns[:b], work.picked[:b])
        posterior = work.posterior[:b]
        factor = work.factor[:b]
        np.take(self.factors, picked[:, 0], axis=0, out=posterior)
        for g in range(1, picked.shape[1]):
            np.take(self.factors, picked[:, g], axis=0, out=factor)
            posterior *= factor
        mass, first, second = moments
        posterior.sum(axis=1, out=mass)
        np.einsum("ij,j->i", posterior, self.shifted, out=first)
        np.einsum("ij,j->i", posterior, self.squared, out=second)
        loose = ~(mass > _SMALLEST_MASS)
        if loose.any():  # exact maxima for the few patterns whose bound was too loose
            mass[loose], first[loose], second[loose] = self.exact(picked[loose])

    def exact(self, picked: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Mass and moments of patterns (their rows ``picked``), shifted by their exact maxima."""
        redo = self.table[picked].sum(axis=1)
        redo -= redo.max(axis=1, keepdims=True)
        np.exp(redo, out=redo)
        return self._moments(redo)

    def picks(
        self,
        filled: FloatArray,
        columns: FloatArray | None = None,
        picked: IntArray | None = None,
    ) -> IntArray:
        """Each pattern's row in each group (``filled``: codes, ``m_j`` where missing).

        ``columns`` (float) and ``picked`` (int64), both ``(b, g)`` and best column-major
        (a group's rows are then contiguous for ``take``), are filled when given.
        """
        shape = (filled.shape[0], self.offsets.size)
        columns = np.empty(shape, order="F") if columns is None else columns
        columns[:] = self.offsets
        for j, g, place in self.places:
            column = columns[:, g]
            column += filled[:, j] * place  # exact: small whole numbers
        picked = np.empty(shape, dtype=np.int64, order="F") if picked is None else picked
        np.copyto(picked, columns, casting="unsafe")
        return picked

    def estimates(self, moments: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Return the EAP and the posterior SD from the mass and moments of :meth:`block`."""
        mass, first, second = moments
        mean = first / mass
        theta = self.centre + mean
        se = np.sqrt(np.maximum(second / mass - mean * mean, 0.0))
        return theta, se

    def _moments(self, posterior: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Mass and first two moments (about the centre) of each row, without BLAS."""
        mass = posterior.sum(axis=1)
        first = np.einsum("ij,j->i", posterior, self.shifted)
        second = np.einsum("ij,j->i", posterior, self.squared)
        return mass, first, second

    def buffers(self, n_items: int) -> _Buffers:
        """Scratch arrays for one thread's blocks."""
        groups = self.offsets.size
        rows = self.rows
        q = self.table.shape[1]
        return _Buffers(
            np.empty((rows, n_items), order="F"),  # a column per item
            np.empty((rows, n_items), dtype=np.bool_),
            np.empty((rows, n_items)),
            np.empty((rows, n_items), dtype=np.bool_),
            np.empty((rows, n_items), dtype=np.bool_),
            np.empty((rows, groups), order="F"),
            np.empty((rows, groups), dtype=np.int64, order="F"),
            np.empty((rows, q)),
            np.empty((rows, q)),
        )


def _block_rows(q: int) -> int:
    """Return the rows per EAP block for ``q`` nodes.

    A power of two whose posterior (rows x q doubles) takes at most ``_BLOCK_BYTES``,
    between 64 and ``_BLOCK``.
    """
    rows = 64
    while rows < _BLOCK and 2 * rows * q * 8 <= _BLOCK_BYTES:
        rows *= 2
    return rows


@dataclass(frozen=True)
class _Buffers:
    filled: FloatArray  # (rows, k), column-major: codes, m_j where missing
    missing: NDArray[np.bool_]  # (rows, k)
    floor: FloatArray  # (rows, k): for the whole-number check
    bad: NDArray[np.bool_]  # (rows, k)
    test: NDArray[np.bool_]  # (rows, k)
    columns: FloatArray  # (rows, g), column-major: row indices as floats
    picked: IntArray  # (rows, g), column-major: each pattern's row in each group
    posterior: FloatArray  # (rows, q)
    factor: FloatArray  # (rows, q)


_POOL: list[Any] = []
_POOL_LOCK = threading.Lock()
if hasattr(os, "register_at_fork"):  # a child has none of its parent's threads
    os.register_at_fork(after_in_child=_POOL.clear)


def _pool() -> Any:
    """Return the threads that score EAP blocks: started once, kept for the next call.

    Starting threads for every call costs more than the blocks of a small batch (a new
    thread waits for a processor before it runs). A forked child starts its own.
    """
    with _POOL_LOCK:
        if not _POOL:
            from concurrent.futures import ThreadPoolExecutor

            workers = max(1, min(os.cpu_count() or 1, _MAX_WORKERS))
            _POOL.append(ThreadPoolExecutor(workers, thread_name_prefix="relscales-eap"))
        return _POOL[0]


def _workers(n_blocks: int) -> int:
    """Threads for EAP blocks: numpy releases the GIL in the heavy steps."""
    return max(1, min(n_blocks, os.cpu_count() or 1, _MAX_WORKERS))


def _filled_codes(
    model: GradedModel, block: FloatArray, start: int, work: _Buffers, checked: bool
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Return a block's codes with missing coded ``m_j`` (as floats), and the missing mask.

    Both are views of ``work``. Unless ``checked`` (codes known to be valid), raises
    ValueError naming the first invalid cell.
    """
    b = block.shape[0]
    top = model.n_categories.astype(np.float64)
    missing = np.isnan(block, out=work.missing[:b])
    filled = work.filled[:b]
    np.copyto(filled, block)
    np.copyto(filled, np.broadcast_to(top, filled.shape), where=missing)
    if checked:
        return filled, missing
    bad, test = work.bad[:b], work.test[:b]
    np.not_equal(filled, np.floor(filled, out=work.floor[:b]), out=bad)  # not whole
    bad |= np.less(filled, 0.0, out=test)
    bad |= np.greater_equal(block, top, out=test)  # NaN compares False
    if bad.any():
        _block_codes(model, block, start)  # raises the error naming the first bad cell
    return filled, missing


_COMPILED: list[Any] = []


def _compiled() -> Any:
    """Return the compiled EAP kernel (``relscales._eapkernel``), or None when not built."""
    if not _COMPILED:
        try:
            from relscales import _eapkernel
        except ImportError:
            _COMPILED.append(None)
        else:
            _COMPILED.append(_eapkernel)
    return _COMPILED[0]


def eap_kernel() -> Literal["compiled", "numpy"]:
    """Say which EAP kernel this installation uses.

    ``"compiled"`` when the optional C module was built at install time (a C compiler was
    found), ``"numpy"`` otherwise. Both give the same estimates to rounding; the compiled
    one takes about a third of the time.

    >>> eap_kernel() in ("compiled", "numpy")
    True
    """
    return "numpy" if _compiled() is None else "compiled"


def _compiled_eap(
    native: Any,
    model: GradedModel,
    values: FloatArray,
    kernel: _EapKernel,
    moments: FloatArray,
    answered: IntArray,
    span: int,
    workers: int,
) -> None:
    """Fill ``moments`` and ``answered`` with the compiled kernel, ``span`` rows a task."""
    n = values.shape[0]
    q = kernel.factors.shape[1]

    def work(first: int) -> None:
        stop = min(first + span, n)
        bad = native.moments(
            values,
            first,
            stop,
            model.n_categories,
            kernel.item_groups,
            kernel.item_places,
            kernel.row_offsets,
            kernel.factors,
            q,
            kernel.shifted,
            kernel.squared,
            moments[0],
            moments[1],
            moments[2],
            answered,
        )
        if bad >= 0:
            _block_codes(model, values[bad : bad + 1], bad)  # raises, naming the cell
            raise ValueError(f"responses row {bad} holds a code that is not valid")

    _run(work, range(0, n, span), workers)
    loose = ~(moments[0] > _SMALLEST_MASS)
    if loose.any():  # exact maxima for the few patterns whose bound was too loose
        rows = values[loose]
        filled = np.where(np.isnan(rows), model.n_categories.astype(np.float64), rows)
        redo = kernel.exact(kernel.picks(filled))
        for i, part in enumerate(redo):
            moments[i, loose] = part


def _numpy_eap(
    model: GradedModel,
    values: FloatArray,
    kernel: _EapKernel,
    moments: FloatArray,
    answered: IntArray,
    span: int,
    workers: int,
    checked: bool,
) -> None:
    """Fill ``moments`` and ``answered`` with the numpy kernel, ``span`` rows a task."""
    n, k = values.shape
    rows = kernel.rows
    spare = kernel.spare  # scratch arrays kept from call to call: fresh pages cost faults
    while spare.qsize() < workers:
        spare.put(kernel.buffers(k))

    def work(first: int) -> None:
        buffers = spare.get()
        try:
            for start in range(first, min(first + span, n), rows):
                block = values[start : start + rows]
                end = start + block.shape[0]
                filled, missing = _filled_codes(model, block, start, buffers, checked)
                kernel.block(filled, moments[:, start:end], buffers)
                np.subtract(k, missing.sum(axis=1), out=answered[start:end])
        finally:
            spare.put(buffers)

    _run(work, range(0, n, span), workers)


def _run(work: Callable[[int], None], starts: range, workers: int) -> None:
    """Run ``work`` on each start, on the EAP threads when there are several."""
    if workers == 1:
        for start in starts:
            work(start)
    else:
        for _ in _pool().map(work, starts):  # in order: the first bad row is reported
            pass


def _eap(
    model: GradedModel, values: FloatArray, kernel: _EapKernel, checked: bool = False
) -> ThetaEstimates:
    n = values.shape[0]
    moments = np.empty((3, n))  # mass and first two moments of each posterior
    answered = np.empty(n, dtype=np.int64)
    blocks = -(-n // kernel.rows)
    workers = _workers(blocks)
    span = kernel.rows * max(1, -(-blocks // (workers * _TASKS_PER_WORKER)))  # rows a task
    native = _compiled()
    if native is not None:
        _compiled_eap(native, model, values, kernel, moments, answered, span, workers)
    else:
        _numpy_eap(model, values, kernel, moments, answered, span, workers, checked)
    theta, se = kernel.estimates(moments)
    none = answered == 0
    theta[none] = np.nan
    se[none] = np.nan
    return ThetaEstimates(theta=theta, se=se, n_answered=answered, method="eap")


# --------------------------------------------------------------------------------------
# MAP and ML


def _bounds_table(model: GradedModel) -> FloatArray:
    """Thresholds with ``-inf`` before and ``+inf`` after: shape (k, m_max + 1)."""
    k, m_max = model.n_items, model.max_categories
    ext = np.full((k, m_max + 1), np.inf)
    ext[:, 0] = -np.inf
    for j in range(k):
        m = int(model.n_categories[j])
        ext[j, 1:m] = model.thresholds[j, : m - 1]
    return ext


def _derivatives(
    theta: FloatArray, slopes: FloatArray, lower: FloatArray, upper: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """First and second derivative of the log-likelihood at ``theta`` (n,).

    ``d log P_c / d theta = a (1 - P*_c - P*_(c+1))`` and
    ``d^2 log P_c / d theta^2 = -a^2 (P*_c Q*_c + P*_(c+1) Q*_(c+1))``; ``slopes`` is 0 for
    missing responses.
    """
    x_low = slopes * (theta[:, None] - lower)
    x_up = slopes * (theta[:, None] - upper)
    x_low = np.where(slopes == 0, 0.0, x_low)
    x_up = np.where(slopes == 0, 0.0, x_up)
    p_low, q_low = _expit(x_low), _expit(-x_low)
    p_up, q_up = _expit(x_up), _expit(-x_up)
    gradient = np.sum(slopes * (q_low - p_up), axis=1)
    hessian = -np.sum(slopes * slopes * (p_low * q_low + p_up * q_up), axis=1)
    return gradient, hessian


def _log_posterior_derivatives(
    theta: FloatArray,
    slopes: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    precision: float,
    prior_mean: float,
) -> tuple[FloatArray, FloatArray]:
    """Return the derivatives of log-likelihood plus ``-precision (theta - mean)^2 / 2``."""
    g, h = _derivatives(theta, slopes, lower, upper)
    return g - precision * (theta - prior_mean), h - precision


def _newton(
    slopes: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    precision: float,
    prior_mean: float,
    start: FloatArray,
    tol: float = 1e-12,
    max_iter: int = 500,
) -> FloatArray:
    """Safeguarded Newton-Raphson for the root of a decreasing gradient (concave target).

    Steps are clipped to length 1 and replaced by bisection of the bracket ``[low, high]``
    (known signs of the gradient) when they leave it.
    """
    theta = start.copy()
    low = np.full_like(theta, -np.inf)
    high = np.full_like(theta, np.inf)
    active = np.ones(theta.size, dtype=bool)
    for _ in range(max_iter):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        t = theta[idx]
        g, h = _log_posterior_derivatives(
            t, slopes[idx], lower[idx], upper[idx], precision, prior_mean
        )
        lo = np.where(g > 0, t, low[idx])
        hi = np.where(g <= 0, t, high[idx])
        low[idx], high[idx] = lo, hi
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = np.where(h < 0, -g / h, np.sign(g))
        step = np.where(np.isfinite(step), step, np.sign(g))
        converged = (np.abs(step) <= tol * (1.0 + np.abs(t))) | (g == 0)
        proposal = t + np.clip(step, -1.0, 1.0)
        # a step leaving the bracket crossed a side whose sign is known: both sides finite
        outside = ~converged & ~((proposal > lo) & (proposal < hi))
        proposal = np.where(outside, 0.5 * (lo + hi), proposal)
        converged |= hi - lo <= tol * (1.0 + np.abs(t))
        theta[idx] = proposal
        active[idx[converged]] = False
    return theta


def _modal(
    model: GradedModel,
    values: FloatArray,
    start: ThetaEstimates,
    method: Literal["map", "ml"],
    prior_mean: float,
    prior_sd: float,
) -> ThetaEstimates:
    n, k = values.shape
    ext = _bounds_table(model)
    item = np.arange(k)[None, :]
    theta = np.full(n, np.nan)
    se = np.full(n, np.nan)
    precision = 1.0 / prior_sd**2 if method == "map" else 0.0
    for begin in range(0, n, _BLOCK):
        block = values[begin : begin + _BLOCK]
        codes, missing = _block_codes(model, block, begin)
        slopes = np.where(missing, 0.0, model.slopes[None, :])
        lower = np.where(missing, 0.0, ext[item, codes])
        upper = np.where(missing, 0.0, ext[item, codes + 1])
        n_answered = k - missing.sum(axis=1)
        top = model.n_categories[None, :] - 1
        all_low = n_answered > 0
        all_high = n_answered > 0
        if method == "ml":
            all_low = all_low & np.all(missing | (codes == 0), axis=1)
            all_high = all_high & np.all(missing | (codes == top), axis=1)
        else:
            all_low = all_low & False
            all_high = all_high & False
        solve = (n_answered > 0) & ~all_low & ~all_high
        idx = np.nonzero(solve)[0]
        if idx.size:
            s_slopes, s_lower, s_upper = slopes[idx], lower[idx], upper[idx]
            est = _newton(
                s_slopes, s_lower, s_upper, precision, prior_mean, start.theta[begin + idx]
            )
            if method == "map":
                _, h = _log_posterior_derivatives(
                    est, s_slopes, s_lower, s_upper, precision, prior_mean
                )
                err = 1.0 / np.sqrt(-h)
            else:
                info = _item_information(model, est)
                info = np.where(missing[idx], 0.0, info).sum(axis=1)
                with np.errstate(divide="ignore"):
                    err = 1.0 / np.sqrt(info)
            theta[begin + idx] = est
            se[begin + idx] = err
        theta[begin + np.nonzero(all_low)[0]] = -np.inf
        theta[begin + np.nonzero(all_high)[0]] = np.inf
        se[begin + np.nonzero(all_low | all_high)[0]] = np.inf
    return ThetaEstimates(theta=theta, se=se, n_answered=start.n_answered, method=method)


def score_theta(
    model: GradedModel,
    responses: ArrayLike,
    *,
    method: Method = "eap",
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    quadrature: int | None = None,
    bounds: tuple[float, float] | None = None,
) -> ThetaEstimates:
    """Estimate theta for every respondent (row) from graded responses.

    Parameters
    ----------
    model : GradedModel
        The calibrated model of the ``k`` items.
    responses : array_like of float, shape (n, k)
        Category codes ``0 .. m_j - 1``, ``NaN`` for a missing response (left out of the
        likelihood).
    method : {"eap", "map", "ml"}
        ``"eap"`` (default): posterior mean, SE = posterior SD, by quadrature.
        ``"map"``: posterior mode by Newton-Raphson from the EAP, SE =
        ``1 / sqrt(observed information + 1 / prior_sd^2)``.
        ``"ml"``: maximum likelihood by Newton-Raphson, SE = ``1 / sqrt(I(theta))`` with the
        test information of the answered items; all-lowest and all-highest patterns have no
        finite maximum and get ``-inf`` / ``+inf`` with SE ``inf``.
    prior_mean, prior_sd : float
        The normal prior (EAP, MAP; ML uses it only for its starting value).
    quadrature : int or None
        Number of equally spaced nodes; ``None`` (default) chooses it from the model so that
        the EAP and posterior SD are accurate to about 1e-8 or better
        (:func:`quadrature_nodes`).
    bounds : (float, float) or None
        Range of the nodes; ``None`` (default) is ``prior_mean +- 8 prior_sd``.

    Returns
    -------
    ThetaEstimates
        ``NaN`` theta and SE for respondents who answered no item.

    Raises
    ------
    ValueError
        For responses of the wrong shape, codes outside ``0 .. m_j - 1`` or not whole, an
        unknown method or invalid prior or quadrature settings.

    Examples
    --------
    >>> import numpy as np
    >>> model = GradedModel(np.array([1.0, 1.5]), np.array([[-1.0, 1.0], [0.0, 2.0]]),
    ...                     np.array([3, 3]))
    >>> est = score_theta(model, np.array([[1.0, 1.0], [np.nan, np.nan]]))
    >>> bool(-1 < est.theta[0] < 1), bool(np.isnan(est.theta[1])), est.n_answered.tolist()
    (True, True, [2, 0])
    """
    scorer = ThetaScorer(
        model,
        method=method,
        prior_mean=prior_mean,
        prior_sd=prior_sd,
        quadrature=quadrature,
        bounds=bounds,
    )
    return scorer.score(responses)


class ThetaScorer:
    """:func:`score_theta` prepared once for a model and settings, for many calls.

    Choosing the nodes and building the EAP tables is done once, in the constructor; each
    :meth:`score` call then only scores. The parameters are those of :func:`score_theta`,
    which is ``ThetaScorer(model, ...).score(responses)``.

    Examples
    --------
    >>> import numpy as np
    >>> model = GradedModel(np.array([1.2]), np.array([[-0.5, 0.5]]), np.array([3]))
    >>> scorer = ThetaScorer(model)
    >>> [round(float(t), 6) for t in scorer.score(np.array([[0.0], [2.0]])).theta]
    [-0.577432, 0.577432]
    """

    def __init__(
        self,
        model: GradedModel,
        *,
        method: Method = "eap",
        prior_mean: float = 0.0,
        prior_sd: float = 1.0,
        quadrature: int | None = None,
        bounds: tuple[float, float] | None = None,
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        nodes, weights = quadrature_nodes(
            model, prior_mean=prior_mean, prior_sd=prior_sd, quadrature=quadrature, bounds=bounds
        )
        self.model = model
        self.method: Method = method
        self.prior_mean = float(prior_mean)
        self.prior_sd = float(prior_sd)
        self.nodes = nodes
        self._kernel = _EapKernel.build(model, nodes, weights)

    def score(self, responses: ArrayLike, *, checked: bool = False) -> ThetaEstimates:
        """Estimate theta for every row of ``responses`` (see :func:`score_theta`).

        ``checked=True`` says the codes are already known to be whole numbers in each
        item's range (or NaN), as relscales' own scoring makes them: EAP then skips its
        check of every cell. Codes that are not valid then give wrong estimates or an
        ``IndexError``, never a ``ValueError`` naming the cell; leave it ``False`` for
        codes from anywhere else.
        """
        values = _as_responses(self.model, responses)
        eap = _eap(self.model, values, self._kernel, checked)
        if self.method == "eap":
            return eap
        return _modal(self.model, values, eap, self.method, self.prior_mean, self.prior_sd)


# --------------------------------------------------------------------------------------
# Lord-Wingersky


@dataclass(frozen=True, eq=False)
class SumScoreTable:
    """EAP of theta given the sum score, for every possible sum score (EAP[sum]).

    Attributes
    ----------
    sum_scores : ndarray of int, shape (S + 1,)
        ``0 .. S`` with ``S = sum(m_j - 1)``.
    theta : ndarray of float, shape (S + 1,)
        Posterior mean of theta given the sum score.
    se : ndarray of float, shape (S + 1,)
        Posterior SD of theta given the sum score.
    probability : ndarray of float, shape (S + 1,)
        Model-implied distribution of the sum score (marginal over the prior); sums to 1.
    """

    sum_scores: IntArray
    theta: FloatArray
    se: FloatArray
    probability: FloatArray

    def __post_init__(self) -> None:
        for name in ("sum_scores", "theta", "se", "probability"):
            _frozen(getattr(self, name))

    def lookup(self, sums: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Theta and SE for sum scores of complete response patterns.

        Parameters
        ----------
        sums : array_like of float
            Sum scores (``NaN`` gives ``NaN``).

        Returns
        -------
        theta, se : ndarray of float
            Same shape as ``sums``.

        Raises
        ------
        ValueError
            For a sum score that is not a whole number in ``0 .. S``.
        """
        values = np.asarray(sums, dtype=np.float64)
        missing = np.isnan(values)
        top = int(self.sum_scores[-1])
        ok = missing | ((values >= 0) & (values <= top) & (values == np.floor(values)))
        if not np.all(ok):
            raise ValueError(f"sum scores must be whole numbers 0..{top} (or NaN)")
        index = np.where(missing, 0, values).astype(np.int64)
        theta = np.where(missing, np.nan, self.theta[index])
        se = np.where(missing, np.nan, self.se[index])
        return theta, se


def _lord_wingersky(model: GradedModel, nodes: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Scaled ``P(sum = s | node)``: (S + 1, q) array and the log scale per node (q,)."""
    probs = np.exp(log_likelihood_table(model, nodes))  # (k, m_max, q)
    total = model.max_sum_score
    current = np.zeros((total + 1, nodes.size))
    log_scale = np.zeros(nodes.size)
    top = 0
    current[0] = 1.0
    for j in range(model.n_items):
        m = int(model.n_categories[j])
        new = np.zeros_like(current)
        for c in range(m):
            new[c : top + c + 1] += current[: top + 1] * probs[j, c][None, :]
        top += m - 1
        peak = new[: top + 1].max(axis=0)
        new[: top + 1] /= peak[None, :]
        log_scale += np.log(peak)
        current = new
    return current, log_scale


def sum_score_likelihoods(model: GradedModel, nodes: ArrayLike) -> FloatArray:
    """Distribution of the sum score at each theta, by the Lord-Wingersky recursion.

    Parameters
    ----------
    model : GradedModel
        The calibrated model.
    nodes : array_like of float, shape (q,)
        Latent trait values.

    Returns
    -------
    ndarray of float, shape (S + 1, q)
        ``P(sum score = s | theta = nodes[t])`` at ``[s, t]``, for complete patterns; each
        column sums to 1.

    Examples
    --------
    >>> import numpy as np
    >>> model = GradedModel(np.array([1.0, 1.0]), np.array([[0.0], [0.0]]), np.array([2, 2]))
    >>> sum_score_likelihoods(model, [0.0])[:, 0].tolist()
    [0.25, 0.5, 0.25]
    """
    values = _as_theta(nodes)
    if not np.all(np.isfinite(values)):
        raise ValueError("nodes must be finite")
    scaled, log_scale = _lord_wingersky(model, values)
    return scaled * np.exp(log_scale)[None, :]


def sum_score_table(
    model: GradedModel,
    *,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    quadrature: int | None = None,
    bounds: tuple[float, float] | None = None,
) -> SumScoreTable:
    """EAP[sum]: theta and posterior SD for every sum score (Thissen et al., 1995).

    For a complete (paper) administration the sum score alone can be converted to theta: the
    Lord & Wingersky (1984) recursion gives ``P(sum = s | theta)`` on the quadrature nodes,
    and the posterior of theta given ``s`` is that times the normal prior.

    Parameters
    ----------
    model : GradedModel
        The calibrated model.
    prior_mean, prior_sd : float
        The normal prior.
    quadrature : int or None
        Number of nodes; ``None`` chooses it as :func:`score_theta` does.
    bounds : (float, float) or None
        Range of the nodes; ``None`` is ``prior_mean +- 8 prior_sd``.

    Returns
    -------
    SumScoreTable

    Examples
    --------
    >>> import numpy as np
    >>> model = GradedModel(np.array([1.0, 1.0]), np.array([[0.0], [0.0]]), np.array([2, 2]))
    >>> table = sum_score_table(model)
    >>> table.sum_scores.tolist(), bool(np.isclose(table.theta[1], 0.0))
    ([0, 1, 2], True)
    """
    nodes, weights = quadrature_nodes(
        model, prior_mean=prior_mean, prior_sd=prior_sd, quadrature=quadrature, bounds=bounds
    )
    scaled, log_scale = _lord_wingersky(model, nodes)
    with np.errstate(divide="ignore"):
        log_post = np.log(scaled) + (log_scale + np.log(weights))[None, :]  # (S + 1, q)
    peak = log_post.max(axis=1, keepdims=True)
    post = np.exp(log_post - peak)
    mass = post.sum(axis=1)
    centre = 0.5 * (nodes[0] + nodes[-1])
    shifted = nodes - centre
    mean = (post @ shifted) / mass
    variance = np.maximum((post @ (shifted * shifted)) / mass - mean * mean, 0.0)
    log_marginal = np.log(mass) + peak[:, 0]
    probability = np.exp(log_marginal - log_marginal.max())
    probability /= probability.sum()
    return SumScoreTable(
        sum_scores=np.arange(model.max_sum_score + 1, dtype=np.int64),
        theta=centre + mean,
        se=np.sqrt(variance),
        probability=probability,
    )

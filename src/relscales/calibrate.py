"""Calibration of Samejima's graded response model by marginal maximum likelihood.

The item parameters of a :class:`relscales.irt.GradedModel` are estimated from raw
responses by the EM algorithm of Bock & Aitkin (1981) with a fixed quadrature over a
standard normal latent distribution. The result carries observed-information standard
errors (Louis, 1982), the S-X2 item fit statistic (Orlando & Thissen, 2000; Kang & Chen,
2008) and Yen's (1984) Q3 local dependence matrix. The methods are written up in
``docs/methods-calibration.md``.

Parametrisation (the same as :mod:`relscales.irt`): ``P*(X_j >= c | theta) =
logistic(a_j (theta - b_jc))``, no scaling constant 1.702. Internally the M-step works in
the slope-intercept form ``logistic(a_j theta + d_jc)`` with ``d_jc = -a_j b_jc``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

from relscales.irt import GradedModel

__all__ = [
    "MIN_RESPONDENTS",
    "Calibration",
    "ItemFit",
    "LocalDependence",
    "calibrate_grm",
    "marginal_log_likelihood",
    "quadrature_grid",
    "to_yaml_block",
]

FloatArray = NDArray[np.float64]
_TINY = 1e-300

#: Fewest respondents with at least one answer that :func:`calibrate_grm` accepts.
MIN_RESPONDENTS = 100
#: Q3 pairs whose residual correlation differs from the mean Q3 by more than this are flagged.
Q3_FLAG = 0.2
#: Expected cell count below which S-X2 cells are merged with a neighbouring category.
SX2_MIN_CELL = 1.0

_Q3_REFERENCE = (
    "Yen, W. M. (1984). Effects of local item dependence on the fit and equating "
    "performance of the three-parameter logistic model. Applied Psychological "
    "Measurement, 8(2), 125-145; relative cut-off |Q3 - mean Q3| > 0.2 after "
    "Christensen, Makransky & Horton (2017), Applied Psychological Measurement, 41(3), "
    "178-194."
)
_SX2_REFERENCE = (
    "Orlando, M., & Thissen, D. (2000). Likelihood-based item-fit indices for "
    "dichotomous item response theory models. Applied Psychological Measurement, 24(1), "
    "50-64; polytomous form: Kang, T., & Chen, T. T. (2008). Performance of the "
    "generalized S-X2 item fit index for polytomous IRT models. Journal of Educational "
    "Measurement, 45(4), 391-406."
)


@dataclass(frozen=True)
class ItemFit:
    """S-X2 item fit of one item (Orlando & Thissen, 2000; Kang & Chen, 2008).

    Attributes
    ----------
    item_id : str
        The item.
    s_x2 : float
        Pearson statistic over summed-score groups x categories, after merging cells whose
        expected count is below :data:`SX2_MIN_CELL` with a neighbouring category.
    df : int
        Number of free cells minus the item's number of parameters (``m_j``).
    p_value : float
        Upper chi-square tail probability; ``NaN`` when ``df <= 0``.
    n : int
        Respondents used (those who answered every item).
    """

    item_id: str
    s_x2: float
    df: int
    p_value: float
    n: int


@dataclass(frozen=True)
class LocalDependence:
    """Yen's Q3: correlations of the item residuals ``x_ij - E(X_j | EAP_i)``.

    Attributes
    ----------
    q3 : ndarray of float, shape (k, k)
        Pairwise-complete residual correlations, ``NaN`` on the diagonal.
    mean_q3 : float
        Mean of the off-diagonal Q3 values (about ``-1 / (k - 1)`` under local
        independence).
    flagged : tuple of (str, str, float)
        Item pairs with ``|Q3 - mean_q3| > threshold``, largest first.
    threshold : float
        The cut-off used, :data:`Q3_FLAG`.
    reference : str
        Literature for the statistic and the cut-off.
    """

    q3: FloatArray
    mean_q3: float
    flagged: tuple[tuple[str, str, float], ...]
    threshold: float
    reference: str


@dataclass(frozen=True, eq=False)
class Calibration:
    """Result of :func:`calibrate_grm`.

    Attributes
    ----------
    model : GradedModel
        The estimated slopes and thresholds.
    slope_se, threshold_se : ndarray of float
        Standard errors, shapes (k,) and (k, m_max - 1) (``NaN`` padded), from the observed
        information of the marginal log-likelihood at the estimate (Louis, 1982).
    log_likelihood : float
        Marginal log-likelihood at the estimate (natural log, the quadrature used).
    n : int
        Respondents with at least one answer.
    n_iterations : int
        EM cycles run.
    converged : bool
        Whether the largest absolute change of a slope or threshold in the last cycle fell
        below the tolerance.
    max_change : float
        That largest change in the last cycle.
    item_fit : tuple of ItemFit
        S-X2 per item.
    local_dependence : LocalDependence
        Yen's Q3.
    notes : tuple of str
        Plain-language remarks (excluded respondents, misfit, flagged pairs, ...).
    """

    model: GradedModel
    slope_se: FloatArray
    threshold_se: FloatArray
    log_likelihood: float
    n: int
    n_iterations: int
    converged: bool
    max_change: float
    item_fit: tuple[ItemFit, ...]
    local_dependence: LocalDependence
    notes: tuple[str, ...]


# --------------------------------------------------------------------------- quadrature


def quadrature_grid(
    quadrature: int | tuple[ArrayLike, ArrayLike] = 61,
) -> tuple[FloatArray, FloatArray]:
    """Nodes and prior weights of the latent distribution.

    Parameters
    ----------
    quadrature : int or (nodes, weights)
        An integer ``q >= 5`` gives ``q`` equally spaced nodes on ``[-6, 6]`` with weights
        proportional to the standard normal density. A pair of arrays is used as given
        (for example Gauss-Hermite nodes ``sqrt(2) x`` and weights ``w / sqrt(pi)``);
        weights must be positive and are rescaled to sum to 1.

    Returns
    -------
    nodes, weights : ndarray of float, shape (q,)

    Examples
    --------
    >>> nodes, weights = quadrature_grid(5)
    >>> nodes.tolist(), round(float(weights.sum()), 12)
    ([-6.0, -3.0, 0.0, 3.0, 6.0], 1.0)
    """
    if isinstance(quadrature, tuple):
        nodes = np.asarray(quadrature[0], dtype=np.float64).ravel()
        weights = np.asarray(quadrature[1], dtype=np.float64).ravel()
        if nodes.shape != weights.shape or nodes.size < 2:
            raise ValueError(
                "quadrature=(nodes, weights) needs two 1-D arrays of the same length >= 2"
            )
        if not (np.all(np.isfinite(nodes)) and np.all(np.isfinite(weights))) or np.any(
            weights <= 0
        ):
            raise ValueError("quadrature weights must be positive and nodes finite")
        return nodes, weights / weights.sum()
    if isinstance(quadrature, bool) or not isinstance(quadrature, int | np.integer):
        raise ValueError("quadrature must be an int (number of nodes) or a (nodes, weights) pair")
    q = int(quadrature)
    if q < 5:
        raise ValueError(f"quadrature needs at least 5 nodes, got {q}; pass e.g. 61")
    nodes = np.linspace(-6.0, 6.0, q)
    weights = np.exp(-0.5 * nodes**2)
    return nodes, weights / weights.sum()


# --------------------------------------------------------------------------- item curves


def _sigmoid(x: FloatArray) -> FloatArray:
    """Logistic function, exact at both tails (``+-inf`` allowed)."""
    with np.errstate(invalid="ignore"):
        out = 0.5 * (1.0 + np.tanh(0.5 * x))
    return out


@dataclass
class _Curves:
    """Category probabilities and boundary derivatives at the nodes, shapes (k, q, .)."""

    prob: FloatArray  # (k, q, M): P_c, 0 beyond an item's categories
    psi: FloatArray  # (k, q, M + 1): P*_c (1 - P*_c), 0 at c = 0 and c >= m_j
    dpsi: FloatArray  # (k, q, M + 1): psi_c (1 - 2 P*_c)


def _curves(
    slopes: FloatArray, intercepts: FloatArray, n_cat: NDArray[np.int64], theta: FloatArray
) -> _Curves:
    """Evaluate the GRM in slope-intercept form ``P*_c = logistic(a theta + d_c)``."""
    k, width = intercepts.shape
    m_max = width + 1
    # boundaries c = 0..M; x_0 = +inf, x_c = -inf for c >= m_j
    x = np.full((k, theta.size, m_max + 1), -np.inf)
    x[:, :, 0] = np.inf
    valid = np.arange(1, m_max)[None, :] < n_cat[:, None]  # (k, M-1) for c = 1..M-1
    z = slopes[:, None, None] * theta[None, :, None] + np.where(valid, intercepts, 0.0)[:, None, :]
    x[:, :, 1:m_max] = np.where(valid[:, None, :], z, -np.inf)
    up = _sigmoid(x)
    lo = _sigmoid(-x)
    # gap_c = 1 - exp(-(d_c - d_{c+1})) for interior categories keeps P_c's relative precision
    gap = np.ones((k, m_max))
    inner = valid[:, :-1] & valid[:, 1:]  # c = 1..M-2 with both boundaries real
    diff = np.where(inner, intercepts[:, :-1] - intercepts[:, 1:], np.inf)
    gap[:, 1 : m_max - 1] = np.where(inner, -np.expm1(-diff), 1.0)
    prob = up[:, :, :-1] * lo[:, :, 1:] * gap[:, None, :]
    psi = up * lo
    dpsi = psi * (lo - up)
    return _Curves(prob=prob, psi=psi, dpsi=dpsi)


def _first_derivatives(curves: _Curves, theta: FloatArray) -> FloatArray:
    """``dP_c / d(a, d_1..d_{M-1})``, shape (k, q, M categories, M parameters)."""
    psi = curves.psi
    k, q, m_max = curves.prob.shape
    g = np.zeros((k, q, m_max, m_max))
    g[:, :, :, 0] = theta[None, :, None] * (psi[:, :, :-1] - psi[:, :, 1:])
    for c in range(m_max):
        if c >= 1:
            g[:, :, c, c] += psi[:, :, c]
        if c + 1 <= m_max - 1:
            g[:, :, c, c + 1] -= psi[:, :, c + 1]
    return g


def _second_derivatives(curves: _Curves, theta: FloatArray) -> FloatArray:
    """``d2 P_c / d(a, d) d(a, d)``, shape (k, q, M, M, M)."""
    dpsi = curves.dpsi
    k, q, m_max = curves.prob.shape
    h = np.zeros((k, q, m_max, m_max, m_max))
    t = theta[None, :]
    for c in range(m_max):
        h[:, :, c, 0, 0] = t**2 * (dpsi[:, :, c] - dpsi[:, :, c + 1])
        if c >= 1:
            h[:, :, c, 0, c] = h[:, :, c, c, 0] = t * dpsi[:, :, c]
            h[:, :, c, c, c] = dpsi[:, :, c]
        if c + 1 <= m_max - 1:
            h[:, :, c, 0, c + 1] = h[:, :, c, c + 1, 0] = -t * dpsi[:, :, c + 1]
            h[:, :, c, c + 1, c + 1] = -dpsi[:, :, c + 1]
    return h


def _safe_log(p: FloatArray) -> FloatArray:
    """``log p`` with underflowed probabilities held at ``log(1e-300)``."""
    return np.log(np.maximum(p, _TINY))


# --------------------------------------------------------------------------- data


@dataclass
class _Data:
    codes: NDArray[np.int64]  # (n_pat, k), -1 = missing
    counts: FloatArray  # (n_pat,)
    onehot: FloatArray  # (n_pat, k * M)
    inverse: NDArray[np.int64]  # person -> pattern (answering persons only)
    answered: NDArray[np.bool_]  # (n_rows,) persons with at least one answer


def _validate(
    responses: ArrayLike, n_categories: int | Sequence[int] | None, item_ids: Sequence[str]
) -> tuple[FloatArray, NDArray[np.int64], tuple[str, ...]]:
    try:
        x = np.array(responses, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "responses must be numeric: pass an (n, k) array of integer codes 0..m-1 with "
            "NaN for missing answers"
        ) from exc
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(
            f"responses must be a 2-D array (respondents x items) with at least 2 items, got "
            f"shape {x.shape}"
        )
    k = x.shape[1]
    if np.any(np.isinf(x)):
        raise ValueError("responses contain infinite values: pass integer codes 0..m-1 or NaN")
    seen = x[~np.isnan(x)]
    if np.any(seen != np.round(seen)) or np.any(seen < 0):
        bad = seen[(seen != np.round(seen)) | (seen < 0)][:3].tolist()
        raise ValueError(
            f"response codes must be integers 0..m-1 (NaN for missing), found {bad}; "
            "recode the answers first, e.g. a 1-5 scale as 0-4 (subtract the scale minimum)"
        )
    ids = tuple(item_ids) if item_ids else tuple(f"item{j + 1}" for j in range(k))
    if len(ids) != k:
        raise ValueError(f"item_ids must hold one id per column ({k}), got {len(ids)}")
    if len(set(ids)) != k:
        raise ValueError("item_ids must be unique")
    answered = ~np.all(np.isnan(x), axis=1)
    if int(answered.sum()) < MIN_RESPONDENTS:
        raise ValueError(
            f"calibration needs at least {MIN_RESPONDENTS} respondents with at least one "
            f"answer, got {int(answered.sum())}; pass more rows (several hundred per item "
            "parameter is usual for the graded response model)"
        )
    observed_max = np.array(
        [int(np.nanmax(x[:, j])) if np.any(~np.isnan(x[:, j])) else -1 for j in range(k)]
    )
    empty = [ids[j] for j in range(k) if observed_max[j] < 0]
    if empty:
        raise ValueError(f"items {empty} have no answers at all: drop them before calibrating")
    if n_categories is None:
        n_cat = observed_max + 1
    else:
        n_cat = np.broadcast_to(np.asarray(n_categories), (k,)).astype(np.int64)
        too_high = [ids[j] for j in range(k) if observed_max[j] >= n_cat[j]]
        if too_high:
            raise ValueError(
                f"items {too_high} have codes >= their n_categories: codes must be "
                "0..n_categories-1; recode them or pass larger n_categories"
            )
    constant = [
        ids[j] for j in range(k) if n_cat[j] < 2 or np.unique(x[~np.isnan(x[:, j]), j]).size < 2
    ]
    if constant:
        raise ValueError(
            f"items {constant} have a single observed answer (constant): they carry no "
            "information about the trait; drop them before calibrating"
        )
    unobserved: list[str] = []
    for j in range(k):
        col = x[~np.isnan(x[:, j]), j].astype(np.int64)
        missing_codes = sorted(set(range(int(n_cat[j]))) - set(np.unique(col).tolist()))
        if missing_codes:
            unobserved.append(f"{ids[j]} (categories {missing_codes} of 0..{n_cat[j] - 1})")
    if unobserved:
        raise ValueError(
            "categories never observed: " + "; ".join(unobserved) + ". Their thresholds have "
            "no maximum likelihood estimate. Merge each empty category with a neighbour "
            "(recode so the observed codes are 0..m-1 without gaps) and pass the reduced "
            "n_categories, or collect more data"
        )
    return x, n_cat, ids


def _prepare(x: FloatArray, m_max: int) -> _Data:
    answered = ~np.all(np.isnan(x), axis=1)
    codes_all = np.where(np.isnan(x[answered]), -1, x[answered]).astype(np.int64)
    codes, inverse, counts = np.unique(codes_all, axis=0, return_inverse=True, return_counts=True)
    n_pat, k = codes.shape
    onehot = np.zeros((n_pat, k * m_max))
    rows, cols = np.nonzero(codes >= 0)
    onehot[rows, cols * m_max + codes[rows, cols]] = 1.0
    return _Data(
        codes=codes,
        counts=counts.astype(np.float64),
        onehot=onehot,
        inverse=inverse.ravel().astype(np.int64),
        answered=answered,
    )


# --------------------------------------------------------------------------- EM pieces


def _estep(data: _Data, curves: _Curves, log_w: FloatArray) -> tuple[float, FloatArray, FloatArray]:
    """Log-likelihood, posterior weights (n_pat, q) and expected counts (k, q, M)."""
    k, q, m_max = curves.prob.shape
    log_p = _safe_log(curves.prob).transpose(0, 2, 1).reshape(k * m_max, q)
    table = data.onehot @ log_p + log_w[None, :]
    top = table.max(axis=1, keepdims=True)
    post = np.exp(table - top)
    total = post.sum(axis=1, keepdims=True)
    post /= total
    loglik = float(data.counts @ (np.log(total[:, 0]) + top[:, 0]))
    expected = data.onehot.T @ (post * data.counts[:, None])  # (k*M, q)
    r = expected.reshape(k, m_max, q).transpose(0, 2, 1)
    return loglik, post, np.ascontiguousarray(r)


def _objective(r: FloatArray, curves: _Curves) -> FloatArray:
    """Return the expected complete-data log-likelihood per item, shape (k,)."""
    return np.asarray(np.einsum("kqc,kqc->k", r, _safe_log(curves.prob)))


def _inverse(prob: FloatArray) -> FloatArray:
    """``1 / P`` for the categories an item has (``P > 0``), 0 elsewhere."""
    return np.where(prob > 0, 1.0 / np.maximum(prob, _TINY), 0.0)


def _item_gradient_hessian(
    r: FloatArray, curves: _Curves, theta: FloatArray, *, exact: bool
) -> tuple[FloatArray, FloatArray]:
    """Gradient (k, M) and Hessian (k, M, M) of the item objectives in (a, d)."""
    inv = _inverse(curves.prob)
    score = _first_derivatives(curves, theta) * inv[..., None]  # d log P_c / d(a, d)
    grad = np.einsum("kqc,kqcp->kp", r, score)
    if exact:
        h2 = _second_derivatives(curves, theta) * inv[..., None, None]
        hess = np.einsum("kqc,kqcpr->kpr", r, h2) - np.einsum("kqc,kqcp,kqcr->kpr", r, score, score)
    else:  # Fisher scoring: expected information of the multinomial at the node totals
        n_q = r.sum(axis=2, keepdims=True) * curves.prob
        hess = -np.einsum("kqc,kqcp,kqcr->kpr", n_q, score, score)
    return grad, hess


def _ordered(intercepts: FloatArray, valid: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Per item: intercepts strictly decreasing over the used columns."""
    both = valid[:, :-1] & valid[:, 1:]
    ok = np.where(both, intercepts[:, :-1] > intercepts[:, 1:], True)
    return np.asarray(np.all(ok, axis=1))


def _mstep(
    r: FloatArray,
    slopes: FloatArray,
    intercepts: FloatArray,
    n_cat: NDArray[np.int64],
    theta: FloatArray,
    *,
    max_newton: int = 25,
) -> tuple[FloatArray, FloatArray]:
    """Maximise each item's expected complete-data log-likelihood by Newton-Raphson."""
    k, width = intercepts.shape
    m_max = width + 1
    valid = np.arange(1, m_max)[None, :] < n_cat[:, None]
    free = np.concatenate([np.ones((k, 1), dtype=bool), valid], axis=1)
    a, d = slopes.copy(), intercepts.copy()
    curves = _curves(a, d, n_cat, theta)
    value = _objective(r, curves)
    eye = np.eye(m_max)[None, :, :]
    for _ in range(max_newton):
        grad, hess = _item_gradient_hessian(r, curves, theta, exact=True)
        grad = np.where(free, grad, 0.0)
        pad = ~(free[:, :, None] & free[:, None, :])
        hess = np.where(pad, 0.0, hess) + eye * (~free)[:, None, :]
        # modified Newton: -H with its eigenvalues held positive, steps of at most 1
        eig, vec = np.linalg.eigh(-hess)
        floor = 1e-8 * np.max(np.abs(eig), axis=1, keepdims=True) + 1e-12
        eig = np.maximum(eig, floor)
        coef = np.einsum("kpi,kp->ki", vec, grad) / eig
        step = np.einsum("kpi,ki->kp", vec, coef)
        step /= np.maximum(1.0, np.max(np.abs(step), axis=1, keepdims=True))
        step = np.where(free, step, 0.0)
        scale = np.ones(k)
        for _half in range(30):
            a_new = a + scale * step[:, 0]
            d_new = np.where(valid, d + scale[:, None] * step[:, 1:], d)
            c_new = _curves(a_new, d_new, n_cat, theta)
            v_new = _objective(r, c_new)
            good = _ordered(d_new, valid) & (v_new >= value - 1e-10 * np.abs(value))
            if np.all(good):
                break
            scale = np.where(good, scale, scale / 2)
        if not np.all(good):  # no ascent found: keep those items where they are
            scale = np.where(good, scale, 0.0)
            a_new = a + scale * step[:, 0]
            d_new = np.where(valid, d + scale[:, None] * step[:, 1:], d)
            c_new = _curves(a_new, d_new, n_cat, theta)
            v_new = _objective(r, c_new)
        a, d, curves, value = a_new, d_new, c_new, v_new
        if np.max(np.abs(scale[:, None] * step)) < 1e-10:
            break
    return a, d


def _to_thresholds(a: FloatArray, d: FloatArray, valid: NDArray[np.bool_]) -> FloatArray:
    return np.where(valid, -d / a[:, None], np.nan)


def _starting_values(
    x: FloatArray, n_cat: NDArray[np.int64], ids: tuple[str, ...]
) -> tuple[FloatArray, FloatArray]:
    """Slopes from item-rest correlations, thresholds from cumulative proportions."""
    k = x.shape[1]
    m_max = int(n_cat.max())
    filled = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
    total = filled.sum(axis=1)
    slopes = np.empty(k)
    intercepts = np.zeros((k, m_max - 1))
    inv = NormalDist().inv_cdf
    negative = []
    for j in range(k):
        seen = ~np.isnan(x[:, j])
        rest = total[seen] - filled[seen, j]
        r = float(np.corrcoef(x[seen, j], rest)[0, 1]) if np.std(rest) > 0 else 0.0
        if not r > 0:
            negative.append(ids[j])
        lam = min(max(r, 0.1), 0.9)
        slopes[j] = 1.702 * lam / math.sqrt(1 - lam**2)
        col = x[seen, j]
        for c in range(1, int(n_cat[j])):
            p = float(np.mean(col >= c))
            tau = inv(min(max(1 - p, 1e-4), 1 - 1e-4))
            intercepts[j, c - 1] = -slopes[j] * tau / lam
    if negative:
        raise ValueError(
            f"items {negative} do not correlate positively with the rest of the items: the "
            "graded response model needs every item keyed in the direction of the trait; "
            "reverse-code them (m - 1 - x) or drop them before calibrating"
        )
    return slopes, intercepts


# --------------------------------------------------------------------------- standard errors


def _observed_information(
    data: _Data,
    curves: _Curves,
    post: FloatArray,
    r: FloatArray,
    theta: FloatArray,
    free: NDArray[np.bool_],
) -> FloatArray:
    """Observed information of the marginal log-likelihood (Louis, 1982), free parameters.

    ``-d2 l = -sum_i E[H_i] - sum_i (E[s_i s_i'] - E[s_i] E[s_i]')``; the expectations are
    over each respondent's posterior on the nodes, ``s`` and ``H`` are complete-data item
    scores and Hessians in the slope-intercept parameters.
    """
    k, q, m_max = curves.prob.shape
    _, hess = _item_gradient_hessian(r, curves, theta, exact=True)  # block diagonal part
    g = _first_derivatives(curves, theta)
    score = g * _inverse(curves.prob)[..., None]  # (k, q, c, p): d log P_c / d params
    n_par = k * m_max
    info = np.zeros((n_par, n_par))
    for j in range(k):
        sl = slice(j * m_max, (j + 1) * m_max)
        info[sl, sl] -= hess[j]
    score_flat = score.transpose(1, 0, 2, 3).reshape(q, k * m_max, m_max)  # (q, kc, p)
    score4 = score_flat.reshape(q, k, m_max, m_max)
    chunk = max(1, 8_000_000 // max(1, q * k * m_max))
    cov = np.zeros((n_par, n_par))
    joint = np.zeros((k * m_max, k * m_max * q))
    score_mat = score_flat.reshape(q, k * m_max * m_max)
    for start in range(0, data.counts.size, chunk):
        stop = min(start + chunk, data.counts.size)
        y = data.onehot[start:stop]  # (b, kc)
        w = post[start:stop] * data.counts[start:stop, None]  # (b, q)
        # joint posterior-weighted category table: N[jc, le, q] = sum_i w_iq y_ijc y_ile
        joint += y.T @ (y[:, :, None] * w[:, None, :]).reshape(stop - start, -1)
        # E[s] per person: m_i[j, p] = sum_c y_ijc sum_q post_iq s_jc(q)
        t = (post[start:stop] @ score_mat).reshape(stop - start, k * m_max, m_max)
        mean = (t * y[:, :, None]).reshape(stop - start, k, m_max, m_max).sum(axis=2)
        mean = mean.reshape(stop - start, n_par)
        cov -= mean.T @ (mean * data.counts[start:stop, None])
    # E[s s'] summed over persons: sum_q sum_(c, e) N[jc, le, q] s_jc(q) s_le(q)'
    joint4 = joint.reshape(k * m_max, k, m_max, q)
    tmp = np.einsum("aleq,qler->aqlr", joint4, score4).reshape(k, m_max, q, k, m_max)
    cov += np.einsum("qjcp,jcqlr->jplr", score4, tmp).reshape(n_par, n_par)
    info -= cov
    keep = free.ravel()
    return info[np.ix_(keep, keep)]


def _standard_errors(
    info: FloatArray, a: FloatArray, d: FloatArray, free: NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray, bool]:
    k, m_max = free.shape
    full = np.full((k * m_max, k * m_max), np.nan)
    try:
        inv = np.linalg.inv(info)
        ok = bool(np.all(np.isfinite(inv)) and np.all(np.diag(inv) > 0))
    except np.linalg.LinAlgError:
        inv = np.full_like(info, np.nan)
        ok = False
    keep = free.ravel()
    full[np.ix_(keep, keep)] = inv
    slope_se = np.full(k, np.nan)
    threshold_se = np.full((k, m_max - 1), np.nan)
    for j in range(k):
        sl = slice(j * m_max, (j + 1) * m_max)
        block = full[sl, sl]
        slope_se[j] = math.sqrt(block[0, 0]) if block[0, 0] > 0 else np.nan
        for c in range(1, m_max):
            if not free[j, c]:
                continue
            # b_c = -d_c / a: gradient (d_c / a^2, -1 / a) over (a, d_c)
            jac = np.array([d[j, c - 1] / a[j] ** 2, -1.0 / a[j]])
            sub = block[np.ix_([0, c], [0, c])]
            var = float(jac @ sub @ jac)
            threshold_se[j, c - 1] = math.sqrt(var) if var > 0 else np.nan
    return slope_se, threshold_se, ok


# --------------------------------------------------------------------------- fit statistics


def _lord_wingersky(prob: FloatArray) -> FloatArray:
    """Summed-score likelihoods ``f(s | theta_q)``, prob (k, q, M) -> (q, S + 1)."""
    k, q, _ = prob.shape
    top = [int(np.max(np.nonzero(np.any(prob[j] > 0, axis=0))[0])) for j in range(k)]
    f = np.ones((q, 1))
    for j in range(k):
        m = top[j] + 1
        out = np.zeros((q, f.shape[1] + m - 1))
        for c in range(m):
            out[:, c : c + f.shape[1]] += f * prob[j, :, c : c + 1]
        f = out
    return f


def _item_fit(
    x: FloatArray,
    prob: FloatArray,
    weights: FloatArray,
    n_cat: NDArray[np.int64],
    ids: tuple[str, ...],
) -> tuple[tuple[ItemFit, ...], int]:
    from scipy.stats import chi2

    complete = x[~np.any(np.isnan(x), axis=1)].astype(np.int64)
    n_complete = complete.shape[0]
    k = x.shape[1]
    if n_complete == 0:
        return (), 0
    f_all = _lord_wingersky(prob)  # (q, S+1)
    den = weights @ f_all  # (S+1,)
    scores = complete.sum(axis=1)
    n_s = np.bincount(scores, minlength=f_all.shape[1]).astype(np.float64)
    fits = []
    for j in range(k):
        m = int(n_cat[j])
        others = np.concatenate([prob[:j], prob[j + 1 :]])
        f_rest = _lord_wingersky(others)  # (q, S - m + 2)
        table = np.zeros((f_all.shape[1], m))
        np.add.at(table, (scores, complete[:, j]), 1.0)
        stat = 0.0
        df = 0
        for s in np.nonzero(n_s)[0]:
            cats = [c for c in range(m) if 0 <= s - c < f_rest.shape[1]]
            if den[s] <= 0 or len(cats) < 1:
                continue
            expected = (
                np.array([weights @ (prob[j, :, c] * f_rest[:, s - c]) / den[s] for c in cats])
                * n_s[s]
            )
            observed = table[s, cats]
            e_cells, o_cells = list(expected), list(observed)
            while len(e_cells) > 1 and min(e_cells) < SX2_MIN_CELL:
                i = int(np.argmin(e_cells))
                if i == 0:
                    nb = 1
                elif i == len(e_cells) - 1:
                    nb = i - 1
                else:
                    nb = i - 1 if e_cells[i - 1] <= e_cells[i + 1] else i + 1
                e_cells[nb] += e_cells[i]
                o_cells[nb] += o_cells[i]
                del e_cells[i], o_cells[i]
            if len(e_cells) < 2:
                continue
            e_arr, o_arr = np.array(e_cells), np.array(o_cells)
            stat += float(np.sum((o_arr - e_arr) ** 2 / e_arr))
            df += len(e_cells) - 1
        df -= m
        p = float(chi2.sf(stat, df)) if df > 0 else float("nan")
        fits.append(ItemFit(item_id=ids[j], s_x2=stat, df=df, p_value=p, n=n_complete))
    return tuple(fits), n_complete


def _local_dependence(
    x: FloatArray, eap: FloatArray, model: GradedModel, ids: tuple[str, ...]
) -> LocalDependence:
    from relscales.irt import category_probabilities

    k = x.shape[1]
    p = category_probabilities(model, eap)  # (n, k, M)
    expected = p @ np.arange(p.shape[2], dtype=np.float64)
    resid = x - expected
    q3 = np.full((k, k), np.nan)
    for j in range(k):
        for m in range(j + 1, k):
            both = ~np.isnan(resid[:, j]) & ~np.isnan(resid[:, m])
            u, v = resid[both, j], resid[both, m]
            if u.size > 2 and np.std(u) > 0 and np.std(v) > 0:
                q3[j, m] = q3[m, j] = float(np.corrcoef(u, v)[0, 1])
    off = q3[~np.eye(k, dtype=bool)]
    mean_q3 = float(np.nanmean(off)) if np.any(~np.isnan(off)) else float("nan")
    pairs = [
        (ids[j], ids[m], float(q3[j, m]))
        for j in range(k)
        for m in range(j + 1, k)
        if not np.isnan(q3[j, m]) and abs(q3[j, m] - mean_q3) > Q3_FLAG
    ]
    pairs.sort(key=lambda t: -abs(t[2] - mean_q3))
    return LocalDependence(
        q3=q3, mean_q3=mean_q3, flagged=tuple(pairs), threshold=Q3_FLAG, reference=_Q3_REFERENCE
    )


# --------------------------------------------------------------------------- public API


def marginal_log_likelihood(
    responses: ArrayLike,
    model: GradedModel,
    *,
    quadrature: int | tuple[ArrayLike, ArrayLike] = 61,
) -> float:
    """Marginal log-likelihood of responses under a graded model.

    Parameters
    ----------
    responses : array_like, shape (n, k)
        Integer codes ``0..m_j - 1``, ``NaN`` for missing (contributes nothing).
    model : GradedModel
        Item parameters.
    quadrature : int or (nodes, weights)
        As in :func:`quadrature_grid`.

    Returns
    -------
    float
        ``sum_i log sum_q w_q prod_j P(x_ij | theta_q)`` over respondents with an answer.
    """
    from relscales.irt import log_likelihood_table

    x = np.array(responses, dtype=np.float64)
    nodes, weights = quadrature_grid(quadrature)
    table = log_likelihood_table(model, nodes)  # (k, M, q)
    x = x[~np.all(np.isnan(x), axis=1)]
    loglik = np.zeros((x.shape[0], nodes.size))
    for j in range(x.shape[1]):
        seen = ~np.isnan(x[:, j])
        loglik[seen] += table[j, x[seen, j].astype(np.int64)]
    loglik += np.log(weights)[None, :]
    top = loglik.max(axis=1, keepdims=True)
    return float(np.sum(np.log(np.exp(loglik - top).sum(axis=1)) + top[:, 0]))


def calibrate_grm(
    responses: ArrayLike,
    *,
    item_ids: Sequence[str] = (),
    n_categories: int | Sequence[int] | None = None,
    quadrature: int | tuple[ArrayLike, ArrayLike] = 61,
    max_iterations: int = 500,
    tolerance: float = 1e-6,
    start: GradedModel | None = None,
) -> Calibration:
    """Estimate graded response model parameters by marginal maximum likelihood (EM).

    Parameters
    ----------
    responses : array_like, shape (n, k)
        Integer codes ``0..m_j - 1`` (a 1-5 scale must be recoded 0-4), ``NaN`` for a
        missing answer; missing answers contribute nothing to the likelihood and rows with
        no answer are left out (and counted in ``notes``).
    item_ids : sequence of str, optional
        One id per column; default ``item1..itemk``.
    n_categories : int or sequence of int, optional
        Categories per item; default the largest observed code + 1 per item. A category
        that no respondent chose raises ``ValueError`` (its threshold has no estimate).
    quadrature : int or (nodes, weights), default 61
        See :func:`quadrature_grid`: equally spaced nodes on ``[-6, 6]`` with standard
        normal weights, or explicit nodes and weights.
    max_iterations : int, default 500
        EM cycles at most.
    tolerance : float, default 1e-6
        Convergence when the largest absolute change of any slope or threshold in one
        cycle is below this.
    start : GradedModel, optional
        Starting values; default from item-rest correlations and category proportions.

    Returns
    -------
    Calibration

    Raises
    ------
    ValueError
        Too few respondents, non-integer or negative codes, a constant item, an unobserved
        category, an item keyed against the others, or bad options; the message says what
        to pass.
    """
    x, n_cat, ids = _validate(responses, n_categories, item_ids)
    if max_iterations < 1:
        raise ValueError("max_iterations must be >= 1")
    if not tolerance > 0:
        raise ValueError("tolerance must be > 0, e.g. 1e-6")
    nodes, weights = quadrature_grid(quadrature)
    log_w = np.log(weights)
    k = x.shape[1]
    m_max = int(n_cat.max())
    valid = np.arange(1, m_max)[None, :] < n_cat[:, None]
    free = np.concatenate([np.ones((k, 1), dtype=bool), valid], axis=1)
    notes: list[str] = []

    if start is None:
        a, d = _starting_values(x, n_cat, ids)
    else:
        if start.n_items != k or not np.array_equal(start.n_categories, n_cat):
            raise ValueError(
                "start must be a GradedModel with the same items and n_categories as the data"
            )
        a = np.array(start.slopes, dtype=np.float64)
        d = np.where(valid, -a[:, None] * np.nan_to_num(start.thresholds), 0.0)
    d = np.where(valid, d, 0.0)
    data = _prepare(x, m_max)
    n = int(data.counts.sum())
    if n < x.shape[0]:
        notes.append(f"{x.shape[0] - n} respondents with no answer were left out")

    a, d, iteration, converged, max_change = _em(
        data, a, d, n_cat, nodes, log_w, max_iterations, tolerance
    )
    return _finish(
        x,
        data,
        a,
        d,
        n_cat,
        ids,
        nodes,
        weights,
        free,
        valid,
        iteration,
        converged,
        max_change,
        notes,
    )


def _em(
    data: _Data,
    a: FloatArray,
    d: FloatArray,
    n_cat: NDArray[np.int64],
    nodes: FloatArray,
    log_w: FloatArray,
    max_iterations: int,
    tolerance: float,
) -> tuple[FloatArray, FloatArray, int, bool, float]:
    """EM cycles accelerated by SQUAREM (Varadhan & Roland, 2008, scheme S3).

    Every cycle is counted (plain and extrapolated ones). Convergence is judged on the
    plain EM step: the largest absolute change of a slope or threshold below ``tolerance``.
    """
    k, width = d.shape
    valid = np.arange(1, width + 1)[None, :] < n_cat[:, None]

    def step(a0: FloatArray, d0: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        loglik, _, r = _estep(data, _curves(a0, d0, n_cat, nodes), log_w)
        a1, d1 = _mstep(r, a0, d0, n_cat, nodes)
        return loglik, a1, d1

    def change(a0: FloatArray, d0: FloatArray, a1: FloatArray, d1: FloatArray) -> float:
        db = np.abs(_to_thresholds(a1, d1, valid) - _to_thresholds(a0, d0, valid))[valid]
        return float(max(np.max(np.abs(a1 - a0)), np.max(db)))

    def pack(a0: FloatArray, d0: FloatArray) -> FloatArray:
        return np.concatenate([a0, d0.ravel()])

    iteration = 0
    max_change = float("inf")
    while iteration < max_iterations:
        ll0, a1, d1 = step(a, d)
        iteration += 1
        max_change = change(a, d, a1, d1)
        if max_change < tolerance or iteration >= max_iterations:
            return a1, d1, iteration, max_change < tolerance, max_change
        _, a2, d2 = step(a1, d1)
        iteration += 1
        x0, x1, x2 = pack(a, d), pack(a1, d1), pack(a2, d2)
        r_vec, v_vec = x1 - x0, x2 - 2 * x1 + x0
        alpha = -math.sqrt(float(r_vec @ r_vec) / max(float(v_vec @ v_vec), 1e-300))
        alpha = min(-1.0, max(alpha, -64.0))
        x_new = x0 - 2 * alpha * r_vec + alpha**2 * v_vec
        a_new, d_new = x_new[:k], np.where(valid, x_new[k:].reshape(k, width), 0.0)
        accepted = False
        if np.all(a_new > 0) and np.all(_ordered(d_new, valid)) and iteration < max_iterations:
            ll_new, a3, d3 = step(a_new, d_new)  # stabilising EM step
            iteration += 1
            if ll_new >= ll0:
                a, d, accepted = a3, d3, True
        if not accepted:
            a, d = a2, d2
    return a, d, iteration, False, max_change


def _finish(
    x: FloatArray,
    data: _Data,
    a: FloatArray,
    d: FloatArray,
    n_cat: NDArray[np.int64],
    ids: tuple[str, ...],
    nodes: FloatArray,
    weights: FloatArray,
    free: NDArray[np.bool_],
    valid: NDArray[np.bool_],
    iteration: int,
    converged: bool,
    max_change: float,
    notes: list[str],
) -> Calibration:
    """Run the final E-step; add standard errors, fit statistics and notes."""
    if np.any(a <= 0):
        bad = [ids[j] for j in range(a.size) if a[j] <= 0]
        raise ValueError(
            f"items {bad} reached a non-positive slope: they do not measure the trait in the "
            "keyed direction; reverse-code or drop them before calibrating"
        )
    curves = _curves(a, d, n_cat, nodes)
    loglik, post, r = _estep(data, curves, np.log(weights))
    info = _observed_information(data, curves, post, r, nodes, free)
    slope_se, threshold_se, ok = _standard_errors(info, a, d, free)
    if not ok:
        notes.append(
            "the observed information is not positive definite: standard errors are unreliable"
        )
    steep = [ids[j] for j in range(a.size) if a[j] > 10]
    if steep:
        notes.append(
            f"items {steep} have a very large slope (> 10): their answers are nearly "
            "determined by another item or the trait; check for duplicated or locally "
            "dependent items"
        )
    if not converged:
        notes.append(
            f"EM did not converge in {iteration} cycles (largest change {max_change:.3g}); "
            "pass a larger max_iterations"
        )
    model = GradedModel(
        slopes=a, thresholds=_to_thresholds(a, d, valid), n_categories=n_cat, item_ids=ids
    )
    item_fit, n_complete = _item_fit(x, curves.prob, weights, n_cat, ids)
    if n_complete < data.counts.sum():
        notes.append(f"S-X2 item fit uses the {n_complete} respondents who answered every item")
    misfit = [f.item_id for f in item_fit if f.p_value < 0.05 / len(ids)]
    if misfit:
        notes.append(f"S-X2 misfit at the Bonferroni level .05/{len(ids)}: {misfit}")
    eap_pattern = post @ nodes
    eap = np.full(x.shape[0], np.nan)
    eap[data.answered] = eap_pattern[data.inverse]
    ld = _local_dependence(x[data.answered], eap[data.answered], model, ids)
    if ld.flagged:
        notes.append(
            f"{len(ld.flagged)} item pairs with |Q3 - mean Q3| > {ld.threshold}: possible "
            "local dependence (see local_dependence.flagged)"
        )
    return Calibration(
        model=model,
        slope_se=slope_se,
        threshold_se=threshold_se,
        log_likelihood=loglik,
        n=int(data.counts.sum()),
        n_iterations=iteration,
        converged=converged,
        max_change=max_change,
        item_fit=item_fit,
        local_dependence=ld,
        notes=tuple(notes),
    )


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def _yaml_key(key: str) -> str:
    reserved = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}
    if _PLAIN_KEY.fullmatch(key) and key.lower() not in reserved:
        return key
    return json.dumps(key)


def _yaml_float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(float(value))
    # YAML 1.1 (PyYAML) reads 1e-05 as a string: give exponents a dot and a sign
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    if "e" in text and text.split("e")[1][0] not in "+-":
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e+{exponent}"
    return text


def _yaml_list(values: FloatArray) -> str:
    return ", ".join(_yaml_float(float(v)) for v in values)


def _relscales_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("relscales")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def to_yaml_block(calibration: Calibration, *, sample: str, source: str, licence: str) -> str:
    """Render the calibrated parameters as a YAML ``irt:`` block for an instrument file.

    Parameters
    ----------
    calibration : Calibration
        The result of :func:`calibrate_grm`.
    sample : str
        Who answered (population, country, year, recruitment).
    source : str
        Where the parameters come from (citation, data set, DOI).
    licence : str
        The licence under which the parameters may be redistributed.

    Returns
    -------
    str
        A block to paste under a subscale, in the instrument format's ``irt`` schema
        (``relscales.spec.IrtSpec``): ``model: graded``, one flow mapping per item with
        ``slope``, ``thresholds``, ``slope_se`` and ``threshold_se`` at full precision
        (``repr``), and ``calibration`` with ``source``, ``licence``, ``n``, ``sample``,
        ``log_likelihood`` and a ``note`` naming the relscales version, the method and
        whether EM converged.

    Notes
    -----
    The thresholds are in the order of the codes the model was fitted on: calibrate on
    keyed data (reversed items already reversed), as the format expects.
    """
    model = calibration.model
    ids = model.item_ids or tuple(f"item{j + 1}" for j in range(model.n_items))
    lines = ["irt:", "  model: graded", "  items:"]
    for j, item in enumerate(ids):
        m = int(model.n_categories[j])
        fields = [
            f"slope: {_yaml_float(model.slopes[j])}",
            f"thresholds: [{_yaml_list(model.thresholds[j, : m - 1])}]",
        ]
        if np.isfinite(calibration.slope_se[j]):
            fields.append(f"slope_se: {_yaml_float(calibration.slope_se[j])}")
        if np.all(np.isfinite(calibration.threshold_se[j, : m - 1])):
            fields.append(f"threshold_se: [{_yaml_list(calibration.threshold_se[j, : m - 1])}]")
        lines.append(f"    {_yaml_key(item)}: {{{', '.join(fields)}}}")
    note = (
        f"relscales {_relscales_version()} calibrate_grm: marginal maximum likelihood (EM), "
        f"{calibration.n_iterations} cycles, "
        + ("converged" if calibration.converged else "NOT converged")
        + "; standard errors from the observed information (Louis 1982)"
    )
    meta = [
        ("source", json.dumps(source, ensure_ascii=False)),
        ("licence", json.dumps(licence, ensure_ascii=False)),
        ("n", str(calibration.n)),
        ("sample", json.dumps(sample, ensure_ascii=False)),
        ("log_likelihood", _yaml_float(calibration.log_likelihood)),
        ("note", json.dumps(note, ensure_ascii=False)),
    ]
    lines.append("  calibration:")
    lines.extend(f"    {key}: {value}" for key, value in meta)
    return "\n".join(lines) + "\n"

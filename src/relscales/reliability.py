"""Reliability of a scale: Cronbach's alpha, item analysis and McDonald's omega.

Every function takes an ``(n, k)`` float array of **already reverse-keyed** answers,
with ``NaN`` marking a missing answer, and returns a frozen result object at full
precision (never rounded). Only numpy is imported at module level; scipy is imported
inside the functions that need it (F quantiles, the minres optimiser).

The statistics follow R ``psych`` 2.2.9 (``alpha(x, use = "pairwise")`` and
``omega(x, nfactors, fm = "minres", rotate = "oblimin")``) and are cross-checked
against its output in ``tests/r/fixtures``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from relscales.moments import BootstrapAlpha, PairwiseMoments

__all__ = [
    "AlphaCI",
    "ItemAnalysisResult",
    "ItemStatistics",
    "OmegaResult",
    "ReliabilityResult",
    "alpha_from_moments",
    "bootstrap_seed",
    "cronbach_alpha",
    "item_analysis",
    "item_analysis_from_moments",
    "omega",
    "omega_from_correlation",
    "pairwise_covariance",
]

FloatArray = NDArray[np.float64]
AlphaCI = Literal["feldt", "bootstrap"]


# ---------------------------------------------------------------------------------------------
# Result objects
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReliabilityResult:
    """Cronbach's alpha of a scale with a confidence interval.

    Attributes
    ----------
    estimate
        Raw alpha from the pairwise-complete covariance matrix (psych ``raw_alpha``).
    ci_low, ci_high
        Confidence interval at ``confidence_level`` (``NaN`` when it cannot be computed).
    n
        Rows passed in (psych's ``nrow(x)``, the n of its Feldt interval).
    k
        Number of items.
    method
        How the interval was computed: ``"feldt"`` or ``"bootstrap"``.
    std_alpha
        Standardized alpha from ``cov2cor`` of the covariance matrix (psych ``std.alpha``).
    lambda6
        Guttman's lambda 6 (psych ``G6(smc)``).
    mean_r
        Mean inter-item correlation (psych ``average_r``).
    n_complete
        Rows with every item answered.
    confidence_level
        Level of the interval.
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    method: AlphaCI
    std_alpha: float
    lambda6: float
    mean_r: float
    n_complete: int
    confidence_level: float


@dataclass(frozen=True, slots=True)
class ItemStatistics:
    """Statistics of one item (psych ``alpha()$item.stats`` and ``$alpha.drop``).

    Attributes
    ----------
    item_id
        The item's id.
    n
        Number of answers.
    mean, sd
        Mean and SD (``n - 1`` denominator) of the answers.
    raw_r
        Correlation of the item with the mean of the answered items, item included
        (psych ``raw.r``).
    std_r
        Item-total correlation from the correlation matrix (psych ``std.r``).
    r_cor
        ``std_r`` corrected for item overlap and reliability (psych ``r.cor``).
    r_drop
        Item-rest correlation from the pairwise covariance matrix (psych ``r.drop``).
    alpha_if_deleted
        Raw alpha of the other items (psych ``alpha.drop$raw_alpha``).
    frequencies
        Answer value -> proportion of the answers (missing answers excluded).
    looks_reversed
        ``r_drop < 0``: the item runs against the rest of the scale (mis-keyed?).
    """

    item_id: str
    n: int
    mean: float
    sd: float
    raw_r: float
    std_r: float
    r_cor: float
    r_drop: float
    alpha_if_deleted: float
    frequencies: dict[float, float]
    looks_reversed: bool


@dataclass(frozen=True, slots=True)
class ItemAnalysisResult:
    """Item analysis of one scale.

    Attributes
    ----------
    items
        One :class:`ItemStatistics` per item, in column order.
    """

    items: tuple[ItemStatistics, ...]

    def __getitem__(self, item_id: str) -> ItemStatistics:
        """Return the statistics of the item with this id."""
        for it in self.items:
            if it.item_id == item_id:
                return it
        raise KeyError(item_id)


@dataclass(frozen=True, slots=True)
class OmegaResult:
    """McDonald's omega from a Schmid-Leiman solution (psych ``omega()``).

    Attributes
    ----------
    omega_total
        ``1 - sum(u2) / sum(R)``.
    omega_hierarchical
        ``sum(g)^2 / sum(R)``.
    omega_limit
        ``omega_hierarchical / omega_total`` on the common variance (psych ``omega.lim``).
    alpha
        Standardized alpha of ``R``.
    lambda6
        Guttman's lambda 6 of ``R``.
    n_factors
        Number of group factors.
    general_loadings
        ``(k,)`` loadings on the general factor.
    group_loadings
        ``(k, n_factors)`` loadings on the residualised group factors.
    communalities, uniquenesses
        ``(k,)`` ``h2`` and ``u2`` of the Schmid-Leiman solution.
    rotation_converged
        Whether the oblimin rotation met its criterion within its 1000 iterations (psych
        warns when it does not; the loadings, and omega hierarchical most of all, are then
        not to be trusted: often too many group factors for the data).
    """

    omega_total: float
    omega_hierarchical: float
    omega_limit: float
    alpha: float
    lambda6: float
    n_factors: int
    general_loadings: FloatArray
    group_loadings: FloatArray
    communalities: FloatArray
    uniquenesses: FloatArray
    rotation_converged: bool = True


# ---------------------------------------------------------------------------------------------
# Matrix helpers
# ---------------------------------------------------------------------------------------------


def _as_items(items: ArrayLike) -> FloatArray:
    x = np.asarray(items, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"items must be a 2-D (respondents x items) array, got {x.ndim}-D")
    if x.shape[1] < 2:
        raise ValueError(f"reliability needs at least 2 items, got {x.shape[1]}")
    return x


def pairwise_covariance(items: ArrayLike) -> FloatArray:
    """Covariance matrix from pairwise-complete observations.

    Parameters
    ----------
    items
        ``(n, k)`` answers, ``NaN`` = missing.

    Returns
    -------
    numpy.ndarray
        ``(k, k)``; entry ``(i, j)`` is the sample covariance (``n_ij - 1``
        denominator) over the rows where both items are answered, ``NaN`` when fewer
        than two such rows exist.

    Notes
    -----
    With ``m`` the answered mask and ``x0`` the answers less an integer centre per
    column (the rounded column mean), missing set to 0, the pair sums are three matrix
    products: ``n_ij = m'm``, ``s_ij = x0'm`` (sum of item ``i`` over the rows where
    ``j`` is answered) and ``p_ij = x0'x0``; then
    ``cov_ij = (p_ij - s_ij s_ji / n_ij) / (n_ij - 1)``
    (:class:`relscales.moments.PairwiseMoments`, which also accumulates the sums batch
    by batch). This matches R ``cov(x, use = "pairwise")`` (to rounding).

    Examples
    --------
    >>> pairwise_covariance(np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 6.0]]))
    array([[1., 4.],
           [4., 8.]])
    """
    x = np.asarray(items, dtype=np.float64)
    return _moments(x).covariance()


def _moments(x: FloatArray, *, totals: bool = False, frequencies: bool = False) -> PairwiseMoments:
    """Return the sufficient statistics of one array (one batch)."""
    moments = PairwiseMoments(x.shape[1], totals=totals, frequencies=frequencies)
    moments.update(x)
    return moments


def _cov2cor(c: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        d = 1.0 / np.sqrt(np.diag(c))
        r = c * d[:, None] * d[None, :]
    np.fill_diagonal(r, 1.0)
    return np.asarray(r, dtype=np.float64)


def _smc(r: FloatArray) -> FloatArray:
    """Squared multiple correlations ``1 - 1/diag(pinv(R))``, clipped to [0, 1] (psych ``smc``).

    ``NaN`` throughout when ``R`` has a missing entry (psych then re-estimates from the
    available correlations; that recovery is not reproduced).
    """
    if not np.isfinite(r).all():
        return np.full(r.shape[0], np.nan)
    smc = 1.0 - 1.0 / np.diag(np.linalg.pinv(r))
    return np.asarray(np.clip(smc, 0.0, 1.0), dtype=np.float64)


def _raw_alpha(c: FloatArray) -> float:
    k = c.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):  # constant items: no variance, NaN
        return float(k / (k - 1) * (1.0 - np.trace(c) / c.sum()))


def _alpha_stats(c: FloatArray) -> tuple[float, float, float, float]:
    """Raw alpha, std alpha, lambda 6 and mean r of a covariance matrix (psych ``alpha.1``)."""
    k = c.shape[0]
    r = _cov2cor(c)
    sum_r = float(r.sum())
    std = k / (k - 1) * (1.0 - k / sum_r)
    g6 = 1.0 - (k - float(_smc(r).sum())) / sum_r
    mean_r = (sum_r - k) / (k * (k - 1))
    return _raw_alpha(c), std, g6, mean_r


def _feldt(alpha: float, n: int, k: int, level: float) -> tuple[float, float]:
    from scipy.special import fdtri  # the F quantile; lighter to import than scipy.stats

    if n < 2:
        return float("nan"), float("nan")
    p = 1.0 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * float(fdtri(df1, df2, 1.0 - p / 2.0))
    high = 1.0 - (1.0 - alpha) * float(fdtri(df1, df2, p / 2.0))
    return low, high


def bootstrap_seed(seed: int | np.random.Generator | None) -> int:
    """Return the integer key of the bootstrap's resampling weights.

    An integer is used as it is; a generator gives one draw; ``None`` fresh entropy.
    """
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return int(seed)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng()
    return int(rng.integers(0, 2**63))


def _percentile_interval(boots: FloatArray, level: float) -> tuple[float, float]:
    boots = boots[np.isfinite(boots)]
    if not boots.size:
        return float("nan"), float("nan")
    p = (1.0 - level) / 2.0
    q = np.quantile(boots, [p, 1.0 - p])
    return float(q[0]), float(q[1])


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def cronbach_alpha(
    items: ArrayLike,
    *,
    confidence_level: float = 0.95,
    ci: AlphaCI = "feldt",
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
) -> ReliabilityResult:
    """Cronbach's alpha with standardized alpha, Guttman's lambda 6 and a confidence interval.

    Parameters
    ----------
    items
        ``(n, k)`` answers, already reverse-keyed; ``NaN`` = missing.
    confidence_level
        Level of the interval, in (0, 1).
    ci
        ``"feldt"`` (F distribution, Feldt 1965) or ``"bootstrap"`` (percentile).
    n_boot
        Bootstrap resamples (``ci="bootstrap"`` only).
    seed
        Key of the bootstrap's resampling weights: an integer, a generator (one draw is
        taken) or ``None`` (fresh entropy).

    Returns
    -------
    ReliabilityResult
        Full-precision estimates.

    Notes
    -----
    With ``C`` the pairwise-complete covariance matrix (each entry over the rows where
    both items are answered, ``n_ij - 1`` denominator), ``R = cov2cor(C)`` and ``k``
    items:

    - ``alpha = k/(k-1) * (1 - tr(C)/sum(C))``;
    - ``std_alpha = k/(k-1) * (1 - k/sum(R))``;
    - ``lambda6 = 1 - sum(1 - smc)/sum(R)`` with ``smc = 1 - 1/diag(R^-1)`` clipped to
      [0, 1] (pseudo-inverse);
    - ``mean_r = (sum(R) - k)/(k(k-1))``.

    The Feldt interval is ``1 - (1 - alpha) F_q(n-1, (n-1)(k-1))`` with ``n`` the
    number of rows passed, including rows with no answer, as psych does. The bootstrap
    is a Poisson bootstrap (Hanley & MacGibbon, 2006): each row enters each resample
    with a Poisson(1) weight that depends only on the seed and the row's position
    (:func:`relscales.moments.poisson_weights`), so resamples are built batch by batch
    without holding the rows, and partitions merge exactly. Within a resample alpha is
    computed from the **complete** rows (pairwise deletion is not used there), through
    one product of the weight matrix with per-row moments, so no Python loop runs over
    resamples. The interval is the percentile interval (quantile type 7, as R
    ``quantile``). psych draws multinomial resamples of size ``n`` instead; the two
    agree asymptotically (the weights have mean 1 and variance 1 in both).

    This matches ``psych::alpha(x, use = "pairwise")`` (``raw_alpha``, ``std.alpha``,
    ``G6(smc)``, ``average_r``) and ``psych::alpha.ci`` to 1e-6 on the fixtures in
    ``tests/r/fixtures``.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16, 297-334.
    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty. *Psychometrika*, 30, 357-370.
    Guttman, L. (1945). A basis for analyzing test-retest reliability.
    *Psychometrika*, 10, 255-282.
    Hanley, J. A., & MacGibbon, B. (2006). Creating non-parametric bootstrap samples
    using Poisson frequencies. *Computer Methods and Programs in Biomedicine*, 83,
    57-62.

    Examples
    --------
    >>> x = np.array([[1.0, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4]])
    >>> res = cronbach_alpha(x)
    >>> round(res.estimate, 4), res.k, res.method
    (0.9485, 3, 'feldt')
    """
    x = _as_items(items)
    _check_alpha_options(confidence_level, ci, n_boot)
    moments = _moments(x)
    boots = None
    if ci == "bootstrap":
        assert moments.shift is not None
        boots = BootstrapAlpha(x.shape[1], n_boot, bootstrap_seed(seed), moments.shift)
        boots.update(x, 0)
    return alpha_from_moments(moments, confidence_level=confidence_level, bootstrap=boots)


def _check_alpha_options(confidence_level: float, ci: str, n_boot: int) -> None:
    if not 0.0 < confidence_level < 1.0:
        raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level}")
    if ci not in ("feldt", "bootstrap"):
        raise ValueError(f"ci must be 'feldt' or 'bootstrap', got {ci!r}")
    if ci == "bootstrap" and n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")


def alpha_from_moments(
    moments: PairwiseMoments,
    *,
    confidence_level: float = 0.95,
    bootstrap: BootstrapAlpha | None = None,
) -> ReliabilityResult:
    """:func:`cronbach_alpha` from accumulated statistics (any number of batches).

    Parameters
    ----------
    moments
        The items' sums (:class:`relscales.moments.PairwiseMoments`).
    confidence_level
        Level of the interval.
    bootstrap
        The resample sums for a percentile interval; ``None`` gives the Feldt interval.
    """
    _check_alpha_options(confidence_level, "feldt", 1)
    k = moments.k
    if k < 2:
        raise ValueError(f"reliability needs at least 2 items, got {k}")
    n = moments.n_rows
    raw, std, g6, mean_r = _alpha_stats(moments.covariance())
    if bootstrap is None:
        low, high = _feldt(raw, n, k, confidence_level)
    else:
        low, high = _percentile_interval(bootstrap.alphas(), confidence_level)
    return ReliabilityResult(
        estimate=raw,
        ci_low=low,
        ci_high=high,
        n=n,
        k=k,
        method="feldt" if bootstrap is None else "bootstrap",
        std_alpha=std,
        lambda6=g6,
        mean_r=mean_r,
        n_complete=moments.n_complete,
        confidence_level=confidence_level,
    )


def item_analysis(items: ArrayLike, item_ids: Sequence[str]) -> ItemAnalysisResult:
    """Per-item statistics: item-total and item-rest correlations, alpha if deleted.

    Parameters
    ----------
    items
        ``(n, k)`` answers, already reverse-keyed; ``NaN`` = missing.
    item_ids
        ``k`` item ids, in column order.

    Returns
    -------
    ItemAnalysisResult
        One :class:`ItemStatistics` per item.

    Notes
    -----
    With ``C`` the pairwise covariance matrix, ``R = cov2cor(C)`` and ``RC`` equal to
    ``R`` with its diagonal replaced by the squared multiple correlations:

    - ``std_r = colSums(R)/sqrt(sum(R))``, ``r_cor = colSums(RC)/sqrt(sum(RC))``;
    - ``r_drop_i = (sum(C[:, i]) - C_ii) / sqrt(C_ii * sum(C[-i, -i]))``, from the
      matrix (with missing data this is not the raw item-rest correlation);
    - ``alpha_if_deleted_i`` is raw alpha of ``C[-i, -i]`` (no re-estimation);
    - ``raw_r`` is the pairwise correlation of the item with the respondent's mean of
      the answered items (item included); rows with no answer are ignored.

    ``looks_reversed`` flags ``r_drop < 0``. This matches ``psych::alpha(x, use =
    "pairwise")$item.stats`` (``n``, ``raw.r``, ``std.r``, ``r.cor``, ``r.drop``,
    ``mean``, ``sd``) and ``$alpha.drop$raw_alpha`` to 1e-6 on the fixtures.

    References
    ----------
    Revelle, W. (2022). *psych: Procedures for Psychological, Psychometric, and
    Personality Research*, version 2.2.9, function ``alpha``.

    Examples
    --------
    >>> x = np.array([[1.0, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 4]])
    >>> res = item_analysis(x, ["a", "b", "c"])
    >>> round(res["a"].r_drop, 4), res["a"].looks_reversed
    (0.9923, False)
    """
    x = _as_items(items)
    ids = list(item_ids)
    k = x.shape[1]
    if len(ids) != k:
        raise ValueError(f"{len(ids)} item ids for {k} item columns")
    return item_analysis_from_moments(_moments(x, totals=True, frequencies=True), ids)


def item_analysis_from_moments(
    moments: PairwiseMoments, item_ids: Sequence[str]
) -> ItemAnalysisResult:
    """:func:`item_analysis` from accumulated statistics (``totals`` and ``frequencies`` on)."""
    ids = list(item_ids)
    k = moments.k
    if len(ids) != k:
        raise ValueError(f"{len(ids)} item ids for {k} item columns")
    c = moments.covariance()
    r = _cov2cor(c)
    rc = r.copy()
    np.fill_diagonal(rc, _smc(r))
    with np.errstate(invalid="ignore", divide="ignore"):
        std_r = r.sum(axis=0) / np.sqrt(r.sum())
        r_cor = rc.sum(axis=0) / np.sqrt(rc.sum())
    diag = np.diag(c)
    col = c.sum(axis=0)
    rest_var = c.sum() - 2.0 * col + diag  # sum(C[-i, -i])
    with np.errstate(invalid="ignore", divide="ignore"):
        r_drop = (col - diag) / np.sqrt(diag * rest_var)
    n_item = moments.count()
    mean, sd = moments.mean(), moments.sd()
    raw_r = moments.item_total_correlation()
    freqs = moments.frequencies()
    stats: list[ItemStatistics] = []
    for i in range(k):
        keep = [j for j in range(k) if j != i]
        if k > 2:
            alpha_drop = _raw_alpha(c[np.ix_(keep, keep)])
        else:  # psych's two-item case: the covariance over the other item's variance
            with np.errstate(invalid="ignore", divide="ignore"):
                alpha_drop = float(c[0, 1] / c[keep[0], keep[0]])
        stats.append(
            ItemStatistics(
                item_id=ids[i],
                n=int(n_item[i]),
                mean=float(mean[i]) if n_item[i] else float("nan"),
                sd=float(sd[i]) if n_item[i] > 1 else float("nan"),
                raw_r=float(raw_r[i]),
                std_r=float(std_r[i]),
                r_cor=float(r_cor[i]),
                r_drop=float(r_drop[i]),
                alpha_if_deleted=alpha_drop,
                frequencies=freqs[i],
                looks_reversed=bool(r_drop[i] < 0),
            )
        )
    return ItemAnalysisResult(items=tuple(stats))


# ---------------------------------------------------------------------------------------------
# Omega: minres factor analysis, oblimin rotation, Schmid-Leiman
# ---------------------------------------------------------------------------------------------


def _pairwise_correlation(x: FloatArray) -> FloatArray:
    """R ``cor(x, use = "pairwise")``: each pair's own means and SDs over its common rows."""
    return _moments(x).correlation()


def _top_loadings(s: FloatArray, n_factors: int) -> FloatArray:
    values, vectors = np.linalg.eigh(s)
    order = np.argsort(values)[::-1][:n_factors]
    return np.asarray(vectors[:, order] * np.sqrt(np.maximum(values[order], 0.0)), dtype=np.float64)


def _minres(r: FloatArray, n_factors: int) -> FloatArray:
    """Unrotated minres loadings, as psych ``fa(r, nfactors, fm = "minres")`` finds them."""
    from scipy.optimize import minimize

    k = r.shape[0]
    lower = np.tril_indices(k, -1)
    eps = np.finfo(np.float64).eps

    def fit_residuals(psi: FloatArray) -> float:
        s = r.copy()
        np.fill_diagonal(s, 1.0 - psi)
        values, vectors = np.linalg.eigh(s)
        order = np.argsort(values)[::-1][:n_factors]
        vals = np.where(values[order] < eps, 100 * eps, values[order])
        load = vectors[:, order] * np.sqrt(vals)
        resid = (s - load @ load.T)[lower]
        return float(np.sum(resid * resid))

    def gradient(psi: FloatArray) -> FloatArray:  # psych's FAgr.minres
        load = _top_loadings(r - np.diag(psi), n_factors)
        return np.asarray(np.sum(load * load, axis=1) + psi - np.diag(r), dtype=np.float64)

    start = np.diag(r) - _smc(r)
    scale = 0.01  # optim's parscale: the optimiser works on psi / 0.01
    upper = max(float(_smc(r).max()), 1.0)
    res = minimize(
        lambda z: fit_residuals(z * scale),
        start / scale,
        jac=lambda z: gradient(z * scale) * scale,
        method="L-BFGS-B",
        bounds=[(0.005 / scale, upper / scale)] * k,
        options={"maxcor": 5, "ftol": 1e7 * eps, "gtol": 0.0, "maxiter": 100},
    )
    psi = np.asarray(res.x, dtype=np.float64) * scale
    load = _top_loadings(r - np.diag(psi), n_factors)
    signs = np.sign(load.sum(axis=0))
    signs[signs == 0] = 1.0
    return np.asarray(load * signs, dtype=np.float64)


def _varimax(a: FloatArray, *, eps: float = 1e-5, max_iter: int = 1000) -> FloatArray:
    """Kaiser-normalised varimax, as R ``stats::varimax(a)`` (Kaiser, 1958).

    psych's ``schmid`` (behind ``omega``) rotates the minres loadings by varimax before
    oblimin. The oblimin criterion does not depend on the start, but the gradient
    projection's path does: from the unrotated loadings it can stall on a flat part of the
    criterion (one-factor data with three group factors), from the varimax solution it
    reaches psych's optimum.
    """
    scale = np.sqrt(np.sum(a * a, axis=1))
    x = a / scale[:, None]
    p = x.shape[0]
    rotation = np.eye(a.shape[1])
    d = 0.0
    for _ in range(max_iter):
        z = x @ rotation
        b = x.T @ (z**3 - z * (np.sum(z * z, axis=0) / p))
        u, sv, vt = np.linalg.svd(b)
        rotation = u @ vt
        previous, d = d, float(np.sum(sv))
        if d < previous * (1.0 + eps):
            break
    return np.asarray((x @ rotation) * scale[:, None], dtype=np.float64)


def _oblimin(
    a: FloatArray, *, eps: float = 1e-5, max_iter: int = 1000
) -> tuple[FloatArray, FloatArray, bool]:
    """Direct oblimin (gamma 0, quartimin) by gradient projection (GPArotation ``GPFoblq``).

    ``eps`` and ``max_iter`` are GPArotation's defaults, which psych's ``fa`` uses; the
    third value says whether the criterion was met.
    """
    m = a.shape[1]
    off = 1.0 - np.eye(m)

    def vgq(loadings: FloatArray) -> tuple[FloatArray, float]:
        l2 = loadings * loadings
        x = l2 @ off
        return loadings * x, float(np.sum(l2 * x) / 4.0)

    t = np.eye(m)
    load = a.copy()
    gq, f = vgq(load)
    g = -(load.T @ gq @ np.linalg.inv(t)).T
    al = 1.0
    converged = False
    for _ in range(max_iter + 1):  # GPFoblq's `for (iter in 0:maxit)`
        gp = g - t * np.sum(t * g, axis=0)
        s = float(np.sqrt(np.sum(gp * gp)))
        if s < eps:
            converged = True
            break
        al *= 2.0
        for _ in range(11):
            xm = t - al * gp
            tt = xm / np.sqrt(np.sum(xm * xm, axis=0))
            load = a @ np.linalg.inv(tt).T
            gqt, ft = vgq(load)
            if f - ft > 0.5 * s * s * al:
                break
            al /= 2.0
        t, f = tt, ft
        g = -(load.T @ gqt @ np.linalg.inv(t)).T
    return load, t.T @ t, converged


def omega(items: ArrayLike, *, n_factors: int = 3) -> OmegaResult:
    """McDonald's omega (hierarchical and total) from a Schmid-Leiman transformation.

    Parameters
    ----------
    items
        ``(n, k)`` answers, already reverse-keyed; ``NaN`` = missing.
    n_factors
        Number of group factors (at least 3: with 2 the general factor is not identified).

    Returns
    -------
    OmegaResult
        Full-precision estimates and the Schmid-Leiman loadings.

    Notes
    -----
    ``R`` is the pairwise correlation matrix (each pair with its own means and SDs, R
    ``cor(x, use = "pairwise")``). ``n_factors`` factors are extracted by minres:
    the uniquenesses ``psi`` minimise the sum of squared off-diagonal residuals of
    ``R`` given the top ``n_factors`` eigenpairs of ``R`` with ``1 - psi`` on the
    diagonal, by L-BFGS-B from ``1 - smc`` with psych's gradient and scaling. The
    loadings are rotated by varimax (Kaiser-normalised, R's ``stats::varimax``), then,
    from there, by direct oblimin (gamma 0, GPArotation's gradient projection), as
    psych's ``schmid`` does, to a pattern ``F`` and factor correlations ``Phi``; one minres factor
    of ``Phi`` gives the second-order loadings ``g2``; the general loadings are
    ``g = F g2``. With ``h2`` the communalities of the minres solution and
    ``u2 = 1 - h2``:

    - ``omega_hierarchical = sum(g)^2 / sum(R)``;
    - ``omega_total = 1 - sum(u2) / sum(R)``.

    This matches ``psych::omega(x, nfactors, fm = "minres", rotate = "oblimin")``
    (``omega_h``, ``omega.tot``, ``omega.lim``, ``alpha``, ``G6`` and
    ``$schmid$sl``) to 1e-3 on a well-conditioned solution. psych's ``flip`` of items
    with negative general loadings is not done (items are expected already keyed),
    and ill-posed solutions (Heywood cases) may differ from psych's.

    References
    ----------
    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
    Schmid, J., & Leiman, J. M. (1957). The development of hierarchical factor
    solutions. *Psychometrika*, 22, 53-61.
    Jennrich, R. I. (2002). A simple general method for oblique rotation.
    *Psychometrika*, 67, 7-19.
    Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor
    analysis. *Psychometrika*, 23, 187-200.
    Revelle, W., & Zinbarg, R. E. (2009). Coefficients alpha, beta, omega, and the
    glb. *Psychometrika*, 74, 145-154.
    """
    x = _as_items(items)
    return omega_from_correlation(_pairwise_correlation(x), n_factors=n_factors)


def omega_from_correlation(r: ArrayLike, *, n_factors: int = 3) -> OmegaResult:
    """:func:`omega` from an item correlation matrix (e.g. merged from batches).

    Parameters
    ----------
    r
        ``(k, k)`` correlation matrix of the keyed items
        (:meth:`relscales.moments.PairwiseMoments.correlation`).
    n_factors
        Number of group factors (at least 3).
    """
    r = np.asarray(r, dtype=np.float64)
    k = r.shape[0]
    if n_factors < 3:
        raise ValueError(f"omega needs at least 3 group factors, got {n_factors}")
    if k < 2 * n_factors:
        raise ValueError(f"{k} items are too few for {n_factors} group factors")
    orth = _varimax(_minres(r, n_factors))  # psych::schmid's start for oblimin
    pattern, phi, converged = _oblimin(orth)
    g2 = _minres(phi, 1)[:, 0]
    general = pattern @ g2
    if general.sum() < 0:  # orient the general factor positively, as psych reports it
        general = -general
    h2 = np.sum(orth * orth, axis=1)
    u2 = 1.0 - h2
    uniq2 = np.clip(1.0 - (1.0 - pattern * pattern) - (pattern * g2) ** 2, 0.0, None)
    group = np.sign(pattern) * np.sqrt(uniq2)
    vt = float(r.sum())
    if not vt > 0.0:
        raise ValueError(
            "the item correlations sum to zero or less (items keyed against each other?): "
            "omega is undefined"
        )
    gsq = float(general.sum()) ** 2
    sum_u2 = float(u2.sum())
    return OmegaResult(
        omega_total=(vt - sum_u2) / vt,
        omega_hierarchical=gsq / vt,
        omega_limit=gsq / (vt - sum_u2),
        alpha=(vt - k) / vt * k / (k - 1),
        lambda6=(vt + float(_smc(r).sum()) - k) / vt,
        n_factors=n_factors,
        general_loadings=general,
        group_loadings=group,
        communalities=h2,
        uniquenesses=u2,
        rotation_converged=converged,
    )

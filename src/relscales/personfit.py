"""Person-fit statistics for polytomous (graded) items.

Two statistics, both computed for all respondents at once on an ``(n, k)`` array of
0-based category codes (``NaN`` = missing); loops run over items or item steps only:

=================  =====================================  ===============  ====================
statistic          what it compares                       misfit is        default cut-off
=================  =====================================  ===============  ====================
:func:`lz_poly`    log-likelihood of the answers under    low values       -1.645 (one-sided
                   a graded response model, standardised                   5 % of N(0, 1))
                   (``lz*p``, Sinharay 2016; or ``lzp``,
                   Drasgow, Levine & Williams 1985)
:func:`gnormed_    Guttman errors between item steps      high values      95th percentile under
poly`              ordered by sample popularity, divided                   a nonparametric
                   by their maximum for the total score                    reference (Tendeiro
                   (Emons 2008)                                            et al. 2016)
=================  =====================================  ===============  ====================

The statistics are validated against the formulas in the references (see
``docs/methods-personfit.md``) and against the definitions in the R package
``PerFit`` 1.4.6 (``lzpoly``, ``Gnormed.poly``, ``cutoff``), whose differences from
this module are stated in each function's Notes.

References
----------
Drasgow, F., Levine, M. V., & Williams, E. A. (1985). Appropriateness measurement
with polychotomous item response models and standardized indices. *British Journal of
Mathematical and Statistical Psychology, 38*(1), 67-86.
https://doi.org/10.1111/j.2044-8317.1985.tb00817.x

Emons, W. H. M. (2008). Nonparametric person-fit analysis of polytomous item scores.
*Applied Psychological Measurement, 32*(3), 224-247.
https://doi.org/10.1177/0146621607302479

Sinharay, S. (2016). Asymptotically correct standardization of person-fit statistics
beyond dichotomous items. *Psychometrika, 81*(4), 992-1013.
https://doi.org/10.1007/s11336-015-9465-x

Snijders, T. A. B. (2001). Asymptotic null distribution of person fit statistics
with estimated person parameter. *Psychometrika, 66*(3), 331-342.
https://doi.org/10.1007/BF02294437

Tendeiro, J. N., Meijer, R. R., & Niessen, A. S. M. (2016). PerFit: An R package for
person-fit analysis in IRT. *Journal of Statistical Software, 74*(5), 1-27.
https://doi.org/10.18637/jss.v074.i05
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from relscales.irt import GradedModel

__all__ = [
    "Direction",
    "Estimator",
    "GnormedCounts",
    "GnormedReference",
    "PersonFit",
    "gnormed_poly",
    "gnormed_reference_threshold",
    "lz_poly",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

Direction = Literal["low is misfit", "high is misfit"]
Estimator = Literal["ml", "map", "wle"]

_TINY = np.finfo(np.float64).tiny
# relative size below which a variance counts as zero (a perfect or near-degenerate pattern)
_REL_EPS = 1e-10
# respondents per block in lz_poly: keeps the (block, m) temporaries in cache
_CHUNK = 32_768


@dataclass(frozen=True)
class PersonFit:
    """Person-fit statistic of every respondent and who it flags.

    Attributes
    ----------
    statistic
        ``(n,)`` value per respondent; ``NaN`` where it cannot be computed (fewer than
        two answered items, no finite ability estimate, a zero-variance expectation).
    name
        ``"lz*p"``, ``"lzp"`` or ``"Gnormed.poly"``.
    flagged
        ``(n,)`` ``True`` where the statistic is beyond ``threshold`` in the misfit
        direction; ``NaN`` never flags.
    threshold
        The cut-off used.
    direction
        ``"low is misfit"`` (``lz*p``, ``lzp``: flagged when ``statistic < threshold``)
        or ``"high is misfit"`` (``Gnormed.poly``: flagged when ``statistic >
        threshold``).
    n_answered
        ``(n,)`` number of answered (non-missing) items.
    """

    statistic: FloatArray
    name: str
    flagged: BoolArray
    threshold: float
    direction: Direction
    n_answered: IntArray


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _check_categories(n_categories: ArrayLike, k: int) -> IntArray:
    try:
        raw = np.asarray(n_categories, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "n_categories must be numbers: pass one integer >= 2 per item (5 for a 5-point item)"
        ) from exc
    if raw.ndim != 1 or raw.shape[0] != k:
        raise ValueError(
            f"n_categories has shape {raw.shape} but responses have {k} items: "
            f"pass one number of categories per item, shape ({k},)"
        )
    if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)) or np.any(raw < 2):
        raise ValueError(
            "n_categories must be whole numbers >= 2: pass the number of answer categories "
            "of each item (5 for a 5-point item)"
        )
    return raw.astype(np.int64)


def _check_responses(responses: ArrayLike, n_categories: IntArray | None) -> FloatArray:
    try:
        x = np.asarray(responses, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "responses must be numeric: pass an (n, k) array of 0-based category codes, "
            "NaN for a missing answer"
        ) from exc
    if x.ndim != 2:
        raise ValueError(
            f"responses must be a 2-D (respondents x items) array, got {x.ndim}-D: pass an "
            "(n, k) array of 0-based category codes, NaN for a missing answer"
        )
    if np.any(np.isinf(x)):
        raise ValueError("responses contain an infinite value: pass NaN for a missing answer")
    answered = ~np.isnan(x)
    if np.any(x[answered] != np.round(x[answered])) or np.any(x[answered] < 0):
        raise ValueError(
            "responses must be 0-based whole-number category codes (0, 1, ..., m - 1), "
            "NaN for a missing answer: recode answers such as 1-5 to 0-4"
        )
    if n_categories is not None:
        _check_top(x, n_categories)
    return x


def _check_top(x: FloatArray, n_categories: IntArray) -> None:
    """Raise unless every code of ``x`` (checked by :func:`_check_responses`) is in range."""
    top = np.fmax.reduce(x, axis=0, initial=-np.inf)  # NaN (missing) ignored
    bad = np.flatnonzero(top > n_categories - 1)
    if bad.size:
        j = int(bad[0])
        raise ValueError(
            f"responses column {j} has code {top[j]:g} but item {j} has "
            f"{n_categories[j]} categories (codes 0-{n_categories[j] - 1}): pass "
            "0-based category codes"
        )


def _model_arrays(model: GradedModel, k: int) -> tuple[FloatArray, FloatArray, IntArray]:
    slopes = np.asarray(model.slopes, dtype=np.float64)
    thresholds = np.asarray(model.thresholds, dtype=np.float64)
    n_cat = np.asarray(model.n_categories, dtype=np.int64)
    if slopes.shape != (k,):
        raise ValueError(
            f"the model has {slopes.shape[0] if slopes.ndim else 0} items but responses have "
            f"{k} columns: pass responses with one column per model item, in model order"
        )
    return slopes, thresholds, n_cat


def _check_theta(theta: ArrayLike, n: int) -> FloatArray:
    try:
        t = np.asarray(theta, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("theta must be numeric: pass one ability estimate per respondent") from exc
    if t.shape != (n,):
        raise ValueError(
            f"theta has shape {t.shape} but responses have {n} rows: pass one ability "
            f"estimate per respondent, shape ({n},), or theta=None to estimate it"
        )
    return t


# ---------------------------------------------------------------------------------------------
# lz*p / lzp
# ---------------------------------------------------------------------------------------------


def _log_sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(-np.logaddexp(0.0, -z), dtype=np.float64)


def _grm_item(
    a: float, b: FloatArray, theta: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Category probabilities, their logs and first two theta derivatives, one GRM item.

    Returns ``P``, ``ln P``, ``P'`` and ``P''``, each ``(n, m)``. ``ln P`` uses
    ``P_c = s(z_c) s(-z_{c+1}) (1 - exp(-a (b_{c+1} - b_c)))`` with ``z_c = a (theta -
    b_c)`` and ``s`` the logistic function, so small probabilities keep their relative
    precision.
    """
    n = theta.shape[0]
    m = b.shape[0] + 1
    z = a * (theta[:, None] - b[None, :])  # (n, m - 1)
    log_up = _log_sigmoid(z)
    log_down = _log_sigmoid(-z)
    logp = np.empty((n, m))
    logp[:, 0] = log_down[:, 0]
    logp[:, m - 1] = log_up[:, m - 2]
    if m > 2:
        gap = np.log(-np.expm1(-a * np.diff(b)))
        logp[:, 1 : m - 1] = log_up[:, :-1] + log_down[:, 1:] + gap[None, :]
    star = np.zeros((n, m + 1))
    star[:, 0] = 1.0
    star[:, 1:m] = np.exp(log_up)
    q = np.zeros((n, m + 1))
    q[:, 1:m] = np.exp(log_up + log_down)  # P*(1 - P*)
    d1 = a * q
    d2 = a * a * q * (1.0 - 2.0 * star)
    return np.exp(logp), logp, d1[:, :-1] - d1[:, 1:], d2[:, :-1] - d2[:, 1:]


def _default_theta(
    model: GradedModel, x: FloatArray, estimator: Estimator, prior_mean: float, prior_sd: float
) -> FloatArray:
    from relscales import irt

    if estimator == "wle":
        raise ValueError(
            'estimator="wle" needs theta: pass the weighted-likelihood estimates as theta, '
            'or use estimator="ml" or "map" to let lz_poly estimate them'
        )
    est = irt.score_theta(model, x, method=estimator, prior_mean=prior_mean, prior_sd=prior_sd)
    theta = np.asarray(est.theta, dtype=np.float64)
    return theta


def _lz_sums(
    x: FloatArray,
    answered: BoolArray,
    t: FloatArray,
    slopes: FloatArray,
    thresholds: FloatArray,
    n_cat: IntArray,
    corrected: bool,
    estimator: Estimator,
) -> FloatArray:
    """``l0``, ``E``, ``V``, ``I``, ``sum P' ln P`` and ``J`` over answered items, (6, n)."""
    out = np.zeros((6, t.shape[0]))
    for j in range(x.shape[1]):
        m = int(n_cat[j])
        p, logp, d1, d2 = _grm_item(float(slopes[j]), thresholds[j, : m - 1], t)
        p = np.maximum(p, _TINY)
        ans = answered[:, j]
        code = np.where(ans, x[:, j], 0.0).astype(np.intp)
        plogp = p * logp
        mean_j = plogp.sum(axis=1)
        out[0] += np.where(ans, np.take_along_axis(logp, code[:, None], axis=1)[:, 0], 0.0)
        out[1] += np.where(ans, mean_j, 0.0)
        out[2] += np.where(ans, (plogp * logp).sum(axis=1) - mean_j * mean_j, 0.0)
        if corrected:
            out[3] += np.where(ans, (d1 * d1 / p).sum(axis=1), 0.0)
            out[4] += np.where(ans, (d1 * logp).sum(axis=1), 0.0)
            if estimator == "wle":
                out[5] += np.where(ans, (d1 * d2 / p).sum(axis=1), 0.0)
    return out


def lz_poly(
    model: GradedModel,
    responses: ArrayLike,
    theta: ArrayLike | None = None,
    *,
    corrected: bool = True,
    threshold: float = -1.645,
    estimator: Estimator = "ml",
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
) -> PersonFit:
    r"""Standardised polytomous log-likelihood person fit, ``lz*p`` or ``lzp``.

    Parameters
    ----------
    model
        Graded response model of the items (:class:`relscales.irt.GradedModel`).
    responses
        ``(n, k)`` 0-based category codes in model item order; ``NaN`` = missing.
    theta
        ``(n,)`` ability estimates. ``None`` (default) estimates them with
        :func:`relscales.irt.score_theta` using ``estimator`` (``"ml"`` by default;
        ``"map"`` possible; ``"wle"`` needs ``theta``). With ``corrected=True`` the
        correction assumes ``theta`` came from ``estimator``.
    corrected
        ``True`` (default): ``lz*p``, corrected for the estimated ability (Sinharay,
        2016). ``False``: ``lzp`` (Drasgow, Levine & Williams, 1985) at ``theta``.
    threshold
        Flag respondents whose statistic is below this value; default -1.645, the
        one-sided 5 % point of the standard normal null distribution.
    estimator
        How ``theta`` was (or is to be) estimated: ``"ml"`` (maximum likelihood),
        ``"map"`` (posterior mode with a normal prior ``N(prior_mean, prior_sd^2)``)
        or ``"wle"`` (Warm's weighted likelihood). Only used by the correction and
        to estimate a missing ``theta``.
    prior_mean, prior_sd
        The normal prior of a ``"map"`` estimate (must match the one used to
        estimate ``theta``).

    Returns
    -------
    PersonFit
        ``name`` ``"lz*p"`` or ``"lzp"``, direction ``"low is misfit"``.

    Raises
    ------
    ValueError
        Malformed responses, ``theta`` of the wrong length, or a model that does not
        match the responses; the message says what to pass.

    Notes
    -----
    With ``d_jc = 1`` when item ``j`` is answered in category ``c`` and ``P_jc`` the
    GRM category probabilities at :math:`\hat\theta`, sums running over *answered*
    items only:

    .. math::

        l_0 = \sum_j \sum_c d_{jc} \ln P_{jc},\quad
        E = \sum_j \sum_c P_{jc} \ln P_{jc},\quad
        V = \sum_j \Big[\sum_c P_{jc} (\ln P_{jc})^2 - \big(\sum_c P_{jc}\ln P_{jc}\big)^2\Big]

    and ``lzp = (l0 - E) / sqrt(V)``. The corrected statistic follows Snijders' (2001)
    construction as generalised to polytomous items by Sinharay (2016): the
    estimating equation of :math:`\hat\theta` is
    :math:`\sum_j\sum_c d_{jc} r_{jc} + r_0 = 0` with :math:`r_{jc} = P'_{jc}/P_{jc}`
    and :math:`r_0 = 0` (ML), :math:`-(\theta-\mu)/\sigma^2` (MAP) or
    :math:`J/(2I)` (WLE), where :math:`I = \sum P'^2/P` and :math:`J = \sum P'P''/P`.
    With :math:`c_n = \sum_j\sum_c P'_{jc}\ln P_{jc} / I`,

    .. math::

        l_z^{*p} = \frac{l_0 - E + c_n r_0}{\sqrt{V - c_n^2 I}}.

    The denominator is the variance of the weights :math:`\ln P_{jc} - c_n r_{jc}`
    (the part of :math:`\ln P` not explained by the score function), so ``lz*p`` has
    a standard normal null distribution as the number of items grows even though
    :math:`\theta` is estimated. The statistic is ``NaN`` for fewer than two answered
    items, a non-finite ``theta`` (for instance ML of a pattern with every answer in
    the lowest or every answer in the highest category, where ML does not exist) or a
    variance of (nearly) zero.

    ``PerFit::lzpoly`` sums ``E`` and ``V`` over all items even when some are missing;
    here they run over the answered items, so that a missing item does not shift the
    statistic. Both agree on complete data.
    """
    x = _check_responses(responses, None)
    n, k = x.shape
    slopes, thresholds, n_cat = _model_arrays(model, k)
    x = _check_responses(x, n_cat)
    if estimator not in ("ml", "map", "wle"):
        raise ValueError(f'estimator must be "ml", "map" or "wle", got {estimator!r}')
    if not prior_sd > 0:
        raise ValueError(f"prior_sd must be positive, got {prior_sd!r}")
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    if theta is None:
        th = _default_theta(model, x, estimator, prior_mean, prior_sd)
    else:
        th = _check_theta(theta, n)
    answered = ~np.isnan(x)
    n_answered = answered.sum(axis=1).astype(np.int64)
    finite = np.isfinite(th)
    t = np.where(finite, th, 0.0)

    sums = np.zeros((6, n))  # l0, E, V, I, sum P' ln P, J
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        sums[:, lo:hi] = _lz_sums(
            x[lo:hi], answered[lo:hi], t[lo:hi], slopes, thresholds, n_cat, corrected, estimator
        )
    l0, e_l0, v_l0, info, cov, j_term = sums

    with np.errstate(invalid="ignore", divide="ignore"):
        num = l0 - e_l0
        if corrected:
            c_n = cov / info
            var = v_l0 - c_n * cov
            if estimator == "map":
                num = num + c_n * (-(t - prior_mean) / prior_sd**2)
            elif estimator == "wle":
                num = num + c_n * j_term / (2.0 * info)
        else:
            var = v_l0
        ok = finite & (n_answered >= 2) & (var > _REL_EPS * np.maximum(v_l0, 1.0))
        stat = np.where(ok, num / np.sqrt(np.where(ok, var, 1.0)), np.nan)
    if estimator == "ml":
        # ML does not exist for all-lowest or all-highest patterns, whatever theta says
        low = np.where(answered, x, -np.inf).max(axis=1, initial=-np.inf) == 0
        high = np.all(~answered | (x == (n_cat - 1)[None, :]), axis=1)
        stat = np.where(low | high, np.nan, stat)
    flagged = np.asarray(stat < threshold, dtype=np.bool_)
    return PersonFit(
        statistic=np.asarray(stat, dtype=np.float64),
        name="lz*p" if corrected else "lzp",
        flagged=flagged,
        threshold=float(threshold),
        direction="low is misfit",
        n_answered=n_answered,
    )


# ---------------------------------------------------------------------------------------------
# Gnormed.poly
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class GnormedCounts:
    """The count tables ``Gnormed.poly`` needs of a sample, mergeable by adding.

    The popularity order of the item steps needs each item's category counts among the
    respondents who answered it; the nonparametric reference threshold needs, among the
    complete response vectors, the counts of each total score and of each (total score,
    item, category). Counts of batches (or partitions) add up to the counts of the whole
    sample, in any order, exactly.

    Attributes
    ----------
    n_categories
        ``(k,)`` number of categories of each item.
    answered
        ``(k, m)`` respondents who answered item ``j`` in category ``c`` (``m`` the
        largest number of categories).
    totals
        ``(S + 1,)`` complete response vectors by total score ``0 .. S``,
        ``S = sum(m_j - 1)``.
    joint
        ``(S + 1, k, m)`` complete response vectors by total score, item and category.

    Examples
    --------
    >>> counts = GnormedCounts.empty([3, 3])
    >>> counts.update(np.array([[0.0, 2.0], [1.0, np.nan]]))
    >>> counts.answered.tolist(), counts.totals.tolist(), counts.n_complete
    ([[1, 1, 0], [0, 0, 1]], [0, 0, 1, 0, 0], 1)
    """

    n_categories: IntArray
    answered: IntArray
    totals: IntArray
    joint: IntArray

    @classmethod
    def empty(cls, n_categories: ArrayLike) -> GnormedCounts:
        """Return empty counts (no respondent) for items with ``n_categories`` categories."""
        raw = np.asarray(n_categories)
        n_cat = _check_categories(raw, raw.shape[0] if raw.ndim >= 1 else 1)
        k, m = n_cat.shape[0], int(n_cat.max(initial=2))
        top = int((n_cat - 1).sum())
        return cls(
            n_categories=n_cat,
            answered=np.zeros((k, m), dtype=np.int64),
            totals=np.zeros(top + 1, dtype=np.int64),
            joint=np.zeros((top + 1, k, m), dtype=np.int64),
        )

    @classmethod
    def of(cls, responses: ArrayLike, n_categories: ArrayLike) -> GnormedCounts:
        """Count one array of responses (``(n, k)`` 0-based codes, ``NaN`` = missing)."""
        counts = cls.empty(n_categories)
        counts.update(responses)
        return counts

    @property
    def n_complete(self) -> int:
        """Number of complete response vectors counted."""
        return int(self.totals.sum())

    def update(self, responses: ArrayLike) -> None:
        """Add a batch of respondents (``(n_b, k)`` 0-based codes, ``NaN`` = missing).

        Raises
        ------
        ValueError
            Malformed responses (as :func:`gnormed_poly`).
        """
        k, m = self.answered.shape
        x = _check_responses(responses, None)
        if x.shape[1] != k:
            raise ValueError(
                f"responses have {x.shape[1]} columns but the counts {k} items: pass one "
                "column per item"
            )
        _check_top(x, self.n_categories)
        answered = ~np.isnan(x)
        codes = np.where(answered, x, 0.0).astype(np.int64)
        cell = np.arange(k, dtype=np.int64)[None, :] * m + codes
        self.answered += np.bincount(cell[answered], minlength=k * m).reshape(k, m)
        complete = answered.all(axis=1)
        if complete.any():
            c = codes[complete]
            total = c.sum(axis=1)
            size = self.totals.shape[0]
            self.totals += np.bincount(total, minlength=size)
            index = (total[:, None] * k + np.arange(k)[None, :]) * m + c
            self.joint += np.bincount(index.ravel(), minlength=size * k * m).reshape(size, k, m)

    def merge(self, other: GnormedCounts) -> GnormedCounts:
        """Add ``other``'s counts (the same items) to these, in place; return ``self``."""
        if not np.array_equal(other.n_categories, self.n_categories):
            raise ValueError("can only merge the counts of the same items")
        self.answered += other.answered
        self.totals += other.totals
        self.joint += other.joint
        return self


def _step_order(answered: IntArray, n_cat: IntArray) -> tuple[IntArray, IntArray]:
    """Item and step of every item step, easiest (most popular) first.

    ``answered[j, c]`` counts the respondents answering item ``j`` in category ``c``.
    Popularity of step ``(j, c)`` is the proportion of respondents answering item ``j``
    with ``X_j >= c``; ties keep item-then-step order (a stable sort, as R's
    ``order``).
    """
    items: list[int] = []
    steps: list[int] = []
    pops: list[float] = []
    for j in range(n_cat.shape[0]):
        n_j = int(answered[j].sum())
        at_least = np.cumsum(answered[j, ::-1])[::-1].tolist()  # answers >= c
        for c in range(1, int(n_cat[j])):
            items.append(j)
            steps.append(c)
            pops.append(float(at_least[c]) / float(n_j) if n_j else 0.0)
    order = np.argsort(-np.asarray(pops), kind="stable")
    return np.asarray(items, dtype=np.int64)[order], np.asarray(steps, dtype=np.int64)[order]


def _max_rank_sums(items: IntArray, keep: BoolArray, n_cat: IntArray) -> FloatArray:
    """Largest sum of ranks of ``s`` passed steps, ``s = 0 .. S``, over the kept items.

    Ranks ``1 .. S`` run over the steps of the kept items in popularity order; a
    respondent passes the first ``X_j`` steps of item ``j``. Dynamic programming over
    items (max-plus convolution of each item's cumulative rank sums).
    """
    kept_steps = keep[items]
    ranks = np.zeros(items.shape[0])
    ranks[kept_steps] = np.arange(1, int(kept_steps.sum()) + 1)
    best = np.zeros(1)
    for j in np.flatnonzero(keep):
        # ranks of item j's steps, in step order (popularity order within an item is
        # step order because popularity falls with c and the sort is stable)
        cum = np.concatenate(([0.0], np.cumsum(ranks[items == j])))
        size = best.shape[0] + cum.shape[0] - 1
        new = np.full(size, -np.inf)
        for c in range(cum.shape[0]):
            new[c : c + best.shape[0]] = np.maximum(new[c : c + best.shape[0]], best + cum[c])
        best = new
    return best


_BEST_CACHE = 4096
"""Patterns of answered items whose maximal rank sums a :class:`GnormedReference` keeps."""


def _gnormed_values(
    x: FloatArray,
    n_cat: IntArray,
    order: tuple[IntArray, IntArray],
    cache: dict[bytes, FloatArray] | None = None,
) -> tuple[FloatArray, IntArray]:
    """``Gnormed.poly`` and answered items of each row, steps in the given ``order``.

    Each row's value depends on that row and ``order`` alone. ``cache`` keeps the
    maximal rank sums of the patterns of answered items seen (a few thousand at most).
    """
    n = x.shape[0]
    answered = ~np.isnan(x)
    n_answered = answered.sum(axis=1).astype(np.int64)
    items, steps = order
    # numerator: pairs (easier step failed, harder step passed) over answered items
    g = np.zeros(n)
    failed_so_far = np.zeros(n)
    for j, c in zip(items.tolist(), steps.tolist(), strict=True):
        ans = answered[:, j]
        passed = ans & (x[:, j] >= c)
        g += np.where(passed, failed_so_far, 0.0)
        failed_so_far += ans & ~passed
    total = np.where(answered, x, 0.0).sum(axis=1).astype(np.int64)
    store = {} if cache is None else cache

    def best_of(keep: BoolArray) -> FloatArray:
        key = np.packbits(keep).tobytes()
        found = store.get(key)
        if found is None:
            found = _max_rank_sums(items, keep, n_cat)
            if len(store) < _BEST_CACHE:
                store[key] = found
        return found

    # denominator: maximum G for the total score, per pattern of answered items
    gmax = np.zeros(n)
    complete = n_answered == x.shape[1]
    if np.any(complete):
        best = best_of(np.ones(x.shape[1], dtype=np.bool_))
        s = total[complete]
        gmax[complete] = best[s] - 0.5 * s * (s + 1)
    partial = np.flatnonzero(~complete)
    if partial.size:
        packed = np.packbits(answered[partial], axis=1)
        keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))[:, 0]
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        row_order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[row_order], np.arange(first.size + 1))
        for p_idx in range(first.size):
            rows = partial[row_order[bounds[p_idx] : bounds[p_idx + 1]]]
            best = best_of(answered[partial[first[p_idx]]])
            s = total[rows]
            gmax[rows] = best[s] - 0.5 * s * (s + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.where(gmax > 0, g / np.where(gmax > 0, gmax, 1.0), 0.0)
    stat = np.where(n_answered >= 2, stat, np.nan)
    return stat, n_answered


def _check_reference_options(alpha: float, n_reference: int) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (exclusive), got {alpha!r}")
    if n_reference < 100:
        raise ValueError(f"n_reference must be at least 100, got {n_reference!r}")


def _reference_threshold(
    counts: GnormedCounts, alpha: float, n_reference: int, seed: int | None
) -> float:
    """Return the ``1 - alpha`` quantile of ``Gnormed.poly`` in reference data from ``counts``."""
    if counts.n_complete == 0:
        raise ValueError(
            "no complete response vectors to build the Gnormed.poly reference from: pass "
            "threshold= explicitly"
        )
    n_cat = counts.n_categories
    k = n_cat.shape[0]
    rng = np.random.default_rng(seed)
    # a total score by the inverse CDF of the complete vectors' total-score counts
    cum_totals = np.cumsum(counts.totals)
    u = rng.random(n_reference) * float(cum_totals[-1])
    drawn = np.minimum(np.searchsorted(cum_totals, u, side="right"), cum_totals.size - 1)
    # each item from its categories among the complete vectors with that total
    cum = np.cumsum(counts.joint, axis=2).astype(np.float64)
    ref = np.empty((n_reference, k))
    with np.errstate(invalid="ignore", divide="ignore"):  # totals nobody has: never drawn
        for j in range(k):
            cum_j = cum[:, j, :] / cum[:, j, -1:]
            v = rng.random(n_reference)
            ref[:, j] = (v[:, None] >= cum_j[drawn, :-1]).sum(axis=1)
    own = _step_order(GnormedCounts.of(ref, n_cat).answered, n_cat)
    stat, _ = _gnormed_values(ref, n_cat, own)
    return float(np.nanquantile(stat, 1.0 - alpha))


@dataclass(frozen=True, eq=False)
class GnormedReference:
    """``Gnormed.poly``, fitted: the popularity order of the item steps and the threshold.

    Built with :meth:`fit` from a sample's :class:`GnormedCounts` (accumulated over any
    batches and merged); :meth:`apply` then gives each batch of respondents the values
    :func:`gnormed_poly` gives on all rows at once, which is
    ``GnormedReference.fit(GnormedCounts.of(x, m), ...).apply(x)``.

    Attributes
    ----------
    n_categories
        ``(k,)`` number of categories of each item.
    items, steps
        Item and step (``X_j >= c``) of every item step, most popular first.
    threshold
        Respondents above it are flagged.

    Examples
    --------
    >>> counts = GnormedCounts.empty([3, 3, 3])
    >>> for batch in ([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]], [[2.0, 2.0, 0.0]]):
    ...     counts.update(np.array(batch))
    >>> ref = GnormedReference.fit(counts, threshold=0.5)
    >>> ref.apply(np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 2.0]])).statistic.tolist()
    [0.5, 1.0]
    """

    n_categories: IntArray
    items: IntArray
    steps: IntArray
    threshold: float
    _best: dict[bytes, FloatArray] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def fit(
        cls,
        counts: GnormedCounts,
        *,
        threshold: float | None = None,
        alpha: float = 0.05,
        n_reference: int = 10_000,
        seed: int | None = 0,
    ) -> GnormedReference:
        """Fit from the sample's counts; ``threshold`` and the rest as for :func:`gnormed_poly`.

        Raises
        ------
        ValueError
            Invalid options, or (``threshold=None``) no complete response vector counted.
        """
        n_cat = counts.n_categories
        if threshold is None:
            _check_reference_options(alpha, n_reference)
            thr = _reference_threshold(counts, alpha, n_reference, seed)
        else:
            if not np.isfinite(threshold):
                raise ValueError(f"threshold must be a finite number or None, got {threshold!r}")
            thr = float(threshold)
        items, steps = _step_order(counts.answered, n_cat)
        return cls(n_categories=n_cat, items=items, steps=steps, threshold=thr)

    def apply(self, responses: ArrayLike) -> PersonFit:
        """``Gnormed.poly`` of each row of ``responses`` (``(n, k)`` 0-based codes).

        Raises
        ------
        ValueError
            Malformed responses or a different number of items.
        """
        x = _check_responses(responses, None)
        if x.shape[1] != self.n_categories.shape[0]:
            raise ValueError(
                f"responses have {x.shape[1]} columns but the reference "
                f"{self.n_categories.shape[0]} items: pass one column per item"
            )
        _check_top(x, self.n_categories)
        stat, n_answered = _gnormed_values(
            x, self.n_categories, (self.items, self.steps), self._best
        )
        return PersonFit(
            statistic=stat,
            name="Gnormed.poly",
            flagged=np.asarray(stat > self.threshold, dtype=np.bool_),
            threshold=self.threshold,
            direction="high is misfit",
            n_answered=n_answered,
        )


def gnormed_reference_threshold(
    responses: ArrayLike,
    n_categories: ArrayLike,
    *,
    alpha: float = 0.05,
    n_reference: int = 10_000,
    seed: int | None = 0,
) -> float:
    """Upper ``1 - alpha`` quantile of ``Gnormed.poly`` in nonparametric reference data.

    Parameters
    ----------
    responses
        ``(n, k)`` 0-based category codes; ``NaN`` = missing.
    n_categories
        ``(k,)`` number of categories of each item.
    alpha
        Upper-tail proportion; default .05.
    n_reference
        Number of reference response vectors to simulate.
    seed
        Seed of the random generator (``None`` for fresh entropy); the default makes
        the threshold reproducible.

    Returns
    -------
    float
        The cut-off: respondents above it are flagged.

    Raises
    ------
    ValueError
        Malformed input, or no complete response vectors to build the reference from.

    Notes
    -----
    The reference follows ``PerFit::cutoff(ModelFit = "NonParametric")`` (Tendeiro,
    Meijer & Niessen, 2016): draw ``n_reference`` total scores from the complete
    response vectors; for a drawn total ``t`` draw every item independently from the
    distribution of its categories among respondents with total ``t``. The totals are
    drawn by the inverse CDF of the complete vectors' total-score counts (one uniform
    number each), not by drawing rows, so the threshold depends only on the count
    tables (:class:`GnormedCounts`) and is the same, bit for bit, whether they were
    counted from one array or from batches merged in any order. (Earlier versions drew
    row indices: the same distribution with a different random stream, so the
    threshold for a given seed moved within its Monte Carlo error.) The vectors
    satisfy local independence given the total score, i.e. they fit a nonparametric
    IRT model; ``Gnormed.poly`` is computed on them (with their own step ordering) and
    its ``1 - alpha`` quantile is the cut-off. PerFit takes the median of 1,000
    bootstrap quantiles of 1,000 vectors; a single quantile of 10,000 vectors has a
    comparable Monte Carlo error. Only complete response vectors feed the reference
    (a total over fewer items is not comparable).
    """
    x = _check_responses(responses, None)
    n_cat = _check_categories(n_categories, x.shape[1])
    x = _check_responses(x, n_cat)
    _check_reference_options(alpha, n_reference)
    return _reference_threshold(GnormedCounts.of(x, n_cat), alpha, n_reference, seed)


def gnormed_poly(
    responses: ArrayLike,
    n_categories: ArrayLike,
    *,
    threshold: float | None = None,
    alpha: float = 0.05,
    n_reference: int = 10_000,
    seed: int | None = 0,
) -> PersonFit:
    r"""Normed polytomous Guttman errors, ``Gnormed.poly`` (Emons, 2008).

    Parameters
    ----------
    responses
        ``(n, k)`` 0-based category codes; ``NaN`` = missing.
    n_categories
        ``(k,)`` number of categories of each item (``m_j``; codes ``0 .. m_j - 1``).
    threshold
        Flag respondents whose statistic is above this value. ``None`` (default):
        :func:`gnormed_reference_threshold` with ``alpha``, ``n_reference`` and
        ``seed``, the 95th percentile in nonparametric reference data.
    alpha, n_reference, seed
        Passed to :func:`gnormed_reference_threshold` when ``threshold`` is ``None``.

    Returns
    -------
    PersonFit
        ``name`` ``"Gnormed.poly"``, direction ``"high is misfit"``.

    Raises
    ------
    ValueError
        Malformed responses or ``n_categories``; the message says what to pass.

    Notes
    -----
    Each item ``j`` has ``m_j - 1`` steps ``X_j >= c``. The steps of all items are
    ordered by their popularity in the sample (proportion of respondents answering
    the item who pass the step), most popular first. A Guttman error is a pair of
    steps where the respondent failed the more popular one and passed the less
    popular one; ``G`` counts them. If ``r_s`` is the rank of step ``s`` (1 = most
    popular) and the respondent passed ``t`` steps (``t`` = total score),
    ``G = sum(r_s over passed steps) - t (t + 1) / 2``. ``Gmax(t)`` is the largest
    ``G`` any response vector with total ``t`` can have (found by dynamic programming
    over items, since a respondent passes the first ``X_j`` steps of item ``j``), and

    .. math::

        G^{p}_{normed} = G / G_{max}(t),

    between 0 and 1. It is 0 when ``Gmax = 0`` (total 0 or the maximum: no error is
    possible), as in ``PerFit::Gnormed.poly``.

    Missing answers: the ordering uses each item's answered cases; ``G`` counts pairs
    of steps of *answered* items only, and ``Gmax`` is computed over those items
    with ranks renumbered among their steps (PerFit's ``NA.method = "Pairwise"``).
    With fewer than two answered items the statistic is ``NaN``.
    """
    x = _check_responses(responses, None)
    n_cat = _check_categories(n_categories, x.shape[1])
    x = _check_responses(x, n_cat)
    counts = GnormedCounts.of(x, n_cat)
    reference = GnormedReference.fit(
        counts, threshold=threshold, alpha=alpha, n_reference=n_reference, seed=seed
    )
    return reference.apply(x)

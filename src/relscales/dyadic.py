"""Statistics of couples (dyadic data): nonindependence, distinguishability, discrepancies.

Every statistic takes two aligned float arrays ``x1`` and ``x2``: the score of partner 1
and of partner 2 of each couple, one couple per position, ``NaN`` = missing. A couple
with a missing score is left out of the sample statistics (listwise deletion) and every
result says how many couples were used (``n_couples``). Nothing loops over couples in
Python; 500,000 couples take tens of milliseconds. Results are frozen dataclasses at full
precision. When a statistic cannot be computed (too few complete couples, no variance)
its fields are ``NaN`` and ``reason`` says why; only bad *arguments* raise ``ValueError``.

=================================  =====================================================
function                           what it computes
=================================  =====================================================
:func:`nonindependence`            Kenny's test of nonindependence: the ANOVA intraclass
                                   correlation ``r_I`` (exchangeable partners) or
                                   Pearson ``r`` (distinguishable partners), with test
                                   and confidence interval
:func:`icc_from_mean_squares`      the same ``r_I`` test from published ``MS_B``,
                                   ``MS_W`` and n
:func:`pairwise_icc`               the pairwise (double-entry) intraclass correlation of
                                   Griffin & Gonzalez (1995), ``z = r * sqrt(n)`` test
:func:`distinguishability`         likelihood-ratio test of equal means and variances
                                   of the two roles (df 2), the paired t test of the
                                   means and the Pitman-Morgan test of the variances
:func:`joint_distinguishability`   the same likelihood-ratio test for several variables
                                   (Olsen & Kenny's I-SAT against the saturated model)
:func:`reliable_discrepancy`       per couple: is ``x1 - x2`` beyond measurement error?
:func:`dyad_layout`                one row per person -> one row per couple (``x_1``,
                                   ``x_2``)
:func:`pairwise_layout`            one row per person -> two rows per couple (``x_A``,
                                   ``x_P``)
:func:`individual_layout`          one row per couple -> one row per person
=================================  =====================================================

Formulas, interpretation and the published examples reproduced are in
``docs/methods-couples.md``; the cross-checks against R are in ``tests/r/``.

References
----------
Griffin, D., & Gonzalez, R. (1995). Correlational analysis of dyad-level data in the
exchangeable case. *Psychological Bulletin, 118*(3), 430-439.
https://doi.org/10.1037/0033-2909.118.3.430

Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical approach to
defining meaningful change in psychotherapy research. *Journal of Consulting and
Clinical Psychology, 59*(1), 12-19. https://doi.org/10.1037/0022-006X.59.1.12

Kenny, D. A., Kashy, D. A., & Cook, W. L. (2006). *Dyadic data analysis* (chapters 2
and 6). Guilford Press.

McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
correlation coefficients. *Psychological Methods, 1*(1), 30-46.
https://doi.org/10.1037/1082-989X.1.1.30

Morgan, W. A. (1939). A test for the significance of the difference between the two
variances in a sample from a normal bivariate population. *Biometrika, 31*, 13-19.

Olsen, J. A., & Kenny, D. A. (2006). Structural equation modeling with interchangeable
dyads. *Psychological Methods, 11*(2), 127-141. https://doi.org/10.1037/1082-989X.11.2.127

Pitman, E. J. G. (1939). A note on normal correlation. *Biometrika, 31*, 9-12.

Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing rater
reliability. *Psychological Bulletin, 86*(2), 420-428.
https://doi.org/10.1037/0033-2909.86.2.420
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Distinguishability",
    "JointDistinguishability",
    "Nonindependence",
    "PairwiseICC",
    "ReliableDiscrepancy",
    "distinguishability",
    "dyad_layout",
    "icc_from_mean_squares",
    "individual_layout",
    "joint_distinguishability",
    "nonindependence",
    "pairwise_icc",
    "pairwise_layout",
    "reliable_discrepancy",
]

FloatArray = NDArray[np.float64]
Multiplier = Literal["n", "n-1"]

MIN_COUPLES = 3
"""Fewest couples a call may pass, and fewest complete couples a test is computed on."""

_NAN = math.nan


# ---------------------------------------------------------------------------------------------
# Result objects
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Nonindependence:
    """Kenny's test of nonindependence of the two partners' scores.

    Attributes
    ----------
    kind
        ``"exchangeable"`` (partners cannot be told apart: ANOVA intraclass correlation)
        or ``"distinguishable"`` (partners have roles: Pearson correlation).
    estimate
        Exchangeable: ``r_I = (MS_B - MS_W) / (MS_B + MS_W)``; distinguishable: Pearson
        ``r`` of ``x1`` and ``x2``.
    statistic
        Exchangeable: ``F = MS_B / MS_W`` when ``r_I >= 0``, else ``F = MS_W / MS_B``;
        distinguishable: ``t = r * sqrt(n - 2) / sqrt(1 - r**2)``.
    df
        Exchangeable: ``(n - 1, n)`` when ``r_I >= 0``, else ``(n, n - 1)`` (numerator
        first); distinguishable: ``(n - 2,)``.
    p_value
        Two-tailed: exchangeable ``2 * P(F_df > F)`` (capped at 1), as Kenny et al.
        (2006, ch. 2) describe; distinguishable ``2 * P(t_df > |t|)``.
    ci_low, ci_high
        Confidence interval at ``confidence_level``: exchangeable from the F distribution
        (Shrout & Fleiss, 1979, ICC(1,1); McGraw & Wong, 1996, case 1); distinguishable
        from Fisher's z, ``tanh(atanh(r) -/+ z_crit / sqrt(n - 3))``.
    n_couples
        Complete couples used (both scores present).
    confidence_level
        Level of the interval.
    ms_between, ms_within
        The two mean squares (exchangeable only; ``NaN`` for distinguishable).
    reason
        Why fields are ``NaN`` (``None`` when everything was computed).
    """

    kind: Literal["exchangeable", "distinguishable"]
    estimate: float
    statistic: float
    df: tuple[float, ...]
    p_value: float
    ci_low: float
    ci_high: float
    n_couples: int
    confidence_level: float
    ms_between: float = _NAN
    ms_within: float = _NAN
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PairwiseICC:
    """The pairwise (double-entry) intraclass correlation of Griffin & Gonzalez (1995).

    Attributes
    ----------
    estimate
        Pearson correlation of the ``2n`` double-entered pairs ``(x1, x2)`` and
        ``(x2, x1)``; equal to ``(SS_B - SS_W) / (SS_B + SS_W)`` and to the maximum
        likelihood estimate of the exchangeable correlation.
    statistic
        ``z = estimate * sqrt(n)``, asymptotically standard normal under independence.
    p_value
        Two-tailed normal p-value of ``z``.
    n_couples
        Complete couples used.
    reason
        Why fields are ``NaN`` (``None`` when everything was computed).
    """

    estimate: float
    statistic: float
    p_value: float
    n_couples: int
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Distinguishability:
    """Test of whether the two roles differ in mean or variance, for one variable.

    Attributes
    ----------
    chi_square
        Likelihood-ratio statistic of the bivariate normal model with equal means and
        equal variances for the two roles against the free model (maximum likelihood):
        ``multiplier * (log|Sigma_0| - log|Sigma_1|)``.
    df
        2 (one mean and one variance constraint).
    p_value
        Upper-tail chi-square p-value.
    multiplier
        ``"n"`` (the likelihood ratio; lavaan ``likelihood = "normal"``, nlme ML) or
        ``"n-1"`` (``(n - 1) * F_ML``, as printed by Amos and in Kenny's examples).
    mean_1, mean_2
        Role means.
    t_means, df_means, p_means
        Paired t test of ``mean_1 = mean_2``: ``t = mean(d) / (sd(d) / sqrt(n))`` with
        ``d = x1 - x2`` and ``n - 1`` df; two-tailed.
    variance_1, variance_2
        Role variances (``n - 1`` denominator).
    t_variances, df_variances, p_variances
        Pitman-Morgan test of ``variance_1 = variance_2``:
        ``t = (v1 - v2) * sqrt(n - 2) / (2 * sqrt(v1 * v2 - c**2))`` (``c`` the
        covariance), the t test of the correlation of ``x1 + x2`` with ``x1 - x2``;
        ``n - 2`` df; two-tailed.
    n_couples
        Complete couples used.
    reason
        Why fields are ``NaN`` (``None`` when everything was computed).
    """

    chi_square: float
    df: int
    p_value: float
    multiplier: Multiplier
    mean_1: float
    mean_2: float
    t_means: float
    df_means: float
    p_means: float
    variance_1: float
    variance_2: float
    t_variances: float
    df_variances: float
    p_variances: float
    n_couples: int
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class JointDistinguishability:
    """Test of whether the two roles differ on several variables at once.

    Attributes
    ----------
    chi_square
        Likelihood-ratio statistic of the I-SAT model (Olsen & Kenny, 2006: role-swapping
        leaves the mean vector and covariance matrix unchanged) against the saturated
        model, ``multiplier * (log|Sigma_0| - log|Sigma_1|)``.
    df
        ``k + k**2`` for ``k`` variables: ``k`` means, ``k(k+1)/2`` variances and
        within-person covariances, ``k(k-1)/2`` cross-partner covariances.
    p_value
        Upper-tail chi-square p-value.
    multiplier
        ``"n"`` or ``"n-1"`` (see :class:`Distinguishability`).
    n_couples
        Couples complete on every variable.
    n_variables
        ``k``.
    reason
        Why fields are ``NaN`` (``None`` when everything was computed).
    """

    chi_square: float
    df: int
    p_value: float
    multiplier: Multiplier
    n_couples: int
    n_variables: int
    reason: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ReliableDiscrepancy:
    """Per couple, whether the partners' difference is larger than measurement error.

    Attributes
    ----------
    difference
        ``x1 - x2`` per couple (``NaN`` where a score is missing).
    se
        Standard error of the difference, ``sqrt(se1**2 + se2**2)`` (``NaN`` where a
        standard error is missing).
    z
        ``difference / se`` (``+/-inf`` when ``se`` is 0 and the scores differ, 0 when
        both are equal; ``NaN`` where the difference or ``se`` is missing).
    critical
        Two-sided standard-normal critical value at ``confidence_level``.
    code
        ``int8`` per couple: 1 = reliable discrepancy (``|z| > critical``), 0 = within
        measurement error, -1 = cannot tell (a score or a standard error missing).
    confidence_level
        Level used for ``critical``.

    The arrays are read-only.
    """

    difference: FloatArray
    se: FloatArray
    z: FloatArray
    critical: float
    code: NDArray[np.int8]
    confidence_level: float

    @property
    def reliable(self) -> NDArray[np.bool_]:
        """Boolean array: ``True`` where the discrepancy is reliable (``code == 1``)."""
        return np.equal(self.code, 1)

    @property
    def undetermined(self) -> NDArray[np.bool_]:
        """Boolean array: ``True`` where it cannot be told (``code == -1``)."""
        return np.equal(self.code, -1)

    @property
    def n_couples(self) -> int:
        """Couples for which it could be told (``code != -1``)."""
        return int(np.count_nonzero(self.code != -1))


# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------


def _scores(x: ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be numbers (one score per couple, NaN for missing): {exc}"
        ) from None
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array with one score per couple, got {arr.ndim}-D "
            f"shape {arr.shape}"
        )
    if np.isinf(arr).any():
        raise ValueError(f"{name} has an infinite value: pass finite scores, NaN for missing")
    return arr


def _pair(x1: ArrayLike, x2: ArrayLike) -> tuple[FloatArray, FloatArray]:
    a = _scores(x1, "x1")
    b = _scores(x2, "x2")
    if a.shape != b.shape:
        raise ValueError(
            f"x1 and x2 must have the same length (one entry per couple, aligned): "
            f"got {a.shape[0]} and {b.shape[0]}"
        )
    if a.shape[0] < MIN_COUPLES:
        raise ValueError(
            f"pass at least {MIN_COUPLES} couples (x1 and x2 have {a.shape[0]} entries)"
        )
    return a, b


def _level(confidence_level: float) -> float:
    if isinstance(confidence_level, bool) or not isinstance(
        confidence_level, (int, float, np.floating, np.integer)
    ):
        raise ValueError(
            f"confidence_level must be a number between 0 and 1, e.g. 0.95; "
            f"got {confidence_level!r}"
        )
    level = float(confidence_level)
    if not 0.0 < level < 1.0:
        raise ValueError(
            f"confidence_level must be strictly between 0 and 1, e.g. 0.95; got {level!r}"
        )
    return level


def _multiplier(multiplier: str) -> Multiplier:
    if multiplier == "n":
        return "n"
    if multiplier == "n-1":
        return "n-1"
    raise ValueError(f'multiplier must be "n" or "n-1", got {multiplier!r}')


def _complete(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    keep = ~(np.isnan(a) | np.isnan(b))
    return a[keep], b[keep]


def _too_few(n: int, need: int = MIN_COUPLES) -> str:
    return f"{n} complete couple(s); at least {need} are needed"


# ---------------------------------------------------------------------------------------------
# Nonindependence
# ---------------------------------------------------------------------------------------------


def nonindependence(
    x1: ArrayLike,
    x2: ArrayLike,
    *,
    distinguishable: bool,
    confidence_level: float = 0.95,
) -> Nonindependence:
    """Test whether the two partners' scores are nonindependent (Kenny et al., 2006, ch. 2).

    Parameters
    ----------
    x1, x2
        Scores of partner 1 and partner 2, aligned by couple; ``NaN`` = missing. Couples
        with a missing score are left out.
    distinguishable
        ``False`` for exchangeable partners (e.g. same-sex couples, whose order is
        arbitrary): the ANOVA intraclass correlation ``r_I`` and its F test. ``True`` for
        partners told apart by a role (e.g. wife and husband): Pearson ``r`` and its t
        test.
    confidence_level
        Level of the confidence interval, strictly between 0 and 1.

    Returns
    -------
    Nonindependence
        Estimate, test, interval and the number of complete couples. Fields are ``NaN``
        (with ``reason``) when fewer than 3 couples are complete or a score has no
        variance.

    Raises
    ------
    ValueError
        If ``x1`` and ``x2`` are not 1-D, differ in length, have fewer than 3 entries or
        an infinite value, ``distinguishable`` is not a bool, or ``confidence_level`` is
        not in (0, 1).

    Notes
    -----
    With ``n`` complete couples, ``m_j`` the mean of couple ``j`` and ``M`` the mean of
    all ``2n`` scores: ``MS_B = 2 * sum((m_j - M)**2) / (n - 1)`` and
    ``MS_W = sum((x1 - x2)**2) / (2n)``. ``r_I`` is bounded by -1 and 1.

    Examples
    --------
    Kenny, Kashy & Cook (2006), Table 2.1 (ten exchangeable dyads):

    >>> x1 = [8, 5, 7, 8, 8, 5, 3, 8, 6, 2]
    >>> x2 = [6, 3, 2, 5, 7, 6, 4, 9, 7, 3]
    >>> res = nonindependence(x1, x2, distinguishable=False)
    >>> round(res.estimate, 3), round(res.statistic, 2), res.df, round(res.p_value, 3)
    (0.511, 3.09, (9.0, 10.0), 0.093)
    >>> res = nonindependence(x1, x2, distinguishable=True)
    >>> round(res.estimate, 3), res.df
    (0.525, (8.0,))
    """
    a, b = _pair(x1, x2)
    level = _level(confidence_level)
    if not isinstance(distinguishable, (bool, np.bool_)):
        raise ValueError(
            f"distinguishable must be True (partners have roles) or False (exchangeable), "
            f"got {distinguishable!r}"
        )
    a, b = _complete(a, b)
    if distinguishable:
        return _pearson_test(a, b, level)
    n = int(a.shape[0])
    if n < MIN_COUPLES:
        return _icc_nan(n, level, _too_few(n))
    grand = (a.sum() + b.sum()) / (2.0 * n)
    couple_mean = 0.5 * (a + b)
    ms_between = float(2.0 * np.square(couple_mean - grand).sum() / (n - 1))
    ms_within = float(np.square(a - b).sum() / (2.0 * n))
    return _icc_test(ms_between, ms_within, n, level)


def icc_from_mean_squares(
    ms_between: float,
    ms_within: float,
    n_couples: int,
    *,
    confidence_level: float = 0.95,
) -> Nonindependence:
    """Compute the exchangeable test of :func:`nonindependence` from two mean squares.

    For published summary statistics (e.g. Kenny's ICC spreadsheet, which takes
    ``MS_B``, ``MS_W`` and the number of dyads).

    Parameters
    ----------
    ms_between
        Between-couples mean square, ``2 * sum((m_j - M)**2) / (n - 1)``; >= 0.
    ms_within
        Within-couples mean square, ``sum((x1 - x2)**2) / (2n)``; >= 0.
    n_couples
        Number of couples ``n`` (not persons); at least 3.
    confidence_level
        Level of the confidence interval, strictly between 0 and 1.

    Returns
    -------
    Nonindependence
        ``kind == "exchangeable"``.

    Raises
    ------
    ValueError
        If a mean square is negative or not finite, ``n_couples`` is not an integer of
        at least 3, or ``confidence_level`` is not in (0, 1).

    Examples
    --------
    >>> res = icc_from_mean_squares(2.106, 1.481, 148)
    >>> round(res.estimate, 8), round(res.statistic, 8), round(res.p_value, 8)
    (0.17424031, 1.42201215, 0.03321584)
    """
    level = _level(confidence_level)
    for name, value in (("ms_between", ms_between), ("ms_within", ms_within)):
        if not isinstance(value, (int, float, np.floating, np.integer)) or not (
            math.isfinite(float(value)) and float(value) >= 0.0
        ):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if isinstance(n_couples, bool) or not isinstance(n_couples, (int, np.integer)):
        raise ValueError(f"n_couples must be an integer (couples, not persons), got {n_couples!r}")
    n = int(n_couples)
    if n < MIN_COUPLES:
        raise ValueError(f"n_couples must be at least {MIN_COUPLES}, got {n}")
    return _icc_test(float(ms_between), float(ms_within), n, level)


def _icc_nan(
    n: int, level: float, reason: str, msb: float = _NAN, msw: float = _NAN
) -> Nonindependence:
    return Nonindependence(
        kind="exchangeable",
        estimate=_NAN,
        statistic=_NAN,
        df=(_NAN, _NAN),
        p_value=_NAN,
        ci_low=_NAN,
        ci_high=_NAN,
        n_couples=n,
        confidence_level=level,
        ms_between=msb,
        ms_within=msw,
        reason=reason,
    )


def _icc_test(msb: float, msw: float, n: int, level: float) -> Nonindependence:
    from scipy import special

    total = msb + msw
    if total == 0.0:
        return _icc_nan(n, level, "no variance: every score is the same", msb, msw)
    r = (msb - msw) / total
    df_b, df_w = float(n - 1), float(n)
    if r >= 0.0:
        f_stat = msb / msw if msw > 0.0 else math.inf
        df: tuple[float, float] = (df_b, df_w)
    else:
        f_stat = msw / msb if msb > 0.0 else math.inf
        df = (df_w, df_b)
    p = min(1.0, 2.0 * float(special.fdtrc(df[0], df[1], f_stat)))
    # exact pivot: (MS_B / MS_W) / ((1 + rho) / (1 - rho)) ~ F(n - 1, n)
    tail = 0.5 * (1.0 + level)
    f_obs = msb / msw if msw > 0.0 else math.inf
    if math.isinf(f_obs):
        low = high = 1.0
    else:
        f_low = f_obs / float(special.fdtri(df_b, df_w, tail))
        f_high = f_obs * float(special.fdtri(df_w, df_b, tail))
        low = (f_low - 1.0) / (f_low + 1.0)
        high = (f_high - 1.0) / (f_high + 1.0)
    return Nonindependence(
        kind="exchangeable",
        estimate=r,
        statistic=f_stat,
        df=df,
        p_value=p,
        ci_low=low,
        ci_high=high,
        n_couples=n,
        confidence_level=level,
        ms_between=msb,
        ms_within=msw,
    )


def _moments(a: FloatArray, b: FloatArray) -> tuple[float, float, float, float, float]:
    """Means and sums of squares/cross-products about the means (two-pass)."""
    m1 = float(a.mean())
    m2 = float(b.mean())
    da = a - m1
    db = b - m2
    return m1, m2, float(da @ da), float(db @ db), float(da @ db)


def _pearson_test(a: FloatArray, b: FloatArray, level: float) -> Nonindependence:
    from scipy import special

    n = int(a.shape[0])

    def nan(reason: str) -> Nonindependence:
        return Nonindependence(
            kind="distinguishable",
            estimate=_NAN,
            statistic=_NAN,
            df=(float(n - 2),) if n >= MIN_COUPLES else (_NAN,),
            p_value=_NAN,
            ci_low=_NAN,
            ci_high=_NAN,
            n_couples=n,
            confidence_level=level,
            reason=reason,
        )

    if n < MIN_COUPLES:
        return nan(_too_few(n))
    _, _, s11, s22, s12 = _moments(a, b)
    if s11 == 0.0 or s22 == 0.0:
        return nan("no variance: a partner's scores are all the same")
    r = max(-1.0, min(1.0, s12 / math.sqrt(s11 * s22)))
    df = float(n - 2)
    if abs(r) == 1.0:
        t = math.copysign(math.inf, r)
        p = 0.0
    else:
        t = r * math.sqrt(df) / math.sqrt(1.0 - r * r)
        p = 2.0 * float(special.stdtr(df, -abs(t)))
    reason = None
    if n > 3:
        if abs(r) == 1.0:
            low = high = r
        else:
            half = float(NormalDist().inv_cdf(0.5 * (1.0 + level))) / math.sqrt(n - 3)
            z = math.atanh(r)
            low, high = math.tanh(z - half), math.tanh(z + half)
    else:
        low = high = _NAN
        reason = "confidence interval needs at least 4 complete couples (Fisher z, n - 3)"
    return Nonindependence(
        kind="distinguishable",
        estimate=r,
        statistic=t,
        df=(df,),
        p_value=p,
        ci_low=low,
        ci_high=high,
        n_couples=n,
        confidence_level=level,
        reason=reason,
    )


def pairwise_icc(x1: ArrayLike, x2: ArrayLike) -> PairwiseICC:
    """Pairwise (double-entry) intraclass correlation (Griffin & Gonzalez, 1995).

    Parameters
    ----------
    x1, x2
        Scores of partner 1 and partner 2, aligned by couple; ``NaN`` = missing. Couples
        with a missing score are left out.

    Returns
    -------
    PairwiseICC
        The correlation, ``z = r * sqrt(n)`` and its two-tailed normal p-value. Fields
        are ``NaN`` (with ``reason``) when fewer than 3 couples are complete or every
        score is the same.

    Raises
    ------
    ValueError
        If ``x1`` and ``x2`` are not 1-D, differ in length, have fewer than 3 entries or
        an infinite value.

    Notes
    -----
    With ``M`` the mean of all ``2n`` scores,
    ``r = 2 * sum((x1 - M) * (x2 - M)) / sum((x1 - M)**2 + (x2 - M)**2)``, which is
    ``cor(c(x1, x2), c(x2, x1))`` in R. It differs from the ANOVA ``r_I`` of
    :func:`nonindependence` only in dividing sums of squares by ``n`` rather than by
    their degrees of freedom.

    Examples
    --------
    >>> res = pairwise_icc([8, 5, 7, 8, 8, 5, 3, 8, 6, 2], [6, 3, 2, 5, 7, 6, 4, 9, 7, 3])
    >>> round(res.estimate, 3), round(res.statistic, 3), res.n_couples
    (0.471, 1.491, 10)
    """
    from scipy import special

    a, b = _pair(x1, x2)
    a, b = _complete(a, b)
    n = int(a.shape[0])
    if n < MIN_COUPLES:
        return PairwiseICC(_NAN, _NAN, _NAN, n, _too_few(n))
    grand = (a.sum() + b.sum()) / (2.0 * n)
    da = a - grand
    db = b - grand
    denominator = float(da @ da + db @ db)
    if denominator == 0.0:
        return PairwiseICC(_NAN, _NAN, _NAN, n, "no variance: every score is the same")
    r = max(-1.0, min(1.0, 2.0 * float(da @ db) / denominator))
    z = r * math.sqrt(n)
    return PairwiseICC(r, z, 2.0 * float(special.ndtr(-abs(z))), n)


# ---------------------------------------------------------------------------------------------
# Distinguishability
# ---------------------------------------------------------------------------------------------


def distinguishability(
    x1: ArrayLike, x2: ArrayLike, *, multiplier: Multiplier = "n"
) -> Distinguishability:
    """Test whether the two roles differ in mean or variance (one variable).

    Parameters
    ----------
    x1, x2
        Scores of the partner in role 1 and in role 2, aligned by couple; ``NaN`` =
        missing. Couples with a missing score are left out.
    multiplier
        ``"n"`` (default): the likelihood-ratio statistic, as lavaan
        (``likelihood = "normal"``) and nlme ``gls(method = "ML")`` report it.
        ``"n-1"``: ``(n - 1) / n`` times that, the convention of Amos and of Kenny's
        printed examples.

    Returns
    -------
    Distinguishability
        The omnibus chi-square (df 2), the paired t test of the means and the
        Pitman-Morgan test of the variances. Fields are ``NaN`` (with ``reason``) when
        fewer than 3 couples are complete or the covariance matrix is singular.

    Raises
    ------
    ValueError
        If ``x1`` and ``x2`` are not 1-D, differ in length, have fewer than 3 entries or
        an infinite value, or ``multiplier`` is not ``"n"`` or ``"n-1"``.

    Notes
    -----
    Free model: bivariate normal with its own means and covariance matrix ``Sigma_1``
    (the ML, divide-by-n covariance). Restricted model: equal means and equal
    variances. Its ML estimates are the grand mean ``M`` and ``Sigma_0``, the average of
    the cross-product matrix about ``M`` and its role-swapped copy: with ``d`` the mean
    difference, ``Sigma_0 = [[s, c], [c, s]]`` where
    ``s = (S11 + S22) / 2 + d**2 / 4`` and ``c = S12 - d**2 / 4``. Both fits have
    ``tr(S Sigma^-1) = 2`` so ``chi2 = n * (log|Sigma_0| - log|Sigma_1|)``.

    Examples
    --------
    >>> res = distinguishability([8, 5, 7, 8, 8, 5, 3, 8, 6, 2], [6, 3, 2, 5, 7, 6, 4, 9, 7, 3])
    >>> round(res.chi_square, 4), res.df, round(res.t_means, 4), round(res.t_variances, 4)
    (1.4313, 2, 1.1767, 0.0152)
    """
    a, b = _pair(x1, x2)
    mult = _multiplier(multiplier)
    a, b = _complete(a, b)
    return _distinguishability(a, b, mult)


def _distinguishability(a: FloatArray, b: FloatArray, mult: Multiplier) -> Distinguishability:
    from scipy import special

    n = int(a.shape[0])
    m1 = m2 = v1 = v2 = t_means = p_means = t_var = p_var = chi2 = p_chi2 = _NAN
    reason: str | None = None
    if n < MIN_COUPLES:
        reason = _too_few(n)
    else:
        m1, m2, s11, s22, s12 = _moments(a, b)
        v1, v2, cov = s11 / (n - 1), s22 / (n - 1), s12 / (n - 1)
        # paired t test of the means
        d = a - b
        md = float(d.mean())
        ssd = float(np.square(d - md).sum())
        if ssd > 0.0:
            t_means = md / math.sqrt(ssd / (n - 1) / n)
            p_means = 2.0 * float(special.stdtr(n - 1, -abs(t_means)))
        elif md != 0.0:
            t_means, p_means = math.copysign(math.inf, md), 0.0
        # Pitman-Morgan test of the variances
        det_unbiased = v1 * v2 - cov * cov
        if det_unbiased > 0.0:
            t_var = (v1 - v2) * math.sqrt(n - 2) / (2.0 * math.sqrt(det_unbiased))
            p_var = 2.0 * float(special.stdtr(n - 2, -abs(t_var)))
        elif v1 != v2:
            t_var, p_var = math.copysign(math.inf, v1 - v2), 0.0
        # likelihood ratio from the ML (divide-by-n) moments
        det1 = (s11 * s22 - s12 * s12) / (n * n)
        sum_part = (0.5 * (s11 + s22) + s12) / n  # s + c of Sigma_0
        diff_part = (0.5 * (s11 + s22) - s12) / n + 0.5 * (m1 - m2) ** 2  # s - c
        if det1 > 0.0:
            factor = float(n) if mult == "n" else float(n - 1)
            chi2 = factor * (math.log(sum_part) + math.log(diff_part) - math.log(det1))
            chi2 = max(chi2, 0.0)
            p_chi2 = float(special.chdtrc(2, chi2))
        else:
            reason = (
                "the two scores are perfectly correlated or one has no variance: "
                "the free model is singular"
            )
    return Distinguishability(
        chi_square=chi2,
        df=2,
        p_value=p_chi2,
        multiplier=mult,
        mean_1=m1,
        mean_2=m2,
        t_means=t_means,
        df_means=float(n - 1) if n >= MIN_COUPLES else _NAN,
        p_means=p_means,
        variance_1=v1,
        variance_2=v2,
        t_variances=t_var,
        df_variances=float(n - 2) if n >= MIN_COUPLES else _NAN,
        p_variances=p_var,
        n_couples=n,
        reason=reason,
    )


def _matrix(x: ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers (couples x variables): {exc}") from None
    if arr.ndim == 1:
        arr = arr[:, np.newaxis]
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError(
            f"{name} must be a 2-D array (one row per couple, one column per variable), "
            f"got shape {arr.shape}"
        )
    if np.isinf(arr).any():
        raise ValueError(f"{name} has an infinite value: pass finite scores, NaN for missing")
    return arr


def joint_distinguishability(
    x1: ArrayLike, x2: ArrayLike, *, multiplier: Multiplier = "n"
) -> JointDistinguishability:
    """Test whether the two roles differ on several variables at once.

    The omnibus test of distinguishability of Kenny et al. (2006, ch. 6) and Olsen &
    Kenny (2006): the I-SAT model, in which swapping the partners leaves the means,
    variances and covariances unchanged, against the saturated model.

    Parameters
    ----------
    x1, x2
        ``(n, k)`` arrays: couple ``i``'s ``k`` scores for the partner in role 1 and in
        role 2 (same variables, same column order). A 1-D array is one variable.
        Couples with any missing score are left out.
    multiplier
        ``"n"`` (default, the likelihood ratio) or ``"n-1"`` (Amos, Kenny's printed
        examples); see :func:`distinguishability`.

    Returns
    -------
    JointDistinguishability
        Chi-square with ``k + k**2`` df. ``NaN`` (with ``reason``) when fewer than
        ``2k + 1`` couples are complete or the covariance matrix is singular.

    Raises
    ------
    ValueError
        If the arrays are not 1-D or 2-D, differ in shape, have fewer than 3 rows or an
        infinite value, or ``multiplier`` is not ``"n"`` or ``"n-1"``.

    Notes
    -----
    With ``P`` the permutation that swaps the two partners' blocks, the ML estimates of
    the restricted model are ``mu_0 = (xbar + P xbar) / 2`` and
    ``Sigma_0 = (A + P A P') / 2``, ``A`` the cross-product matrix about ``mu_0`` divided
    by ``n``; so ``chi2 = n * (log|Sigma_0| - log|Sigma_1|)``. With one variable this is
    :func:`distinguishability`'s chi-square.
    """
    from scipy import special

    a = _matrix(x1, "x1")
    b = _matrix(x2, "x2")
    if a.shape != b.shape:
        raise ValueError(
            f"x1 and x2 must have the same shape (couples x variables), got {a.shape} and {b.shape}"
        )
    if a.shape[0] < MIN_COUPLES:
        raise ValueError(f"pass at least {MIN_COUPLES} couples (got {a.shape[0]} rows)")
    mult = _multiplier(multiplier)
    k = int(a.shape[1])
    df = k + k * k
    data = np.concatenate([a, b], axis=1)
    data = data[~np.isnan(data).any(axis=1)]
    n = int(data.shape[0])

    def nan(reason: str) -> JointDistinguishability:
        return JointDistinguishability(_NAN, df, _NAN, mult, n, k, reason)

    if n < max(MIN_COUPLES, 2 * k + 1):
        return nan(_too_few(n, max(MIN_COUPLES, 2 * k + 1)))
    mean = data.mean(axis=0)
    centred = data - mean
    sigma1 = centred.T @ centred / n
    swap = np.concatenate([np.arange(k, 2 * k), np.arange(k)])
    mu0 = 0.5 * (mean + mean[swap])
    about0 = data - mu0
    cross = about0.T @ about0 / n
    sigma0 = 0.5 * (cross + cross[np.ix_(swap, swap)])
    size = np.abs(data).max(axis=0)
    sign1, logdet1 = np.linalg.slogdet(sigma1)
    sign0, logdet0 = np.linalg.slogdet(sigma0)
    if sign1 <= 0 or sign0 <= 0 or _singular(sigma1, size) or _singular(sigma0, size):
        return nan("the covariance matrix is singular (a variable is constant or collinear)")
    factor = float(n) if mult == "n" else float(n - 1)
    chi2 = max(0.0, factor * float(logdet0 - logdet1))
    return JointDistinguishability(chi2, df, float(special.chdtrc(df, chi2)), mult, n, k)


def _singular(matrix: FloatArray, size: FloatArray) -> bool:
    """Whether a covariance matrix is singular but for rounding, whichever order its columns.

    A variable is constant when its SD is below ``1e-12`` of its largest absolute value
    (rounding leaves a variance of about ``1e-32`` where there is none); variables are
    collinear when the smallest eigenvalue of their correlation matrix is below ``1e-10``.
    The sign of the determinant alone is rounding when the matrix is exactly singular: the
    same data with the partners swapped could be called singular one way and not the other.
    """
    sd = np.sqrt(np.maximum(np.diag(matrix), 0.0))
    if np.any(sd <= 1e-12 * np.maximum(size, np.finfo(float).tiny)):
        return True
    correlation = matrix / np.outer(sd, sd)
    return bool(np.linalg.eigvalsh(correlation).min() <= 1e-10)


# ---------------------------------------------------------------------------------------------
# Reliable discrepancy
# ---------------------------------------------------------------------------------------------


def _standard_errors(se: ArrayLike, name: str, n: int) -> FloatArray:
    try:
        arr = np.asarray(se, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number or an array of numbers: {exc}") from None
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        raise ValueError(
            f"{name} must be one standard error for everybody or one per couple "
            f"({n} values); got shape {arr.shape}"
        )
    if (arr < 0).any() or np.isinf(arr).any():
        raise ValueError(f"{name} must be finite and >= 0 (NaN for unknown)")
    return np.broadcast_to(arr, (n,))


def reliable_discrepancy(
    x1: ArrayLike,
    x2: ArrayLike,
    se1: ArrayLike,
    se2: ArrayLike,
    *,
    confidence_level: float = 0.95,
) -> ReliableDiscrepancy:
    """Per couple, whether the partners' scores differ by more than measurement error.

    Parameters
    ----------
    x1, x2
        Scores of partner 1 and partner 2, aligned by couple; ``NaN`` = missing.
    se1, se2
        Standard errors of measurement of ``x1`` and ``x2``: a scalar for everybody or
        one value per couple; ``>= 0``, ``NaN`` = unknown. For a scale with standard
        deviation ``sd`` and reliability ``rel``, ``se = sd * sqrt(1 - rel)``.
    confidence_level
        Two-sided level of the critical value (0.95 gives 1.959964...).

    Returns
    -------
    ReliableDiscrepancy
        ``difference = x1 - x2``, ``se = sqrt(se1**2 + se2**2)``, ``z``, and ``code``
        (1 reliable, 0 within error, -1 cannot tell). Negating the roles negates
        ``difference`` and ``z`` and keeps ``code``.

    Raises
    ------
    ValueError
        If the scores are not 1-D arrays of the same length (at least 1), a standard
        error is negative, infinite or of the wrong length, or ``confidence_level`` is
        not in (0, 1).

    Notes
    -----
    The Jacobson & Truax (1991) reliable change index applied to two people's scores
    instead of one person's two occasions: ``z = (x1 - x2) / sqrt(se1**2 + se2**2)``,
    reliable when ``|z|`` exceeds the critical value.

    Examples
    --------
    >>> res = reliable_discrepancy([4.5, 3.0, float("nan")], [2.0, 2.5, 1.0], 0.5, 0.5)
    >>> res.code.tolist(), res.reliable.tolist()
    ([1, 0, -1], [True, False, False])
    """
    a = _scores(x1, "x1")
    b = _scores(x2, "x2")
    if a.shape != b.shape:
        raise ValueError(
            f"x1 and x2 must have the same length (one entry per couple, aligned): "
            f"got {a.shape[0]} and {b.shape[0]}"
        )
    if a.shape[0] == 0:
        raise ValueError("pass at least one couple (x1 and x2 are empty)")
    level = _level(confidence_level)
    n = int(a.shape[0])
    s1 = _standard_errors(se1, "se1", n)
    s2 = _standard_errors(se2, "se2", n)
    critical = float(NormalDist().inv_cdf(0.5 * (1.0 + level)))
    se = np.sqrt(np.square(s1) + np.square(s2))
    difference = a - b
    known = ~(np.isnan(difference) | np.isnan(se))
    positive = known & (se > 0.0)
    z = np.full(n, np.nan)
    np.divide(difference, se, out=z, where=positive)
    degenerate = known & (se == 0.0)
    z[degenerate] = np.copysign(np.inf, difference[degenerate])
    z[degenerate & (difference == 0.0)] = 0.0
    code = np.full(n, -1, dtype=np.int8)
    code[known] = (np.abs(z[known]) > critical).astype(np.int8)
    for arr in (difference, se, z, code):
        arr.setflags(write=False)
    return ReliableDiscrepancy(
        difference=difference,
        se=se,
        z=z,
        critical=critical,
        code=code,
        confidence_level=level,
    )


# ---------------------------------------------------------------------------------------------
# Layouts
# ---------------------------------------------------------------------------------------------


def _column(values: ArrayLike, name: str, n: int) -> NDArray[np.generic]:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(
            f"column {name!r} must be 1-D with one value per row ({n}); got shape {arr.shape}"
        )
    return arr


def _roles(
    columns: Mapping[str, ArrayLike], couple: ArrayLike, member: ArrayLike
) -> tuple[NDArray[np.generic], NDArray[np.intp], NDArray[np.int64], int]:
    """Couple ids in order of first appearance, each row's couple index and its member."""
    couple_arr = np.asarray(couple)
    if couple_arr.ndim != 1:
        raise ValueError(f"couple must be a 1-D array of couple ids, got shape {couple_arr.shape}")
    n = int(couple_arr.shape[0])
    member_raw = _column(member, "member", n)
    try:
        member_arr = member_raw.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError("member must be 0 or 1 for every row (which partner the row is)") from None
    if not np.isin(member_arr, (0.0, 1.0)).all():
        raise ValueError("member must be 0 or 1 for every row (which partner the row is)")
    if couple_arr.dtype.kind == "f" and np.isnan(couple_arr).any():
        raise ValueError("couple has a missing id: every row needs its couple id")
    for name, values in columns.items():
        _column(values, name, n)
    uniques, first, inverse = np.unique(couple_arr, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    index = rank[inverse.reshape(-1)]
    members = member_arr.astype(np.int64)
    slots = np.bincount(index * 2 + members, minlength=2 * uniques.shape[0])
    if (slots > 1).any():
        bad = int(np.flatnonzero(slots > 1)[0])
        raise ValueError(
            f"couple {uniques[order][bad // 2]!r} has member {bad % 2} more than once: "
            f"pass one row per person"
        )
    return uniques[order], index, members, int(uniques.shape[0])


def _spread(values: NDArray[np.generic], index: NDArray[np.intp], rows: int) -> NDArray[np.generic]:
    """Place each row's value at its couple's position; absent people get NaN or None."""
    if values.dtype.kind in "biuf":
        out: NDArray[np.generic] = np.full(rows, np.nan)
    else:
        out = np.full(rows, None, dtype=object)
    out[index] = values
    return out


def _check_names(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(
                f"two output columns would both be called {name!r}: rename a variable or "
                f"choose other suffixes"
            )
        seen.add(name)


def dyad_layout(
    columns: Mapping[str, ArrayLike],
    *,
    couple: ArrayLike,
    member: ArrayLike,
    suffixes: tuple[str, str] = ("_1", "_2"),
) -> dict[str, NDArray[np.generic]]:
    """Individual layout (one row per person) to dyad layout (one row per couple).

    Parameters
    ----------
    columns
        Variables, one value per person: ``{"anxiety": [...], ...}``.
    couple
        Couple id of each person (any sortable ids: numbers or strings).
    member
        0 or 1: which partner of the couple the row is.
    suffixes
        Appended to each variable name for member 0 and member 1.

    Returns
    -------
    dict
        ``"couple"`` (ids in order of first appearance), then every variable twice:
        ``name + suffixes[0]`` (member 0) and ``name + suffixes[1]`` (member 1). A
        partner absent from the data gets ``NaN`` (numeric variables) or ``None``.

    Raises
    ------
    ValueError
        If lengths differ, ``member`` is not 0/1, a couple has the same member twice, a
        couple id is missing, or output names would collide.

    Examples
    --------
    >>> out = dyad_layout({"x": [1.0, 2.0, 3.0]}, couple=[7, 7, 9], member=[0, 1, 0])
    >>> out["couple"].tolist(), out["x_1"].tolist(), out["x_2"].tolist()
    ([7, 9], [1.0, 3.0], [2.0, nan])
    """
    if len(suffixes) != 2 or suffixes[0] == suffixes[1]:
        raise ValueError(f"suffixes must be two different strings, got {suffixes!r}")
    ids, index, members, rows = _roles(columns, couple, member)
    names = ["couple"] + [f"{name}{s}" for name in columns for s in suffixes]
    _check_names(names)
    out: dict[str, NDArray[np.generic]] = {"couple": ids}
    for name, values in columns.items():
        arr = np.asarray(values)
        for role, suffix in enumerate(suffixes):
            mask = members == role
            out[f"{name}{suffix}"] = _spread(arr[mask], index[mask], rows)
    return out


def pairwise_layout(
    columns: Mapping[str, ArrayLike],
    *,
    couple: ArrayLike,
    member: ArrayLike,
    suffixes: tuple[str, str] = ("_A", "_P"),
) -> dict[str, NDArray[np.generic]]:
    """Individual layout to pairwise (double-entry) layout: two rows per couple.

    The layout that actor-partner interdependence models (APIM) in multilevel software
    expect: each person appears once as the actor, with their own scores in the
    ``_A`` columns and their partner's in the ``_P`` columns.

    Parameters
    ----------
    columns
        Variables, one value per person.
    couple
        Couple id of each person.
    member
        0 or 1: which partner of the couple the row is.
    suffixes
        Appended for the actor's own score and for the partner's score.

    Returns
    -------
    dict
        ``"couple"``; ``"member"`` (the actor: 0 or 1); ``"partner"`` (the partner:
        ``1 - member``); then ``name + suffixes[0]`` and ``name + suffixes[1]`` for
        every variable. Rows come in couple order (first appearance), member 0 first.
        A person absent from the data still has their row (``NaN``/``None`` scores),
        so every couple has exactly two rows.

    Raises
    ------
    ValueError
        As :func:`dyad_layout`.

    Examples
    --------
    >>> out = pairwise_layout({"x": [1.0, 2.0]}, couple=["a", "a"], member=[0, 1])
    >>> out["member"].tolist(), out["x_A"].tolist(), out["x_P"].tolist()
    ([0, 1], [1.0, 2.0], [2.0, 1.0])
    """
    if len(suffixes) != 2 or suffixes[0] == suffixes[1]:
        raise ValueError(f"suffixes must be two different strings, got {suffixes!r}")
    ids, index, members, rows = _roles(columns, couple, member)
    names = ["couple", "member", "partner"] + [f"{n}{s}" for n in columns for s in suffixes]
    _check_names(names)
    actor_member = np.tile(np.array([0, 1], dtype=np.int64), rows)
    out: dict[str, NDArray[np.generic]] = {
        "couple": np.repeat(ids, 2),
        "member": actor_member,
        "partner": 1 - actor_member,
    }
    own_row = index * 2 + members  # the row where this person is the actor
    partner_row = index * 2 + (1 - members)  # the row where this person is the partner
    for name, values in columns.items():
        arr = np.asarray(values)
        out[f"{name}{suffixes[0]}"] = _spread(arr, own_row, 2 * rows)
        out[f"{name}{suffixes[1]}"] = _spread(arr, partner_row, 2 * rows)
    return out


def individual_layout(
    columns: Mapping[str, ArrayLike],
    *,
    couple: ArrayLike,
    suffixes: tuple[str, str] = ("_1", "_2"),
) -> dict[str, NDArray[np.generic]]:
    """Dyad layout (one row per couple) back to individual layout (one row per person).

    Parameters
    ----------
    columns
        Dyad-layout variables: every name appears with both suffixes
        (``{"x_1": ..., "x_2": ...}``), one value per couple.
    couple
        Couple id of each row.
    suffixes
        The two suffixes marking member 0 and member 1.

    Returns
    -------
    dict
        ``"couple"``, ``"member"`` (0, 1) and each variable without its suffix; two rows
        per couple, member 0 first.

    Raises
    ------
    ValueError
        If a column does not end in one of the suffixes, a variable lacks one of its two
        columns, or lengths differ.

    Examples
    --------
    >>> out = individual_layout({"x_1": [1.0, 3.0], "x_2": [2.0, 4.0]}, couple=[7, 9])
    >>> out["couple"].tolist(), out["member"].tolist(), out["x"].tolist()
    ([7, 7, 9, 9], [0, 1, 0, 1], [1.0, 2.0, 3.0, 4.0])
    """
    if len(suffixes) != 2 or suffixes[0] == suffixes[1]:
        raise ValueError(f"suffixes must be two different strings, got {suffixes!r}")
    ids = np.asarray(couple)
    if ids.ndim != 1:
        raise ValueError(f"couple must be a 1-D array of couple ids, got shape {ids.shape}")
    rows = int(ids.shape[0])
    pairs: dict[str, list[NDArray[np.generic] | None]] = {}
    for name, values in columns.items():
        arr = _column(values, name, rows)
        for role, suffix in enumerate(suffixes):
            if name.endswith(suffix) and len(name) > len(suffix):
                pairs.setdefault(name[: -len(suffix)], [None, None])[role] = arr
                break
        else:
            raise ValueError(
                f"column {name!r} ends in neither {suffixes[0]!r} nor {suffixes[1]!r}: "
                f"pass dyad-layout columns only"
            )
    out: dict[str, NDArray[np.generic]] = {
        "couple": np.repeat(ids, 2),
        "member": np.tile(np.array([0, 1], dtype=np.int64), rows),
    }
    for base, (first, second) in pairs.items():
        if first is None or second is None:
            missing = suffixes[0] if first is None else suffixes[1]
            raise ValueError(f"variable {base!r} has no column {base + missing!r}")
        if base in out:
            raise ValueError(f"a variable may not be called {base!r}: rename it")
        stacked = np.empty(2 * rows, dtype=np.result_type(first, second))
        stacked[0::2] = first
        stacked[1::2] = second
        out[base] = stacked
    return out

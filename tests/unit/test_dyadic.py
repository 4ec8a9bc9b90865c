"""Unit tests of relscales.dyadic (statistics of couples).

- published worked examples, reproduced at their printed precision;
- differential tests against ``naive_*`` reference implementations below: plain Python
  loops over couples written from the published formulas, sharing no code with the
  module (scipy supplies only the distribution functions and an optimiser);
- the likelihood-ratio closed form checked against per-couple log-likelihoods and a
  numerical maximisation of the restricted model;
- layouts (round trips, pairwise structure), argument validation and missing data.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from relscales.dyadic import (
    Nonindependence,
    distinguishability,
    dyad_layout,
    icc_from_mean_squares,
    individual_layout,
    joint_distinguishability,
    nonindependence,
    pairwise_icc,
    pairwise_layout,
    reliable_discrepancy,
)

FIXTURE = Path(__file__).resolve().parents[1] / "r" / "fixtures" / "dyadic"
KKC_X1 = [8.0, 5, 7, 8, 8, 5, 3, 8, 6, 2]
KKC_X2 = [6.0, 3, 2, 5, 7, 6, 4, 9, 7, 3]


def acitelli() -> dict[str, np.ndarray]:
    with (FIXTURE / "acitelli.csv").open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


# ------------------------------------------------------------------ naive references


def complete_pairs(x1: list[float], x2: list[float]) -> list[tuple[float, float]]:
    return [(a, b) for a, b in zip(x1, x2, strict=True) if not (math.isnan(a) or math.isnan(b))]


def naive_icc(x1: list[float], x2: list[float], level: float = 0.95) -> dict[str, float]:
    from scipy import stats

    pairs = complete_pairs(x1, x2)
    n = len(pairs)
    grand = 0.0
    for a, b in pairs:
        grand += a + b
    grand /= 2 * n
    ssb = ssw = 0.0
    for a, b in pairs:
        ssb += 2 * ((a + b) / 2 - grand) ** 2
        ssw += (a - b) ** 2 / 2
    msb, msw = ssb / (n - 1), ssw / n
    r = (msb - msw) / (msb + msw)
    if r >= 0:
        f, df1, df2 = msb / msw, n - 1, n
    else:
        f, df1, df2 = msw / msb, n, n - 1
    q = (1 + level) / 2
    fl = (msb / msw) / stats.f.ppf(q, n - 1, n)
    fu = (msb / msw) * stats.f.ppf(q, n, n - 1)
    return {
        "estimate": r,
        "statistic": f,
        "df1": df1,
        "df2": df2,
        "p_value": min(1.0, 2 * stats.f.sf(f, df1, df2)),
        "ci_low": (fl - 1) / (fl + 1),
        "ci_high": (fu - 1) / (fu + 1),
        "ms_between": msb,
        "ms_within": msw,
    }


def naive_pearson(x1: list[float], x2: list[float], level: float = 0.95) -> dict[str, float]:
    from scipy import stats

    pairs = complete_pairs(x1, x2)
    n = len(pairs)
    m1 = sum(a for a, _ in pairs) / n
    m2 = sum(b for _, b in pairs) / n
    s11 = s22 = s12 = 0.0
    for a, b in pairs:
        s11 += (a - m1) ** 2
        s22 += (b - m2) ** 2
        s12 += (a - m1) * (b - m2)
    r = s12 / math.sqrt(s11 * s22)
    t = r * math.sqrt(n - 2) / math.sqrt(1 - r * r)
    half = stats.norm.ppf((1 + level) / 2) / math.sqrt(n - 3)
    return {
        "estimate": r,
        "statistic": t,
        "p_value": 2 * stats.t.sf(abs(t), n - 2),
        "ci_low": math.tanh(math.atanh(r) - half),
        "ci_high": math.tanh(math.atanh(r) + half),
    }


def naive_pairwise(x1: list[float], x2: list[float]) -> dict[str, float]:
    """Pearson r of the double-entered data: every couple once as (x1, x2), once (x2, x1)."""
    from scipy import stats

    pairs = complete_pairs(x1, x2)
    col_a = [a for a, _ in pairs] + [b for _, b in pairs]
    col_b = [b for _, b in pairs] + [a for a, _ in pairs]
    ma, mb = sum(col_a) / len(col_a), sum(col_b) / len(col_b)
    sab = sum((u - ma) * (v - mb) for u, v in zip(col_a, col_b, strict=True))
    saa = sum((u - ma) ** 2 for u in col_a)
    sbb = sum((v - mb) ** 2 for v in col_b)
    r = sab / math.sqrt(saa * sbb)
    z = r * math.sqrt(len(pairs))
    return {"estimate": r, "statistic": z, "p_value": 2 * stats.norm.sf(abs(z))}


def bivariate_loglik(
    pairs: list[tuple[float, float]], mu: tuple[float, float], cov: np.ndarray
) -> float:
    """Sum over couples of the bivariate normal log density."""
    inv = np.linalg.inv(cov)
    logdet = math.log(np.linalg.det(cov))
    total = 0.0
    for a, b in pairs:
        d = np.array([a - mu[0], b - mu[1]])
        total += -math.log(2 * math.pi) - 0.5 * logdet - 0.5 * float(d @ inv @ d)
    return total


def naive_distinguishability(x1: list[float], x2: list[float]) -> dict[str, float]:
    pairs = complete_pairs(x1, x2)
    n = len(pairs)
    m1 = sum(a for a, _ in pairs) / n
    m2 = sum(b for _, b in pairs) / n
    s11 = sum((a - m1) ** 2 for a, _ in pairs) / n
    s22 = sum((b - m2) ** 2 for _, b in pairs) / n
    s12 = sum((a - m1) * (b - m2) for a, b in pairs) / n
    free = bivariate_loglik(pairs, (m1, m2), np.array([[s11, s12], [s12, s22]]))
    grand = (m1 + m2) / 2
    a11 = sum((a - grand) ** 2 for a, _ in pairs) / n
    a22 = sum((b - grand) ** 2 for _, b in pairs) / n
    a12 = sum((a - grand) * (b - grand) for a, b in pairs) / n
    s = (a11 + a22) / 2
    restricted = bivariate_loglik(pairs, (grand, grand), np.array([[s, a12], [a12, s]]))
    diffs = [a - b for a, b in pairs]
    md = sum(diffs) / n
    sd = math.sqrt(sum((d - md) ** 2 for d in diffs) / (n - 1))
    v1, v2, c = s11 * n / (n - 1), s22 * n / (n - 1), s12 * n / (n - 1)
    sums = [a + b for a, b in pairs]
    ms = sum(sums) / n
    r_sd = sum((u - ms) * (d - md) for u, d in zip(sums, diffs, strict=True)) / math.sqrt(
        sum((u - ms) ** 2 for u in sums) * sum((d - md) ** 2 for d in diffs)
    )
    return {
        "chi_square": 2 * (free - restricted),
        "t_means": md / (sd / math.sqrt(n)),
        "t_variances": (v1 - v2) * math.sqrt(n - 2) / (2 * math.sqrt(v1 * v2 - c * c)),
        "t_variances_sum_diff": r_sd * math.sqrt(n - 2) / math.sqrt(1 - r_sd**2),
        "free_loglik": free,
        "restricted_loglik": restricted,
    }


def naive_discrepancy(
    x1: list[float], x2: list[float], se1: list[float], se2: list[float], level: float = 0.95
) -> list[int]:
    from scipy import stats

    crit = stats.norm.ppf((1 + level) / 2)
    codes = []
    for a, b, s1, s2 in zip(x1, x2, se1, se2, strict=True):
        if any(math.isnan(v) for v in (a, b, s1, s2)):
            codes.append(-1)
            continue
        codes.append(int(abs(a - b) / math.sqrt(s1 * s1 + s2 * s2) > crit))
    return codes


def simulated(seed: int, n: int, rho: float, missing: float) -> tuple[list[float], list[float]]:
    rng = np.random.default_rng(seed)
    z1 = rng.normal(size=n)
    z2 = rho * z1 + math.sqrt(1 - rho * rho) * rng.normal(size=n)
    x1 = 4 + 1.2 * z1
    x2 = 3.5 + 0.9 * z2
    x1[rng.random(n) < missing] = np.nan
    x2[rng.random(n) < missing] = np.nan
    return x1.tolist(), x2.tolist()


SIMS = [(1, 12, 0.5, 0.0), (2, 50, -0.4, 0.1), (3, 200, 0.8, 0.05), (4, 7, 0.0, 0.2)]


# --------------------------------------------------------------- published examples


def test_kenny_icc_spreadsheet() -> None:
    """Kenny's ICC.xls (Garcia & Kenny dyadic workshop): MS_B 2.106, MS_W 1.481, 148 dyads.

    Printed: ICC .17424031, F 1.42201215, p .03321584, CI [.01398324, .32568949].
    """
    from scipy import stats

    res = icc_from_mean_squares(2.106, 1.481, 148)
    assert (round(res.estimate, 8), round(res.statistic, 8), round(res.p_value, 8)) == (
        0.17424031,
        1.42201215,
        0.03321584,
    )
    assert res.df == (147.0, 148.0)
    # The sheet's interval uses F critical values with the df swapped (n, n - 1 for the
    # lower bound); the exact pivot (McGraw & Wong 1996; psych::ICC) has (n - 1, n).
    # The two agree to 3 decimals here, and swapping reproduces the sheet exactly:
    assert (round(res.ci_low, 3), round(res.ci_high, 3)) == (0.014, 0.326)
    f = 2.106 / 1.481
    lo = f / stats.f.ppf(0.975, 148, 147)
    hi = f * stats.f.ppf(0.975, 147, 148)
    assert (round((lo - 1) / (lo + 1), 8), round((hi - 1) / (hi + 1), 8)) == (
        0.01398324,
        0.32568949,
    )


def test_kenny_nonindependence_spreadsheet_acitelli() -> None:
    """Kenny's NonindependenceExplained.xlsx on the Acitelli couples.

    Printed: ICC for satisfaction (no predictors) .618; raw r for satisfaction .623;
    r of the predictor (other-positivity) .235.
    """
    data = acitelli()
    sat = nonindependence(data["satisfaction_1"], data["satisfaction_2"], distinguishable=False)
    assert round(sat.estimate, 3) == 0.618
    assert sat.n_couples == 148
    raw = nonindependence(data["satisfaction_1"], data["satisfaction_2"], distinguishable=True)
    assert round(raw.estimate, 3) == 0.623
    other = nonindependence(data["otherpos_1"], data["otherpos_2"], distinguishable=False)
    assert round(other.estimate, 3) == 0.235


def test_kenny_test_of_distinguishability_acitelli() -> None:
    """Kenny (2013), "Test of Distinguishability", Acitelli data, satisfaction and
    other-positivity of wife and husband (SEM, Amos): chi2(6) = 9.192, p = .163."""
    data = acitelli()
    x1 = np.column_stack([data["otherpos_1"], data["satisfaction_1"]])
    x2 = np.column_stack([data["otherpos_2"], data["satisfaction_2"]])
    res = joint_distinguishability(x1, x2, multiplier="n-1")
    assert (round(res.chi_square, 3), res.df, round(res.p_value, 3)) == (9.192, 6, 0.163)
    assert res.n_couples == 148


def test_seodle_six_dyads() -> None:
    """seodle.info's worked ICC example (first six dyads of Kenny et al., Table 2.1).

    Printed (R): MSb 3.93333333333333, MSw 3.66666666666667.
    """
    res = nonindependence(KKC_X1[:6], KKC_X2[:6], distinguishable=False)
    assert round(res.ms_between, 14) == 3.93333333333333
    assert round(res.ms_within, 14) == 3.66666666666667


# ------------------------------------------------------------ differential (naive loops)


@pytest.mark.parametrize(("seed", "n", "rho", "missing"), SIMS)
def test_icc_matches_naive(seed: int, n: int, rho: float, missing: float) -> None:
    x1, x2 = simulated(seed, n, rho, missing)
    ours = nonindependence(x1, x2, distinguishable=False)
    ref = naive_icc(x1, x2)
    for key in ("estimate", "statistic", "p_value", "ci_low", "ci_high", "ms_between", "ms_within"):
        assert_allclose(getattr(ours, key), ref[key], rtol=1e-12, atol=1e-14, err_msg=key)
    assert ours.df == (ref["df1"], ref["df2"])
    assert ours.n_couples == len(complete_pairs(x1, x2))


@pytest.mark.parametrize(("seed", "n", "rho", "missing"), SIMS)
def test_pearson_matches_naive(seed: int, n: int, rho: float, missing: float) -> None:
    x1, x2 = simulated(seed, n, rho, missing)
    ours = nonindependence(x1, x2, distinguishable=True, confidence_level=0.95)
    ref = naive_pearson(x1, x2)
    for key, want in ref.items():
        assert_allclose(getattr(ours, key), want, rtol=1e-12, atol=1e-14, err_msg=key)


@pytest.mark.parametrize(("seed", "n", "rho", "missing"), SIMS)
def test_pairwise_matches_naive(seed: int, n: int, rho: float, missing: float) -> None:
    x1, x2 = simulated(seed, n, rho, missing)
    ours = pairwise_icc(x1, x2)
    for key, want in naive_pairwise(x1, x2).items():
        assert_allclose(getattr(ours, key), want, rtol=1e-12, atol=1e-14, err_msg=key)


@pytest.mark.parametrize(("seed", "n", "rho", "missing"), SIMS)
def test_distinguishability_matches_loglik(seed: int, n: int, rho: float, missing: float) -> None:
    from scipy import stats

    x1, x2 = simulated(seed, n, rho, missing)
    ours = distinguishability(x1, x2)
    ref = naive_distinguishability(x1, x2)
    assert_allclose(ours.chi_square, ref["chi_square"], rtol=1e-9, atol=1e-10)
    assert_allclose(ours.t_means, ref["t_means"], rtol=1e-12)
    assert_allclose(ours.t_variances, ref["t_variances"], rtol=1e-10)
    assert_allclose(ours.t_variances, ref["t_variances_sum_diff"], rtol=1e-9)
    assert_allclose(ours.p_value, stats.chi2.sf(ref["chi_square"], 2), rtol=1e-8, atol=1e-14)


@pytest.mark.parametrize(("seed", "n", "rho", "missing"), SIMS[:3])
def test_restricted_closed_form_is_the_maximum(
    seed: int, n: int, rho: float, missing: float
) -> None:
    """No (mu, s, c) found by a numerical optimiser beats the closed-form restricted MLE."""
    from scipy import optimize

    x1, x2 = simulated(seed, n, rho, missing)
    pairs = complete_pairs(x1, x2)
    arr = np.array(pairs)

    def negloglik(theta: np.ndarray) -> float:
        mu, log_s, z = theta
        s = math.exp(log_s)
        c = s * math.tanh(z)
        return -bivariate_loglik(pairs, (mu, mu), np.array([[s, c], [c, s]]))

    start = np.array([arr.mean() + 0.3, math.log(arr.var() * 1.5), 0.0])
    best = optimize.minimize(
        negloglik,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
    )
    closed = naive_distinguishability(x1, x2)["restricted_loglik"]
    assert -best.fun <= closed + 1e-7
    assert -best.fun >= closed - 1e-5  # and the optimiser does find it


def test_joint_closed_form_is_the_isat_maximum() -> None:
    """Two variables: the I-SAT closed form equals a numerical maximisation (8 parameters)."""
    from scipy import optimize

    data = acitelli()
    x = np.column_stack(
        [data["otherpos_1"], data["satisfaction_1"], data["otherpos_2"], data["satisfaction_2"]]
    )
    n = x.shape[0]

    def build(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m1, m2, v1, v2, w, c11, c22, c12 = theta
        mu = np.array([m1, m2, m1, m2])
        within = np.array([[v1, w], [w, v2]])
        cross = np.array([[c11, c12], [c12, c22]])
        return mu, np.block([[within, cross], [cross, within]])

    def negloglik(theta: np.ndarray) -> float:
        mu, cov = build(theta)
        sign, logdet = np.linalg.slogdet(cov)
        if sign <= 0:
            return 1e10
        d = x - mu
        return 0.5 * (n * logdet + float(np.einsum("ij,jk,ik->", d, np.linalg.inv(cov), d)))

    m = x.mean(axis=0)
    cov = np.cov(x.T)
    start = np.array([m[0], m[1], cov[0, 0], cov[1, 1], cov[0, 1], cov[0, 2], cov[1, 3], cov[0, 3]])
    best = optimize.minimize(negloglik, start, method="BFGS", options={"gtol": 1e-10})
    d = x - m
    free = 0.5 * (n * np.linalg.slogdet(d.T @ d / n)[1] + n * 4)
    chi2 = 2 * (best.fun - free)
    ours = joint_distinguishability(x[:, :2], x[:, 2:])
    assert_allclose(ours.chi_square, chi2, rtol=1e-6)
    assert ours.df == 6


def test_joint_with_one_variable_is_distinguishability() -> None:
    x1, x2 = simulated(9, 40, 0.3, 0.1)
    one = distinguishability(x1, x2)
    joint = joint_distinguishability(x1, x2)
    assert joint.df == one.df == 2
    assert_allclose(joint.chi_square, one.chi_square, rtol=1e-10)
    assert joint.n_couples == one.n_couples


def test_reliable_discrepancy_matches_naive() -> None:
    rng = np.random.default_rng(5)
    n = 60
    x1 = rng.normal(50, 10, n)
    x2 = rng.normal(50, 10, n)
    se1 = rng.uniform(1, 6, n)
    se2 = rng.uniform(1, 6, n)
    x1[[3, 10]] = np.nan
    se2[[20]] = np.nan
    res = reliable_discrepancy(x1, x2, se1, se2)
    assert res.code.tolist() == naive_discrepancy(
        x1.tolist(), x2.tolist(), se1.tolist(), se2.tolist()
    )
    assert res.reliable.tolist() == [c == 1 for c in res.code.tolist()]
    assert res.undetermined.tolist() == [c == -1 for c in res.code.tolist()]
    assert res.n_couples == n - 3
    assert_allclose(res.critical, 1.959963984540054)


def test_reliable_discrepancy_scalars_and_levels() -> None:
    from scipy import stats

    res = reliable_discrepancy(
        [11.0, 12.0, 11.0], [8.0, 12.0, 20.0], 1.0, 1.0, confidence_level=0.9
    )
    assert_allclose(res.se, [math.sqrt(2)] * 3)
    assert_allclose(res.z, [3 / math.sqrt(2), 0.0, -9 / math.sqrt(2)])
    assert res.code.tolist() == [1, 0, 1]
    assert_allclose(res.critical, stats.norm.ppf(0.95))
    zero = reliable_discrepancy([1.0, 2.0, 3.0], [1.0, 1.0, 4.0], 0.0, 0.0)
    assert zero.z.tolist() == [0.0, math.inf, -math.inf]
    assert zero.code.tolist() == [0, 1, 1]
    with pytest.raises(ValueError, match="read-only"):
        res.z[0] = 1.0


# ------------------------------------------------------------------- degenerate and missing


def test_too_few_complete_couples_give_nan_with_reason() -> None:
    x1 = [1.0, np.nan, 3.0, 4.0]
    x2 = [2.0, 2.0, np.nan, 5.0]
    for res in (
        nonindependence(x1, x2, distinguishable=False),
        nonindependence(x1, x2, distinguishable=True),
    ):
        assert res.n_couples == 2
        assert math.isnan(res.estimate)
        assert math.isnan(res.p_value)
        assert res.reason is not None
        assert "2 complete couple" in res.reason
    pw = pairwise_icc(x1, x2)
    assert math.isnan(pw.estimate)
    assert pw.n_couples == 2
    assert pw.reason
    dist = distinguishability(x1, x2)
    assert math.isnan(dist.chi_square)
    assert math.isnan(dist.t_means)
    assert dist.reason
    assert math.isnan(dist.df_means)
    joint = joint_distinguishability(x1, x2)
    assert math.isnan(joint.chi_square)
    assert joint.reason


def test_all_missing_is_not_a_crash() -> None:
    nan = [math.nan] * 5
    assert nonindependence(nan, nan, distinguishable=False).n_couples == 0
    assert pairwise_icc(nan, nan).n_couples == 0
    assert distinguishability(nan, nan).n_couples == 0
    res = reliable_discrepancy(nan, nan, 1.0, 1.0)
    assert res.code.tolist() == [-1] * 5


def test_three_couples_pearson_has_no_interval() -> None:
    res = nonindependence([1.0, 2.0, 4.0], [2.0, 1.0, 5.0], distinguishable=True)
    assert res.n_couples == 3
    assert not math.isnan(res.estimate)
    assert res.df == (1.0,)
    assert math.isnan(res.ci_low)
    assert math.isnan(res.ci_high)
    assert res.reason is not None
    assert "4 complete couples" in res.reason


def test_no_variance() -> None:
    same = [3.0, 3.0, 3.0, 3.0]
    res = nonindependence(same, same, distinguishable=False)
    assert math.isnan(res.estimate)
    assert res.reason
    assert "no variance" in res.reason
    res = nonindependence(same, [1.0, 2.0, 3.0, 4.0], distinguishable=True)
    assert math.isnan(res.estimate)
    assert res.reason
    assert "no variance" in res.reason
    assert pairwise_icc(same, same).reason
    dist = distinguishability(same, same)
    assert math.isnan(dist.chi_square)
    assert dist.reason
    assert math.isnan(dist.t_means)
    assert math.isnan(dist.t_variances)


def test_perfect_agreement_and_perfect_disagreement() -> None:
    x = [1.0, 2.0, 3.0, 5.0]
    same = nonindependence(x, x, distinguishable=False)
    assert same.estimate == 1.0
    assert same.statistic == math.inf
    assert same.p_value == 0.0
    assert (same.ci_low, same.ci_high) == (1.0, 1.0)
    # every couple has the same mean: MS_B = 0, r_I = -1
    opposite = nonindependence([1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0], distinguishable=False)
    assert opposite.estimate == -1.0
    assert opposite.statistic == math.inf
    assert opposite.df == (4.0, 3.0)
    assert (opposite.ci_low, opposite.ci_high) == (-1.0, -1.0)
    r1 = nonindependence(x, [2 * v + 1 for v in x], distinguishable=True)
    assert r1.estimate == pytest.approx(1.0)
    assert r1.p_value == 0.0
    dist = distinguishability(x, [2 * v + 1 for v in x])
    assert math.isnan(dist.chi_square)
    assert dist.reason
    assert "singular" in dist.reason
    assert dist.t_variances == -math.inf  # variance of x2 is 4 times larger


def test_constant_difference_gives_infinite_paired_t() -> None:
    x1 = [2.0, 4.0, 3.0, 6.0]
    res = distinguishability(x1, [v - 1 for v in x1])
    assert res.t_means == math.inf
    assert res.p_means == 0.0
    assert math.isnan(res.chi_square)  # perfectly correlated: the free model is singular


def test_negative_icc_inverts_f() -> None:
    x1, x2 = simulated(11, 60, -0.7, 0.0)
    res = nonindependence(x1, x2, distinguishable=False)
    assert res.estimate < 0
    assert res.df == (60.0, 59.0)
    assert_allclose(res.statistic, res.ms_within / res.ms_between)
    assert res.ci_low < res.estimate < res.ci_high


def test_p_value_is_capped_at_one() -> None:
    # r_I just below 0: F = MS_W / MS_B ~ 1 on (n, n - 1) df, whose median exceeds 1,
    # so 2 * P(F > F_obs) exceeds 1
    res = icc_from_mean_squares(0.999, 1.0, 5)
    assert res.estimate < 0.0
    assert res.df == (5.0, 4.0)
    assert res.p_value == 1.0


def test_missing_couples_are_dropped_listwise() -> None:
    x1, x2 = simulated(21, 30, 0.4, 0.0)
    with_gaps_1 = [*x1, math.nan, 2.0]
    with_gaps_2 = [*x2, 1.0, math.nan]
    for distinguishable in (False, True):
        a = nonindependence(x1, x2, distinguishable=distinguishable)
        b = nonindependence(with_gaps_1, with_gaps_2, distinguishable=distinguishable)
        assert a == b
    assert pairwise_icc(x1, x2) == pairwise_icc(with_gaps_1, with_gaps_2)
    assert distinguishability(x1, x2) == distinguishability(with_gaps_1, with_gaps_2)


def test_results_are_frozen() -> None:
    res = nonindependence(KKC_X1, KKC_X2, distinguishable=False)
    assert isinstance(res, Nonindependence)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 0.0  # type: ignore[misc]


# ----------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("x1", "x2", "message"),
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0], "same length"),
        ([1.0, 2.0], [1.0, 2.0], "at least 3 couples"),
        ([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]], "1-D"),
        ([1.0, math.inf, 3.0], [1.0, 2.0, 3.0], "infinite"),
        (["a", "b", "c"], [1.0, 2.0, 3.0], "must be numbers"),
    ],
)
def test_bad_scores(x1: object, x2: object, message: str) -> None:
    for call in (
        lambda: nonindependence(x1, x2, distinguishable=False),  # type: ignore[arg-type]
        lambda: pairwise_icc(x1, x2),  # type: ignore[arg-type]
        lambda: distinguishability(x1, x2),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValueError, match=message):
            call()


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, math.nan, True, "0.95", None])
def test_bad_confidence_level(level: object) -> None:
    with pytest.raises(ValueError, match="confidence_level"):
        nonindependence(KKC_X1, KKC_X2, distinguishable=True, confidence_level=level)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="confidence_level"):
        reliable_discrepancy(KKC_X1, KKC_X2, 1.0, 1.0, confidence_level=level)  # type: ignore[arg-type]


def test_distinguishable_must_be_a_bool() -> None:
    with pytest.raises(ValueError, match="distinguishable must be True"):
        nonindependence(KKC_X1, KKC_X2, distinguishable="yes")  # type: ignore[arg-type]


def test_bad_multiplier_and_mean_squares() -> None:
    with pytest.raises(ValueError, match='"n" or "n-1"'):
        distinguishability(KKC_X1, KKC_X2, multiplier="n+1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='"n" or "n-1"'):
        joint_distinguishability(KKC_X1, KKC_X2, multiplier="N")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ms_between"):
        icc_from_mean_squares(-1.0, 1.0, 10)
    with pytest.raises(ValueError, match="ms_within"):
        icc_from_mean_squares(1.0, math.nan, 10)
    with pytest.raises(ValueError, match="integer"):
        icc_from_mean_squares(1.0, 1.0, 10.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 3"):
        icc_from_mean_squares(1.0, 1.0, 2)


def test_bad_joint_shapes() -> None:
    with pytest.raises(ValueError, match="same shape"):
        joint_distinguishability(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="2-D"):
        joint_distinguishability(np.zeros((5, 2, 2)), np.zeros((5, 2, 2)))
    with pytest.raises(ValueError, match="at least 3"):
        joint_distinguishability(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="infinite"):
        joint_distinguishability(np.full((4, 2), np.inf), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="must be numbers"):
        joint_distinguishability([["a"], ["b"], ["c"]], np.zeros((3, 1)))
    tiny = joint_distinguishability(np.arange(12.0).reshape(4, 3), np.arange(12.0).reshape(4, 3))
    assert math.isnan(tiny.chi_square)
    assert tiny.reason
    assert "7 are needed" in tiny.reason
    rng = np.random.default_rng(3)
    a = rng.normal(size=(20, 2))
    collinear = joint_distinguishability(np.column_stack([a[:, 0], 2 * a[:, 0]]), a)
    assert math.isnan(collinear.chi_square)
    assert collinear.reason
    assert "singular" in collinear.reason


def test_bad_standard_errors() -> None:
    with pytest.raises(ValueError, match="se1"):
        reliable_discrepancy([1.0, 2.0], [1.0, 2.0], -1.0, 1.0)
    with pytest.raises(ValueError, match="se2"):
        reliable_discrepancy([1.0, 2.0], [1.0, 2.0], 1.0, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="se1"):
        reliable_discrepancy([1.0, 2.0], [1.0, 2.0], math.inf, 1.0)
    with pytest.raises(ValueError, match="se1"):
        reliable_discrepancy([1.0, 2.0], [1.0, 2.0], "x", 1.0)
    with pytest.raises(ValueError, match="at least one couple"):
        reliable_discrepancy([], [], 1.0, 1.0)
    with pytest.raises(ValueError, match="same length"):
        reliable_discrepancy([1.0], [1.0, 2.0], 1.0, 1.0)


# --------------------------------------------------------------------------- layouts


def individual_data() -> dict[str, np.ndarray]:
    return {
        "couple": np.array([12, 5, 12, 5, 9, 30, 30]),
        "member": np.array([1, 0, 0, 1, 0, 1, 0]),
        "anx": np.array([3.5, 2.0, 4.0, np.nan, 1.5, 2.5, 5.0]),
        "name": np.array(["b", "c", "a", "d", "e", "g", "f"]),
    }


def test_dyad_layout() -> None:
    ind = individual_data()
    out = dyad_layout(
        {"anx": ind["anx"], "name": ind["name"]}, couple=ind["couple"], member=ind["member"]
    )
    assert list(out) == ["couple", "anx_1", "anx_2", "name_1", "name_2"]
    assert out["couple"].tolist() == [12, 5, 9, 30]  # order of first appearance
    assert_array_equal(out["anx_1"], [4.0, 2.0, 1.5, 5.0])
    assert_array_equal(out["anx_2"], [3.5, np.nan, np.nan, 2.5])
    assert out["name_1"].tolist() == ["a", "c", "e", "f"]
    assert out["name_2"].tolist() == ["b", "d", None, "g"]


def test_dyad_layout_round_trip() -> None:
    rng = np.random.default_rng(8)
    n = 50
    dyad = {
        "x_1": rng.normal(size=n),
        "x_2": rng.normal(size=n),
        "y_1": rng.integers(1, 6, n),
        "y_2": rng.integers(1, 6, n),
    }
    couple = rng.permutation(1000)[:n]
    ind = individual_layout(dyad, couple=couple)
    assert ind["couple"].shape == (2 * n,)
    shuffle = rng.permutation(2 * n)
    back = dyad_layout(
        {k: ind[k][shuffle] for k in ("x", "y")},
        couple=ind["couple"][shuffle],
        member=ind["member"][shuffle],
    )
    order = np.argsort(back["couple"])
    want = np.argsort(couple)
    assert_array_equal(back["couple"][order], couple[want])
    for key in dyad:
        assert_array_equal(back[key][order], dyad[key][want])


def test_pairwise_layout_structure() -> None:
    ind = individual_data()
    out = pairwise_layout({"anx": ind["anx"]}, couple=ind["couple"], member=ind["member"])
    assert list(out) == ["couple", "member", "partner", "anx_A", "anx_P"]
    assert out["couple"].tolist() == [12, 12, 5, 5, 9, 9, 30, 30]
    assert out["member"].tolist() == [0, 1] * 4
    assert_array_equal(out["partner"], 1 - out["member"])
    assert_array_equal(out["anx_A"], [4.0, 3.5, 2.0, np.nan, 1.5, np.nan, 5.0, 2.5])
    assert_array_equal(out["anx_P"], [3.5, 4.0, np.nan, 2.0, np.nan, 1.5, 2.5, 5.0])


def test_pairwise_each_person_twice() -> None:
    """Every person appears once as actor and once as partner, in the same couple."""
    rng = np.random.default_rng(4)
    n = 40
    ids = np.repeat(rng.permutation(500)[:n], 2)
    members = np.tile([0, 1], n)
    score = rng.normal(size=2 * n)
    shuffle = rng.permutation(2 * n)
    out = pairwise_layout({"s": score[shuffle]}, couple=ids[shuffle], member=members[shuffle])
    assert out["s_A"].shape == (2 * n,)
    assert sorted(out["s_A"].tolist()) == sorted(score.tolist())
    assert sorted(out["s_P"].tolist()) == sorted(score.tolist())
    # within each couple the two rows are mirror images
    assert_array_equal(out["s_A"][0::2], out["s_P"][1::2])
    assert_array_equal(out["s_A"][1::2], out["s_P"][0::2])
    assert_array_equal(out["couple"][0::2], out["couple"][1::2])
    # the pairwise layout feeds the pairwise ICC: cor(x_A, x_P) over all rows
    dyad = dyad_layout({"s": score}, couple=ids, member=members)
    assert_allclose(
        np.corrcoef(out["s_A"], out["s_P"])[0, 1],
        pairwise_icc(dyad["s_1"], dyad["s_2"]).estimate,
        rtol=1e-12,
    )


def test_layout_validation() -> None:
    with pytest.raises(ValueError, match="more than once"):
        dyad_layout({"x": [1, 2, 3]}, couple=[1, 1, 2], member=[0, 0, 1])
    with pytest.raises(ValueError, match="0 or 1"):
        dyad_layout({"x": [1, 2]}, couple=[1, 1], member=[0, 2])
    with pytest.raises(ValueError, match="0 or 1"):
        pairwise_layout({"x": [1, 2]}, couple=[1, 1], member=["a", "b"])
    with pytest.raises(ValueError, match="one value per row"):
        dyad_layout({"x": [1, 2, 3]}, couple=[1, 1], member=[0, 1])
    with pytest.raises(ValueError, match="one value per row"):
        dyad_layout({"x": [1, 2]}, couple=[1, 1], member=[0])
    with pytest.raises(ValueError, match="missing id"):
        dyad_layout({"x": [1, 2]}, couple=[1.0, np.nan], member=[0, 1])
    with pytest.raises(ValueError, match="1-D"):
        dyad_layout({"x": [1, 2]}, couple=[[1, 1]], member=[0, 1])
    with pytest.raises(ValueError, match="both be called"):
        dyad_layout(
            {"x": [1, 2], "x_1": [1, 2]}, couple=[1, 1], member=[0, 1], suffixes=("_1", "_1_1")
        )
    with pytest.raises(ValueError, match="both be called"):
        pairwise_layout({"couple": [1, 2]}, couple=[1, 1], member=[0, 1], suffixes=("", "_P"))
    with pytest.raises(ValueError, match="two different strings"):
        dyad_layout({"x": [1, 2]}, couple=[1, 1], member=[0, 1], suffixes=("_a", "_a"))
    with pytest.raises(ValueError, match="two different strings"):
        pairwise_layout({"x": [1, 2]}, couple=[1, 1], member=[0, 1], suffixes=("_a", "_a"))
    with pytest.raises(ValueError, match="neither"):
        individual_layout({"x_1": [1.0], "y": [2.0]}, couple=[1])
    with pytest.raises(ValueError, match="has no column"):
        individual_layout({"x_1": [1.0]}, couple=[1])
    with pytest.raises(ValueError, match="may not be called"):
        individual_layout({"member_1": [1.0], "member_2": [2.0]}, couple=[1])
    with pytest.raises(ValueError, match="two different strings"):
        individual_layout({"x_1": [1.0]}, couple=[1], suffixes=("_1", "_1"))
    with pytest.raises(ValueError, match="1-D"):
        individual_layout({"x_1": [1.0]}, couple=[[1]])


# ----------------------------------------------------------------------- performance


def test_half_a_million_couples_well_under_a_second() -> None:
    rng = np.random.default_rng(0)
    n = 500_000
    x1 = rng.normal(size=n)
    x2 = 0.5 * x1 + rng.normal(size=n)
    x1[::101] = np.nan
    nonindependence(x1[:10], x2[:10], distinguishable=False)  # import scipy outside the clock
    calls = [
        lambda: nonindependence(x1, x2, distinguishable=False),
        lambda: nonindependence(x1, x2, distinguishable=True),
        lambda: pairwise_icc(x1, x2),
        lambda: distinguishability(x1, x2),
        lambda: joint_distinguishability(x1, x2),
        lambda: reliable_discrepancy(x1, x2, 0.4, 0.5),
    ]
    for call in calls:
        start = time.perf_counter()
        call()
        assert time.perf_counter() - start < 1.0

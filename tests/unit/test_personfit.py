"""Person-fit statistics: worked examples, a naive reference, edge cases and input errors.

The worked examples compute the published formulas by hand (plain ``math``, finite
differences for derivatives) so they do not share code with :mod:`relscales.personfit`:

* ``lzp``: Drasgow, Levine & Williams (1985), as in ``PerFit::lzpoly``;
* ``lz*p``: Sinharay (2016), Snijders' (2001) correction for polytomous items;
* ``Gnormed.poly``: Emons (2008), as in ``PerFit::Gnormed.poly``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from relscales.irt import GradedModel
from relscales.personfit import (
    PersonFit,
    gnormed_poly,
    gnormed_reference_threshold,
    lz_poly,
)

# ---------------------------------------------------------------------------------------------
# hand computations from the formulas
# ---------------------------------------------------------------------------------------------

A3 = [1.0, 1.5, 0.8]
B3 = [[-1.0, 1.0], [-0.5, 0.5], [0.0, 1.5]]
X3 = [2, 0, 1]


def model3() -> GradedModel:
    return GradedModel(np.array(A3), np.array(B3), np.array([3, 3, 3]))


def hand_probs(a: float, b: Sequence[float], theta: float) -> list[float]:
    """GRM category probabilities: P*_c = 1 / (1 + exp(-a (theta - b_c)))."""
    star = [1.0] + [1.0 / (1.0 + math.exp(-a * (theta - bc))) for bc in b] + [0.0]
    return [star[c] - star[c + 1] for c in range(len(b) + 1)]


def hand_terms(
    slopes: Sequence[float], bs: Sequence[Sequence[float]], x: Sequence[float], theta: float
) -> dict[str, float]:
    """l0, E(l0), Var(l0), I, sum P' ln P and J at theta, over answered items (x not NaN)."""
    h = 1e-5
    out = dict.fromkeys(("l0", "E", "V", "I", "C", "J"), 0.0)
    for a, b, xj in zip(slopes, bs, x, strict=True):
        if math.isnan(xj):
            continue
        p = hand_probs(a, b, theta)
        pp = hand_probs(a, b, theta + h)
        pm = hand_probs(a, b, theta - h)
        d1 = [(u - v) / (2 * h) for u, v in zip(pp, pm, strict=True)]
        d2 = [(u - 2 * w + v) / h**2 for u, w, v in zip(pp, p, pm, strict=True)]
        lp = [math.log(v) for v in p]
        e = sum(pi * li for pi, li in zip(p, lp, strict=True))
        out["l0"] += lp[int(xj)]
        out["E"] += e
        out["V"] += sum(pi * li * li for pi, li in zip(p, lp, strict=True)) - e * e
        out["I"] += sum(di * di / pi for di, pi in zip(d1, p, strict=True))
        out["C"] += sum(di * li for di, li in zip(d1, lp, strict=True))
        out["J"] += sum(di * ei / pi for di, ei, pi in zip(d1, d2, p, strict=True))
    return out


def hand_lzstar(t: dict[str, float], r0: float) -> float:
    c_n = t["C"] / t["I"]
    return (t["l0"] - t["E"] + c_n * r0) / math.sqrt(t["V"] - c_n * c_n * t["I"])


def bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    flo = f(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def hand_loglik(theta: float) -> float:
    return sum(math.log(hand_probs(a, b, theta)[x]) for a, b, x in zip(A3, B3, X3, strict=True))


def hand_score(theta: float) -> float:
    h = 1e-6
    return (hand_loglik(theta + h) - hand_loglik(theta - h)) / (2 * h)


# ---------------------------------------------------------------------------------------------
# worked example: lzp and lz*p for a 3-item GRM
# ---------------------------------------------------------------------------------------------


def test_lzp_worked_example_matches_the_published_formula() -> None:
    # item 1: P = (.18243, .44003, .37754), item 2: (.18243, .31757, .5),
    # item 3: (.40131, .28866, .31003) at theta = 0.5; the pattern (2, 0, 1) gives
    # l0 = ln .37754 + ln .18243 + ln .28866 = -3.91799, E(l0) = -3.14872,
    # Var(l0) = 0.267133, lzp = (-3.91799 + 3.14872) / sqrt(.267133) = -1.48837
    t = hand_terms(A3, B3, X3, 0.5)
    assert t["l0"] == pytest.approx(-3.9179886, abs=1e-6)
    assert t["E"] == pytest.approx(-3.1487242, abs=1e-6)
    assert t["V"] == pytest.approx(0.2671329, abs=1e-6)
    lz = (t["l0"] - t["E"]) / math.sqrt(t["V"])
    assert lz == pytest.approx(-1.4883734, abs=1e-6)
    fit = lz_poly(model3(), np.array([X3], dtype=float), np.array([0.5]), corrected=False)
    assert fit.name == "lzp"
    assert fit.statistic[0] == pytest.approx(lz, rel=1e-10)
    assert not fit.flagged[0]  # -1.488 > -1.645
    assert fit.direction == "low is misfit"
    assert fit.n_answered.tolist() == [3]


def test_lzstar_worked_example_ml() -> None:
    theta_ml = bisect(hand_score, -4.0, 4.0)
    t = hand_terms(A3, B3, X3, theta_ml)
    expected = hand_lzstar(t, r0=0.0)
    fit = lz_poly(model3(), np.array([X3], dtype=float), np.array([theta_ml]), estimator="ml")
    assert fit.name == "lz*p"
    assert fit.statistic[0] == pytest.approx(expected, rel=1e-6)
    # the corrected variance is smaller than Var(l0): the ability was fitted to the answers
    assert t["V"] - t["C"] ** 2 / t["I"] < t["V"]
    # theta_ML = -0.07553, l0 = -3.76219, E = -3.18488, V = 0.223904, I = 1.13051,
    # sum P' ln P = -0.219691, c_n = -0.194330: lzp = -1.22005, lz*p = -1.35618
    assert theta_ml == pytest.approx(-0.075535, abs=1e-5)
    assert (t["l0"] - t["E"]) / math.sqrt(t["V"]) == pytest.approx(-1.220053, abs=1e-5)
    assert expected == pytest.approx(-1.356179, abs=1e-5)


def test_lzstar_worked_example_map_and_wle() -> None:
    theta_map = bisect(lambda th: hand_score(th) - th, -4.0, 4.0)
    t = hand_terms(A3, B3, X3, theta_map)
    fit = lz_poly(model3(), np.array([X3], dtype=float), np.array([theta_map]), estimator="map")
    assert fit.statistic[0] == pytest.approx(hand_lzstar(t, -theta_map), rel=1e-6)
    # a non-standard prior enters through r0 = -(theta - mu) / sigma^2
    fit2 = lz_poly(
        model3(),
        np.array([X3], dtype=float),
        np.array([theta_map]),
        estimator="map",
        prior_mean=0.5,
        prior_sd=2.0,
    )
    assert fit2.statistic[0] == pytest.approx(hand_lzstar(t, -(theta_map - 0.5) / 4.0), rel=1e-6)

    def wle_equation(th: float) -> float:
        tt = hand_terms(A3, B3, X3, th)
        return hand_score(th) + tt["J"] / (2 * tt["I"])

    theta_wle = bisect(wle_equation, -4.0, 4.0)
    t = hand_terms(A3, B3, X3, theta_wle)
    fit3 = lz_poly(model3(), np.array([X3], dtype=float), np.array([theta_wle]), estimator="wle")
    assert fit3.statistic[0] == pytest.approx(hand_lzstar(t, t["J"] / (2 * t["I"])), rel=1e-5)


# ---------------------------------------------------------------------------------------------
# worked example: Gnormed.poly on 4 items with 3 categories
# ---------------------------------------------------------------------------------------------

G_DATA = np.array(
    [
        [2, 2, 1, 0],
        [2, 1, 1, 0],
        [2, 1, 0, 0],
        [1, 1, 0, 0],
        [2, 2, 2, 1],
        [0, 1, 2, 1],
    ],
    dtype=float,
)


def test_gnormed_worked_example_by_hand() -> None:
    # Step popularities (sixths): item1 >=1: 5, >=2: 4; item2: 6, 2; item3: 4, 2;
    # item4: 2, 0. Easiest first (ties in item order): (2,1)=r1, (1,1)=r2, (1,2)=r3,
    # (3,1)=r4, (2,2)=r5, (3,2)=r6, (4,1)=r7, (4,2)=r8.
    # Row 6 (0, 1, 2, 1) passes r1, r4, r6, r7 and fails r2, r3, r5, r8: Guttman errors
    # (easier failed, harder passed) are r4: {r2, r3}, r6: {r2, r3, r5}, r7: {r2, r3, r5}
    # -> G = 8 = (1 + 4 + 6 + 7) - 4 * 5 / 2. With total 4 the largest rank sum is items 3
    # and 4 in full, 4 + 6 + 7 + 8 = 25, so Gmax = 25 - 10 = 15 and Gnormed = 8 / 15.
    fit = gnormed_poly(G_DATA, [3, 3, 3, 3], threshold=0.5)
    assert fit.name == "Gnormed.poly"
    assert fit.direction == "high is misfit"
    assert fit.statistic[5] == pytest.approx(8 / 15)
    # rows 1-5 are perfect Guttman patterns (row 5 also has G = 0 with total 7)
    assert fit.statistic[:5].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0]
    assert fit.flagged.tolist() == [False] * 5 + [True]
    assert fit.threshold == 0.5


def test_gnormed_extreme_totals_are_zero_and_few_answers_nan() -> None:
    data = np.vstack([G_DATA, [0, 0, 0, 0], [2, 2, 2, 2], [1, np.nan, np.nan, np.nan]])
    fit = gnormed_poly(data, [3, 3, 3, 3], threshold=0.9)
    assert fit.statistic[6] == 0.0
    assert fit.statistic[7] == 0.0
    assert math.isnan(fit.statistic[8])
    assert not fit.flagged[8]
    assert fit.n_answered.tolist() == [4] * 8 + [1]


# ---------------------------------------------------------------------------------------------
# naive per-person reference (differential test)
# ---------------------------------------------------------------------------------------------

N_CAT5 = [3, 4, 5, 2, 4]


def random_setup(seed: int, n: int = 120) -> tuple[GradedModel, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    k = len(N_CAT5)
    m_max = max(N_CAT5)
    slopes = rng.uniform(0.6, 2.5, k)
    thresholds = np.full((k, m_max - 1), np.nan)
    for j, m in enumerate(N_CAT5):
        thresholds[j, : m - 1] = np.sort(rng.uniform(-2.0, 2.0, m - 1))
    model = GradedModel(slopes, thresholds, np.array(N_CAT5))
    x = np.column_stack([rng.integers(0, m, n) for m in N_CAT5]).astype(float)
    x[rng.random(x.shape) < 0.15] = np.nan
    theta = rng.normal(0.0, 1.2, n)
    return model, x, theta


def naive_lz(
    model: GradedModel, row: np.ndarray, theta: float, corrected: bool, estimator: str
) -> float:
    slopes = model.slopes.tolist()
    bs = [model.thresholds[j, : m - 1].tolist() for j, m in enumerate(model.n_categories)]
    if int(np.sum(~np.isnan(row))) < 2:
        return math.nan
    t = hand_terms(slopes, bs, row.tolist(), theta)
    if not corrected:
        return (t["l0"] - t["E"]) / math.sqrt(t["V"])
    r0 = {"ml": 0.0, "map": -theta, "wle": t["J"] / (2 * t["I"])}[estimator]
    return hand_lzstar(t, r0)


@pytest.mark.parametrize(
    ("corrected", "estimator"), [(False, "ml"), (True, "ml"), (True, "map"), (True, "wle")]
)
def test_lz_vectorised_equals_naive_loop(corrected: bool, estimator: str) -> None:
    model, x, theta = random_setup(7)
    fit = lz_poly(model, x, theta, corrected=corrected, estimator=estimator)  # type: ignore[arg-type]
    expected = np.array(
        [naive_lz(model, x[i], float(theta[i]), corrected, estimator) for i in range(len(x))]
    )
    if estimator == "ml":  # no ML for all-lowest / all-highest patterns
        for i, row in enumerate(x):
            ans = ~np.isnan(row)
            if np.all(row[ans] == 0) or np.all(row[ans] == np.array(N_CAT5)[ans] - 1):
                expected[i] = np.nan
    np.testing.assert_allclose(fit.statistic, expected, rtol=2e-5, atol=1e-6)
    np.testing.assert_array_equal(fit.flagged, np.nan_to_num(expected, nan=0.0) < -1.645)


def naive_gnormed(x: np.ndarray, n_cat: Sequence[int]) -> np.ndarray:
    n, k = x.shape
    steps = [(j, c) for j in range(k) for c in range(1, n_cat[j])]
    pop = {}
    for j, c in steps:
        col = [v for v in x[:, j] if not math.isnan(v)]
        pop[(j, c)] = sum(v >= c for v in col) / len(col)
    order = sorted(steps, key=lambda s: -pop[s])  # sorted() is stable
    out = np.full(n, np.nan)
    cache: dict[tuple[tuple[int, ...], int], int] = {}
    for i in range(n):
        row = x[i]
        items = tuple(j for j in range(k) if not math.isnan(row[j]))
        if len(items) < 2:
            continue
        own = [s for s in order if s[0] in items]

        def g_of(scores: dict[int, int], own: list[tuple[int, int]] = own) -> int:
            g = 0
            for a_pos, (ja, ca) in enumerate(own):
                for jb, cb in own[a_pos + 1 :]:
                    if scores[ja] < ca and scores[jb] >= cb:
                        g += 1
            return g

        scores = {j: int(row[j]) for j in items}
        total = sum(scores.values())
        key = (items, total)
        if key not in cache:
            best = 0
            for combo in itertools.product(*[range(n_cat[j]) for j in items]):
                if sum(combo) == total:
                    best = max(best, g_of(dict(zip(items, combo, strict=True))))
            cache[key] = best
        gmax = cache[key]
        out[i] = g_of(scores) / gmax if gmax > 0 else 0.0
    return out


@pytest.mark.parametrize("seed", [3, 11])
def test_gnormed_vectorised_equals_naive_loop(seed: int) -> None:
    _, x, _ = random_setup(seed, n=80)
    fit = gnormed_poly(x, N_CAT5, threshold=0.3)
    expected = naive_gnormed(x, N_CAT5)
    np.testing.assert_allclose(fit.statistic, expected, rtol=1e-12)
    np.testing.assert_array_equal(fit.flagged, np.nan_to_num(expected, nan=0.0) > 0.3)


# ---------------------------------------------------------------------------------------------
# edge cases
# ---------------------------------------------------------------------------------------------


def test_lz_nan_where_it_cannot_be_computed() -> None:
    x = np.array(
        [
            [np.nan, np.nan, np.nan],  # nothing answered
            [1.0, np.nan, np.nan],  # one item
            [0.0, 0.0, 0.0],  # all lowest: no ML
            [2.0, 2.0, np.nan],  # all highest of the answered: no ML
            [2.0, 0.0, 1.0],
        ]
    )
    theta = np.array([0.0, 0.0, -3.0, 3.0, np.nan])
    fit = lz_poly(model3(), x, theta)
    assert np.isnan(fit.statistic).all()
    assert not fit.flagged.any()
    assert fit.n_answered.tolist() == [0, 1, 3, 2, 3]
    # with a MAP estimate the all-lowest pattern has a finite theta and a statistic
    fit_map = lz_poly(model3(), x[2:4], np.array([-1.2, 1.1]), estimator="map")
    assert np.isfinite(fit_map.statistic).all()


def test_threshold_controls_flags() -> None:
    x = np.array([X3], dtype=float)
    fit = lz_poly(model3(), x, np.array([0.5]), corrected=False, threshold=-1.0)
    assert fit.flagged.tolist() == [True]
    assert fit.threshold == -1.0


def test_personfit_is_frozen() -> None:
    fit = gnormed_poly(G_DATA, [3, 3, 3, 3], threshold=0.5)
    assert isinstance(fit, PersonFit)
    with pytest.raises(AttributeError):
        fit.threshold = 1.0  # type: ignore[misc]


def test_gnormed_default_threshold_is_reproducible() -> None:
    model, _, _ = random_setup(5)
    rng = np.random.default_rng(5)
    x = np.column_stack([rng.integers(0, m, 400) for m in N_CAT5]).astype(float)
    del model
    t1 = gnormed_reference_threshold(x, N_CAT5, n_reference=2000, seed=1)
    t2 = gnormed_reference_threshold(x, N_CAT5, n_reference=2000, seed=1)
    assert t1 == t2
    assert 0.0 <= t1 <= 1.0
    fit = gnormed_poly(x, N_CAT5, n_reference=2000, seed=1)
    assert fit.threshold == t1
    np.testing.assert_array_equal(fit.flagged, fit.statistic > t1)


# ---------------------------------------------------------------------------------------------
# invalid input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responses", "match"),
    [
        (np.array([2.0, 0.0, 1.0]), "2-D"),
        (np.array([[3.0, 0.0, 1.0]]), "codes 0-2"),
        (np.array([[1.5, 0.0, 1.0]]), "0-based whole-number"),
        (np.array([[-1.0, 0.0, 1.0]]), "0-based whole-number"),
        (np.array([[np.inf, 0.0, 1.0]]), "NaN for a missing"),
        (np.array([["a", "b", "c"]]), "numeric"),
        (np.array([[1.0, 0.0]]), "one column per model item"),
    ],
)
def test_lz_rejects_bad_responses(responses: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        lz_poly(model3(), responses, np.zeros(len(responses)))


def test_lz_rejects_bad_options() -> None:
    x = np.array([X3], dtype=float)
    with pytest.raises(ValueError, match="one ability estimate per respondent"):
        lz_poly(model3(), x, np.zeros(2))
    with pytest.raises(ValueError, match="theta must be numeric"):
        lz_poly(model3(), x, np.array(["x"]))
    with pytest.raises(ValueError, match='"ml", "map" or "wle"'):
        lz_poly(model3(), x, np.zeros(1), estimator="eap")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pass the weighted-likelihood estimates"):
        lz_poly(model3(), x, estimator="wle")
    with pytest.raises(ValueError, match="prior_sd must be positive"):
        lz_poly(model3(), x, np.zeros(1), prior_sd=0.0)
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        lz_poly(model3(), x, np.zeros(1), threshold=math.nan)


def test_gnormed_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match=r"one number of categories per item, shape \(4,\)"):
        gnormed_poly(G_DATA, [3, 3, 3])
    with pytest.raises(ValueError, match="whole numbers >= 2"):
        gnormed_poly(G_DATA, [3, 3, 3, 1])
    with pytest.raises(ValueError, match="whole numbers >= 2"):
        gnormed_poly(G_DATA, [3, 3, 3, 2.5])
    with pytest.raises(ValueError, match="n_categories must be numbers"):
        gnormed_poly(G_DATA, ["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="codes 0-1"):
        gnormed_poly(G_DATA, [3, 3, 2, 3])
    with pytest.raises(ValueError, match="threshold must be a finite number or None"):
        gnormed_poly(G_DATA, [3, 3, 3, 3], threshold=math.inf)
    with pytest.raises(ValueError, match="alpha must be between 0 and 1"):
        gnormed_poly(G_DATA, [3, 3, 3, 3], alpha=1.5)
    with pytest.raises(ValueError, match="n_reference must be at least 100"):
        gnormed_poly(G_DATA, [3, 3, 3, 3], n_reference=10)
    with pytest.raises(ValueError, match="no complete response vectors"):
        gnormed_poly(np.full((3, 4), np.nan), [3, 3, 3, 3])


def test_default_theta_is_ml_from_irt_and_map_passes_the_prior() -> None:
    from relscales import irt

    model, x, _ = random_setup(9)
    ml = irt.score_theta(model, x, method="ml").theta
    np.testing.assert_array_equal(lz_poly(model, x).statistic, lz_poly(model, x, ml).statistic)
    mp = irt.score_theta(model, x, method="map", prior_mean=0.3, prior_sd=1.5).theta
    np.testing.assert_array_equal(
        lz_poly(model, x, estimator="map", prior_mean=0.3, prior_sd=1.5).statistic,
        lz_poly(model, x, mp, estimator="map", prior_mean=0.3, prior_sd=1.5).statistic,
    )

"""Unit tests of relscales.irt against brute-force references.

The references are independent of the module: the category probabilities are differences of
logistic boundary curves (scipy.special.expit), posteriors are integrated with
scipy.integrate.quad over the whole real line, modes are found with
scipy.optimize.minimize_scalar and refined on a finite-difference derivative, and the
sum-score distribution is enumerated over all response patterns.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from relscales.irt import (
    METHODS,
    GradedModel,
    SumScoreTable,
    category_probabilities,
    information,
    log_likelihood_table,
    quadrature_nodes,
    score_theta,
    sum_score_likelihoods,
    sum_score_table,
    t_score,
)

# --------------------------------------------------------------------------------------
# references (scipy is imported inside functions, house style)


def expit(x):  # type: ignore[no-untyped-def]
    from scipy.special import expit as f

    return f(x)


def quad(*args, **kwargs):  # type: ignore[no-untyped-def]
    from scipy.integrate import quad as f

    return f(*args, **kwargs)


def quad_vec(*args, **kwargs):  # type: ignore[no-untyped-def]
    from scipy.integrate import quad_vec as f

    return f(*args, **kwargs)


def brentq(*args, **kwargs):  # type: ignore[no-untyped-def]
    from scipy.optimize import brentq as f

    return f(*args, **kwargs)


def minimize_scalar(*args, **kwargs):  # type: ignore[no-untyped-def]
    from scipy.optimize import minimize_scalar as f

    return f(*args, **kwargs)


def random_model(
    rng: np.random.Generator,
    k: int,
    m_max: int,
    slopes: tuple[float, float] = (0.5, 2.5),
    mixed: bool = True,
) -> GradedModel:
    n_cat = rng.integers(2, m_max + 1, size=k) if mixed else np.full(k, m_max)
    n_cat[0] = m_max
    thresholds = np.full((k, m_max - 1), np.nan)
    for j in range(k):
        thresholds[j, : n_cat[j] - 1] = np.sort(rng.uniform(-2.5, 2.5, n_cat[j] - 1))
    return GradedModel(rng.uniform(*slopes, size=k), thresholds, n_cat)


def ref_probability(model: GradedModel, j: int, c: int, theta: float) -> float:
    """P(X_j = c | theta) as the plain difference of two boundary curves."""
    m = int(model.n_categories[j])
    a = model.slopes[j]
    upper = 1.0 if c == 0 else float(expit(a * (theta - model.thresholds[j, c - 1])))
    lower = 0.0 if c == m - 1 else float(expit(a * (theta - model.thresholds[j, c])))
    return upper - lower


def ref_log_likelihood(model: GradedModel, pattern: np.ndarray, theta: float) -> float:
    total = 0.0
    for j, x in enumerate(pattern):
        if not np.isnan(x):
            p = ref_probability(model, j, int(x), theta)
            total += np.log(p) if p > 0 else -np.inf
    return total


def ref_log_posterior(
    model: GradedModel, pattern: np.ndarray, theta: float, mean: float = 0.0, sd: float = 1.0
) -> float:
    return ref_log_likelihood(model, pattern, theta) - 0.5 * ((theta - mean) / sd) ** 2


def integrate_over_line(f, centre: float) -> float:
    cuts = [-np.inf, centre - 1.0, centre, centre + 1.0, np.inf]
    return sum(
        quad(f, lo, hi, epsabs=1e-14, epsrel=1e-13, limit=200)[0]
        for lo, hi in itertools.pairwise(cuts)
    )


def ref_posterior_moments(
    model: GradedModel, pattern: np.ndarray, mean: float = 0.0, sd: float = 1.0
) -> tuple[float, float]:
    """Posterior mean and SD by adaptive quadrature over (-inf, inf)."""
    grid = np.linspace(mean - 12 * sd, mean + 12 * sd, 2401)
    values = np.array([ref_log_posterior(model, pattern, t, mean, sd) for t in grid])
    peak = float(values.max())
    centre = float(grid[np.argmax(values)])

    def density(t: float) -> float:
        return float(np.exp(ref_log_posterior(model, pattern, t, mean, sd) - peak))

    mass = integrate_over_line(density, centre)
    first = integrate_over_line(lambda t: t * density(t), centre) / mass
    variance = integrate_over_line(lambda t: (t - first) ** 2 * density(t), centre) / mass
    return first, float(np.sqrt(variance))


def ref_mode(objective, guess: float) -> float:
    """Maximiser of a smooth concave function: minimize_scalar, then the root of a
    central-difference derivative (the optimiser alone locates the optimum only to about
    the square root of machine precision)."""
    rough = minimize_scalar(lambda t: -objective(t), bracket=(guess - 1.0, guess + 1.0)).x
    h = 1e-5

    def slope(t: float) -> float:
        return (objective(t + h) - objective(t - h)) / (2 * h)

    width = 1e-3
    while slope(rough - width) < 0 or slope(rough + width) > 0:
        width *= 2
    return float(brentq(slope, rough - width, rough + width, xtol=1e-14, rtol=1e-15))


def second_derivative(objective, t: float) -> float:
    """Central second difference with one Richardson step (error O(h^4))."""
    h = 1e-3

    def d2(step: float) -> float:
        return (objective(t + step) - 2 * objective(t) + objective(t - step)) / step**2

    return (4 * d2(h / 2) - d2(h)) / 3


def random_pattern(rng: np.random.Generator, model: GradedModel, p_missing: float) -> np.ndarray:
    pattern = np.array([rng.integers(0, m) for m in model.n_categories], dtype=float)
    pattern[rng.random(model.n_items) < p_missing] = np.nan
    if np.all(np.isnan(pattern)):
        pattern[0] = 0.0
    return pattern


# --------------------------------------------------------------------------------------
# GradedModel


def small_model() -> GradedModel:
    return GradedModel(
        np.array([1.2, 0.7, 2.0]),
        np.array([[-1.0, 0.0, 1.5], [0.3, np.nan, np.nan], [-0.5, 0.5, np.nan]]),
        np.array([4, 2, 3]),
        item_ids=("a", "b", "c"),
    )


def test_model_properties_and_read_only_arrays() -> None:
    model = small_model()
    assert model.n_items == 3
    assert model.max_categories == 4
    assert model.max_sum_score == 3 + 1 + 2
    assert model.n_categories.dtype == np.int64
    with pytest.raises(ValueError, match="read-only"):
        model.slopes[0] = 3.0


def test_model_copies_its_inputs() -> None:
    slopes = np.array([1.0, 2.0])
    model = GradedModel(slopes, np.array([[0.0], [1.0]]), np.array([2, 2]))
    slopes[0] = 9.0
    assert model.slopes[0] == 1.0


def test_binary_items_accept_1d_thresholds() -> None:
    model = GradedModel(np.array([1.0, 2.0]), np.array([0.0, 1.0]), np.array([2, 2]))
    assert model.thresholds.shape == (2, 1)


def test_float_category_counts_accepted_when_whole() -> None:
    model = GradedModel(np.array([1.0]), np.array([[0.0, 1.0]]), np.array([3.0]))
    assert model.n_categories.tolist() == [3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"slopes": np.array([])}, "non-empty 1-D"),
        ({"slopes": np.array([[1.0, 1.0, 1.0]])}, "non-empty 1-D"),
        ({"slopes": np.array([1.0, 0.0, 1.0])}, "> 0"),
        ({"slopes": np.array([1.0, np.nan, 1.0])}, "> 0"),
        ({"n_categories": np.array([4, 2])}, r"shape \(3,\)"),
        ({"n_categories": np.array([4, 1, 3])}, "at least 2"),
        ({"n_categories": np.array([4.0, 2.5, 3.0])}, "whole numbers"),
        ({"n_categories": np.array(["4", "2", "3"])}, "integers"),
        ({"thresholds": np.zeros((3, 2))}, r"shape \(k, m_max - 1\) = \(3, 3\)"),
        (
            {"thresholds": np.array([[-1.0, 0.0, 1.5], [0.3, 1.0, np.nan], [-0.5, 0.5, np.nan]])},
            "must be NaN",
        ),
        (
            {"thresholds": np.array([[-1.0, 0.0, 1.5], [np.nan] * 3, [-0.5, 0.5, np.nan]])},
            "finite",
        ),
        (
            {"thresholds": np.array([[-1.0, 2.0, 1.5], [0.3, np.nan, np.nan], [0.5, 0.5, np.nan]])},
            r"strictly increasing.*\[0, 2\]",
        ),
        ({"item_ids": ("a", "b")}, "one id per item"),
        ({"item_ids": ("a", "b", 3)}, "strings"),
    ],
)
def test_model_validation(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "slopes": np.array([1.2, 0.7, 2.0]),
        "thresholds": np.array([[-1.0, 0.0, 1.5], [0.3, np.nan, np.nan], [-0.5, 0.5, np.nan]]),
        "n_categories": np.array([4, 2, 3]),
    }
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        GradedModel(**base)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# category probabilities


def test_category_probabilities_match_boundary_differences() -> None:
    model = small_model()
    theta = np.array([-3.0, -0.4, 0.0, 0.9, 4.0])
    probs = category_probabilities(model, theta)
    assert probs.shape == (5, 3, 4)
    for i, t in enumerate(theta):
        for j in range(3):
            for c in range(4):
                expected = ref_probability(model, j, c, t) if c < model.n_categories[j] else 0.0
                assert probs[i, j, c] == pytest.approx(expected, abs=1e-15)
    np.testing.assert_allclose(probs.sum(axis=2), 1.0, rtol=0, atol=1e-15)


def test_category_probabilities_keep_relative_precision_in_tails() -> None:
    model = GradedModel(np.array([2.0]), np.array([[-1.0, 1.0]]), np.array([3]))
    p = category_probabilities(model, [40.0])[0, 0]
    # P_0 = 1 - expit(2 (40 + 1)) = expit(-82)
    assert p[0] == pytest.approx(float(expit(-82.0)), rel=1e-13)
    assert p[1] == pytest.approx(float(expit(-78.0) - expit(-82.0)), rel=1e-13)


def test_cumulative_probabilities_increase_with_theta() -> None:
    rng = np.random.default_rng(3)
    model = random_model(rng, 6, 5)
    theta = np.linspace(-5, 5, 201)
    probs = category_probabilities(model, theta)
    at_least = np.flip(np.cumsum(np.flip(probs, axis=2), axis=2), axis=2)  # P(X >= c)
    assert np.all(np.diff(at_least[:, :, 1:], axis=0) >= -1e-15)


def test_infinite_theta_gives_the_limits() -> None:
    model = small_model()
    probs = category_probabilities(model, [-np.inf, np.inf])
    assert probs[0, :, 0].tolist() == [1.0, 1.0, 1.0]
    top = model.n_categories - 1
    assert [probs[1, j, top[j]] for j in range(3)] == [1.0, 1.0, 1.0]


def test_scalar_theta_and_theta_validation() -> None:
    model = small_model()
    assert category_probabilities(model, 0.5).shape == (1, 3, 4)
    with pytest.raises(ValueError, match="NaN"):
        category_probabilities(model, [np.nan])
    with pytest.raises(ValueError, match="1-D"):
        category_probabilities(model, np.zeros((2, 2)))


def test_log_likelihood_table_matches_probabilities() -> None:
    model = small_model()
    nodes = np.linspace(-4, 4, 9)
    table = log_likelihood_table(model, nodes)
    assert table.shape == (3, 4, 9)
    probs = category_probabilities(model, nodes)
    for j in range(3):
        m = model.n_categories[j]
        np.testing.assert_allclose(np.exp(table[j, :m]), probs[:, j, :m].T, rtol=1e-14)
        assert np.all(table[j, m:] == -np.inf)


# --------------------------------------------------------------------------------------
# information and t-scores


def test_information_equals_fisher_information_by_differences() -> None:
    model = small_model()
    theta = np.array([-2.0, 0.1, 1.7])
    h = 1e-6
    for t, got in zip(theta, information(model, theta), strict=True):
        fisher = 0.0
        for j in range(3):
            for c in range(model.n_categories[j]):
                p = ref_probability(model, j, c, t)
                dp = (ref_probability(model, j, c, t + h) - ref_probability(model, j, c, t - h)) / (
                    2 * h
                )
                fisher += dp * dp / p
        assert got == pytest.approx(fisher, rel=1e-8)


def test_t_score() -> None:
    np.testing.assert_array_equal(
        t_score(np.array([0.0, 1.0, np.nan, -np.inf])), [50.0, 60.0, np.nan, -np.inf]
    )


# --------------------------------------------------------------------------------------
# EAP against adaptive quadrature

EAP_CASES = [
    # (seed, items, max categories, slope range, share missing)
    (11, 1, 2, (0.5, 2.5), 0.0),
    (12, 3, 4, (0.5, 2.5), 0.2),
    (13, 5, 5, (0.5, 2.5), 0.3),
    (14, 8, 7, (0.5, 2.5), 0.3),
    (15, 10, 5, (0.5, 2.5), 0.1),
    (16, 18, 5, (1.0, 2.5), 0.1),
    (17, 18, 5, (2.0, 3.5), 0.1),
    (18, 30, 5, (2.5, 4.0), 0.1),
    # steep items: 4.3e-7 and 2.9e-7 off with the earlier rule (spacing <= posterior SD)
    (22, 11, 7, (3.5, 4.0), 0.0),
    (31, 20, 4, (3.0, 4.0), 0.1),
]


@pytest.mark.parametrize(("seed", "k", "m_max", "slopes", "p_missing"), EAP_CASES)
def test_eap_matches_adaptive_quadrature(
    seed: int, k: int, m_max: int, slopes: tuple[float, float], p_missing: float
) -> None:
    rng = np.random.default_rng(seed)
    model = random_model(rng, k, m_max, slopes)
    patterns = [random_pattern(rng, model, p_missing) for _ in range(6)]
    patterns.append((model.n_categories - 1).astype(float))  # all highest
    patterns.append(np.zeros(k))  # all lowest
    responses = np.array(patterns)
    estimates = score_theta(model, responses)
    assert estimates.method == "eap"
    for i, pattern in enumerate(patterns):
        mean, sd = ref_posterior_moments(model, pattern)
        assert estimates.theta[i] == pytest.approx(mean, abs=1e-8)
        assert estimates.se[i] == pytest.approx(sd, abs=1e-8)
    assert estimates.n_answered.tolist() == [int(np.sum(~np.isnan(p))) for p in patterns]


def test_eap_with_other_prior_matches_adaptive_quadrature() -> None:
    rng = np.random.default_rng(21)
    model = random_model(rng, 6, 4)
    patterns = [random_pattern(rng, model, 0.2) for _ in range(4)]
    estimates = score_theta(model, np.array(patterns), prior_mean=0.7, prior_sd=1.6)
    for i, pattern in enumerate(patterns):
        mean, sd = ref_posterior_moments(model, pattern, 0.7, 1.6)
        assert estimates.theta[i] == pytest.approx(mean, abs=1e-8)
        assert estimates.se[i] == pytest.approx(sd, abs=1e-8)


def test_eap_is_the_same_across_block_boundaries() -> None:
    rng = np.random.default_rng(5)
    model = random_model(rng, 7, 5)
    responses = np.array([random_pattern(rng, model, 0.2) for _ in range(50)])
    many = np.repeat(responses, 200, axis=0)  # 10,000 rows: spans several blocks
    single = score_theta(model, responses)
    repeated = score_theta(model, many)
    # BLAS may sum a partial block in another order: equal to the last bit or two
    np.testing.assert_allclose(repeated.theta, np.repeat(single.theta, 200), rtol=0, atol=1e-14)
    np.testing.assert_allclose(repeated.se, np.repeat(single.se, 200), rtol=0, atol=1e-14)


def test_no_answered_item_gives_nan_never_a_guess() -> None:
    model = small_model()
    responses = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, np.nan]])
    for method in METHODS:
        est = score_theta(model, responses, method=method)
        assert np.isnan(est.theta[0])
        assert np.isnan(est.se[0])
        assert np.isfinite(est.theta[1])
        assert est.n_answered.tolist() == [0, 1]


def test_empty_responses() -> None:
    model = small_model()
    est = score_theta(model, np.empty((0, 3)))
    assert est.theta.shape == (0,)
    assert est.n_answered.dtype == np.int64


def test_estimates_are_read_only() -> None:
    est = score_theta(small_model(), np.array([[1.0, 0.0, 2.0]]))
    with pytest.raises(ValueError, match="read-only"):
        est.theta[0] = 0.0


def test_integer_responses_accepted() -> None:
    model = small_model()
    a = score_theta(model, np.array([[3, 1, 0]]))
    b = score_theta(model, np.array([[3.0, 1.0, 0.0]]))
    assert a.theta[0] == b.theta[0]


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        (np.array([1.0, 0.0, 2.0]), "2-D array"),
        (np.zeros((2, 4)), "2-D array"),
        (np.array([[4.0, 0.0, 0.0]]), r"0\.\.3 .*item a; row 0 has 4\.0"),
        (np.array([[0.0, 0.0, 0.0], [0.0, 0.0, -1.0]]), r"item c; row 1 has -1\.0"),
        (np.array([[0.5, 0.0, 0.0]]), "whole category codes"),
        (np.array([[np.inf, 0.0, 0.0]]), "whole category codes"),
    ],
)
def test_response_validation(responses: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score_theta(small_model(), responses)


def test_response_validation_names_columns_without_ids() -> None:
    model = GradedModel(np.array([1.0, 1.0]), np.array([[0.0], [0.0]]), np.array([2, 2]))
    with pytest.raises(ValueError, match="column 1"):
        score_theta(model, np.array([[0.0, 2.0]]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "wle"}, "method must be one of eap, map, ml"),
        ({"prior_sd": 0.0}, "prior_sd"),
        ({"prior_sd": np.inf}, "prior_sd"),
        ({"prior_mean": np.nan}, "prior_mean"),
        ({"quadrature": 2}, "quadrature"),
        ({"quadrature": 20.0}, "quadrature"),
        ({"quadrature": True}, "quadrature"),
        ({"bounds": (1.0, -1.0)}, "low < high"),
        ({"bounds": (-np.inf, 1.0)}, "finite"),
        ({"bounds": (1.0,)}, "pair"),
    ],
)
def test_option_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score_theta(small_model(), np.array([[1.0, 0.0, 2.0]]), **kwargs)  # type: ignore[arg-type]


def test_quadrature_nodes_default_and_explicit() -> None:
    model = small_model()
    nodes, weights = quadrature_nodes(model)
    assert nodes[0] == -8.0
    assert nodes[-1] == 8.0
    assert np.diff(nodes).max() <= 0.2 + 1e-12
    assert weights.sum() == pytest.approx(1.0)
    nodes, weights = quadrature_nodes(model, prior_mean=1.0, prior_sd=0.5, quadrature=11)
    assert nodes.size == 11
    assert nodes[0] <= -3.0  # at least 8 prior SDs each side, symmetric about the mean
    assert nodes[0] + nodes[-1] == pytest.approx(2.0)
    nodes, _ = quadrature_nodes(model, quadrature=np.int64(7), bounds=(-2, 2))
    np.testing.assert_allclose(nodes, np.linspace(-2, 2, 7))


def test_automatic_grid_is_finer_for_informative_models() -> None:
    rng = np.random.default_rng(2)
    sharp = random_model(rng, 30, 5, (2.5, 4.0), mixed=False)
    nodes, _ = quadrature_nodes(sharp)
    peak = information(sharp, np.linspace(-8, 8, 801)).max()
    assert np.diff(nodes).max() <= 1 / np.sqrt(peak + 1) + 1e-12


def test_automatic_grid_is_finer_for_steep_items() -> None:
    """Steep items make sharp posteriors: the spacing is at most 0.4 / (steepest slope)."""
    rng = np.random.default_rng(970821503)
    steep = random_model(rng, 11, 7, (3.83, 3.84), mixed=False)
    nodes, _ = quadrature_nodes(steep)
    assert np.diff(nodes).max() <= 0.4 / steep.slopes.max() + 1e-12
    peak = information(steep, np.linspace(-8, 8, 801)).max()
    assert 0.4 / steep.slopes.max() < 1 / np.sqrt(peak + 1)  # the rule that binds here


def test_automatic_range_is_wider_for_improbable_edge_patterns() -> None:
    """Thirty flat items answered all lowest: a pattern so improbable under the prior that
    the prior's tail beyond 8 SD matters (1e-8 before the range widened); no longer."""
    flat = GradedModel(
        np.full(30, 0.53), np.tile(np.linspace(-2.0, 2.0, 4), (30, 1)), np.full(30, 5)
    )
    nodes, _ = quadrature_nodes(flat)
    assert -nodes[0] > 8.5
    edge = np.zeros((1, 30))
    mean, sd = ref_posterior_moments(flat, edge[0])
    got = score_theta(flat, edge)
    assert got.theta[0] == pytest.approx(mean, abs=1e-10)
    assert got.se[0] == pytest.approx(sd, abs=1e-10)
    narrow = score_theta(flat, edge, quadrature=nodes.size, bounds=(-8.0, 8.0))
    assert abs(narrow.se[0] - sd) > 1e-9  # what the wider range is for


def test_automatic_grid_across_the_range_of_models() -> None:
    """A simulation across the models the defaults are meant for: 1 to 30 items, 2 to 7
    categories, slopes 0.5 to 4, up to 30% missing. Every pattern's EAP and SD within 1e-8
    of a far finer grid over a far wider range (which itself matches adaptive quadrature:
    the tests above); docs/methods-irt.md gives the larger run."""
    rng0 = np.random.default_rng(20261204)
    worst = 0.0
    for _ in range(40):
        rng = np.random.default_rng(int(rng0.integers(1_000_000_000)))
        k, m = int(rng.integers(1, 31)), int(rng.integers(2, 8))
        low = rng.uniform(0.5, 4.0)
        model = random_model(rng, k, m, (low, rng.uniform(low, 4.0)))
        share = rng.uniform(0.0, 0.3)
        patterns = [random_pattern(rng, model, share) for _ in range(60)]
        patterns += [(model.n_categories - 1).astype(float), np.zeros(k)]
        responses = np.array(patterns)
        reference = score_theta(model, responses, quadrature=6001, bounds=(-15.0, 15.0))
        got = score_theta(model, responses)
        worst = max(
            worst,
            float(np.nanmax(np.abs(got.theta - reference.theta))),
            float(np.nanmax(np.abs(got.se - reference.se))),
        )
    assert worst < 1e-8


def test_coarse_explicit_grid_is_used_as_given() -> None:
    rng = np.random.default_rng(4)
    model = random_model(rng, 5, 5)
    responses = np.array([random_pattern(rng, model, 0.0) for _ in range(5)])
    coarse = score_theta(model, responses, quadrature=21, bounds=(-4.0, 4.0))
    fine = score_theta(model, responses)
    assert not np.array_equal(coarse.theta, fine.theta)
    np.testing.assert_allclose(coarse.theta, fine.theta, atol=1e-2)


# --------------------------------------------------------------------------------------
# MAP and ML


@pytest.mark.parametrize("seed", [31, 32, 33, 34])
def test_map_matches_brute_force_mode_and_curvature(seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = random_model(rng, int(rng.integers(1, 12)), 5)
    mean, sd = (0.0, 1.0) if seed % 2 else (-0.4, 1.3)
    patterns = [random_pattern(rng, model, 0.25) for _ in range(5)]
    patterns.append(np.zeros(model.n_items))
    est = score_theta(model, np.array(patterns), method="map", prior_mean=mean, prior_sd=sd)
    assert est.method == "map"
    for i, pattern in enumerate(patterns):

        def objective(t: float, pattern: np.ndarray = pattern) -> float:
            return ref_log_posterior(model, pattern, t, mean, sd)

        mode = ref_mode(objective, mean)
        assert est.theta[i] == pytest.approx(mode, abs=1e-8)
        curvature = second_derivative(objective, mode)
        assert est.se[i] == pytest.approx(1 / np.sqrt(-curvature), rel=1e-6)


@pytest.mark.parametrize("seed", [41, 42, 43])
def test_ml_matches_brute_force_maximum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    model = random_model(rng, int(rng.integers(3, 12)), 5)
    patterns = []
    while len(patterns) < 5:
        pattern = random_pattern(rng, model, 0.2)
        answered = ~np.isnan(pattern)
        top = (model.n_categories - 1)[answered]
        if np.all(pattern[answered] == 0) or np.all(pattern[answered] == top):
            continue
        patterns.append(pattern)
    est = score_theta(model, np.array(patterns), method="ml")
    for i, pattern in enumerate(patterns):

        def objective(t: float, pattern: np.ndarray = pattern) -> float:
            return ref_log_likelihood(model, pattern, t)

        mode = ref_mode(objective, 0.0)
        assert est.theta[i] == pytest.approx(mode, abs=1e-8)
        answered = ~np.isnan(pattern)
        sub = GradedModel(
            model.slopes[answered], model.thresholds[answered], model.n_categories[answered]
        )
        assert est.se[i] == pytest.approx(1 / np.sqrt(information(sub, est.theta[i])[0]))


def test_ml_of_extreme_patterns_is_infinite() -> None:
    model = small_model()
    responses = np.array(
        [
            [0.0, 0.0, 0.0],
            [3.0, 1.0, 2.0],
            [np.nan, 0.0, np.nan],
            [3.0, np.nan, np.nan],
            [np.nan, 1.0, 0.0],
        ]
    )
    est = score_theta(model, responses, method="ml")
    assert est.theta[:4].tolist() == [-np.inf, np.inf, -np.inf, np.inf]
    assert est.se[:4].tolist() == [np.inf] * 4
    assert np.isfinite(est.theta[4])
    assert np.isfinite(est.se[4])
    # the same patterns have finite MAP estimates
    assert np.all(np.isfinite(score_theta(model, responses, method="map").theta))


def test_ml_far_from_the_prior_converges() -> None:
    # a single mid-category answer on a weak item: the maximum sits far from zero
    model = GradedModel(np.array([0.3]), np.array([[5.0, 9.0]]), np.array([3]))
    est = score_theta(model, np.array([[1.0]]), method="ml")

    def objective(t: float) -> float:
        return ref_log_likelihood(model, np.array([1.0]), t)

    assert est.theta[0] == pytest.approx(ref_mode(objective, 7.0), abs=1e-8)


# --------------------------------------------------------------------------------------
# Lord-Wingersky


def enumerate_sum_distribution(model: GradedModel, theta: float) -> np.ndarray:
    dist = np.zeros(model.max_sum_score + 1)
    for pattern in itertools.product(*(range(m) for m in model.n_categories)):
        p = 1.0
        for j, c in enumerate(pattern):
            p *= ref_probability(model, j, c, theta)
        dist[sum(pattern)] += p
    return dist


def test_lord_wingersky_equals_enumeration() -> None:
    rng = np.random.default_rng(51)
    model = random_model(rng, 3, 4, mixed=False)
    nodes = np.linspace(-4, 4, 17)
    got = sum_score_likelihoods(model, nodes)
    assert got.shape == (10, 17)
    for t, column in zip(nodes, got.T, strict=True):
        np.testing.assert_allclose(column, enumerate_sum_distribution(model, t), rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=0), 1.0, atol=1e-14)


def test_lord_wingersky_mixed_categories() -> None:
    model = small_model()
    got = sum_score_likelihoods(model, [0.3])[:, 0]
    np.testing.assert_allclose(got, enumerate_sum_distribution(model, 0.3), rtol=0, atol=1e-12)


def test_sum_score_likelihoods_reject_infinite_nodes() -> None:
    with pytest.raises(ValueError, match="finite"):
        sum_score_likelihoods(small_model(), [np.inf])


@pytest.mark.parametrize(("mean", "sd"), [(0.0, 1.0), (0.5, 0.8)])
def test_eap_sum_equals_posterior_given_the_sum(mean: float, sd: float) -> None:
    rng = np.random.default_rng(52)
    model = random_model(rng, 3, 4, mixed=False)
    table = sum_score_table(model, prior_mean=mean, prior_sd=sd)
    assert isinstance(table, SumScoreTable)
    assert table.sum_scores.tolist() == list(range(10))

    def joint(t: float) -> np.ndarray:
        """P(sum = s | t) times the prior density, for every s at once."""
        prior = np.exp(-0.5 * ((t - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
        return np.asarray(enumerate_sum_distribution(model, t)) * prior

    mass = quad_vec(joint, -np.inf, np.inf, epsabs=1e-15, epsrel=1e-13)[0]
    first = quad_vec(lambda t: t * joint(t), -np.inf, np.inf, epsabs=1e-15, epsrel=1e-13)[0]
    first = first / mass
    second = quad_vec(
        lambda t: (t - first) ** 2 * joint(t), -np.inf, np.inf, epsabs=1e-15, epsrel=1e-13
    )[0]
    np.testing.assert_allclose(table.probability, mass, rtol=0, atol=1e-10)
    np.testing.assert_allclose(table.theta, first, rtol=0, atol=1e-8)
    np.testing.assert_allclose(table.se, np.sqrt(second / mass), rtol=0, atol=1e-8)
    assert table.probability.sum() == pytest.approx(1.0, abs=1e-14)


def test_eap_sum_agrees_with_pattern_eap_for_one_item() -> None:
    model = small_model()
    only = GradedModel(model.slopes[:1], model.thresholds[:1], model.n_categories[:1])
    table = sum_score_table(only)
    est = score_theta(only, np.arange(4.0)[:, None])
    np.testing.assert_allclose(table.theta, est.theta, atol=1e-13)
    np.testing.assert_allclose(table.se, est.se, atol=1e-13)


def test_sum_score_lookup() -> None:
    table = sum_score_table(small_model())
    theta, se = table.lookup(np.array([0.0, 6.0, np.nan]))
    assert theta[0] == table.theta[0]
    assert se[1] == table.se[6]
    assert np.isnan(theta[2])
    assert np.isnan(se[2])
    assert np.all(np.diff(table.theta) > 0)
    with pytest.raises(ValueError, match=r"0\.\.6"):
        table.lookup([7.0])
    with pytest.raises(ValueError, match="whole numbers"):
        table.lookup([1.5])


def test_sum_score_table_with_many_items_does_not_underflow() -> None:
    rng = np.random.default_rng(53)
    model = random_model(rng, 120, 5, (2.0, 3.0), mixed=False)
    table = sum_score_table(model)
    assert np.all(np.isfinite(table.theta))
    assert np.all(np.diff(table.theta) > 0)
    assert table.probability.sum() == pytest.approx(1.0)

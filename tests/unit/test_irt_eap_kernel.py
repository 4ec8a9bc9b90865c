"""The EAP kernel of relscales.irt: grouped tables, scaled factors, blocks and threads.

The kernel multiplies one table row per group of items, each row exponentiated once, when
the tables are built, after subtracting its own maximum (so the product is the posterior
shifted by an upper bound of its maximum), and scores blocks of rows on several threads
with reused scratch arrays. These tests hold each of those steps against a plain
computation: the log posterior summed item by item from
:func:`relscales.irt.log_likelihood_table`, exponentiated after subtracting its exact
maximum, and integrated on the same nodes.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from relscales import irt
from relscales.irt import GradedModel, ThetaScorer, log_likelihood_table, score_theta

REQUIRE_COMPILED = os.environ.get("RELSCALES_REQUIRE_COMPILED") == "1"


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run every test with the compiled EAP kernel (where it was built) and with numpy's."""
    if request.param == "numpy":
        monkeypatch.setattr(irt, "_COMPILED", [None])
    elif irt.eap_kernel() != "compiled":
        if REQUIRE_COMPILED:
            pytest.fail("the compiled EAP kernel was not built (RELSCALES_REQUIRE_COMPILED=1)")
        pytest.skip("the compiled EAP kernel was not built (no C compiler at install time)")
    return str(request.param)


def plain_eap(
    model: GradedModel, responses: np.ndarray, nodes: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """EAP and posterior SD on the given nodes, one respondent and one item at a time."""
    table = log_likelihood_table(model, nodes)
    theta = np.full(len(responses), np.nan)
    se = np.full(len(responses), np.nan)
    for i, pattern in enumerate(responses):
        if np.all(np.isnan(pattern)):
            continue
        log_post = np.log(weights).copy()
        for j, x in enumerate(pattern):
            if not np.isnan(x):
                log_post += table[j, int(x)]
        post = np.exp(log_post - log_post.max())
        mean = float(np.sum(post * nodes) / post.sum())
        theta[i] = mean
        se[i] = np.sqrt(np.sum(post * (nodes - mean) ** 2) / post.sum())
    return theta, se


def random_model(
    rng: np.random.Generator, k: int, m: int, slopes: tuple[float, float]
) -> GradedModel:
    thresholds = np.sort(rng.uniform(-2.5, 2.5, size=(k, m - 1)), axis=1)
    return GradedModel(rng.uniform(*slopes, size=k), thresholds, np.full(k, m))


@pytest.mark.parametrize(("k", "m"), [(1, 2), (3, 5), (7, 7), (18, 7), (25, 2), (12, 3)])
def test_grouped_tables_give_the_plain_sums(k: int, m: int) -> None:
    rng = np.random.default_rng(k * 10 + m)
    model = random_model(rng, k, m, (0.5, 2.5))
    responses = rng.integers(0, m, size=(300, k)).astype(float)
    responses[rng.random(responses.shape) < 0.2] = np.nan
    responses[0] = np.nan  # nothing answered
    scorer = ThetaScorer(model)
    nodes, weights = irt.quadrature_nodes(model)
    est = scorer.score(responses)
    theta, se = plain_eap(model, responses, nodes, weights)
    np.testing.assert_allclose(est.theta, theta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(est.se, se, rtol=0, atol=1e-12)
    assert np.isnan(est.theta[0])


def test_item_groups_keep_their_tables_small() -> None:
    groups = irt._item_groups(np.array([7, 7, 7, 7, 2, 2, 2, 2, 2, 5]))
    assert [j for g in groups for j in g] == list(range(10))  # every item once, in order
    for group in groups:
        assert np.prod([[7, 7, 7, 7, 2, 2, 2, 2, 2, 5][j] + 1 for j in group]) <= 512


def contradictory_model() -> tuple[GradedModel, np.ndarray]:
    """Steep items whose answers point at opposite ends: each group's own maximum lies far
    from the pattern's, so the sum of the groups' maxima overstates the pattern's maximum
    by far more than the 650 nats the shifted exponent tolerates."""
    k = 120
    easy = np.arange(k) < k // 2  # items in groups of their own kind
    slopes = np.full(k, 4.0)
    thresholds = np.where(easy, -3.0, 3.0)[:, None]
    model = GradedModel(slopes, thresholds, np.full(k, 2))
    pattern = np.where(easy, 0.0, 1.0)  # lowest where easy, highest where hard
    return model, pattern[None, :]


def test_loose_bound_patterns_are_redone_with_their_exact_maximum() -> None:
    model, responses = contradictory_model()
    scorer = ThetaScorer(model)
    kernel = scorer._kernel
    picked = np.zeros((1, kernel.offsets.size), dtype=np.int64)
    filled = responses.copy()
    columns = np.repeat(kernel.offsets[None, :], 1, axis=0)
    for j, g, place in kernel.places:
        columns[:, g] += filled[:, j] * place
    picked[:] = columns
    bound = kernel.row_max[picked].sum()
    exact = kernel.table[picked[0]].sum(axis=0).max()
    assert bound - exact > 800  # exp(-800) underflows: the product of factors alone is 0/0
    nodes, weights = irt.quadrature_nodes(model)
    est = scorer.score(np.repeat(responses, 3, axis=0))
    theta, se = plain_eap(model, responses, nodes, weights)
    assert np.all(np.isfinite(est.theta))
    np.testing.assert_allclose(est.theta, theta[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(est.se, se[0], rtol=0, atol=1e-12)


def test_factors_are_the_rows_scaled_by_their_maxima() -> None:
    rng = np.random.default_rng(3)
    model = random_model(rng, 7, 5, (0.5, 3.0))
    kernel = ThetaScorer(model)._kernel
    assert np.all(kernel.factors <= 1.0)
    np.testing.assert_array_equal(kernel.factors.max(axis=1), 1.0)
    np.testing.assert_allclose(
        np.log(kernel.factors) + kernel.row_max[:, None], kernel.table, rtol=0, atol=1e-12
    )


def test_a_pattern_s_product_is_its_posterior_over_the_bound() -> None:
    rng = np.random.default_rng(4)
    model = random_model(rng, 10, 4, (0.5, 3.0))
    scorer = ThetaScorer(model)
    kernel = scorer._kernel
    nodes, weights = irt.quadrature_nodes(model)
    table = log_likelihood_table(model, nodes)
    for pattern in rng.integers(0, 4, size=(20, 10)):
        rows = np.zeros(kernel.offsets.size, dtype=np.int64) + kernel.offsets.astype(np.int64)
        for j, g, place in kernel.places:
            rows[g] += int(pattern[j] * place)
        product = np.prod(kernel.factors[rows], axis=0)
        log_post = np.log(weights) + table[np.arange(10), pattern].sum(axis=0)
        bound = kernel.row_max[rows].sum()
        assert bound >= log_post.max() - 1e-12
        np.testing.assert_allclose(product, np.exp(log_post - bound), rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("q", "rows"), [(3, 4096), (81, 2048), (196, 1024), (401, 512), (5000, 64)]
)
def test_block_rows_keep_a_block_in_cache(q: int, rows: int) -> None:
    assert irt._block_rows(q) == rows
    assert rows * q * 8 <= max(irt._BLOCK_BYTES, 64 * q * 8)


@pytest.fixture
def one_block_per_task(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand each thread one block at a time, so that a few thousand rows use every thread."""
    monkeypatch.setattr(irt, "_TASKS_PER_WORKER", 10**6)


@pytest.mark.usefixtures("one_block_per_task")
def test_many_blocks_on_threads_equal_one_block_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    model = random_model(rng, 9, 5, (0.8, 2.0))
    responses = rng.integers(0, 5, size=(3 * irt._BLOCK + 17, 9)).astype(float)
    responses[rng.random(responses.shape) < 0.1] = np.nan
    threaded = score_theta(model, responses)
    monkeypatch.setattr(irt, "_MAX_WORKERS", 1)
    serial = score_theta(model, responses)
    np.testing.assert_array_equal(threaded.theta, serial.theta)
    np.testing.assert_array_equal(threaded.se, serial.se)
    np.testing.assert_array_equal(threaded.n_answered, serial.n_answered)


@pytest.mark.usefixtures("one_block_per_task")
def test_the_first_bad_row_is_reported_whichever_thread_finds_it() -> None:
    rng = np.random.default_rng(12)
    model = random_model(rng, 4, 3, (0.8, 2.0))
    responses = rng.integers(0, 3, size=(4 * irt._BLOCK, 4)).astype(float)
    first, later = irt._BLOCK + 5, 3 * irt._BLOCK + 1
    responses[first, 2] = 7.0
    responses[later, 0] = -1.0
    with pytest.raises(ValueError, match=rf"column 2; row {first} has 7\.0"):
        score_theta(model, responses)


@pytest.mark.usefixtures("one_block_per_task")
def test_one_scorer_used_by_several_threads_at_once() -> None:
    rng = np.random.default_rng(13)
    model = random_model(rng, 6, 4, (0.8, 2.0))
    scorer = ThetaScorer(model)
    data = [rng.integers(0, 4, size=(2 * irt._BLOCK + i, 6)).astype(float) for i in range(4)]
    expected = [scorer.score(d).theta for d in data]
    results: dict[int, np.ndarray] = {}

    def run(i: int) -> None:
        results[i] = scorer.score(data[i]).theta

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        np.testing.assert_array_equal(results[i], expected[i])


def test_column_ordered_input_gives_the_same_estimates() -> None:
    rng = np.random.default_rng(14)
    model = random_model(rng, 8, 4, (0.8, 2.0))
    responses = rng.integers(0, 4, size=(5000, 8)).astype(float)
    responses[rng.random(responses.shape) < 0.1] = np.nan
    a = score_theta(model, responses)
    b = score_theta(model, np.asfortranarray(responses))
    np.testing.assert_array_equal(a.theta, b.theta)
    np.testing.assert_array_equal(a.se, b.se)


@pytest.mark.usefixtures("one_block_per_task")
def test_a_forked_child_scores_with_threads_of_its_own() -> None:
    import multiprocessing

    rng = np.random.default_rng(15)
    model = random_model(rng, 5, 4, (0.8, 2.0))
    responses = rng.integers(0, 4, size=(3 * irt._BLOCK, 5)).astype(float)
    expected = score_theta(model, responses).theta  # the parent's pool now exists
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        child = pool.apply_async(score_theta, (model, responses)).get(timeout=30)
    np.testing.assert_array_equal(child.theta, expected)


def test_tasks_of_several_blocks_give_the_same_estimates(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(16)
    model = random_model(rng, 7, 5, (0.8, 2.0))
    rows = ThetaScorer(model)._kernel.rows
    responses = rng.integers(0, 5, size=(5 * rows + 3, 7)).astype(float)
    responses[rng.random(responses.shape) < 0.1] = np.nan
    monkeypatch.setattr(irt, "_MAX_WORKERS", 2)
    monkeypatch.setattr(irt, "_TASKS_PER_WORKER", 1)  # two tasks of three blocks, one short
    several = score_theta(model, responses)
    monkeypatch.setattr(irt, "_TASKS_PER_WORKER", 10**6)  # a task per block
    one = score_theta(model, responses)
    np.testing.assert_array_equal(several.theta, one.theta)
    np.testing.assert_array_equal(several.se, one.se)
    np.testing.assert_array_equal(several.n_answered, one.n_answered)


def test_checked_codes_give_the_same_estimates_without_the_check() -> None:
    rng = np.random.default_rng(17)
    model = random_model(rng, 9, 4, (0.8, 2.0))
    responses = rng.integers(0, 4, size=(3000, 9)).astype(float)
    responses[rng.random(responses.shape) < 0.15] = np.nan
    responses[5] = np.nan
    scorer = ThetaScorer(model)
    checked = scorer.score(np.asfortranarray(responses), checked=True)
    plain = scorer.score(responses)
    np.testing.assert_array_equal(checked.theta, plain.theta)
    np.testing.assert_array_equal(checked.se, plain.se)
    np.testing.assert_array_equal(checked.n_answered, plain.n_answered)
    responses[7, 2] = 9.0
    with pytest.raises(ValueError, match=r"row 7 has 9\.0"):
        scorer.score(responses)


@pytest.mark.parametrize("bad", [7.0, -1.0, 0.5, np.inf, -np.inf])
def test_every_invalid_code_is_named(bad: float) -> None:
    rng = np.random.default_rng(19)
    model = random_model(rng, 4, 3, (0.8, 2.0))
    responses = rng.integers(0, 3, size=(50, 4)).astype(float)
    responses[9, 1] = bad
    with pytest.raises(ValueError, match=r"column 1; row 9 has"):
        score_theta(model, responses)

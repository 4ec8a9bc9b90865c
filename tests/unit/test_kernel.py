"""The numpy scoring kernel (relscales.scoring.kernel): hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from relscales.scoring.kernel import keyed_scores, reverse_key

nan = np.nan


def test_reverse_key_flips_only_flagged_items_and_keeps_missing() -> None:
    x = np.array([[1.0, 7.0, 3.0], [nan, 2.0, nan]])
    out = reverse_key(x, np.array([False, True, True]), np.array([8.0, 8.0, 4.0]))
    np.testing.assert_array_equal(out, [[1.0, 1.0, 1.0], [nan, 6.0, nan]])
    np.testing.assert_array_equal(x, [[1.0, 7.0, 3.0], [nan, 2.0, nan]])  # input untouched


@pytest.mark.parametrize(
    ("row", "method", "min_answered", "expected", "n"),
    [
        pytest.param([1, 2, 3, 6], "mean", 1, 3.0, 4, id="mean-complete"),
        pytest.param([1, 2, 3, 6], "sum", 1, 12.0, 4, id="sum-complete"),
        pytest.param([1, 2, 3, 6], "prorated_sum", 1, 12.0, 4, id="prorated-complete"),
        pytest.param([1, nan, 3, nan], "mean", 1, 2.0, 2, id="mean-two-answered"),
        pytest.param([1, nan, 3, nan], "sum", 1, 4.0, 2, id="sum-is-not-prorated"),
        pytest.param([1, nan, 3, nan], "prorated_sum", 1, 8.0, 2, id="prorated-mean-times-k"),
        pytest.param([1, nan, 3, nan], "mean", 3, nan, 2, id="below-min-answered"),
        pytest.param([1, nan, 3, nan], "sum", 2, 4.0, 2, id="at-min-answered"),
        pytest.param([nan, nan, nan, nan], "mean", 1, nan, 0, id="all-missing-mean"),
        pytest.param([nan, nan, nan, nan], "sum", 1, nan, 0, id="all-missing-sum-not-zero"),
        pytest.param([0, 0, 0, 0], "sum", 1, 0.0, 4, id="real-zero-sum"),
    ],
)
def test_unit_weights(
    row: list[float], method: str, min_answered: int, expected: float, n: int
) -> None:
    scores, counts = keyed_scores(
        np.array([row], dtype=float), np.ones((1, 4)), (method,), np.array([min_answered])
    )
    np.testing.assert_array_equal(scores, [[expected]])
    assert counts.tolist() == [[n]]


def test_weights_and_membership() -> None:
    x = np.array([[4.0, 2.0, nan, 5.0]])
    weights = np.array(
        [
            [2.0, 1.0, 1.0, 0.0],  # 4*2 + 2*1 = 10 over weight 3 answered (of 4 in scale)
            [0.0, 0.0, 1.0, 1.0],  # one of two answered
        ]
    )
    for method, expected in [
        ("mean", [10 / 3, 5.0]),
        ("sum", [10.0, 5.0]),
        ("prorated_sum", [10 / 3 * 4, 10.0]),
    ]:
        scores, counts = keyed_scores(x, weights, (method, method), np.array([1, 1]))
        np.testing.assert_allclose(scores, [expected], rtol=0, atol=1e-12)
        assert counts.tolist() == [[2, 1]]  # counts items in the scale, not weights


def test_reverse_keying_folded_into_the_kernel_equals_reversing_first() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, size=(50, 6)).astype(float)
    x[rng.random(x.shape) < 0.2] = nan
    reverse = np.array([False, True, False, True, True, False])
    offset = np.full(6, 8.0)
    weights = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 2, 1]], dtype=float)
    methods = ("mean", "prorated_sum")
    mins = np.array([1, 2])
    folded, n1 = keyed_scores(x, weights, methods, mins, reverse=reverse, offset=offset)
    first, n2 = keyed_scores(reverse_key(x, reverse, offset), weights, methods, mins)
    np.testing.assert_allclose(folded, first, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(n1, n2)


def test_overwrite_x_is_opt_in() -> None:
    x = np.array([[1.0, nan]])
    keyed_scores(x, np.ones((1, 2)), ("sum",), np.array([1]))
    np.testing.assert_array_equal(x, [[1.0, nan]])


def test_no_respondents() -> None:
    scores, counts = keyed_scores(
        np.empty((0, 3)), np.ones((2, 3)), ("mean", "sum"), np.array([1, 1])
    )
    assert scores.shape == counts.shape == (0, 2)

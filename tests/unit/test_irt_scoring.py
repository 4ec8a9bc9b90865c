"""`relscales score` with a declared graded response model: theta, SE, T score, intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import relscales
from relscales.irt import GradedModel, score_theta

SLOPES = [1.2, 0.9, 2.0, 1.5]
STEPS = [[-1.5, -0.5, 0.5, 1.5], [-1.0, 0.0, 1.0, 2.0], [-2.0, -1.0, 0.0, 1.0], [-0.5, 0, 0.5, 1]]
REVERSED = {"i2"}


def instrument(tmp_path: Path, method: str = "eap", score: str = "mean") -> Path:
    items = [f"i{j}" for j in range(1, 5)]
    doc = {
        "relscales": 1,
        "id": "irt-demo",
        "version": "0.1.0",
        "name": "IRT demo",
        "domain": "other",
        "license": {"name": "test", "item_text": "not-included"},
        "validation": {"status": "experimental"},
        "response_scales": {"agree5": {"values": [1, 2, 3, 4, 5]}},
        "items": [
            {"id": i, "label": f"item {i}", "scale": "agree5", "reverse": i in REVERSED}
            for i in items
        ],
        "subscales": [
            {
                "id": "s",
                "name": "S",
                "items": items,
                "score": score,
                "irt": {
                    "model": "graded",
                    "method": method,
                    "items": {
                        i: {"slope": a, "thresholds": b}
                        for i, a, b in zip(items, SLOPES, STEPS, strict=True)
                    },
                    "calibration": {"source": "made up for a test", "licence": "CC0"},
                },
            }
        ],
    }
    path = tmp_path / "irt-demo.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


DATA = {
    "id": ["a", "b", "c", "d", "e"],
    "i1": [1, 5, 3, None, None],
    "i2": [5, 1, 3, 2, None],
    "i3": [1, 5, 4, 4, None],
    "i4": [2, 5, 3, None, None],
}


def keyed_codes() -> np.ndarray:
    rows = []
    for r in range(5):
        row = []
        for item in ("i1", "i2", "i3", "i4"):
            x = DATA[item][r]
            if x is None:
                row.append(np.nan)
            else:
                row.append((6 - x if item in REVERSED else x) - 1.0)
        rows.append(row)
    return np.array(rows)


MODEL = GradedModel(
    slopes=np.array(SLOPES),
    thresholds=np.array(STEPS, dtype=float),
    n_categories=np.full(4, 5),
)


@pytest.mark.parametrize("method", ["eap", "map", "ml"])
def test_theta_and_se_are_the_models_on_keyed_answers(tmp_path: Path, method: str) -> None:
    result = relscales.score(str(instrument(tmp_path, method)), DATA)
    expected = score_theta(MODEL, keyed_codes(), method=method)
    theta = result.columns["s_theta"]
    np.testing.assert_allclose(theta[:4], expected.theta[:4], rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.columns["s_theta_se"][:4], expected.se[:4], atol=1e-12)
    np.testing.assert_allclose(result.columns["s_theta_t"][:4], 50 + 10 * expected.theta[:4])
    assert np.isnan(theta[4])  # nothing answered: no theta, never a guess


def test_low_answers_give_low_theta_and_reversed_items_count_reversed(tmp_path: Path) -> None:
    theta = relscales.score(str(instrument(tmp_path)), DATA).columns["s_theta"]
    assert theta[0] < theta[2] < theta[1]


def test_intervals_come_from_the_model_and_contain_the_score(tmp_path: Path) -> None:
    result = relscales.score(str(instrument(tmp_path)), DATA, with_ci=True)
    cols = result.columns
    score, low, high = cols["s"], cols["s_ci_low"], cols["s_ci_high"]
    ok = ~np.isnan(score)
    assert np.all(low[ok] <= score[ok])
    assert np.all(score[ok] <= high[ok])
    assert np.all((low[ok] >= 1) & (high[ok] <= 5))
    se, theta = cols["s_theta_se"], cols["s_theta"]
    z = 1.959963984540054
    np.testing.assert_allclose(cols["s_theta_ci_low"][ok], theta[ok] - z * se[ok])
    np.testing.assert_allclose(cols["s_theta_ci_high"][ok], theta[ok] + z * se[ok])
    # fewer answers, less information: a wider theta interval for d (2 items) than for c (4)
    assert se[3] > se[2]


def test_instruments_without_a_model_get_no_theta_columns() -> None:
    data = {"id": ["a"], **{f"rses{i:02d}": [2] for i in range(1, 11)}}
    assert not [c for c in relscales.score("rses", data, with_ci=True).columns if "theta" in c]


def test_codes_of_reverse_keyed_items_on_uneven_scales_reverse_the_categories() -> None:
    """On values (0, 1, 3), "min + max - answer" is not a value (1 -> 2): the code is the
    answer's rank among the values, reversed; an answer not on the scale is missing."""
    from types import SimpleNamespace

    from relscales.scoring.compile import CodeKey

    compiled = SimpleNamespace(
        scales=[SimpleNamespace(values=(0.0, 1.0, 3.0)), SimpleNamespace(values=(1.0, 2.0, 3.0))],
        item_scale=np.array([0, 0, 1, 1]),
        reverse=np.array([False, True, False, True]),
        offset=np.array([3.0, 3.0, 4.0, 4.0]),
    )
    key = CodeKey.build(compiled, np.array([0, 1, 2, 3]))  # type: ignore[arg-type]
    raw = np.array([[0, 0, 1, 1], [1, 1, 2, 2], [3, 3, 3, 3], [2, 2, np.nan, 3]], dtype=float)
    expected = np.array([[0, 2, 0, 2], [1, 1, 1, 1], [2, 0, 2, 0], [np.nan, np.nan, np.nan, 0]])
    np.testing.assert_array_equal(key(raw), expected)


@pytest.mark.parametrize("low", [-3, 0, 1])
@pytest.mark.parametrize("m", [2, 5, 7])
def test_codes_of_whole_number_scales_are_one_exact_addition(low: int, m: int) -> None:
    from types import SimpleNamespace

    from relscales.scoring.compile import CodeKey

    values = tuple(float(v) for v in range(low, low + m))
    compiled = SimpleNamespace(
        scales=[SimpleNamespace(values=values), SimpleNamespace(values=(0.0, 0.5, 1.0))],
        item_scale=np.array([0, 0, 1]),
        reverse=np.array([False, True, True]),
        offset=np.array([0.0, values[0] + values[-1], 1.0]),
    )
    key = CodeKey.build(compiled, np.array([0, 1, 2]))  # type: ignore[arg-type]
    assert key.unit is not None
    assert key.unit.tolist() == [True, True, False]
    rng = np.random.default_rng(m * 10 + low)
    raw = np.column_stack(
        [rng.choice(values, 200), rng.choice(values, 200), rng.choice([0.0, 0.5, 1.0], 200)]
    )
    raw[rng.random(raw.shape) < 0.1] = np.nan
    expected = np.column_stack(
        [raw[:, 0] - low, (values[0] + values[-1] - raw[:, 1]) - low, (1.0 - raw[:, 2]) / 0.5]
    )
    np.testing.assert_array_equal(key(raw), expected)

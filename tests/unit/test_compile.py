"""InstrumentSpec -> CompiledInstrument (relscales.scoring.compile)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import relscales
from relscales import load_instrument
from relscales.instruments.loader import load_instrument_data
from relscales.labels import normalize_label
from relscales.scoring.compile import CompiledInstrument, compile_instrument

DATA = Path(__file__).resolve().parent.parent / "data" / "scoring"


def compiled(ref: str | Path) -> CompiledInstrument:
    return compile_instrument(load_instrument(ref))


def spec_dict(
    scales: dict[str, list[float]],
    items: list[tuple[str, str, bool]],
    subscales: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "relscales": 1,
        "id": "unit",
        "version": "1.0.0",
        "name": "unit",
        "domain": "other",
        "citation": "none",
        "license": {"name": "test", "item_text": "not-included"},
        "validation": {"status": "experimental"},
        "response_scales": {name: {"values": values} for name, values in scales.items()},
        "items": [
            {"id": i, "label": f"item {i}", "scale": scale, "reverse": rev}
            for i, scale, rev in items
        ],
        "subscales": [{"name": sub["id"], **sub} for sub in subscales],
    }


def test_rses() -> None:
    c = compiled("rses")
    assert c.id == "rses"
    assert c.item_ids == tuple(f"rses{i:02d}" for i in range(1, 11))
    assert c.columns == c.item_ids
    # the standard order: items 2, 5, 6, 8 and 9 are negatively worded
    assert np.flatnonzero(c.reverse).tolist() == [1, 4, 5, 7, 8]
    assert c.offset.tolist() == [3.0] * 10  # 0 + 3 of the declared scale
    assert c.weights.tolist() == [[1.0] * 10]
    assert c.methods == ("sum",)
    assert c.min_answered.tolist() == [10]
    assert c.score_ids == ("self_esteem",)
    (info,) = c.scores
    assert (info.kind, info.low, info.high) == ("subscale", 0.0, 30.0)
    (scale,) = c.scales
    assert scale.values.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert scale.labels == {
        "strongly disagree": 0.0,
        "disagree": 1.0,
        "agree": 2.0,
        "strongly agree": 3.0,
    }
    assert (scale.low, scale.high, scale.missing_codes) == (0.0, 3.0, frozenset())


def test_rses_order_b_keeps_standard_items_and_reads_other_columns() -> None:
    c = compiled("rses-order-b")
    assert c.item_ids == tuple(f"rses{i:02d}" for i in range(1, 11))
    assert dict(zip(c.item_ids, c.columns, strict=True)) == {
        "rses01": "Q7",
        "rses02": "Q10",
        "rses03": "Q2",
        "rses04": "Q4",
        "rses05": "Q5",
        "rses06": "Q9",
        "rses07": "Q1",
        "rses08": "Q8",
        "rses09": "Q3",
        "rses10": "Q6",
    }
    reversed_columns = sorted(c.columns[j] for j in np.flatnonzero(c.reverse))
    assert reversed_columns == ["Q10", "Q3", "Q5", "Q8", "Q9"]
    assert c.offset.tolist() == [5.0] * 10  # 1 + 4 of its own scale, not the parent's 0 + 3
    (scale,) = c.scales
    assert scale.missing_codes == frozenset({0.0})
    (info,) = c.scores
    assert (info.low, info.high) == (10.0, 40.0)  # all ten items required, coded 1-4


def test_ecr_r() -> None:
    c = compiled("ecr-r")
    assert c.weights.shape == (2, 36)
    assert np.flatnonzero(c.weights[0]).tolist() == list(range(18))
    assert np.flatnonzero(c.weights[1]).tolist() == list(range(18, 36))
    reversed_items = [c.item_ids[j] for j in np.flatnonzero(c.reverse)]
    assert reversed_items == [
        f"ecrr{i:02d}" for i in (9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36)
    ]
    assert set(c.offset.tolist()) == {8.0}
    assert c.min_answered.tolist() == [1, 1]
    assert [(i.id, i.low, i.high) for i in c.scores] == [
        ("anxiety", 1.0, 7.0),
        ("avoidance", 1.0, 7.0),
    ]


def test_normed_composites_and_bounds() -> None:
    c = compiled(DATA / "normed.yaml")
    assert c.score_ids == ("warmth", "worry", "overall", "total", "balance")
    assert [i.kind for i in c.scores] == ["subscale"] * 2 + ["composite"] * 3
    overall, total, balance = c.composites
    assert (overall.parts.tolist(), overall.weights.tolist(), overall.method) == (
        [0, 1],
        [2.0, 1.0],
        "mean",
    )
    assert (total.weights.tolist(), total.method, total.standardized) == ([1.0, 0.5], "sum", False)
    assert balance.standardized
    bounds = {i.id: (i.low, i.high) for i in c.scores}
    assert bounds["warmth"] == (1.0, 5.0)
    assert bounds["worry"] == (3.0, 15.0)  # a sum of all three items (min_answered 3)
    np.testing.assert_allclose(bounds["overall"], ((2 * 1 + 3) / 3, (2 * 5 + 15) / 3))
    np.testing.assert_allclose(bounds["total"], (1 + 0.5 * 3, 5 + 0.5 * 15))
    assert all(math.isnan(v) for v in bounds["balance"])  # standardized: no raw bounds
    warmth = c.scores[0]
    assert warmth.published is not None
    assert warmth.published.alpha == 0.84
    assert [n.group for n in warmth.norms] == ["students", "adults"]
    assert [b.label for b in warmth.bands] == ["low", "moderate", "high"]


@pytest.mark.parametrize(
    ("min_answered", "n_items", "expected"),
    [
        pytest.param(1, 5, 1, id="count-1"),
        pytest.param(3, 5, 3, id="count-3"),
        pytest.param(1.0, 5, 5, id="fraction-1.0-means-all"),
        pytest.param(0.8, 18, 15, id="fraction-0.8-of-18"),
        pytest.param(0.7, 10, 7, id="fraction-0.7-of-10-no-rounding-up"),
        pytest.param(0.5, 3, 2, id="fraction-rounds-up"),
        pytest.param(0.01, 5, 1, id="fraction-at-least-one"),
    ],
)
def test_min_answered(min_answered: float, n_items: int, expected: int) -> None:
    items = [(f"q{i}", "s", False) for i in range(n_items)]
    spec = spec_dict(
        {"s": [1, 2, 3]},
        items,
        [{"id": "t", "items": [i for i, _, _ in items], "min_answered": min_answered}],
    )
    assert compile_instrument(load_instrument_data(spec)).min_answered.tolist() == [expected]


@pytest.mark.parametrize(
    ("scales", "method", "min_answered", "weights", "expected"),
    [
        pytest.param(["sym"] * 4, "sum", 1, None, (-8.0, 8.0), id="sum-symmetric"),
        pytest.param(["neg"] * 3, "sum", 1, None, (-15.0, -1.0), id="sum-negative-codes-one"),
        pytest.param(["neg"] * 3, "sum", 3, None, (-15.0, -3.0), id="sum-negative-codes-all"),
        pytest.param(["pos"] * 3, "sum", 1, None, (1.0, 15.0), id="sum-positive-codes-one"),
        pytest.param(["pos"] * 3, "sum", 2, None, (2.0, 15.0), id="sum-positive-codes-two"),
        pytest.param(["pos", "sym"], "sum", 1, None, (-2.0, 7.0), id="sum-mixed"),
        pytest.param(
            ["pos", "pos"], "sum", 2, {"q0": 2, "q1": 0.5}, (2.5, 12.5), id="sum-weighted"
        ),
        pytest.param(["pos", "sym"], "mean", 1, None, (-2.0, 5.0), id="mean-mixed-partial"),
        pytest.param(["pos", "sym"], "mean", 2, None, (-0.5, 3.5), id="mean-mixed-complete"),
        pytest.param(["pos", "pos"], "mean", 1, {"q0": 3, "q1": 1}, (1.0, 5.0), id="mean-weighted"),
        pytest.param(["pos", "pos", "pos"], "prorated_sum", 1, None, (3.0, 15.0), id="prorated"),
        pytest.param(
            ["pos", "sym"], "prorated_sum", 2, None, (-1.0, 7.0), id="prorated-mixed-complete"
        ),
    ],
)
def test_score_bounds(
    scales: list[str],
    method: str,
    min_answered: int,
    weights: dict[str, float] | None,
    expected: tuple[float, float],
) -> None:
    """Bounds hold for any respondent answering at least ``min_answered`` items."""
    values = {"pos": [1, 2, 3, 4, 5], "neg": [-5, -4, -3, -2, -1], "sym": [-2, -1, 0, 1, 2]}
    items = [(f"q{j}", s, j % 2 == 1) for j, s in enumerate(scales)]
    sub: dict[str, Any] = {
        "id": "t",
        "items": [i for i, _, _ in items],
        "score": method,
        "min_answered": min_answered,
    }
    if weights:
        sub["weights"] = weights
    c = compile_instrument(load_instrument_data(spec_dict(values, items, [sub])))
    (info,) = c.scores
    np.testing.assert_allclose((info.low, info.high), expected, rtol=0, atol=1e-12)


def test_reverse_offset_uses_each_items_own_scale() -> None:
    items = [("a", "five", True), ("b", "gapped", True), ("c", "five", False)]
    spec = spec_dict(
        {"five": [1, 2, 3, 4, 5], "gapped": [0, 2, 10]},
        items,
        [{"id": "t", "items": ["a", "b", "c"]}],
    )
    c = compile_instrument(load_instrument_data(spec))
    assert c.offset.tolist() == [6.0, 10.0, 6.0]
    assert c.reverse.tolist() == [True, True, False]
    assert c.item_scale.tolist() == [0, 1, 0]


def test_weights_and_methods() -> None:
    items = [(f"q{i}", "s", False) for i in range(4)]
    spec = spec_dict(
        {"s": [1, 2, 3]},
        items,
        [
            {"id": "a", "items": ["q0", "q2"], "weights": {"q2": 2.5}, "score": "prorated_sum"},
            {"id": "b", "items": ["q3", "q1"], "score": "sum"},
        ],
    )
    c = compile_instrument(load_instrument_data(spec))
    assert c.weights.tolist() == [[1.0, 0.0, 2.5, 0.0], [0.0, 1.0, 0.0, 1.0]]
    assert c.methods == ("prorated_sum", "sum")


def test_with_columns_returns_a_remapped_copy() -> None:
    c = compiled("rses")
    other = c.with_columns({"rses01": "first", "rses10": "last"})
    assert other.columns[0] == "first"
    assert other.columns[-1] == "last"
    assert other.columns[1:-1] == c.columns[1:-1]
    assert c.columns[0] == "rses01"  # the original is unchanged
    assert other.item_ids == c.item_ids
    assert other.scores == c.scores


def test_compiled_instrument_is_immutable() -> None:
    c = compiled("rses")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.columns = ()  # type: ignore[misc]


def test_a_compiled_instrument_scores_data() -> None:
    c = compiled("rses")
    result = relscales.score(c, {f"rses{i:02d}": [3] for i in range(1, 11)})
    assert result.scores["self_esteem"].tolist() == [15.0]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Strongly agree", "strongly agree"),
        ("  Strongly\t AGREE ", "strongly agree"),
        ("Neutral/mixed", "neutral/mixed"),
        ("ÉTÉ", "été"),
    ],
)
def test_normalize_label(text: str, key: str) -> None:
    assert normalize_label(text) == key

"""Property-based tests of scoring (house style 21): kernel, reverse keying, batching, bounds.

The differential tests compare the vectorised code with ``naive_scores`` below, a
deliberately plain per-respondent, per-scale loop written from the documented rules
(instrument-format.md, "Subscales"), sharing no code with ``relscales.scoring``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import relscales
from relscales.instruments.loader import load_instrument_data
from relscales.io.sources import open_source
from relscales.io.tabular import Source
from relscales.scoring.compile import CompiledInstrument, compile_instrument
from relscales.scoring.kernel import keyed_scores, reverse_key

METHODS = ("mean", "sum", "prorated_sum")

# ---------------------------------------------------------------------------------------------
# The naive reference implementation
# ---------------------------------------------------------------------------------------------


def naive_score(
    answers: list[float | None],
    weights: list[float],
    method: str,
    min_answered: int,
) -> tuple[float | None, int]:
    """Score one respondent on one scale: ``answers`` already reverse-keyed, None = missing.

    Items with weight 0 are not in the scale.
    """
    total = 0.0
    weight_answered = 0.0
    weight_all = 0.0
    n = 0
    for value, weight in zip(answers, weights, strict=True):
        if weight <= 0:
            continue
        weight_all += weight
        if value is None:
            continue
        n += 1
        total += weight * value
        weight_answered += weight
    if n < min_answered or n == 0:
        return None, n
    if method == "sum":
        return total, n
    mean = total / weight_answered
    if method == "mean":
        return mean, n
    return mean * weight_all, n  # prorated_sum


def naive_reverse(value: float | None, reverse: bool, low: float, high: float) -> float | None:
    if value is None or not reverse:
        return value
    return low + high - value


def naive_scores(spec: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Score ``rows`` (dicts of item id -> answer or None) on an instrument given as a dict."""
    scales = spec["response_scales"]
    items = spec["items"]
    out: dict[str, list[Any]] = {sub["id"]: [] for sub in spec["subscales"]}
    for row in rows:
        keyed = {}
        for item in items:
            values = scales[item["scale"]]["values"]
            keyed[item["id"]] = naive_reverse(
                row[item["id"]], item.get("reverse", False), min(values), max(values)
            )
        for sub in spec["subscales"]:
            ids = sub["items"]
            weights = [float((sub.get("weights") or {}).get(i, 1.0)) for i in ids]
            value, _ = naive_score(
                [keyed[i] for i in ids], weights, sub["score"], sub["min_answered"]
            )
            out[sub["id"]].append(value)
    return out


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------

values_st = st.lists(st.integers(-5, 10), min_size=2, max_size=6, unique=True).map(sorted)


@st.composite
def instruments(draw: st.DrawFn, *, mixed_scales: bool = True) -> dict[str, Any]:
    """An instrument as a dict: 1-3 response scales (possibly negative, gapped), 1-7 items."""
    n_scales = draw(st.integers(1, 3)) if mixed_scales else 1
    scales = {f"s{i}": {"values": draw(values_st)} for i in range(n_scales)}
    k = draw(st.integers(1, 7))
    items = [
        {
            "id": f"q{j}",
            "label": f"item {j}",
            "scale": f"s{draw(st.integers(0, n_scales - 1))}",
            "reverse": draw(st.booleans()),
        }
        for j in range(k)
    ]
    subscales = []
    for s in range(draw(st.integers(1, 3))):
        members = draw(
            st.lists(st.sampled_from([it["id"] for it in items]), min_size=1, unique=True)
        )
        weights = draw(
            st.none()
            | st.fixed_dictionaries(
                {m: st.integers(1, 5) | st.sampled_from([0.5, 1.5, 2.25]) for m in members}
            )
        )
        sub: dict[str, Any] = {
            "id": f"sc{s}",
            "name": f"scale {s}",
            "items": members,
            "score": draw(st.sampled_from(METHODS)),
            "min_answered": draw(st.integers(1, len(members))),
        }
        if weights:
            sub["weights"] = weights
        subscales.append(sub)
    return {
        "relscales": 1,
        "id": "prop",
        "version": "1.0.0",
        "name": "property instrument",
        "domain": "other",
        "citation": "none",
        "license": {"name": "test", "item_text": "not-included"},
        "validation": {"status": "experimental"},
        "response_scales": scales,
        "items": items,
        "subscales": subscales,
    }


@st.composite
def responses(
    draw: st.DrawFn, spec: dict[str, Any], *, min_rows: int = 0, complete: bool = False
) -> list[dict[str, Any]]:
    """Rows of valid answers (or None) for the items of ``spec``."""
    n = draw(st.integers(min_rows, 9))
    rows = []
    for _ in range(n):
        row = {}
        for item in spec["items"]:
            value = st.sampled_from(spec["response_scales"][item["scale"]]["values"])
            row[item["id"]] = draw(value if complete else st.none() | value)
        rows.append(row)
    return rows


@st.composite
def instrument_and_data(
    draw: st.DrawFn, *, mixed_scales: bool = True, min_rows: int = 0, complete: bool = False
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    spec = draw(instruments(mixed_scales=mixed_scales))
    return spec, draw(responses(spec, min_rows=min_rows, complete=complete))


def compiled(spec: dict[str, Any]) -> CompiledInstrument:
    return compile_instrument(load_instrument_data(spec))


def as_columns(spec: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    data: dict[str, list[Any]] = {"id": [f"r{i}" for i in range(len(rows))]}
    for item in spec["items"]:
        data[item["id"]] = [row[item["id"]] for row in rows]
    return data


def as_lists(result: relscales.ScoreResult) -> dict[str, list[Any]]:
    return {
        name: [None if math.isnan(v) else v for v in values.tolist()]
        for name, values in result.scores.items()
    }


def assert_same_scores(got: dict[str, list[Any]], expected: dict[str, list[Any]]) -> None:
    assert got.keys() == expected.keys()
    for name in expected:
        assert [v is None for v in got[name]] == [v is None for v in expected[name]], name
        pairs = [(g, e) for g, e in zip(got[name], expected[name], strict=True) if e is not None]
        if pairs:
            g, e = zip(*pairs, strict=True)
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-9, err_msg=name)


def same_array(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shape, dtype kind and values, ``NaN`` equal to ``NaN`` (ids compare as lists)."""
    if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
        return False
    if a.dtype.kind == "O":
        return bool(a.tolist() == b.tolist())
    return bool(np.array_equal(a, b, equal_nan=True))


# ---------------------------------------------------------------------------------------------
# Kernel == naive reference
# ---------------------------------------------------------------------------------------------


@st.composite
def kernel_inputs(draw: st.DrawFn) -> tuple[Any, ...]:
    n = draw(st.integers(0, 8))
    k = draw(st.integers(1, 6))
    s = draw(st.integers(1, 4))
    cells = draw(
        st.lists(
            st.none() | st.integers(-10, 10) | st.floats(-100, 100, allow_nan=False),
            min_size=n * k,
            max_size=n * k,
        )
    )
    x = np.array([np.nan if c is None else float(c) for c in cells], dtype=np.float64)
    x = x.reshape(n, k)
    weights = np.zeros((s, k))
    for r in range(s):
        members = draw(st.lists(st.integers(0, k - 1), min_size=1, unique=True))
        for j in members:
            weights[r, j] = draw(st.sampled_from([1.0, 1.0, 2.0, 0.5, 3.25]))
    methods = tuple(draw(st.sampled_from(METHODS)) for _ in range(s))
    min_answered = np.array(
        [draw(st.integers(1, int((weights[r] > 0).sum()))) for r in range(s)], dtype=np.int64
    )
    return x, weights, methods, min_answered


@given(kernel_inputs())
def test_kernel_equals_naive_reference(inputs: tuple[Any, ...]) -> None:
    x, weights, methods, min_answered = inputs
    scores, counts = keyed_scores(x, weights, methods, min_answered)
    assert scores.shape == counts.shape == (x.shape[0], weights.shape[0])
    for i in range(x.shape[0]):
        answers = [None if np.isnan(v) else float(v) for v in x[i]]
        for r in range(weights.shape[0]):
            expected, n = naive_score(answers, weights[r].tolist(), methods[r], min_answered[r])
            assert counts[i, r] == n
            if expected is None:
                assert np.isnan(scores[i, r])
            else:
                np.testing.assert_allclose(scores[i, r], expected, rtol=1e-12, atol=1e-9)


@given(instrument_and_data())
def test_engine_equals_naive_reference(case: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    spec, rows = case
    result = relscales.score(compiled(spec), as_columns(spec, rows))
    assert_same_scores(as_lists(result), naive_scores(spec, rows))
    for sub in spec["subscales"]:
        expected_n = [sum(row[i] is not None for i in sub["items"]) for row in rows]
        assert result.n_answered[sub["id"]].tolist() == expected_n


# ---------------------------------------------------------------------------------------------
# Reverse keying
# ---------------------------------------------------------------------------------------------


@given(
    st.integers(1, 6).flatmap(
        lambda k: st.tuples(
            st.lists(st.lists(st.none() | st.integers(-20, 20), min_size=k, max_size=k)),
            st.lists(st.booleans(), min_size=k, max_size=k),
            st.lists(st.integers(-10, 20), min_size=k, max_size=k),
        )
    )
)
def test_reverse_keying_twice_is_identity(case: tuple[Any, Any, Any]) -> None:
    rows, flags, offsets = case
    k = len(flags)
    x = np.array(
        [[np.nan if v is None else float(v) for v in row] for row in rows], dtype=np.float64
    ).reshape(len(rows), k)
    reverse = np.array(flags, dtype=np.bool_)
    offset = np.array(offsets, dtype=np.float64)
    once = reverse_key(x, reverse, offset)
    assert same_array(reverse_key(once, reverse, offset), x)
    assert same_array(np.isnan(once), np.isnan(x))  # missing stays missing
    assert same_array(once[:, ~reverse], x[:, ~reverse])  # other items untouched


@given(instrument_and_data(), st.data())
def test_flipping_an_items_key_and_its_data_gives_the_same_scores(
    case: tuple[dict[str, Any], list[dict[str, Any]]], data: st.DataObject
) -> None:
    """Reversing an item's key and recoding its answers as min + max - x changes nothing."""
    spec, rows = case
    j = data.draw(st.integers(0, len(spec["items"]) - 1))
    item = spec["items"][j]
    values = spec["response_scales"][item["scale"]]["values"]
    assume(all(min(values) + max(values) - v in values for v in values))  # symmetric scale
    flipped = {**spec, "items": [dict(it) for it in spec["items"]]}
    flipped["items"][j]["reverse"] = not item["reverse"]
    recoded = [
        {
            **row,
            item["id"]: None
            if row[item["id"]] is None
            else min(values) + max(values) - row[item["id"]],
        }
        for row in rows
    ]
    before = relscales.score(compiled(spec), as_columns(spec, rows))
    after = relscales.score(compiled(flipped), as_columns(flipped, recoded))
    for name, values_before in before.scores.items():
        np.testing.assert_allclose(after.scores[name], values_before, rtol=1e-12, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Column order, batching, other respondents
# ---------------------------------------------------------------------------------------------


@given(instrument_and_data(), st.randoms(use_true_random=False))
def test_column_order_is_irrelevant(
    case: tuple[dict[str, Any], list[dict[str, Any]]], rnd: Any
) -> None:
    spec, rows = case
    data = as_columns(spec, rows)
    names = list(data)
    rnd.shuffle(names)
    inst = compiled(spec)
    straight = relscales.score(inst, data)
    shuffled = relscales.score(inst, {name: data[name] for name in names})
    assert list(shuffled.columns) == list(straight.columns)
    for name, values in straight.columns.items():
        assert same_array(shuffled.columns[name], values), name


def small_batches(source: Source, **sizes: int) -> Source:
    """Make ``source`` yield small batches (``batch_rows=`` for tables, ``batch_bytes=`` for CSV).

    ``ScoringRun`` asks a source for its batches with the default sizes, so the bound
    method is replaced on this one instance.
    """
    source.batches = functools.partial(Source.batches, source, **sizes)  # type: ignore[method-assign]
    return source


@given(instrument_and_data(min_rows=1), st.integers(1, 4))
def test_chunked_scoring_equals_whole_scoring(
    case: tuple[dict[str, Any], list[dict[str, Any]]], batch_rows: int
) -> None:
    spec, rows = case
    data = as_columns(spec, rows)
    data[spec["items"][0]["id"]][0] = 99  # an invalid cell: problem rows must be numbered alike
    inst = compiled(spec)
    whole = relscales.score(inst, data, with_counts=True)
    source = small_batches(open_source(data), batch_rows=batch_rows)
    assert len(list(source.batches(["id"]))) == math.ceil(len(rows) / batch_rows)
    chunked = relscales.score(inst, source, with_counts=True)
    assert list(chunked.columns) == list(whole.columns)
    for name, values in whole.columns.items():
        assert same_array(chunked.columns[name], values), name
    assert chunked.problems == whole.problems
    assert [p.row for p in whole.problems] == [1]


@pytest.mark.parametrize("batch_bytes", [128, 300, 1 << 20])
def test_chunked_csv_reading_equals_whole(tmp_path: Any, batch_bytes: int) -> None:
    rng = np.random.default_rng(7)
    items = [f"rses{i:02d}" for i in range(1, 11)]
    lines = ["id," + ",".join(items)]
    for r in range(60):
        cells = [str(v) for v in rng.integers(0, 4, 10)]
        if r % 7 == 3:
            cells[r % 10] = ""
        if r % 11 == 5:
            cells[(r + 1) % 10] = "7"
        lines.append(f"p{r}," + ",".join(cells))
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    whole = relscales.score("rses", path)
    source = small_batches(open_source(path), batch_bytes=batch_bytes, whole_file_bytes=0)
    if batch_bytes == 128:
        assert len(list(source.batches(["id", *items]))) > 5
    chunked = relscales.score("rses", source)
    assert same_array(chunked.scores["self_esteem"], whole.scores["self_esteem"])
    assert chunked.columns["id"].tolist() == [f"p{r}" for r in range(60)]
    assert chunked.problems == whole.problems
    assert [p.row for p in whole.problems] == [r + 1 for r in range(60) if r % 11 == 5]


@given(instrument_and_data(min_rows=1), st.data())
def test_removing_a_respondent_changes_nobody_elses_score(
    case: tuple[dict[str, Any], list[dict[str, Any]]], data: st.DataObject
) -> None:
    spec, rows = case
    inst = compiled(spec)
    gone = data.draw(st.integers(0, len(rows) - 1))
    full = relscales.score(inst, as_columns(spec, rows))
    fewer = relscales.score(inst, as_columns(spec, rows[:gone] + rows[gone + 1 :]))
    for name, values in full.scores.items():
        assert same_array(fewer.scores[name], np.delete(values, gone)), name


@given(instrument_and_data(), st.data())
def test_adding_a_respondent_changes_nobody_elses_score(
    case: tuple[dict[str, Any], list[dict[str, Any]]], data: st.DataObject
) -> None:
    spec, rows = case
    inst = compiled(spec)
    extra = data.draw(responses(spec, min_rows=1))[0]
    at = data.draw(st.integers(0, len(rows)))
    before = relscales.score(inst, as_columns(spec, rows))
    after = relscales.score(inst, as_columns(spec, [*rows[:at], extra, *rows[at:]]))
    for name, values in before.scores.items():
        assert same_array(np.delete(after.scores[name], at), values), name


# ---------------------------------------------------------------------------------------------
# Bounds and the relations between methods
# ---------------------------------------------------------------------------------------------


@given(instrument_and_data())
def test_scores_lie_within_their_bounds(
    case: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    spec, rows = case
    inst = compiled(spec)
    result = relscales.score(inst, as_columns(spec, rows))
    for info in inst.scores:
        values = result.scores[info.id]
        known = values[~np.isnan(values)]
        assert info.low <= info.high
        tol = 1e-9 * max(1.0, abs(info.low), abs(info.high))
        assert (known >= info.low - tol).all(), (info.id, info.low, known.min())
        assert (known <= info.high + tol).all(), (info.id, info.high, known.max())


@given(instrument_and_data(complete=True), st.data())
def test_complete_data_mean_is_sum_over_k_and_prorated_sum_is_sum(
    case: tuple[dict[str, Any], list[dict[str, Any]]], data: st.DataObject
) -> None:
    spec, rows = case
    members = data.draw(
        st.lists(st.sampled_from([it["id"] for it in spec["items"]]), min_size=1, unique=True)
    )
    weighted = data.draw(st.booleans())
    weights = {m: data.draw(st.sampled_from([1, 2, 0.5, 3])) for m in members}
    subs = []
    for method in METHODS:
        sub = {"id": method, "name": method, "items": members, "score": method}
        if weighted:
            sub["weights"] = weights
        subs.append(sub)
    spec = {**spec, "subscales": subs}
    result = relscales.score(compiled(spec), as_columns(spec, rows))
    total_weight = sum(weights.values()) if weighted else len(members)
    assert not np.isnan(result.scores["sum"]).any()
    np.testing.assert_allclose(
        result.scores["mean"], result.scores["sum"] / total_weight, rtol=1e-12, atol=1e-9
    )
    np.testing.assert_allclose(
        result.scores["prorated_sum"], result.scores["sum"], rtol=1e-12, atol=1e-9
    )


@pytest.mark.parametrize("sparse_below", [0.0, 1.0], ids=["dense-mask", "cell-by-cell"])
@given(inputs=kernel_inputs())
def test_filled_kernel_equals_nan_kernel(inputs: tuple[Any, ...], sparse_below: float) -> None:
    """The engine's form (0 for missing + missing rows) scores as the NaN form does.

    Both ways of adding up the missing cells are forced in turn.
    """
    from relscales.scoring import kernel

    x, weights, methods, min_answered = inputs
    missing = [np.flatnonzero(np.isnan(x[:, j])) for j in range(x.shape[1])]
    filled = np.where(np.isnan(x), 0.0, x)
    before = filled.copy()
    reverse = np.arange(x.shape[1]) % 2 == 1
    offset = np.full(x.shape[1], 8.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kernel, "SPARSE_MISSING", sparse_below)
        got, got_n = kernel.keyed_scores_filled(
            filled, missing, weights, methods, min_answered, reverse=reverse, offset=offset
        )
    want, want_n = keyed_scores(x, weights, methods, min_answered, reverse=reverse, offset=offset)
    np.testing.assert_array_equal(got_n, want_n)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(filled, before)  # not modified

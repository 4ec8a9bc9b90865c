"""Property-based tests of readings (instrument-format.md, "Derived scores").

- monotonicity: raising a RISI respondent's internal-pattern answers toward the keyed-high end
  never lowers ``internal_pattern`` and never moves them from ``internal`` to ``relational``;
- a respondent exactly at a cut is indeterminate on that axis, whatever their interval;
- any safety item answered 2 or higher raises ``flag_safety``, whatever else is answered or
  missing;
- readings do not depend on the order of the respondents.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from relscales.pipeline.score import compile_ref, score_compiled
from relscales.scoring.compile import CompiledInstrument
from relscales.scoring.options import ScoreOptions
from relscales.scoring.readings import INDETERMINATE, SAFETY_FIRST, axis_levels
from relscales.scoring.results import ScoreResult

INSTRUMENTS = Path(__file__).resolve().parents[2] / "instruments"

Row = dict[str, int | None]


@functools.cache
def spec_of(instrument_id: str) -> dict[str, Any]:
    with (INSTRUMENTS / f"{instrument_id}.yaml").open(encoding="utf-8") as stream:
        spec: dict[str, Any] = yaml.safe_load(stream)
    return spec


@functools.cache
def compiled(instrument_id: str) -> CompiledInstrument:
    return compile_ref(instrument_id, ())


def items_of(instrument_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = spec_of(instrument_id)["items"]
    return items


def scale_ends(instrument_id: str) -> tuple[int, int]:
    spec = spec_of(instrument_id)
    values = spec["response_scales"][spec["items"][0]["scale"]]["values"]
    return min(values), max(values)


def to_raw(instrument_id: str, item: dict[str, Any], keyed: int) -> int:
    low, high = scale_ends(instrument_id)
    return low + high - keyed if item.get("reverse") else keyed


def to_keyed(instrument_id: str, item: dict[str, Any], raw: int) -> int:
    return to_raw(instrument_id, item, raw)  # reverse keying is its own inverse


def score_rows(instrument_id: str, rows: list[Row], **options: Any) -> ScoreResult:
    data: dict[str, list[Any]] = {"id": [f"r{i}" for i in range(len(rows))]}
    for item in items_of(instrument_id):
        data[item["id"]] = [row[item["id"]] for row in rows]
    return score_compiled([compiled(instrument_id)], data, ScoreOptions(details=True, **options))


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------


def _prefix(item_id: str) -> str:
    return item_id.split("_")[0]


@st.composite
def risi_rows(draw: st.DrawFn, *, missing: bool = True) -> Row:
    """A RISI respondent: a keyed level per item group with small deviations, or noise.

    Levels per group (internal pattern, relationship signal, behaviour, safety) make every
    region reachable; ``missing`` allows unanswered items.
    """
    levels = {p: draw(st.integers(1, 5)) for p in ("ip", "rs", "bh", "sf")}
    noisy = draw(st.booleans())
    p_missing = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5])) if missing else 0.0
    row: Row = {}
    for item in items_of("risi"):
        if p_missing and draw(st.floats(0, 1)) < p_missing:
            row[item["id"]] = None
            continue
        if noisy:
            keyed = draw(st.integers(1, 5))
        else:
            keyed = min(5, max(1, levels[_prefix(item["id"])] + draw(st.integers(-1, 1))))
        row[item["id"]] = to_raw("risi", item, keyed)
    return row


def _extreme_internal() -> Row:
    keyed = {"ip": 4, "rs": 2, "bh": 3, "sf": 1}
    return {
        item["id"]: to_raw("risi", item, keyed[_prefix(item["id"])]) for item in items_of("risi")
    }


# ---------------------------------------------------------------------------------------------
# Monotonicity in the internal-pattern answers
# ---------------------------------------------------------------------------------------------


@given(
    row=risi_rows(),
    raises=st.lists(st.integers(0, 4), min_size=17, max_size=17),
)
@example(row=_extreme_internal(), raises=[1] * 17)
@example(row=_extreme_internal(), raises=[0, 1] * 8 + [1])
def test_raising_internal_pattern_answers_is_monotone(row: Row, raises: list[int]) -> None:
    ip_items = [item for item in items_of("risi") if _prefix(item["id"]) == "ip"]
    assert len(ip_items) == len(raises)
    raised = dict(row)
    for item, step in zip(ip_items, raises, strict=True):
        raw = row[item["id"]]
        if raw is None:
            continue
        keyed = min(5, to_keyed("risi", item, raw) + step)
        raised[item["id"]] = to_raw("risi", item, keyed)
    result = score_rows("risi", [row, raised])
    before, after = result.scores["internal_pattern"].tolist()
    if math.isnan(before):
        assert math.isnan(after)  # the same items are answered
    else:
        assert after >= before
    # the relationship-signal axis does not move
    signal = result.scores["relationship_signal"].tolist()
    assert signal[0] == signal[1] or all(math.isnan(v) for v in signal)
    y_levels = result.details["insecurity_source.y_level"].tolist()
    assert y_levels[0] == y_levels[1]
    x_levels = result.details["insecurity_source.x_level"].tolist()
    assert not (x_levels[0] == "high" and x_levels[1] == "low")
    regions = result.columns["insecurity_source"].tolist()
    if regions[0] == "internal":
        assert regions[1] != "relational"
        assert regions[1] in ("internal", INDETERMINATE)


# ---------------------------------------------------------------------------------------------
# Exactly at a cut
# ---------------------------------------------------------------------------------------------


@given(
    below=st.floats(0, 10),
    above=st.floats(0, 10),
    cut=st.integers(-5, 10).map(float) | st.floats(-100, 100),
)
def test_axis_exactly_at_the_cut_is_indeterminate(below: float, above: float, cut: float) -> None:
    got = axis_levels(np.array([cut]), np.array([cut - below]), np.array([cut + above]), cut)
    assert got.tolist() == [INDETERMINATE]


@st.composite
def balanced_facet(draw: st.DrawFn, keyed_ids: list[str], low: int, high: int) -> dict[str, int]:
    """Keyed answers to one facet whose mean is exactly the scale midpoint."""
    mid = (low + high) // 2
    order = draw(st.permutations(keyed_ids))
    out: dict[str, int] = {}
    for first, second in zip(order[0::2], order[1::2], strict=False):
        a = draw(st.integers(low, high))
        out[first], out[second] = a, low + high - a
    if len(order) % 2:
        out[order[-1]] = mid
    return out


@st.composite
def risi_at_internal_cut(draw: st.DrawFn) -> Row:
    """Every internal-pattern facet averages exactly 3; the rest is anything."""
    row = draw(risi_rows())
    spec = spec_of("risi")
    items = {item["id"]: item for item in spec["items"]}
    for sub in spec["subscales"]:
        if "internal-pattern" not in sub.get("tags", []):
            continue
        keyed = draw(balanced_facet(sub["items"], 1, 5))
        for item_id, value in keyed.items():
            row[item_id] = to_raw("risi", items[item_id], value)
        if len(sub["items"]) == 3 and draw(st.booleans()):
            # drop the midpoint answer: the mean of the remaining pair is still 3
            row[list(keyed)[-1]] = None
    return row


@given(row=risi_at_internal_cut())
def test_risi_exactly_at_the_internal_cut_is_indeterminate(row: Row) -> None:
    result = score_rows("risi", [row])
    assert result.scores["internal_pattern"].tolist() == [3.0]
    assert result.details["insecurity_source.x_level"].tolist() == [INDETERMINATE]
    assert result.columns["insecurity_source"].tolist() in (
        [INDETERMINATE],
        [None],
        [SAFETY_FIRST],
    )


@st.composite
def ecr_at_anxiety_cut(draw: st.DrawFn) -> Row:
    """ECR-R with anxiety exactly 4 (pairs a, 8 - a; some pairs unanswered)."""
    spec = spec_of("ecr-r")
    items = {item["id"]: item for item in spec["items"]}
    anxiety = next(s for s in spec["subscales"] if s["id"] == "anxiety")["items"]
    keyed = draw(balanced_facet(anxiety, 1, 7))
    ids = list(keyed)  # inserted pair by pair
    pairs = list(zip(ids[0::2], ids[1::2], strict=True))
    dropped = draw(st.sets(st.integers(0, len(pairs) - 1), max_size=len(pairs) - 1))
    row: Row = {item_id: draw(st.none() | st.integers(1, 7)) for item_id in items}
    for item_id, value in keyed.items():
        row[item_id] = to_raw("ecr-r", items[item_id], value)
    for index in dropped:
        for item_id in pairs[index]:
            row[item_id] = None
    return row


@given(row=ecr_at_anxiety_cut())
def test_ecr_r_exactly_at_the_anxiety_cut_is_indeterminate(row: Row) -> None:
    result = score_rows("ecr-r", [row])
    assert result.scores["anxiety"].tolist() == [4.0]
    assert result.details["attachment_style.y_level"].tolist() == [INDETERMINATE]
    assert result.columns["attachment_style"].tolist() in ([INDETERMINATE], [None])


# ---------------------------------------------------------------------------------------------
# The safety flag
# ---------------------------------------------------------------------------------------------

SAFETY_ITEMS = [item["id"] for item in items_of("risi") if _prefix(item["id"]) == "sf"]


@given(
    row=risi_rows(),
    other=st.lists(st.none() | st.integers(1, 5), min_size=7, max_size=7),
    which=st.sampled_from(SAFETY_ITEMS),
    value=st.integers(2, 5),
)
def test_any_safety_endorsement_raises_the_flag(
    row: Row, other: list[int | None], which: str, value: int
) -> None:
    for item_id, answer in zip(SAFETY_ITEMS, other, strict=True):
        row[item_id] = answer
    row[which] = value
    assert score_rows("risi", [row]).columns["flag_safety"].tolist() == [True]


@given(row=risi_rows(), other=st.lists(st.none() | st.integers(1, 5), min_size=7, max_size=7))
def test_safety_flag_is_true_false_or_unknown_by_the_rule(
    row: Row, other: list[int | None]
) -> None:
    for item_id, answer in zip(SAFETY_ITEMS, other, strict=True):
        row[item_id] = answer
    if any(v is not None and v >= 2 for v in other):
        expected: bool | None = True
    elif all(v is not None for v in other):
        expected = False
    else:
        expected = None
    assert score_rows("risi", [row]).columns["flag_safety"].tolist() == [expected]


# ---------------------------------------------------------------------------------------------
# Respondent order
# ---------------------------------------------------------------------------------------------


@st.composite
def ecr_rows(draw: st.DrawFn) -> Row:
    levels = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    row: Row = {}
    for k, item in enumerate(items_of("ecr-r")):
        if draw(st.integers(0, 9)) == 0:
            row[item["id"]] = None
            continue
        keyed = min(7, max(1, levels[k >= 18] + draw(st.integers(-1, 1))))
        row[item["id"]] = to_raw("ecr-r", item, keyed)
    return row


@st.composite
def rows_and_order(draw: st.DrawFn) -> tuple[str, list[Row], list[int]]:
    instrument_id = draw(st.sampled_from(["risi", "ecr-r"]))
    strategy = risi_rows() if instrument_id == "risi" else ecr_rows()
    rows = draw(st.lists(strategy, min_size=1, max_size=8))
    order = draw(st.permutations(range(len(rows))))
    return instrument_id, rows, list(order)


@given(case=rows_and_order())
def test_readings_do_not_depend_on_respondent_order(
    case: tuple[str, list[Row], list[int]],
) -> None:
    instrument_id, rows, order = case
    original = score_rows(instrument_id, rows)
    shuffled = score_rows(instrument_id, [rows[i] for i in order])
    profile = compiled(instrument_id).profiles[0].id
    reading_columns = [profile] + [f"flag_{f.id}" for f in compiled(instrument_id).flags]
    for name in reading_columns:
        want = [original.columns[name][i] for i in order]
        assert shuffled.columns[name].tolist() == want
    for name, values in original.details.items():
        want_values = values[order]
        got = shuffled.details[name]
        if values.dtype == object:
            assert got.tolist() == want_values.tolist()
        else:
            assert np.array_equal(got, want_values, equal_nan=True)


# ---------------------------------------------------------------------------------------------
# Safety governs; relationship signals are never averaged away
# ---------------------------------------------------------------------------------------------

RELATIONSHIP_MARKERS = ["dishonesty", "dismissed", "worse_since", "others_concern", "secrecy"]


@given(row=risi_rows(), safety=st.lists(st.none() | st.integers(1, 5), min_size=7, max_size=7))
@example(row=_extreme_internal(), safety=[2, 1, 1, 1, 1, 1, 1])
@example(row=_extreme_internal(), safety=[1, 4, 4, 1, 1, 1, 1])
@example(row=_extreme_internal(), safety=[None] * 7)
def test_safety_governs_and_no_raised_signal_reads_internal(
    row: Row, safety: list[int | None]
) -> None:
    """Any raised safety flag reads safety-first; no raised relationship marker reads internal.

    "Raised" is taken in its weakest sense: a relationship-signal facet (or the safety
    screen) whose interval reaches the cut at all, or any safety item answered 2 or more.
    """
    for item_id, answer in zip(SAFETY_ITEMS, safety, strict=True):
        row[item_id] = answer
    result = score_rows("risi", [row])
    label = result.columns["insecurity_source"][0]
    flag = result.columns["flag_safety"][0]
    if any(a is not None and a >= 2 for a in safety):
        assert flag is True
    if flag is True:
        assert label == SAFETY_FIRST
        return
    assert label != SAFETY_FIRST
    for name in [*RELATIONSHIP_MARKERS, "safety"]:
        high = float(result.details[f"{name}.ci_high"][0])
        if math.isnan(high) or high >= 3:
            assert label not in ("internal", "neither"), (name, high, label)

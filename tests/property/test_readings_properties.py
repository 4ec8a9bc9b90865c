"""Property-based tests of readings (instrument-format.md, "Derived scores").

Each RISI property runs on the current RISI (0.2) and on the kept RISI 0.1.1
(``risi@0.1.1``), on random respondents: a keyed level per item group with small deviations,
or noise, with blanks, "Does not apply" answers (9, on the scales that offer it) and random
context answers (0.2).

- monotonicity: raising a RISI respondent's internal-pattern answers toward the keyed-high end
  never lowers ``internal_pattern`` and never moves them from ``internal`` to ``relational``;
- a respondent exactly at a cut is indeterminate on that axis, whatever their interval;
- any safety item answered 2 or higher raises ``flag_safety``, whatever else is answered or
  missing, and a raised flag reads ``safety-first``;
- no respondent with a relationship-signal marker (or the safety screen) whose interval
  reaches the cut reads ``internal``;
- optional facets: ``internal_pattern`` is missing only when a required facet is missing; in
  particular a recurrence that does not apply by context (first partner) never leaves a
  respondent without a reading on its own;
- readings do not depend on the order of the respondents.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from relscales.pipeline.score import compile_ref, score_compiled
from relscales.scoring.compile import CompiledInstrument
from relscales.scoring.options import ScoreOptions
from relscales.scoring.readings import INDETERMINATE, SAFETY_FIRST, axis_levels
from relscales.scoring.results import ScoreResult

INSTRUMENTS = Path(__file__).resolve().parents[2] / "instruments"

RISI = ["risi", "risi@0.1.1"]
"""The current RISI and the kept 0.1.1: every RISI property runs on both."""

Row = dict[str, int | None]


@functools.cache
def spec_of(ref: str) -> dict[str, Any]:
    """The instrument file of ``ref``: ``ID`` (current) or ``ID@VERSION`` (kept)."""
    if "@" in ref:
        instrument_id, version = ref.split("@")
        path = INSTRUMENTS / "versions" / f"{instrument_id}-{version}.yaml"
    else:
        path = INSTRUMENTS / f"{ref}.yaml"
    with path.open(encoding="utf-8") as stream:
        spec: dict[str, Any] = yaml.safe_load(stream)
    if "@" in ref:
        assert spec["version"] == ref.split("@")[1]
    return spec


@functools.cache
def compiled(ref: str) -> CompiledInstrument:
    return compile_ref(ref, ())


def items_of(ref: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = spec_of(ref)["items"]
    return items


def scale_of(ref: str, item: dict[str, Any]) -> dict[str, Any]:
    scale: dict[str, Any] = spec_of(ref)["response_scales"][item["scale"]]
    return scale


def scale_ends(ref: str, item: dict[str, Any]) -> tuple[int, int]:
    values = scale_of(ref, item)["values"]
    return min(values), max(values)


def to_raw(ref: str, item: dict[str, Any], keyed: int) -> int:
    low, high = scale_ends(ref, item)
    return low + high - keyed if item.get("reverse") else keyed


def to_keyed(ref: str, item: dict[str, Any], raw: int) -> int:
    return to_raw(ref, item, raw)  # reverse keying is its own inverse


def not_applicable(ref: str, item: dict[str, Any]) -> list[int]:
    codes: list[int] = scale_of(ref, item).get("not_applicable", [])
    return codes


def is_answer(ref: str, item: dict[str, Any], raw: int | None) -> bool:
    """A number that is scored: not blank and not "Does not apply"."""
    return raw is not None and raw not in not_applicable(ref, item)


def score_rows(ref: str, rows: list[Row], **options: Any) -> ScoreResult:
    data: dict[str, list[Any]] = {"id": [f"r{i}" for i in range(len(rows))]}
    for item in items_of(ref):
        data[item["id"]] = [row[item["id"]] for row in rows]
    return score_compiled([compiled(ref)], data, ScoreOptions(details=True, **options))


def _prefix(item_id: str) -> str:
    return item_id.split("_")[0]


def profile_of(ref: str) -> dict[str, Any]:
    profile: dict[str, Any] = spec_of(ref)["profiles"][0]
    return profile


def relationship_markers(ref: str) -> list[str]:
    """The relationship side's markers (``rule: any``): the signal facets and the screen."""
    return [m if isinstance(m, str) else m["score"] for m in profile_of(ref)["y"]["markers"]]


def internal_parts(ref: str) -> list[dict[str, Any]]:
    composite = next(c for c in spec_of(ref)["composites"] if c["id"] == "internal_pattern")
    parts: list[dict[str, Any]] = composite["parts"]
    return parts


def subscale(ref: str, sub_id: str) -> dict[str, Any]:
    sub: dict[str, Any] = next(s for s in spec_of(ref)["subscales"] if s["id"] == sub_id)
    return sub


def ip_items(ref: str) -> list[dict[str, Any]]:
    return [item for item in items_of(ref) if _prefix(item["id"]) == "ip"]


SAFETY_ITEMS = [item["id"] for item in items_of("risi") if _prefix(item["id"]) == "sf"]


def test_the_safety_items_are_the_same_in_every_version() -> None:
    for ref in RISI:
        assert [i["id"] for i in items_of(ref) if _prefix(i["id"]) == "sf"] == SAFETY_ITEMS
        assert relationship_markers(ref)[-1] == "safety"
    assert spec_of("risi")["version"].startswith("0.2.")
    assert len(items_of("risi")) == 97
    assert len(items_of("risi@0.1.1")) == 57


# ---------------------------------------------------------------------------------------------
# Strategies: a respondent is a recipe, built into the items of either version
# ---------------------------------------------------------------------------------------------

N_DRAWS = 100
"""Per-item draws in a recipe: at least the number of items of any RISI version."""
GROUPS = ("ip", "rs", "bh", "sh", "sf")
CONTEXT = {"cx_past": [1, 2, 3], "cx_length": [1, 2, 3, 4], "cx_daily": [1, 2, 3]}


@dataclass(frozen=True)
class Recipe:
    """A RISI respondent independent of the version: levels, noise and per-item draws.

    ``draws[j]`` for the ``j``-th item: (deviation from the group level -1..1, a uniform
    keyed answer 1..5 used when ``noisy``, a percentile deciding whether it is blank, one
    deciding whether it is "Does not apply" where the scale offers it).
    """

    levels: tuple[int, ...]
    noisy: bool
    p_missing: int
    p_na: int
    context: tuple[int | None, ...]
    draws: tuple[tuple[int, int, int, int], ...]
    quiet_safety: bool = False
    """Every safety item answered 1 ("Not at all true"), as most respondents do."""

    def row(self, ref: str) -> Row:
        levels = dict(zip(GROUPS, self.levels, strict=True))
        context = dict(zip(CONTEXT, self.context, strict=True))
        row: Row = {}
        for item, (deviation, noise, u_missing, u_na) in zip(
            items_of(ref), self.draws, strict=False
        ):
            item_id = item["id"]
            if item.get("context"):
                row[item_id] = context[item_id]
            elif self.quiet_safety and _prefix(item_id) == "sf":
                row[item_id] = 1
            elif u_missing < self.p_missing:
                row[item_id] = None
            elif not_applicable(ref, item) and u_na < self.p_na:
                row[item_id] = not_applicable(ref, item)[0]
            else:
                level = levels[_prefix(item_id)]
                keyed = noise if self.noisy else min(5, max(1, level + deviation))
                row[item_id] = to_raw(ref, item, keyed)
        return row


@st.composite
def recipes(draw: st.DrawFn, *, missing: bool = True) -> Recipe:
    """Levels per group (internal pattern, relationship signal, behaviour, seek-help, safety)
    make every region reachable; ``missing`` allows blanks and "Does not apply" answers."""
    return Recipe(
        levels=tuple(draw(st.integers(1, 5)) for _ in GROUPS),
        noisy=draw(st.booleans()),
        p_missing=draw(st.sampled_from([0, 0, 10, 50])) if missing else 0,
        p_na=draw(st.sampled_from([0, 0, 20, 100])) if missing else 0,
        context=tuple(draw(st.none() | st.sampled_from(codes)) for codes in CONTEXT.values()),
        draws=tuple(
            draw(
                st.lists(
                    st.tuples(
                        st.integers(-1, 1),
                        st.integers(1, 5),
                        st.integers(0, 99),
                        st.integers(0, 99),
                    ),
                    min_size=N_DRAWS,
                    max_size=N_DRAWS,
                )
            )
        ),
        quiet_safety=draw(st.booleans()),
    )


def _extreme_internal() -> Recipe:
    """Internal markers at "Mostly true", quiet relationship and safety answers, no gaps."""
    return Recipe((4, 2, 3, 1, 1), False, 0, 0, (3, 3, 3), ((0, 1, 99, 99),) * N_DRAWS, True)


def _first_partner() -> Recipe:
    """An anxious person in a first relationship who answered the recurrence items anyway."""
    return Recipe((5, 1, 3, 1, 1), False, 0, 0, (1, 1, 3), ((0, 1, 99, 99),) * N_DRAWS, True)


safety_answers = (
    st.lists(st.none() | st.integers(1, 5), min_size=7, max_size=7)
    | st.lists(st.sampled_from([1, 1, 1, 1, 2, None]), min_size=7, max_size=7)
    | st.just([1] * 7)
)
"""The seven safety answers: anything, mostly "Not at all true", or all of them."""


# ---------------------------------------------------------------------------------------------
# Monotonicity in the internal-pattern answers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", RISI)
@given(
    recipe=recipes(),
    raises=st.lists(st.integers(0, 4), min_size=N_DRAWS, max_size=N_DRAWS),
)
@example(recipe=_extreme_internal(), raises=[1] * N_DRAWS)
@example(recipe=_extreme_internal(), raises=[0, 1] * (N_DRAWS // 2))
def test_raising_internal_pattern_answers_is_monotone(
    ref: str, recipe: Recipe, raises: list[int]
) -> None:
    row = recipe.row(ref)
    raised = dict(row)
    for item, step in zip(ip_items(ref), raises, strict=False):
        raw = row[item["id"]]
        if not is_answer(ref, item, raw):
            continue
        assert raw is not None
        keyed = min(5, to_keyed(ref, item, raw) + step)
        raised[item["id"]] = to_raw(ref, item, keyed)
    result = score_rows(ref, [row, raised])
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
def risi_at_internal_cut(draw: st.DrawFn, ref: str) -> Row:
    """Every internal-pattern facet averages exactly 3; the rest is anything."""
    row = draw(recipes()).row(ref)
    spec = spec_of(ref)
    items = {item["id"]: item for item in spec["items"]}
    for sub in spec["subscales"]:
        if "internal-pattern" not in sub.get("tags", []):
            continue
        keyed = draw(balanced_facet(sub["items"], 1, 5))
        for item_id, value in keyed.items():
            row[item_id] = to_raw(ref, items[item_id], value)
        if len(sub["items"]) == 3 and draw(st.booleans()):
            # drop the midpoint answer: the mean of the remaining pair is still 3
            row[list(keyed)[-1]] = None
    return row


@pytest.mark.parametrize("ref", RISI)
@given(data=st.data())
def test_risi_exactly_at_the_internal_cut_is_indeterminate(ref: str, data: st.DataObject) -> None:
    row = data.draw(risi_at_internal_cut(ref))
    result = score_rows(ref, [row])
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


@pytest.mark.parametrize("ref", RISI)
@given(
    recipe=recipes(),
    other=st.lists(st.none() | st.integers(1, 5), min_size=7, max_size=7),
    which=st.sampled_from(SAFETY_ITEMS),
    value=st.integers(2, 5),
)
def test_any_safety_endorsement_raises_the_flag(
    ref: str, recipe: Recipe, other: list[int | None], which: str, value: int
) -> None:
    row = recipe.row(ref)
    for item_id, answer in zip(SAFETY_ITEMS, other, strict=True):
        row[item_id] = answer
    row[which] = value
    result = score_rows(ref, [row])
    assert result.columns["flag_safety"].tolist() == [True]
    assert result.columns["insecurity_source"].tolist() == [SAFETY_FIRST]


@pytest.mark.parametrize("ref", RISI)
@given(recipe=recipes(), other=safety_answers)
def test_safety_flag_is_true_false_or_unknown_by_the_rule(
    ref: str, recipe: Recipe, other: list[int | None]
) -> None:
    row = recipe.row(ref)
    for item_id, answer in zip(SAFETY_ITEMS, other, strict=True):
        row[item_id] = answer
    if any(v is not None and v >= 2 for v in other):
        expected: bool | None = True
    elif all(v is not None for v in other):
        expected = False
    else:
        expected = None
    assert score_rows(ref, [row]).columns["flag_safety"].tolist() == [expected]


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
    ref = draw(st.sampled_from([*RISI, "ecr-r"]))
    if ref == "ecr-r":
        rows = draw(st.lists(ecr_rows(), min_size=1, max_size=8))
    else:
        rows = [r.row(ref) for r in draw(st.lists(recipes(), min_size=1, max_size=8))]
    order = draw(st.permutations(range(len(rows))))
    return ref, rows, list(order)


@given(case=rows_and_order())
def test_readings_do_not_depend_on_respondent_order(
    case: tuple[str, list[Row], list[int]],
) -> None:
    ref, rows, order = case
    original = score_rows(ref, rows)
    shuffled = score_rows(ref, [rows[i] for i in order])
    profile = compiled(ref).profiles[0].id
    reading_columns = [profile] + [f"flag_{f.id}" for f in compiled(ref).flags]
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


@pytest.mark.parametrize("ref", RISI)
@given(
    recipe=recipes(),
    safety=safety_answers,
)
@example(recipe=_extreme_internal(), safety=[2, 1, 1, 1, 1, 1, 1])
@example(recipe=_extreme_internal(), safety=[1, 4, 4, 1, 1, 1, 1])
@example(recipe=_extreme_internal(), safety=[None] * 7)
@example(recipe=_first_partner(), safety=[1] * 7)
@example(recipe=replace(_first_partner(), p_na=100), safety=[1] * 7)
def test_safety_governs_and_no_raised_signal_reads_internal(
    ref: str, recipe: Recipe, safety: list[int | None]
) -> None:
    """Any raised safety flag reads safety-first; no raised relationship marker reads internal.

    "Raised" is taken in its weakest sense: a relationship-signal facet (or the safety
    screen) whose interval reaches the cut at all, or is missing (a skipped or inapplicable
    facet could hide a signal), or any safety item answered 2 or more.
    """
    row = recipe.row(ref)
    for item_id, answer in zip(SAFETY_ITEMS, safety, strict=True):
        row[item_id] = answer
    result = score_rows(ref, [row])
    label = result.columns["insecurity_source"][0]
    flag = result.columns["flag_safety"][0]
    if any(a is not None and a >= 2 for a in safety):
        assert flag is True
    if flag is True:
        assert label == SAFETY_FIRST
        return
    assert label != SAFETY_FIRST
    markers = relationship_markers(ref)
    assert "safety" in markers
    for name in markers:
        high = float(result.details[f"{name}.ci_high"][0])
        if math.isnan(high) or high >= 3:
            assert label not in ("internal", "neither"), (name, high, label)
    if label in ("internal", "neither"):
        assert all(float(result.details[f"{m}.ci_high"][0]) < 3 for m in markers)


# ---------------------------------------------------------------------------------------------
# Optional facets and context (RISI 0.2)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", RISI)
@given(recipe=recipes())
@example(recipe=_first_partner())
@example(recipe=replace(_first_partner(), p_na=100))
def test_the_internal_index_is_missing_only_when_a_required_facet_is(
    ref: str, recipe: Recipe
) -> None:
    """Optional parts (recurrence; fading reassurance in 0.2) never make the index missing."""
    result = score_rows(ref, [recipe.row(ref)])
    parts = internal_parts(ref)
    required = [p["score"] for p in parts if not p.get("optional")]
    optional = [p["score"] for p in parts if p.get("optional")]
    assert "recurrence" in optional
    if ref == "risi":
        assert optional == ["recurrence", "fading_reassurance"]
    any_required_missing = any(math.isnan(result.scores[s][0]) for s in required)
    assert math.isnan(result.scores["internal_pattern"][0]) is any_required_missing
    x_level = result.details["insecurity_source.x_level"][0]
    assert (x_level is None) is any_required_missing


@given(
    recipe=recipes(),
    recurrence=st.sampled_from(["answered", "blank", "does not apply", "mixed"]),
)
@example(recipe=_first_partner(), recurrence="answered")
@example(recipe=_first_partner(), recurrence="blank")
def test_a_recurrence_that_does_not_apply_never_costs_the_reading_on_its_own(
    recipe: Recipe, recurrence: str
) -> None:
    """A first partner (``cx_past = 1``): recurrence does not apply, whatever its items say.

    It is blanked and left out of the internal index, and the reading is exactly what the
    same respondent would get with the recurrence items blank and no context: it is missing
    only when another required facet, or every relationship marker, is missing.
    """
    ref = "risi"
    row = recipe.row(ref)
    row["cx_past"] = 1  # "No, this is my first partner"
    rec_items = subscale(ref, "recurrence")["items"]
    for k, item_id in enumerate(rec_items):
        value = {"answered": 5, "blank": None, "does not apply": 9}.get(recurrence)
        row[item_id] = value if recurrence != "mixed" else [1, None, 9][k % 3]
    without = dict(row, cx_past=None) | dict.fromkeys(rec_items)
    result = score_rows(ref, [row, without])
    assert result.details["recurrence.not_applicable"].tolist() == [True, False]
    assert math.isnan(result.scores["recurrence"][0])
    assert math.isnan(result.scores["recurrence"][1])  # no answers: below min_answered
    for name in ("internal_pattern", "relationship_signal"):
        a, b = result.scores[name].tolist()
        assert a == b or (math.isnan(a) and math.isnan(b)), name
    for name in ("insecurity_source.x_level", "insecurity_source.y_level"):
        assert result.details[name][0] == result.details[name][1], name
    label = result.columns["insecurity_source"].tolist()
    assert label[0] == label[1]
    if label[0] is None:
        required = [p["score"] for p in internal_parts(ref) if not p.get("optional")]
        other_missing = any(math.isnan(result.scores[s][0]) for s in required)
        markers_missing = all(math.isnan(result.scores[m][0]) for m in relationship_markers(ref))
        assert other_missing or markers_missing

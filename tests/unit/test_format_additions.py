"""The format's four additions: "does not apply" answers, context items, `applies_when`,
flags with `at_most` and a `kind`; and duplicate labels refused.

The fixture tests/data/spec/additions.yaml uses all of them: a context item `rel`
(1 in a relationship, 2 recently separated, 3 never had a partner), a scale `often5` with a
"does not apply" code 0, a subscale `checking` that applies when `rel` is 1 or 2, a
composite `overall` whose `checking` part is optional, and flags with `at_most` and kinds.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from relscales.instruments.instrument import Instrument
from relscales.instruments.lint import check_instrument
from relscales.instruments.loader import load_instrument, load_instrument_data, validate_file
from relscales.instruments.schema import instrument_schema
from relscales.labels import normalize_label
from relscales.pipeline.score import score_compiled
from relscales.scoring.compile import CompiledInstrument, CompiledScale, compile_instrument
from relscales.scoring.decode import decode_column, decode_into, parse_cell, preparse
from relscales.scoring.options import ScoreOptions
from relscales.scoring.results import ScoreResult
from relscales.spec import FLAG_KINDS, FlagSpec, InstrumentSpec

SPEC = Path(__file__).resolve().parents[1] / "data" / "spec"
FIXTURE = SPEC / "additions.yaml"
BASE: dict[str, Any] = yaml.safe_load((SPEC / "valid.yaml").read_text())
ITEMS = ["rel", "w1", "w2", "w3", "p1", "p2", "s1", "s2"]

OK, OUT, NOT_CODE, NOT_NUMBER, MISMATCH = 0, 1, 2, 3, 4

# often5 of the fixture: 1-5, labels on 0 (does not apply), 1 and 5, missing code -99
OFTEN5 = CompiledScale(
    "often5",
    np.arange(1.0, 6.0),
    {normalize_label(t): v for t, v in [("Does not apply", 0.0), ("Never", 1.0), ("Always", 5.0)]},
    frozenset({-99.0}),
    1.0,
    5.0,
    frozenset({1.0, 2.0, 3.0, 4.0, 5.0}),
    frozenset({0.0}),
)


@pytest.fixture(scope="module")
def compiled() -> CompiledInstrument:
    return compile_instrument(load_instrument(FIXTURE))


def rows_to_columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Respondents as dicts (unlisted items blank) -> data columns, ids a, b, c, ..."""
    out: dict[str, list[Any]] = {"id": [chr(ord("a") + i) for i in range(len(rows))]}
    for item in ITEMS:
        out[item] = [row.get(item) for row in rows]
    return out


def scored(compiled: CompiledInstrument, rows: list[dict[str, Any]], **options: Any) -> ScoreResult:
    return score_compiled([compiled], rows_to_columns(rows), ScoreOptions(**options))


def arrow(values: list[Any], kind: str | None = None) -> Any:
    """A pyarrow array (pyarrow is imported lazily, as in the package)."""
    import pyarrow as pa

    return pa.array(values, getattr(pa, kind)() if kind else None)


def as_list(values: Any) -> list[Any]:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values.tolist()]


# ------------------------------------------------------------------ the format


def test_fixture_is_valid_without_warnings() -> None:
    report = validate_file(FIXTURE)
    assert [issue.render() for issue in report.issues] == []


def test_to_data_round_trips_the_new_keys() -> None:
    spec = load_instrument(FIXTURE).spec
    data = spec.to_data()
    assert data["response_scales"]["often5"]["not_applicable"] == [0]
    assert data["response_scales"]["often5"]["stem"] == {
        "en": "In the past four weeks, how often ..."
    }
    assert data["items"][0]["context"] is True
    assert "context" not in data["items"][1]  # the default is left out
    assert data["subscales"][1]["applies_when"] == {"item": "rel", "in": [1, 2]}
    assert "applies_when" not in data["subscales"][0]
    assert [f.get("kind") for f in data["flags"]] == [None, "seek-help", "safety", "context"]
    assert data["flags"][0]["when"] == {"items": ["w1", "w2"], "at_most": 1}
    assert InstrumentSpec.model_validate(data) == spec
    # through JSON too, where every mapping key is text ("0" for the not-applicable label)
    assert InstrumentSpec.model_validate(json.loads(json.dumps(data))) == spec


@pytest.mark.parametrize("kind", FLAG_KINDS)
def test_flag_kinds_round_trip(kind: str) -> None:
    flag = FlagSpec.model_validate(
        {"id": "f", "when": {"items": ["q1"], "at_least": 2}, "message": {"en": "m"}, "kind": kind}
    )
    assert flag.kind == kind
    dumped = flag.model_dump(exclude_defaults=True)
    assert dumped.get("kind") == (None if kind == "other" else kind)
    assert FlagSpec.model_validate(dumped) == flag


def test_flag_kind_is_a_closed_vocabulary() -> None:
    with pytest.raises(ValidationError):
        FlagSpec.model_validate(
            {
                "id": "f",
                "when": {"items": ["q1"], "at_least": 2},
                "message": {"en": "m"},
                "kind": "x",
            }
        )
    assert FLAG_KINDS == ("safety", "seek-help", "context", "other")


def test_schema_knows_the_new_keys() -> None:
    defs = instrument_schema()["$defs"]
    assert {"not_applicable", "stem"} <= set(defs["ResponseScaleSpec"]["properties"])
    assert "context" in defs["ItemSpec"]["properties"]
    assert "applies_when" in defs["SubscaleSpec"]["properties"]
    assert set(defs["AppliesWhenSpec"]["properties"]) == {"item", "in"}
    assert "at_most" in defs["FlagConditionSpec"]["properties"]
    assert "kind" in defs["FlagSpec"]["properties"]


# ------------------------------------------------------------------ lint

Found = list[tuple[str, str, str]]


def findings(edit: Any) -> Found:
    data = copy.deepcopy(BASE)
    edit(data)
    spec = InstrumentSpec.model_validate(data)
    return [(f.code, ".".join(str(p) for p in f.path), f.severity) for f in check_instrument(spec)]


def with_context(data: dict[str, Any], **item: Any) -> dict[str, Any]:
    data["response_scales"]["status"] = {"values": [1, 2, 3]}
    data["items"].append({"id": "rel", "label": "status", "scale": "status", "context": True})
    data["items"][-1].update(item)
    return data


def flag(data: dict[str, Any], when: dict[str, Any]) -> None:
    data["flags"] = [{"id": "f", "when": when, "message": {"en": "m"}}]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(lambda d: with_context(d), [], id="context-item-needs-no-subscale"),
        pytest.param(
            lambda d: (with_context(d), d["subscales"][0]["items"].append("rel")),
            [("context-item-scored", "subscales.0.items.3", "error")],
            id="context-item-in-a-subscale",
        ),
        pytest.param(
            lambda d: with_context(d, reverse=True),
            [("context-item-scored", "items.3.reverse", "error")],
            id="context-item-reversed",
        ),
        pytest.param(
            lambda d: (
                with_context(d),
                d["subscales"][0].update(applies_when={"item": "rel", "in": [1]}),
            ),
            [],
            id="applies-when",
        ),
        pytest.param(
            lambda d: (
                with_context(d),
                d["subscales"][0].update(applies_when={"item": "rl", "in": [1]}),
            ),
            [("unknown-item", "subscales.0.applies_when.item", "error")],
            id="applies-when-unknown-item",
        ),
        pytest.param(
            lambda d: d["subscales"][0].update(applies_when={"item": "q1", "in": [1]}),
            [("invalid-value", "subscales.0.applies_when.item", "error")],
            id="applies-when-not-a-context-item",
        ),
        pytest.param(
            lambda d: (
                with_context(d),
                d["subscales"][0].update(applies_when={"item": "rel", "in": [1, 4, 2.5]}),
            ),
            [
                ("invalid-value", "subscales.0.applies_when.in.1", "error"),
                ("invalid-value", "subscales.0.applies_when.in.2", "error"),
            ],
            id="applies-when-code-not-a-value",
        ),
        pytest.param(
            lambda d: d["response_scales"]["agree5"].update(
                not_applicable=[0], labels={0: "Does not apply", 1: "Disagree"}
            ),
            [],
            id="not-applicable-with-a-label",
        ),
        pytest.param(
            lambda d: d["response_scales"]["agree5"].update(labels={0: "Does not apply"}),
            [("scale-values", "response_scales.agree5.labels.0", "error")],
            id="label-on-neither-value-nor-not-applicable",
        ),
        pytest.param(
            lambda d: d["response_scales"]["agree5"].update(not_applicable=[5]),
            [("scale-values", "response_scales.agree5.not_applicable.0", "error")],
            id="not-applicable-is-a-value",
        ),
        pytest.param(
            lambda d: d["response_scales"]["agree5"].update(
                missing_codes=[-99], not_applicable=[0, -99, 0]
            ),
            [
                ("scale-values", "response_scales.agree5.not_applicable.1", "error"),
                ("scale-values", "response_scales.agree5.not_applicable.2", "error"),
            ],
            id="not-applicable-is-a-missing-code-or-repeated",
        ),
        pytest.param(lambda d: flag(d, {"items": ["q1"], "at_most": 2}), [], id="flag-at-most"),
        pytest.param(
            lambda d: flag(d, {"items": ["q1"], "at_most": 2, "at_least": 4}),
            [("invalid-value", "flags.0.when", "error")],
            id="flag-at-most-and-at-least",
        ),
        pytest.param(
            lambda d: flag(d, {"score": "total"}),
            [("invalid-value", "flags.0.when", "error")],
            id="flag-without-threshold",
        ),
        pytest.param(
            lambda d: d["items"][2].update(label=" FIRST  item"),
            [("duplicate-label", "items.2.label", "warning")],
            id="duplicate-label",
        ),
    ],
)
def test_lint(edit: Any, expected: Found) -> None:
    assert findings(edit) == expected


def test_duplicate_label_names_the_first_item(tmp_path: Path) -> None:
    """A warning: the file still loads, and `validate --strict` fails on it."""
    data = copy.deepcopy(BASE)
    data["items"][2]["label"] = "Second Item"
    load_instrument_data(data)  # loads: a label is a display name, scores are unaffected
    path = tmp_path / "dup.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    report = validate_file(path)
    assert report.valid
    (issue,) = report.warnings
    assert issue.code == "duplicate-label"
    assert issue.location.path == "items[2].label"
    assert "'q2'" in issue.message
    assert "'q3'" in issue.message


def test_problems_of_the_additions_point_at_their_lines(tmp_path: Path) -> None:
    text = FIXTURE.read_text()
    text = text.replace("in: [1, 2]}", "in: [1, 7]}")
    text = text.replace("items: [w1, w2, w3]", "items: [w1, w2, w3, rel]")
    text = text.replace(
        "{items: [w1, w2], at_most: 1}", "{items: [w1, w2], at_most: 1, at_least: 4}"
    )
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    lines = text.splitlines()
    report = validate_file(path)
    located = {(i.code, i.location.path): i.location.line for i in report.issues}
    assert located == {
        ("context-item-scored", "subscales[0].items[3]"): 1
        + next(n for n, line in enumerate(lines) if "items: [w1, w2, w3, rel]" in line),
        ("invalid-value", "subscales[1].applies_when.in[1]"): 1
        + next(n for n, line in enumerate(lines) if "in: [1, 7]" in line),
        ("invalid-value", "flags[0].when"): 1
        + next(n for n, line in enumerate(lines) if "at_least: 4}" in line),
    }


# ------------------------------------------------------------------ decoding


@pytest.mark.parametrize(
    ("text", "value", "reason"),
    [
        pytest.param("0", math.nan, OK, id="code"),
        pytest.param("0.0", math.nan, OK, id="code-decimal"),
        pytest.param("Does not apply", math.nan, OK, id="label"),
        pytest.param("  does NOT   apply ", math.nan, OK, id="label-case-and-spaces"),
        pytest.param("0 (Does not apply)", math.nan, OK, id="code-and-label"),
        pytest.param("Does not apply (0)", math.nan, OK, id="label-and-code"),
        pytest.param("0 = does not apply", math.nan, OK, id="code-equals-label"),
        pytest.param("0 (Never)", math.nan, MISMATCH, id="code-with-another-label"),
        pytest.param("1 (Does not apply)", math.nan, MISMATCH, id="value-with-the-na-label"),
        pytest.param("1 (Never)", 1.0, OK, id="value-and-label"),
        pytest.param("Never", 1.0, OK, id="value-label"),
        pytest.param("-99", math.nan, OK, id="missing-code"),
        pytest.param("6", math.nan, OUT, id="out-of-range"),
        pytest.param("n/a", math.nan, OK, id="no-data-token-is-missing"),
    ],
)
def test_parse_cell_reads_does_not_apply_as_a_blank(text: str, value: float, reason: int) -> None:
    got, got_reason = parse_cell(text, OFTEN5)
    assert got_reason == reason
    assert (math.isnan(got) and math.isnan(value)) or got == value


def test_not_applicable_code_on_a_scale_without_it_stays_a_problem() -> None:
    plain = CompiledScale(
        "plain", np.arange(1.0, 6.0), {}, frozenset(), 1.0, 5.0, frozenset(range(1, 6))
    )
    decoded = decode_column(arrow([0, 1], "int16"), plain)
    assert decoded.bad_rows.tolist() == [0]
    assert decoded.not_applicable is None


CELLS = ["Does not apply", "1", None, "0", "x", "0 (Never)", "5", "", "0 (does not apply)", "9"]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: arrow(CELLS), id="text"),
        pytest.param(lambda: arrow(CELLS).dictionary_encode(), id="dictionary"),
        pytest.param(lambda: preparse(arrow(CELLS)), id="preparsed"),
    ],
)
def test_decode_text_lists_not_applicable_rows_apart_from_problems(make: Any) -> None:
    decoded = decode_column(make(), OFTEN5)
    assert as_list(decoded.values) == [None, 1.0, None, None, None, None, 5.0, None, None, None]
    assert decoded.not_applicable is not None
    assert decoded.not_applicable.tolist() == [0, 3, 8]
    assert decoded.bad_rows.tolist() == [4, 5, 9]
    assert decoded.bad_reasons.tolist() == [NOT_NUMBER, MISMATCH, OUT]
    assert decoded.bad_values == ["x", "0 (Never)", "9"]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: arrow([0, 1, None, 7, 0, -99], "int16"), id="int16"),
        pytest.param(lambda: arrow([0, 1, None, 7, 0, -99], "int64"), id="int64"),
        pytest.param(lambda: arrow([0.0, 1.0, None, 7.0, 0.0, -99.0]), id="float64"),
        pytest.param(lambda: preparse(arrow(["0", "1", "", "7", "0", "-99"])), id="numeric-text"),
    ],
)
def test_decode_numbers_lists_not_applicable_rows_apart_from_problems(make: Any) -> None:
    array = make()
    decoded = decode_column(array, OFTEN5)
    assert as_list(decoded.values) == [None, 1.0, None, None, None, None]
    assert decoded.not_applicable is not None
    assert decoded.not_applicable.tolist() == [0, 4]
    assert decoded.bad_rows.tolist() == [3]
    assert decoded.bad_values == ["7"]
    out = np.empty(6)
    found = decode_into(array, OFTEN5, out)
    assert found.not_applicable is not None
    assert found.not_applicable.tolist() == [0, 4]
    assert found.missing.tolist() == [0, 2, 3, 4, 5]
    assert out.tolist() == [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]


def test_decode_without_not_applicable_cells_reports_none() -> None:
    for array in [arrow([1, 2, None], "int16"), arrow(["Never", "2", None])]:
        assert decode_column(array, OFTEN5).not_applicable is None
        assert decode_into(array, OFTEN5, np.empty(3)).not_applicable is None


# ------------------------------------------------------------------ scoring

ROWS: list[dict[str, Any]] = [
    # a: in a relationship; w1 does not apply
    {"rel": 1, "w1": 0, "w2": 1, "w3": 5, "p1": 2, "p2": 2, "s1": 1, "s2": 5},
    # b: never had a partner: checking does not apply whatever its items say
    {"rel": 3, "w1": 1, "w2": 1, "w3": 5, "p1": 3, "p2": 3, "s1": 5, "s2": 1},
    # c: status unanswered, two "does not apply" on worry (too few left for min_answered 2)
    {"w1": "Does not apply", "w2": "0", "w3": 3, "p1": "0 (Does not apply)", "p2": 4},
    # d: recently separated
    {"rel": 2, "w1": 5, "w2": 5, "w3": 1, "p1": 5, "p2": 0, "s1": 1, "s2": 5},
    # e: never had a partner, an invalid worry cell
    {"rel": 3, "w1": 9, "w2": 1, "w3": 5, "p1": 5, "p2": 5, "s1": 2, "s2": 4},
    # f: an invalid status answer: scored as if unanswered, and listed as a problem
    {"rel": 7, "w1": 3, "w2": 3, "w3": 3, "p1": 1, "p2": 1, "s1": 3, "s2": 3},
]


def test_scores_counts_and_problems(compiled: CompiledInstrument) -> None:
    result = scored(compiled, ROWS)
    assert as_list(result.scores["worry"]) == [1.0, 1.0, None, 5.0, 1.0, 3.0]
    assert as_list(result.scores["checking"]) == [2.0, None, 4.0, 5.0, None, 1.0]
    assert as_list(result.scores["overall"]) == [1.5, 1.0, None, 5.0, 1.0, 2.0]
    assert result.n_answered["worry"].tolist() == [2, 3, 1, 3, 2, 3]
    assert result.n_not_applicable["worry"].tolist() == [1, 0, 2, 0, 0, 0]
    assert result.n_not_applicable["checking"].tolist() == [0, 0, 1, 1, 0, 0]
    assert result.n_not_applicable["esteem"].tolist() == [0] * 6  # no such answer on agree5
    assert set(result.n_not_applicable) == set(result.n_answered)
    assert result.n_not_applicable["worry"].dtype == np.int64
    # "does not apply" is never a problem; the out-of-range cells are
    assert [(p.respondent, p.item, p.value, p.code) for p in result.problems] == [
        ("e", "w1", "9", "value-out-of-range"),
        ("f", "rel", "7", "value-out-of-range"),
    ]


def test_count_columns_only_for_subscales_that_can_be_not_applicable(
    compiled: CompiledInstrument,
) -> None:
    result = scored(compiled, ROWS, with_counts=True)
    names = list(result.columns)
    assert names[names.index("worry_n_answered") + 1] == "worry_n_not_applicable"
    assert names[names.index("checking_n_answered") + 1] == "checking_n_not_applicable"
    assert "esteem_n_answered" in names
    assert "esteem_n_not_applicable" not in names
    assert "overall_n_not_applicable" not in names
    assert result.columns["worry_n_not_applicable"].tolist() == [1, 0, 2, 0, 0, 0]
    without = scored(compiled, ROWS)
    assert not any(name.endswith("_n_not_applicable") for name in without.columns)


def test_existing_instruments_get_no_new_columns() -> None:
    rses = compile_instrument(load_instrument("rses"))
    data = {"id": ["a", "b"], **{f"rses{i:02d}": [3, 2] for i in range(1, 11)}}
    result = score_compiled([rses], data, ScoreOptions(with_counts=True, details=True))
    assert list(result.columns) == ["id", "self_esteem", "self_esteem_n_answered"]
    assert result.n_not_applicable == {"self_esteem": pytest.approx(np.zeros(2))}
    assert set(result.details) == {
        "self_esteem.ci_low",
        "self_esteem.ci_high",
        "self_esteem.se",
        "self_esteem.n_not_applicable",
    }


def test_details(compiled: CompiledInstrument) -> None:
    result = scored(compiled, ROWS, details=True)
    details = result.details
    assert as_list(details["additions/context/rel"]) == [1.0, 3.0, None, 2.0, 3.0, None]
    assert details["checking.not_applicable"].tolist() == [False, True, False, False, True, False]
    assert details["checking.not_applicable"].dtype == np.bool_
    assert "worry.not_applicable" not in details  # only subscales with applies_when
    assert details["worry.n_not_applicable"].tolist() == [1, 0, 2, 0, 0, 0]
    assert details["esteem.n_not_applicable"].tolist() == [0] * 6
    # a subscale that does not apply has no interval either
    low, high = details["checking.ci_low"], details["checking.ci_high"]
    assert np.isnan(low[[1, 4]]).all()
    assert np.isnan(high[[1, 4]]).all()
    assert not np.isnan(low[[0, 2, 3, 5]]).any()


def test_applies_when_answered_unanswered_and_other_code(compiled: CompiledInstrument) -> None:
    same = {"w1": 2, "w2": 2, "w3": 4, "p1": 4, "p2": 5, "s1": 3, "s2": 3}
    rows = [{**same, "rel": rel} for rel in (1, 2, 3, None, "In a relationship", "x")]
    result = scored(compiled, rows, with_ci=True)
    assert as_list(result.scores["checking"]) == [4.5, 4.5, None, 4.5, 4.5, 4.5]
    assert as_list(result.columns["checking_ci_low"])[2] is None
    # the composite leaves its optional part out where it does not apply
    assert as_list(result.scores["overall"]) == [3.25, 3.25, 2.0, 3.25, 3.25, 3.25]
    assert [p.value for p in result.problems] == ["x"]


def test_required_part_that_does_not_apply_makes_the_composite_missing(tmp_path: Path) -> None:
    data = yaml.safe_load(FIXTURE.read_text())
    data["composites"][0]["parts"][1]["optional"] = False
    comp = compile_instrument(load_instrument_data(data))
    result = scored(comp, [ROWS[0], ROWS[1]])
    assert as_list(result.scores["overall"]) == [1.5, None]


def test_flags_at_most_and_not_applicable(compiled: CompiledInstrument) -> None:
    rows = [
        {"w1": 1, "w2": 3},  # one item at the threshold: raised
        {"w1": 2, "w2": 3},  # both above: not raised
        {"w1": 2},  # one unanswered, the other above: unknown
        {"w1": 0, "w2": 4},  # does not apply counts as unanswered: unknown
        {"w1": 0, "w2": 1},  # ... but one item meeting it is enough
        {"w1": "Never", "w2": "Does not apply"},
        {},
    ]
    result = scored(compiled, rows)
    assert as_list(result.columns["flag_calm"]) == [True, False, None, None, True, True, None]
    # a score flag with at_most: esteem 1 and 1.5 raise it, 2 does not, missing is unknown
    esteem = [{"s1": 1, "s2": 5}, {"s1": 1, "s2": 4}, {"s1": 2, "s2": 4}, {}]
    result = scored(compiled, esteem)
    assert as_list(result.columns["flag_low_esteem"]) == [True, True, False, None]


def test_flags_of_every_kind_are_plain_flag_columns(compiled: CompiledInstrument) -> None:
    result = scored(compiled, ROWS)
    flags = [name for name in result.columns if name.startswith("flag_")]
    assert flags == ["flag_calm", "flag_help", "flag_low_esteem", "flag_ended"]
    # f's status is invalid (7): unknown, like an unanswered one
    assert as_list(result.columns["flag_ended"]) == [False, True, None, True, True, None]
    assert as_list(result.columns["flag_help"]) == [False, False, None, True, False, False]


def test_csv_file_with_integer_columns(compiled: CompiledInstrument, tmp_path: Path) -> None:
    """Integer columns are read as int16; a "does not apply" 0 leaves that fast path."""
    path = tmp_path / "data.csv"
    lines = ["id," + ",".join(ITEMS)]
    lines += [
        "a,1,0,1,5,2,2,1,5",
        "b,3,1,1,5,3,3,5,1",
        "c,,0,0,3,0,4,3,3",
        "d,2,5,5,1,5,0,1,5",
    ]
    path.write_text("\n".join(lines) + "\n")
    result = score_compiled([compiled], path, ScoreOptions(with_counts=True))
    assert as_list(result.scores["worry"]) == [1.0, 1.0, None, 5.0]
    assert as_list(result.scores["checking"]) == [2.0, None, 4.0, 5.0]
    assert result.columns["worry_n_not_applicable"].tolist() == [1, 0, 2, 0]
    assert result.columns["checking_n_not_applicable"].tolist() == [0, 0, 1, 1]
    assert result.problem_count == 0


# ------------------------------------------------------------------ properties


def _instrument(not_applicable: bool) -> CompiledInstrument:
    data = yaml.safe_load(FIXTURE.read_text())
    scale = data["response_scales"]["often5"]
    if not not_applicable:
        del scale["not_applicable"]
        del scale["labels"][0]
    return compile_instrument(load_instrument_data(data))


WITH_NA = _instrument(True)
WITHOUT_NA = _instrument(False)
OPTIONS = ScoreOptions(with_ci=True, with_counts=True, details=True)

answer = st.sampled_from([1, 2, 3, 4, 5, None, -99, 6, "Never", "Always", "x", "2 (Never)"])
status = st.sampled_from([1, 2, 3, None, 9])
respondent = st.fixed_dictionaries({"rel": status, **dict.fromkeys(ITEMS[1:], answer)})


def _same(a: Any, b: Any) -> bool:
    return as_list(np.asarray(a)) == as_list(np.asarray(b))


def _text(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Every cell as text (as a CSV gives them), so one column can mix codes and labels."""
    columns = rows_to_columns(rows)
    return {k: [None if v is None else str(v) for v in vs] for k, vs in columns.items()}


@settings(max_examples=60, deadline=None)
@given(st.lists(respondent, min_size=1, max_size=12))
def test_declaring_not_applicable_changes_nothing_without_such_answers(
    rows: list[dict[str, Any]],
) -> None:
    data = _text(rows)
    plain = score_compiled([WITHOUT_NA], data, OPTIONS)
    with_na = score_compiled([WITH_NA], data, OPTIONS)
    for name, values in plain.columns.items():
        assert _same(with_na.columns[name], values), name
    extra = [name for name in with_na.columns if name not in plain.columns]
    assert extra == ["worry_n_not_applicable", "checking_n_not_applicable"]
    for name in extra:
        assert not with_na.columns[name].any()
    assert with_na.problems == plain.problems
    for key, values in plain.details.items():
        assert _same(with_na.details[key], values), key


na_answer = st.sampled_from([1, 2, 3, 4, 5, None, 0, "Does not apply", "0 (does not apply)", 7])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({"rel": status, **dict.fromkeys(ITEMS[1:], na_answer)}),
        min_size=1,
        max_size=12,
    )
)
def test_does_not_apply_scores_exactly_like_a_blank_cell(rows: list[dict[str, Any]]) -> None:
    def is_na(value: Any) -> bool:
        return value == 0 or (isinstance(value, str) and "apply" in value.lower())

    on_often5 = {"w1", "w2", "w3", "p1", "p2"}  # elsewhere 0 is an invalid cell, and stays one
    blanked = [
        {k: (None if k in on_often5 and is_na(v) else v) for k, v in row.items()} for row in rows
    ]
    na = score_compiled([WITH_NA], _text(rows), OPTIONS)
    blank = score_compiled([WITH_NA], _text(blanked), OPTIONS)
    for name, values in blank.columns.items():
        if not name.endswith("_n_not_applicable"):
            assert _same(na.columns[name], values), name
    assert na.problems == blank.problems
    for key, values in blank.details.items():
        if not key.endswith(".n_not_applicable"):
            assert _same(na.details[key], values), key
    assert not blank.columns["worry_n_not_applicable"].any()
    for sub, items in (("worry", ["w1", "w2", "w3"]), ("checking", ["p1", "p2"])):
        expected = [sum(is_na(row[i]) for i in items) for row in rows]
        assert na.n_not_applicable[sub].tolist() == expected
        assert (na.n_answered[sub] + na.n_not_applicable[sub] <= len(items)).all()


def test_instrument_helpers_know_the_additions() -> None:
    assert WITH_NA.context == (0,)
    ((sub, item, codes),) = WITH_NA.applies_when
    assert (sub, item, codes.tolist()) == (1, 0, [1.0, 2.0])
    assert WITH_NA.counts_not_applicable.tolist() == [True, True, False]
    assert WITHOUT_NA.counts_not_applicable.tolist() == [False, False, False]
    assert isinstance(WITH_NA.instrument, Instrument)


def test_applies_when_is_written_with_in(tmp_path: Path) -> None:
    """The key is `in` (a Python keyword, so an alias in the model): messages say `in`."""
    path = tmp_path / "codes.yaml"
    path.write_text(
        FIXTURE.read_text().replace("{item: rel, in: [1, 2]}", "{item: rel, cods: [1]}")
    )
    found = {(i.code, i.location.path, i.hint) for i in validate_file(path).issues}
    assert found == {
        ("missing-key", "subscales[1].applies_when.in", "add `in:`"),
        ("unknown-key", "subscales[1].applies_when.cods", "allowed keys: item, in"),
    }

"""Decoding data cells into answers, with a problem record for every invalid cell."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import relscales
from relscales.labels import normalize_label
from relscales.scoring.compile import CompiledScale
from relscales.scoring.decode import REASONS, decode_column, parse_cell

DATA = Path(__file__).resolve().parent.parent / "data" / "scoring"

OK, OUT, NOT_CODE, NOT_NUMBER, MISMATCH, DATE = 0, 1, 2, 3, 4, 5

# agree7 with labels and a missing code, as in the instrument format's example
AGREE7 = CompiledScale(
    name="agree7",
    values=np.arange(1.0, 8.0),
    labels={
        normalize_label(t): v
        for t, v in [("Strongly disagree", 1.0), ("Neither", 4.0), ("Strongly agree", 7.0)]
    },
    missing_codes=frozenset({-99.0}),
    low=1.0,
    high=7.0,
    valid=frozenset(float(v) for v in range(1, 8)),
)
# codes with a gap: 2.5 and 3 lie inside the range but are not codes
GAPPED = CompiledScale(
    "gapped", np.array([0.0, 2.0, 4.0]), {}, frozenset(), 0.0, 4.0, frozenset({0.0, 2.0, 4.0})
)


@pytest.mark.parametrize(
    ("text", "value", "reason"),
    [
        pytest.param("7", 7.0, OK, id="plain"),
        pytest.param(" 7 ", 7.0, OK, id="spaces"),
        pytest.param("7.0", 7.0, OK, id="decimal-zero"),
        pytest.param("+7", 7.0, OK, id="plus-sign"),
        pytest.param("7e0", 7.0, OK, id="exponent"),
        pytest.param("Strongly agree", 7.0, OK, id="label"),
        pytest.param("  strongly   AGREE ", 7.0, OK, id="label-case-and-spaces"),
        pytest.param("neither", 4.0, OK, id="label-lower"),
        pytest.param("-99", math.nan, OK, id="missing-code"),
        pytest.param("-99.0", math.nan, OK, id="missing-code-decimal"),
        pytest.param("", math.nan, OK, id="blank"),
        pytest.param("   ", math.nan, OK, id="only-spaces"),
        pytest.param("NA", math.nan, OK, id="NA"),
        pytest.param("n/a", math.nan, OK, id="n/a"),
        pytest.param("NaN", math.nan, OK, id="NaN"),
        pytest.param("NULL", math.nan, OK, id="NULL"),
        pytest.param(".", math.nan, OK, id="dot"),
        pytest.param("#N/A", math.nan, OK, id="excel-na"),
        pytest.param("8", math.nan, OUT, id="above-range"),
        pytest.param("0", math.nan, OUT, id="below-range"),
        pytest.param("-98", math.nan, OUT, id="near-missing-code"),
        pytest.param("2.5", math.nan, NOT_CODE, id="between-codes"),
        pytest.param("lots", math.nan, NOT_NUMBER, id="free-text"),
        pytest.param("agree", math.nan, NOT_NUMBER, id="unknown-label"),
        pytest.param("7 points", math.nan, NOT_NUMBER, id="number-and-text"),
        pytest.param("3,5", math.nan, NOT_NUMBER, id="decimal-comma"),
        pytest.param("0x7", math.nan, NOT_NUMBER, id="hex"),
        pytest.param("inf", math.nan, NOT_NUMBER, id="inf"),
        # a number with its label: read when the label is the scale's label for it
        pytest.param("7 (Strongly agree)", 7.0, OK, id="number-label"),
        pytest.param("7 (strongly  AGREE)", 7.0, OK, id="number-label-case"),
        pytest.param("7 [Strongly agree]", 7.0, OK, id="number-label-brackets"),
        pytest.param("Strongly agree (7)", 7.0, OK, id="label-number"),
        pytest.param("7 = Strongly agree", 7.0, OK, id="number-equals-label"),
        pytest.param("7 - Strongly agree", 7.0, OK, id="number-dash-label"),
        pytest.param("7: Strongly agree", 7.0, OK, id="number-colon-label"),
        pytest.param("1. Strongly disagree", 1.0, OK, id="number-dot-label"),
        pytest.param("6 (Strongly agree)", math.nan, MISMATCH, id="label-of-another-code"),
        pytest.param("7 (Agree)", math.nan, MISMATCH, id="unknown-label"),
        pytest.param("Neither (7)", math.nan, MISMATCH, id="label-number-mismatch"),
        pytest.param("8 (Strongly agree)", math.nan, OUT, id="number-label-out-of-range"),
        pytest.param("-99 (No answer)", math.nan, OK, id="missing-code-with-label"),
        pytest.param("1 - 7", math.nan, NOT_NUMBER, id="range-is-not-a-label"),
        pytest.param("7 (Strongly agree) (x)", math.nan, NOT_NUMBER, id="two-labels"),
        # answers a spreadsheet turned into dates
        pytest.param("7-Jan", math.nan, DATE, id="day-month"),
        pytest.param("Jan-07", math.nan, DATE, id="month-year"),
        pytest.param("07-Jan-2026", math.nan, DATE, id="day-month-year"),
        pytest.param("7 January 2026", math.nan, DATE, id="long-month"),
        pytest.param("01/07/2026", math.nan, DATE, id="slashes"),
        pytest.param("2026-01-07", math.nan, DATE, id="iso"),
        pytest.param("2026-01-07 00:00:00", math.nan, DATE, id="iso-time"),
        pytest.param("7.1.2026", math.nan, DATE, id="dotted"),
        pytest.param("1/7/26 12:00 AM", math.nan, DATE, id="us-time"),
        pytest.param("1-7", math.nan, NOT_NUMBER, id="range-not-date"),
        pytest.param("x" * 5000, math.nan, NOT_NUMBER, id="huge-cell"),
    ],
)
def test_parse_cell(text: str, value: float, reason: int) -> None:
    got, got_reason = parse_cell(text, AGREE7)
    assert got_reason == reason
    assert got == value or (math.isnan(got) and math.isnan(value))


@pytest.mark.parametrize(
    ("text", "value", "reason"),
    [
        pytest.param("4,0", 4.0, OK, id="decimal-comma-code"),
        pytest.param(" 4,0 ", 4.0, OK, id="spaces"),
        pytest.param("2,5", math.nan, NOT_CODE, id="between-codes"),
        pytest.param("8,0", math.nan, OUT, id="out-of-range"),
        pytest.param("4,0 (Neither)", 4.0, OK, id="with-label"),
        pytest.param("4,0,0", math.nan, NOT_NUMBER, id="two-commas"),
        pytest.param("1,000", 1.0, OK, id="european-reading"),
    ],
)
def test_decimal_comma(text: str, value: float, reason: int) -> None:
    got, got_reason = parse_cell(text, AGREE7, decimal_comma=True)
    assert got_reason == reason
    assert got == value or (math.isnan(got) and math.isnan(value))


def test_decimal_comma_only_when_asked() -> None:
    for text in ["4,0", " 4,0 ", "2,5", "4,0 (Neither)"]:
        value, reason = parse_cell(text, AGREE7)
        assert math.isnan(value)
        assert reason == NOT_NUMBER


def test_number_and_label_on_a_scale_without_labels() -> None:
    """Without labels there is nothing to contradict: the number is read."""
    assert parse_cell("4 (Somewhat)", GAPPED) == (4.0, OK)
    assert parse_cell("3 (Somewhat)", GAPPED)[1] == NOT_CODE


def test_reason_codes() -> None:
    assert REASONS == {
        OUT: "value-out-of-range",
        NOT_CODE: "value-not-a-code",
        NOT_NUMBER: "value-not-a-number",
        MISMATCH: "value-label-mismatch",
        DATE: "value-looks-like-date",
    }


def test_decimal_comma_column_keeps_cells_as_written() -> None:
    import pyarrow as pa

    from relscales.scoring.decode import preparse

    cells = pa.array(["4,0", "7", None, "2,5", "8,0"])
    decoded = decode_column(preparse(cells, decimal_comma=True), AGREE7)
    assert [None if math.isnan(v) else v for v in decoded.values.tolist()] == [
        4.0,
        7.0,
        None,
        None,
        None,
    ]
    assert list(zip(decoded.bad_rows.tolist(), decoded.bad_values, strict=True)) == [
        (3, "2,5"),
        (4, "8,0"),
    ]
    labelled = decode_column(preparse(pa.array(["4,0 (Neither)", "x"]), decimal_comma=True), AGREE7)
    assert labelled.values[0] == 4.0
    assert labelled.bad_reasons.tolist() == [NOT_NUMBER]
    # without the decimal comma, the same cells are invalid
    plain = decode_column(preparse(cells), AGREE7)
    assert plain.bad_rows.tolist() == [0, 3, 4]


def test_long_invalid_cells_are_shortened_in_problem_records() -> None:
    import pyarrow as pa

    decoded = decode_column(pa.array(["x" * 30_000, "1"]), AGREE7)
    (value,) = decoded.bad_values
    assert len(value) < 300
    assert value.endswith("(30000 characters)")


def test_gapped_scale_inside_range_is_not_a_code() -> None:
    assert [parse_cell(t, GAPPED)[1] for t in ["0", "2", "3", "4", "5", "-1"]] == [
        OK,
        OK,
        NOT_CODE,
        OK,
        OUT,
        OUT,
    ]
    assert parse_cell("2", GAPPED) == (2.0, OK)


def _decode(array: Any, scale: CompiledScale = AGREE7) -> tuple[list[Any], list[Any]]:
    decoded = decode_column(array, scale)
    values = [None if math.isnan(v) else v for v in decoded.values.tolist()]
    bad = list(
        zip(
            decoded.bad_rows.tolist(), decoded.bad_reasons.tolist(), decoded.bad_values, strict=True
        )
    )
    return values, bad


TEXT = [" 7 ", "7.0", "Strongly agree", "-99", "NA", None, "8", "2.5", "lots", "1"]
TEXT_VALUES = [7.0, 7.0, 7.0, None, None, None, None, None, None, 1.0]
TEXT_BAD = [(6, OUT, "8"), (7, NOT_CODE, "2.5"), (8, NOT_NUMBER, "lots")]


def test_decode_text_column() -> None:
    import pyarrow as pa

    assert _decode(pa.array(TEXT, pa.string())) == (TEXT_VALUES, TEXT_BAD)
    assert _decode(pa.array(TEXT, pa.large_string())) == (TEXT_VALUES, TEXT_BAD)
    assert _decode(pa.array(TEXT, pa.string()).dictionary_encode()) == (TEXT_VALUES, TEXT_BAD)


def test_decode_all_numeric_text_column() -> None:
    """The fast path for numeric text reports the cell as written, not as parsed."""
    import pyarrow as pa

    values, bad = _decode(pa.array(["1", "7.0", "8.0", "2.5", None, "-99"]))
    assert values == [1.0, 7.0, None, None, None, None]
    assert bad == [(2, OUT, "8.0"), (3, NOT_CODE, "2.5")]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda pa: pa.array([7, 1, 8, 0, -99, None], pa.int64()), id="int64"),
        pytest.param(lambda pa: pa.array([7, 1, 8, 0, -99, None], pa.int8()), id="int8"),
        pytest.param(
            lambda pa: pa.array([7.0, 1.0, 8.0, 0.0, -99.0, math.nan], from_pandas=True),
            id="float64-nan",
        ),
        pytest.param(
            lambda pa: pa.array([7.0, 1.0, 8.0, 0.0, -99.0, None], pa.float32()), id="float32"
        ),
        pytest.param(
            lambda pa: pa.array(np.array([7.0, 1.0, 8.0, 0.0, -99.0, np.nan]), from_pandas=True),
            id="numpy-float",
        ),
        pytest.param(
            lambda pa: pa.array(np.ma.masked_array([7, 1, 8, 0, -99, 5], mask=[0, 0, 0, 0, 0, 1])),
            id="numpy-int-masked",
        ),
    ],
)
def test_decode_numeric_column(make: Any) -> None:
    import pyarrow as pa

    values, bad = _decode(make(pa))
    assert values == [7.0, 1.0, None, None, None, None]
    assert bad == [(2, OUT, "8"), (3, OUT, "0")]


def test_decode_numeric_not_a_code_and_infinite() -> None:
    import pyarrow as pa

    values, bad = _decode(pa.array([2.5, math.inf, -math.inf, 3.0]), AGREE7)
    assert values == [None, None, None, 3.0]
    # a non-finite number is not a number of any scale, in numeric and text columns alike
    assert bad == [(0, NOT_CODE, "2.5"), (1, NOT_NUMBER, "inf"), (2, NOT_NUMBER, "-inf")]


def test_decode_null_column() -> None:
    import pyarrow as pa

    assert _decode(pa.nulls(3)) == ([None, None, None], [])


def test_decode_other_types_as_text() -> None:
    import datetime

    import pyarrow as pa

    values, bad = _decode(pa.array([datetime.date(2024, 1, 1), None]))
    assert values == [None, None]
    assert [(row, reason) for row, reason, _ in bad] == [(0, DATE)]  # a date is no answer


# ---------------------------------------------------------------------------------------------
# Problem records through the engine
# ---------------------------------------------------------------------------------------------

NORMED = DATA / "normed.yaml"


def test_problem_records_from_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(
        "participant_id,a1,a2,a3,a4,b1,b2,b3\n"
        "p1, 4 ,2.0,Strongly agree,-9,NA,,3\n"
        "p2,8,2.5,lots,  agree ,1,2,3\n"
        "p3,1,1,1,1,n/a,0,6\n"
    )
    result = relscales.score(NORMED, path, with_counts=True)
    got = [
        (p.row, p.respondent, p.column, p.item, p.instrument, p.value, p.code)
        for p in result.problems
    ]
    assert got == [
        (2, "p2", "a1", "a1", "normed", "8", "value-out-of-range"),
        (2, "p2", "a2", "a2", "normed", "2.5", "value-not-a-code"),
        (2, "p2", "a3", "a3", "normed", "lots", "value-not-a-number"),
        (3, "p3", "b2", "b2", "normed", "0", "value-out-of-range"),
        (3, "p3", "b3", "b3", "normed", "6", "value-out-of-range"),
    ]
    assert result.problem_count == 5
    # p1: a1 " 4 " -> 4, a2 "2.0" -> 2 reversed to 4, a3 label -> 5, a4 missing code -9
    # p2: only a4 " agree " (label, -> 4) is valid; p3: 1, 1 -> 5, 1, 1
    assert result.scores["warmth"].tolist() == [13 / 3, 4.0, 2.0]
    assert result.n_answered["warmth"].tolist() == [3, 1, 4]
    # invalid cells are missing, never numbers: worry needs all three items
    assert np.isnan(result.scores["worry"]).tolist() == [True, False, True]
    assert result.scores["worry"][1] == 1 + 2 + 3


def test_problem_record_fields_and_message() -> None:
    data = {
        "id": ["x"],
        "a1": ["9"],
        "a2": [1],
        "a3": [1],
        "a4": [1],
        "b1": [1],
        "b2": [1],
        "b3": [1],
    }
    (problem,) = relscales.score(NORMED, data).problems
    assert problem.to_dict() == {
        "row": 1,
        "respondent": "x",
        "column": "a1",
        "item": "a1",
        "instrument": "normed",
        "value": "9",
        "code": "value-out-of-range",
        "message": "'9' is outside the item's response scale; treated as missing",
    }


def test_problem_records_name_the_mapped_column_and_row_numbers() -> None:
    data = {
        "Q1": [1, 2, 77],
        "Q2": [1, 1, 1],
        "a3": [1, 1, 1],
        "a4": [1, 1, 1],
        "b1": [1, 1, 1],
        "b2": [1, 1, 1],
        "b3": [1, 1, 1],
    }
    result = relscales.score(NORMED, data, column_map={"Q1": "a1", "Q2": "a2"})
    (problem,) = result.problems
    assert (problem.row, problem.respondent, problem.column, problem.item, problem.value) == (
        3,
        "3",
        "Q1",
        "a1",
        "77",
    )


# -- decode_into: the engine's form ----------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda pa: pa.array([7, None, 1, 4], pa.int16()), id="int16-valid"),
        pytest.param(lambda pa: pa.array([7, None, 9, 0], pa.int16()), id="int16-out-of-range"),
        pytest.param(lambda pa: pa.array([None, None], pa.int16()), id="int16-all-empty"),
        pytest.param(lambda pa: pa.array([], pa.int16()), id="int16-no-rows"),
        pytest.param(
            lambda pa: pa.array([3, 5, None, 2, 6, 1], pa.int16()).slice(1, 4), id="int16-slice"
        ),
        pytest.param(lambda pa: pa.array([2.0, None, 2.5, -99.0]), id="float"),
        pytest.param(lambda pa: pa.array(TEXT), id="text"),
        pytest.param(lambda pa: pa.nulls(3), id="null"),
    ],
)
def test_decode_into_agrees_with_decode_column(make: Any) -> None:
    """The engine's form holds the same answers, missing rows, range and invalid cells."""
    import pyarrow as pa

    from relscales.scoring.decode import decode_into

    array = make(pa)
    reference = decode_column(array, AGREE7)
    out = np.full(len(array), -1.0)
    found = decode_into(array, AGREE7, out)
    missing = np.isnan(reference.values)
    assert found.missing.tolist() == np.flatnonzero(missing).tolist()
    assert out.tolist() == np.where(missing, 0.0, reference.values).tolist()
    valid = reference.values[~missing]
    if valid.size:
        assert (found.low, found.high) == (valid.min(), valid.max())
    else:
        assert math.isnan(found.low)
        assert math.isnan(found.high)
    if reference.bad_rows.size:
        assert found.invalid is not None
        assert found.invalid.bad_rows.tolist() == reference.bad_rows.tolist()
        assert found.invalid.bad_values == reference.bad_values
    else:
        assert found.invalid is None


def test_decode_into_ignores_what_arrow_leaves_in_empty_slots() -> None:
    """Null slots of an Arrow array hold undefined values; they must not become answers."""
    import pyarrow as pa

    from relscales.scoring.decode import decode_into

    values = np.array([5, 32000, 2], dtype=np.int16)  # 32000 sits under a null
    validity = pa.py_buffer(np.packbits([True, False, True], bitorder="little"))
    array = pa.Array.from_buffers(pa.int16(), 3, [validity, pa.py_buffer(values)], null_count=1)
    out = np.empty(3)
    found = decode_into(array, AGREE7, out)
    assert out.tolist() == [5.0, 0.0, 2.0]
    assert (found.missing.tolist(), found.low, found.high, found.invalid) == ([1], 2.0, 5.0, None)

"""Streaming writers of score tables (relscales.io.writers)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relscales.io.writers import FORMATS, format_for, open_writer


def batches() -> list[dict[str, Any]]:
    import pyarrow as pa

    return [
        {
            "id": pa.array(["a", "b"]),
            "score": np.array([15.0, np.nan]),
            "mean": np.array([1 / 3, 2.5]),
            "n": np.array([10, 0]),
            "band": np.array(["low", None], dtype=object),
        },
        {
            "id": np.array(["c"], dtype=object),
            "score": np.array([1e-20]),
            "mean": np.array([np.nan]),
            "n": np.array([7]),
            "band": np.array(["high"], dtype=object),
        },
    ]


EXPECTED = [
    {"id": "a", "score": 15.0, "mean": 1 / 3, "n": 10, "band": "low"},
    {"id": "b", "score": None, "mean": 2.5, "n": 0, "band": None},
    {"id": "c", "score": 1e-20, "mean": None, "n": 7, "band": "high"},
]


def write(fmt: str, parts: list[dict[str, Any]]) -> bytes:
    stream = io.BytesIO()
    writer = open_writer(fmt, stream)
    for part in parts:
        writer.write(part)
    writer.close()
    return stream.getvalue()


@pytest.mark.parametrize(
    ("suffix", "fmt"),
    [
        (".csv", "csv"),
        (".CSV", "csv"),
        (".tsv", "tsv"),
        (".json", "json"),
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".parquet", "parquet"),
        ("parquet", "parquet"),
        (".txt", None),
        (".xlsx", None),
        ("", None),
    ],
)
def test_format_for(suffix: str, fmt: str | None) -> None:
    assert format_for(suffix) == fmt


def test_formats_registry() -> None:
    assert set(FORMATS) == {"csv", "tsv", "json", "jsonl", "parquet"}


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_csv(fmt: str, delimiter: str) -> None:
    text = write(fmt, batches()).decode()
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert rows[0] == ["id", "score", "mean", "n", "band"]
    assert rows[1:] == [
        ["a", "15", repr(1 / 3), "10", "low"],
        ["b", "", "2.5", "0", ""],  # missing -> empty cell
        ["c", "1e-20", "", "7", "high"],
    ]
    assert float(rows[1][2]) == 1 / 3  # full precision, never rounded


def test_json() -> None:
    data = write("json", batches())
    assert json.loads(data) == EXPECTED
    assert data.endswith(b"\n]\n")


def test_jsonl() -> None:
    lines = write("jsonl", batches()).decode().splitlines()
    assert [json.loads(line) for line in lines] == EXPECTED


def test_parquet() -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(write("parquet", batches())))
    assert table.column_names == ["id", "score", "mean", "n", "band"]
    records = table.to_pylist()
    assert records[0] == EXPECTED[0]
    assert records[1]["score"] is None
    assert records[2]["mean"] is None
    assert str(table.schema.field("score").type) == "double"


def test_csv_batches_of_a_reader_s_size_are_formatted_in_pieces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    from relscales.io import writers

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert writers._row_parts(26_668) == [(0, 13_334), (13_334, 26_668)]  # two processors
    assert writers._row_parts(8_000) == [(0, 8_000)]  # too small to split
    rng = np.random.default_rng(6)
    n = 26_668
    batch = {
        "id": np.arange(n),
        "theta": rng.normal(size=n),
        "mean": rng.integers(18, 126, n) / 18,
        "band": np.array(["low", None, "a, b"] * (n // 3) + ["x"] * (n % 3), dtype=object),
    }
    batch["theta"][::7] = np.nan
    pieces = write("csv", [batch, batch])
    monkeypatch.setattr(writers, "_PART_ROWS", 10**9)  # one piece
    assert pieces == write("csv", [batch, batch])
    lines = pieces.decode().splitlines()
    assert len(lines) == 1 + 2 * n
    assert lines[1 + n] == lines[1]  # the second batch starts as the first did


def test_parquet_uses_dictionaries_only_where_values_repeat() -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(5)
    n = 10_000
    theta = rng.normal(size=n)
    mean = rng.integers(18, 126, n) / 18
    batch = {
        "id": pa.array([f"p{i}" for i in range(n)]),
        "mean": mean,
        "theta": theta,
        "band": np.array(["low", "high"] * (n // 2), dtype=object),
    }
    data = write("parquet", [batch, batch])
    meta = pq.ParquetFile(io.BytesIO(data)).metadata
    dictionary = {
        meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i).has_dictionary_page
        for i in range(meta.num_columns)
    }
    assert dictionary == {"id": False, "mean": True, "theta": False, "band": True}
    table = pq.read_table(io.BytesIO(data))
    np.testing.assert_array_equal(table.column("theta").to_numpy(), np.concatenate([theta, theta]))
    np.testing.assert_array_equal(table.column("mean").to_numpy(), np.concatenate([mean, mean]))
    assert table.column("band").to_pylist()[:3] == ["low", "high", "low"]


def test_empty_batch_keeps_the_columns() -> None:
    import pyarrow.parquet as pq

    empty = {"id": np.array([], dtype=object), "score": np.array([], dtype=np.float64)}
    assert write("csv", [empty]).decode().splitlines() == ["id,score"]
    assert json.loads(write("json", [empty])) == []
    assert write("jsonl", [empty]) == b""
    table = pq.read_table(io.BytesIO(write("parquet", [empty])))
    assert (table.column_names, table.num_rows) == (["id", "score"], 0)


def test_no_batch_at_all() -> None:
    assert json.loads(write("json", [])) == []
    assert write("csv", []) == b""


def test_json_has_no_nan() -> None:
    data = write("json", [{"x": np.array([math.nan, math.inf * 0])}])
    assert b"NaN" not in data
    assert json.loads(data) == [{"x": None}, {"x": None}]


# --excel-safe ------------------------------------------------------------------------------


def _formula_batch() -> dict[str, Any]:
    import pyarrow as pa

    return {
        "=id": pa.array(["=1+1", "+49 151", "-5", "@SUM(A1)", "\tx", "\rx", "plain", None]),
        "score": np.array([-1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0, 8.0]),
        "band": np.array(["-low", "=HYPERLINK(1)", None, "ok", "a", "b", "c", "d"], dtype=object),
    }


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_excel_safe_escapes_text_that_would_run(fmt: str, delimiter: str) -> None:
    stream = io.BytesIO()
    writer = open_writer(fmt, stream, excel_safe=True)
    writer.write(_formula_batch())
    writer.close()
    rows = list(csv.reader(io.StringIO(stream.getvalue().decode()), delimiter=delimiter))
    assert rows[0] == ["'=id", "score", "band"]  # column names come from the data too
    assert [r[0] for r in rows[1:]] == [
        "'=1+1",
        "'+49 151",
        "'-5",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "plain",
        "",
    ]
    assert [r[1] for r in rows[1:]] == ["-1", "2", "", "4", "5", "6", "7", "8"]  # numbers
    assert [r[2] for r in rows[1:3]] == ["'-low", "'=HYPERLINK(1)"]


def test_excel_safe_is_off_by_default_and_only_for_delimited_text() -> None:
    plain = write("csv", [_formula_batch()]).decode()
    assert "\n=1+1,-1,-low\n" in plain
    assert "'" not in plain
    stream = io.BytesIO()
    writer = open_writer("jsonl", stream, excel_safe=True)
    writer.write(_formula_batch())
    writer.close()
    assert json.loads(stream.getvalue().decode().splitlines()[0])["=id"] == "=1+1"


def test_excel_safe_text() -> None:
    from relscales.io.writers import excel_safe_text

    assert [excel_safe_text(t) for t in ["=a", "+a", "-a", "@a", "\ta", "\ra", "a", ""]] == [
        "'=a",
        "'+a",
        "'-a",
        "'@a",
        "'\ta",
        "'\ra",
        "a",
        "",
    ]


# -- CSV text against pyarrow's own CSV writer -----------------------------------------------

_TEXT = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list('ab ,;"\t\n\r\u00e9\u20ac0-')), max_size=6),
)
_FLOAT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1 / 3, 2.5, 5e-324, 1e300, 1e-7, 123456789.0]),
)


@settings(max_examples=200)
@given(
    rows=st.integers(0, 12).flatmap(
        lambda n: st.tuples(
            st.lists(_TEXT, min_size=n, max_size=n),
            st.lists(_FLOAT, min_size=n, max_size=n),
            st.lists(st.sampled_from([0.5, 1.0, 2.0, np.nan]), min_size=n, max_size=n),
            st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n),
            st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n),
        )
    ),
    delimiter=st.sampled_from([",", "\t", ";"]),
)
def test_csv_cells_read_back_as_pyarrows_writer_writes_them(
    rows: tuple[list[Any], ...], delimiter: str
) -> None:
    """Every cell reads back as it does from pyarrow's CSV writer (the reference).

    Numbers must be the same text exactly (the repeated-value column goes through the
    format-each-distinct-value-once path); text may differ only in quotes it did not need.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from relscales.io.writers import csv_lines

    text, floats, repeated, ints, flags = rows
    columns = [
        pa.array(text, pa.string()),
        pa.array(floats, pa.float64()),
        pa.array(repeated, pa.float64(), from_pandas=True),
        pa.array(ints, pa.int64()),
        pa.array(flags, pa.bool_()),
    ]
    names = ["t", "f", "r", "i", "b"]
    reference = io.BytesIO()
    pacsv.write_csv(
        pa.table(columns, names=names),
        reference,
        pacsv.WriteOptions(include_header=False, delimiter=delimiter),
    )
    ours = bytes(csv_lines(columns, delimiter))

    def parsed(data: bytes) -> list[list[str]]:
        return list(csv.reader(io.StringIO(data.decode(), newline=""), delimiter=delimiter))

    assert parsed(ours) == parsed(reference.getvalue())
    # unquoted cells are exactly pyarrow's text; quoted ones needed quoting
    for line in parsed(ours):
        assert len(line) == len(names)
    assert ours.count(b"\n") >= len(text)


def test_csv_quotes_only_cells_that_need_it() -> None:
    stream = io.BytesIO()
    writer = open_writer("csv", stream)
    writer.write(
        {
            "id": np.array(["p1", "a,b", 'say "hi"', "two\nlines", "", None], dtype=object),
            "x": np.array([1.5, 2.0, np.nan, -0.0, 0.0, 1e-20]),
        }
    )
    writer.close()
    assert stream.getvalue().decode() == (
        'id,x\np1,1.5\n"a,b",2\n"say ""hi""",\n"two\nlines",-0\n"",0\n,1e-20\n'
    )


def test_long_number_columns_write_as_pyarrow_does_either_way() -> None:
    """Past the probe of the first rows: a column of distinct estimates is formatted value
    by value, a column of few values once per value; both as pyarrow writes them."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from relscales.io.writers import _TEXT_PROBE_ROWS, csv_lines

    rng = np.random.default_rng(7)
    n = 3 * _TEXT_PROBE_ROWS + 11
    distinct = rng.normal(size=n)
    distinct[5] = np.nan
    few = rng.choice([1 / 3, 2.5, -0.0, 0.0, 4.125], size=n)
    late = np.concatenate([rng.normal(size=_TEXT_PROBE_ROWS), np.full(n - _TEXT_PROBE_ROWS, 0.1)])
    columns = [pa.array(c, pa.float64(), from_pandas=True) for c in (distinct, few, late)]
    reference = io.BytesIO()
    pacsv.write_csv(
        pa.table(columns, names=["d", "f", "l"]),
        reference,
        pacsv.WriteOptions(include_header=False, quoting_style="none"),
    )
    assert bytes(csv_lines(columns)) == reference.getvalue()

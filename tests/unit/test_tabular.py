"""Reading response data in batches (relscales.io.tabular)."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import relscales
from relscales.deps import require
from relscales.errors import DataError, MissingDependencyError
from relscales.io.sources import open_source
from relscales.io.tabular import sniff_csv

RSES_ITEMS = [f"rses{i:02d}" for i in range(1, 11)]


def texts(array: Any) -> list[Any]:
    return array.to_pylist()


@pytest.mark.parametrize(
    ("content", "delimiter", "header"),
    [
        pytest.param("id,a,b\n1,2,3\n", ",", ("id", "a", "b"), id="comma"),
        pytest.param("id;a;b\n1;2,5;3\n", ";", ("id", "a", "b"), id="semicolon-european"),
        pytest.param("id\ta\tb\n1\t2\t3\n", "\t", ("id", "a", "b"), id="tab"),
        pytest.param("id|a|b\n1|2|3\n", "|", ("id", "a", "b"), id="bar"),
        pytest.param('"id;x",a,b\n1,2,3\n', ",", ("id;x", "a", "b"), id="quoted-delimiter"),
        pytest.param("id\n1\n", ",", ("id",), id="one-column"),
        pytest.param("id,a\r\n1,2\r\n", ",", ("id", "a"), id="crlf"),
    ],
)
def test_sniff_delimiter_and_header(
    tmp_path: Path, content: str, delimiter: str, header: tuple[str, ...]
) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(content.encode())
    dialect = sniff_csv(path)
    assert (dialect.delimiter, dialect.header, dialect.encoding, dialect.bom) == (
        delimiter,
        header,
        "utf-8",
        False,
    )


def test_tsv_suffix_means_tab(tmp_path: Path) -> None:
    path = tmp_path / "data.tsv"
    path.write_text("id,x\ta\n1,2\t3\n")
    assert sniff_csv(path).header == ("id,x", "a")


@pytest.mark.parametrize(
    ("raw", "encoding", "bom"),
    [
        pytest.param(codecs.BOM_UTF8 + "id,é\n1,2\n".encode(), "utf-8", True, id="utf-8-bom"),
        pytest.param("id,é\n1,2\n".encode("utf-16"), "utf-16", True, id="utf-16"),
        pytest.param("id,é\n1,2\n".encode("cp1252"), "cp1252", False, id="windows-1252"),
        pytest.param("id,é\n1,2\n".encode(), "utf-8", False, id="utf-8"),
    ],
)
def test_sniff_encoding(tmp_path: Path, raw: bytes, encoding: str, bom: bool) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(raw)
    dialect = sniff_csv(path)
    assert (dialect.encoding, dialect.bom, dialect.header) == (encoding, bom, ("id", "é"))


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: codecs.BOM_UTF8 + t.encode(), id="utf-8-bom"),
        pytest.param(lambda t: t.encode("utf-16"), id="utf-16"),
        pytest.param(lambda t: t.encode("cp1252"), id="windows-1252"),
        pytest.param(lambda t: t.replace(",", ";").encode(), id="semicolons"),
    ],
)
def test_every_dialect_scores_alike(tmp_path: Path, encode: Any) -> None:
    text = "participant_id," + ",".join(RSES_ITEMS) + "\n"
    text += "é1," + ",".join(["3"] * 10) + "\n"
    text += "ü2," + ",".join(["Strongly agree", "Disagree", *["2"] * 8]) + "\n"
    path = tmp_path / "data.csv"
    path.write_bytes(encode(text))
    result = relscales.score("rses", path)
    assert result.columns["participant_id"].tolist() == ["é1", "ü2"]
    # row 2: 3 + (3 - 1) + positives 2, 2, 2, 2 + negatives (3 - 2) x 4 = 17
    assert result.scores["self_esteem"].tolist() == [15.0, 17.0]


def test_overrides(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes("id;a,b\n1;2,3\n".encode("latin-1"))
    dialect = sniff_csv(path, delimiter=",", encoding="latin-1")
    assert (dialect.delimiter, dialect.encoding, dialect.header) == (",", "latin-1", ("id;a", "b"))


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        open_source(tmp_path / "nope.csv")
    assert info.value.code == "file-not-found"
    assert info.value.issues[0].location.file == str(tmp_path / "nope.csv")


@pytest.mark.parametrize("content", [b"", b"  \n\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        open_source(path)
    assert info.value.code == "data-empty"


@pytest.mark.parametrize("suffix", [".pdf", ".xls", ".dta"])
def test_unsupported_suffix(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    path.write_bytes(b"id\n1\n")
    with pytest.raises(DataError) as info:
        open_source(path)
    assert info.value.code == "unsupported-format"


def test_csv_source_reads_needed_columns_as_text(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('id,note,a\n007,"x, y",1\n008,,\n009,z,"Strongly agree"\n')
    source = open_source(path)
    assert source.header == ("id", "note", "a")
    assert source.size == path.stat().st_size
    assert source.name == str(path)
    (batch,) = source.batches(["id", "a"])
    assert set(batch.columns) == {"id", "a"}
    assert (batch.n_rows, batch.first_row) == (3, 0)
    assert texts(batch.columns["id"]) == ["007", "008", "009"]  # never coerced
    assert texts(batch.columns["a"]) == ["1", None, "Strongly agree"]


def test_csv_batches_cover_every_row_once(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("id,a\n" + "".join(f"{i},{i % 7}\n" for i in range(500)))
    batches = list(open_source(path).batches(["id", "a"], batch_bytes=256, whole_file_bytes=0))
    assert len(batches) > 5
    firsts = [b.first_row for b in batches]
    assert firsts == [sum(b.n_rows for b in batches[:k]) for k in range(len(batches))]
    ids = [v for b in batches for v in texts(b.columns["id"])]
    assert ids == [str(i) for i in range(500)]


def test_csv_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('id,comment,a\n1,"two\nlines",3\n2,plain,4\n')
    (batch,) = open_source(path).batches(["id", "a"])
    assert texts(batch.columns["a"]) == ["3", "4"]


def test_ragged_row_is_kept_empty_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("id,a\n1,2\n2,3,4\n3,5\n")
    source = open_source(path)
    source.key_column = "id"
    (batch,) = source.batches(["id", "a"])
    assert batch.n_rows == 3
    assert texts(batch.columns["id"]) == ["1", "2", "3"]  # the ragged row keeps its id
    assert texts(batch.columns["a"]) == ["2", None, "5"]
    (ragged,) = batch.ragged
    assert (ragged.index, ragged.expected, ragged.found, ragged.text, ragged.key) == (
        1,
        2,
        3,
        "2,3,4",
        "2",
    )


def test_table_batches() -> None:
    source = open_source({"id": list("abcdefg"), "a": [1, 2, 3, None, 5, 6, 7]})
    assert (source.name, source.header, source.size) == ("<data>", ("id", "a"), 0)
    batches = list(source.batches(["a"], batch_rows=3))
    assert [(b.n_rows, b.first_row) for b in batches] == [(3, 0), (3, 3), (1, 6)]
    assert [v for b in batches for v in texts(b.columns["a"])] == [1, 2, 3, None, 5, 6, 7]
    assert all(set(b.columns) == {"a"} for b in batches)


def test_empty_table_has_no_batches() -> None:
    assert list(open_source({"id": [], "a": []}).batches(["id", "a"])) == []


def test_prepare_transforms_each_batch(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("id,a\n1,2\n2,3\n")

    def upper(columns: dict[str, Any]) -> dict[str, Any]:
        return {k: texts(v) for k, v in columns.items()}

    for source in (open_source(path), open_source({"id": ["1", "2"], "a": ["2", "3"]})):
        (batch,) = source.batches(["id", "a"], prepare=upper)
        assert batch.columns == {"id": ["1", "2"], "a": ["2", "3"]}


@pytest.mark.parametrize(
    ("data", "header"),
    [
        pytest.param({"a": [1, 2], "b": ["x", None]}, ("a", "b"), id="mapping"),
        pytest.param(
            {"a": np.array([1.0, np.nan]), "b": np.array([1, 2])},
            ("a", "b"),
            id="mapping-of-arrays",
        ),
        pytest.param({"a": [1, "x"]}, ("a",), id="mixed-types-as-text"),
        pytest.param(np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]), ("a", "b"), id="structured"),
    ],
)
def test_open_in_memory(data: Any, header: tuple[str, ...]) -> None:
    source = open_source(data)
    assert source.header == header
    assert source.table.num_rows == 2


def test_mixed_types_are_read_as_text() -> None:
    (batch,) = open_source({"a": [1, "x", None]}).batches(["a"])
    assert texts(batch.columns["a"]) == ["1", "x", None]


def test_numpy_2d_with_columns() -> None:
    source = open_source(np.array([[1.0, 2.0], [3.0, np.nan]]), columns=["a", "b"])
    assert source.header == ("a", "b")
    (batch,) = source.batches(["a", "b"])
    assert texts(batch.columns["b"]) == [2.0, None]  # NaN is missing


@pytest.mark.parametrize(
    ("data", "columns"),
    [
        pytest.param(np.ones((2, 2)), None, id="no-names"),
        pytest.param(np.ones((2, 2)), ["a"], id="too-few-names"),
        pytest.param(np.ones(3), ["a"], id="one-dimension"),
    ],
)
def test_plain_array_needs_names(data: Any, columns: list[str] | None) -> None:
    with pytest.raises(DataError) as info:
        open_source(data, columns=columns)
    assert info.value.code == "invalid-option"


def test_unequal_column_lengths() -> None:
    with pytest.raises(DataError) as info:
        open_source({"a": [1, 2], "b": [1]})
    assert info.value.code == "data-unreadable"


def test_unsupported_object() -> None:
    with pytest.raises(DataError) as info:
        open_source(object())
    assert info.value.code == "unsupported-format"


def test_pandas_and_polars() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": ["a", "b"], "x": [1.0, None]})
    (batch,) = open_source(frame).batches(["id", "x"])
    assert texts(batch.columns["x"]) == [1.0, None]
    pl = pytest.importorskip("polars")
    (batch,) = open_source(pl.DataFrame({"id": ["a", "b"], "x": [1, None]})).batches(["x"])
    assert texts(batch.columns["x"]) == [1, None]


def test_require() -> None:
    assert require("json", "none").dumps([]) == "[]"
    with pytest.raises(MissingDependencyError) as info:
        require("relscales_no_such_module", "excel")
    assert info.value.code == "missing-dependency"
    assert "pip install 'relscales[excel]'" in (info.value.issues[0].hint or "")


def test_numeric_first_read_falls_back_to_text_from_the_same_row(tmp_path: Path) -> None:
    """Columns are parsed as numbers until a cell is not one; then text, no row lost or doubled."""
    import pyarrow as pa

    from relscales.io.sources import open_source

    rows = ["id,a,b"] + [f"r{i},{i % 7 + 1},{(i * 3) % 7 + 1}" for i in range(3000)]
    rows[2501] = "r2500,Strongly agree,3"  # a label deep in the file, past the first blocks
    path = tmp_path / "late-label.csv"
    path.write_text("\n".join(rows) + "\n")
    source = open_source(path)
    batches = list(
        source.batches(["id", "a", "b"], batch_bytes=4096, numeric=["a", "b"], whole_file_bytes=0)
    )
    assert len(batches) > 3
    assert sum(b.n_rows for b in batches) == 3000
    starts = [b.first_row for b in batches]
    assert starts == [sum(b.n_rows for b in batches[:i]) for i in range(len(batches))]
    assert pa.types.is_float64(batches[0].columns["a"].type)  # numbers while they last
    assert pa.types.is_string(batches[-1].columns["a"].type)  # text after the label
    ids = [v for b in batches for v in b.columns["id"].to_pylist()]
    assert ids == [f"r{i}" for i in range(3000)]
    cells = [str(v) for b in batches for v in b.columns["a"].to_pylist()]
    assert cells[2500] == "Strongly agree"
    assert float(cells[2499]) == 2499 % 7 + 1


@pytest.mark.parametrize("late", ["40000", "7.0", "-99"])
@pytest.mark.parametrize("whole", [0, 1 << 30], ids=["streamed", "whole"])
def test_integer_columns_fall_back_without_losing_rows(
    tmp_path: Path, late: str, whole: int
) -> None:
    """Integer-coded items are tried as int16; a cell that is not one (too big, a decimal)
    sends reading to text from that row, and every score equals the float reading."""
    import relscales

    rows = ["id,a,b"] + [f"r{i},{i % 7 + 1},{(i * 3) % 7 + 1}" for i in range(3000)]
    rows[2801] = f"r2800,{late},3"
    path = tmp_path / "late.csv"
    path.write_text("\n".join(rows) + "\n")
    spec = tmp_path / "two.yaml"
    spec.write_text(
        "relscales: 1\nid: two\nversion: 1.0.0\nname: Two items\ndomain: other\n"
        "license: {name: test fixture, item_text: not-included}\n"
        "validation: {status: experimental}\n"
        "response_scales:\n  s7: {values: [1, 2, 3, 4, 5, 6, 7], missing_codes: [-99]}\n"
        "items:\n  - {id: a, label: item a, scale: s7}\n"
        "  - {id: b, label: item b, scale: s7, reverse: true}\n"
        "subscales:\n  - {id: both, name: Both, items: [a, b], score: mean, min_answered: 1}\n"
    )
    from relscales.io import tabular

    original = tabular.Source.batches

    def small(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.update(batch_bytes=4096, whole_file_bytes=whole)
        return original(self, *args, **kwargs)

    tabular.Source.batches = small  # type: ignore[method-assign]
    try:
        result = relscales.score(str(spec), path)
    finally:
        tabular.Source.batches = original  # type: ignore[method-assign]
    scores = result.scores["both"]
    assert scores.shape == (3000,)
    b = np.array([(i * 3) % 7 + 1 for i in range(3000)], dtype=float)
    a = np.array([i % 7 + 1 for i in range(3000)], dtype=float)
    expected = (a + (8 - b)) / 2
    if late == "7.0":
        a[2800] = 7.0
        expected[2800] = (7.0 + 8 - 3) / 2
    else:  # out of range, or the missing code: only b counts
        expected[2800] = 8 - 3
    np.testing.assert_array_equal(scores, expected)
    assert len(result.problems) == (1 if late == "40000" else 0)

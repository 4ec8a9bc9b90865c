"""Delimited files as they come (io.sniff, io.delimited): encodings, damaged rows, huge fields."""

from __future__ import annotations

import codecs
import random
from pathlib import Path
from typing import Any

import pytest

from relscales.errors import DataError
from relscales.io import delimited, sniff
from relscales.io.sniff import looks_like_text, sniff_csv
from relscales.io.sources import open_source
from relscales.io.tabular import duplicate_ids

HEADER = "id,a,b,c"


def write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def read(path: Path, columns: list[str] | None = None, **options: Any) -> list[Any]:
    source = open_source(path)
    source.key_column = "id"
    return list(source.batches(columns or ["id", "a", "c"], **options))


def cells(batches: list[Any], column: str) -> list[Any]:
    return [v for b in batches for v in b.columns[column].to_pylist()]


# -- sniffing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        pytest.param("id,é\n1,2\n".encode("utf-16-le"), "utf-16-le", id="utf-16-le-no-bom"),
        pytest.param("id,é\n1,2\n".encode("utf-16-be"), "utf-16-be", id="utf-16-be-no-bom"),
        pytest.param("id,é\n1,2\n".encode("utf-32"), "utf-32", id="utf-32-bom"),
        pytest.param(b"id,\x81x\n1,2\n", "latin-1", id="byte-undefined-in-cp1252"),
        pytest.param("id,é\n1,2\n".encode() + b"\xe9\n", "cp1252", id="utf-8-then-not"),
    ],
)
def test_encoding_is_decided_from_the_whole_file(tmp_path: Path, raw: bytes, encoding: str) -> None:
    dialect = sniff_csv(write(tmp_path / "d.csv", raw))
    assert dialect.encoding == encoding
    assert dialect.header[0] == "id"


def test_a_late_non_utf8_byte_is_found(tmp_path: Path) -> None:
    """The first 64 KB are ASCII; a Windows-1252 byte far below decides the encoding."""
    rows = "".join(f"r{i},1\n" for i in range(20_000))
    path = write(tmp_path / "d.csv", ("id,a\n" + rows).encode() + "Zoë,2\n".encode("cp1252"))
    assert sniff_csv(path).encoding == "cp1252"
    assert cells(read(path, ["id"]), "id")[-1] == "Zoë"


def test_given_encoding_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "id,a\n1,2\n")
    with pytest.raises(DataError) as info:
        sniff_csv(path, encoding="no-such-codec")
    assert info.value.code == "invalid-option"
    assert sniff_csv(path, encoding="UTF8").encoding == "utf-8"


@pytest.mark.parametrize("delimiter", [";;", "", '"', "\n"])
def test_given_delimiter_is_checked(tmp_path: Path, delimiter: str) -> None:
    with pytest.raises(DataError) as info:
        sniff_csv(write(tmp_path / "d.csv", "id,a\n"), delimiter=delimiter)
    assert info.value.code == "invalid-option"


@pytest.mark.parametrize(("name", "char"), [("tab", "\t"), ("\\t", "\t"), ("semicolon", ";")])
def test_delimiter_by_name(tmp_path: Path, name: str, char: str) -> None:
    assert sniff_csv(write(tmp_path / "d.csv", "id,a\n"), delimiter=name).delimiter == char


def test_excel_sep_line(tmp_path: Path) -> None:
    dialect = sniff_csv(write(tmp_path / "d.csv", "sep=|\nid|a,b\n1|2,5\n"))
    assert (dialect.delimiter, dialect.header, dialect.skip_lines) == ("|", ("id", "a,b"), 1)


def test_trailing_delimiters(tmp_path: Path) -> None:
    rows = sniff_csv(write(tmp_path / "rows.csv", "id,a\n1,2,\n3,4,\n"))
    assert (rows.header, rows.width) == (("id", "a"), 3)
    header = sniff_csv(write(tmp_path / "head.csv", "id,a,,\n1,2\n3,4\n"))
    assert (header.header, header.width) == (("id", "a"), 2)
    mixed = sniff_csv(write(tmp_path / "mixed.csv", "id,a\n1,2,\n3,4\n"))
    assert (mixed.header, mixed.width) == (("id", "a"), 2)  # no pattern: rows are ragged


def test_header_longer_than_the_first_look(tmp_path: Path) -> None:
    names = [f"column_with_a_long_name_{i}" for i in range(5000)]
    path = write(tmp_path / "wide.csv", ",".join(names) + "\n" + ",".join(["1"] * 5000) + "\n")
    assert sniff_csv(path).header == tuple(names)


def test_header_only_and_nul_counts(tmp_path: Path) -> None:
    assert not sniff_csv(write(tmp_path / "h.csv", "id,a")).has_rows
    dialect = sniff_csv(write(tmp_path / "n.csv", b"id,a\n1,2\n\x00\x00"))
    assert (dialect.nul_bytes, dialect.transcoded) == (2, True)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param('id,a\n1,"open\n2,3\n', 2, id="to-the-end"),
        pytest.param('id,a\n1,x"y\n2,"open\n', 3, id="after-a-literal-quote"),
        pytest.param('id,a\n1,"a ""b"" c\n', 2, id="escaped-quotes-inside"),
    ],
)
def test_unclosed_quote(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(DataError) as info:
        sniff_csv(write(tmp_path / "d.csv", text))
    assert (info.value.code, info.value.issues[0].location.line) == ("unclosed-quote", line)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('id,a\n1,5" tall\n', id="literal-quote"),
        pytest.param('id,a\n1,"ok"\n2,x"\n', id="closed-then-literal"),
        pytest.param('id,a\n1,"a\n""b"""\n', id="escaped-at-the-end"),
    ],
)
def test_odd_quotes_that_are_not_unclosed(tmp_path: Path, text: str) -> None:
    sniff_csv(write(tmp_path / "d.csv", text))


def test_unclosed_quote_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sniff, "SCAN_BYTES", 7)
    sniff._scan.cache_clear()
    text = 'id,a\n1,"x""\n""y"\n2,"open\n3,4\n'
    with pytest.raises(DataError) as info:
        sniff_csv(write(tmp_path / "d.csv", text))
    assert info.value.issues[0].location.line == 4


def test_looks_like_text() -> None:
    assert looks_like_text(b"id,a\n1,2\n")
    assert looks_like_text(b"")
    assert looks_like_text("id,a\n".encode("utf-16-le"))
    assert looks_like_text(codecs.BOM_UTF8 + b"id\n")
    assert looks_like_text(b"id,a\n1,2\n" + b"\x00" * 100)
    assert not looks_like_text(bytes(range(256)) * 4)


# -- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize("whole", [0, 1 << 30], ids=["streamed", "whole"])
@pytest.mark.parametrize("typed", [False, True], ids=["text", "typed"])
def test_rows_out_equal_rows_in_whatever_goes_wrong(
    tmp_path: Path, whole: int, typed: bool
) -> None:
    """Ragged rows, labels and blank lines anywhere: every row once, in order, ragged empty."""
    rng = random.Random(7)
    lines, fields = [HEADER], []
    for i in range(2000):
        k = rng.choice([4] * 20 + [1, 2, 3, 5, 6])
        row = [f"r{i}"] + [str(rng.randint(1, 5)) for _ in range(k - 1)]
        if k == 4 and rng.random() < 0.01:
            row[1] = "Agree"  # a label: typed reading falls back to text from here
        if k == 4 and rng.random() < 0.01:
            row[3] = '"two\nlines"'
        lines.append(",".join(row))
        fields.append(k)
        if rng.random() < 0.01:
            lines.append("")
    path = write(tmp_path / "d.csv", "\n".join(lines) + "\n")
    numeric = ["a", "c"] if typed else []
    batches = read(path, batch_bytes=1024, whole_file_bytes=whole, numeric=numeric, integer=numeric)
    assert cells(batches, "id") == [f"r{i}" for i in range(2000)]
    ragged = [r.index for b in batches for r in b.ragged]
    assert ragged == [i for i, k in enumerate(fields) if k != 4]
    starts = [b.first_row for b in batches]
    assert starts == [sum(b.n_rows for b in batches[:j]) for j in range(len(batches))]
    a = cells(batches, "a")
    assert all(a[i] is None for i in ragged)
    assert sum(b.n_rows for b in batches) == 2000


def test_ragged_row_ids_and_text(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", HEADER + '\n"r,1",1,2\nr2,1,2,3,4\n,9\nr4,1,2,3\n')
    (batch,) = read(path)
    assert batch.columns["id"].to_pylist() == ["r,1", "r2", "", "r4"]
    assert [(r.index, r.found, r.key) for r in batch.ragged] == [
        (0, 3, "r,1"),
        (1, 5, "r2"),
        (2, 2, ""),
    ]


def test_long_ragged_rows_are_shortened(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", HEADER + "\nr1," + "x" * 10_000 + "\n")
    (batch,) = read(path)
    (ragged,) = batch.ragged
    assert len(ragged.text) == delimited.SHOWN_CHARS + 3


@pytest.mark.parametrize("whole", [0, 1 << 30], ids=["streamed", "whole"])
def test_a_field_larger_than_a_block(tmp_path: Path, whole: int) -> None:
    big = "y" * 300_000
    path = write(tmp_path / "d.csv", f"{HEADER}\nr1,1,2,3\nr2,1,{big},3\nr3,1,2,3\n")
    batches = read(path, ["id", "b"], batch_bytes=4096, whole_file_bytes=whole)
    assert cells(batches, "id") == ["r1", "r2", "r3"]
    assert cells(batches, "b")[1] == big


def test_a_field_larger_than_the_largest_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delimited, "MAX_BLOCK", 1 << 20)
    path = write(tmp_path / "d.csv", f"{HEADER}\nr1,1,{'z' * 20_000},3\n")
    with pytest.raises(DataError) as info:
        read(path, batch_bytes=4096, whole_file_bytes=0)
    assert info.value.code == "data-unreadable"
    assert "larger than 1 MiB" in info.value.issues[0].message


def test_transcoded_reading(tmp_path: Path) -> None:
    """UTF-16 and NUL bytes go through the Python decoder; rows and ragged rows as usual."""
    text = HEADER + "\nré1,1,2,3\nr2,1\nr3,4,5,6\n"
    path = write(tmp_path / "d.csv", text.encode("utf-16-le"))
    (batch,) = read(path)
    assert batch.columns["id"].to_pylist() == ["ré1", "r2", "r3"]
    assert [r.index for r in batch.ragged] == [1]


def test_undecodable_bytes_in_a_given_encoding(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", b"id,a,b,c\nr\xe91,1,2,3\n")
    source = open_source(path, encoding="utf-8")
    (batch,) = source.batches(["id", "a"])
    assert batch.columns["id"].to_pylist() == ["r\ufffd1"]
    (warning,) = source.read_warnings
    assert (warning.code, warning.severity) == ("data-encoding", "warning")


def test_parser_errors_become_data_errors(tmp_path: Path) -> None:
    exc = delimited._classify(
        ValueError("boom"), delimited._Mode(False, False, None), False, tmp_path, 7
    )
    assert isinstance(exc, DataError)
    assert exc.issues[0].location.row == 8
    utf8 = delimited._classify(
        ValueError("invalid UTF8 data"), delimited._Mode(False, False, None), False, tmp_path, 0
    )
    assert isinstance(utf8, DataError)
    assert utf8.code == "data-encoding"


# -- warnings -------------------------------------------------------------------------------


def test_duplicate_ids() -> None:
    import pyarrow as pa

    assert duplicate_ids([pa.array(["a", "b", None, None])], "id", "f.csv") is None
    assert duplicate_ids([pa.array(["1", "2"]), pa.array(["10", None])], "id", "f.csv") is None
    assert duplicate_ids([pa.array(["b", "a", "c"])], "id", "f.csv") is None
    assert duplicate_ids([pa.array(["9", "10", "09"])], "id", "f.csv") is None  # as text
    assert duplicate_ids([pa.array(["10", "9", "10"])], "id", "f.csv") is not None
    found = duplicate_ids(
        [pa.array(["a", "b", "a"]), pa.array(["c", "b", "a", "d", "e", "e", "f", "f"])],
        "id",
        "f.csv",
    )
    assert found is not None
    assert (found.code, found.severity, found.location.data_column) == (
        "duplicate-respondent-id",
        "warning",
        "id",
    )
    assert found.message.startswith("4 respondent ids occur on more than one row (9 rows in all)")
    assert "'a' on rows 1, 3, 6" in found.message
    assert found.message.endswith("; and 1 more. Every row is scored")
    numbers = duplicate_ids([pa.array([1, 2, 1])], "id", "f.csv")
    assert numbers is not None
    assert "'1' on rows 1, 3" in numbers.message
    assert duplicate_ids([pa.array([[1], [1]])], "id", "f.csv") is None


def test_warnings_are_recorded_once(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", b"id,a\nx,1\nx,2\n\x00")
    source = open_source(path)
    source.key_column = "id"
    for _ in range(3):
        list(source.batches(["id", "a"]))
    assert sorted(w.code for w in source.read_warnings) == [
        "data-nul-bytes",
        "duplicate-respondent-id",
    ]


def test_in_memory_tables_are_checked_too() -> None:
    source = open_source({"id": ["a", "a"], "x": [1, 2]})
    source.key_column = "id"
    list(source.batches(["id", "x"]))
    assert [w.code for w in source.read_warnings] == ["duplicate-respondent-id"]
    empty = open_source({"id": [], "x": []})
    assert list(empty.batches(["id"])) == []
    assert [w.code for w in empty.read_warnings] == ["data-no-rows"]


def test_all_columns_and_unknown_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "id,a,a\n1,2,3\n")
    (batch,) = open_source(path).batches([])
    assert list(batch.columns) == ["id", "a"]
    with pytest.raises(DataError) as info:
        list(open_source(path).batches(["nope"]))
    assert info.value.code == "missing-item-column"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param('id,a\n1,"open\n2,3\n', 2, id="to-the-end"),
        pytest.param('id,a\n1,"a ""b"" c\n', 2, id="escaped-quotes-inside"),
        pytest.param('id,a\n1,"ok"\n2,x"\n', None, id="odd-but-closed"),
    ],
)
def test_many_quotes_are_followed_in_a_second_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, line: int | None
) -> None:
    """Past CHECKED_QUOTES the places are not kept; an odd count is then followed from disk."""
    monkeypatch.setattr(sniff, "CHECKED_QUOTES", 0)
    monkeypatch.setattr(sniff, "SCAN_BYTES", 5)
    sniff._scan.cache_clear()
    path = write(tmp_path / "d.csv", text)
    if line is None:
        sniff_csv(path)
        return
    with pytest.raises(DataError) as info:
        sniff_csv(path)
    assert info.value.issues[0].location.line == line


def test_many_paired_quotes_are_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file quoting every cell, past CHECKED_QUOTES, with quotes that pair up: no pass."""
    monkeypatch.setattr(sniff, "CHECKED_QUOTES", 0)
    monkeypatch.setattr(sniff, "_unclosed_quote_line", None)  # would fail if called
    sniff._scan.cache_clear()
    assert sniff_csv(write(tmp_path / "d.csv", '"id","a"\n"1","2"\n')).header == ("id", "a")


def test_sniffing_a_missing_file_or_a_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError) as missing:
        sniff_csv(tmp_path / "nope.csv")
    assert missing.value.code == "file-not-found"
    with pytest.raises(DataError) as folder:
        sniff_csv(tmp_path)
    assert folder.value.code == "data-unreadable"


def test_repeated_header() -> None:
    import pyarrow as pa

    from relscales.io.tabular import repeated_header

    assert repeated_header([pa.array(["a", "b"])], "id", "f.csv") is None
    found = repeated_header(
        [pa.chunked_array([pa.array(["a", "id"])]), pa.array([1, 2]), pa.array(["id", None])],
        "id",
        "f.csv",
    )
    assert found is not None
    assert (found.code, found.location.row) == ("repeated-header", 2)
    assert found.message.startswith("rows 2, 5 repeat the header (the id is 'id')")


def test_id_check_keeps_nothing_while_ids_increase() -> None:
    import pyarrow as pa

    from relscales.io.tabular import IdCheck

    numbers = IdCheck("id")
    for start in range(0, 30, 10):  # "9" < "10" as text, but the ids increase as integers
        numbers.add(pa.array([str(i) for i in range(start, start + 10)]), start)
    assert (numbers.increasing, numbers.kept, numbers.issues("f.csv")) == (True, [], [])
    text = IdCheck("id")
    text.add(pa.array(["a", "b", None]), 0)
    text.add(pa.array(["c", "d"]), 3)
    assert (text.increasing, text.order, text.kept) == (True, "text", [])
    text.add(pa.array(["c"]), 5)  # not after "d": from here on, ids are kept and hashed
    assert not text.increasing
    assert text.issues("f.csv") == []  # the run before was distinct; 'c' is compared onwards
    both = IdCheck("id")
    both.add(pa.array(["1", "2"]), 0)
    both.add(pa.array(["R_x", "R_x"]), 2)  # no longer integers
    (found,) = both.issues("f.csv")
    assert "'R_x' on rows 3, 4" in found.message


def test_id_check_within_a_budget() -> None:
    import pyarrow as pa

    from relscales.io.tabular import IdCheck

    check = IdCheck("id", budget=100)
    check.add(pa.array(["b", "a", "b"]), 0)
    check.add(pa.array(["x" * 200]), 3)  # over the budget: not kept, and said so
    (found,) = check.issues("f.csv")
    assert found.message.endswith("(ids were compared on rows 1 to 3 of this large file)")
    odd = IdCheck("id")
    odd.add(pa.array([[1], [2]]), 0)  # lists: nothing to compare
    assert odd.issues("f.csv") == []


def test_rows_after_the_header_that_are_not_data(tmp_path: Path) -> None:
    """A reader that knows its format (Qualtrics: two more header rows) can skip them."""
    import dataclasses

    path = write(tmp_path / "d.csv", 'id,a\n"Question, text",x\n{"ImportId"},y\nr1,1\nr2\nr3,3\n')
    dialect = dataclasses.replace(sniff_csv(path), after_header=2)
    batches = list(
        delimited.read_batches(
            path, dialect, ["id", "a"], None, whole=False, batch_bytes=1 << 20, batch_rows=10
        )
    )
    assert cells(batches, "id") == ["r1", None, "r3"]
    assert [r.index for b in batches for r in b.ragged] == [1]


def test_a_file_read_whole_comes_in_batches_of_the_size_asked(tmp_path: Path) -> None:
    """The threaded parser's small chunks are joined: batches of batch_rows, rows in order."""
    n = 200_000  # about 3 MB: the parser makes a chunk per MiB
    rows = [f"r{i},{i % 5 + 1},x,{i % 3 + 1}" for i in range(n)]
    path = write(tmp_path / "d.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    batches = read(path, whole_file_bytes=1 << 30, batch_rows=80_000)
    assert [b.n_rows for b in batches] == [80_000, 80_000, 40_000]
    assert [b.first_row for b in batches] == [0, 80_000, 160_000]
    assert cells(batches, "id") == [f"r{i}" for i in range(n)]
    assert cells(batches, "c") == [str(i % 3 + 1) for i in range(n)]

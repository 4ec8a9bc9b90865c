"""Parsing a file in segments, in parallel (relscales.io.segments and its use in reading)."""

from __future__ import annotations

import csv
import io
import itertools
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relscales.io import delimited, segments, sniff
from relscales.io.sources import open_source

_CELL = st.one_of(
    st.text(alphabet="abc 12", max_size=4),
    st.text(alphabet='ab,\n"', max_size=5).map(lambda t: '"' + t.replace('"', '""') + '"'),
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=30),
    step=st.integers(1, 40),
)
def test_cuts_fall_between_rows(tmp_path_factory: Any, rows: list[list[str]], step: int) -> None:
    """Each segment, parsed on its own, gives whole rows: together, the file's rows."""
    path = tmp_path_factory.mktemp("cut") / "d.csv"
    data = ("\n".join(",".join(row) for row in rows) + "\n").encode()
    path.write_bytes(data)
    quotes = [i for i, b in enumerate(data) if b == ord('"')]
    points = segments.cut_points(path, len(data), quotes, step)
    assert points[0] == 0
    assert points[-1] == len(data)
    assert points == sorted(set(points))

    def parsed(raw: bytes) -> list[list[str]]:
        return list(csv.reader(io.StringIO(raw.decode(), newline="")))

    pieces = [parsed(data[a:b]) for a, b in itertools.pairwise(points)]
    assert [row for piece in pieces for row in piece] == parsed(data)


def test_segments_come_back_in_order_and_errors_at_their_turn(tmp_path: Path) -> None:
    path = tmp_path / "d.bin"
    path.write_bytes(bytes(range(10)))
    points = [0, 2, 5, 9, 10]

    def parse(k: int, data: bytes) -> Any:
        if k == 2:
            raise ValueError("bad segment")
        return (k, data)

    got = segments.parsed_segments(path, points, parse, workers=2, ahead=2)
    assert next(got) == ((0, b"\x00\x01"), 2)
    assert next(got) == ((1, b"\x02\x03\x04"), 5)
    with pytest.raises(ValueError, match="bad segment"):
        next(got)


def _file(tmp_path: Path, trouble: str) -> tuple[Path, list[str]]:
    """A file of 3000 rows, with some trouble near its end."""
    rng = random.Random(3)
    lines = ["id,a,b,c"]
    ids = []
    for i in range(3000):
        cells = [str(rng.randint(1, 5)) for _ in range(3)]
        if i % 97 == 0:
            cells[1] = ""
        if trouble == "quoted" and i % 50 == 0:
            cells[2] = '"two\nlines, here"'
        if trouble == "label" and i == 2900:
            cells[0] = "Agree"
        if trouble == "decimal" and i == 2900:
            cells[0] = "4.0"
        line = ",".join([f"r{i}", *cells])
        if trouble == "ragged" and i == 2500:
            line += ",9"
        lines.append(line)
        ids.append(f"r{i}")
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, ids


@pytest.mark.parametrize("trouble", ["none", "quoted", "label", "decimal", "ragged"])
def test_segmented_reading_gives_what_streaming_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trouble: str
) -> None:
    """Cells, rows and ragged rows as the block-by-block reader finds them.

    (Where typed reading gives way to text may differ: a cell is 4 in one and "4" in the
    other, and both decode to the same answer.)
    """
    path, ids = _file(tmp_path, trouble)

    def read() -> list[Any]:
        source = open_source(path)
        source.key_column = "id"
        return list(
            source.batches(
                ["id", "a", "c"], numeric=["a", "c"], integer=["a", "c"], batch_bytes=4096
            )
        )

    calls: list[int] = []
    original = segments.parsed_segments

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(segments, "parsed_segments", counted)
    monkeypatch.setattr(segments, "SEGMENT_BYTES", 2048)
    together = read()
    assert calls, "the file was not read in segments"
    monkeypatch.setattr(delimited, "_can_segment", lambda path, dialect: False)
    apart = read()

    def cells(batches: list[Any], column: str) -> list[Any]:
        return [
            None if v is None else str(v) for b in batches for v in b.columns[column].to_pylist()
        ]

    for column in ("id", "a", "c"):
        assert cells(together, column) == cells(apart, column)
    assert cells(together, "id")[:5] == ids[:5]
    assert sum(b.n_rows for b in together) == 3000
    assert [r.index for b in together for r in b.ragged] == ([2500] if trouble == "ragged" else [])
    starts = [b.first_row for b in together]
    assert starts == [sum(b.n_rows for b in together[:j]) for j in range(len(together))]


def test_only_plain_big_files_on_two_cores_are_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "SEGMENT_BYTES", 1024)
    path, _ = _file(tmp_path, "none")
    dialect = sniff.sniff_csv(path)
    assert delimited._can_segment(path, dialect)
    monkeypatch.setattr(delimited.os, "cpu_count", lambda: 1)
    assert not delimited._can_segment(path, dialect)
    monkeypatch.undo()
    small = tmp_path / "small.csv"
    small.write_text("id,a\n1,2\n")
    assert not delimited._can_segment(small, sniff.sniff_csv(small))
    latin = tmp_path / "latin.csv"
    latin.write_bytes(path.read_bytes().replace(b"r1,", "ré,".encode("cp1252"), 1))
    assert not delimited._can_segment(latin, sniff.sniff_csv(latin))


_ROWS = [f"r{i},{i % 5 + 1},{i % 3 + 1}" for i in range(5000)]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xef\xbb\xbf" + ("id,a,b\n" + "\n".join(_ROWS) + "\n").encode(), id="bom"),
        pytest.param(("id,a,b\r\n" + "\r\n".join(_ROWS) + "\r\n").encode(), id="crlf"),
        pytest.param(("sep=,\nid,a,b\n" + "\n".join(_ROWS) + "\n").encode(), id="excel-sep-line"),
        pytest.param(
            ("id;a;b\n" + "\n".join(r.replace(",", ";") for r in _ROWS) + "\n").encode(),
            id="semicolons",
        ),
        pytest.param(("id,a,b\n" + "\n\n".join(_ROWS) + "\n\n\n").encode(), id="blank-lines"),
        pytest.param(("id,a,b\n" + "\n".join(_ROWS)).encode(), id="no-final-newline"),
    ],
)
def test_file_shapes_read_in_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(data)
    monkeypatch.setattr(segments, "SEGMENT_BYTES", 4096)
    source = open_source(path)
    assert delimited._can_segment(path, source.dialect)
    batches = list(source.batches(["id", "a", "b"], numeric=["a", "b"], integer=["a", "b"]))
    assert [v for b in batches for v in b.columns["id"].to_pylist()] == [
        r.split(",")[0] for r in _ROWS
    ]
    assert [v for b in batches for v in b.columns["b"].to_pylist()] == [
        i % 3 + 1 for i in range(5000)
    ]


_FIELD = st.one_of(
    st.integers(1, 7).map(str),
    st.just(""),
    st.sampled_from(["Agree", "7.0", " 3 ", "NA"]),
    st.text(alphabet='ab,\n"', max_size=4).map(lambda t: '"' + t.replace('"', '""') + '"'),
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(_FIELD, min_size=2, max_size=4), min_size=1, max_size=120),
    segment=st.sampled_from([64, 256, 1024]),
)
def test_segmented_and_block_reading_agree(
    tmp_path_factory: Any, rows: list[list[str]], segment: int
) -> None:
    """Any mix of quotes, line breaks, labels and ragged rows: the same rows and cells."""
    path = tmp_path_factory.mktemp("seg") / "d.csv"
    lines = ["id,a,b"] + [",".join([f"r{i}", *row]) for i, row in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")

    def read(segmented: bool) -> list[Any]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(segments, "SEGMENT_BYTES", segment)
            if not segmented:
                patch.setattr(delimited, "_can_segment", lambda path, dialect: False)
            else:
                patch.setattr(delimited, "_can_segment", lambda path, dialect: True)
            source = open_source(path)
            source.key_column = "id"
            batches = list(source.batches(["id", "a", "b"], numeric=["a", "b"], integer=["a", "b"]))
        cells = [
            [None if v is None else str(v) for b in batches for v in b.columns[c].to_pylist()]
            for c in ("id", "a", "b")
        ]
        return [cells, [r.index for b in batches for r in b.ragged]]

    assert read(True) == read(False)

"""Lines holding only whitespace are blank lines, never respondents (docs/awkward-files.md).

Spaces, tabs, form feeds, vertical tabs, no-break spaces and other Unicode spaces: a line
of nothing else is skipped like an empty line, wherever it is (before the header, between
rows, at the end), however the file is read (threads, one thread after a ragged row,
segments in parallel, a file of one column, a survey export). A line with a delimiter is
a row (``,,,,,`` is an unanswered response).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

import relscales
from relscales.io.delimited import blank_line
from relscales.io.sources import open_source

FIVE = Path(__file__).resolve().parent.parent / "data" / "bad" / "five.yaml"
HEAD = "id,q1,q2,q3,q4,q5"
BLANKS = ["   ", "\t", "\t \t", "\f", "\v", " \f\v ", "\u00a0", "\u3000", "\u2003\u00a0 "]


def _score(path: Path) -> Any:
    return relscales.score(FIVE, path)


@pytest.mark.parametrize("blank", BLANKS, ids=repr)
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_line_of_whitespace_is_not_a_respondent(tmp_path: Path, blank: str, newline: str) -> None:
    lines = [HEAD, blank, "r1,1,2,3,4,5", blank, blank, "r2,5,4,3,2,1", "r3,3,3,3,3,3", blank]
    path = tmp_path / "d.csv"
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    result = _score(path)
    assert list(result.columns["id"]) == ["r1", "r2", "r3"]
    assert not result.problems
    assert blank_line(blank, ",")


def test_whitespace_before_the_header_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"  \n\t\n\u00a0\n{HEAD}\nr1,1,2,3,4,5\n", encoding="utf-8")
    assert list(_score(path).columns["id"]) == ["r1"]


def test_a_header_and_lines_of_whitespace_have_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"{HEAD}\n   \n\t\n", encoding="utf-8")
    result = _score(path)
    assert len(result.scores["total"]) == 0
    assert [w.code for w in result.warnings] == ["data-no-rows"]


def test_ragged_rows_after_blank_lines_keep_their_row_numbers(tmp_path: Path) -> None:
    """Read in one thread (a ragged row), where rows are numbered: blank lines are not rows."""
    path = tmp_path / "d.csv"
    lines = [HEAD, "r1,1,2,3,4,5", "   ", "\t", "r2,5,4", "  ", "r3,3,3,3,3,3", "r4,1"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _score(path)
    assert list(result.columns["id"]) == ["r1", "r2", "r3", "r4"]
    assert [(p.row, p.respondent) for p in result.problems if p.code == "ragged-row"] == [
        (2, "r2"),
        (4, "r4"),
    ]


def test_a_line_of_delimiters_is_an_unanswered_response(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"{HEAD}\nr1,1,2,3,4,5\n,,,,,\n", encoding="utf-8")
    result = _score(path)
    assert list(result.columns["id"]) == ["r1", None]  # an empty id


def test_tab_delimited_lines_of_spaces_and_trailing_delimiters(tmp_path: Path) -> None:
    """In a tab-delimited file a tab is a delimiter: a line with one has fields, as in CSV."""
    path = tmp_path / "d.tsv"
    rows = [HEAD.replace(",", "\t"), "r1\t1\t2\t3\t4\t5", "  \f ", "r2\t5\t4\t3\t2\t1"]
    path.write_text("\n".join([*rows, "\t\t\t\t\t", " \t "]) + "\n", encoding="utf-8")
    result = _score(path)
    assert list(result.columns["id"]) == ["r1", "r2", None, " "]
    # the line of tabs is a row of empty cells; " \t " has 2 fields, not 6: reported
    assert [(p.row, p.code) for p in result.problems] == [(4, "ragged-row")]
    # a delimiter at the end of every row is still recognised with a blank line among them
    trailing = tmp_path / "t.csv"
    trailing.write_text(f"{HEAD}\nr1,1,2,3,4,5,\n  \nr2,5,4,3,2,1,\n", encoding="utf-8")
    result = _score(trailing)
    assert list(result.columns["id"]) == ["r1", "r2"]
    assert not result.problems


def test_a_file_of_one_column(tmp_path: Path) -> None:
    """With one column a line of spaces has the header's one field: dropped all the same."""
    source = tmp_path / "one.csv"
    source.write_text("q1\n3\n   \n4\n\u00a0\n5,5\n2\n", encoding="utf-8")
    opened = open_source(source)
    batches = list(opened.batches(["q1"], numeric=["q1"], integer={"q1"}))
    assert [c for b in batches for c in b.columns["q1"].to_pylist()] == ["3", "4", None, "2"]
    ragged = [r for b in batches for r in b.ragged]
    assert [(r.index, r.found) for r in ragged] == [(2, 2)]
    # in blocks, some without a blank line: rows and ragged rows are numbered in order
    source.write_text("q1\n" + "1\n" * 3000 + "  \n" + "2,2\n" + "3\n" * 3000, encoding="utf-8")
    batches = list(open_source(source).batches(["q1"], batch_bytes=1024))
    starts = [sum(b.n_rows for b in batches[:k]) for k in range(len(batches))]
    assert [b.first_row for b in batches] == starts
    assert sum(b.n_rows for b in batches) == 6001
    assert [r.index for b in batches for r in b.ragged] == [3000]


def test_a_large_file_read_in_parallel_segments(tmp_path: Path) -> None:
    """Several MB: read in segments; blank lines and a ragged row deep in the file."""
    rng = random.Random(4)
    lines = [HEAD]
    expected = []
    for i in range(300_000):
        lines.append(f"r{i},{rng.randint(1, 5)},2,3,4,5")
        expected.append(f"r{i}")
        if i % 7919 == 0:
            lines.append(rng.choice(BLANKS))
        if i == 250_000:
            lines.append("bad,1,2")
            expected.append("bad")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _score(path)
    assert list(result.columns["id"]) == expected
    ragged = [p.row for p in result.problems if p.code == "ragged-row"]
    assert ragged == [expected.index("bad") + 1]


def test_survey_exports_skip_them_too(tmp_path: Path) -> None:
    """A REDCap export (read in one pass as text by its own reader)."""
    path = tmp_path / "export.csv"
    rows = [
        "record_id,redcap_event_name,q1,q2,q3,q4,q5",
        "1,base,1,2,3,4,5",
        "   ",
        "2,base,5,4,3,2,1",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    opened = open_source(path)
    assert type(opened).__name__ == "ExportSource"
    assert [c for b in opened.batches(["q1"]) for c in b.columns["q1"].to_pylist()] == ["1", "5"]

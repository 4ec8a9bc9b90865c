"""A JSON record with a key twice is an error naming the record and the key.

``json.loads`` keeps the last value silently, other JSON readers the first: which answer
the record gives cannot be known, so the file is not scored (exit 2), as a CSV file with
an item column twice is not (``duplicate-data-column``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import relscales
from relscales.errors import DataError
from relscales.io.sources import open_source

FIVE = Path(__file__).resolve().parent.parent / "data" / "bad" / "five.yaml"
GOOD = '{"id": "r1", "q1": 1, "q2": 2, "q3": 3, "q4": 4, "q5": 5}'
TWICE = '{"id": "r2", "q1": 3, "q2": 2, "q3": 3, "q4": 4, "q5": 5, "q1": 5}'


@pytest.mark.parametrize(
    ("name", "text", "row"),
    [
        pytest.param("d.json", f"[{GOOD}, {TWICE}]", 2, id="list"),
        pytest.param("d.json", f'{{"responses": [{GOOD}, {GOOD}, {TWICE}]}}', 3, id="wrapped"),
        pytest.param("d.jsonl", f"{GOOD}\n\n{TWICE}\n", 2, id="json-lines"),
    ],
)
def test_a_key_twice_in_a_record_is_an_error(
    tmp_path: Path, name: str, text: str, row: int
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        open_source(path)
    (issue,) = caught.value.issues
    assert issue.code == "json-duplicate-key"
    assert issue.location.row == row
    assert issue.location.data_column == "q1"
    assert f'record {row} has the key "q1" 2 times, with the values 3, 5' in issue.message
    with pytest.raises(relscales.DataError):
        relscales.score(FIVE, path)


def test_the_list_of_records_under_a_key_twice(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(f'{{"responses": [{GOOD}], "responses": [{GOOD}, {GOOD}]}}', encoding="utf-8")
    with pytest.raises(DataError, match="the object holding the records has the key"):
        open_source(path)


def test_records_without_repeated_keys_are_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    nested = '{"id": "r2", "q1": 3, "q2": 2, "q3": 3, "q4": 4, "q5": 5, "meta": {"a": 1}}'
    path.write_text(f"[{GOOD}, {nested}]", encoding="utf-8")
    result = relscales.score(FIVE, path)
    assert list(result.columns["id"]) == ["r1", "r2"]
    assert json.loads(open_source(path).table.column("meta").to_pylist()[1]) == {"a": 1}


def test_json_lines_end_at_line_feeds_only(tmp_path: Path) -> None:
    """U+2028 may stand unescaped in a JSON string; it does not end a JSON Lines record."""
    path = tmp_path / "d.jsonl"
    record = '{"id": "r1", "q1": 1, "q2": 2, "q3": 3, "q4": 4, "q5": 5, "note": "a\u2028b"}'
    path.write_text(f"{record}\r\n{GOOD}\n", encoding="utf-8")
    table = open_source(path).table
    assert table.column("note").to_pylist() == ["a\u2028b", None]

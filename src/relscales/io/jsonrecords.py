"""JSON data from apps: a list of records, ``{"responses": [...]}``, or JSON Lines.

Each record is an object mapping column names to values; one record is one
respondent. Columns are the keys in the order they first appear; a key missing from
a record is an empty cell. Numbers stay numbers, text stays text (ids such as
``"007"`` keep their spelling), ``null`` is empty, and nested values are kept as
JSON text. The file is UTF-8 (a byte order mark is allowed; UTF-16 with one too).
"""

from __future__ import annotations

import codecs
import json
from typing import TYPE_CHECKING, Any

from relscales.errors import DataError, Issue, Location
from relscales.io.readsource import ReadSource, python_column

if TYPE_CHECKING:
    from relscales.io.formats import Probe

__all__ = ["read_json"]

WRAPPERS = ("responses", "data", "records", "results")
"""Keys of an object that can hold the list of records."""


def _error(
    probe: Probe, message: str, row: int | None = None, hint: str | None = None
) -> DataError:
    return DataError(
        Issue(
            "data-unreadable",
            message,
            Location(file=probe.name, row=row),
            hint=hint
            or 'write a list of records ([{"id": "p1", "q1": 3}, ...]), an object '
            '{"responses": [...]}, or one record per line (JSON Lines)',
        )
    )


def _decode(raw: bytes) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def _records(probe: Probe, text: str) -> tuple[list[Any], str]:
    """Return the records and how they were found."""
    lines_format = probe.suffix in (".jsonl", ".ndjson")
    if not lines_format:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data":
                raise _error(
                    probe,
                    f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                    hint="fix the file there (a missing comma or quote is typical)",
                ) from None
            lines_format = True
        else:
            if isinstance(document, list):
                return document, "a list of records"
            if isinstance(document, dict):
                for key in WRAPPERS:
                    if isinstance(document.get(key), list):
                        return document[key], f'the list under "{key}"'
                lists = [k for k, v in document.items() if isinstance(v, list)]
                if len(lists) == 1:
                    return document[lists[0]], f'the list under "{lists[0]}"'
            raise _error(probe, "the JSON holds no list of records")
    records: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise _error(
                probe,
                f"line {number} is not a JSON record: {exc.msg} (column {exc.colno})",
                row=len(records) + 1,
                hint="write one JSON object per line",
            ) from None
    return records, "JSON Lines"


def read_json(probe: Probe) -> ReadSource:
    """Read JSON records into a table, one row per record."""
    import pyarrow as pa

    try:
        text = _decode(probe.path.read_bytes())
    except UnicodeDecodeError as exc:
        raise _error(probe, f"the file is not UTF-8 text: {exc.reason}") from None
    records, how = _records(probe, text)
    names: dict[str, None] = {}
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise _error(
                probe,
                f"record {number} is {type(record).__name__} {json.dumps(record)[:40]}, "
                "not an object of column: value pairs",
                row=number,
            )
        names.update(dict.fromkeys(str(k) for k in record))
    header = list(names)
    columns = [python_column([record.get(name) for record in records]) for name in header]
    table = pa.Table.from_arrays(columns, names=header)
    return ReadSource(
        probe.name,
        tuple(header),
        probe.path.stat().st_size,
        probe.path,
        table=table,
        format="json",
        notes=[f"read {probe.name} as JSON: {len(records)} records ({how})"],
        details={"records_from": how},
    )

"""JSON data from apps: a list of records, ``{"responses": [...]}``, or JSON Lines.

FHIR QuestionnaireResponse resources (a Bundle, a list or NDJSON) are read too: one row per
response, one column per item ``linkId`` (:mod:`relscales.io.fhirresponses`).

Each record is an object mapping column names to values; one record is one
respondent. Columns are the keys in the order they first appear; a key missing from
a record is an empty cell. Numbers stay numbers, text stays text (ids such as
``"007"`` keep their spelling), ``null`` is empty, and nested values are kept as
JSON text. The file is UTF-8 (a byte order mark is allowed; UTF-16 with one too).

A record with the same key twice (``{"q1": 3, "q1": 5}``) is an error
(``json-duplicate-key``), naming the record and the key: JSON readers differ in which
value they keep (Python's the last), so which answer is meant cannot be known. A key
twice in the object that holds the list of records is one too.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import TYPE_CHECKING, Any

from relscales.errors import DataError, Issue, Location
from relscales.io.fhirresponses import flatten, looks_like_fhir
from relscales.io.readsource import ReadSource, python_column

if TYPE_CHECKING:
    from relscales.io.formats import Probe

__all__ = ["read_json"]

_LINE_BREAK = re.compile(r"\r\n?|\n")

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


class _Repeated(dict[str, Any]):
    """A JSON object with a key twice: the last value of each key, and the repeated keys."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        seen: dict[str, list[Any]] = {}
        for key, value in pairs:
            seen.setdefault(key, []).append(value)
        self.repeated = {key: values for key, values in seen.items() if len(values) > 1}


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, keeping track of keys it has twice (``object_pairs_hook``)."""
    found = dict(pairs)
    return found if len(found) == len(pairs) else _Repeated(pairs)


def _loads(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_object)


def _duplicate_key(probe: Probe, record: _Repeated, number: int | None) -> DataError:
    """Return the error for a record (or, ``number`` None, the object around the records)."""
    key, values = next(iter(record.repeated.items()))
    shown = ", ".join(json.dumps(v, ensure_ascii=False)[:40] for v in values[:4])
    more = len(record.repeated) - 1
    others = f" (and {more} more key{'s' * (more != 1)})" if more else ""
    where = f"record {number}" if number is not None else "the object holding the records"
    return DataError(
        Issue(
            "json-duplicate-key",
            f"{where} has the key {json.dumps(key, ensure_ascii=False)} "
            f"{len(values)} times{others}, with the values {shown}: which one is meant "
            "cannot be known",
            Location(file=probe.name, row=number, data_column=key),
            hint="fix the program that wrote the file so that each key occurs once per "
            "record; until then, remove the extra keys",
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
            document = _loads(text)
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
                        return _unrepeated(probe, document, key), f'the list under "{key}"'
                lists = [k for k, v in document.items() if isinstance(v, list)]
                if len(lists) == 1:
                    found = _unrepeated(probe, document, lists[0])
                    return found, f'the list under "{lists[0]}"'
            raise _error(probe, "the JSON holds no list of records")
    records: list[Any] = []
    # lines end at \n (or \r\n, \r): not at the other breaks str.splitlines knows, such as
    # U+2028, which JSON allows unescaped inside a string
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if not line.strip():
            continue
        try:
            records.append(_loads(line))
        except json.JSONDecodeError as exc:
            raise _error(
                probe,
                f"line {number} is not a JSON record: {exc.msg} (column {exc.colno})",
                row=len(records) + 1,
                hint="write one JSON object per line",
            ) from None
    return records, "JSON Lines"


def _unrepeated(probe: Probe, document: dict[str, Any], key: str) -> list[Any]:
    """Return the list under ``key``, unless the object has that key twice (an error)."""
    if isinstance(document, _Repeated) and key in document.repeated:
        raise _duplicate_key(probe, document, None)
    found: list[Any] = document[key]
    return found


def read_json(probe: Probe) -> ReadSource:
    """Read JSON records into a table, one row per record."""
    import pyarrow as pa

    try:
        text = _decode(probe.path.read_bytes())
    except UnicodeDecodeError as exc:
        raise _error(probe, f"the file is not UTF-8 text: {exc.reason}") from None
    records, how = _records(probe, text)
    fmt = "json"
    if looks_like_fhir(records):  # FHIR QuestionnaireResponse resources
        records, how = flatten(records, probe.name)
        fmt = "fhir"
    names: dict[str, None] = {}
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise _error(
                probe,
                f"record {number} is {type(record).__name__} {json.dumps(record)[:40]}, "
                "not an object of column: value pairs",
                row=number,
            )
        if isinstance(record, _Repeated):
            raise _duplicate_key(probe, record, number)
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
        format=fmt,
        notes=[f"read {probe.name} as JSON: {len(records)} records ({how})"],
        details={"records_from": how},
    )

"""Long data: one row per respondent and item, turned into one row per respondent.

A long file has a respondent column (named ``respondent``, ``participant``, ``id``,
``subject``, ...), an item column (``item``, ``question``, ``variable``) and a value
column (``value``, ``response``, ``answer``), in any file format. Respondents keep the
order in which they first appear and items become columns in the order they first
appear. Other columns (a group, a date) are per respondent: their value on the
respondent's first row is kept. A respondent who answered the same item twice is an
error that names both rows (relscales cannot know which answer counts), and so is a
row without a respondent or an item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.errors import DataError, Issue, Location
from relscales.io.readsource import ReadSource
from relscales.io.tabular import Source

__all__ = ["long_columns", "to_wide"]

RESPONDENT = (
    "respondent",
    "respondent_id",
    "participant",
    "participant_id",
    "subject",
    "subject_id",
    "person",
    "person_id",
    "pid",
    "id",
    "record_id",
    "responseid",
)
ITEM = ("item", "item_id", "question", "question_id", "variable")
VALUE = ("value", "response", "answer")
SHOWN = 5


def long_columns(header: Sequence[str]) -> tuple[str, str, str] | None:
    """Return the respondent, item and value columns of a long header, or ``None``.

    >>> long_columns(["participant", "item", "value", "date"])
    ('participant', 'item', 'value')
    >>> long_columns(["id", "rses01", "rses02"]) is None
    True
    """
    lowered = {name.casefold(): name for name in reversed(header)}
    found = []
    for names in (RESPONDENT, ITEM, VALUE):
        match = next((lowered[n] for n in names if n in lowered), None)
        if match is None:
            return None
        found.append(match)
    respondent, item, value = found
    return respondent, item, value


def _table(source: Source) -> Any:
    import pyarrow as pa

    if source.table is not None:
        return source.table
    names = list(source.header)
    parts = [
        pa.Table.from_arrays([batch.columns[n] for n in names], names=names)
        for batch in source.batches(names)
    ]
    if not parts:
        from relscales._arrow import string_array

        return pa.Table.from_arrays([string_array([]) for _ in names], names=names)
    return pa.concat_tables(parts)


def _text(column: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return column if pa.types.is_string(column.type) else pc.cast(column, pa.string())


def _indices(positions: NDArray[np.int64]) -> Any:
    """Return row positions as an int64 Arrow array, null where there is none (-1)."""
    import pyarrow as pa

    present = positions >= 0
    nulls = int(positions.size - np.count_nonzero(present))
    validity = pa.py_buffer(np.packbits(present, bitorder="little")) if nulls else None
    data = np.ascontiguousarray(np.where(present, positions, 0), dtype=np.int64)
    return pa.Array.from_buffers(
        pa.int64(), positions.size, [validity, pa.py_buffer(data)], null_count=nulls
    )


def to_wide(source: Source, *, forced: bool = False) -> ReadSource:
    """Pivot long data to one row per respondent (see the module docstring).

    Raises
    ------
    DataError
        ``invalid-option`` when ``forced`` but the columns cannot be told apart,
        ``data-unreadable`` for a row without respondent or item, ``duplicate-answer``
        for a respondent who answered an item twice.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from relscales._arrow import to_numpy_filled

    header = list(source.header)
    roles = long_columns(header)
    if roles is None and forced and len(header) == 3:
        roles = (header[0], header[1], header[2])
    if roles is None:
        raise DataError(
            Issue(
                "invalid-option",
                "--long: cannot tell which columns hold the respondent, the item and the "
                f"value (columns: {', '.join(header[:8])})",
                Location(file=source.name),
                hint="name them respondent (or participant, id), item and value",
            )
        )
    who, what, value_name = roles
    table = _table(source)
    n = table.num_rows
    respondents = _text(table.column(who))
    items = _text(table.column(what))
    blank = np.zeros(n, dtype=bool)
    for column in (respondents, items):
        trimmed = pc.fill_null(pc.utf8_trim_whitespace(column), "")
        empty = pc.cast(pc.equal(trimmed, ""), pa.int8())
        blank |= to_numpy_filled(empty, 1).astype(bool)
    if blank.any():
        row = int(np.flatnonzero(blank)[0]) + 1
        raise DataError(
            Issue(
                "data-unreadable",
                f"long data row {row} has no {who} or no {what}, so its value has no place",
                Location(file=source.name, row=row),
                hint="fill in the respondent and item of every row, or remove the row",
            )
        )
    r_encoded = respondents.dictionary_encode()
    i_encoded = items.dictionary_encode()
    r = to_numpy_filled(r_encoded.indices, 0).astype(np.int64)
    i = to_numpy_filled(i_encoded.indices, 0).astype(np.int64)
    n_resp, n_items = len(r_encoded.dictionary), len(i_encoded.dictionary)
    key = r * n_items + i
    _check_duplicates(source, key, respondents, items, (who, what))
    positions = np.full(n_resp * n_items, -1, dtype=np.int64)
    positions[key] = np.arange(n, dtype=np.int64)
    grid = positions.reshape(n_resp, n_items)
    first = np.full(n_resp, n, dtype=np.int64)
    np.minimum.at(first, r, np.arange(n, dtype=np.int64))
    values = table.column(value_name)
    extras = [name for name in table.schema.names if name not in roles]

    columns = [r_encoded.dictionary]
    columns += [table.column(name).take(_indices(first)) for name in extras]
    columns += [values.take(_indices(grid[:, j])) for j in range(n_items)]
    item_names = [str(x) for x in i_encoded.dictionary.to_pylist()]
    names = [who, *extras, *item_names]
    wide = pa.Table.from_arrays(
        [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in columns],
        names=names,
    )
    base = source if isinstance(source, ReadSource) else None
    note = (
        f"long data ({n} rows, one per {who} and {what}) made into one row per {who}: "
        f"{n_resp} rows, {n_items} item columns"
    )
    return ReadSource(
        source.name,
        tuple(names),
        source.size,
        source.path,
        table=wide,
        format=base.format if base else "csv",
        id_hint=who,
        notes=[*(base.notes if base else []), note],
        value_labels=base.value_labels if base else {},
        details={
            **(base.details if base else {}),
            "long": {"respondent": who, "item": what, "value": value_name, "rows": n},
        },
    )


def _check_duplicates(
    source: Source, key: NDArray[np.int64], respondents: Any, items: Any, names: tuple[str, str]
) -> None:
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    repeat = np.flatnonzero(ordered[1:] == ordered[:-1])
    if repeat.size == 0:
        return
    pairs: dict[int, list[int]] = {}
    for k in repeat.tolist():
        rows = pairs.setdefault(int(ordered[k]), [int(order[k]) + 1])
        rows.append(int(order[k + 1]) + 1)
    shown = []
    for rows in sorted(pairs.values())[:SHOWN]:
        who = respondents[rows[0] - 1].as_py()
        what = items[rows[0] - 1].as_py()
        shown.append(f"{names[0]} '{who}' answered '{what}' on rows {', '.join(map(str, rows))}")
    more = f"; and {len(pairs) - SHOWN} more" if len(pairs) > SHOWN else ""
    first_row = min(rows[0] for rows in pairs.values())
    twice = f"{len(pairs)} answer{'s' * (len(pairs) != 1)} given twice: "
    raise DataError(
        Issue(
            "duplicate-answer",
            twice + "; ".join(shown) + more,
            Location(file=source.name, row=first_row),
            hint="keep one row per respondent and item; relscales cannot know which answer counts",
        )
    )

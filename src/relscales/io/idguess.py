"""Respondent ids that were not found: the columns (or DataFrame index) that look like them.

When no id column is named (``--id-column``, ``id_column=``) and none has one of the
usual names, respondents are numbered by row. That is right for data without ids, and a
silent loss for data whose ids sit in a column named otherwise (``pid``, ``subject``,
``Teilnehmer``) or in a pandas DataFrame's index. :func:`id_warnings` names what looks
like ids, so the loss is never silent:

- a column that is not an item and whose name reads as an id (``pid``, ``subject_id``,
  ``participant``, ``case_no``, ``token``, ...);
- a column before the first item column whose values look like ids: every one present
  and different from the others, short, without spaces, and neither decimals nor dates
  (ids come before the answers; a column after them with a different value on every row
  is more likely a duration or a score);
- a DataFrame index other than the default ``0, 1, 2, ...``, which
  :func:`relscales.io.sources.open_source` does not read.

The values of a delimited file are looked at in its first rows only (as sniffed); those
of an in-memory table, in all its rows (with Arrow, no loop over rows in Python).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from relscales.errors import Issue, Location

if TYPE_CHECKING:
    from relscales.io.tabular import Source

__all__ = ["id_like_name", "id_like_values", "id_warnings"]

SAMPLE_ROWS = 200
"""Rows of an in-memory table whose values are looked at one by one."""

SHOWN = 3
"""Candidate columns named in the warning."""

LONGEST_ID = 64
"""Characters of the longest value that still looks like an id."""

_ID_WORDS = frozenset({"id", "pid", "sid", "uid", "rid", "ppid", "uuid", "guid", "caseid"})
_WHO_WORDS = frozenset(
    {
        "subject",
        "subj",
        "participant",
        "respondent",
        "person",
        "case",
        "record",
        "user",
        "patient",
        "client",
        "student",
        "token",
        "dyad",
        "couple",
        "vp",
        "teilnehmer",
        "proband",
    }
)
_NUMBER_WORDS = frozenset({"no", "nr", "num", "number", "code", "key", "name"})
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_NOT_AN_ID = re.compile(
    r"^[+-]?[0-9]*\.[0-9]+$"  # a decimal (a duration, a mean): ids are not decimals
    r"|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"  # an ISO date or time stamp
    r"|^[0-9]{1,2}[./][0-9]{1,2}[./][0-9]{2,4}"  # a date as spreadsheets write it
)


def id_like_name(name: str) -> bool:
    """Tell whether a column name reads as a respondent id.

    >>> [id_like_name(n) for n in ["pid", "Subject", "participantID", "case_no", "token"]]
    [True, True, True, True, True]
    >>> [id_like_name(n) for n in ["valid", "paid", "subject_age", "q1", "comment"]]
    [False, False, False, False, False]
    """
    words = [w.casefold() for w in _WORDS.findall(name)]
    if not words:
        return False
    if any(w in _ID_WORDS for w in words):
        return True
    return words[0] in _WHO_WORDS and (len(words) == 1 or words[-1] in _NUMBER_WORDS)


def id_like_values(values: Sequence[str | None]) -> bool:
    """Tell whether a column's values look like respondent ids (two values at least).

    Every value present and different from the others, at most 64 characters, without
    spaces, and not a decimal or a date.

    >>> id_like_values(["p01", "p02", "p03"]), id_like_values(["1", "2", "3"])
    (True, True)
    >>> id_like_values(["p01", "p01"]), id_like_values(["p01", ""]), id_like_values(["a b", "c"])
    (False, False, False)
    >>> id_like_values(["12.5", "13.1"]), id_like_values(["2024-01-02", "2024-01-03"])
    (False, False)
    """
    if len(values) < 2:
        return False
    seen: set[str] = set()
    for value in values:
        text = (value or "").strip()
        if (
            not text
            or text in seen
            or len(text) > LONGEST_ID
            or any(c.isspace() for c in text)
            or _NOT_AN_ID.match(text)
        ):
            return False
        seen.add(text)
    return True


def _table_id_like(table: Any, name: str) -> bool:
    """Whether a column of an in-memory table looks like ids (values checked, then all distinct)."""
    import pyarrow as pa

    from relscales._arrow import call, cast

    column = table.column(name)
    kind = column.type
    if not (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind)
    ):
        return False  # ids are text or whole numbers (not decimals, dates, booleans, lists)
    if column.null_count or len(column) < 2:
        return False
    head = column.slice(0, SAMPLE_ROWS)
    if not pa.types.is_integer(kind):
        texts = head.to_pylist()
    else:
        texts = cast(head.combine_chunks(), pa.string()).to_pylist()
    if not id_like_values(texts):
        return False
    distinct = call("count_distinct", column.combine_chunks()).as_py()
    return bool(distinct == len(column))


def _candidates(source: Source, items: Collection[str]) -> tuple[list[str], list[str]]:
    """Return the columns named like ids, and those before the items whose values look so.

    Ids come before the answers in every export; a column after them with a different
    value on every row is more likely a duration or a score than an id.
    """
    header = list(dict.fromkeys(source.header))
    first_item = next((k for k, name in enumerate(header) if name in items), len(header))
    others = [name for name in header if name and name not in items]
    named = [name for name in others if id_like_name(name)]
    before = [name for name in header[:first_item] if name and name not in named]
    if source.table is not None:
        names = set(source.table.schema.names)
        valued = [n for n in before if n in names and _table_id_like(source.table, n)]
    elif source.dialect is not None:
        valued = [name for name in before if name in source.dialect.id_like]
    else:  # pragma: no cover - a source is a table or a delimited file
        valued = []
    return named, valued


def id_warnings(source: Source, compiled: Sequence[Any]) -> list[Issue]:
    """Warn when respondents are numbered by row while the data seem to hold ids.

    Nothing when an id column is in use (``source.key_column``), or when nothing looks
    like ids. ``compiled``: the instruments scored (their item columns are not ids).
    """
    if source.key_column is not None:
        return []
    items = {column for comp in compiled for column in comp.columns}
    numbered = "so respondents are numbered by row (1, 2, 3, ...)"
    index = source.dataframe_index
    if index is not None:
        what = f"an index named '{index}'" if index else "an index"
        name = index or "id"
        reset = "df.reset_index()" if index else 'df.reset_index(names="id")'
        return [
            Issue(
                "no-id-column",
                f"the DataFrame has {what} other than 0, 1, 2, ..., which is not read, and no "
                f"id column was found, {numbered}: the scores do not carry the index",
                Location(file=source.name),
                "warning",
                hint=f"pass {reset} and id_column='{name}' (or df.reset_index(drop=True) "
                "if the index means nothing)",
            )
        ]
    named, valued = _candidates(source, items)
    found = [*named, *valued]
    if not found:
        return []
    listed = ", ".join(f"'{name}'" for name in found[:SHOWN])
    listed += f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    why = []
    if named:
        why.append("named like ids" if len(named) > 1 else "named like an id")
    if valued:
        dialect = source.dialect
        rows = ""
        if source.table is None and dialect is not None and not dialect.sampled_all:
            rows = f" in the first {dialect.sampled_rows} rows"
        why.append(f"with a different value on every row{rows}")
    first = found[0]
    how = f"id_column='{first}'"
    if source.path is not None:
        how = f"--id-column {first} ({how} in Python)"
    return [
        Issue(
            "no-id-column",
            f"no respondent id column was found, {numbered}; "
            f"{'these columns look' if len(found) > 1 else 'this column looks'} like ids "
            f"({' or '.join(why)}): {listed}",
            Location(file=source.name, data_column=first),
            "warning",
            hint=f"name the id column with {how}; without ids, scores can be matched to "
            "the data only by row",
        )
    ]

"""Sources read from study exports, and what their readers learned about them.

A :class:`ReadSource` is a :class:`~relscales.io.tabular.Source` that also carries
what its reader found out besides the cells: the format, the respondent id and
duration columns the export defines, notes on how the file was read, flags on
single rows (unfinished or preview responses) and the value labels stored in the
file. :class:`ExportSource` adds what survey exports need: rows to skip under the
header, missing-data codes read as missing (and counted), and an id column built
from several columns.

The engine asks through the module functions (:func:`source_hints`,
:func:`input_notes`, :func:`input_metadata`, :func:`input_warnings`,
:func:`mark_rows`), which give neutral answers for a plain CSV or in-memory source.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.errors import DataError, ErrorCode, Issue, Location
from relscales.io.tabular import BATCH_BYTES, BATCH_ROWS, WHOLE_FILE_BYTES, Batch, Source

__all__ = [
    "ExportSource",
    "ReadSource",
    "RowMarks",
    "RowRule",
    "input_metadata",
    "input_notes",
    "input_warnings",
    "mark_rows",
    "python_column",
    "source_hints",
]

SHOWN_ROWS = 10
"""Rows named one by one in a warning about flagged responses."""


@dataclass
class ReadSource(Source):
    """A source read by one of the readers of :mod:`relscales.io.formats`.

    Attributes
    ----------
    format
        The reader's registry key (``qualtrics``, ``redcap``, ``spss``, ...).
    id_hint
        The respondent id column the export defines, used when ``--id-column`` is not
        given.
    duration_hint
        A column of completion times in seconds, used when ``--duration-column`` is
        not given.
    notes
        How the file was read, one sentence each (printed on stderr, kept in the
        sidecar).
    value_labels
        Column -> code -> label stored in the file (SPSS value labels).
    column_text
        Column -> question text, when the export has it (Qualtrics' second header row).
    details
        Facts for the metadata sidecar (header rows skipped, sheet read, ...).
    """

    format: str = "csv"
    id_hint: str | None = None
    duration_hint: str | None = None
    notes: list[str] = field(default_factory=list)
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    column_text: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def all_notes(self) -> list[str]:
        """Return the notes known now (counts of cells are complete after a full read)."""
        return list(self.notes)

    def row_flags(self) -> dict[int, list[str]]:
        """0-based row -> flags such as ``unfinished`` (for the quality column)."""
        return {}

    def issues(self) -> list[Issue]:
        """Warnings about the file as a whole (unfinished or preview responses)."""
        return []


@dataclass(frozen=True)
class RowRule:
    """Flag rows by the value of one column (Qualtrics ``Finished`` or ``Status``).

    ``values`` maps a cell (compared trimmed and case-folded) to the flag it raises.
    """

    column: str
    values: Mapping[str, str]
    code: ErrorCode
    hint: str


@dataclass
class ExportSource(ReadSource):
    """A survey export: rows to skip under the header, missing-data codes, built ids.

    Read from a delimited file (only the needed columns, every cell as text, with
    pyarrow's multi-threaded CSV reader) or from an in-memory table.

    Attributes
    ----------
    skip_rows
        Rows under the column names that are not data (Qualtrics' question text and
        import ids).
    missing_codes, missing_numbers
        Cells holding one of these texts (trimmed) or numbers are read as missing and
        counted per column, except in ``protected`` columns.
    missing_name
        How the notes name those cells (``-99 (seen but unanswered)``).
    derived
        Column -> the columns joined with ``|`` to build it (a REDCap record, event
        and repeat instance).
    rules
        Row flags from column values.
    """

    skip_rows: int = 0
    missing_codes: frozenset[str] = frozenset()
    missing_numbers: frozenset[float] = frozenset()
    missing_name: str = ""
    protected: frozenset[str] = frozenset()
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rules: tuple[RowRule, ...] = ()
    missing_counts: dict[str, int] = field(default_factory=dict, repr=False)
    _flags: dict[int, list[str]] | None = field(default=None, init=False, repr=False)
    _issues: list[Issue] | None = field(default=None, init=False, repr=False)

    def batches(
        self,
        columns: Sequence[str],
        *,
        batch_bytes: int = BATCH_BYTES,
        batch_rows: int = BATCH_ROWS,
        prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        numeric: Sequence[str] = (),
        integer: Collection[str] = (),
        whole_file_bytes: int = WHOLE_FILE_BYTES,
    ) -> Iterator[Batch]:
        """Yield batches of ``columns``: missing codes read as missing, built ids joined.

        ``batch_bytes``, ``numeric``, ``integer`` and ``whole_file_bytes`` are accepted
        for the :class:`Source` interface; every cell is read as text.
        """
        wanted = list(columns) if columns else list(self.header)
        parts: list[str] = []
        for name in wanted:
            for part in self.derived.get(name, (name,)):
                if part not in parts:
                    parts.append(part)
        table = self.table.select(parts) if self.table is not None else self._read(parts)
        counts: dict[str, int] = {}
        first = 0
        for record_batch in table.to_batches(max_chunksize=batch_rows):
            n = record_batch.num_rows
            if n == 0:
                continue
            cells = {name: record_batch.column(i) for i, name in enumerate(parts)}
            out = self._transform(cells, wanted, counts)
            yield Batch(prepare(out) if prepare else out, n, first)
            first += n
        for name in wanted:
            if name in self.derived or name in self.protected or not self._has_codes():
                continue
            self.missing_counts[name] = counts.get(name, 0)

    def _has_codes(self) -> bool:
        return bool(self.missing_codes or self.missing_numbers)

    def _read(self, columns: list[str]) -> Any:
        """Read ``columns`` of the delimited file as text, skipping the extra header rows."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        assert self.path is not None
        assert self.dialect is not None
        read = pacsv.ReadOptions(
            use_threads=True,
            encoding=self.dialect.encoding,
            skip_rows_after_names=self.skip_rows,
        )
        from relscales.io.delimited import blank_line

        delimiter = self.dialect.delimiter
        parse = pacsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            # a line of whitespace is a blank line, as in any delimited file; other rows
            # with the wrong number of fields stop the reading (an edited export)
            invalid_row_handler=lambda row: "skip" if blank_line(row.text, delimiter) else "error",
        )
        convert = pacsv.ConvertOptions(
            include_columns=columns,
            column_types=dict.fromkeys(columns, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        try:
            return pacsv.read_csv(
                str(self.path), read_options=read, parse_options=parse, convert_options=convert
            )
        except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
            message = str(exc).strip().splitlines()[0].removeprefix("CSV parse error: ")
            raise DataError(
                Issue(
                    "data-unreadable",
                    f"cannot parse this {self.format} export: {message}",
                    Location(file=self.name),
                    hint="check that every row has as many fields as the header and that "
                    "quotes are closed; export the data again if it was edited by hand",
                )
            ) from None

    def _transform(
        self, cells: dict[str, Any], wanted: list[str], counts: dict[str, int]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in wanted:
            if name in self.derived:
                out[name] = _join([cells[part] for part in self.derived[name]])
                continue
            column = cells[name]
            if self._has_codes() and name not in self.protected:
                column, n = _null_codes(column, self.missing_codes, self.missing_numbers)
                if n:
                    counts[name] = counts.get(name, 0) + n
            out[name] = column
        return out

    def all_notes(self) -> list[str]:
        """Return the static notes, then how many cells held a missing-data code."""
        notes = list(self.notes)
        counted = {k: v for k, v in self.missing_counts.items() if v}
        if counted:
            total = sum(counted.values())
            shown = ", ".join(f"{k} {v}" for k, v in list(counted.items())[:8])
            more = f" and {len(counted) - 8} more columns" if len(counted) > 8 else ""
            notes.append(
                f"{total} cell{'s' * (total != 1)} held {self.missing_name} and "
                f"{'were' if total != 1 else 'was'} read as missing ({shown}{more})"
            )
        return notes

    def row_flags(self) -> dict[int, list[str]]:
        """Rows flagged by :attr:`rules` (read once, on first use)."""
        if self._flags is None:
            self._flags, self._issues = self._apply_rules()
        return self._flags

    def issues(self) -> list[Issue]:
        """One warning per rule that flagged rows, naming the rows and their ids."""
        if self._issues is None:
            self._flags, self._issues = self._apply_rules()
        return list(self._issues)

    def _apply_rules(self) -> tuple[dict[int, list[str]], list[Issue]]:
        flags: dict[int, list[str]] = {}
        issues: list[Issue] = []
        rules = [r for r in self.rules if r.column in self.header]
        if not rules:
            return flags, issues
        columns = [r.column for r in rules]
        if self.id_hint is not None and self.id_hint not in columns:
            columns.append(self.id_hint)
        values: dict[str, list[Any]] = {name: [] for name in columns}
        for batch in self.batches(columns):
            for name in columns:
                values[name] += batch.columns[name].to_pylist()
        ids = values.get(self.id_hint or "", [])
        for rule in rules:
            hits: dict[str, list[int]] = {}
            cells: dict[str, list[str]] = {}
            for row, cell in enumerate(values[rule.column]):
                flag = rule.values.get(str(cell).strip().casefold()) if cell is not None else None
                if flag is not None:
                    flags.setdefault(row, []).append(flag)
                    hits.setdefault(flag, []).append(row)
                    seen = cells.setdefault(flag, [])
                    if str(cell).strip() not in seen:
                        seen.append(str(cell).strip())
            for flag, rows in hits.items():
                n = len(rows)
                s = "s" * (n != 1)
                shown = ", ".join(str(r + 1) for r in rows[:SHOWN_ROWS])
                more = f" and {n - SHOWN_ROWS} more" if n > SHOWN_ROWS else ""
                id_text = ""
                if ids:
                    id_text = f" (id{s} " + ", ".join(str(ids[r]) for r in rows[:SHOWN_ROWS]) + ")"
                value = " or ".join(cells[flag])
                issues.append(
                    Issue(
                        rule.code,
                        f"{n} response{s} marked '{flag}' ({rule.column} = {value}): row{s} "
                        f"{shown}{more}{id_text}; scored from the answers given",
                        Location(file=self.name, row=rows[0] + 1, data_column=rule.column),
                        "warning",
                        hint=rule.hint,
                    )
                )
        return flags, issues


def _join(parts: list[Any]) -> Any:
    """Join text columns cell by cell with ``|`` (empty cells stay empty between bars)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = []
    for part in parts:
        if isinstance(part, pa.ChunkedArray):
            part = part.combine_chunks()
        if not pa.types.is_string(part.type):
            part = pc.cast(part, pa.string())
        texts.append(pc.fill_null(part, ""))
    return pc.binary_join_element_wise(*texts, "|")


def _null_codes(column: Any, codes: frozenset[str], numbers: frozenset[float]) -> tuple[Any, int]:
    """Return ``column`` with missing-data codes made null, and how many there were."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from relscales._arrow import float_array, string_array

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if not codes:
            return column, 0
        mask = pc.is_in(pc.utf8_trim_whitespace(column), value_set=string_array(sorted(codes)))
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
        if not numbers:
            return column, 0
        values = float_array(np.array(sorted(numbers), dtype=np.float64))
        mask = pc.is_in(pc.cast(column, pa.float64()), value_set=values)
    else:
        return column, 0
    n = int(pc.sum(mask).as_py() or 0)
    if n == 0:
        return column, 0
    return pc.if_else(mask, pa.nulls(len(column), kind), column), n


# -- building columns from Python values (Excel, JSON, SPSS) ------------------------------


def render(value: Any) -> str:
    """Write one cell as text: whole numbers without ``.0``, dates in ISO 8601.

    >>> [render(v) for v in [3, 2.0, 2.5, True, datetime.datetime(2024, 3, 1), {"a": 1}]]
    ['3', '2', '2.5', 'true', '2024-03-01', '{"a": 1}']
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def python_column(values: Sequence[Any]) -> Any:
    """Build an Arrow column from Python cells (``None`` = empty), without pandas.

    Whole numbers become int64, other numbers float64, and anything else text (see
    :func:`render`), so ids keep their exact spelling and dates are not reinterpreted.

    >>> python_column([1, None, 3.0]).type, python_column([1, 2.5]).type
    (DataType(int64), DataType(double))
    >>> python_column(["007", 7]).to_pylist()
    ['007', '7']
    """
    import pyarrow as pa

    from relscales._arrow import float_array, string_array

    present = np.fromiter((v is not None for v in values), dtype=np.bool_, count=len(values))
    cells = [v for v in values if v is not None]
    if cells and all(_is_number(v) for v in cells):
        numbers = np.array([float(v) if v is not None else math.nan for v in values])
        finite = numbers[present]
        whole = bool(
            np.all(np.isfinite(finite))
            and np.all(finite == np.rint(finite))
            and np.all(np.abs(finite) < 2**53)
            and all(isinstance(v, int) or float(v).is_integer() for v in cells)
        )
        if whole:
            data = np.where(present, numbers, 0).astype(np.int64)
            nulls = int(len(values) - present.sum())
            validity = pa.py_buffer(np.packbits(present, bitorder="little")) if nulls else None
            return pa.Array.from_buffers(
                pa.int64(), len(values), [validity, pa.py_buffer(data)], null_count=nulls
            )
        return float_array(numbers)
    return string_array([None if v is None else render(v) for v in values])


# -- what the engine asks -----------------------------------------------------------------


def source_hints(source: Source) -> tuple[str | None, str | None]:
    """Return the id and duration columns a source's format defines (or ``None``)."""
    if isinstance(source, ReadSource):
        return source.id_hint, source.duration_hint
    return None, None


def input_notes(source: Source) -> list[str]:
    """How the data were read, one sentence each (empty for a plain CSV)."""
    return source.all_notes() if isinstance(source, ReadSource) else []


def input_metadata(source: Source) -> dict[str, Any]:
    """Format, suggested columns, details and notes, for the metadata sidecar."""
    if not isinstance(source, ReadSource):
        return {"format": "csv" if source.path is not None else "in-memory"}
    out: dict[str, Any] = {"format": source.format, **source.details}
    if source.id_hint is not None:
        out["id_column"] = source.id_hint
    if source.duration_hint is not None:
        out["duration_column"] = source.duration_hint
    if isinstance(source, ExportSource) and source._has_codes():
        out["missing_codes_read"] = dict(source.missing_counts)
    out["notes"] = source.all_notes()
    return out


def input_warnings(source: Source, compiled: Sequence[Any]) -> list[Issue]:
    """Warnings about the data as read: ids not found, flagged responses, labels that disagree.

    ``compiled``: the instruments scored, their item columns as in the data; the source's
    ``key_column`` is the id column in use (``None``: respondents numbered by row).
    """
    from relscales.io.idguess import id_warnings

    found = id_warnings(source, compiled)
    if not isinstance(source, ReadSource):
        return found
    return [*found, *source.issues(), *_label_warnings(source, compiled)]


class RowMarks:
    """A source's row flags (unfinished, preview), added to quality labels batch by batch.

    ``ok`` becomes the flag (``unfinished``); another label gets it appended after ``; ``.
    A plain CSV or in-memory source has no flags.
    """

    def __init__(self, source: Source) -> None:
        flags = source.row_flags() if isinstance(source, ReadSource) else {}
        self.rows = np.array(sorted(flags), dtype=np.int64)
        self.texts = np.empty(self.rows.size, dtype=object)
        self.texts[:] = ["; ".join(flags[row]) for row in self.rows.tolist()]

    def apply(self, labels: NDArray[Any], first: int = 0) -> NDArray[Any]:
        """Return the labels of the batch whose first row is ``first`` (0-based), marked."""
        lo, hi = np.searchsorted(self.rows, [first, first + labels.shape[0]])
        if lo == hi:
            return labels
        out = labels.copy()
        at = self.rows[lo:hi] - first
        current = out[at]
        out[at] = np.where(current == "ok", self.texts[lo:hi], current + "; " + self.texts[lo:hi])
        return out


def mark_rows(labels: NDArray[Any], source: Source) -> NDArray[Any]:
    """Add a source's row flags to the quality labels of all its rows (:class:`RowMarks`)."""
    return RowMarks(source).apply(labels)


def _label_warnings(source: ReadSource, compiled: Sequence[Any]) -> list[Issue]:
    """Value labels stored in the file that give a scale label another code.

    The codes in the file are what is scored; a label attached to a different code
    than the instrument's is the signature of data coded differently (reversed, or
    1-4 instead of 0-3).
    """
    if not source.value_labels:
        return []
    from relscales.labels import normalize_label

    issues: list[Issue] = []
    for comp in compiled:
        columns: list[str] = []
        example = ""
        for j, column in enumerate(comp.columns):
            stored = source.value_labels.get(column)
            if not stored:
                continue
            scale = comp.scales[comp.item_scale[j]]
            for code, label in sorted(stored.items()):
                expected = scale.labels.get(normalize_label(str(label)))
                if expected is not None and float(expected) != float(code):
                    columns.append(column)
                    example = example or (
                        f"the file labels {_num(code)} '{label}' in '{column}', the "
                        f"instrument codes '{label}' as {_num(expected)}"
                    )
                    break
        if columns:
            shown = ", ".join(columns[:8]) + (
                f" and {len(columns) - 8} more" if len(columns) > 8 else ""
            )
            issues.append(
                Issue(
                    "value-labels-disagree",
                    f"the value labels in the file disagree with the response scale of "
                    f"'{comp.id}' in {len(columns)} column{'s' * (len(columns) != 1)} "
                    f"({shown}): {example}. The codes in the file are scored as they are",
                    Location(file=source.name, instrument=comp.id, data_column=columns[0]),
                    "warning",
                    hint="if the data are coded differently from the instrument, declare "
                    f"their coding in a file that `extends: {comp.id}` (docs/authoring.md)",
                )
            )
    return issues


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"

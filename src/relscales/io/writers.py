"""Writers for score tables, chosen by file suffix: CSV, JSON, JSON Lines, Parquet.

Each writer takes batches of columns (name -> numpy array) and streams them out,
so results of any size are written in bounded memory. Missing scores become
empty CSV cells and JSON ``null``. Files are written atomically by the caller.

With ``excel_safe``, CSV and TSV text cells (ids, labels, column names) that a
spreadsheet would run as a formula, those starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return, get a leading ``'`` (the OWASP advice on CSV injection).
Numbers are not text and stay as they are. It is off by default, so ids stay exact.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FORMATS",
    "TableWriter",
    "excel_safe_text",
    "format_for",
    "number_formatter",
    "number_text",
    "open_writer",
    "round_numbers",
    "rounded_numbers",
]

Columns = dict[str, NDArray[Any]]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""
_FORMULA_PATTERN = "^[=+\\-@\t\r]"


def excel_safe_text(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula.

    >>> [excel_safe_text(t) for t in ["=1+1", "-5", "@SUM(A1)", "plain", ""]]
    ["'=1+1", "'-5", "'@SUM(A1)", 'plain', '']
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def _excel_safe_table(table: Any) -> Any:
    """Escape every text column and the column names of a table (vectorised)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.match_substring_regex(column, _FORMULA_PATTERN)
            quoted = pc.utf8_replace_slice(column, start=0, stop=0, replacement="'")
            column = pc.if_else(risky, quoted, column)
        columns.append(column)
    names = [excel_safe_text(name) for name in table.schema.names]
    return pa.Table.from_arrays(columns, names=names)


class TableWriter(Protocol):
    """Streams batches of columns to one output."""

    def write(self, columns: Columns) -> None:
        """Write one batch."""

    def close(self) -> None:
        """Finish the output (footer, closing bracket)."""


def _is_boolean(values: NDArray[Any]) -> bool:
    present = [v for v in values.tolist() if v is not None]
    return bool(present) and all(isinstance(v, bool) for v in present)


def _arrow_table(columns: Columns) -> Any:
    import pyarrow as pa

    from relscales._arrow import bool_array, float_array, int_array, string_array

    arrays = []
    for values in columns.values():
        if not isinstance(values, np.ndarray):  # already a pyarrow array (ids)
            arrays.append(values)
        elif values.dtype == object and _is_boolean(values):
            arrays.append(bool_array(values.tolist()))
        elif values.dtype == object:
            arrays.append(string_array([None if v is None else str(v) for v in values.tolist()]))
        elif values.dtype.kind == "f":
            arrays.append(float_array(values))
        elif values.dtype.kind in "iu":
            arrays.append(int_array(values))
        else:
            arrays.append(pa.array(values))
    return pa.Table.from_arrays(arrays, names=list(columns))


class _CsvWriter:
    """CSV or TSV, with quotes only where needed (RFC 4180).

    A cell is quoted when it holds the delimiter, a quote or a line break, or is an
    empty text (so that it differs from a missing cell).

    Each batch is split into pieces formatted on every processor, with the GIL released
    (:func:`csv_lines`). Where the compiled module was built, a piece's lines are written in
    one pass: columns of distinct doubles formatted in place (about 40 ns a double), the
    other columns' cells copied. Otherwise each column is turned into text with Arrow's
    compute functions (about 100 ns a double) and the texts joined into lines. Either way a
    number column with few distinct values (means of a few items) formats each distinct
    value once, and the bytes are the same.
    """

    def __init__(self, stream: IO[bytes], delimiter: str = ",", excel_safe: bool = False) -> None:
        self.stream = stream
        self.delimiter = delimiter
        self.excel_safe = excel_safe
        self.schema: Any = None
        self._pool: Any = None

    def write(self, columns: Columns) -> None:
        table = _arrow_table(columns)
        if self.excel_safe:
            table = _excel_safe_table(table)
        if self.schema is None:
            self.schema = table.schema
            header = self.delimiter.join(
                _quoted(name, self.delimiter) for name in table.schema.names
            )
            self.stream.write((header + "\n").encode("utf-8"))
        elif table.schema != self.schema:
            table = table.cast(self.schema)
        if not table.num_rows:
            return
        arrays = [c.combine_chunks() for c in table.columns]
        parts = _row_parts(table.num_rows)
        if len(parts) == 1:
            self.stream.write(csv_lines(arrays, self.delimiter))
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(len(parts), thread_name_prefix="relscales-format")
        pieces = [[a.slice(start, stop - start) for a in arrays] for start, stop in parts]
        for text in self._pool.map(lambda cols: csv_lines(cols, self.delimiter), pieces):
            self.stream.write(text)  # in row order

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


_PART_ROWS = 8_192
"""Rows below which a batch is formatted in one piece. Batches of a large CSV file arrive in
about 27,000 rows: large enough to split across the processors."""


def _row_parts(n: int) -> list[tuple[int, int]]:
    """Split ``n`` rows into up to one piece per processor (at most 4) for formatting.

    The compiled lines, and Arrow's casts and joins, release the GIL, so the pieces are
    formatted at the same time: formatting distinct doubles as text is most of a writer's time.
    """
    import os

    pieces = max(1, min(4, os.cpu_count() or 1, n // _PART_ROWS))
    bounds = [n * i // pieces for i in range(pieces + 1)]
    return list(itertools.pairwise(bounds))


def _quoted(text: str, delimiter: str) -> str:
    """Quote one header cell when it needs it.

    >>> _quoted("id", ","), _quoted('say "hi", then', ","), _quoted("", ",")
    ('id', '"say ""hi"", then"', '""')
    """
    if text and not any(c in text for c in (delimiter, '"', "\n", "\r")):
        return text
    return '"' + text.replace('"', '""') + '"'


def csv_lines(columns: list[Any], delimiter: str = ",") -> memoryview:
    r"""Return CSV lines (each ending in a newline) for equal-length Arrow arrays.

    Nulls are empty cells; text is quoted where needed; numbers are written as Arrow
    formats them (the shortest text that reads back as the same double).

    >>> from relscales._arrow import float_array, string_array
    >>> text = string_array(["a", 'b "c" d', None, ""])
    >>> bytes(csv_lines([text, float_array(np.array([1.5, np.nan, 2.0, 0.1]))]))
    b'a,1.5\n"b ""c"" d",\n,2\n"",0.1\n'
    """
    from relscales._arrow import join, text_scalar

    native = _native_formatter()
    if native is not None and columns and len(columns[0]) and len(delimiter.encode()) == 1:
        return _native_lines(native, columns, delimiter)
    cells = [_cell_text(column, delimiter) for column in columns]
    rows = join(*cells, separator=text_scalar(delimiter, large=True), null_replacement="")
    newline = text_scalar("\n", large=True)
    lines = join(rows, text_scalar("", large=True), separator=newline)
    if not len(lines):
        return memoryview(b"")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    first, last = int(offsets[lines.offset]), int(offsets[lines.offset + len(lines)])
    return memoryview(lines.buffers()[2])[first:last]


def _native_lines(native: Any, columns: list[Any], delimiter: str) -> memoryview:
    """:func:`csv_lines` in one pass of the compiled module, the same bytes.

    Columns of distinct doubles are formatted as the lines are written; every other column
    is made CSV text first (as :func:`_cell_text` makes it) and its cells are copied.
    """
    import pyarrow as pa

    from relscales._arrow import raw_values

    n = len(columns[0])
    specs: list[tuple[str, Any, Any, Any]] = []
    size = n * len(columns)  # the delimiters and newlines
    for column in columns:
        text = _repeated_text(column) if column.type == pa.float64() else None
        if column.type == pa.float64() and text is None:
            values = np.ascontiguousarray(raw_values(column))
            specs.append(("number", values, None, _present(column)))
            size += _LONGEST_NUMBER * n
            continue
        if text is None:
            text = _cell_text(column, delimiter)
        offsets_buffer, data = text.buffers()[1:]
        offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[text.offset : text.offset + n + 1]
        raw = np.empty(0, dtype=np.uint8) if data is None else np.frombuffer(data, np.uint8)
        specs.append(("text", offsets, raw, _present(text)))
        size += int(offsets[-1] - offsets[0])
    out = np.empty(size, dtype=np.uint8)
    used = native.csv_rows(specs, delimiter, out)
    return memoryview(out.data)[:used]


def _present(array: Any) -> NDArray[np.bool_] | None:
    """Which rows of an Arrow array hold a value; None when all do."""
    if not array.null_count:
        return None
    return _valid(array)


_NEEDS_QUOTES = np.zeros(256, dtype=np.bool_)
_NEEDS_QUOTES[[ord(c) for c in '"\n\r']] = True


_PROBE_ROWS = 4096
"""Rows of a column probed for repeated values before choosing Parquet's dictionary encoding."""

_TEXT_PROBE_ROWS = 1024
"""Rows of a number column probed for repeated values before formatting it as text: the probe
hashes them, which costs about half of formatting them, so it is kept short."""


def _cell_text(column: Any, delimiter: str) -> Any:
    """Return one column as large_string cells of CSV text (nulls stay null)."""
    import pyarrow as pa

    from relscales._arrow import call, cast, int_array, join, match_regex, replace_text, text_scalar

    kind = column.type
    if pa.types.is_floating(kind):
        repeated = _repeated_text(column)
        return number_text(column) if repeated is None else repeated
    text = cast(column, pa.large_string())
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return text
    if _plain(text, delimiter):
        return text
    special = f'[{re.escape(delimiter)}"\n\r]'
    no_length = int_array(np.zeros(1, dtype=np.int64))[0]  # (pyarrow.scalar imports pandas)
    empty = call("equal", call("binary_length", text), no_length)
    needs = call("or", match_regex(text, special), empty)
    doubled = replace_text(text, '"', '""')
    quote = text_scalar('"', large=True)
    quoted = join(quote, doubled, quote, separator=text_scalar("", large=True))
    return call("if_else", needs, quoted, text)


_NATIVE: list[Any] = []


def _native_formatter() -> Any:
    """Return the compiled number formatter (``relscales._floattext``), or None when not built."""
    if not _NATIVE:
        try:
            from relscales import _floattext
        except ImportError:
            _NATIVE.append(None)
        else:
            _NATIVE.append(_floattext)
    return _NATIVE[0]


def number_formatter() -> Literal["compiled", "arrow"]:
    """Say what writes numbers as text in CSV and TSV output on this installation.

    ``"compiled"`` when the optional C module was built at install time (a C compiler was
    found), ``"arrow"`` otherwise. Both write the same bytes; the compiled one takes less
    than half the time, which shows in files of estimates with distinct values.

    >>> number_formatter() in ("compiled", "arrow")
    True
    """
    return "arrow" if _native_formatter() is None else "compiled"


_LONGEST_NUMBER = 25
"""Bytes of the longest text of a double: a sign, "0.", five zeros and 17 digits."""


def number_text(column: Any) -> Any:
    """Return a number array as large_string text, as Arrow's cast writes it; nulls stay null.

    Doubles are written as the shortest text that reads back as the same double (``2``,
    ``0.1``, ``-0``, ``1e-7``, ``1.5e+10``, ``nan``, ``inf``); float64 arrays go through the
    compiled formatter when it was built (the same bytes, tested against the cast).

    >>> from relscales._arrow import float_array
    >>> number_text(float_array(np.array([2.0, np.nan, 0.1, 1e-7, -0.0, 1.5e10]))).to_pylist()
    ['2', None, '0.1', '1e-7', '-0', '1.5e+10']
    """
    import pyarrow as pa

    from relscales._arrow import cast, large_text_array, raw_values

    native = _native_formatter()
    if native is None or column.type != pa.float64() or not len(column):
        return cast(column, pa.large_string())
    n = len(column)
    present = _present(column)
    offsets = np.empty(n + 1, dtype=np.int64)
    data = np.empty(_LONGEST_NUMBER * n, dtype=np.uint8)
    end = native.shortest(np.ascontiguousarray(raw_values(column)), present, offsets, data)
    return large_text_array(offsets, data[:end], present)


def _repeated_text(column: Any) -> Any:
    """Return a number column as text formatted once per distinct value, when values repeat.

    Means of a few items take few values: each is formatted once (-0.0 and 0.0 stay
    distinct) and the texts taken row by row. None when more than half the values are
    distinct, or when a probe of the first rows finds them mostly distinct (estimates, not
    means): those are formatted value by value.
    """
    from relscales._arrow import call

    probe = call("dictionary_encode", column.slice(0, _TEXT_PROBE_ROWS))
    if len(column) > _TEXT_PROBE_ROWS and len(probe.dictionary) > _TEXT_PROBE_ROWS // 2:
        return None
    coded = call("dictionary_encode", column)
    if len(coded.dictionary) <= len(column) // 2:
        return call("take", number_text(coded.dictionary), coded.indices)
    return None


def _plain(text: Any, delimiter: str) -> bool:
    """Whether no cell of a large_string array needs quotes (a scan of its bytes)."""
    offsets_buffer, data = text.buffers()[1:]
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        text.offset : text.offset + len(text) + 1
    ]
    if len(text) and bool(np.any((offsets[1:] == offsets[:-1]) & _valid(text))):
        return False  # an empty text, quoted so that it differs from a missing cell
    if data is None:
        return True
    raw = np.frombuffer(data, dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]
    table = _NEEDS_QUOTES.copy()
    table[ord(delimiter)] = True
    return not bool(table[raw].any())


def _valid(array: Any) -> NDArray[np.bool_]:
    from relscales._arrow import null_rows

    valid = np.ones(len(array), dtype=np.bool_)
    valid[null_rows(array)] = False
    return valid


class _ParquetWriter:
    """Parquet, one row group per batch, with Arrow's default compression.

    Dictionary encoding is asked for only in the columns whose first rows repeat (scores
    that are means of a few items, labels, flags): in columns of distinct values (ids,
    theta estimates and their standard errors) a dictionary only costs time, about three
    times the rest of the writing, before Parquet gives up on it and falls back to plain
    pages, which also makes the file larger.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.writer: Any = None
        self.schema: Any = None

    def write(self, columns: Columns) -> None:
        import pyarrow.parquet as pq

        table = _arrow_table(columns)
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(
                self.stream, table.schema, use_dictionary=_repeating(table)
            )
        self.writer.write_table(table if table.schema == self.schema else table.cast(self.schema))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _repeating(table: Any) -> list[str]:
    """Names of the columns whose first rows hold few distinct values (at most half)."""
    from relscales._arrow import call

    names = []
    for name, column in zip(table.schema.names, table.columns, strict=True):
        probe = column.slice(0, _PROBE_ROWS).combine_chunks()
        distinct = len(call("unique", probe))
        if distinct <= max(len(probe) // 2, 64):
            names.append(name)
    return names


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _as_list(values: Any) -> list[Any]:
    return values.tolist() if isinstance(values, np.ndarray) else list(values.to_pylist())


def _rows(columns: Columns) -> list[dict[str, Any]]:
    names = list(columns)
    lists = [_as_list(columns[n]) for n in names]
    return [
        {n: _json_value(v) for n, v in zip(names, row, strict=True)}
        for row in zip(*lists, strict=True)
    ]


class _JsonLinesWriter:
    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def write(self, columns: Columns) -> None:
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in _rows(columns))
        self.stream.write(text.encode("utf-8"))

    def close(self) -> None:
        return None


class _JsonWriter:
    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.first = True

    def write(self, columns: Columns) -> None:
        parts = []
        for row in _rows(columns):
            parts.append(("[\n" if self.first else ",\n") + json.dumps(row, ensure_ascii=False))
            self.first = False
        self.stream.write("".join(parts).encode("utf-8"))

    def close(self) -> None:
        self.stream.write(b"[]\n" if self.first else b"\n]\n")


FORMATS: dict[str, Callable[[IO[bytes]], TableWriter]] = {
    "csv": _CsvWriter,
    "tsv": lambda stream: _CsvWriter(stream, "\t"),
    "json": _JsonWriter,
    "jsonl": _JsonLinesWriter,
    "parquet": _ParquetWriter,
}
"""Output formats by name; ``-o`` picks one from its suffix."""


def format_for(suffix: str) -> str | None:
    """Return the format name for a file suffix (``.csv`` -> ``csv``), or ``None``."""
    name = suffix.lower().lstrip(".")
    if name == "ndjson":
        name = "jsonl"
    return name if name in FORMATS else None


def open_writer(fmt: str, stream: IO[bytes], *, excel_safe: bool = False) -> TableWriter:
    """Create a writer of format ``fmt`` on a binary stream.

    ``excel_safe`` escapes text cells that a spreadsheet would run as formulas (CSV and
    TSV only; the other formats are not opened as spreadsheets). Inside
    :func:`rounded_numbers`, the writer rounds numbers as it asks.
    """
    writer: TableWriter
    if excel_safe and fmt in ("csv", "tsv"):
        writer = _CsvWriter(stream, "," if fmt == "csv" else "\t", excel_safe=True)
    else:
        writer = FORMATS[fmt](stream)
    decimals = _DECIMALS.get()
    return writer if decimals is None else _Rounding(writer, decimals)


# --- rounding written numbers (`relscales score --decimals N`) ---

_DECIMALS: ContextVar[int | None] = ContextVar("relscales_decimals", default=None)


@contextmanager
def rounded_numbers(decimals: int | None) -> Iterator[None]:
    """Make the writers opened inside round every number to ``decimals`` places.

    ``None`` (the default everywhere) writes numbers at full precision.
    """
    token = _DECIMALS.set(decimals)
    try:
        yield
    finally:
        _DECIMALS.reset(token)


def round_numbers(columns: Columns, decimals: int | None) -> Columns:
    """Round the floating-point columns to ``decimals`` places (ids, counts, text unchanged).

    Missing values stay missing, and a value that rounds to zero is written ``0``, not
    ``-0``.

    >>> round_numbers({"id": np.array(["a"]), "x": np.array([2.7777, -0.0001, np.nan])}, 2)
    {'id': array(['a'], dtype='<U1'), 'x': array([2.78, 0.  ,  nan])}
    """
    if decimals is None:
        return columns
    return {
        name: np.round(values, decimals) + 0.0
        if isinstance(values, np.ndarray) and values.dtype.kind == "f"
        else values
        for name, values in columns.items()
    }


class _Rounding:
    """A writer that rounds numbers before handing each batch on."""

    def __init__(self, writer: TableWriter, decimals: int) -> None:
        self.writer = writer
        self.decimals = decimals

    def write(self, columns: Columns) -> None:
        self.writer.write(round_numbers(columns, self.decimals))

    def close(self) -> None:
        self.writer.close()

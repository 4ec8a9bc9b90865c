"""Reading response data as column batches: CSV/TSV files and in-memory tables.

Files are read with pyarrow's CSV reader in blocks, so memory stays bounded
whatever the file size. Before reading, the first bytes are inspected for a byte
order mark, the encoding (UTF-8, UTF-16, else Windows-1252) and the delimiter
(comma, semicolon, tab or bar). Only the id column and the item columns are
parsed, and always as text, so every cell can be checked (never coerced).

In-memory data (a mapping of columns, a numpy array with column names, a pandas
or polars DataFrame, a pyarrow Table) is converted to a pyarrow Table and cut
into batches the same way.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relscales.errors import DataError, Issue, Location, MissingDependencyError

__all__ = ["Batch", "CsvDialect", "Source", "open_source", "sniff_csv"]

BATCH_BYTES = 2 << 20
"""Bytes of CSV text parsed per block."""

BATCH_ROWS = 262_144
"""Rows per batch for in-memory data and for files read whole."""

WHOLE_FILE_BYTES = 96 << 20
"""Files up to this size are parsed in one multi-threaded pass (faster; memory about 4x the
file); larger ones are streamed block by block in bounded memory."""

_SNIFF_BYTES = 1 << 16


@dataclass(frozen=True, slots=True)
class CsvDialect:
    """What :func:`sniff_csv` found out about a delimited text file."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]
    bom: bool = False


@dataclass(frozen=True, slots=True)
class Batch:
    """A block of rows: the needed columns as pyarrow arrays, and where it starts."""

    columns: dict[str, Any]
    n_rows: int
    first_row: int
    bytes_read: int = 0


@dataclass
class Source:
    """Response data, ready to be read in batches.

    Attributes
    ----------
    name
        The file path, or ``<data>`` for in-memory data.
    header
        Column names in data order.
    size
        File size in bytes (for a progress bar), or 0.
    """

    name: str
    header: tuple[str, ...]
    size: int = 0
    path: Path | None = None
    dialect: CsvDialect | None = None
    table: Any = field(default=None, repr=False)

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
        """Yield batches holding ``columns`` (each read as text when from a file).

        ``prepare`` transforms each batch's columns; for files it runs in the reading
        thread, so its work overlaps with the caller's. ``numeric`` names file columns
        to try parsing as numbers first (see :meth:`_csv_batches`); those also in
        ``integer`` are tried as 16-bit integers, which parse and check faster.
        """
        if self.table is not None:
            for batch in self._table_batches(columns, batch_rows):
                yield _prepared(batch, prepare)
        elif 0 < self.size <= whole_file_bytes:
            self.table = self._read_whole(columns, _types(columns, numeric, integer))
            try:
                yield from _prefetch(
                    _prepared(b, prepare) for b in self._table_batches(columns, batch_rows)
                )
            finally:
                self.table = None
        else:
            raw = self._csv_batches(columns, batch_bytes, _types(columns, numeric, integer))
            yield from _prefetch(_prepared(batch, prepare) for batch in raw)

    def _table_batches(self, columns: Sequence[str], batch_rows: int) -> Iterator[Batch]:
        table = self.table.select(list(columns)) if columns else self.table
        first = 0
        if table.num_rows == 0:
            return
        for record_batch in table.to_batches(max_chunksize=batch_rows):
            n = record_batch.num_rows
            if n == 0:
                continue
            names = record_batch.schema.names
            cols = {name: record_batch.column(i) for i, name in enumerate(names)}
            yield Batch(cols, n, first)
            first += n

    def _csv_batches(
        self, columns: Sequence[str], batch_bytes: int, numeric: dict[str, Any] | None = None
    ) -> Iterator[Batch]:
        """Read the file in blocks.

        Columns in ``numeric`` are first parsed as numbers by Arrow itself, in its
        threads. The first cell that is not a plain number (a label, a stray space,
        ``NA``) stops that attempt; reading then goes on from the same row with every
        column as text, so each cell is still read by the full rules and no row is
        read twice or lost.
        """
        import pyarrow as pa

        done = 0
        if numeric:
            try:
                for batch in self._read_blocks(columns, batch_bytes, numeric, first=0):
                    yield batch
                    done += batch.n_rows
                return
            except pa.ArrowInvalid as exc:
                if "conversion error" not in str(exc):
                    raise self._unreadable(exc, done) from None
        seen = 0
        try:
            for batch in self._read_blocks(columns, batch_bytes, None, first=0):
                n = batch.n_rows
                if seen + n <= done:
                    seen += n
                    continue
                if seen < done:
                    skip = done - seen
                    cols = {k: v.slice(skip) for k, v in batch.columns.items()}
                    batch = Batch(cols, n - skip, done, batch.bytes_read)
                seen += n
                yield batch
        except pa.ArrowInvalid as exc:
            raise self._unreadable(exc, seen) from None

    def _read_whole(self, columns: Sequence[str], numeric: dict[str, Any] | None) -> Any:
        """Parse the whole file at once (numbers first, text if any cell is not one)."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        assert self.path is not None
        assert self.dialect is not None
        read = pacsv.ReadOptions(use_threads=True, encoding=self.dialect.encoding)
        parse = pacsv.ParseOptions(delimiter=self.dialect.delimiter, newlines_in_values=True)
        for typed in (numeric, None) if numeric else (None,):
            types = {name: (typed or {}).get(name, pa.string()) for name in columns}
            convert = pacsv.ConvertOptions(
                include_columns=list(columns),
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            )
            try:
                return pacsv.read_csv(
                    str(self.path),
                    read_options=read,
                    parse_options=parse,
                    convert_options=convert,
                )
            except pa.ArrowInvalid as exc:
                if typed and "conversion error" in str(exc):
                    continue
                raise self._unreadable(exc, 0) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_blocks(
        self,
        columns: Sequence[str],
        batch_bytes: int,
        numeric: dict[str, Any] | None,
        first: int,
    ) -> Iterator[Batch]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        assert self.path is not None
        assert self.dialect is not None
        dialect = self.dialect
        read = pacsv.ReadOptions(
            use_threads=True,
            block_size=batch_bytes,
            encoding=dialect.encoding,
        )
        parse = pacsv.ParseOptions(delimiter=dialect.delimiter, newlines_in_values=True)
        types = {name: (numeric or {}).get(name, pa.string()) for name in columns}
        convert = pacsv.ConvertOptions(
            include_columns=list(columns),
            column_types=types,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        reader = pacsv.open_csv(
            str(self.path), read_options=read, parse_options=parse, convert_options=convert
        )
        for record_batch in reader:
            n = record_batch.num_rows
            if n == 0:
                continue
            names = record_batch.schema.names
            cols = {name: record_batch.column(i) for i, name in enumerate(names)}
            yield Batch(cols, n, first, reader_bytes(reader))
            first += n

    def _unreadable(self, exc: Exception, rows_read: int) -> DataError:
        return DataError(
            Issue(
                "data-unreadable",
                f"cannot parse the rows that follow data row {rows_read} (the problem is in "
                f"the next block of the file): {_arrow_message(exc)}",
                Location(file=self.name, row=rows_read + 1),
                hint="check that every row has as many fields as the header and that "
                "quotes are closed",
            )
        )


def _types(
    columns: Sequence[str], numeric: Sequence[str], integer: Collection[str]
) -> dict[str, Any] | None:
    """Arrow types for a first, typed attempt at parsing the ``numeric`` columns."""
    import pyarrow as pa

    wanted = set(numeric)
    types = {
        name: pa.int16() if name in integer else pa.float64() for name in columns if name in wanted
    }
    return types or None


def _prepared(batch: Batch, prepare: Callable[[dict[str, Any]], dict[str, Any]] | None) -> Batch:
    if prepare is None:
        return batch
    return Batch(prepare(batch.columns), batch.n_rows, batch.first_row, batch.bytes_read)


def _prefetch(batches: Iterator[Batch], depth: int = 1) -> Iterator[Batch]:
    """Read the next batches in a background thread while the caller scores this one.

    pyarrow parses and numpy scores with the GIL released, so the two overlap on
    two cores. Errors in the reader are re-raised in the caller, in order.
    """
    import queue
    import threading

    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        box.put(("batch", batch), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(("done", None))
        except BaseException as exc:  # handed to the consumer thread
            box.put(("error", exc))

    thread = threading.Thread(target=work, name="relscales-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "batch":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        thread.join(timeout=5)


def reader_bytes(reader: Any) -> int:
    """Bytes consumed so far by a pyarrow streaming reader (0 when unknown)."""
    return int(getattr(reader, "bytes_read", 0) or 0)


def _arrow_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0]
    return text.removeprefix("CSV parse error: ")


def sniff_csv(
    path: Path, *, delimiter: str | None = None, encoding: str | None = None
) -> CsvDialect:
    """Detect encoding, byte order mark, delimiter and header of a delimited file.

    Raises
    ------
    DataError
        ``file-not-found``, ``data-unreadable`` or ``data-empty``.
    """
    name = str(path)
    try:
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
    except FileNotFoundError:
        raise DataError(
            Issue(
                "file-not-found",
                f"data file '{name}' does not exist",
                Location(file=name),
                hint="check the path",
            )
        ) from None
    except OSError as exc:
        raise DataError(
            Issue(
                "data-unreadable",
                f"cannot read data file: {exc.strerror or exc}",
                Location(file=name),
                hint="check the path and its permissions",
            )
        ) from None
    bom = False
    if encoding is None:
        if head.startswith(codecs.BOM_UTF8):
            encoding, bom = "utf-8", True
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding, bom = "utf-16", True
        else:
            try:
                codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "cp1252"
    text = head.decode(encoding, errors="replace")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DataError(
            Issue(
                "data-empty",
                "the data file is empty",
                Location(file=name),
                hint="export the responses again; the file has no header and no rows",
            )
        )
    first_line = text.splitlines()[0] if text.splitlines() else text
    if delimiter is None:
        if path.suffix.lower() == ".tsv":
            delimiter = "\t"
        else:
            counts = {d: _count_outside_quotes(first_line, d) for d in (",", ";", "\t", "|")}
            delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    header_reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = tuple(next(header_reader))
    except (StopIteration, csv.Error) as exc:  # pragma: no cover - defensive
        raise DataError(
            Issue("data-unreadable", f"cannot read the header row: {exc}", Location(file=name))
        ) from None
    return CsvDialect(encoding, delimiter, header, bom)


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def open_source(
    data: Any,
    *,
    columns: Sequence[str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    format: str | None = None,
    sheet: str | None = None,
    long: bool = False,
) -> Source:
    """Wrap response data of any supported kind as a :class:`Source`.

    Parameters
    ----------
    data
        A path (CSV/TSV, Qualtrics, REDCap, SPSS, Excel, JSON, Parquet; see
        :mod:`relscales.io.formats`), a mapping of column name to values, a 2-D numpy
        array (with ``columns``), a numpy structured array, a pandas or polars
        DataFrame, or a pyarrow Table.
    columns
        Column names for a plain 2-D numpy array.
    delimiter, encoding
        Override detection for files.
    format, sheet, long
        The file's format (a key of :data:`relscales.io.formats.READERS`; default:
        detected), the Excel sheet, and whether the data are long (one row per
        respondent and item; default: detected from the column names).
    """
    if isinstance(data, str | os.PathLike):
        from relscales.io.formats import open_file

        path = Path(data)
        opened = open_file(
            path, format=format, delimiter=delimiter, encoding=encoding, sheet=sheet, long=long
        )
        if opened is not None:
            return opened
        dialect = sniff_csv(path, delimiter=delimiter, encoding=encoding)
        return Source(str(path), dialect.header, path.stat().st_size, path, dialect)
    table = _to_table(data, columns)
    return Source("<data>", tuple(table.schema.names), table=table)


def _to_table(data: Any, columns: Sequence[str] | None) -> Any:
    import numpy as np
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        try:
            return pa.Table.from_pandas(data, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column mixing numbers and text
            return pa.table({str(c): _column(data[c].tolist()) for c in data.columns})
    if module == "polars":
        return data.to_arrow()
    if isinstance(data, np.ndarray):
        if data.dtype.names:
            return pa.table({name: _column(data[name]) for name in data.dtype.names})
        if data.ndim != 2 or columns is None or len(columns) != data.shape[1]:
            raise DataError(
                Issue(
                    "invalid-option",
                    "a plain numpy array needs 2 dimensions and one column name per column",
                    Location(file="<data>"),
                    hint="pass columns=[...] with the item ids, or use a structured array",
                )
            )
        return pa.table({str(c): _column(data[:, i]) for i, c in enumerate(columns)})
    if isinstance(data, Mapping):
        try:
            return pa.table({str(k): _column(v) for k, v in data.items()})
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
            raise DataError(
                Issue(
                    "data-unreadable",
                    f"cannot read the columns: {exc}",
                    Location(file="<data>"),
                    hint="give every column the same length and plain values",
                )
            ) from None
    raise DataError(
        Issue(
            "unsupported-format",
            f"cannot read data of type {type(data).__name__}",
            Location(file="<data>"),
            hint="pass a file path, a mapping of columns, a numpy array, or a pandas/polars "
            "DataFrame",
        )
    )


def _column(values: Any) -> Any:
    import numpy as np
    import pyarrow as pa

    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return pa.array(values, from_pandas=True)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iub":
        return pa.array(values)
    items = list(values)
    try:
        return pa.array(items, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in items], type=pa.string())


def require(module: str, extra: str) -> Any:
    """Import an optional dependency or raise an error with the install command."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(
            Issue(
                "missing-dependency",
                f"this needs the optional package '{module}'",
                hint=f"install it with: pip install 'relscales[{extra}]'",
            )
        ) from None

"""Read a delimited text file (CSV, TSV) in batches, as it comes: damaged rows, huge fields.

The file has been looked at first, once, by :func:`relscales.io.sniff.sniff_csv`:
encoding, delimiter, header, a quote left open (see :mod:`relscales.io.sniff`).
:func:`read_batches` then parses it with pyarrow. The first attempt is the
fast one: item columns typed as numbers, several threads. Each thing that can go
wrong sends reading back to a safer setting, from the row where it happened, so no
row is read twice or lost: a cell that is not a number, or that Arrow reads as NaN
(text from there on, so every cell gets the verdict of the text path), a row with the
wrong number of fields (one thread, which numbers rows; the row is kept as an empty row
and reported), a field larger than a block (bigger blocks). Item columns are typed as
integers only in files without ``0x`` (Arrow reads ``0x3`` as 3; it is not a number).
Lines holding only whitespace are blank lines, skipped like empty ones. Files in
another encoding than UTF-8, or with NUL bytes, are decoded (and the NUL bytes
removed) in Python on the way in. A big UTF-8 file whose quotes are known is cut into
segments parsed in parallel (:mod:`relscales.io.segments`).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from relscales.errors import DataError, Issue, Location
from relscales.io.sniff import CsvDialect, big_fields

__all__ = ["Batch", "RaggedRow", "read_batches"]

MAX_BLOCK = 1 << 28
"""Largest block tried for a single row (256 MiB): a field larger than this is an error."""

SHOWN_CHARS = 200
"""Characters of a damaged row kept to show in its problem record."""


@dataclass(frozen=True, slots=True)
class RaggedRow:
    """A row with another number of fields than the header: kept empty, and reported.

    Attributes
    ----------
    index
        0-based data row (the first row after the header is 0).
    expected, found
        Fields the row should have, and has.
    text
        The start of the row as found.
    key
        The field at the id column's place, when the row has one.
    """

    index: int
    expected: int
    found: int
    text: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """A block of rows: the needed columns as pyarrow arrays, and where it starts.

    ``ragged`` lists the rows of this block that had the wrong number of fields;
    they are in the block as empty rows, so row counts stay those of the file.
    """

    columns: dict[str, Any]
    n_rows: int
    first_row: int
    bytes_read: int = 0
    ragged: tuple[RaggedRow, ...] = ()


class _Transcoder(io.RawIOBase):
    """A file decoded from any encoding to UTF-8 on the fly, NUL bytes removed.

    Undecodable bytes become U+FFFD (counted in ``replaced``), so a damaged byte makes
    its cell invalid instead of stopping the run.
    """

    def __init__(self, path: Path, dialect: CsvDialect) -> None:
        super().__init__()
        self._raw = path.open("rb")
        self._utf8 = dialect.utf8
        self._decoder = (
            None
            if self._utf8 and not dialect.invalid_bytes
            else codecs.getincrementaldecoder(dialect.encoding)(errors="replace")
        )
        if dialect.bom and self._utf8:
            self._raw.seek(len(codecs.BOM_UTF8))
        self._buffer = memoryview(b"")
        self._eof = False
        self.replaced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer and not self._eof:
            chunk = self._raw.read(1 << 20)
            self._eof = not chunk
            if self._decoder is None:
                data = chunk.replace(b"\x00", b"")
            else:
                text = self._decoder.decode(chunk, final=self._eof)
                self.replaced += text.count("\ufffd")
                data = text.replace("\x00", "").encode("utf-8")
            self._buffer = memoryview(data)
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass(frozen=True, slots=True)
class _Mode:
    """One way of parsing the file; reading falls back to safer modes as needed."""

    typed: bool
    threads: bool
    block: int | None
    segments: bool = False


class _Retry(Exception):
    def __init__(self, mode: _Mode) -> None:
        super().__init__()
        self.mode = mode


def read_batches(
    path: Path,
    dialect: CsvDialect,
    columns: Sequence[str],
    types: dict[str, Any] | None,
    *,
    whole: bool,
    batch_bytes: int,
    batch_rows: int,
    key: str | None = None,
    warn: Callable[[Issue], None] = lambda issue: None,
) -> Iterator[Batch]:
    """Yield the rows of a delimited file in order, every row once.

    Parameters
    ----------
    path, dialect
        The file and what :func:`~relscales.io.sniff.sniff_csv` found.
    columns
        Names of the columns to read.
    types
        Arrow types for a first, typed attempt (``None``: text from the start).
    whole
        Parse the file in one multi-threaded pass (small files) rather than streaming it.
    batch_bytes, batch_rows
        Block size of a streamed file; rows per batch of a file read whole.
    key
        The id column: a ragged row keeps its field at that place.
    warn
        Receives warnings about the file as a whole (replaced bytes).

    Raises
    ------
    DataError
        ``data-unreadable`` when the parser fails for another reason (with the row).
    """
    if not dialect.has_rows:
        return
    if dialect.width == 1:  # a line of spaces is a valid row here: find it as text
        types = None
    elif types is not None and dialect.hex_like:
        types = {name: _not_hexadecimal(kind) for name, kind in types.items()}
    mode = _Mode(
        typed=types is not None,
        threads=True,
        block=None if whole else batch_bytes,
        segments=not whole and _can_segment(path, dialect),
    )
    done = 0
    while True:
        try:
            attempt = _attempt(path, dialect, columns, types, mode, whole, batch_rows, key, warn)
            for batch in attempt if dialect.width > 1 else _without_blank_rows(attempt):
                end = batch.first_row + batch.n_rows
                if end <= done:
                    continue
                if batch.first_row < done:
                    batch = _slice(batch, done - batch.first_row)
                yield batch
                done = end
            return
        except _Retry as retry:
            mode = retry.mode


def _not_hexadecimal(kind: Any) -> Any:
    """float64 for an integer type: Arrow's integer parser reads ``0x3``, its float parser not."""
    import pyarrow as pa

    return pa.float64() if pa.types.is_integer(kind) else kind


def blank_line(text: str | None, delimiter: str) -> bool:
    r"""Tell whether a line is blank: only whitespace, and no delimiter.

    Whitespace is what Python's ``str.isspace`` says it is (spaces, tabs, form feeds,
    vertical tabs, no-break spaces, ...: the characters ``str.strip`` removes from a
    cell). Such a line is not a row, like an empty line. The delimiter is not whitespace
    here, even a tab: a line of delimiters has fields (``,,,,,``, an unanswered response).

    >>> [blank_line(t, ",") for t in ["   ", "\t\x0b\x0c", "\u00a0\r", "", " ,", '" "']]
    [True, True, True, False, False, False]
    >>> blank_line("  ", "\t"), blank_line(" \t ", "\t")
    (True, False)
    """
    return text is not None and text.isspace() and delimiter not in text


def _blank_lines_skipped(delimiter: str) -> Callable[[Any], str]:
    """Return an ``invalid_row_handler`` that skips blank lines and stops at other bad rows."""

    def handler(row: Any) -> str:
        return "skip" if blank_line(row.text, delimiter) else "error"

    return handler


def _without_blank_rows(batches: Iterator[Batch]) -> Iterator[Batch]:
    """Drop the rows that are blank lines from the batches of a file of one column.

    With one column, a line of spaces has as many fields as the header, so the parser
    reads it as a row (in wider files it is skipped as it comes, see
    :func:`blank_line`): its cell holds only whitespace (quoted or not: the parser does
    not tell). The rows are renumbered.
    """
    import numpy as np

    from relscales._arrow import bool_array, call, int_array, to_numpy_filled

    done = 0
    for batch in batches:
        cells = next(iter(batch.columns.values()), None)
        keep = None
        if cells is not None and cells.null_count < len(cells):
            spaces = call("coalesce", call("utf8_is_space", cells), bool_array([False])[0])
            if call("any", spaces).as_py():
                keep = to_numpy_filled(call("indices_nonzero", call("invert", spaces)), 0)
        if keep is None:
            moved = tuple(replace(r, index=r.index - batch.first_row + done) for r in batch.ragged)
            yield replace(batch, first_row=done, ragged=moved)
            done += batch.n_rows
            continue
        taken = {name: call("take", col, int_array(keep)) for name, col in batch.columns.items()}
        moved = tuple(
            replace(r, index=done + int(np.searchsorted(keep, r.index - batch.first_row)))
            for r in batch.ragged
        )
        if keep.size:
            yield Batch(taken, int(keep.size), done, batch.bytes_read, moved)
        done += int(keep.size)


def _nan_typed(record_batch: Any) -> bool:
    """Whether a column typed as numbers holds NaN: Arrow reads ``nan``, ``-nan``, ``nan(1)``.

    Only some of these are "no data" tokens, so reading goes on as text from there.
    """
    import pyarrow as pa

    from relscales._arrow import call

    for column in record_batch.columns:
        if (
            pa.types.is_floating(column.type)
            and column.null_count < len(column)
            and call("any", call("is_nan", column)).as_py()
        ):
            return True
    return False


def _can_segment(path: Path, dialect: CsvDialect) -> bool:
    """Whether to parse the file in segments, in parallel (see :mod:`relscales.io.segments`).

    Only for a file Arrow reads as it is (UTF-8, no NUL bytes), whose quotes are known, on
    a machine with two cores or more, and big enough to be worth it.
    """
    from relscales.io.segments import SEGMENT_BYTES

    if dialect.transcoded or dialect.quotes is None or (os.cpu_count() or 1) < 2:
        return False
    try:
        return path.stat().st_size >= 2 * SEGMENT_BYTES
    except OSError:
        return False


def _slice(batch: Batch, skip: int) -> Batch:
    first = batch.first_row + skip
    return Batch(
        {k: v.slice(skip) for k, v in batch.columns.items()},
        batch.n_rows - skip,
        first,
        batch.bytes_read,
        tuple(r for r in batch.ragged if r.index >= first),
    )


def _attempt(
    path: Path,
    dialect: CsvDialect,
    columns: Sequence[str],
    types: dict[str, Any] | None,
    mode: _Mode,
    whole: bool,
    batch_rows: int,
    key: str | None,
    warn: Callable[[Issue], None],
) -> Iterator[Batch]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = dialect.header
    internal = [f"f{i}" for i in range(dialect.width)]
    where = {name: header.index(name) for name in columns}
    key_at = header.index(key) if key is not None and key in header else None
    pending: deque[RaggedRow] = deque()
    aborted = [False]
    # pyarrow numbers rows from 1, skipped lines and the header (and rows after it) included,
    # and the blank lines skipped here (lines of whitespace; empty lines are not numbered)
    offset = dialect.skip_lines + 2 + dialect.after_header
    blank = [0]

    def on_invalid(row: Any) -> str:
        if blank_line(row.text, dialect.delimiter):  # not a row, in any mode
            blank[0] += 1
            return "skip"
        if mode.threads:  # rows are not numbered when parsed in threads: parse again
            aborted[0] = True
            return "error"
        pending.append(_ragged(row, row.number - offset - blank[0], dialect, key_at))
        return "skip"

    col_types = {
        internal[where[name]]: (types or {}).get(name, pa.string()) if mode.typed else pa.string()
        for name in columns
    }
    read = pacsv.ReadOptions(
        use_threads=mode.threads,
        column_names=internal,
        skip_rows=dialect.skip_lines,
        skip_rows_after_names=1 + dialect.after_header,
        encoding="utf8",
        **({"block_size": mode.block} if mode.block else {}),
    )
    parse = pacsv.ParseOptions(
        delimiter=dialect.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
    )
    convert = pacsv.ConvertOptions(
        include_columns=[internal[where[name]] for name in columns],
        column_types=col_types,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    stream: Any = _Transcoder(path, dialect) if dialect.transcoded else str(path)
    names = {internal[where[name]]: name for name in columns}
    done = 0
    try:
        if mode.segments:
            yield from _segmented(path, dialect, read, convert, names, batch_rows, mode)
            return
        if whole:
            table = pacsv.read_csv(
                stream, read_options=read, parse_options=parse, convert_options=convert
            )
            raw: Iterable[Any] = _rebatched(table, batch_rows)
            schema = table.schema
            reader = None
        else:
            reader = pacsv.open_csv(
                stream, read_options=read, parse_options=parse, convert_options=convert
            )
            raw, schema = reader, reader.schema
        for record_batch in raw:
            if mode.typed and _nan_typed(record_batch):
                raise _Retry(replace(mode, typed=False))
            for batch in _merge(record_batch, pending, done, names, key, schema, reader):
                done += batch.n_rows
                yield batch
        if pending:
            yield from _merge(None, pending, done, names, key, schema, reader)
        if isinstance(stream, _Transcoder) and stream.replaced:
            warn(_replaced_warning(path, dialect, stream.replaced))
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):  # nothing but blank lines after the header
            return
        raise _classify(exc, mode, aborted[0], path, done) from None
    finally:
        if isinstance(stream, _Transcoder):
            stream.close()


def _segmented(
    path: Path,
    dialect: CsvDialect,
    read: Any,
    convert: Any,
    names: dict[str, str],
    batch_rows: int,
    mode: _Mode,
) -> Iterator[Batch]:
    """Yield the file's batches, its segments parsed in parallel (one thread each).

    The first segment holds the header and is read with ``read``'s options; the others
    start at a line of data. A row with the wrong number of fields is an error here
    (Arrow numbers rows per segment), which sends reading back to the usual way.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from relscales.io import segments

    assert dialect.quotes is not None
    size = path.stat().st_size
    points = segments.cut_points(path, size, dialect.quotes, segments.SEGMENT_BYTES)
    strict = pacsv.ParseOptions(
        delimiter=dialect.delimiter,
        newlines_in_values=True,
        invalid_row_handler=_blank_lines_skipped(dialect.delimiter),
    )
    later = pacsv.ReadOptions(
        use_threads=False, column_names=read.column_names, block_size=1 << 30, encoding="utf8"
    )
    first = pacsv.ReadOptions(
        use_threads=False,
        column_names=read.column_names,
        skip_rows=read.skip_rows,
        skip_rows_after_names=read.skip_rows_after_names,
        block_size=1 << 30,
        encoding="utf8",
    )

    def parse_segment(k: int, data: bytes) -> Any:
        try:
            return pacsv.read_csv(
                pa.BufferReader(data),
                read_options=first if k == 0 else later,
                parse_options=strict,
                convert_options=convert,
            )
        except pa.ArrowInvalid as exc:
            if "Empty CSV file" in str(exc):  # blank lines only
                return None
            raise

    workers = min(os.cpu_count() or 1, 8)
    done = 0
    for table, end in segments.parsed_segments(
        path, points, parse_segment, workers=workers, ahead=workers + 1
    ):
        if table is None:
            continue
        for record_batch in _rebatched(table, batch_rows):
            if mode.typed and _nan_typed(record_batch):
                raise _Retry(replace(mode, typed=False))
            cols = {
                names[f]: record_batch.column(i) for i, f in enumerate(record_batch.schema.names)
            }
            yield Batch(cols, record_batch.num_rows, done, end)
            done += record_batch.num_rows


def _rebatched(table: Any, rows: int) -> Iterator[Any]:
    """Cut a table into record batches of ``rows`` rows, each in one piece.

    The threaded parser leaves a chunk per block of about 1 MiB (some 10,000 rows);
    scoring works per batch, with a fixed cost per column, so batches that small would
    spend much of their time on that cost.
    """
    for start in range(0, table.num_rows, rows):
        yield from table.slice(start, rows).combine_chunks().to_batches()


def _ragged(row: Any, index: int, dialect: CsvDialect, key_at: int | None) -> RaggedRow:
    text = str(row.text or "")
    key = None
    if key_at is not None:
        with big_fields():
            try:
                fields = next(csv.reader([text], delimiter=dialect.delimiter), [])
            except csv.Error:  # pragma: no cover - a row pyarrow parsed reads in Python too
                fields = []
        if key_at < len(fields):
            key = fields[key_at]
    shown = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."
    return RaggedRow(index, int(row.expected_columns), int(row.actual_columns), shown, key)


def _merge(
    record_batch: Any,
    pending: deque[RaggedRow],
    first: int,
    names: dict[str, str],
    key: str | None,
    schema: Any,
    reader: Any,
) -> Iterator[Batch]:
    """Put the ragged rows back, as empty rows, where they were in the file."""
    import numpy as np
    import pyarrow as pa

    n = 0 if record_batch is None else record_batch.num_rows
    chosen: list[RaggedRow] = []
    if record_batch is None:
        chosen = list(pending)
        pending.clear()
    else:
        while pending and pending[0].index < first + n + len(chosen):
            chosen.append(pending.popleft())
    total = n + len(chosen)
    if total == 0:
        return
    bytes_read = int(getattr(reader, "bytes_read", 0) or 0) if reader is not None else 0
    if not chosen:
        cols = {names[f]: record_batch.column(i) for i, f in enumerate(record_batch.schema.names)}
        yield Batch(cols, n, first, bytes_read)
        return
    import pyarrow.compute as pc  # (ragged rows only: it takes 0.04 s to import)

    from relscales._arrow import string_array

    empty = np.zeros(total, dtype=bool)
    empty[[r.index - first for r in chosen]] = True
    source = np.cumsum(~empty) - 1
    validity = pa.py_buffer(np.packbits(~empty, bitorder="little"))
    indices = pa.Array.from_buffers(
        pa.int64(),
        total,
        [validity, pa.py_buffer(np.ascontiguousarray(source, dtype=np.int64))],
        null_count=len(chosen),
    )
    if record_batch is None:
        record_batch = pa.RecordBatch.from_arrays(
            [pa.nulls(0, field.type) for field in schema], schema=schema
        )
    taken = record_batch.take(indices)
    cols = {names[f]: taken.column(i) for i, f in enumerate(taken.schema.names)}
    if key is not None and key in cols and pa.types.is_string(cols[key].type):
        mask = pa.Array.from_buffers(
            pa.bool_(), total, [None, pa.py_buffer(np.packbits(empty, bitorder="little"))]
        )
        cols[key] = pc.replace_with_mask(cols[key], mask, string_array([r.key for r in chosen]))
    yield Batch(cols, total, first, bytes_read, tuple(chosen))


def _classify(exc: Exception, mode: _Mode, ragged: bool, path: Path, done: int) -> Exception:
    """Turn a parser error into the next, safer mode, or into a clear error."""
    if mode.segments:  # anything unusual: read the file again the usual way
        return _Retry(replace(mode, segments=False))
    text = str(exc)
    if ragged and mode.threads:
        return _Retry(replace(mode, threads=False))
    if mode.typed and "conversion error" in text and "invalid UTF8" not in text:
        return _Retry(replace(mode, typed=False))
    if "straddling" in text or "straddles" in text:
        block = max(mode.block or 1 << 20, 1 << 20) * 4
        if block <= MAX_BLOCK:
            return _Retry(replace(mode, block=block))
        return DataError(
            Issue(
                "data-unreadable",
                f"a row after data row {done} is larger than {MAX_BLOCK >> 20} MiB",
                Location(file=str(path), row=done + 1),
                hint="check for a quote that is opened and not closed where it should be",
            )
        )
    if "invalid UTF8" in text:
        return _encoding_error(path, None, f"invalid UTF-8 after data row {done}")
    message = text.strip().splitlines()[0].removeprefix("CSV parse error: ") if text else ""
    return DataError(
        Issue(
            "data-unreadable",
            f"cannot parse the rows that follow data row {done}: {message}",
            Location(file=str(path), row=done + 1),
            hint="check that quotes are closed and that the delimiter is right (--delimiter)",
        )
    )


def _encoding_error(path: Path, dialect: CsvDialect | None, detail: str) -> DataError:
    used = f" as {dialect.encoding}" if dialect is not None else ""
    return DataError(
        Issue(
            "data-encoding",
            f"cannot decode the file{used}: {detail}",
            Location(file=str(path)),
            hint="save the file as UTF-8, or name its encoding with --encoding "
            "(for example cp1252 or latin-1)",
        )
    )


def _replaced_warning(path: Path, dialect: CsvDialect, count: int) -> Issue:
    return Issue(
        "data-encoding",
        f"{count} byte sequence{'s' * (count != 1)} could not be read as {dialect.encoding} "
        "and became the replacement character U+FFFD; answer cells holding one are invalid",
        Location(file=str(path)),
        "warning",
        hint="check the encoding (--encoding), or save the file as UTF-8",
    )

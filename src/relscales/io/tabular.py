"""Reading response data as column batches: CSV/TSV files and in-memory tables.

Files are read with pyarrow's CSV reader (:mod:`relscales.io.delimited`), whole
or in blocks, so memory stays bounded whatever the file size. Before reading, the
file is inspected (:mod:`relscales.io.sniff`) for a byte order mark, its encoding,
NUL bytes, an unclosed quote, the delimiter and the header. Only the id column and
the item columns are parsed, and every cell is checked (never coerced). Rows with the
wrong number of fields are kept as empty rows and reported, so the rows read are
always the rows of the file.

In-memory data (a mapping of columns, a numpy array with column names, a pandas
or polars DataFrame, a pyarrow Table) is converted to a pyarrow Table and cut
into batches the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from relscales.errors import DataError, Issue, Location
from relscales.io.delimited import Batch, read_batches
from relscales.io.sniff import CsvDialect, sniff_csv

__all__ = ["Batch", "CsvDialect", "Source", "sniff_csv"]

BATCH_BYTES = 2 << 20
"""Bytes of CSV text parsed per block."""

BATCH_ROWS = 65_536
"""Rows per batch for in-memory data and for files read whole."""

WHOLE_FILE_BYTES = 0
"""Files up to this size are parsed in one multi-threaded pass, larger ones block by block.

0: every file is streamed. On the 79 MB benchmark file one pass was no faster and took
0.5 s more CPU: its whole table, and the copies into batches, are fresh memory, and
touching fresh memory is slow. Kept as an option (``Source.batches(whole_file_bytes=)``).
"""

SHOWN_DUPLICATES = 3
"""Duplicated respondent ids named in the warning about them."""

ID_BYTES = 64 << 20
"""Memory for respondent ids kept to look for duplicates (ids in increasing order need none)."""


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
    key_column
        The respondent id column, set by the scoring run: a row with the wrong number
        of fields keeps its id, and ids that occur twice are reported (unless
        ``key_repeats``: a person answering at several waves has one row per wave).
    read_warnings
        Warnings about the data found while reading (bytes that could not be decoded,
        NUL bytes, no rows, duplicated ids), each once.
    dataframe_index
        The name of a pandas DataFrame's index that is not the default ``0, 1, 2, ...``
        (``""`` when it has none): it is not read, and a warning says so when no id
        column is found (:mod:`relscales.io.idguess`). ``None`` otherwise.
    """

    name: str
    header: tuple[str, ...]
    size: int = 0
    path: Path | None = None
    dialect: CsvDialect | None = None
    table: Any = field(default=None, repr=False)
    key_column: str | None = field(default=None, repr=False)
    key_repeats: bool = field(default=False, repr=False)
    read_warnings: list[Issue] = field(default_factory=list, repr=False)
    dataframe_index: str | None = field(default=None, repr=False)

    @property
    def decimal_comma(self) -> bool:
        """Whether cells such as ``4,5`` are numbers (files delimited by semicolons)."""
        return self.dialect is not None and self.dialect.decimal_comma

    def warn(self, issue: Issue) -> None:
        """Record a warning about the data, unless the same one was recorded already."""
        if all((w.code, w.message) != (issue.code, issue.message) for w in self.read_warnings):
            self.read_warnings.append(issue)

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
        to try parsing as numbers first (see :func:`~relscales.io.delimited.read_batches`);
        those also in ``integer`` are tried as 16-bit integers, which parse and check
        faster. Files up to ``whole_file_bytes`` are parsed in one pass, larger ones in
        blocks of ``batch_bytes``.
        """
        if self.table is not None:
            raw: Iterator[Batch] = self._table_batches(columns, batch_rows)
            yield from (_prepared(b, prepare) for b in self._checked(raw, bool(columns)))
            return
        assert self.path is not None
        assert self.dialect is not None
        wanted = list(columns) if columns else list(dict.fromkeys(self.header))
        missing = [name for name in wanted if name not in self.header]
        if missing:
            raise DataError(
                Issue(
                    "missing-item-column",
                    f"the column '{missing[0]}' is not in the data",
                    Location(file=self.name, data_column=missing[0]),
                )
            )
        raw = read_batches(
            self.path,
            self.dialect,
            wanted,
            _types(wanted, numeric, integer),
            whole=0 < self.size <= whole_file_bytes,
            batch_bytes=batch_bytes,
            batch_rows=batch_rows,
            key=self.key_column if self.key_column in wanted else None,
            warn=self.warn,
        )
        yield from _prefetch(_prepared(b, prepare) for b in self._checked(raw, True))

    def _checked(self, batches: Iterator[Batch], complete: bool) -> Iterator[Batch]:
        """Pass batches through; at the end warn about NUL bytes, no rows, duplicated ids."""
        key = self.key_column
        ids = IdCheck(key) if key is not None and not self.key_repeats else None
        rows = 0
        for batch in batches:
            rows += batch.n_rows
            if ids is not None and key in batch.columns:
                ids.add(batch.columns[key], batch.first_row)
            yield batch
        if self.dialect is not None and self.dialect.nul_bytes:
            self.warn(_nul_warning(self.name, self.dialect.nul_bytes))
        if rows == 0:
            self.warn(
                Issue(
                    "data-no-rows",
                    "the data have a header but no rows: nothing to score",
                    Location(file=self.name),
                    "warning",
                    hint="check that the export includes the responses",
                )
            )
        if ids is not None and complete:
            for found in ids.issues(self.name):
                self.warn(found)

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


class IdCheck:
    """Look for repeated respondent ids batch by batch, in bounded memory.

    While the ids keep increasing (as integers, or as text), they are distinct and
    nothing is kept. From the first batch where they do not, the ids are kept, up to
    ``budget`` bytes (:data:`ID_BYTES`), and hashed at the end. Rows whose id is the id
    column's own name (a repeated header) are noted on the way.
    """

    def __init__(self, column: str, budget: int = ID_BYTES) -> None:
        self.column = column
        self.budget = budget
        self.order: str | None = None
        self.last: Any = None
        self.increasing = True
        self.kept: list[Any] = []
        self.kept_bytes = 0
        self.start = self.end = 0
        self.truncated = False
        self.headers: list[int] = []
        self.usable = True

    def add(self, array: Any, first_row: int) -> None:
        """Take the ids of the rows from ``first_row`` on."""
        import pyarrow as pa

        from relscales._arrow import call, cast, is_in, string_array

        if not self.usable:
            return
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        try:
            if not pa.types.is_string(array.type):
                array = cast(array, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            self.usable = False  # ids that are not text or numbers: nothing to compare
            return
        # (value sets, not Python scalars: a scalar makes pyarrow import pandas)
        hits = call("indices_nonzero", is_in(array, string_array([self.column])))
        self.headers += [first_row + i + 1 for i in hits.to_pylist()]
        if self.increasing and self._extends(call("drop_null", array)):
            return
        if self.increasing:
            self.increasing, self.start, self.end = False, first_row, first_row
        if self.truncated or self.kept_bytes + array.nbytes > self.budget:
            self.truncated = True
            return
        self.kept.append(array)
        self.kept_bytes += array.nbytes
        self.end = first_row + len(array)

    def _extends(self, ids: Any) -> bool:
        """Whether ``ids`` strictly increase and continue the increasing run so far."""
        import numpy as np
        import pyarrow as pa

        from relscales._arrow import call, cast, to_numpy_filled

        if len(ids) == 0:
            return True
        first: Any
        last: Any
        try:
            if self.order == "text":
                raise ValueError
            numbers = to_numpy_filled(cast(ids, pa.int64()), 0)
            if self.order is None:
                self.order = "int"
            ok = bool(np.all(numbers[1:] > numbers[:-1]))
            first, last = int(numbers[0]), int(numbers[-1])
        except (ValueError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
            if self.order == "int":
                return False
            self.order = "text"
            ok = len(ids) < 2 or bool(
                call("all", call("greater", ids.slice(1), ids.slice(0, len(ids) - 1))).as_py()
            )
            first, last = ids[0].as_py(), ids[len(ids) - 1].as_py()
        if not ok or (self.last is not None and not first > self.last):
            return False
        self.last = last
        return True

    def issues(self, file: str) -> list[Issue]:
        """Warnings about repeated headers and duplicated ids (empty when none)."""
        out = []
        if self.headers:
            out.append(_header_warning(self.headers, self.column, file))
        if self.usable and self.kept:
            found = duplicate_ids(
                self.kept,
                self.column,
                file,
                first_row=self.start,
                last_row=self.end if self.truncated else None,
            )
            if found is not None:
                out.append(found)
        return out


def repeated_header(chunks: Sequence[Any], column: str, file: str) -> Issue | None:
    """Return a warning naming rows whose id is the id column's name (a header repeated).

    Two exports joined into one file leave the second header among the rows; its cells
    are then reported as invalid answers, and this says why.
    """
    check = IdCheck(column)
    first = 0
    for chunk in chunks:
        check.add(chunk, first)
        first += len(chunk)
    return _header_warning(check.headers, column, file) if check.headers else None


def _header_warning(rows: list[int], column: str, file: str) -> Issue:
    listed = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
    return Issue(
        "repeated-header",
        f"{'rows' if len(rows) > 1 else 'row'} {listed} repeat{'s' * (len(rows) == 1)} the "
        f"header (the id is {column!r}): were two exports joined? "
        + ("Their cells are" if len(rows) > 1 else "Its cells are")
        + " reported as invalid answers",
        Location(file=file, row=rows[0], data_column=column),
        "warning",
        hint="delete the repeated header rows, or export the data once",
    )


def duplicate_ids(
    chunks: Sequence[Any],
    column: str,
    file: str,
    *,
    first_row: int = 0,
    last_row: int | None = None,
) -> Issue | None:
    """Return a warning naming respondent ids that occur on more than one row, if any.

    ``chunks`` hold the ids of the rows from ``first_row`` (0-based) on. Ids in increasing
    order (as numbers, or as text), the usual case for numbered respondents, are distinct
    without hashing; otherwise one hash pass over every id (Arrow's ``count_distinct``).
    Rows are looked up only for the few ids the warning names. Empty ids are not
    compared. ``last_row``: the ids were looked at only up to that row (a large file).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from relscales._arrow import int_array, string_array, to_numpy_filled

    try:
        arrays = [
            c if pa.types.is_string(c.type) else pc.cast(c, pa.string())
            for c in (c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in chunks)
        ]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, AttributeError):
        return None  # ids that are not text or numbers (lists, structs): nothing to compare
    ids = pa.chunked_array(arrays, type=pa.string())
    if _increasing(ids.combine_chunks().drop_null()):
        return None
    present = len(ids) - ids.null_count
    distinct = pc.count_distinct(ids, mode="only_valid").as_py()
    if distinct == present:
        return None
    counts = pc.value_counts(ids.drop_null())
    many = np.flatnonzero(to_numpy_filled(counts.field("counts"), 0) > 1)
    repeated = counts.field("values").take(int_array(many))
    flat = ids.combine_chunks()
    shown = []
    for value in repeated.slice(0, SHOWN_DUPLICATES).to_pylist():
        rows = pc.indices_nonzero(pc.is_in(flat, value_set=string_array([value]))).to_pylist()
        listed = ", ".join(str(first_row + r + 1) for r in rows[:5])
        listed += ", ..." if len(rows) > 5 else ""
        shown.append(f"{value!r} on rows {listed}")
    more = len(repeated) - len(shown)
    names = "; ".join(shown) + (f"; and {more} more" if more else "")
    n = len(repeated)
    return Issue(
        "duplicate-respondent-id",
        f"{n} respondent id{'s' * (n != 1)} occur{'s' * (n == 1)} on more than one row "
        f"({present - distinct + n} rows in all): {names}. Every row is scored"
        + (
            f" (ids were compared on rows {first_row + 1} to {last_row} of this large file)"
            if last_row is not None
            else ""
        ),
        Location(file=file, data_column=column),
        "warning",
        hint="if these are repeated submissions, decide which to keep before analysing",
    )


def row_problems(batch: Batch, *, numbered: bool) -> list[Any]:
    """Problem records (``ragged-row``) for the rows of a batch with the wrong field count.

    ``numbered``: the respondents are identified by row number (no id column).
    """
    from relscales.problems import Problem

    out = []
    for r in batch.ragged:
        row = r.index + 1
        what = "fewer" if r.found < r.expected else "more"
        out.append(
            Problem(
                row,
                str(row) if numbered else (r.key or ""),
                "",
                "",
                "",
                r.text,
                "ragged-row",
                f"the row has {r.found} field{'s' * (r.found != 1)}, {what} than the "
                f"{r.expected} of the header, so its cells cannot be matched to columns; "
                "its answers were not read and its scores are empty",
            )
        )
    return out


def _increasing(ids: Any) -> bool:
    """Tell whether text ids strictly increase, as integers or as text (so are distinct)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from relscales._arrow import to_numpy_filled

    if len(ids) < 2:
        return True
    try:
        numbers = to_numpy_filled(pc.cast(ids, pa.int64()), 0)
        return bool(np.all(numbers[1:] > numbers[:-1]))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    return bool(pc.all(pc.greater(ids.slice(1), ids.slice(0, len(ids) - 1))).as_py())


def _nul_warning(file: str, count: int) -> Issue:
    return Issue(
        "data-nul-bytes",
        f"the file holds {count} NUL byte{'s' * (count != 1)} (\\0), removed before "
        "reading. The file may be damaged or padded, or saved in another encoding",
        Location(file=file),
        "warning",
        hint="compare the scores with the survey tool's own export; re-export if in doubt",
    )


def _prepared(batch: Batch, prepare: Callable[[dict[str, Any]], dict[str, Any]] | None) -> Batch:
    if prepare is None:
        return batch
    return Batch(
        prepare(batch.columns), batch.n_rows, batch.first_row, batch.bytes_read, batch.ragged
    )


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

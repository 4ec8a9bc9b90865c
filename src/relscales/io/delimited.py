"""Delimited text files (CSV, TSV) as they come: any encoding, damaged rows, huge fields.

:func:`sniff_csv` looks at a file once before it is read. It decides the encoding
from the whole file (a byte order mark; UTF-16 without one; UTF-8 when every byte
sequence is valid UTF-8, else Windows-1252, else Latin-1), counts NUL bytes, honours
an Excel ``sep=;`` first line, finds the delimiter and parses the header. A quote
that is never closed (which would swallow the rest of the file into one cell) is an
error found here, before anything is scored.

:func:`read_batches` then parses the file with pyarrow. The first attempt is the
fast one: item columns typed as numbers, several threads. Each thing that can go
wrong sends reading back to a safer setting, from the row where it happened, so no
row is read twice or lost: a cell that is not a number (text from there on), a row
with the wrong number of fields (one thread, which numbers rows; the row is kept as an
empty row and reported), a field larger than a block (bigger blocks). Files in
another encoding than UTF-8, or with NUL bytes, are decoded (and the NUL bytes
removed) in Python on the way in.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from relscales.errors import DataError, Issue, Location

__all__ = [
    "Batch",
    "CsvDialect",
    "RaggedRow",
    "looks_like_text",
    "read_batches",
    "sniff_csv",
]

HEAD_BYTES = 1 << 16
"""Bytes read first to find the delimiter and the header (more when the header is longer)."""

SCAN_BYTES = 1 << 20
"""Bytes read at a time when the whole file is checked (encoding, NUL bytes, quotes)."""

CHECKED_QUOTES = 200_000
"""Files with up to this many quotes are always checked for a quote left open."""

MAX_BLOCK = 1 << 28
"""Largest block tried for a single row (256 MiB): a field larger than this is an error."""

SHOWN_CHARS = 200
"""Characters of a damaged row kept to show in its problem record."""

_UTF8 = ("utf-8", "utf8")
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_SEP_LINE = re.compile(r'^"?sep=(.)"?[ \t]*$', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CsvDialect:
    """What :func:`sniff_csv` found out about a delimited text file.

    Attributes
    ----------
    encoding
        Codec name, as Python spells it (``utf-8``, ``utf-16``, ``cp1252``, ...).
    delimiter
        The field delimiter.
    header
        Column names, in file order.
    bom
        Whether the file starts with a byte order mark.
    fields
        How many fields each row has (the header's count, or more when every row ends
        with empty fields after a trailing delimiter).
    skip_lines
        Lines before the header (an Excel ``sep=;`` line).
    nul_bytes
        NUL bytes in the file; they are removed before parsing.
    has_rows
        ``False`` when the file holds a header and nothing else.
    invalid_bytes
        Whether some bytes are not valid in ``encoding`` (possible only when the
        encoding was given); they become U+FFFD, with a warning.
    after_header
        Rows after the header that are not data (a survey tool's question texts); set
        by a reader that knows the format, with :func:`dataclasses.replace`.
    quotes
        Byte offsets of the file's quote characters, for a file read as bytes (UTF-8 and
        the like) with few enough of them to keep (``CHECKED_QUOTES``); ``None``
        otherwise. They tell where the file can be cut to be parsed in parallel.
    """

    encoding: str
    delimiter: str
    header: tuple[str, ...]
    bom: bool = False
    fields: int = -1
    skip_lines: int = 0
    nul_bytes: int = 0
    has_rows: bool = True
    invalid_bytes: bool = False
    after_header: int = 0
    quotes: tuple[int, ...] | None = field(default=None, repr=False)

    @property
    def width(self) -> int:
        """Fields per row (``fields``, or the header's count)."""
        return self.fields if self.fields >= 0 else len(self.header)

    @property
    def transcoded(self) -> bool:
        """Whether the file is decoded in Python on its way to the parser."""
        return self.encoding not in _UTF8 or self.nul_bytes > 0 or self.invalid_bytes

    @property
    def decimal_comma(self) -> bool:
        """Whether ``4,5`` is read as a number: in semicolon-delimited files only."""
        return self.delimiter == ";"


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


# -- looking at the file ----------------------------------------------------------------


def looks_like_text(head: bytes) -> bool:
    """Tell whether the first bytes of a file look like delimited text.

    UTF-16 and UTF-32 (with or without a byte order mark) count as text, and so do a
    few NUL bytes in otherwise readable text (damaged files, padded files).
    """
    if not head:
        return True
    if _bom_encoding(head) is not None or _utf16_without_bom(head) is not None:
        return True
    sample = head[:4096]
    controls = sum(sample.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    return controls <= len(sample) // 20 or sample.count(b"\x00") == controls


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """Recognise UTF-16 text without a byte order mark by its NUL bytes (mostly ASCII)."""
    sample = head[: len(head) & ~1][:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    zeros_even, zeros_odd = even.count(0), odd.count(0)
    if zeros_odd >= 0.6 * len(odd) and zeros_even <= 0.05 * len(even):
        return "utf-16-le"
    if zeros_even >= 0.6 * len(even) and zeros_odd <= 0.05 * len(odd):
        return "utf-16-be"
    return None


def _ascii_compatible(encoding: str) -> bool:
    try:
        return '\x00,;"\n'.encode(encoding) == b'\x00,;"\n'
    except UnicodeError:  # pragma: no cover - every ASCII-compatible codec encodes these
        return False


class _Quotes:
    """Where the quotes of a file are (offset, character before), while few enough.

    Fed the file chunk by chunk (bytes, or text for UTF-16 and UTF-32), so finding a quote
    left open needs no second pass over the file. Offsets count bytes (or characters of
    text); a line number is worked out only for a quote that is reported.
    """

    def __init__(self) -> None:
        self.total = 0
        self.found: list[tuple[int, str]] | None = []
        self.offset = 0
        self.last = "\n"

    def feed(self, chunk: bytes | bytearray | str) -> None:
        quote: Any = '"' if isinstance(chunk, str) else b'"'
        i = chunk.find(quote) if self.found is not None else -1
        while i >= 0 and self.found is not None:
            if len(self.found) >= CHECKED_QUOTES:
                self.found = None
                self.total += chunk.count(quote, i)
                break
            before = self.last if i == 0 else chunk[i - 1 : i]
            self.found.append((self.offset + i, _char(before)))
            self.total += 1
            i = chunk.find(quote, i + 1)
        else:
            if self.found is None:
                self.total += chunk.count(quote)
        self.offset += len(chunk)
        if chunk:
            self.last = _char(chunk[-1:])


def _char(value: bytes | bytearray | str) -> str:
    return value if isinstance(value, str) else value.decode("latin-1")


@dataclass(frozen=True, slots=True)
class _Scan:
    utf8: bool
    cp1252: bool
    nul_bytes: int
    quotes: tuple[tuple[int, str], ...] | None
    odd_quotes: bool


@lru_cache(maxsize=8)
def _scan(path: str, stamp: tuple[int, int, int], encoding: str | None) -> _Scan:
    """Read the whole file once: is it UTF-8, how many NUL bytes, where are its quotes.

    Cached by path and ``stamp`` (size, modification time, a hash of the first bytes),
    since a file may be sniffed more than once (to choose a reader, then to read it).
    """
    utf8, cp1252, nul, quotes = True, True, 0, _Quotes()
    if encoding is not None and not _ascii_compatible(encoding):
        for text in _text_chunks(Path(path), encoding, 0):
            nul += text.count("\x00")
            quotes.feed(text)
        return _Scan(False, False, nul, _found(quotes), quotes.total % 2 == 1)
    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer = bytearray(SCAN_BYTES)
    with open(path, "rb", buffering=0) as stream:
        while size := stream.readinto(buffer):
            chunk = buffer if size == len(buffer) else buffer[:size]
            if b"\x00" in chunk:
                nul += chunk.count(b"\x00")
            quotes.feed(chunk)
            if chunk.isascii():
                continue
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if cp1252 and any(b in chunk for b in _CP1252_UNDEFINED):
                cp1252 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return _Scan(utf8, cp1252, nul, _found(quotes), quotes.total % 2 == 1)


def _found(quotes: _Quotes) -> tuple[tuple[int, str], ...] | None:
    return None if quotes.found is None else tuple(quotes.found)


def _text_chunks(path: Path, encoding: str, skip: int) -> Iterator[str]:
    """Decode a file in chunks (undecodable bytes become U+FFFD)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with path.open("rb") as stream:
        stream.seek(skip)
        while chunk := stream.read(SCAN_BYTES):
            yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)


def sniff_csv(
    path: Path, *, delimiter: str | None = None, encoding: str | None = None
) -> CsvDialect:
    """Detect encoding, byte order mark, delimiter and header of a delimited file.

    Raises
    ------
    DataError
        ``file-not-found``, ``data-unreadable``, ``data-empty``, ``unclosed-quote`` or
        ``invalid-option`` (an unknown ``encoding``, a ``delimiter`` that is not one
        character).
    """
    name = str(path)
    head, size, mtime = _read_head(path, HEAD_BYTES)
    if delimiter is not None:
        delimiter = _check_delimiter(delimiter, name)
    bom = False
    if encoding is not None:
        encoding = _check_encoding(encoding, name)
        marked = _bom_encoding(head)
        bom = marked is not None and codecs.lookup(marked).name == codecs.lookup(encoding).name
    elif (found := _bom_encoding(head)) is not None:
        encoding, bom = found, True
    elif (found := _utf16_without_bom(head)) is not None:
        encoding = found
    scan = _scan(str(path), (size, mtime, hash(head)), encoding)
    if encoding is None:
        encoding = "utf-8" if scan.utf8 else "cp1252" if scan.cp1252 else "latin-1"
    skip_bom = len(codecs.BOM_UTF8) if bom and encoding in _UTF8 else 0
    while True:
        text = head[skip_bom:].decode(encoding, errors="replace")
        text = text.removeprefix("\ufeff").replace("\x00", "")
        whole = len(head) >= size
        if not text.strip():
            raise DataError(
                Issue(
                    "data-empty",
                    "the data file is empty",
                    Location(file=name),
                    hint="export the responses again; the file has no header and no rows",
                )
            )
        skip_lines, text, delimiter = _sep_line(text, delimiter)
        if delimiter is None:
            delimiter = _guess_delimiter(text, path)
        records = _records(text, delimiter, whole)
        if records is None:  # the header row is longer than what was read
            head, _, _ = _read_head(path, len(head) * 4)
            continue
        break
    if scan.quotes is not None:
        offset = _open_quote(scan.quotes, delimiter)
        line = None if offset is None else _line_at(path, encoding, offset)
    elif scan.odd_quotes:  # too many quotes to keep, and they do not pair up: a full pass
        line = _unclosed_quote_line(path, encoding, delimiter)
    else:  # a file quoting every cell, whose quotes pair up
        line = None
    if line is not None:
        raise DataError(
            Issue(
                "unclosed-quote",
                f"a quote opened on line {line} is never closed, so everything after "
                "it would be read as one cell",
                Location(file=name, line=line),
                hint="close the quote (or remove it) in a text editor; inside a quoted "
                'cell a quote is written twice ("")',
            )
        )
    header = tuple(name.strip() for name in records[0]) if records else ()
    rows = [r for r in records[1:] if r]
    fields, header = _trailing_delimiters(header, rows)
    return CsvDialect(
        encoding=encoding,
        delimiter=delimiter,
        header=header,
        bom=bom,
        fields=fields,
        skip_lines=skip_lines,
        nul_bytes=scan.nul_bytes,
        has_rows=bool(rows) or not whole,
        invalid_bytes=encoding in _UTF8 and not scan.utf8,
        quotes=(
            tuple(offset for offset, _ in scan.quotes)
            if scan.quotes is not None and _ascii_compatible(encoding)
            else None
        ),
    )


def _read_head(path: Path, n: int) -> tuple[bytes, int, int]:
    name = str(path)
    try:
        with path.open("rb") as stream:
            stat = os.fstat(stream.fileno())
            return stream.read(n), stat.st_size, stat.st_mtime_ns
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


def _check_encoding(encoding: str, name: str) -> str:
    try:
        found = codecs.lookup(encoding).name
    except LookupError:
        raise DataError(
            Issue(
                "invalid-option",
                f"unknown encoding '{encoding}'",
                Location(file=name),
                hint="use for example utf-8, cp1252, latin-1 or utf-16",
            )
        ) from None
    return "utf-8" if found == "utf-8" else encoding


def _check_delimiter(delimiter: str, name: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "bar": "|"}
    value = named.get(delimiter.lower(), delimiter)
    if len(value) != 1 or value in '"\r\n' or value == "\x00":
        raise DataError(
            Issue(
                "invalid-option",
                f"the delimiter {delimiter!r} is not one character (other than a quote or "
                "a line break)",
                Location(file=name),
                hint="give for example --delimiter ';' or --delimiter tab",
            )
        )
    return value


def _sep_line(text: str, delimiter: str | None) -> tuple[int, str, str | None]:
    """Honour Excel's ``sep=;`` first line, and skip blank lines before the header.

    Returns the lines to skip, the text after them, and the delimiter.
    """
    skipped = 0
    first, newline, rest = text.partition("\n")
    match = _SEP_LINE.match(first.rstrip("\r"))
    if match is not None and newline:
        skipped, text, delimiter = 1, rest, delimiter or match.group(1)
    while True:
        line, newline, rest = text.partition("\n")
        if not newline or line.strip("\r"):
            return skipped, text, delimiter
        skipped, text = skipped + 1, rest


def _guess_delimiter(text: str, path: Path) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    first_line = text.splitlines()[0] if text.splitlines() else text
    counts = {d: _count_outside_quotes(first_line, d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


@contextlib.contextmanager
def _big_fields() -> Iterator[None]:
    """Let Python's csv module read fields of any size (its default limit is 128 KiB)."""
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _records(text: str, delimiter: str, whole: bool, limit: int = 200) -> list[list[str]] | None:
    """Return the first records of ``text``; ``None`` when even the header may be cut off."""
    out: list[list[str]] = []
    with _big_fields():
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for row in reader:
                out.append(row)
                if len(out) > limit:
                    break
        except csv.Error:
            pass
    if whole:
        return out
    if len(out) < 2:
        return None
    return out[:-1]  # the last record may be cut off


def _trailing_delimiters(
    header: tuple[str, ...], rows: list[list[str]]
) -> tuple[int, tuple[str, ...]]:
    """Cope with a delimiter at the end of every line (a common export habit).

    Returns the number of fields per row and the header. A header that ends with empty
    names which no row has loses them; rows that all end with the same number of empty
    fields beyond the header get that many unnamed fields. Rows that do not follow the
    pattern are reported as ragged as usual.
    """
    width = len(header)
    if not rows:
        return width, header
    empty_tail = 0
    while empty_tail < width and not header[width - 1 - empty_tail].strip():
        empty_tail += 1
    if empty_tail and empty_tail < width and all(len(r) == width - empty_tail for r in rows):
        return width - empty_tail, header[: width - empty_tail]
    extra = len(rows[0]) - width
    if extra > 0 and all(
        len(r) == width + extra and not any(c.strip() for c in r[width:]) for r in rows
    ):
        return width + extra, header
    return width, header


def _line_at(path: Path, encoding: str, offset: int) -> int:
    """Return the line (from 1) of a byte offset, or a character offset of decoded text."""
    line, seen = 1, 0
    if _ascii_compatible(encoding):
        with path.open("rb") as stream:
            while seen < offset and (chunk := stream.read(min(SCAN_BYTES, offset - seen))):
                line += chunk.count(b"\n")
                seen += len(chunk)
        return line
    for text in _text_chunks(path, encoding, 0):
        part = text[: max(offset - seen, 0)]
        line += part.count("\n")
        seen += len(text)
        if seen >= offset:
            break
    return line


def _open_quote(quotes: Sequence[tuple[int, str]], delimiter: str) -> int | None:
    """Return the offset of a quote still open at the end of the file, from the quotes' places.

    The same rules as :func:`_unclosed_quote_line`: a quote opens a quoted cell at the start
    of a cell only; inside one, a quote right after a quote is a literal quote.
    """
    quoted, skip, opened = False, -1, 0
    for k, (offset, before) in enumerate(quotes):
        if offset == skip:
            continue
        if quoted:
            if k + 1 < len(quotes) and quotes[k + 1][0] == offset + 1:
                skip = offset + 1
            else:
                quoted = False
        elif before == delimiter or before in "\r\n":
            quoted, opened = True, offset
    return opened if quoted else None


def _unclosed_quote_line(path: Path, encoding: str, delimiter: str) -> int | None:
    """Return the line of a quote that is still open at the end of the file, if any.

    A quote opens a quoted cell only at the start of a cell; inside one, two quotes are
    one literal quote. This mirrors the parser, so only a quote the parser would carry
    to the end of the file is reported.
    """
    quoted, pending, prev = False, False, "\n"
    line, open_line = 1, 0
    for chunk in _text_chunks(path, encoding, 0):
        start = 0
        if pending:  # a quote closed the previous chunk while inside a quoted cell
            pending = False
            if chunk.startswith('"'):
                start = 1
            else:
                quoted = False
        for match in re.finditer('"', chunk):
            i = match.start()
            if i < start:
                continue
            if quoted:
                if i + 1 == len(chunk):
                    pending = True
                elif chunk[i + 1] == '"':
                    start = i + 2
                else:
                    quoted = False
            else:
                before = chunk[i - 1] if i else prev
                if before == delimiter or before in "\r\n":
                    quoted = True
                    open_line = line + chunk.count("\n", 0, i)
        line += chunk.count("\n")
        prev = chunk[-1:] or prev
    return open_line if quoted and not pending else None


# -- reading --------------------------------------------------------------------------


class _Transcoder(io.RawIOBase):
    """A file decoded from any encoding to UTF-8 on the fly, NUL bytes removed.

    Undecodable bytes become U+FFFD (counted in ``replaced``), so a damaged byte makes
    its cell invalid instead of stopping the run.
    """

    def __init__(self, path: Path, dialect: CsvDialect) -> None:
        super().__init__()
        self._raw = path.open("rb")
        self._utf8 = dialect.encoding in _UTF8
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
        The file and what :func:`sniff_csv` found.
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
    mode = _Mode(
        typed=types is not None,
        threads=True,
        block=None if whole else batch_bytes,
        segments=not whole and _can_segment(path, dialect),
    )
    done = 0
    while True:
        try:
            for batch in _attempt(
                path, dialect, columns, types, mode, whole, batch_rows, key, warn
            ):
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
    # pyarrow numbers rows from 1, skipped lines and the header (and rows after it) included
    offset = dialect.skip_lines + 2 + dialect.after_header

    def on_invalid(row: Any) -> str:
        if mode.threads:  # rows are not numbered when parsed in threads: parse again
            aborted[0] = True
            return "error"
        pending.append(_ragged(row, row.number - offset, dialect, key_at))
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
            yield from _segmented(path, dialect, read, convert, names, batch_rows)
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
    strict = pacsv.ParseOptions(delimiter=dialect.delimiter, newlines_in_values=True)
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
        with _big_fields():
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

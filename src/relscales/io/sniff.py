"""Look at a delimited text file (CSV, TSV) once, before it is read: the awkward-file scan.

:func:`sniff_csv` decides the encoding from the whole file (a byte order mark; UTF-16
without one; UTF-8 when every byte sequence is valid UTF-8, else Windows-1252, else
Latin-1), counts NUL bytes, honours an Excel ``sep=;`` first line, finds the delimiter
(and with it whether ``4,5`` is a number) and parses the header. A quote that is never
closed (which would swallow the rest of the file into one cell) is an error found here,
before anything is scored. The quotes' places are kept, for the parallel reader to know
where the file can be cut, and so is whether the file holds ``0x`` (which Arrow's integer
parser would read as a hexadecimal number). What it finds is a :class:`CsvDialect`, which
:func:`relscales.io.delimited.read_batches` takes to read the rows.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from relscales.errors import DataError, Issue, Location
from relscales.io.idguess import id_like_values

__all__ = ["CsvDialect", "big_fields", "looks_like_text", "sniff_csv"]

HEAD_BYTES = 1 << 16
"""Bytes read first to find the delimiter and the header (more when the header is longer)."""

SCAN_BYTES = 1 << 20
"""Bytes read at a time when the whole file is checked (encoding, NUL bytes, quotes)."""

CHECKED_QUOTES = 200_000
"""Files with up to this many quotes are always checked for a quote left open."""

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
    hex_like
        Whether ``0x`` or ``0X`` occurs anywhere in the file. Arrow's integer parser reads
        ``0x3`` as 3, so such a file's item columns are never parsed as integers
        (``0x3`` is not a number, see :func:`relscales.labels.plain_number`).
    id_like
        Columns whose values, in the rows looked at (``sampled_rows``), look like
        respondent ids: all present, all different, short, without spaces (see
        :mod:`relscales.io.idguess`). Named in a warning when no id column is found.
    sampled_rows, sampled_all
        How many rows were looked at for ``id_like``, and whether they are all the rows.
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
    hex_like: bool = False
    id_like: tuple[str, ...] = ()
    sampled_rows: int = 0
    sampled_all: bool = False

    @property
    def width(self) -> int:
        """Fields per row (``fields``, or the header's count)."""
        return self.fields if self.fields >= 0 else len(self.header)

    @property
    def utf8(self) -> bool:
        """Whether ``encoding`` is UTF-8 (so the file's bytes may go to the parser as they are)."""
        return self.encoding in _UTF8

    @property
    def transcoded(self) -> bool:
        """Whether the file is decoded in Python on its way to the parser."""
        return not self.utf8 or self.nul_bytes > 0 or self.invalid_bytes

    @property
    def decimal_comma(self) -> bool:
        """Whether ``4,5`` is read as a number: in semicolon-delimited files only."""
        return self.delimiter == ";"


def looks_like_text(head: bytes) -> bool:
    """Tell whether the first bytes of a file look like delimited text.

    UTF-16 and UTF-32 (with or without a byte order mark) count as text, and so do a
    few NUL bytes in otherwise readable text (damaged files, padded files). Tabs, line
    breaks, form feeds and vertical tabs are whitespace, not control bytes.
    """
    if not head:
        return True
    if _bom_encoding(head) is not None or _utf16_without_bom(head) is not None:
        return True
    sample = head[:4096]
    controls = sum(sample.count(bytes([c])) for c in range(32) if c not in (9, 10, 11, 12, 13))
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
    hex_like: bool = False


class _Hex:
    """Whether a file fed chunk by chunk holds a cell Arrow would read as hexadecimal.

    Arrow's integer parser reads a cell ``0x`` + hexadecimal digits (spaces around it
    allowed). Such a cell starts where a field starts, so ``0x`` is counted only after a
    byte that cannot be part of a word or number (``10x10`` or ``r0x2`` are not).
    """

    def __init__(self) -> None:
        self.found = False
        self.tail = b""

    def feed(self, chunk: bytes | bytearray) -> None:
        if self.found or not chunk:
            return
        if b"x" in chunk or b"X" in chunk:  # a fast byte search first: most files have none
            self.found = _hex_cell(self.tail + bytes(chunk))
        self.tail = bytes(chunk[-3:])


def _hex_cell(data: bytes) -> bool:
    r"""Tell whether ``data`` holds ``0x`` and a hexadecimal digit at the start of a word.

    >>> _hex_cell(b"id,q1\nr1,0x3\n"), _hex_cell(b"r1,10x10,r0x2"), _hex_cell(b'"0XF"')
    (True, False, True)
    """
    for mark in (b"0x", b"0X"):
        i = data.find(mark)
        while i >= 0:
            before, after = data[i - 1 : i] if i else b"", data[i + 2 : i + 3]
            if (
                not (before.isalnum() or before in (b"_", b"."))
                and after
                and after in b"0123456789abcdefABCDEF"
            ):
                return True
            i = data.find(mark, i + 1)
    return False


@lru_cache(maxsize=8)
def _scan(path: str, stamp: tuple[int, int, int], encoding: str | None) -> _Scan:
    """Read the whole file once: is it UTF-8, how many NUL bytes, where are its quotes.

    Cached by path and ``stamp`` (size, modification time, a hash of the first bytes),
    since a file may be sniffed more than once (to choose a reader, then to read it).
    """
    utf8, cp1252, nul, quotes, hex_like = True, True, 0, _Quotes(), _Hex()
    if encoding is not None and not _ascii_compatible(encoding):
        for text in _text_chunks(Path(path), encoding, 0):
            nul += text.count("\x00")
            quotes.feed(text)
            hex_like.feed(text.replace("\x00", "").encode("utf-8"))
        return _Scan(False, False, nul, _found(quotes), quotes.total % 2 == 1, hex_like.found)
    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer = bytearray(SCAN_BYTES)
    with open(path, "rb", buffering=0) as stream:
        while size := stream.readinto(buffer):
            chunk = buffer if size == len(buffer) else buffer[:size]
            if b"\x00" in chunk:
                nul += chunk.count(b"\x00")
                hex_like.feed(chunk.replace(b"\x00", b""))
            else:
                hex_like.feed(chunk)
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
    return _Scan(utf8, cp1252, nul, _found(quotes), quotes.total % 2 == 1, hex_like.found)


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
    fields, header = _trailing_delimiters(header, [r for r in rows if not _blank_record(r)])
    sample = [r for r in rows if len(r) == fields and not _blank_record(r)]
    complete = whole and len(records) <= _RECORDS
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
        hex_like=scan.hex_like,
        id_like=tuple(
            name for j, name in enumerate(header) if name and id_like_values([r[j] for r in sample])
        ),
        sampled_rows=len(sample),
        sampled_all=complete and len(sample) == len(rows),
    )


def _blank_record(record: Sequence[str]) -> bool:
    """Whether a record read from a line holding only whitespace (a blank line, not a row).

    The check is on the parsed record (one field, all whitespace), so a quoted ``" "``
    counts too; it serves only to look at the first rows (the reader decides on the line).
    """
    return len(record) == 1 and not record[0].strip()


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
    while True:  # blank lines, and lines holding only whitespace, are not the header
        line, newline, rest = text.partition("\n")
        if not newline or line.strip():
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
def big_fields() -> Iterator[None]:
    """Let Python's csv module read fields of any size (its default limit is 128 KiB).

    A context manager: the limit is set back when the block ends.

    >>> with big_fields():
    ...     len(next(csv.reader(["x" * 200_000])))
    1
    """
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(old)


_RECORDS = 200
"""Records after the header looked at by :func:`sniff_csv` (trailing delimiters, ids)."""


def _records(
    text: str, delimiter: str, whole: bool, limit: int = _RECORDS
) -> list[list[str]] | None:
    """Return the first records of ``text``; ``None`` when even the header may be cut off."""
    out: list[list[str]] = []
    with big_fields():
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

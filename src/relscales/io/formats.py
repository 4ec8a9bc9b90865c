"""Which reader opens a data file: a registry of formats, detected from content and name.

Each reader is a small object with a registry key (the values of ``--input-format``),
a ``detect(probe)`` test and an ``open(probe)`` method returning a
:class:`~relscales.io.tabular.Source`. :func:`open_file` picks the reader: the one
named by ``format``, else the first in :data:`READERS` whose test accepts the file.
Binary formats are recognised by their first bytes whatever the file is called; text
formats by the name (``.json``, ``.csv``, ...) and then by the header (a Qualtrics or
REDCap export is a CSV whose header says so). A plain CSV is left to
:func:`relscales.io.sources.open_source`, which streams it.

Long data (one row per respondent and item) is turned into one row per respondent
after reading, when asked (``long=True``) or when its columns are named like
respondent, item and value.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

from relscales.errors import DataError, Issue, Location
from relscales.io.sniff import CsvDialect, sniff_csv
from relscales.io.tabular import Source

__all__ = ["READERS", "Probe", "ReadOptions", "Reader", "input_format_hint", "open_file"]

TEXT_SUFFIXES = ("", ".csv", ".tsv", ".txt", ".tab")
"""Names read as delimited text."""

HEAD_BYTES = 1 << 16
ROWS_BYTES = 1 << 20
"""How much of a text file is read to look at its first rows (long question texts)."""


@dataclass(frozen=True)
class ReadOptions:
    """Reader options from the command line (``--delimiter``, ``--sheet``, ...)."""

    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    long: bool = False


@dataclass
class Probe:
    """A file being identified: its name, first bytes and (for text) first rows."""

    path: Path
    head: bytes
    options: ReadOptions = field(default_factory=ReadOptions)

    @property
    def name(self) -> str:
        """The path as given."""
        return str(self.path)

    @property
    def suffix(self) -> str:
        """The lower-case suffix (``.csv``)."""
        return self.path.suffix.lower()

    @property
    def is_text(self) -> bool:
        """Whether the first bytes look like text (UTF-16 and NUL-padded text count)."""
        from relscales.io.sniff import looks_like_text

        return looks_like_text(self.head)

    @cached_property
    def dialect(self) -> CsvDialect:
        """Encoding, delimiter and header, as :func:`sniff_csv` finds them."""
        return sniff_csv(
            self.path, delimiter=self.options.delimiter, encoding=self.options.encoding
        )

    @cached_property
    def rows(self) -> list[list[str]]:
        """The first rows of a delimited text file (up to 4), header included."""
        dialect = self.dialect
        with self.path.open("rb") as stream:
            raw = stream.read(ROWS_BYTES)
        text = raw.decode(dialect.encoding, errors="replace").removeprefix("\ufeff")
        reader = csv.reader(io.StringIO(text), delimiter=dialect.delimiter)
        rows: list[list[str]] = []
        try:
            for row in reader:
                rows.append(row)
                if len(rows) == 4:
                    break
        except csv.Error:  # pragma: no cover - a cut-off quote at the 1 MB mark
            pass
        return rows


class Reader(Protocol):
    """A data format: how to recognise it and how to open it."""

    @property
    def name(self) -> str:
        """The registry key, a value of ``--input-format``."""
        ...  # pragma: no cover

    @property
    def title(self) -> str:
        """What the format is, for messages."""
        ...  # pragma: no cover

    def detect(self, probe: Probe) -> bool:
        """Tell whether this reader should open the file."""
        ...  # pragma: no cover

    def open(self, probe: Probe) -> Source | None:
        """Open the file (``None``: a plain CSV, streamed by ``open_source``)."""
        ...  # pragma: no cover


@dataclass(frozen=True)
class _Simple:
    """A reader built from two functions (the formats that need no state)."""

    name: str
    title: str
    detector: Callable[[Probe], bool]
    opener: Callable[[Probe], Source | None]

    def detect(self, probe: Probe) -> bool:
        return self.detector(probe)

    def open(self, probe: Probe) -> Source | None:
        return self.opener(probe)


def _spss_detect(probe: Probe) -> bool:
    return probe.head.startswith((b"$FL2", b"$FL3"))


def _spss_open(probe: Probe) -> Source:
    from relscales.io.spss import read_spss

    return read_spss(probe)


def _excel_detect(probe: Probe) -> bool:
    if not probe.head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(probe.path) as archive:
            return any(name.startswith("xl/") for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return probe.suffix in (".xlsx", ".xlsm")


def _excel_open(probe: Probe) -> Source:
    from relscales.io.excel import read_excel

    return read_excel(probe)


def _parquet_detect(probe: Probe) -> bool:
    return probe.head.startswith(b"PAR1")


def _parquet_open(probe: Probe) -> Source:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from relscales.io.readsource import ReadSource

    try:
        table = pq.read_table(probe.path)
    except (pa.ArrowException, OSError) as exc:
        raise _not_valid(probe, "Parquet", str(exc)) from None
    return ReadSource(
        probe.name,
        tuple(table.schema.names),
        probe.path.stat().st_size,
        probe.path,
        table=table,
        format="parquet",
        notes=[f"read {probe.name} as Parquet ({table.num_rows} rows)"],
    )


def _json_detect(probe: Probe) -> bool:
    if probe.suffix in (".json", ".jsonl", ".ndjson"):
        return True
    if probe.suffix not in TEXT_SUFFIXES or not probe.is_text:
        return False
    head = probe.head
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[:64].decode("utf-16", errors="replace")
    else:
        text = head[:64].decode("utf-8", errors="replace").removeprefix("\ufeff")
    return text.lstrip()[:1] in ("[", "{")


def _json_open(probe: Probe) -> Source:
    from relscales.io.jsonrecords import read_json

    return read_json(probe)


def _qualtrics_detect(probe: Probe) -> bool:
    from relscales.io.qualtrics import ID_COLUMNS, looks_like_qualtrics

    if not _delimited(probe):
        return False
    header = probe.dialect.header
    return any(name in header for name in ID_COLUMNS) and looks_like_qualtrics(header, probe.rows)


def _qualtrics_open(probe: Probe) -> Source:
    from relscales.io.qualtrics import read_qualtrics

    return read_qualtrics(probe)


def _redcap_detect(probe: Probe) -> bool:
    from relscales.io.redcap import looks_like_redcap

    return _delimited(probe) and looks_like_redcap(probe.dialect.header)


def _redcap_open(probe: Probe) -> Source:
    from relscales.io.redcap import read_redcap

    return read_redcap(probe)


def _csv_detect(probe: Probe) -> bool:
    return _delimited(probe)


def _csv_open(probe: Probe) -> None:
    return None


def _delimited(probe: Probe) -> bool:
    return probe.suffix in TEXT_SUFFIXES and probe.is_text


READERS: dict[str, Reader] = {
    reader.name: reader
    for reader in (
        _Simple("spss", "SPSS (.sav, .zsav)", _spss_detect, _spss_open),
        _Simple("excel", "Excel (.xlsx, .xlsm)", _excel_detect, _excel_open),
        _Simple("parquet", "Parquet", _parquet_detect, _parquet_open),
        _Simple("json", "JSON (.json, .jsonl)", _json_detect, _json_open),
        _Simple("qualtrics", "Qualtrics exports", _qualtrics_detect, _qualtrics_open),
        _Simple("redcap", "REDCap exports", _redcap_detect, _redcap_open),
        _Simple("csv", "CSV or TSV (.csv, .tsv, .txt, .tab)", _csv_detect, _csv_open),
    )
}
"""Every reader by its ``--input-format`` name, in the order they are tried."""

_SUFFIXES = {
    ".sav": "spss",
    ".zsav": "spss",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
}


def open_file(
    path: Path,
    *,
    format: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    long: bool = False,
) -> Source | None:
    """Open a data file with the reader its content calls for (or the one named).

    Returns ``None`` for a plain CSV/TSV file, which
    :func:`~relscales.io.sources.open_source` streams itself.

    Raises
    ------
    DataError
        ``file-not-found``, ``data-empty``, ``data-unreadable`` (a file that is not
        what its name or ``format`` says), ``unsupported-format``, ``invalid-option``
        (an unknown ``format``).
    MissingDependencyError
        The reader needs an optional extra (``relscales[spss]``, ``relscales[excel]``).
    """
    if format is not None and format not in READERS:
        from relscales.instruments.lint import did_you_mean

        raise DataError(
            Issue(
                "invalid-option",
                f"unknown input format '{format}'",
                Location(file=str(path)),
                hint=did_you_mean(format, READERS) or f"formats: {', '.join(READERS)}",
            )
        )
    probe = Probe(path, _head(path), ReadOptions(delimiter, encoding, sheet, long))
    if not probe.head.strip():
        probe.dialect  # noqa: B018 - raises data-empty with the usual message
    reader = READERS[format] if format is not None else _detect(probe)
    source = reader.open(probe)
    if reader.name in ("qualtrics", "redcap"):
        return source
    from relscales.io.longformat import long_columns, to_wide

    header = source.header if source is not None else probe.dialect.header
    if long or long_columns(header) is not None:
        if source is None:
            source = Source(probe.name, header, path.stat().st_size, path, probe.dialect)
        return to_wide(source, forced=long)
    from relscales.io.readsource import ReadSource

    if isinstance(source, ReadSource):
        from relscales.io.qualtrics import looks_like_qualtrics, wrap_table

        if looks_like_qualtrics(source.header, []):
            return wrap_table(source)
    return source


def _detect(probe: Probe) -> Reader:
    for reader in READERS.values():
        if reader.detect(probe):
            return reader
    expected = _SUFFIXES.get(probe.suffix)
    if expected is not None:
        why = "its content is not in that format"
        if probe.is_text:
            why += " (it looks like text; if it is CSV, give --input-format csv)"
        raise _not_valid(probe, READERS[expected].title, why)
    suffix = probe.suffix or "(no suffix)"
    if probe.suffix == ".xls" or probe.head.startswith(b"\xd0\xcf\x11\xe0"):
        hint = "save it as an Excel workbook (.xlsx) or as CSV, and read that"
    elif probe.is_text:
        hint = "if it is delimited text, give --input-format csv"
    else:
        hint = "export the data as CSV, .xlsx, .sav, JSON or Parquet"
    raise DataError(
        Issue(
            "unsupported-format",
            f"cannot read '{suffix}' files: relscales reads "
            + ", ".join(r.title for r in READERS.values()),
            Location(file=probe.name),
            hint=hint,
        )
    )


def _not_valid(probe: Probe, title: str, why: str) -> DataError:
    return DataError(
        Issue(
            "data-unreadable",
            f"cannot read the file as {title}: {why}",
            Location(file=probe.name),
            hint="check that the file is complete and of that kind, or name its format "
            "with --input-format",
        )
    )


def _head(path: Path) -> bytes:
    name = str(path)
    try:
        with path.open("rb") as stream:
            return stream.read(HEAD_BYTES)
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


def input_format_hint(name: str | None) -> str | None:
    """Return a hint for ``--format NAME`` where NAME is an input format (it is the output's).

    >>> input_format_hint("spss")
    '--format chooses the output; to say what the data file is, use --input-format spss'
    >>> input_format_hint("html") is None
    True
    """
    key = (name or "").lower().lstrip(".")
    if key in READERS or key in ("sav", "xlsx", "xls"):
        return (
            f"--format chooses the output; to say what the data file is, use --input-format {key}"
        )
    return None

"""Qualtrics exports: CSV or TSV (UTF-16) with up to three header rows, and tables.

A Qualtrics export (Data & Analysis > Export data) has the column names in its first
row, the question text in the second and, since 2016, a JSON import id such as
``{"ImportId":"QID1_1"}`` in the third. Metadata columns (``StartDate``, ``Status``,
``Progress``, ``Duration (in seconds)``, ``Finished``, ``ResponseId``, ...) come
first. Answers are numbers (the questions' *recode values*) or choice text, and a
question that was seen but not answered is ``-99`` when the export was asked to
recode it so.

What relscales does with it: the rows under the names that are header rows are
skipped; ``ResponseId`` is the respondent id; ``-99`` is read as missing and counted;
``Duration (in seconds)`` feeds the speed check of the quality screen; responses with
``Finished`` = 0/False, and previews, tests and spam (``Status``), are reported (and
marked per row with ``--with-quality``). The same rules apply to a Qualtrics export
saved as Excel or SPSS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from relscales.errors import DataError, Issue, Location
from relscales.io.readsource import ExportSource, ReadSource, RowRule

if TYPE_CHECKING:
    from relscales.io.formats import Probe

__all__ = ["extra_header_rows", "looks_like_qualtrics", "read_qualtrics", "wrap_table"]

METADATA = frozenset(
    {
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Duration__in_seconds_",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "ResponseID",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "ExternalDataReference",
        "LocationLatitude",
        "LocationLongitude",
        "DistributionChannel",
        "UserLanguage",
    }
)
"""Metadata columns of a Qualtrics export (never read as answers)."""

ID_COLUMNS = ("ResponseId", "ResponseID")
DURATION_COLUMNS = ("Duration (in seconds)", "Duration__in_seconds_")
MISSING = "-99"

FINISHED = RowRule(
    "Finished",
    {"0": "unfinished", "false": "unfinished"},
    "unfinished-responses",
    "--with-quality marks them row by row; to leave them out, export only finished "
    "responses or filter them before scoring",
)
STATUS = RowRule(
    "Status",
    {
        "1": "survey preview",
        "survey preview": "survey preview",
        "2": "survey test",
        "survey test": "survey test",
        "8": "spam",
        "spam": "spam",
        "9": "survey preview",
        "survey preview spam": "survey preview",
        "12": "spam",
        "imported spam": "spam",
        "17": "survey preview",
        "offline survey preview": "survey preview",
    },
    "preview-responses",
    "previews, tests and spam are not respondents: delete them in Qualtrics or filter "
    "them out before scoring",
)


def _id_column(header: Sequence[str]) -> str | None:
    return next((name for name in ID_COLUMNS if name in header), None)


def _squash(cell: Any) -> str:
    return "" if cell is None else str(cell).strip().replace(" ", "").casefold()


def extra_header_rows(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Count the header rows under the names: question text, then ``{"ImportId": ...}``.

    A row is a header row when its ``ResponseId`` cell reads "Response ID" or holds an
    import id; data rows hold ids like ``R_1abc``. So an export whose extra rows were
    deleted by hand loses no data row.

    >>> names = ["Q1", "ResponseId"]
    >>> extra_header_rows(names, [["Q1 text", "Response ID"], ['{"ImportId":"QID1"}',
    ...     '{"ImportId":"_recordId"}'], ["3", "R_1"]])
    2
    >>> extra_header_rows(names, [["3", "R_1"]])
    0
    """
    id_col = _id_column(header)
    if id_col is None:
        return 0
    index = list(header).index(id_col)
    count = 0
    for row in rows[:2]:
        cell = row[index] if index < len(row) else None
        text = "" if cell is None else str(cell).strip()
        if _squash(text) == "responseid" or text.startswith('{"ImportId"'):
            count += 1
        else:
            break
    return count


def looks_like_qualtrics(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bool:
    """Tell a Qualtrics export by its id column and metadata columns or header rows."""
    if _id_column(header) is None:
        return False
    if sum(name in METADATA for name in header) >= 3:
        return True
    return extra_header_rows(header, rows[1:3]) > 0


def _settings(header: Sequence[str], id_col: str) -> dict[str, Any]:
    duration = next((name for name in DURATION_COLUMNS if name in header), None)
    return {
        "format": "qualtrics",
        "id_hint": id_col,
        "duration_hint": duration,
        "missing_codes": frozenset({MISSING}),
        "missing_numbers": frozenset({float(MISSING)}),
        "missing_name": "-99 (seen but unanswered)",
        "protected": METADATA | {id_col},
        "rules": (FINISHED, STATUS),
    }


def _describe(opening: str, skipped: int, id_col: str, duration: str | None) -> str:
    parts = [opening]
    if skipped:
        rows = "header row" if skipped == 1 else f"{skipped} header rows"
        parts.append(f"skipped the {rows} under the column names")
    parts.append(f"respondent id '{id_col}'")
    if duration:
        parts.append(f"completion times from '{duration}'")
    return "; ".join(parts)


def read_qualtrics(probe: Probe) -> ExportSource:
    """Open a Qualtrics CSV or TSV export (any encoding the sniffer finds, UTF-16 too)."""
    dialect = probe.dialect
    header = dialect.header
    id_col = _id_column(header)
    if id_col is None:
        raise DataError(
            Issue(
                "data-unreadable",
                "this is not a Qualtrics export: it has no ResponseId column",
                Location(file=probe.name),
                hint="export the responses from Qualtrics again, or give --input-format csv",
            )
        )
    rows = probe.rows
    skipped = extra_header_rows(header, rows[1:3])
    column_text: dict[str, str] = {}
    index = list(header).index(id_col)
    if skipped and _squash(rows[1][index]) == "responseid":
        column_text = dict(zip(header, rows[1], strict=False))
    settings = _settings(header, id_col)
    kind = "TSV" if dialect.delimiter == "\t" else "CSV"
    opening = f"read {probe.name} as a Qualtrics export ({kind}, {dialect.encoding})"
    return ExportSource(
        probe.name,
        header,
        probe.path.stat().st_size,
        probe.path,
        dialect,
        skip_rows=skipped,
        column_text=column_text,
        notes=[_describe(opening, skipped, id_col, settings["duration_hint"])],
        details={"header_rows": 1 + skipped},
        **settings,
    )


def wrap_table(source: ReadSource) -> ExportSource:
    """Apply the Qualtrics rules to an export read as a table (Excel, SPSS, JSON)."""
    id_col = _id_column(source.header)
    assert id_col is not None
    settings = _settings(source.header, id_col)
    skipped = int(source.details.get("header_rows", 1)) - 1
    opening = "the data are a Qualtrics export"
    note = _describe(opening, skipped, id_col, settings["duration_hint"])
    return ExportSource(
        source.name,
        source.header,
        source.size,
        source.path,
        table=source.table,
        notes=[*source.notes, note],
        value_labels=source.value_labels,
        column_text=source.column_text,
        details={**source.details, "saved_as": source.format},
        **settings,
    )

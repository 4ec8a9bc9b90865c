"""Excel workbooks (``.xlsx``, ``.xlsm``), through openpyxl (``relscales[excel]``).

The first sheet is read unless ``--sheet NAME`` names another (a number counts
sheets from 1 when no sheet has that name). Its first row holds the column names.
Cells keep their meaning: numbers stay numbers (whole numbers without ``.0``), text
stays text (``007`` stays ``007``), dates are written in ISO 8601 (``2024-03-01``,
or ``2024-03-01 14:05:00`` with a time), and formulas give the values Excel last
computed. Workbooks store numbers independently of the locale they were typed in, so
decimal commas are not an issue. Empty rows at the end of the sheet are not data.
"""

from __future__ import annotations

import warnings
import zipfile
from typing import TYPE_CHECKING, Any

from relscales.deps import require
from relscales.errors import DataError, Issue, Location
from relscales.io.readsource import ReadSource, python_column, render

if TYPE_CHECKING:
    from relscales.io.formats import Probe

__all__ = ["read_excel"]


def _unreadable(probe: Probe, why: str) -> DataError:
    return DataError(
        Issue(
            "data-unreadable",
            f"cannot read the file as an Excel workbook: {why}",
            Location(file=probe.name),
            hint="open it in Excel and save it again as .xlsx, or export the sheet as CSV",
        )
    )


def _pick(probe: Probe, workbook: Any) -> Any:
    names = list(workbook.sheetnames)
    wanted = probe.options.sheet
    if wanted is None:
        return workbook[names[0]]
    if wanted in names:
        return workbook[wanted]
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return workbook[names[int(wanted) - 1]]
    from relscales.instruments.lint import did_you_mean

    listed = ", ".join(f"'{n}'" for n in names)
    raise DataError(
        Issue(
            "sheet-not-found",
            f"the workbook has no sheet '{wanted}'",
            Location(file=probe.name),
            hint=did_you_mean(wanted, names) or f"its sheets are {listed}",
        )
    )


def read_excel(probe: Probe) -> ReadSource:
    """Read one sheet into a table (values, not formulas)."""
    openpyxl = require("openpyxl", "excel")
    invalid = openpyxl.utils.exceptions.InvalidFileException

    # a file object, not the path: openpyxl refuses names without an Excel suffix
    with probe.path.open("rb") as stream:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # style and extension warnings of other tools
                workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, invalid) as exc:
            raise _unreadable(probe, str(exc) or type(exc).__name__) from None
        except Exception as exc:  # a damaged workbook can fail anywhere in openpyxl
            raise _unreadable(probe, f"{type(exc).__name__}: {exc}") from None
        try:
            sheet = _pick(probe, workbook)
            title = str(sheet.title)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            n_sheets = len(workbook.sheetnames)
        except DataError:
            raise
        except Exception as exc:
            raise _unreadable(probe, f"{type(exc).__name__}: {exc}") from None
        finally:
            workbook.close()
    while rows and all(cell is None for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise DataError(
            Issue(
                "data-empty",
                f"sheet '{title}' is empty",
                Location(file=probe.name),
                hint="choose the sheet with the responses with --sheet NAME",
            )
        )
    width = max(
        (j + 1 for row in rows for j, cell in enumerate(row) if cell is not None), default=0
    )
    header = [
        render(cell) if cell is not None else f"column{j + 1}"
        for j, cell in enumerate((rows[0] + [None] * width)[:width])
    ]
    body = [(row + [None] * width)[:width] for row in rows[1:]]
    from relscales.io.qualtrics import extra_header_rows

    skipped = extra_header_rows(header, body[:2])
    body = body[skipped:]
    import pyarrow as pa

    columns = [python_column([row[j] for row in body]) for j in range(width)]
    table = pa.Table.from_arrays(columns, names=header)
    which = "" if n_sheets == 1 else f", sheet '{title}' of {n_sheets}"
    rows_read = f"{len(body)} row{'s' * (len(body) != 1)}"
    return ReadSource(
        probe.name,
        tuple(header),
        probe.path.stat().st_size,
        probe.path,
        table=table,
        format="excel",
        notes=[f"read {probe.name} as an Excel workbook{which} ({rows_read})"],
        details={"sheet": title, "header_rows": 1 + skipped},
    )

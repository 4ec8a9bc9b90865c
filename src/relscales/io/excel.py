"""Excel workbooks (``.xlsx``, ``.xlsm``), through openpyxl (``relscales[excel]``).

The first sheet is read unless ``--sheet NAME`` names another (a number counts
sheets from 1 when no sheet has that name). Its first row holds the column names.
Cells keep their meaning: numbers stay numbers (whole numbers without ``.0``), text
stays text (``007`` stays ``007``), dates are written in ISO 8601 (``2024-03-01``,
or ``2024-03-01 14:05:00`` with a time), and formulas give the values Excel last
computed. A formula without a saved value (a workbook written by a program that does
not compute formulas, such as openpyxl, and never opened in Excel) is read as an empty
cell, with a warning (``excel-formula-no-value``) naming the first such cells. Workbooks
store numbers independently of the locale they were typed in, so decimal commas are not
an issue. Empty rows at the end of the sheet (also rows of spaces) are not data.
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


SHOWN_CELLS = 5
"""Formula cells without a saved value named in the warning about them."""

_FORMULA_MARKS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")


def _has_formulas(stream: Any) -> bool:
    """Whether a sheet's XML holds a formula element (a quick byte search, chunk by chunk)."""
    tail = b""
    while chunk := stream.read(1 << 20):
        data = tail + chunk
        if any(mark in data for mark in _FORMULA_MARKS):
            return True
        tail = data[-3:]
    return False


def _formulas_without_value(path: Any, sheet_path: str | None) -> list[str]:
    """Return the cells (``B7``) of a sheet holding a formula without a saved value, in order.

    A formula's saved value is the ``<v>`` element next to its ``<f>``; programs that
    write workbooks without computing them leave it out or empty. A formula whose value
    is the empty text (``t="str"`` with an empty ``<v>``) has a value: the empty cell.
    """
    import xml.etree.ElementTree as ET

    if not sheet_path:
        return []
    found: list[str] = []
    with zipfile.ZipFile(path) as archive:
        name = sheet_path.lstrip("/")
        if name not in archive.namelist():
            return []
        with archive.open(name) as stream:
            if not _has_formulas(stream):
                return []
        with archive.open(name) as stream:
            for _, element in ET.iterparse(stream, events=("end",)):
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "row":
                    element.clear()
                if tag != "c":
                    continue
                formula = value = None
                for child in element:
                    kind = child.tag.rsplit("}", 1)[-1]
                    if kind == "f":
                        formula = child
                    elif kind == "v":
                        value = child
                if formula is None:
                    continue
                text = value.text if value is not None else None
                if not text and not (value is not None and element.get("t") == "str"):
                    found.append(element.get("r") or "?")
    return found


def _formula_warning(probe: Probe, title: str, cells: list[str], header_rows: int) -> Issue:
    """Warn about formula cells without a saved value, naming the first (and their data rows)."""
    n = len(cells)

    def named(ref: str) -> str:
        digits = "".join(c for c in ref if c.isdigit())
        row = int(digits) - header_rows if digits else 0
        return f"{ref} (data row {row})" if row > 0 else ref

    shown = ", ".join(named(ref) for ref in cells[:SHOWN_CELLS])
    shown += f" and {n - SHOWN_CELLS} more" if n > SHOWN_CELLS else ""
    return Issue(
        "excel-formula-no-value",
        f"{n} formula cell{'s' * (n != 1)} of sheet '{title}' ha{'ve' if n != 1 else 's'} no "
        f"saved value and {'were' if n != 1 else 'was'} read as empty: {shown}. The "
        "workbook was written by a program that does not compute formulas",
        Location(file=probe.name),
        "warning",
        hint="open the workbook in Excel or LibreOffice and save it, which computes the "
        "formulas; or write the values instead of formulas",
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
            # (openpyxl keeps where the sheet is in the archive; without it, no check)
            uncomputed = _formulas_without_value(
                probe.path, getattr(sheet, "_worksheet_path", None)
            )
        except DataError:
            raise
        except Exception as exc:
            raise _unreadable(probe, f"{type(exc).__name__}: {exc}") from None
        finally:
            workbook.close()
    while rows and all(_blank(cell) for cell in rows[-1]):
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
        read_warnings=(
            [_formula_warning(probe, title, uncomputed, 1 + skipped)] if uncomputed else []
        ),
    )


def _blank(cell: Any) -> bool:
    """Whether a cell is empty, or text of whitespace only (a row of them is not data)."""
    return cell is None or (isinstance(cell, str) and not cell.strip())

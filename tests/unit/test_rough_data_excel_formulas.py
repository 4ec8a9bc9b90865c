"""An xlsx formula without a saved value is read as empty, with a warning naming the cells.

openpyxl, xlsxwriter (without values) and other programs write formulas without computing
them; Excel computes and saves them when the workbook is opened and saved. The reader
cannot compute them, so it says which cells were read as empty.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import relscales
from relscales.io.sources import open_source

BAD = Path(__file__).resolve().parent.parent / "data" / "bad"
FIVE = BAD / "five.yaml"

pytest.importorskip("openpyxl")


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_formulas_without_a_saved_value_are_named(tmp_path: Path) -> None:
    rows: list[list[object]] = [["id", "q1", "q2", "q3", "q4", "q5"]]
    rows += [[f"r{i}", "=1+1", 2, 3, 4, "=A1"] for i in range(1, 5)]
    path = _workbook(tmp_path / "d.xlsx", rows)
    source = open_source(path)
    (warning,) = source.read_warnings
    assert warning.code == "excel-formula-no-value"
    assert warning.severity == "warning"
    assert warning.message.startswith(
        "8 formula cells of sheet 'Data' have no saved value and were read as empty: "
        "B2 (data row 1), F2 (data row 1), B3 (data row 2), F3 (data row 2), "
        "B4 (data row 3) and 3 more."
    )
    result = relscales.score(FIVE, path)
    assert "excel-formula-no-value" in [w.code for w in result.warnings]
    assert result.columns["total"][0] == pytest.approx(3.0)  # q2, q3 (reversed), q4


def test_saved_values_and_empty_text_results_are_values(tmp_path: Path) -> None:
    """The corpus workbook: C3 has no value; B4 has 3 saved; F5's value is the empty text."""
    source = open_source(BAD / "xlsx-formula-without-value.xlsx")
    (warning,) = source.read_warnings
    assert "1 formula cell of sheet 'Responses' has no saved value" in warning.message
    assert ": C3 (data row 2)." in warning.message
    assert source.table.column("q1").to_pylist() == [1, 5, 3, 2]


def test_a_workbook_without_formulas_has_no_warning(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "d.xlsx", [["id", "q1"], ["r1", 1], ["r2", "text"]])
    assert open_source(path).read_warnings == []


def test_rows_of_spaces_at_the_end_of_a_sheet_are_not_data(tmp_path: Path) -> None:
    rows: list[list[object]] = [["id", "q1", "q2", "q3", "q4", "q5"], ["r1", 1, 2, 3, 4, 5]]
    rows += [["  ", None, " "], [None, "\u00a0"]]
    source = open_source(_workbook(tmp_path / "d.xlsx", rows))
    assert source.table.num_rows == 1


def test_a_namespaced_sheet_is_checked_too(tmp_path: Path) -> None:
    """Some writers prefix the spreadsheet namespace (``<x:c>``, ``<x:f>``)."""
    plain = _workbook(tmp_path / "d.xlsx", [["id", "q1"], ["r1", "=1+1"]])
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
                text = text.replace(main, main.replace("xmlns=", "xmlns:x="))
                for tag in ("worksheet", "sheetData", "row", "c", "f", "v", "is", "t"):
                    text = text.replace(f"<{tag}", f"<x:{tag}").replace(f"</{tag}>", f"</x:{tag}>")
                data = text.encode()
            target.writestr(item, data)
    path = tmp_path / "prefixed.xlsx"
    path.write_bytes(out.getvalue())
    warnings = open_source(path).read_warnings
    assert [w.code for w in warnings] == ["excel-formula-no-value"]

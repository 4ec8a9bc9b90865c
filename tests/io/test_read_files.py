"""SPSS, Excel, JSON, Parquet and long data; choosing the reader; reader errors."""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import relscales
from relscales.errors import DataError, MissingDependencyError
from relscales.io.formats import READERS, open_file
from relscales.io.readsource import ReadSource, input_warnings, python_column, render
from relscales.io.sources import open_source

FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"
ITEMS = [f"rses{i:02d}" for i in range(1, 11)]


def scores(result: relscales.ScoreResult) -> list[float | None]:
    return [None if math.isnan(v) else v for v in result.scores["self_esteem"].tolist()]


def read(source: Any, columns: list[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {c: [] for c in columns}
    for batch in source.batches(columns):
        for c in columns:
            out[c] += batch.columns[c].to_pylist()
    return out


# -- choosing a reader ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("qualtrics-numeric.csv", "qualtrics"),
        ("qualtrics-utf16.tsv", "qualtrics"),
        ("redcap-raw.csv", "redcap"),
        ("records.json", "json"),
        ("lines.jsonl", "json"),
        ("rses.xlsx", "excel"),
        ("rses.sav", "spss"),
        ("long.csv", "csv"),
    ],
)
def test_format_is_detected_from_content_and_name(name: str, fmt: str) -> None:
    if fmt in ("excel", "spss"):
        pytest.importorskip({"excel": "openpyxl", "spss": "pyreadstat"}[fmt])
    source = open_source(FORMATS / name)
    assert isinstance(source, ReadSource)
    assert source.format == fmt


def test_registry_keys_are_the_input_formats() -> None:
    assert list(READERS) == ["spss", "excel", "parquet", "json", "qualtrics", "redcap", "csv"]


def test_content_wins_over_the_name(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    disguised = tmp_path / "responses.csv"
    shutil.copy(FORMATS / "rses.xlsx", disguised)
    assert scores(relscales.score("rses", disguised)) == [30.0, 20.0, 10.0, None]


def test_plain_csv_is_left_to_the_streaming_reader(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("id,a\n1,2\n", encoding="utf-8")
    assert open_file(path) is None


@pytest.mark.parametrize(
    ("name", "content", "code", "words"),
    [
        ("data.pdf", b"%PDF-1.4\x00\x01", "unsupported-format", "export the data as CSV"),
        ("data.dat", b"id,a\n1,2\n", "unsupported-format", "give --input-format csv"),
        ("data.xls", b"\xd0\xcf\x11\xe0\x00\x00", "unsupported-format", "save it as an Excel"),
        ("data.xlsx", b"id,a\n1,2\n", "data-unreadable", "if it is CSV, give --input-format csv"),
        ("data.sav", b"\x00\x01binary", "data-unreadable", "not in that format"),
        ("data.xlsx", b"", "data-empty", "the data file is empty"),
    ],
)
def test_files_that_cannot_be_read(
    tmp_path: Path, name: str, content: bytes, code: str, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        open_source(path)
    assert info.value.code == code
    assert words in str(info.value)


def test_unknown_input_format_suggests_one(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        open_source(path, format="qualtrix")
    assert info.value.code == "invalid-option"
    assert "did you mean 'qualtrics'" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        open_source(tmp_path / "absent.sav")
    assert info.value.code == "file-not-found"


@pytest.mark.parametrize(
    ("module", "name", "extra"),
    [("openpyxl", "rses.xlsx", "excel"), ("pyreadstat", "rses.sav", "spss")],
)
def test_missing_optional_dependency_gives_the_install_command(
    monkeypatch: pytest.MonkeyPatch, module: str, name: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(MissingDependencyError) as info:
        open_source(FORMATS / name)
    assert info.value.code == "missing-dependency"
    assert f"pip install 'relscales[{extra}]'" in str(info.value)


@pytest.mark.parametrize("fmt", ["excel", "spss", "parquet", "json"])
def test_forcing_a_format_on_a_csv_is_a_clear_error(tmp_path: Path, fmt: str) -> None:
    pytest.importorskip({"excel": "openpyxl", "spss": "pyreadstat"}.get(fmt, "json"))
    path = tmp_path / "d.csv"
    path.write_text("id,a\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        open_source(path, format=fmt)
    assert info.value.code == "data-unreadable"


# -- SPSS ----------------------------------------------------------------------------------


def test_spss_codes_value_labels_and_user_missing() -> None:
    pytest.importorskip("pyreadstat")
    source = open_source(FORMATS / "rses.sav")
    assert isinstance(source, ReadSource)
    assert source.value_labels["rses01"][0.0] == "Strongly disagree"
    assert source.column_text["pid"] == "Participant"
    cells = read(source, ["pid", "rses04", "visit"])
    assert cells["pid"] == ["p1", "p2", "p3", "p4"]
    assert cells["rses04"] == [3, 2, 1, None]  # -9 is user-missing in the file
    assert cells["visit"] == ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]
    result = relscales.score("rses", source, id_column="pid")
    assert scores(result) == [30.0, 20.0, 10.0, None]
    assert result.problem_count == 0
    assert result.warnings == ()
    assert "1 cell held SPSS user-missing values" in source.all_notes()[1]


def test_spss_label_text_decodes_through_the_instrument() -> None:
    pytest.importorskip("pyreadstat")
    result = relscales.score("rses", FORMATS / "rses-text.sav")
    assert scores(result) == [30.0, 20.0, 10.0, None]
    assert result.problem_count == 0


def test_spss_labels_that_disagree_with_the_scale_are_a_warning() -> None:
    pytest.importorskip("pyreadstat")
    result = relscales.score("rses", FORMATS / "rses-1to4.sav")
    (warning,) = [w for w in result.warnings if w.code == "value-labels-disagree"]
    assert warning.severity == "warning"
    assert "in 10 columns" in warning.message
    assert "the file labels 1 'Strongly disagree' in 'rses01'" in warning.message
    assert "extends: rses" in (warning.hint or "")


def test_input_warnings_of_an_in_memory_source_are_empty() -> None:
    assert input_warnings(open_source({"a": [1]}), []) == []


# -- Excel ---------------------------------------------------------------------------------


def test_excel_first_sheet_ids_dates_and_text() -> None:
    pytest.importorskip("openpyxl")
    source = open_source(FORMATS / "rses.xlsx")
    assert source.header[:3] == ("id", "started", "rses01")
    cells = read(source, ["id", "started", "rses10", "note"])
    assert cells["id"] == ["007", "008", "9", "010"]  # text stays text, numbers lose no digit
    assert cells["started"] == ["2024-03-01", "2024-03-01 14:05:00", "2024-03-02", None]
    assert cells["rses10"] == ["3", "Agree", "1", "3"]
    assert cells["note"] == [None, None, None, None]  # a formula without a cached value
    result = relscales.score("rses", source)
    assert result.columns["id"].tolist() == ["007", "008", "9", "010"]
    assert scores(result) == [30.0, 20.0, 10.0, None]  # the empty last row is not a respondent


@pytest.mark.parametrize("sheet", ["followup", "2"])
def test_excel_sheet_by_name_or_number(sheet: str) -> None:
    pytest.importorskip("openpyxl")
    result = relscales.score("rses", open_source(FORMATS / "rses.xlsx", sheet=sheet))
    assert scores(result) == [20.0]


def test_excel_unknown_sheet() -> None:
    pytest.importorskip("openpyxl")
    with pytest.raises(DataError) as info:
        open_source(FORMATS / "rses.xlsx", sheet="Followup")
    assert info.value.code == "sheet-not-found"
    assert "did you mean 'followup'" in str(info.value)
    with pytest.raises(DataError) as info:
        open_source(FORMATS / "rses.xlsx", sheet="9")
    assert "its sheets are 'responses', 'followup', 'notes'" in str(info.value)


def test_excel_empty_sheet_and_blank_header_cells(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "blank"
    other = book.create_sheet("data")
    other.append(["id", None, "x"])
    other.append(["a", 1, 2])
    path = tmp_path / "book.xlsx"
    book.save(path)
    with pytest.raises(DataError) as info:
        open_source(path)
    assert info.value.code == "data-empty"
    assert open_source(path, sheet="data").header == ("id", "column2", "x")


def test_excel_broken_workbook(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    path = tmp_path / "broken.xlsx"
    path.write_bytes((FORMATS / "rses.xlsx").read_bytes()[:300])
    with pytest.raises(DataError) as info:
        open_source(path, format="excel")
    assert info.value.code == "data-unreadable"


# -- JSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "id_column", "ids", "expected"),
    [
        ("records.json", "id", ["007", "008", "009"], [30.0, 20.0, None]),
        ("wrapped.json", "participant_id", ["101", "102"], [30.0, 20.0]),
        ("lines.jsonl", "id", ["a1", "a2"], [30.0, None]),
    ],
)
def test_json_records(name: str, id_column: str, ids: list[str], expected: list[Any]) -> None:
    result = relscales.score("rses", FORMATS / name)
    assert result.id_column == id_column
    assert result.columns[id_column].tolist() == ids
    assert scores(result) == expected


def test_json_keeps_text_nested_values_and_missing_keys() -> None:
    source = open_source(FORMATS / "records.json")
    cells = read(source, ["rses01", "device", "submitted"])
    assert cells["rses01"] == ["3", "Agree", "1"]
    assert cells["device"] == [None, None, '{"os": "ios"}']
    assert cells["submitted"] == ["2024-03-01T09:04:12Z", None, None]


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("bad.json", '[{"id": 1,}]', "invalid JSON at line 1"),
        ("scalar.json", '{"a": 1, "b": 2}', "no list of records"),
        ("items.json", '[{"id": 1}, [1, 2]]', "record 2 is list"),
        ("bad.jsonl", '{"id": 1}\n{"id": \n', "line 2 is not a JSON record"),
        ("concat.json", '{"id": 1}\n{"id": 2}\n{oops}\n', "line 3 is not a JSON record"),
    ],
)
def test_json_errors(tmp_path: Path, name: str, text: str, words: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        open_source(path)
    assert info.value.code == "data-unreadable"
    assert words in str(info.value)


def test_json_without_suffix_and_in_utf16(tmp_path: Path) -> None:
    path = tmp_path / "export"
    path.write_bytes('{"data": [{"id": "x", "rses01": 3}]}'.encode("utf-16"))
    assert read(open_source(path), ["id", "rses01"]) == {"id": ["x"], "rses01": [3]}
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'[{"id": "caf\xe9"}]')
    with pytest.raises(DataError) as info:
        open_source(latin)
    assert "not UTF-8" in str(info.value)


# -- Parquet -------------------------------------------------------------------------------


def test_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], **{i: [3, 2] for i in ITEMS}}), path)
    assert scores(relscales.score("rses", path)) == [15.0, 15.0]
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataError) as info:
        open_source(broken)
    assert info.value.code == "data-unreadable"


# -- long data -----------------------------------------------------------------------------


def test_long_data_is_pivoted_in_order_of_appearance() -> None:
    source = open_source(FORMATS / "long.csv")
    assert source.header == ("participant", "group", *ITEMS)
    assert read(source, ["participant", "group", "rses10"]) == {
        "participant": ["p01", "p02", "p03"],
        "group": ["control", "treatment", "control"],
        "rses10": ["3", "Agree", "1"],
    }
    result = relscales.score("rses", source)
    assert result.id_column == "participant"
    assert scores(result) == [30.0, 20.0, None]


def test_long_data_from_json_and_forced_by_position(tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    path.write_text(
        '[{"respondent": "r1", "question": "q1", "answer": 4},'
        ' {"respondent": "r1", "question": "q2", "answer": 5}]',
        encoding="utf-8",
    )
    assert read(open_source(path), ["respondent", "q1", "q2"]) == {
        "respondent": ["r1"],
        "q1": [4],
        "q2": [5],
    }
    csv_path = tmp_path / "positional.csv"
    csv_path.write_text("who,what,how\nr1,q1,4\nr2,q1,3\n", encoding="utf-8")
    assert open_source(csv_path).header == ("who", "what", "how")
    forced = open_source(csv_path, long=True)
    assert forced.header == ("who", "q1")
    assert read(forced, ["who", "q1"]) == {"who": ["r1", "r2"], "q1": ["4", "3"]}


def test_long_duplicates_name_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(
        "participant,item,value\np1,a,1\np1,b,2\np1,a,3\np2,a,1\np2,a,1\np1,a,4\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        open_source(path)
    assert info.value.code == "duplicate-answer"
    assert info.value.issues[0].location.row == 1
    assert str(info.value.issues[0].message) == (
        "2 answers given twice: participant 'p1' answered 'a' on rows 1, 3, 6; "
        "participant 'p2' answered 'a' on rows 4, 5"
    )


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("participant,item,value\np1,a,1\n,b,2\n", "data-unreadable", "row 2 has no participant"),
        ("a,b,c,d\n1,2,3,4\n", "invalid-option", "--long: cannot tell which columns"),
    ],
)
def test_long_data_errors(tmp_path: Path, text: str, code: str, words: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        open_source(path, long=True)
    assert info.value.code == code
    assert words in str(info.value)


def test_long_header_only(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("participant,item,value\n", encoding="utf-8")
    assert open_source(path).header == ("participant",)


def test_many_duplicates_are_summarised(tmp_path: Path) -> None:
    rows = [f"p{i},a,1\np{i},a,2" for i in range(7)]
    path = tmp_path / "dups.csv"
    path.write_text("participant,item,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        open_source(path)
    assert str(info.value.issues[0].message).endswith("; and 2 more")


# -- building columns ----------------------------------------------------------------------


def test_python_column_kinds() -> None:
    import datetime

    assert python_column([1, None, 2]).to_pylist() == [1, None, 2]
    assert python_column([1.5, None]).to_pylist() == [1.5, None]
    assert python_column([None, None]).to_pylist() == [None, None]
    assert python_column([True, 2]).to_pylist() == ["true", "2"]
    assert python_column([2**60 + 0.0, 1]).type.bit_width == 64
    when = datetime.time(14, 5)
    assert [render(v) for v in [when, datetime.date(2024, 1, 2), 1e300, object]] == [
        "14:05:00",
        "2024-01-02",
        "1e+300",
        "<class 'object'>",
    ]


def test_spss_user_missing_ranges_and_strings() -> None:
    from relscales.io.spss import _is_missing

    ranges = [{"lo": -9.0, "hi": -7.0}, {"lo": "NA", "hi": "NA"}]
    assert [_is_missing(v, ranges) for v in [None, -8.0, -6.0, "NA", "x", 3]] == [
        False,
        True,
        False,
        True,
        False,
        False,
    ]


def test_render_keeps_time_zones_and_decimals() -> None:
    import datetime
    import decimal

    zoned = datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC)
    assert render(zoned) == "2024-03-01 00:00:00+00:00"
    assert render(decimal.Decimal("2.50")) == "2.50"
    assert render([1, "a"]) == '[1, "a"]'


def test_a_damaged_workbook_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    import zipfile

    pytest.importorskip("openpyxl")
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not really a workbook")
    with pytest.raises(DataError) as info:
        open_source(path)
    assert info.value.code == "data-unreadable"
    assert "cannot read the file as an Excel workbook" in str(info.value)

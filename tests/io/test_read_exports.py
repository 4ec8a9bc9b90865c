"""Qualtrics and REDCap exports (tests/data/formats, written from the published layouts)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

import relscales
from relscales.errors import DataError
from relscales.io.readsource import ExportSource, input_metadata, input_notes, mark_rows
from relscales.io.sources import open_source

FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"
QUALTRICS = ["qualtrics-numeric.csv", "qualtrics-choices.csv", "qualtrics-utf16.tsv"]
QUALTRICS_IDS = [
    "R_2zK8mXq1Lp0aBcD",
    "R_1eFgHiJkLmNoPqR",
    "R_3sTuVwXyZaBcDeF",
    "R_0gHiJkLmNoPqRsT",
    "R_5uVwXyZaBcDeFgH",
    "R_6iJkLmNoPqRsTuV",
]
ITEMS = [f"rses{i:02d}" for i in range(1, 11)]


def scores(result: relscales.ScoreResult) -> list[float | None]:
    return [None if math.isnan(v) else v for v in result.scores["self_esteem"].tolist()]


# -- Qualtrics -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", QUALTRICS)
def test_qualtrics_exports_score_the_same(name: str) -> None:
    source = open_source(FORMATS / name)
    assert isinstance(source, ExportSource)
    assert source.format == "qualtrics"
    assert source.skip_rows == 2
    result = relscales.score("rses", source)
    assert result.id_column == "ResponseId"
    assert result.columns["ResponseId"].tolist() == QUALTRICS_IDS
    # -99 (seen but unanswered) is missing, so row 4 lacks one of its 10 required items
    assert scores(result) == [30.0, 20.0, 10.0, None, 0.0, 15.0]
    assert result.problem_count == 0
    assert source.missing_counts["rses04"] == 1
    assert source.column_text["rses01"].endswith("content with oneself overall")


def test_qualtrics_notes_warnings_and_metadata() -> None:
    result = relscales.score("rses", FORMATS / "qualtrics-numeric.csv")
    codes = [(w.code, w.location.row) for w in result.warnings]
    assert codes == [("unfinished-responses", 5), ("preview-responses", 6)]
    assert result.warnings[0].render() == (
        f"{FORMATS / 'qualtrics-numeric.csv'}, row 5, column 'Finished': "
        "warning[unfinished-responses] 1 response marked 'unfinished' (Finished = 0): row 5 "
        "(id R_5uVwXyZaBcDeFgH); scored from the answers given (quality=True marks them row "
        "by row; to leave them out, export only finished responses or filter them before "
        "scoring)"  # (the Python API words the command line's options in Python terms)
    )
    meta = result.metadata["input"]
    assert meta["format"] == "qualtrics"
    assert meta["header_rows"] == 3
    assert meta["id_column"] == "ResponseId"
    assert meta["duration_column"] == "Duration (in seconds)"
    assert meta["missing_codes_read"]["rses04"] == 1
    assert (
        meta["notes"][1]
        == "1 cell held -99 (seen but unanswered) and was read as missing (rses04 1)"
    )
    assert result.metadata["options"]["duration_column"] == "Duration (in seconds)"


def test_qualtrics_choice_text_statuses_are_flagged() -> None:
    source = open_source(FORMATS / "qualtrics-choices.csv")
    assert source.row_flags() == {4: ["unfinished"], 5: ["survey preview"]}
    (unfinished, preview) = source.issues()
    assert "(Finished = False)" in unfinished.message
    assert "(Status = Survey Preview)" in preview.message


def test_qualtrics_duration_feeds_the_speed_check() -> None:
    result = relscales.score("rses", FORMATS / "qualtrics-numeric.csv", quality=True)
    quality = result.columns["quality"].tolist()
    assert "rses:speed" in quality[2]  # 14 seconds for 10 items
    assert quality[4].endswith("; unfinished")
    assert quality[5].endswith("; survey preview")


def qualtrics_lines(name: str = "qualtrics-numeric.csv") -> list[str]:
    return (FORMATS / name).read_text(encoding="utf-8-sig").splitlines()


def test_qualtrics_without_the_extra_header_rows_loses_no_row(tmp_path: Path) -> None:
    lines = qualtrics_lines()
    path = tmp_path / "trimmed.csv"
    path.write_text("\n".join([lines[0], *lines[3:]]) + "\n", encoding="utf-8")
    source = open_source(path)
    assert isinstance(source, ExportSource)
    assert source.skip_rows == 0
    assert scores(relscales.score("rses", source)) == [30.0, 20.0, 10.0, None, 0.0, 15.0]


def test_unfinished_is_marked_but_not_excluded(tmp_path: Path) -> None:
    lines = qualtrics_lines()
    head = lines[0].split(",")[:17]
    rows = [
        ["2", "1", "3", "0", "3", "1", "2", "1", "3", "2"],
        ["1", "2", "0", "3", "1", "2", "0", "3", "1", "2"],
        ["3", "1", "2", "2", "0", "3", "1", "2", "0", "1"],
    ]
    text = [",".join([*head, *ITEMS])]
    for i, answers in enumerate(rows):
        meta = ["", "", "0", "", "100", "600", "0" if i == 1 else "1", "", f"R_{i}abcdefghijklmn"]
        text.append(",".join([*meta, *[""] * 8, *answers]))
    path = tmp_path / "export.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = relscales.score("rses", path, quality=True, exclude_careless=True)
    assert result.columns["quality"].tolist() == ["ok", "unfinished", "ok"]
    assert not math.isnan(result.scores["self_esteem"][1])


def test_forcing_qualtrics_on_another_file_says_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("id,rses01\np1,3\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        open_source(path, format="qualtrics")
    assert info.value.code == "data-unreadable"
    assert "no ResponseId column" in str(info.value)


def test_forcing_csv_reads_a_qualtrics_export_as_plain_text() -> None:
    source = open_source(FORMATS / "qualtrics-numeric.csv", format="csv")
    assert type(source).__name__ == "Source"
    assert input_notes(source) == []
    assert input_metadata(source) == {"format": "csv"}


def test_a_broken_export_is_a_data_error(tmp_path: Path) -> None:
    lines = qualtrics_lines()
    path = tmp_path / "broken.csv"
    path.write_text("\n".join([*lines, "1,2"]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        relscales.score("rses", path)
    assert info.value.code == "data-unreadable"
    assert "cannot parse this qualtrics export" in str(info.value)


def test_qualtrics_saved_as_excel() -> None:
    pytest.importorskip("openpyxl")
    result = relscales.score("rses", FORMATS / "qualtrics.xlsx", quality=True)
    assert result.columns["ResponseId"].tolist() == ["R_9aBcDeFgHiJkLmN", "R_8oPqRsTuVwXyZaB"]
    assert scores(result) == [30.0, None]  # -99 read as missing
    assert result.columns["quality"].tolist()[1].endswith("unfinished")
    assert result.metadata["input"]["saved_as"] == "excel"
    assert result.metadata["input"]["missing_codes_read"]["rses04"] == 1


# -- REDCap --------------------------------------------------------------------------------


def test_redcap_raw_with_events_repeats_and_codes() -> None:
    source = open_source(FORMATS / "redcap-raw.csv")
    assert isinstance(source, ExportSource)
    assert source.header[0] == "redcap_id"
    result = relscales.score("rses", source)
    assert result.id_column == "redcap_id"
    assert result.columns["redcap_id"].tolist() == [
        "001|baseline_arm_1||",
        "001|baseline_arm_1|rses|1",
        "001|baseline_arm_1|rses|2",
        "002|baseline_arm_1||",
        "002|baseline_arm_1|rses|1",
        "002|followup_arm_1|rses|1",
    ]
    # base rows hold no RSES answers; NASK is a missing-data code, not an invalid cell
    assert scores(result) == [None, 30.0, 20.0, None, None, 10.0]
    assert result.problem_count == 0
    assert source.missing_counts["rses06"] == 1
    notes = input_notes(source)
    assert "record_id|redcap_event_name|redcap_repeat_instrument|redcap_repeat_instance" in notes[1]
    assert notes[2].startswith("1 cell held a REDCap missing-data code")


def test_redcap_labelled_values_decode_through_the_instrument() -> None:
    result = relscales.score("rses", FORMATS / "redcap-labels.csv")
    assert result.columns["redcap_id"].tolist()[0] == "1|Baseline (Arm 1: Main)"
    assert scores(result) == [30.0, 20.0, None]
    assert result.problem_count == 0


def test_redcap_label_headers_score_with_a_map() -> None:
    result = relscales.score(
        "rses",
        FORMATS / "redcap-label-headers.csv",
        column_map={
            line.split(": ")[0]: line.split(": ")[1]
            for line in (FORMATS / "redcap-label-headers.map.yaml").read_text().splitlines()
        },
    )
    assert (
        result.columns["redcap_id"].tolist()[1]
        == "1|Baseline (Arm 1: Main)|Rosenberg Self-Esteem|1"
    )
    assert scores(result) == [None, 30.0, 20.0]
    assert "field labels" in input_notes(open_source(FORMATS / "redcap-label-headers.csv"))[2]


def test_redcap_without_events_keeps_the_record_id(tmp_path: Path) -> None:
    path = tmp_path / "simple.csv"
    rows = ["study_id," + ",".join(ITEMS) + ",rses_complete", "S-01," + ",".join(["2"] * 10) + ",2"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    source = open_source(path)
    assert isinstance(source, ExportSource)
    assert source.derived == {}
    result = relscales.score("rses", source)
    assert result.id_column == "study_id"
    assert result.columns["study_id"].tolist() == ["S-01"]
    # an explicit --id-column still wins
    assert relscales.score("rses", path, id_column="rses_complete").id_column == "rses_complete"


def test_export_readers_never_modify_the_input(tmp_path: Path) -> None:
    for name in [*QUALTRICS, "redcap-raw.csv"]:
        copy = tmp_path / name
        shutil.copy(FORMATS / name, copy)
        before = copy.read_bytes()
        relscales.score("rses", copy, quality=True)
        assert copy.read_bytes() == before


def test_mark_rows_leaves_plain_sources_alone() -> None:
    labels = np.array(["ok", "careless: x"], dtype=object)
    plain = open_source({"a": [1, 2]})
    assert mark_rows(labels, plain) is labels

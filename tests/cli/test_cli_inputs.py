"""``relscales score`` and ``analyze`` on study exports: --input-format, --sheet, --long."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from relscales.cli import app
from relscales.io.formats import READERS

FORMATS = Path(__file__).resolve().parent.parent / "data" / "formats"
runner = CliRunner()


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def no_traceback(result: Any) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


CASES = [
    ("qualtrics-numeric.csv", [], "ResponseId", 6),
    ("qualtrics-utf16.tsv", [], "ResponseId", 6),
    ("redcap-raw.csv", [], "redcap_id", 6),
    ("redcap-labels.csv", [], "redcap_id", 3),
    ("long.csv", [], "participant", 3),
    ("records.json", [], "id", 3),
    ("lines.jsonl", [], "id", 2),
    ("rses.xlsx", ["--sheet", "responses"], "id", 4),
    ("rses.sav", ["--id-column", "pid"], "pid", 4),
]


@pytest.mark.parametrize(("name", "extra", "id_column", "n"), CASES, ids=[c[0] for c in CASES])
def test_score_reads_every_format_and_keeps_the_input(
    tmp_path: Path, name: str, extra: list[str], id_column: str, n: int
) -> None:
    if name.endswith(".xlsx"):
        pytest.importorskip("openpyxl")
    if name.endswith(".sav"):
        pytest.importorskip("pyreadstat")
    data = tmp_path / name
    shutil.copy(FORMATS / name, data)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    out = tmp_path / "scores.csv"
    result = invoke("score", data, "-i", "rses", "-o", out, *extra)
    assert result.exit_code == 0, result.output
    no_traceback(result)
    table = rows(out.read_text(encoding="utf-8"))
    assert table[0][0] == id_column
    assert len(table) - 1 == n  # every row of the input, in order
    assert hashlib.sha256(data.read_bytes()).hexdigest() == digest
    meta = json.loads((tmp_path / "scores.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["input"]["format"] == {"long.csv": "csv"}.get(name, meta["input"]["format"])
    assert meta["input"]["notes"]


def test_qualtrics_summary_notes_and_strict(tmp_path: Path) -> None:
    data = FORMATS / "qualtrics-numeric.csv"
    result = invoke("score", data, "-i", "rses", "-o", tmp_path / "s.csv", "--with-quality")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"read {data} as a Qualtrics export (CSV, utf-8)")
    assert lines[1] == "1 cell held -99 (seen but unanswered) and was read as missing (rses04 1)"
    assert lines[2].startswith("scored 6 respondents")
    assert "warning[unfinished-responses]" in result.stderr
    assert "warning[preview-responses]" in result.stderr
    table = rows((tmp_path / "s.csv").read_text(encoding="utf-8"))
    assert table[5][-1].endswith("; unfinished")
    strict = invoke("score", data, "-i", "rses", "-o", tmp_path / "t.csv", "--strict")
    assert strict.exit_code == 1


def test_input_format_forces_a_reader(tmp_path: Path) -> None:
    data = tmp_path / "export.dat"
    shutil.copy(FORMATS / "qualtrics-numeric.csv", data)
    refused = invoke("score", data, "-i", "rses")
    assert refused.exit_code == 2
    assert "error[unsupported-format]" in refused.stderr
    forced = invoke("score", data, "-i", "rses", "--input-format", "qualtrics")
    assert forced.exit_code == 0
    assert rows(forced.stdout)[1] == ["R_2zK8mXq1Lp0aBcD", "30"]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--input-format", "spsss"], "invalid-option", "did you mean 'spss'"),
        (["--input-format", "qualtrics"], "data-unreadable", "no ResponseId column"),
        (["--long"], "invalid-option", "--long: cannot tell"),
    ],
)
def test_input_option_errors(tmp_path: Path, args: list[str], code: str, words: str) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b,c,d\n1,2,3,4\n", encoding="utf-8")
    result = invoke("score", data, "-i", "rses", *args)
    assert result.exit_code == 2
    assert f"error[{code}]" in result.stderr
    assert words in result.stderr
    no_traceback(result)


def test_sheet_not_found_and_long_flag(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    result = invoke("score", FORMATS / "rses.xlsx", "-i", "rses", "--sheet", "Follow-up")
    assert result.exit_code == 2
    assert "error[sheet-not-found]" in result.stderr
    data = tmp_path / "positional.csv"
    data.write_text("who,what,how\n" + "".join(f"r1,rses{i:02d},2\n" for i in range(1, 11)))
    result = invoke("score", data, "-i", "rses", "--long")
    assert result.exit_code == 0, result.output
    assert rows(result.stdout) == [["who", "self_esteem"], ["r1", "15"]]


def test_missing_extra_is_an_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyreadstat", None)
    result = invoke("score", FORMATS / "rses.sav", "-i", "rses")
    assert result.exit_code == 2
    assert "pip install 'relscales[spss]'" in result.stderr
    no_traceback(result)


def test_analyze_reads_exports_and_reports_them(tmp_path: Path) -> None:
    result = invoke("analyze", FORMATS / "qualtrics-utf16.tsv", "-i", "rses", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_respondents"] == 6
    assert "as a Qualtrics export (TSV, utf-16)" in result.stderr
    assert "warning[unfinished-responses]" in result.stderr
    forced = invoke("analyze", FORMATS / "long.csv", "-i", "rses", "--input-format", "csv")
    assert forced.exit_code == 0
    bad = invoke("analyze", FORMATS / "long.csv", "-i", "rses", "--input-format", "excelx")
    assert bad.exit_code == 2
    assert "error[invalid-option]" in bad.stderr


def test_help_lists_the_registered_formats() -> None:
    result = invoke("score", "--help")
    flat = " ".join(result.stdout.split())
    for name in READERS:
        assert name in flat
    assert "--sheet" in flat
    assert "--long" in flat

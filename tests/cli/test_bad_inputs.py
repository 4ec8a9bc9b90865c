"""Every awkward data file in tests/data/bad/, scored by the command line (docs/awkward-files.md).

One table (tests/data/bad/expected.csv) gives each file's outcome: the exit code, the
exact set of codes reported (errors, warnings and problem records), and the rows out.
For every file: no traceback, the documented exit code, the input left untouched; for
every file that can be scored, rows out equal rows in; for the others, no output.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from relscales.cli import app

BAD = Path(__file__).resolve().parent.parent / "data" / "bad"
INSTRUMENT = BAD / "five.yaml"
NOT_DATA = {"five.yaml", "expected.csv", "make_corpus.py"}
MADE_AT_TEST_TIME = {"big-field-comment": False, "big-field-item": True}

runner = CliRunner()


def _corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _expected() -> list[dict[str, str]]:
    with (BAD / "expected.csv").open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


CASES = _expected()


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def _records(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reported(stderr: str, problems: Path) -> set[str]:
    codes = set(re.findall(r"\b(?:error|warning)\[([a-z0-9-]+)\]", stderr))
    if problems.exists():
        with problems.open(newline="", encoding="utf-8") as stream:
            codes |= {row["code"] for row in csv.DictReader(stream)}
    return codes


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_awkward_file(case: dict[str, str], tmp_path: Path) -> None:
    name = case["file"]
    if name in MADE_AT_TEST_TIME:
        data = _corpus_module().big_field(
            tmp_path / f"{name}.csv", 20, in_item=MADE_AT_TEST_TIME[name]
        )
    else:
        data = BAD / name
    before = _digest(data)
    out, problems = tmp_path / "scores.csv", tmp_path / "problems.csv"
    args = ["score", str(data), "-i", str(INSTRUMENT), "-o", str(out), "--problems", str(problems)]
    result = runner.invoke(app, [*args, *case["options"].split()])

    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == int(case["exit"]), result.stderr
    assert _reported(result.stderr, problems) == set(case["codes"].split()), result.stderr
    assert _digest(data) == before  # the input is never modified
    if case["rows"] == "":
        assert not out.exists()  # nothing half-written
        assert result.stderr.strip()  # a message says why
        return
    rows = _rows(out)
    assert rows[0][:2] in (["id", "total"], ["row", "total"])
    assert len(rows) - 1 == int(case["rows"])  # rows out == rows in
    meta = json.loads(out.with_name(out.name + ".meta.json").read_text(encoding="utf-8"))
    assert meta["n_rows"] == int(case["rows"])


def test_the_corpus_is_large_and_every_file_is_in_the_table() -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.is_file() and p.name not in NOT_DATA}
    listed = {c["file"] for c in CASES} - set(MADE_AT_TEST_TIME)
    assert on_disk == listed
    assert len(on_disk) >= 40


def test_the_committed_files_are_what_the_script_writes() -> None:
    """Regenerate with: python tests/data/bad/make_corpus.py."""
    for name, data in _corpus_module().corpus().items():
        assert (BAD / name).read_bytes() == data, name


def test_excel_safe_escapes_formulas_and_keeps_numbers(tmp_path: Path) -> None:
    out, problems = tmp_path / "scores.csv", tmp_path / "problems.csv"
    data = BAD / "formula-like-cells.csv"
    args = ["score", str(data), "-i", str(INSTRUMENT), "-o", str(out), "--problems", str(problems)]
    plain = runner.invoke(app, args)
    assert plain.exit_code == 0
    assert [r[0] for r in _rows(out)] == ["id", "=1+1", "-5"]  # exact
    safe = runner.invoke(app, [*args, "--excel-safe"])
    assert safe.exit_code == 0
    rows = _rows(out)
    assert [r[0] for r in rows] == ["id", "'=1+1", "'-5"]
    assert [r[1] for r in rows[1:]] == ["3", "2.5"]  # numbers stay numbers
    assert [(p["respondent"], p["value"]) for p in _records(problems)] == [("'-5", "'=cmd")]


def test_semicolon_file_reads_decimal_commas(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    data = BAD / "semicolon-decimal-comma.csv"
    result = runner.invoke(app, ["score", str(data), "-i", str(INSTRUMENT), "-o", str(out)])
    assert result.exit_code == 0
    rows = _rows(out)
    # r1: 1,0 2 3 4,0 5 -> 1 + 2 + (6 - 3) + 4 + 5 = 15 / 5; r2: 2,5 invalid -> 4 items
    assert rows[1:] == [["r1", "3"], ["r2", "2.5"], ["r3", "3"]]
    assert "'2,5' is not one of the item's response codes" in result.stderr


def test_ragged_rows_are_named_with_their_field_counts(tmp_path: Path) -> None:
    out, problems = tmp_path / "scores.csv", tmp_path / "problems.csv"
    data = BAD / "ragged-first-and-last-rows.csv"
    args = ["score", str(data), "-i", str(INSTRUMENT), "-o", str(out), "--problems", str(problems)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert [r[:2] for r in _rows(out)] == [
        ["id", "total"],
        ["r1", ""],
        ["r2", "3"],
        ["r3", ""],
    ]
    found = [(p["row"], p["respondent"], p["message"]) for p in _records(problems)]
    assert found == [
        (
            "1",
            "r1",
            "the row has 2 fields, fewer than the 7 of the header, so its cells cannot be "
            "matched to columns; its answers were not read and its scores are empty",
        ),
        (
            "3",
            "r3",
            "the row has 9 fields, more than the 7 of the header, so its cells cannot be "
            "matched to columns; its answers were not read and its scores are empty",
        ),
    ]
    strict = runner.invoke(app, [*args, "--strict"])
    assert strict.exit_code == 1  # --strict fails on them, and still writes the scores
    assert out.exists()


def test_awkward_files_do_not_import_pandas(tmp_path: Path) -> None:
    """pyarrow imports pandas (0.2 s) for Python scalars; the awkward paths avoid them too."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from relscales.cli import main\n"
        "for name in sys.argv[2:]:\n"
        "    try:\n"
        "        main(['score', name, '-i', sys.argv[1], '-o', name + '.out.csv',\n"
        "              '--problems', name + '.problems.csv', '--excel-safe'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('pandas' in sys.modules)\n"
    )
    names = [
        "ragged-short-row.csv",
        "duplicate-ids.csv",
        "two-exports-joined.csv",
        "semicolon-decimal-comma.csv",
        "utf16-le-no-bom.csv",
        "nul-in-cell.csv",
        "formula-like-cells.csv",
        "numbers-with-labels.csv",
    ]
    files = []
    for name in names:
        (tmp_path / name).write_bytes((BAD / name).read_bytes())
        files.append(str(tmp_path / name))
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(INSTRUMENT), *files],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip().splitlines()[-1] == "False", proc.stderr

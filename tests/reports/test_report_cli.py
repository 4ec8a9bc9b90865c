"""``relscales report``: modes, formats, outputs written atomically, errors without tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relscales.cli import app

ROOT = Path(__file__).resolve().parent.parent.parent


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["report", *map(str, args)])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def data(tmp_path: Path, battery_csv: Path) -> Path:
    copy = tmp_path / "in" / "battery.csv"
    copy.parent.mkdir()
    shutil.copy(battery_csv, copy)
    return copy


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_one_respondent_by_id(tmp_path: Path, data: Path, fmt: str) -> None:
    out = tmp_path / f"p1.{fmt}"
    code, stdout, stderr = run(
        data, "-i", "relationship-insecurity-battery@0.1.1", "--respondent", "P-001", "-o", out
    )
    assert code == 0, stderr
    assert stdout == ""
    assert f"wrote the report of respondent P-001 (row 1) -> {out}" in stderr
    text = out.read_text()
    assert "1-800-799-7233" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", out.name]  # nothing else


def test_respondent_by_row_number_format_flag_and_locale(tmp_path: Path, data: Path) -> None:
    out = tmp_path / "report.out"
    code, _, stderr = run(
        data,
        "-i",
        "risi@0.1.1",
        "--respondent",
        "1",
        "--format",
        "txt",
        "--locale",
        "default",
        "-o",
        out,
    )
    assert code == 0, stderr
    text = out.read_text()
    assert text.startswith("QUESTIONNAIRE REPORT\nRespondent P-001 (row 1)")
    assert "Local emergency services" in text
    assert "1-800-799-7233" not in text


def test_all_writes_one_file_per_respondent(tmp_path: Path, data: Path) -> None:
    folder = tmp_path / "reports"
    code, _, stderr = run(data, "-i", "ecr-r", "--all", "-o", folder)
    assert code == 0, stderr
    assert "wrote 6 reports" in stderr
    assert "1 invalid value treated as missing" in stderr
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "P-001.html",
        "P-002.html",
        "P-003.html",
        "P-004.html",
        "P-006.html",
        "script_alert_1_script.html",
    ]
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
        in (folder / "script_alert_1_script.html").read_text()
    )
    code, _, _ = run(data, "-i", "ecr-r", "--all", "--format", "md", "-o", folder)
    assert code == 0
    assert len(list(folder.glob("*.md"))) == 6


def test_study_report(tmp_path: Path, data: Path) -> None:
    out = tmp_path / "study.md"
    code, _, stderr = run(
        data, "-i", "rses", "-i", "risi@0.1", "--study", "--no-quality", "-o", out
    )
    assert code == 0, stderr
    text = out.read_text()
    assert "wrote the study report of 6 respondents" in stderr
    assert "## Rosenberg Self-Esteem Scale" in text
    assert "Data quality" not in text
    assert "| indeterminate | 3 | 50% |" in text
    assert "| safety-first | 1 | 17% |" in text
    assert "Safety-first: 1, whose safety flag was raised, so no region was given." in text
    assert "(risi, descriptive, experimental: not yet validated)" in text


def test_study_report_with_a_column_map(tmp_path: Path, data: Path) -> None:
    rows = data.read_text().splitlines()
    header = rows[0].split(",")
    renamed = ["Q" + h if h.startswith("rses") else h for h in header]
    (tmp_path / "mapped.csv").write_text("\n".join([",".join(renamed), *rows[1:]]) + "\n")
    (tmp_path / "map.csv").write_text(
        "column,item\n" + "".join(f"Q{h},{h}\n" for h in header if h.startswith("rses"))
    )
    out = tmp_path / "s.html"
    code, _, stderr = run(
        tmp_path / "mapped.csv", "-i", "rses", "--study", "--map", tmp_path / "map.csv", "-o", out
    )
    assert code == 0, stderr
    assert "Items of Global self-esteem" in out.read_text()


ERRORS = [
    pytest.param(
        ["-o", "{tmp}/x.html"], "invalid-option", "the data have 6 respondents", id="no-mode"
    ),
    pytest.param(
        ["--all", "--study", "-o", "{tmp}/x"], "invalid-option", "choose one kind", id="two-modes"
    ),
    pytest.param(
        ["--respondent", "nobody", "-o", "{tmp}/x.html"],
        "invalid-option",
        "no respondent",
        id="unknown-id",
    ),
    pytest.param(
        ["--respondent", "P-001", "-o", "{tmp}/x.pdf"], "unsupported-format", ".pdf", id="pdf"
    ),
    pytest.param(
        ["--study", "-o", "{tmp}/x.txt"], "unsupported-format", "study report", id="study-txt"
    ),
    pytest.param(
        ["--respondent", "P-001", "-o", "{tmp}/nodir/x.html"],
        "output-unwritable",
        "does not exist",
        id="no-folder",
    ),
    pytest.param(
        ["--all", "-o", "{tmp}/nodir/deeper"],
        "output-unwritable",
        "does not exist",
        id="all-no-parent",
    ),
    pytest.param(["--all", "-o", "{data}"], "output-unwritable", "is a file", id="all-onto-file"),
    pytest.param(
        ["--respondent", "P-001", "--format", "txt", "-o", "{data}"],
        "output-is-input",
        "never modifies",
        id="over-input",
    ),
    pytest.param(
        ["--respondent", "P-001", "--template", "{tmp}/none", "-o", "{tmp}/x.html"],
        "template-not-found",
        "does not exist",
        id="no-template-dir",
    ),
]


@pytest.mark.parametrize(("extra", "code", "message"), ERRORS)
def test_errors_exit_2_with_a_code_and_write_nothing(
    tmp_path: Path, data: Path, extra: list[str], code: str, message: str
) -> None:
    before = data.read_bytes()
    args = [a.format(tmp=tmp_path, data=data) for a in extra]
    exit_code, stdout, stderr = run(data, "-i", "ecr-r", *args)
    assert exit_code == 2
    assert f"error[{code}]" in stderr
    assert message in stderr
    assert stdout == ""
    assert data.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_unsafe_template_is_refused_with_exit_2(tmp_path: Path, data: Path) -> None:
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "person.html.j2").write_text("{{ report.__class__.__mro__[1].__subclasses__() }}\n")
    out = tmp_path / "x.html"
    code, _, stderr = run(
        data, "-i", "ecr-r", "--respondent", "P-001", "--template", evil, "-o", out
    )
    assert code == 2
    assert "error[template-unsafe]" in stderr
    assert "person.html.j2:1" in stderr
    assert not out.exists()


def test_custom_template_folder(tmp_path: Path, data: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "person.md.j2").write_text("# {{ report.respondent_id }}\n")
    out = tmp_path / "x.md"
    code, _, stderr = run(data, "-i", "ecr-r", "--respondent", "2", "--template", folder, "-o", out)
    assert code == 0, stderr
    assert out.read_text() == "# P-002\n"


def test_reliability_and_ci_level_reach_the_report(tmp_path: Path, data: Path) -> None:
    out = tmp_path / "x.txt"
    code, _, stderr = run(
        data, "-i", "rses", "--respondent", "P-001", "--ci-level", "0.5", "-o", out
    )
    assert code == 0, stderr
    assert "50% interval" in out.read_text()
    code, _, stderr = run(
        data, "-i", "rses", "--respondent", "P-001", "--reliability", "x=2", "-o", out
    )
    assert code == 2
    assert "--reliability" in stderr


def test_report_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys, json\nfrom relscales.cli import main\n"
        "try:\n    main(['report', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'numpy', 'scipy', 'jinja2', 'pyarrow'} & {m.split('.')[0] for m in sys.modules}\n"
        "print(json.dumps(sorted(heavy)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "--respondent" in proc.stdout
    assert "--study" in proc.stdout
    assert json.loads(proc.stdout.splitlines()[-1]) == []


def test_one_respondent_needs_no_respondent_option(tmp_path: Path, data: Path) -> None:
    lines = data.read_text().splitlines()
    one = tmp_path / "one.csv"
    one.write_text("\n".join(lines[:2]) + "\n")
    out = tmp_path / "one.md"
    code, _, stderr = run(one, "-i", "rses", "-o", out)
    assert code == 0, stderr
    assert "respondent P-001 (row 1)" in stderr

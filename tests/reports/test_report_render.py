"""Rendering: formats, escaping, custom templates, and the sandbox."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from relscales.errors import RelscalesError, ReportError
from relscales.reports.person import person_context
from relscales.reports.render import (
    ReportInput,
    format_for,
    render_context,
    render_person_report,
    render_study_report,
)

Clock = Callable[[], datetime.datetime]
ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT_ROW = 4  # the respondent whose id is <script>alert(1)</script>


def person(inp: ReportInput, row: int, fmt: str, clock: Clock, **kw: object) -> str:
    return render_person_report(
        inp.result,
        inp.compiled,
        row,
        fmt=fmt,
        battery=inp.battery,
        clock=clock,  # type: ignore[arg-type]
        version="9.9.9",
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_every_person_format_puts_safety_first_and_says_not_a_diagnosis(
    battery_input: ReportInput, clock: Clock, fmt: str
) -> None:
    text = person(battery_input, 0, fmt, clock)
    safety = text.index("Your safety comes first" if fmt != "txt" else "YOUR SAFETY COMES FIRST")
    assert safety < text.index("1-800-799-7233") < text.index("Where the insecurity seems")
    assert safety < text.lower().index("not yet validated")  # the banner comes right after
    assert "not a diagnosis" in text
    assert "relscales 9.9.9 on 2026-01-02" in text
    assert "sha256:" in text
    assert "Attachment orientation" in text


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_a_self_assessment_report_names_no_respondent_or_row(
    battery_input: ReportInput, clock: Clock, fmt: str
) -> None:
    own = person(battery_input, SCRIPT_ROW, fmt, clock, self_assessment=True)
    study = person(battery_input, SCRIPT_ROW, fmt, clock)
    assert "Your self-assessment" in own
    assert "(row " not in own
    assert "script" not in own.split("Your self-assessment")[0].lower()
    assert "Your self-assessment" not in study
    assert f"(row {SCRIPT_ROW + 1})" in study


def test_html_is_self_contained(battery_input: ReportInput, clock: Clock) -> None:
    html = person(battery_input, 0, "html", clock)
    assert html.startswith("<!DOCTYPE html>")
    lowered = html.lower().replace('xmlns="http://www.w3.org/2000/svg"', "")
    for needle in ("<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "http://"):
        assert needle not in lowered, needle
    assert "@media print" in html
    assert html.count("<svg") == html.count("</svg>") >= 20
    assert re.search(r'role="img" aria-labelledby="chart-1-title chart-1-desc"', html)
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # chart ids are unique in the page


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        ("html", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("md", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("txt", "<script>alert(1)</script>"),
    ],
)
def test_respondent_id_stays_text(
    battery_input: ReportInput, clock: Clock, fmt: str, shown: str
) -> None:
    text = person(battery_input, SCRIPT_ROW, fmt, clock)
    assert shown in text
    if fmt != "txt":
        assert "<script" not in text


def test_markdown_escapes_markup_in_values(battery_input: ReportInput, clock: Clock) -> None:
    report = person_context(
        battery_input.result, battery_input.compiled, 0, battery=battery_input.battery, clock=clock
    )
    import dataclasses

    report = dataclasses.replace(report, respondent_id="*x* [a](javascript:alert(1)) `c` | d")
    md = render_context(report, fmt="md")
    assert r"Respondent **\*x\* \[a\](javascript:alert(1)) \`c\` \| d**" in md


def test_study_formats(battery_input: ReportInput, clock: Clock) -> None:
    for fmt in ("html", "md"):
        text = render_study_report(
            battery_input.result,
            battery_input.compiled,
            fmt=fmt,  # type: ignore[arg-type]
            battery=battery_input.battery,
            clock=clock,
            version="9.9.9",
        )
        assert "indeterminate" in text
        assert "Not a diagnosis" in text
    with pytest.raises(ReportError) as info:
        render_study_report(battery_input.result, battery_input.compiled, fmt="txt")
    assert info.value.code == "template-not-found"
    assert "report formats: html, md" in str(info.value)


def test_format_for() -> None:
    assert [format_for(n) for n in ("a.html", "b.HTM", "c.md", "d.markdown", "e.txt", "txt")] == [
        "html",
        "html",
        "md",
        "md",
        "txt",
        "txt",
    ]
    assert format_for("f.pdf") is None
    assert format_for("noext") is None


# -- custom templates ------------------------------------------------------------------


def test_a_template_folder_overrides_one_template(
    tmp_path: Path, ecr_input: ReportInput, clock: Clock
) -> None:
    (tmp_path / "person.txt.j2").write_text(
        "{{ report.respondent_id }} {{ report.readings[0].label }} "
        "{{ report.instruments[0].scores[0].value | num(1) }}\n"
    )
    assert person(ecr_input, 0, "txt", clock, template_dir=tmp_path) == "P-001 preoccupied 5.2\n"
    # the other formats still come from the package
    assert person(ecr_input, 0, "md", clock, template_dir=tmp_path).startswith("# Questionnaire")


def test_a_template_folder_can_override_the_style_sheet_only(
    tmp_path: Path, ecr_input: ReportInput, clock: Clock
) -> None:
    (tmp_path / "report.css").write_text("body { color: #123456; }")
    html = person(ecr_input, 0, "html", clock, template_dir=tmp_path)
    assert "body { color: #123456; }" in html
    assert "Okabe-Ito" not in html


def test_html_templates_are_autoescaped(
    tmp_path: Path, ecr_input: ReportInput, clock: Clock
) -> None:
    (tmp_path / "person.html.j2").write_text(
        "{{ '<b>' }}|{{ report.instruments[0].scores[0].chart }}"
    )
    html = person(ecr_input, 0, "html", clock, template_dir=tmp_path)
    assert html.startswith("&lt;b&gt;|<svg")  # values escaped, charts inserted as markup


def write(folder: Path, text: str, name: str = "person.html.j2") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


UNSAFE = [
    pytest.param("{{ report.__class__ }}", id="class"),
    pytest.param("{{ report.__class__.__mro__[1].__subclasses__() }}", id="subclasses"),
    pytest.param("{{ report.__subclasses__() }}", id="missing-dunder"),
    pytest.param("{{ ''.__class__.__base__.__subclasses__() }}", id="str-base"),
    pytest.param("{{ cycler.__init__.__globals__ }}", id="globals"),
    pytest.param("{{ lipsum.__globals__['os'] }}", id="lipsum"),
    pytest.param("{{ report.flags.__len__() }}", id="dunder-call"),
    pytest.param("{% set x = [] %}{{ x.append(1) }}", id="mutation"),
]


@pytest.mark.parametrize("source", UNSAFE)
def test_templates_cannot_reach_python_internals(
    tmp_path: Path, ecr_input: ReportInput, clock: Clock, source: str
) -> None:
    folder = write(tmp_path / "evil", "line one\n" + source + "\n")
    with pytest.raises(ReportError) as info:
        person(ecr_input, 0, "html", clock, template_dir=folder)
    assert info.value.code == "template-unsafe"
    issue = info.value.issues[0]
    assert issue.location.file is not None
    assert issue.location.file.endswith("person.html.j2")
    assert issue.location.line == 2


BROKEN = [
    pytest.param("{{ report.respondent }}", "template-error", 2, id="strict-undefined"),
    pytest.param("{% for x in %}", "template-error", 2, id="syntax"),
    pytest.param("{{ 1 / 0 }}", "template-error", 2, id="zero-division"),
    pytest.param("{% for i in range(10**9) %}{% endfor %}", "template-error", 2, id="huge-range"),
    pytest.param("{{ report.row | num('x') }}", "template-error", 2, id="bad-filter-arg"),
    pytest.param("{% include 'nope.j2' %}", "template-not-found", None, id="include"),
    pytest.param(
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "template-error", None, id="recursion"
    ),
]


@pytest.mark.parametrize(("source", "code", "line"), BROKEN)
def test_broken_templates_fail_with_a_code(
    tmp_path: Path, ecr_input: ReportInput, clock: Clock, source: str, code: str, line: int | None
) -> None:
    folder = write(tmp_path / "broken", "line one\n" + source + "\n")
    with pytest.raises(ReportError) as info:
        person(ecr_input, 0, "html", clock, template_dir=folder)
    assert info.value.code == code
    if line is not None:
        assert info.value.issues[0].location.line == line
    assert isinstance(info.value, RelscalesError)


def test_missing_template_folder(tmp_path: Path, ecr_input: ReportInput, clock: Clock) -> None:
    with pytest.raises(ReportError) as info:
        person(ecr_input, 0, "html", clock, template_dir=tmp_path / "nope")
    assert info.value.code == "template-not-found"
    assert "does not exist" in str(info.value)


def test_unknown_format(ecr_input: ReportInput, clock: Clock) -> None:
    with pytest.raises(ReportError) as info:
        person(ecr_input, 0, "pdf", clock)
    assert info.value.code == "template-not-found"
    assert "'person.pdf.j2'" in str(info.value)


def test_rendering_imports_jinja_lazily() -> None:
    code = (
        "import sys, json; import relscales.reports.render, relscales.pipeline.reportjob;"
        "print(json.dumps(sorted(m for m in ('jinja2', 'numpy', 'scipy') if m in sys.modules)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(proc.stdout) == []


def test_templates_cannot_include_files_outside_the_folders(
    tmp_path: Path, ecr_input: ReportInput, clock: Clock
) -> None:
    folder = write(tmp_path / "inc", "{% include '../person.html.j2' %}")
    with pytest.raises(ReportError) as info:
        person(ecr_input, 0, "html", clock, template_dir=folder)
    assert info.value.code == "template-not-found"


def test_num_filter() -> None:
    from relscales.reports.render import num, percent

    assert [num(1.0), num(float("inf")), num(-float("inf"), 1), percent(0.5, 1)] == [
        "1.00",
        "infinite",
        "infinite",
        "50.0%",
    ]

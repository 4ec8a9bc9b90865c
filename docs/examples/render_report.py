"""Render a person report and a study report from Python (see docs/reports.md)."""

import datetime

from relscales.pipeline.report import score_for_report
from relscales.reports.explain import find_row
from relscales.reports.render import render_person_report, render_study_report

inp = score_for_report(["ecr-r"], "examples/ecr-r-responses.csv")
row = find_row(inp.result, "R_002")  # an id, or a row number from 1
assert row is not None


def fixed() -> datetime.datetime:
    return datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)


text = render_person_report(inp.result, inp.compiled, row, fmt="txt", clock=fixed)
print(text.splitlines()[1])  # Respondent R_002 (row 2), 2026-01-02
html = render_person_report(inp.result, inp.compiled, row, fmt="html", clock=fixed)
print(html.count("<svg"), "inline SVG charts, no scripts:", "<script" not in html)
study = render_study_report(inp.result, inp.compiled, fmt="md", clock=fixed)
print(study.splitlines()[0])  # # Study report

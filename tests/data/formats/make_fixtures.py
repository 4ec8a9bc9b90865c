"""Write the binary fixtures of tests/data/formats (run by hand; the outputs are committed).

    python tests/data/formats/make_fixtures.py

Needs pandas, pyreadstat and openpyxl (``pip install -e ".[test]"``). The text fixtures
(Qualtrics CSV, REDCap, JSON, long) are written by hand from the published format
descriptions; this script derives the UTF-16 Qualtrics TSV from the hand-written CSV and
builds the Excel and SPSS files, all on the Rosenberg items (rses01..rses10, coded 0-3).
"""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
ITEMS = [f"rses{i:02d}" for i in range(1, 11)]
LABELS = {0: "Strongly disagree", 1: "Disagree", 2: "Agree", 3: "Strongly agree"}
ANSWERS = [
    [3, 0, 3, 3, 0, 0, 3, 0, 0, 3],  # self_esteem 30
    [2, 1, 2, 2, 1, 1, 2, 1, 1, 2],  # 20
    [1, 2, 1, 1, 2, 2, 1, 2, 2, 1],  # 10
    [3, 0, 3, -9, 0, 0, 3, 0, 0, 3],  # -9 is user-missing in SPSS: no score (min_answered 10)
]


def qualtrics_tsv() -> None:
    """The Qualtrics choice-text export as Qualtrics writes TSV: UTF-16 LE with a BOM."""
    text = (HERE / "qualtrics-choices.csv").read_text(encoding="utf-8-sig")
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text)):
        writer.writerow(row)
    (HERE / "qualtrics-utf16.tsv").write_bytes(out.getvalue().encode("utf-16"))


def excel() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "responses"
    sheet.append(["id", "started", *ITEMS, "note"])
    ids = ["007", "008", 9, "010"]
    days = [
        datetime.datetime(2024, 3, 1),
        datetime.datetime(2024, 3, 1, 14, 5),
        datetime.date(2024, 3, 2),
        None,
    ]
    for rid, day, answers in zip(ids, days, ANSWERS, strict=True):
        cells: list[object] = [a if a >= 0 else None for a in answers]
        sheet.append([rid, day, *cells, None])
    sheet["L3"] = "Agree"  # rses10 of respondent 008 as choice text
    sheet["M2"] = "=1+1"  # a formula (no cached value: read as empty)
    sheet.append([None] * 13)  # an empty row at the end is not a respondent
    followup = book.create_sheet("followup")
    followup.append(["id", *ITEMS])
    followup.append(["007", *[2, 1, 2, 2, 1, 1, 2, 1, 1, 2]])
    book.create_sheet("notes").append(["free text only"])
    book.save(HERE / "rses.xlsx")

    qualtrics = Workbook()
    sheet = qualtrics.active
    sheet.title = "Sheet0"
    sheet.append(["ResponseId", "Finished", "Duration (in seconds)", *ITEMS])
    sheet.append(["Response ID", "Finished", "Duration (in seconds)", *[f"Q - {i}" for i in ITEMS]])
    sheet.append(["R_9aBcDeFgHiJkLmN", 1, 300, *ANSWERS[0]])
    sheet.append(["R_8oPqRsTuVwXyZaB", 0, 60, *[-99 if a < 0 else a for a in ANSWERS[3]]])
    qualtrics.save(HERE / "qualtrics.xlsx")


def spss() -> None:
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame({"pid": ["p1", "p2", "p3", "p4"]})
    for j, item in enumerate(ITEMS):
        frame[item] = [float(row[j]) for row in ANSWERS]
    frame["visit"] = [datetime.date(2024, 3, d) for d in (1, 2, 3, 4)]
    labels = {item: {float(k): v for k, v in LABELS.items()} for item in ITEMS}
    missing = {item: [-9.0] for item in ITEMS}
    pyreadstat.write_sav(
        frame,
        HERE / "rses.sav",
        column_labels={"pid": "Participant", **{i: f"Rosenberg item {i[-2:]}" for i in ITEMS}},
        variable_value_labels=labels,
        missing_ranges=missing,
    )
    # the same answers saved as label text (string variables)
    text = pd.DataFrame({"pid": frame["pid"]})
    for j, item in enumerate(ITEMS):
        text[item] = [LABELS.get(row[j], "") for row in ANSWERS]
    pyreadstat.write_sav(text, HERE / "rses-text.sav")
    # coded 1-4 with the same labels: the labels disagree with the instrument's 0-3
    shifted = pd.DataFrame({"pid": frame["pid"][:3]})
    for j, item in enumerate(ITEMS):
        shifted[item] = [float(row[j] + 1) for row in ANSWERS[:3]]
    pyreadstat.write_sav(
        shifted,
        HERE / "rses-1to4.sav",
        variable_value_labels={i: {float(k + 1): v for k, v in LABELS.items()} for i in ITEMS},
    )


if __name__ == "__main__":
    qualtrics_tsv()
    excel()
    spss()

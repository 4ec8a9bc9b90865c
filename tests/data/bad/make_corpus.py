"""Write the corpus of awkward data files in this folder (run: python make_corpus.py).

Every file is scored with five.yaml by tests/cli/test_bad_inputs.py, which compares
the outcome with expected.csv (exit code, the set of codes reported, rows out). The
files are written byte by byte here, so encodings, byte order marks, line endings
and NUL bytes are exactly what each name says. A test checks that the committed
files equal what this script writes. The large files (a 20 MB field) are made at
test time by :func:`big_field`, not committed.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = ["id", "q1", "q2", "q3", "q4", "q5", "comment"]
ROWS = [
    ["r1", "1", "2", "3", "4", "5", "fine"],
    ["r2", "5", "4", "3", "2", "1", "ok"],
    ["r3", "3", "3", "3", "3", "3", ""],
]


def table(
    rows: list[list[str]] | None = None,
    header: list[str] | None = None,
    *,
    delimiter: str = ",",
    newline: str = "\n",
    quoting: int = csv.QUOTE_MINIMAL,
) -> str:
    """CSV text of a header and rows, as a spreadsheet or survey tool writes it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(HEADER if header is None else header)
    writer.writerows(ROWS if rows is None else rows)
    return out.getvalue()


def lines(*rows: str, newline: str = "\n", end: bool = True) -> str:
    """Text made of literal lines (for rows no CSV writer would produce)."""
    return newline.join(rows) + (newline if end else "")


def with_rows(*extra: list[str]) -> list[list[str]]:
    return [*ROWS, *extra]


def corpus() -> dict[str, bytes]:
    """Every file of the corpus, by name."""
    head = ",".join(HEADER)
    files: dict[str, str | bytes] = {
        # --- encodings and bytes ----------------------------------------------------
        "utf8.csv": table(),
        "utf8-bom.csv": codecs.BOM_UTF8 + table().encode(),
        "crlf.csv": table(newline="\r\n"),
        "cr-only.csv": table(newline="\r"),
        "latin1.csv": table(with_rows(["Zoë", "2", "2", "2", "2", "2", "très bien"])).encode(
            "latin-1"
        ),
        "cp1252.csv": table(with_rows(["r4", "4", "4", "4", "4", "4", "“quoted” 5 €"])).encode(
            "cp1252"
        ),
        "latin1-c1-bytes.csv": table().encode("latin-1") + b"r4,4,4,4,4,4,odd \x81 byte\n",
        "mixed-utf8-cp1252.csv": table(with_rows(["Zoë", "2", "2", "2", "2", "2", "x"])).encode()
        + "r5,1,1,1,1,1,café\n".encode("cp1252"),
        "utf16-le-bom.csv": table().encode("utf-16"),
        "utf16-be-bom.csv": codecs.BOM_UTF16_BE + table().encode("utf-16-be"),
        "utf16-le-no-bom.csv": table().encode("utf-16-le"),
        "utf16-be-no-bom.csv": table().encode("utf-16-be"),
        "utf32-bom.csv": table().encode("utf-32"),
        "excel-unicode-text.txt": table(delimiter="\t", newline="\r\n").encode("utf-16"),
        "nul-padded.csv": table().encode() + b"\x00" * 512,
        "nul-in-cell.csv": table().replace("r2,5,", "r2,5\x00,").encode(),
        # --- delimiters -------------------------------------------------------------
        "tab.tsv": table(delimiter="\t"),
        "pipe.csv": table(delimiter="|"),
        "excel-sep-line.csv": "sep=;\n" + table(delimiter=";"),
        "semicolon-decimal-comma.csv": table(
            [
                ["r1", "1,0", "2", "3", "4,0", "5"],
                ["r2", "2,5", "4", "3", "2", "1"],
                ["r3", *"33333"],
            ],
            HEADER[:6],
            delimiter=";",
        ),
        "comma-quoted-decimal.csv": table([["r1", "1,0", "2", "3", "4", "5"]], HEADER[:6]),
        # --- empty and nearly empty -------------------------------------------------
        "empty.csv": b"",
        "whitespace-only.csv": " \n\n  \r\n",
        "nul-only.csv": b"\x00" * 256,
        "blank-lines-before-header.csv": "\n\r\n\n" + table(),
        "header-only.csv": lines(head),
        "header-only-no-newline.csv": lines(head, end=False),
        "header-then-blank-lines.csv": lines(head, "", "", ""),
        "blank-lines-between-rows.csv": lines(
            head, "", "r1,1,2,3,4,5,a", "", "", "r2,5,4,3,2,1,b", "r3,3,3,3,3,3,c", ""
        ),
        # --- rows with the wrong number of fields -----------------------------------
        "ragged-short-row.csv": lines(head, "r1,1,2,3,4,5,a", "r2,5,4,3", "r3,3,3,3,3,3,c"),
        "ragged-long-row.csv": lines(
            head, "r1,1,2,3,4,5,a", "r2,5,4,3,2,1,unquoted, comma", "r3,3,3,3,3,3,c"
        ),
        "ragged-first-and-last-rows.csv": lines(
            head, "r1,1", "r2,5,4,3,2,1,b", "r3,3,3,3,3,3,c,d,e", end=False
        ),
        "ragged-every-row.csv": lines(head, "r1,1,2,3,4,5", "r2,5,4,3,2,1", "r3,3,3,3,3,3"),
        "trailing-delimiter-rows.csv": lines(head, *(",".join(r) + "," for r in ROWS)),
        "trailing-delimiter-header.csv": lines(head + ",", *(",".join(r) for r in ROWS)),
        # --- quotes -----------------------------------------------------------------
        "quoted-newlines.csv": table(with_rows(["r4", "2", "2", "2", "2", "2", "two\nlines"])),
        "quoted-everything.csv": table(quoting=csv.QUOTE_ALL),
        "escaped-quotes.csv": table(with_rows(["r4", "2", "2", "2", "2", "2", 'say "hi"'])),
        "newline-in-item-cell.csv": table(with_rows(["r4", "2\n3", "2", "2", "2", "2", ""])),
        "header-with-newline.csv": table(header=[*HEADER[:6], "free\ntext"]),
        "unclosed-quote.csv": lines(head, "r1,1,2,3,4,5,a", 'r2,5,4,3,2,1,"open', "r3,3,3,3,3,3,c"),
        # --- columns ----------------------------------------------------------------
        "duplicate-item-column.csv": lines(
            "id,q1,q2,q3,q4,q5,q2", "r1,1,2,3,4,5,2", "r2,5,4,3,2,1,4"
        ),
        "duplicate-unused-column.csv": table([[*r, "more"] for r in ROWS], [*HEADER, "comment"]),
        "missing-item-column.csv": lines("id,q1,q2,q3,q4", "r1,1,2,3,4"),
        "only-an-id-column.csv": lines("id", "r1", "r2"),
        "spaces-in-header.csv": lines("id, q1, q2, q3, q4, q5", "r1,1,2,3,4,5"),
        "no-id-column.csv": table([r[1:6] for r in ROWS], HEADER[1:6]),
        # --- respondents ------------------------------------------------------------
        "duplicate-ids.csv": table(with_rows(["r1", "2", "2", "2", "2", "2", "again"])),
        "empty-ids.csv": table([["", *r[1:]] for r in ROWS]),
        "two-exports-joined.csv": table() + table(),
        # --- cells ------------------------------------------------------------------
        "labels-as-answers.csv": table(
            [["r1", "Strongly disagree", "disagree", "NEUTRAL", " Agree ", "Strongly  agree"]],
            HEADER[:6],
        ),
        "numbers-with-labels.csv": table(
            [
                ["r1", "1 (Strongly disagree)", "2 (Disagree)", "3 (Neutral)", "4 (Agree)", "5"],
                ["r2", "Strongly agree (5)", "4 = Agree", "3 - Neutral", "2: Disagree", "1"],
                ["r3", "5 (Strongly disagree)", "3", "3", "3", "3"],
            ],
            HEADER[:6],
        ),
        "excel-dates.csv": table(
            [
                ["r1", "4-Jan", "2", "3", "4", "5"],
                ["r2", "1", "01/05/2026", "2026-01-03", "2", "1"],
            ],
            HEADER[:6],
        ),
        "na-tokens.csv": table(
            [["r1", "NA", "N/A", "#N/A", "1", "2"], ["r2", "NULL", ".", "-99", "3", "4"]],
            HEADER[:6],
        ),
        "number-forms.csv": table(
            [["r1", " 4 ", "4.0", "+4", "004", "4e0"], ["r2", "1", "2", "3", "4", "5"]],
            HEADER[:6],
        ),
        "out-of-range-and-text.csv": table(
            [["r1", "6", "0", "2.5", "lots", "3"], ["r2", "1", "2", "3", "4", "5"]],
            HEADER[:6],
        ),
        "formula-like-cells.csv": table(
            [["=1+1", "1", "2", "3", "4", "5"], ["-5", "2", "2", "2", "2", "=cmd"]], HEADER[:6]
        ),
        # only ASCII decimals are numbers (Arrow's integer parser reads 0x3; Python's
        # float() reads digits of any script)
        "hexadecimal-cells.csv": table(
            [["r1", "0x3", "2", "3", "4", "5"], ["r2", "1", "0X2", "3", "4", "5"]], HEADER[:6]
        ),
        "other-script-digits.csv": table(
            [
                ["r1", "\u0663", "\uff13", "\u0969", "\U0001d7d1", "5"],  # Arabic, fullwidth, ...
                ["r2", "1", "2", "3", "4", "\u06f5"],
            ],
            HEADER[:6],
        ),
        # --- lines of whitespace ----------------------------------------------------
        "whitespace-only-lines.csv": lines(
            head,
            "r1,1,2,3,4,5,a",
            "   ",
            "r2,5,4,3,2,1,b",
            "\t",
            " \f\v ",
            "\u00a0\u3000",
            "r3,3,3,3,3,3,c",
            "  ",
        ),
        # --- respondent ids not found -----------------------------------------------
        "id-column-named-pid.csv": table(
            [[f"p{i}", *r[1:]] for i, r in enumerate(ROWS, start=1)], ["pid", *HEADER[1:]]
        ),
        # --- other formats ----------------------------------------------------------
        "json-duplicate-key.json": (
            '[{"id": "r1", "q1": 1, "q2": 2, "q3": 3, "q4": 4, "q5": 5},\n'
            ' {"id": "r2", "q1": 3, "q2": 2, "q3": 3, "q4": 4, "q5": 5, "q1": 5}]\n'
        ),
        "xlsx-formula-without-value.xlsx": formula_workbook(),
        # --- not text at all --------------------------------------------------------
        "not-a-csv.csv": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    }
    return {
        name: data if isinstance(data, bytes) else data.encode() for name, data in files.items()
    }


def formula_workbook() -> bytes:
    """An .xlsx as a program that does not compute formulas writes it (byte for byte the same).

    Written by hand (no timestamps, no compression) so that it is reproducible. Row 3 has
    a formula without a saved value (``C3``); row 4 one whose saved value is 3; row 5 one
    whose value is the empty text, which is a value.
    """
    import zipfile

    def cell(ref: str, value: str | int) -> str:
        if isinstance(value, int):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

    rows = [
        [cell(f"{c}1", name) for c, name in zip("ABCDEF", HEADER[:6], strict=True)],
        [cell(f"{c}2", v) for c, v in zip("ABCDEF", ["r1", 1, 2, 3, 4, 5], strict=True)],
        [cell("A3", "r2"), cell("B3", 5), '<c r="C3"><f>2*2</f></c>']
        + [cell(f"{c}3", v) for c, v in zip("DEF", [3, 2, 1], strict=True)],
        [cell("A4", "r3"), '<c r="B4"><f>1+2</f><v>3</v></c>'] + [cell(f"{c}4", 3) for c in "CDEF"],
        [cell("A5", "r4")]
        + [cell(f"{c}5", 2) for c in "BCDE"]
        + ['<c r="F5" t="str"><f>IF(1,"","x")</f><v></v></c>'],
    ]
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006"
    parts = {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{package}/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}/'
            f'relationships"><Relationship Id="rId1" Type="{relations}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
            f'xmlns:r="{relations}"><sheets><sheet name="Responses" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}/'
            f'relationships"><Relationship Id="rId1" Type="{relations}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>'
            + "".join(f'<row r="{i}">{"".join(r)}</row>' for i, r in enumerate(rows, start=1))
            + "</sheetData></worksheet>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, text in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text)
    return out.getvalue()


def big_field(path: Path, megabytes: int = 20, *, in_item: bool = False) -> Path:
    """Write a file with one field of ``megabytes`` MB (a comment, or an item cell)."""
    big = "x" * (megabytes << 20)
    rows = [list(r) for r in ROWS]
    rows[1][2 if in_item else 6] = big
    path.write_text(table(rows), encoding="utf-8")
    return path


def main() -> None:
    """Write every file; with ``--check``, only report files that differ."""
    check = "--check" in sys.argv
    stale = []
    for name, data in corpus().items():
        path = HERE / name
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(name)
        if not check:
            path.write_bytes(data)
    for name in stale:
        print(("stale: " if check else "wrote: ") + name)
    raise SystemExit(1 if check and stale else 0)


if __name__ == "__main__":
    main()

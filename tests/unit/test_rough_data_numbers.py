"""Only plain ASCII decimals are numbers, and a cell's verdict never depends on where it sits.

Arrow's integer parser reads ``0x3`` as 3 and its float parser reads ``-nan`` as NaN;
Python's ``float()`` reads ``٣``, ``３``, ``३`` and ``𝟑`` as 3. None of these is a number
in relscales (docs/methods.md#reading-cells). Each path that reads a cell (the typed
first read of a file, as integers or floats; the text read the file falls back to; a
text column in memory; JSON; Excel; ``take``'s typed answers) must give the same verdict,
whether the cell is on row 1 or on row 120,001 of a file read in blocks.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import relscales
from relscales.io.sniff import sniff_csv
from relscales.io.sources import open_source
from relscales.labels import normalize_label, plain_number
from relscales.scoring.compile import CompiledScale
from relscales.scoring.decode import REASONS, decode_column, parse_cell, preparse

FIVE = Path(__file__).resolve().parent.parent / "data" / "bad" / "five.yaml"
OK, NOT_NUMBER = 0, 3

AGREE5 = CompiledScale(
    "agree5",
    np.arange(1.0, 6.0),
    {normalize_label("Agree"): 4.0},
    frozenset({-99.0}),
    1.0,
    5.0,
    frozenset(float(v) for v in range(1, 6)),
)
HALVES = CompiledScale(  # a scale of halves: its columns are typed float64, not int16
    "halves",
    np.arange(1.0, 5.5, 0.5),
    {},
    frozenset(),
    1.0,
    5.0,
    frozenset(np.arange(1.0, 5.5, 0.5).tolist()),
)

NOT_NUMBERS = [
    "0x3",  # hexadecimal: Arrow's integer parser reads it as 3
    "0X4",
    " 0x03 ",
    "\u0663",  # ARABIC-INDIC DIGIT THREE
    "\u06f3",  # EXTENDED ARABIC-INDIC DIGIT THREE
    "\uff13",  # FULLWIDTH DIGIT THREE
    "\u0969",  # DEVANAGARI DIGIT THREE
    "\U0001d7d1",  # MATHEMATICAL BOLD DIGIT THREE
    "\u00b3",  # SUPERSCRIPT THREE
    "\u0663.0",
    "3\u0660",  # 3 then ARABIC-INDIC ZERO
    "1_0",
    "inf",
    "-nan",  # Arrow's float parser reads it as NaN
    "+nan",
    "1e400",  # a plain number too large to be one (Arrow: inf)
    "9" * 400,
]
# cells whose verdict must also agree across paths (numbers, missing, labels, invalid)
OTHER_CELLS = [
    *["3", " 3 ", "+3", "003", "3.0", "3e0", "nan", "NaN", "-99", "Agree", "2.5", "6"],
    "nan(1)",  # Arrow: NaN; relscales: the label "nan" with the number 1 (docs rule 5)
]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_only_plain_ascii_decimals_are_numbers(text: str) -> None:
    assert plain_number(text) is None
    value, reason = parse_cell(text, AGREE5)
    assert math.isnan(value)
    assert reason == NOT_NUMBER, REASONS.get(reason)
    # nor with a label, in the forms survey tools export ("٣ (Agree)")
    assert parse_cell(f"{text.strip()} (Agree)", AGREE5)[1] != OK
    assert parse_cell(f"{text.strip()},0", AGREE5, decimal_comma=True)[1] != OK


def test_ascii_decimals_still_are() -> None:
    assert [parse_cell(t, AGREE5) for t in ["3", " +3 ", "3.", ".3e1", "3,0"]][:4] == [
        (3.0, OK)
    ] * 4
    assert parse_cell("3,0", AGREE5, decimal_comma=True) == (3.0, OK)
    assert parse_cell("3 (Agree)", AGREE5)[1] != OK  # label of 4: a mismatch, as before
    assert parse_cell("4 (Agree)", AGREE5) == (4.0, OK)


# -- the same verdict on every path ---------------------------------------------------------


def _verdicts(path: Path, rows: list[int], *, numeric: str | None, scale: CompiledScale) -> Any:
    """Read ``q1`` of a file as the engine does (a typed first read, then text) in small blocks."""
    source = open_source(path)
    source.key_column = "id"
    kind = {"int": {"q1"}, "float": set(), None: set()}[numeric]
    cells = []
    for batch in source.batches(
        ["id", "q1"],
        batch_bytes=4096,
        numeric=["q1"] if numeric else [],
        integer=kind,
        whole_file_bytes=0,
    ):
        decoded = decode_column(preparse(batch.columns["q1"]), scale)
        reasons = dict(zip(decoded.bad_rows.tolist(), decoded.bad_reasons.tolist(), strict=True))
        for i in range(batch.n_rows):
            cells.append((decoded.values[i], reasons.get(i, OK)))
    return [(None if math.isnan(cells[r][0]) else cells[r][0], cells[r][1]) for r in rows]


def _write(path: Path, cells: list[str]) -> Path:
    lines = ["id,q1"] + [f"r{i},{json.dumps(c) if ',' in c else c}" for i, c in enumerate(cells)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("scale", [AGREE5, HALVES], ids=["integers", "halves"])
@pytest.mark.parametrize("numeric", ["int", "float", None])
def test_a_cell_gets_the_same_verdict_on_row_1_and_deep_in_the_file(
    tmp_path: Path, numeric: str | None, scale: CompiledScale
) -> None:
    """Row 1 (typed read), deep after numbers (typed until then), deep after text; in memory."""
    import pyarrow as pa

    filler = ["1", "2", "3", "4", "5"] * 600  # 3,000 rows: many blocks of 4 KB
    for text in [*NOT_NUMBERS, *OTHER_CELLS]:
        first = _verdicts(
            _write(tmp_path / "first.csv", [text, *filler]), [0], numeric=numeric, scale=scale
        )
        deep_after_numbers = _verdicts(
            _write(tmp_path / "deep.csv", [*filler, text, "1"]),
            [len(filler)],
            numeric=numeric,
            scale=scale,
        )
        deep_after_text = _verdicts(
            _write(tmp_path / "text.csv", ["Agree", *filler, text]),
            [len(filler) + 1],
            numeric=numeric,
            scale=scale,
        )
        alone = decode_column(preparse(pa.array([text, "1"])), scale)
        mixed = decode_column(preparse(pa.array(["Agree", text])), scale)
        in_memory = [
            (
                None if math.isnan(d.values[row]) else d.values[row],
                dict(zip(d.bad_rows.tolist(), d.bad_reasons.tolist(), strict=True)).get(row, OK),
            )
            for d, row in [(alone, 0), (mixed, 1)]
        ]
        verdicts = {*first, *deep_after_numbers, *deep_after_text, *in_memory}
        assert len(verdicts) == 1, (text, first, deep_after_numbers, deep_after_text, in_memory)
        if text in NOT_NUMBERS:
            assert verdicts == {(None, NOT_NUMBER)}, text


def _q1(result: Any, row: int) -> tuple[str, float]:
    found = [p.code for p in result.problems if p.row == row and p.column == "q1"]
    total = float(result.scores["total"][row - 1])
    return (found[0] if found else "ok", round(total, 3))


def _big(path: Path, cells: list[str], rows: int) -> Path:
    body = [f"r{i},{cells[i] if i < len(cells) else i % 5 + 1},2,3,4,5" for i in range(rows)]
    path.write_text("id,q1,q2,q3,q4,q5\n" + "\n".join(body) + "\n", encoding="utf-8")
    return path


def test_row_1_and_row_120001_of_a_streamed_file_agree(tmp_path: Path) -> None:
    """End to end, with the engine's own block size: a file of 2.5 MB is streamed in blocks."""
    rows = 120_001
    for text in ["0x3", "\u0663", "\uff13", "3"]:
        early = relscales.score(FIVE, _big(tmp_path / "early.csv", [text], rows))
        late_cells = ["1"] * (rows - 1) + [text]
        late = relscales.score(FIVE, _big(tmp_path / "late.csv", late_cells, rows))
        late_after_text = relscales.score(
            FIVE, _big(tmp_path / "late-text.csv", ["Agree", *late_cells[1:]], rows)
        )
        verdict = _q1(early, 1)
        assert _q1(late, rows) == verdict, text
        assert _q1(late_after_text, rows) == verdict, text
        assert verdict[0] == ("ok" if text == "3" else "value-not-a-number"), text


def test_arrow_reads_hexadecimal_integers_so_such_files_are_not_typed_as_integers(
    tmp_path: Path,
) -> None:
    """The reason for ``CsvDialect.hex_like``: Arrow's integer parser takes ``0x3``."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.ConvertOptions(column_types={"q1": pa.int16()})
    parsed = pacsv.read_csv(io.BytesIO(b"q1\n0x3\n"), convert_options=options)
    assert parsed.column("q1").to_pylist() == [3]  # if this changes, hex_like may go
    plain = _write(tmp_path / "plain.csv", ["1", "2"])
    assert not sniff_csv(plain).hex_like
    # a 0 closing one block of the scan and an x opening the next are found too
    split = tmp_path / "split.csv"
    head = "id,q1\n" + "r,1\n" * 300_000
    split.write_bytes((head[: (1 << 20) - 2] + ",0" + "x3\n").encode())
    assert sniff_csv(split).hex_like
    assert sniff_csv(_write(tmp_path / "hex.csv", ["1", "0X3"])).hex_like
    assert sniff_csv(_write(tmp_path / "quoted.csv", ["1", '" 0xF"'])).hex_like
    # 0x inside a word or a number is not a cell Arrow could read as hexadecimal
    assert not sniff_csv(_write(tmp_path / "words.csv", ["1", "10x10", "r0x2", "0xz"])).hex_like


def test_other_readers_refuse_foreign_digits(tmp_path: Path) -> None:
    """JSON text, Excel text cells, DataFrame text columns: the same rule."""
    pd = pytest.importorskip("pandas")
    cells = ["\u0663", "\uff13", "0x3", "3"]
    records = [
        {"id": f"r{i}", "q1": c, "q2": 2, "q3": 3, "q4": 4, "q5": 5} for i, c in enumerate(cells)
    ]
    data = tmp_path / "d.json"
    data.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    expected = ["value-not-a-number"] * 3 + ["ok"]
    frame = pd.DataFrame(records)
    for source in [data, frame]:
        result = relscales.score(FIVE, source)
        assert [_q1(result, r + 1)[0] for r in range(len(cells))] == expected
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(records[0]))
    for record in records:
        sheet.append(list(record.values()))
    book.save(tmp_path / "d.xlsx")
    result = relscales.score(FIVE, tmp_path / "d.xlsx")
    assert [_q1(result, r + 1)[0] for r in range(len(cells))] == expected


def test_take_refuses_answers_typed_with_other_digits() -> None:
    from relscales.selfassess.questionnaire import load_questionnaire
    from relscales.selfassess.session import AnswerError, parse_answer

    question = load_questionnaire("risi").question("risi.rs_oth4")
    assert parse_answer(question, "4").code == "4"
    for typed in ["\u0664", "\uff14", "\u096a"]:
        with pytest.raises(AnswerError, match="digits other than 0-9"):
            parse_answer(question, typed)
    for typed in ["0x4", "inf", "4_0"]:
        with pytest.raises(AnswerError, match="not one of the answers"):
            parse_answer(question, typed)

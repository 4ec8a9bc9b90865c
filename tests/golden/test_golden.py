"""Golden scores per instrument (house style 22): ``tests/golden/<instrument-id>/``.

Every folder here is discovered automatically and must hold ``responses.csv`` (the
data, as a researcher would export it) and ``expected.csv`` (the id column and one
column per score, an empty cell for a missing score). The folder name is the
instrument id, and ``relscales.score(<id>, responses.csv)`` must reproduce the
expected table at ``atol = 1e-9``.

The expected scores were worked out by hand from each instrument's published key,
not by running relscales, so ``--update-golden`` deliberately does not rewrite them.

ecr-r (Fraley, Waller & Brennan 2000; 1-7, reversed = 8 - x; mean of answered items)
  anxiety = items 1-18, reversed 9 and 11; avoidance = items 19-36, reversed 20, 22,
  26-31, 33-36 (12 of 18); any one answered item gives a score.

  id   answers                                anxiety              avoidance
  g01  all 4                                  4                    4
  g02  all 7                                  (16*7 + 2*1)/18      (6*7 + 12*1)/18
                                              = 114/18 = 6.3333..  = 54/18 = 3
  g03  anx 1, its reversed 7; avo 2, its      1                    2
       reversed 6
  g04  1-8 = 5, item 9 = 3 (-> 5), 10-18      5 (9 answered)       4
       blank; avoidance all 4
  g05  item i = (i - 1) mod 7 + 1             raw 66, item 9 2->6  6 plain items 25 +
                                              (+4), 11 4->4:       reversed 2+7+3+2+1+7
                                              70/18 = 3.8889       +6+5+3+2+1+7 = 46:
                                                                   71/18 = 3.9444
  g06  anxiety all blank, avoidance all 1     (empty)              (6*1 + 12*7)/18 = 5
  g07  item 1 = 8 (invalid: missing), rest 4; 4 (17 answered)      (7 + 17*4)/18
       item 19 = "Strongly agree" (label, 7)                       = 75/18 = 4.1667
  g08  every cell "Strongly disagree" (1)     (16*1 + 2*7)/18      (6*1 + 12*7)/18 = 5
                                              = 30/18 = 1.6667

rses (Rosenberg 1965, standard order; 0-3, reversed = 3 - x; sum; all 10 items needed)
  negatively worded: items 2, 5, 6, 8, 9.

  id   answers (items 1..10)                  self_esteem
  s01  all 3                                  5*3 + 5*0 = 15
  s02  positives 3, negatives 0               15 + 15 = 30
  s03  positives 0, negatives 3               0
  s04  0 1 2 3 0 1 2 3 0 1                    positives 0+2+3+2+1 = 8; negatives
                                              1,0,1,3,0 -> 2+3+2+0+3 = 10; 18
  s05  item 5 blank, rest 3                   (empty: 9 < min_answered 10)
  s06  positives "Strongly agree" (3),        15 + 5*2 = 25
       negatives "Disagree" (1 -> 2)
  s07  item 10 "NA", rest 2                   (empty: NA is missing)
  s08  item 1 = 4 (out of range), rest 2      (empty: the invalid cell is missing)
  s09  3 3 2 2 1 1 0 0 3 2                    3+0+2+2+2+2+0+3+0+2 = 16

rses-order-b (PhenX order, 1-4, 0 = no answer, reversed = 5 - x; sum of all 10)
  Q1..Q10 hold standard items 7, 3, 9, 4, 5, 10, 1, 8, 6, 2, so Q3, Q5, Q8, Q9 and
  Q10 are reversed. Scores run 10-40 (the 0-30 score plus 10).

  id   answers (Q1..Q10)                      self_esteem
  b01  all 4                                  5*4 + 5*1 = 25
  b02  positives 4, negatives 1               20 + 20 = 40
  b03  positives 1, negatives 4               5 + 5 = 10
  b04  1 2 3 4 1 2 3 4 1 2                    Q1,2,4,6,7 = 1+2+4+2+3 = 12; Q3,5,8,9,10
                                              = 3,1,4,1,2 -> 2+4+1+4+3 = 14; 26
  b05  Q5 = 0 (missing code), rest 4          (empty)
  b06  rses s04 recoded 1-4 in this order     18 + 10 = 28
  b07  Q1 = 5 (out of range), rest 4          (empty)
  b08  positives "Agree" (3), negatives       15 + 5*4 = 35
       "Strongly disagree" (1 -> 4)
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

import relscales

GOLDEN = Path(__file__).resolve().parent
FOLDERS = sorted(p for p in GOLDEN.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
ATOL = 1e-9


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    return rows[0], rows[1:]


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_golden_scores(folder: Path) -> None:
    responses, expected_path = folder / "responses.csv", folder / "expected.csv"
    missing = [p.name for p in (responses, expected_path) if not p.is_file()]
    assert not missing, f"tests/golden/{folder.name}/ lacks {', '.join(missing)}"
    header, rows = read_csv(expected_path)
    assert rows, f"{expected_path} has no rows"
    result = relscales.score(folder.name, responses)
    # every score column must be there, in output order; flag and profile columns may be
    # (profiles are checked against a reference implementation in tests/unit/test_readings.py)
    assert [c for c in result.columns if c in header] == header
    assert set(result.scores) <= set(header), f"{folder.name}: score columns missing"
    id_column = header[0]
    assert result.columns[id_column].tolist() == [row[0] for row in rows]
    for k, name in enumerate(header[1:], start=1):
        if result.columns[name].dtype == object:  # flags (true/false/empty) and profiles
            shown = {True: "true", False: "false", None: ""}
            got_text = [
                shown.get(v, v) if not isinstance(v, str) else v
                for v in result.columns[name].tolist()
            ]
            assert got_text == [row[k] for row in rows], f"{folder.name}.{name}"
            continue
        expected = np.array([float(row[k]) if row[k] != "" else math.nan for row in rows])
        got = result.columns[name].astype(float)
        empty = [row[0] for row, e in zip(rows, expected, strict=True) if math.isnan(e)]
        got_empty = [row[0] for row, g in zip(rows, got, strict=True) if math.isnan(g)]
        assert got_empty == empty, f"{folder.name}.{name}: missing scores differ"
        np.testing.assert_allclose(
            got, expected, rtol=0, atol=ATOL, err_msg=f"{folder.name}.{name}"
        )


def test_golden_folders_exist() -> None:
    assert FOLDERS, "no golden folders found"


def test_every_bundled_instrument_has_a_golden_folder() -> None:
    """The definition of done for a new instrument (house style 36)."""
    bundled = {
        entry.id
        for entry in relscales.list_instruments()
        if Path(entry.source).parent.name in ("instruments", "_bundled")
    }
    assert bundled <= {p.name for p in FOLDERS}

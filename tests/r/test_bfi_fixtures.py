"""relscales against R psych on a real data set: ``psychTools::bfi`` (SAPA project).

Fixtures: tests/r/fixtures/bfi/ (made by tests/r/make_bfi_fixtures.R; see its README).
2,800 respondents, 25 items A1..O5 on 1..6 with 508 missing cells, keyed as psychTools'
``bfi.keys``. The instrument is tests/data/scoring/bfi.yaml (item codes only).

- Mean scores vs ``scoreItems(keys, items, impute = "none", min = 1, max = 6)$scores``
  at ``atol = 1e-9``; an empty cell must be empty on both sides.
- Per scale, ``cronbach_alpha`` and ``item_analysis`` on the answers read with
  ``collect_answers`` and reverse-keyed as ``min + max - x`` vs ``psych::alpha(...,
  use = "pairwise")`` at ``atol = 1e-6`` (raw and standardised alpha, lambda 6, mean r,
  and every item's r.drop, r.cor, mean and sd).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

import relscales
from relscales.pipeline.score import collect_answers
from relscales.reliability import cronbach_alpha, item_analysis

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "bfi"
INSTRUMENT = HERE.parent / "data" / "scoring" / "bfi.yaml"
SCORE_ATOL = 1e-9
ALPHA_ATOL = 1e-6

KEYS: dict[str, Any] = json.loads((FIXTURE / "keys.json").read_text())
ALPHA: dict[str, Any] = json.loads((FIXTURE / "alpha.json").read_text())
SCALES = list(KEYS["subscales"])


def read_table(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    with path.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    return [r["id"] for r in rows], {k: [r[k] for r in rows] for k in rows[0] if k != "id"}


def as_floats(cells: list[str]) -> np.ndarray:
    return np.array([float(c) if c != "" else math.nan for c in cells])


@pytest.fixture(scope="module")
def reversed_answers() -> tuple[list[str], np.ndarray]:
    """All 25 items, read by the engine, with the keyed items reversed (min + max - x)."""
    compiled = relscales.compile_instrument(relscales.load_instrument(INSTRUMENT))
    _, answers, problems = collect_answers(compiled, FIXTURE / "items.csv")
    assert problems == ()
    with (FIXTURE / "items.csv").open(newline="") as stream:
        item_ids = next(csv.reader(stream))[1:]
    assert answers.shape == (2800, len(item_ids))
    x = answers.astype(float).copy()
    for signed in (k for ks in KEYS["subscales"].values() for k in ks if k.startswith("-")):
        j = item_ids.index(signed[1:])
        x[:, j] = KEYS["min"] + KEYS["max"] - x[:, j]
    return item_ids, x


def test_instrument_keys_are_the_psych_keys() -> None:
    instrument = relscales.load_instrument(INSTRUMENT)
    reversed_in_keys = {k[1:] for ks in KEYS["subscales"].values() for k in ks if k[0] == "-"}
    assert {i.id for i in instrument.items if i.reverse} == reversed_in_keys
    assert {s.id: [*s.items] for s in instrument.subscales} == {
        name: [k.lstrip("-") for k in ks] for name, ks in KEYS["subscales"].items()
    }


def test_mean_scores_match_psych_score_items() -> None:
    result = relscales.score(INSTRUMENT, FIXTURE / "items.csv")
    ids, expected = read_table(FIXTURE / "scores_mean.csv")
    assert result.columns["id"].tolist() == ids
    assert list(result.scores) == list(expected) == SCALES
    assert result.problem_count == 0
    for name, cells in expected.items():
        psych = as_floats(cells)
        ours = result.scores[name]
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(psych), err_msg=name)
        np.testing.assert_allclose(ours, psych, rtol=0, atol=SCORE_ATOL, err_msg=name)


@pytest.mark.parametrize("scale", SCALES)
def test_alpha_matches_psych(scale: str, reversed_answers: tuple[list[str], np.ndarray]) -> None:
    item_ids, x = reversed_answers
    ref = ALPHA[scale]
    names = [k.lstrip("-") for k in KEYS["subscales"][scale]]
    assert names == ref["items"]
    sub = x[:, [item_ids.index(n) for n in names]]
    res = cronbach_alpha(sub)
    assert_allclose(res.estimate, ref["raw_alpha"], atol=ALPHA_ATOL, rtol=0)
    assert_allclose(res.std_alpha, ref["std.alpha"], atol=ALPHA_ATOL, rtol=0)
    assert_allclose(res.lambda6, ref["G6(smc)"], atol=ALPHA_ATOL, rtol=0)
    assert_allclose(res.mean_r, ref["average_r"], atol=ALPHA_ATOL, rtol=0)
    assert res.n == ref["n_rows"] == 2800
    assert res.n_complete == ref["n_rows_complete"]

    items = item_analysis(sub, names)
    for name in names:
        mine, theirs = items[name], ref["item_stats"][name]
        assert mine.n == theirs["n"]
        for attr, key in [("r_drop", "r.drop"), ("r_cor", "r.cor"), ("mean", "mean"), ("sd", "sd")]:
            assert_allclose(
                getattr(mine, attr), theirs[key], atol=ALPHA_ATOL, rtol=0, err_msg=f"{name} {key}"
            )

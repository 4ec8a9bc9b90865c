"""Scores agree with R ``psych::scoreItems(keys, items, impute = "none", min, max)``.

The fixtures (tests/r/fixtures/, psych 2.2.9; see tests/r/README.md) hold psych's mean
scores (``scores_mean.csv``) and its ``totals = TRUE`` sums (``scores_sum.csv``). For
each case an instrument is written on the fly from ``keys.json``: one response scale
min..max, items reverse-keyed where psych's key has a ``-``, and one subscale per key
list, scored ``mean`` in one instrument and ``sum`` in another (default
``min_answered: 1``, which is psych's rule: any answered item gives a score).

Tolerance: ``atol = 1e-9``, ``rtol = 0``. psych's values are written with 17
significant digits; ours come from a different summation order and may differ in the
last bits (on these fixtures they are in fact identical).

Documented difference: when *every* item of a scale is missing, psych's total is 0
(``rowSums(na.rm = TRUE)`` of nothing) while relscales gives a missing score. Those
rows are asserted explicitly, and only those rows are exempt from the comparison.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import relscales

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# bfi (psychTools real data) has its own test module, test_bfi_fixtures.py
CASES = sorted(
    p.name for p in FIXTURES.iterdir() if (p / "keys.json").is_file() and p.name != "bfi"
)
ATOL = 1e-9  # see the module docstring


def test_every_fixture_case_is_tested() -> None:
    assert CASES == ["likert5", "likert7", "zero3"]


def read_table(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    with path.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    return [r["id"] for r in rows], {k: [r[k] for r in rows] for k in rows[0] if k != "id"}


def as_floats(cells: list[str]) -> np.ndarray:
    return np.array([float(c) if c != "" else math.nan for c in cells])


def write_instrument(case: str, method: str, folder: Path) -> Path:
    keys = json.loads((FIXTURES / case / "keys.json").read_text())
    with (FIXTURES / case / "items.csv").open(newline="") as stream:
        item_ids = next(csv.reader(stream))[1:]
    reversed_items = {k[1:] for ks in keys["subscales"].values() for k in ks if k[0] == "-"}
    spec: dict[str, Any] = {
        "relscales": 1,
        "id": f"psych-{case}-{method.replace('_', '-')}",
        "version": "1.0.0",
        "name": f"psych fixture {case} ({method})",
        "domain": "other",
        "citation": "tests/r/fixtures, psych 2.2.9",
        "license": {"name": "test data", "item_text": "not-included"},
        "validation": {"status": "experimental"},
        "response_scales": {"fixture": {"values": list(range(keys["min"], keys["max"] + 1))}},
        "items": [
            {"id": i, "label": f"item {i}", "scale": "fixture", "reverse": i in reversed_items}
            for i in item_ids
        ],
        "subscales": [
            {"id": name, "name": name, "items": [k.lstrip("-") for k in ks], "score": method}
            for name, ks in keys["subscales"].items()
        ],
    }
    path = folder / f"{case}-{method}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_mean_scores_match_psych(case: str, tmp_path: Path) -> None:
    result = relscales.score(
        write_instrument(case, "mean", tmp_path), FIXTURES / case / "items.csv"
    )
    ids, expected = read_table(FIXTURES / case / "scores_mean.csv")
    assert result.columns["id"].tolist() == ids
    assert list(result.scores) == list(expected)
    for name, cells in expected.items():
        psych = as_floats(cells)
        ours = result.scores[name]
        # empty cells (psych NaN: every item missing) are empty on both sides
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(psych), err_msg=name)
        np.testing.assert_allclose(ours, psych, rtol=0, atol=ATOL, err_msg=name)


def test_sum_scores_match_psych(case: str, tmp_path: Path) -> None:
    result = relscales.score(write_instrument(case, "sum", tmp_path), FIXTURES / case / "items.csv")
    ids, expected = read_table(FIXTURES / case / "scores_sum.csv")
    _, missing = read_table(FIXTURES / case / "missing_counts.csv")
    keys = json.loads((FIXTURES / case / "keys.json").read_text())
    assert result.columns["id"].tolist() == ids
    for name, cells in expected.items():
        psych = as_floats(cells)
        ours = result.scores[name]
        none_answered = np.array([int(m) for m in missing[name]]) == len(keys["subscales"][name])
        # documented difference: psych sums nothing to 0, relscales leaves the score missing
        assert (psych[none_answered] == 0).all()
        assert np.isnan(ours[none_answered]).all()
        assert not np.isnan(ours[~none_answered]).any()
        np.testing.assert_allclose(
            ours[~none_answered], psych[~none_answered], rtol=0, atol=ATOL, err_msg=name
        )


def test_rows_with_every_item_missing_are_the_documented_ones() -> None:
    """likert7: ids 11-13 skip every anx item, id 14 skips everything (fixtures README)."""
    _, missing = read_table(FIXTURES / "likert7" / "missing_counts.csv")
    ids, _ = read_table(FIXTURES / "likert7" / "missing_counts.csv")
    empty = {
        name: [i for i, m in zip(ids, counts, strict=True) if m == "6"]
        for name, counts in missing.items()
    }
    assert empty == {"anx": ["11", "12", "13", "14"], "avo": ["14"]}


def test_n_answered_is_keyed_items_minus_psych_missing(case: str, tmp_path: Path) -> None:
    result = relscales.score(
        write_instrument(case, "mean", tmp_path), FIXTURES / case / "items.csv", with_counts=True
    )
    _, missing = read_table(FIXTURES / case / "missing_counts.csv")
    keys = json.loads((FIXTURES / case / "keys.json").read_text())
    for name, counts in missing.items():
        expected = [len(keys["subscales"][name]) - int(m) for m in counts]
        assert result.n_answered[name].tolist() == expected
        assert result.columns[f"{name}_n_answered"].tolist() == expected


def test_prorated_sum_is_psych_mean_times_k(case: str, tmp_path: Path) -> None:
    """The README's note: psych has no prorated total; it would be ``scores_mean x k``."""
    result = relscales.score(
        write_instrument(case, "prorated_sum", tmp_path), FIXTURES / case / "items.csv"
    )
    _, expected = read_table(FIXTURES / case / "scores_mean.csv")
    keys = json.loads((FIXTURES / case / "keys.json").read_text())
    for name, cells in expected.items():
        np.testing.assert_allclose(
            result.scores[name],
            as_floats(cells) * len(keys["subscales"][name]),
            rtol=0,
            atol=ATOL,
            err_msg=name,
        )


def test_no_problems_and_no_warnings_on_the_fixtures(case: str, tmp_path: Path) -> None:
    result = relscales.score(
        write_instrument(case, "mean", tmp_path), FIXTURES / case / "items.csv"
    )
    assert result.problem_count == 0
    assert result.warnings == ()

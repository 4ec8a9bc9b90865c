"""``relscales show ID --sum-table``: the EAP[sum] table for paper administration.

The instrument is examples/instruments/irt-demo.yaml (12 items on 1-5, three reversed, scored
as a mean) with the graded response model its example answers were simulated from declared,
plus a sum-scored subscale of its first six items with another prior, and a subscale on a
scale whose values are not evenly spaced (no table: its classical sum is not a function of
the model's sum score).
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import stat
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from relscales.cli import app
from relscales.irt import GradedModel, sum_score_table

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "instruments" / "irt-demo.yaml"
ITEMS = [f"d{j:02d}" for j in range(1, 13)]
# the parameters the demo's answers were simulated from (scripts/make_irt_example.py)
SLOPES = [1.8, 1.2, 0.9, 2.2, 1.5, 1.1, 1.7, 0.8, 1.4, 2.0, 1.3, 1.6]
THRESHOLDS = [[-2.0 + 0.1 * j, -0.8 + 0.1 * j, 0.3 + 0.05 * j, 1.4 + 0.05 * j] for j in range(12)]
FIRST6_PRIOR = (0.5, 1.2)

runner = CliRunner()


def run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def _irt(items: list[str], prior: tuple[float, float] = (0.0, 1.0)) -> dict[str, Any]:
    return {
        "model": "graded",
        "prior": {"mean": prior[0], "sd": prior[1]},
        "items": {
            item: {"slope": SLOPES[ITEMS.index(item)], "thresholds": THRESHOLDS[ITEMS.index(item)]}
            for item in items
        },
        "calibration": {
            "source": "the simulation of scripts/make_irt_example.py",
            "licence": "CC0",
        },
    }


@pytest.fixture
def instrument(tmp_path: Path) -> Path:
    doc = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    doc["id"] = "irt-demo-model"
    doc["response_scales"]["lopsided"] = {"values": [0, 1, 3], "labels": {0: "No", 3: "Yes"}}
    doc["items"] += [{"id": f"u{j}", "label": f"uneven {j}", "scale": "lopsided"} for j in (1, 2)]
    worry = doc["subscales"][0]
    worry["irt"] = _irt(ITEMS)
    doc["subscales"] += [
        {
            "id": "first6",
            "name": "First six",
            "items": ITEMS[:6],
            "score": "sum",
            "irt": _irt(ITEMS[:6], FIRST6_PRIOR),
        },
        {
            "id": "uneven",
            "name": "Uneven",
            "items": ["u1", "u2"],
            "score": "sum",
            "irt": {
                "model": "graded",
                "items": {u: {"slope": 1.0, "thresholds": [-0.5, 0.5]} for u in ("u1", "u2")},
                "calibration": {"source": "made up", "licence": "CC0"},
            },
        },
    ]
    path = tmp_path / "irt-demo-model.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _expected(items: list[str], prior: tuple[float, float] = (0.0, 1.0)) -> Any:
    rows = [ITEMS.index(i) for i in items]
    model = GradedModel(
        slopes=np.array([SLOPES[j] for j in rows]),
        thresholds=np.array([THRESHOLDS[j] for j in rows]),
        n_categories=np.full(len(rows), 5),
    )
    return sum_score_table(model, prior_mean=prior[0], prior_sd=prior[1])


def _no_traceback(result: Any) -> None:
    assert "Traceback" not in result.output
    assert "internal error" not in result.output


def test_text_table_has_a_row_per_raw_score(instrument: Path) -> None:
    result = run("show", instrument, "--sum-table", "--subscale", "worry")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    heading = lines[0]
    assert heading.startswith("worry: ")
    assert "EAP[sum]" in heading
    assert "relscales score" in heading
    assert "prior N(0, 1)" in heading
    assert "all 12 items are answered" in heading
    assert lines[1].split() == ["raw_score", "mean_score", "theta", "theta_se", "theta_t"]
    body = [line.split() for line in lines[2:]]
    assert [int(r[0]) for r in body] == list(range(12, 61))  # 12 x 1 .. 12 x 5
    thetas = [float(r[2]) for r in body]
    assert all(a < b for a, b in itertools.pairwise(thetas))
    assert len({len(line) for line in lines[1:]}) == 1  # aligned columns


def test_every_modelled_subscale_and_the_uneven_one_is_said(instrument: Path) -> None:
    result = run("show", instrument, "--sum-table")
    assert result.exit_code == 0, result.output
    headings = [line for line in result.stdout.splitlines() if "EAP[sum]" in line]
    assert [h.split(":")[0] for h in headings] == ["worry", "first6"]
    assert "prior N(0.5, 1.2)" in headings[1]
    assert "no sum-score table for subscale 'uneven'" in result.stderr
    assert "not evenly spaced" in result.stderr
    _no_traceback(result)


def test_csv_equals_the_lord_wingersky_table(instrument: Path, tmp_path: Path) -> None:
    out = tmp_path / "table.csv"
    result = run("show", instrument, "--sum-table", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"-> {out}" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["subscale", "raw_score", "theta", "theta_se", "theta_t", "mean_score"]
    worry = [r for r in rows if r["subscale"] == "worry"]
    first6 = [r for r in rows if r["subscale"] == "first6"]
    assert (len(worry), len(first6), len(rows)) == (49, 25, 74)
    for got, expected, low in (
        (worry, _expected(ITEMS), 12),
        (first6, _expected(ITEMS[:6], FIRST6_PRIOR), 6),
    ):
        raw = np.array([float(r["raw_score"]) for r in got])
        np.testing.assert_array_equal(raw, low + expected.sum_scores)
        theta = np.array([float(r["theta"]) for r in got])
        np.testing.assert_allclose(theta, expected.theta, rtol=0, atol=1e-12)
        se = np.array([float(r["theta_se"]) for r in got])
        np.testing.assert_allclose(se, expected.se, rtol=0, atol=1e-12)
        t = np.array([float(r["theta_t"]) for r in got])
        np.testing.assert_allclose(t, 50 + 10 * expected.theta, rtol=0, atol=1e-12)
    assert [float(r["mean_score"]) for r in worry] == [float(r["raw_score"]) / 12 for r in worry]
    assert {r["mean_score"] for r in first6} == {""}  # a sum: raw_score is the score


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_csv_is_replaced_whole_and_readable(instrument: Path, tmp_path: Path) -> None:
    out = tmp_path / "table.csv"
    out.write_text("old\n", encoding="utf-8")
    os.chmod(out, 0o640)
    result = run("show", instrument, "--sum-table", "--subscale", "first6", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("\n") == 26
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # a replaced file keeps its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["irt-demo-model.yaml", "table.csv"]


def test_never_written_over_the_instrument(instrument: Path) -> None:
    before = instrument.read_bytes()
    result = run("show", instrument, "--sum-table", "-o", instrument)
    assert result.exit_code == 2
    assert instrument.read_bytes() == before
    _no_traceback(result)


def test_an_instrument_without_a_model(tmp_path: Path) -> None:
    result = run("show", "rses", "--sum-table", "-o", tmp_path / "t.csv")
    assert result.exit_code == 2  # docs/errors.md: bad input or usage
    assert result.stdout == ""
    assert result.stderr.startswith("error[invalid-option] instrument 'rses' declares no ")
    assert "relscales calibrate" in result.stderr
    assert "docs/authoring.md" in result.stderr
    assert not (tmp_path / "t.csv").exists()
    _no_traceback(result)


def test_an_unknown_subscale(instrument: Path) -> None:
    result = run("show", instrument, "--sum-table", "--subscale", "wory")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error[unknown-score] 'wory' is not a subscale of 'irt-demo-model' "
        "(subscales with a model: worry, first6, uneven)\n"
    )
    _no_traceback(result)


def test_only_an_uneven_subscale_is_an_error(instrument: Path) -> None:
    result = run("show", instrument, "--sum-table", "--subscale", "uneven")
    assert result.exit_code == 2
    assert "error[invalid-option] no sum-score table for subscale 'uneven'" in result.stderr
    _no_traceback(result)


def test_sum_table_options_need_sum_table(instrument: Path) -> None:
    for args in (["--subscale", "worry"], ["-o", "t.csv"], ["--sum-table", "--json"]):
        result = run("show", instrument, *args)
        assert result.exit_code == 2, args
        _no_traceback(result)

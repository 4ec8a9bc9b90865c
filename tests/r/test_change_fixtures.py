"""relscales.reliable_change against R clinicalsignificance 3.0.0 (no R needed here).

Fixtures: tests/r/fixtures/change/<data set>/ (made by tests/r/make_change_fixtures.R; see
the README there). For every bundled data set:

- ``cs_distribution`` with the six RCI methods: the index per person at rtol = atol = 1e-9,
  the verdict per person and the counts exactly, the denominators and critical values;
- ``cs_statistical`` with the JT and HA cut-offs of type a, b, c: the cut-off value and
  (HA) the true-score statistic per person at 1e-9, the categories exactly;
- ``cs_combined`` with the six methods x cut-off types a, b, c: the categories per person and
  the counts exactly.

The package's cut-off *b* reaches two SDs of the *dysfunctional* group from the functional
mean; the fixtures are matched with ``b_sd="dysfunctional"``.

Also Jacobson & Truax's (1991) worked example (``test_jt1991_*``).
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

from relscales.reliable_change import (
    RCI_METHODS,
    CutoffResult,
    ReliableChange,
    clinical_cutoff,
    clinical_significance,
    cutoff_crossing,
    reliable_change,
)

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "change"
DATASETS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
TOL = 1e-9
CUTOFF_TYPES = ("a", "b", "c")

# what each method's rci_results holds in the package, and our attribute for it
RCI_RESULTS: dict[str, dict[str, str]] = {
    "jt": {"s_diff": "se_difference"},
    "gln": {"se_prediction": "se_difference"},
    "hll": {"se_prediction": "se_difference", "m_post": "mean_after"},
    "en": {"se_measurement": "se_difference"},
    "nk": {"reliability_post": "reliability_after"},
    "ha": {"r_dd": "r_dd", "se_measurement": "se_measurement"},
}


def _read(path: Path) -> dict[str, list[str]]:
    with path.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    return {k: [r[k] for r in rows] for k in rows[0]}


def _floats(cells: list[str]) -> np.ndarray:
    return np.array([float(c) if c != "" else math.nan for c in cells])


class Case:
    """One data set's fixtures, aligned to the rows of its input data."""

    def __init__(self, name: str) -> None:
        folder = FIXTURES / name
        data = _read(folder / "data.csv")
        self.ids = data["id"]
        self.pre = _floats(data["pre"])
        self.post = _floats(data["post"])
        self.summary: dict[str, Any] = json.loads((folder / "summary.json").read_text())
        call = self.summary["call"]
        self.better: str = call["better_is"]
        self.reliability: float = call["reliability"]
        self.reliability_post: float = call["reliability_post_nk"]
        self.functional = (call["m_functional"], call["sd_functional"])
        self.tables = {
            part: _read(folder / f"{part}.csv") for part in ("rci", "statistical", "combined")
        }
        used = self.tables["rci"]["id"]
        position = {pid: i for i, pid in enumerate(self.ids)}
        self.used = np.array([position[pid] for pid in used])
        for table in self.tables.values():
            assert table["id"] == used

    def column(self, part: str, name: str) -> list[str]:
        return self.tables[part][name]

    def dysfunctional(self) -> tuple[float, float]:
        sample = self.summary["sample"]
        return sample["m_pre"], sample["sd_pre"]

    def rci(self, method: str) -> ReliableChange:
        return reliable_change(
            self.pre,
            self.post,
            reliability=self.reliability,
            better=self.better,  # type: ignore[arg-type]
            method=method,  # type: ignore[arg-type]
            reliability_after=self.reliability_post if method == "nk" else None,
        )

    def cutoff(self, cutoff_type: str, method: str) -> CutoffResult:
        return clinical_cutoff(
            functional=self.functional,
            dysfunctional=self.dysfunctional(),
            better=self.better,  # type: ignore[arg-type]
            criterion=cutoff_type,  # type: ignore[arg-type]
            method=method,  # type: ignore[arg-type]
            reliability=self.reliability if method == "ha" else None,
            b_sd="dysfunctional",
        )


@pytest.fixture(scope="module", params=DATASETS)
def case(request: pytest.FixtureRequest) -> Case:
    return Case(request.param)


def _labels_only_where_used(case: Case, labels: np.ndarray, expected: list[str]) -> None:
    got = labels[case.used].tolist()
    assert got == expected
    unused = np.setdiff1d(np.arange(case.pre.size), case.used)
    assert all(label == "" for label in labels[unused].tolist())


def test_fixture_set_is_complete() -> None:
    assert DATASETS == [
        "anxiety_complete",
        "claus_2020_bdi",
        "claus_2020_hamd",
        "hechler_2014",
        "jacobson_1989_das",
        "jacobson_1989_gds",
    ]
    versions = json.loads((FIXTURES / "versions.json").read_text())
    assert versions["packages"]["clinicalsignificance"] == "3.0.0"
    assert versions["warnings"] == []


def test_used_rows_are_the_complete_pairs(case: Case) -> None:
    complete = np.flatnonzero(~(np.isnan(case.pre) | np.isnan(case.post)))
    assert case.used.tolist() == complete.tolist()
    assert case.summary["n_original"] == case.pre.size
    assert case.summary["n_used"] == complete.size


def test_sample_statistics(case: Case) -> None:
    rc = case.rci("ha")
    sample = case.summary["sample"]
    assert_allclose(
        [rc.mean_before, rc.sd_before, rc.mean_after, rc.sd_after, rc.correlation],
        [sample[k] for k in ("m_pre", "sd_pre", "m_post", "sd_post", "cor_pre_post")],
        rtol=TOL,
        atol=TOL,
    )


@pytest.mark.parametrize("method", RCI_METHODS)
def test_distribution(case: Case, method: str) -> None:
    rc = case.rci(method)
    expected = _floats(case.column("rci", f"rci_{method}"))
    assert_allclose(rc.index[case.used], expected, rtol=TOL, atol=TOL)
    unused = np.setdiff1d(np.arange(case.pre.size), case.used)
    assert np.isnan(rc.index[unused]).all()
    assert (rc.verdict[unused] == -1).all()
    _labels_only_where_used(case, rc.labels(), case.column("rci", f"category_{method}"))

    summary = case.summary["distribution"][method]
    assert rc.critical == pytest.approx(summary["critical_value"], rel=1e-15)
    counts = rc.counts()
    assert counts.pop("missing") == case.pre.size - case.used.size
    assert counts == summary["counts"]
    for r_name, ours in RCI_RESULTS[method].items():
        assert getattr(rc, ours) == pytest.approx(summary["rci_results"][r_name], rel=TOL)


@pytest.mark.parametrize("cutoff_method", ["jt", "ha"])
@pytest.mark.parametrize("cutoff_type", CUTOFF_TYPES)
def test_statistical(case: Case, cutoff_method: str, cutoff_type: str) -> None:
    key = f"{cutoff_method}_{cutoff_type}"
    expected = case.summary["statistical"][key]
    cutoff = case.cutoff(cutoff_type, cutoff_method)
    assert cutoff.value == pytest.approx(expected["cutoff"]["value"], rel=TOL, abs=TOL)
    assert expected["cutoff"]["type"] == (
        f"{cutoff_type}_true" if cutoff_method == "ha" else cutoff_type
    )
    if cutoff_method == "ha":
        assert cutoff.reliability_functional == pytest.approx(
            expected["cutoff"]["reliability_functional"], rel=TOL
        )
    crossing = cutoff_crossing(case.pre, case.post, cutoff)
    _labels_only_where_used(case, crossing.labels(), case.column("statistical", f"category_{key}"))
    if cutoff_method == "ha":
        assert crossing.index is not None
        assert crossing.critical == pytest.approx(expected["critical_value"], rel=1e-15)
        assert_allclose(
            crossing.index[case.used],
            _floats(case.column("statistical", f"cs_indiv_{key}")),
            rtol=TOL,
            atol=TOL,
        )
    counts = crossing.counts()
    counts.pop("missing")
    assert counts == expected["counts"]


@pytest.mark.parametrize("method", RCI_METHODS)
@pytest.mark.parametrize("cutoff_type", CUTOFF_TYPES)
def test_combined(case: Case, method: str, cutoff_type: str) -> None:
    key = f"{method}_{cutoff_type}"
    expected = case.summary["combined"][key]
    rc = case.rci(method)
    cutoff = case.cutoff(cutoff_type, "ha" if method == "ha" else "jt")
    assert cutoff.value == pytest.approx(expected["cutoff"]["value"], rel=TOL, abs=TOL)
    result = clinical_significance(case.pre, case.post, rc, cutoff)
    _labels_only_where_used(case, result.labels(), case.column("combined", f"category_{key}"))
    counts = result.counts()
    assert counts.pop("missing") == case.pre.size - case.used.size
    assert counts == expected["counts"]


# ---------------------------------------------------------------------------------------------
# Jacobson & Truax (1991)
# ---------------------------------------------------------------------------------------------

# Table 2 of Jacobson & Truax (1991): the couples' Dyadic Adjustment Scale scores before and
# after marital therapy (Jacobson et al., 1989), first and last rows. The package ships the
# table as jacobson_1989$das; our fixture copy must be the same data.
JT1991_TABLE2_HEAD = [(90.5, 97.0), (74.0, 124.0), (97.0, 97.5), (73.5, 88.0), (61.0, 96.5)]
JT1991_TABLE2_TAIL = [(64.0, 68.0), (61.0, 52.0), (80.0, 60.5), (82.5, 104.5)]


def test_jt1991_table2_is_the_das_fixture() -> None:
    das = Case("jacobson_1989_das")
    pairs = list(zip(das.pre.tolist(), das.post.tolist(), strict=True))
    assert len(pairs) == 30
    assert pairs[:5] == JT1991_TABLE2_HEAD
    assert pairs[-4:] == JT1991_TABLE2_TAIL


def test_jt1991_cutoff_example() -> None:
    """The cut-off example the package's tests attribute to Jacobson & Truax (1991).

    Dysfunctional M = 40, SD = 7.5; functional M = 60, SD = 7.5 (higher is better):
    a = 40 + 2 * 7.5 = 55, b = 60 - 2 * 7.5 = 45, c = 50 (equal SDs: the midpoint).
    With lower better, a = 25 and b = 75; c does not depend on the direction.
    """
    expected = {("a", "higher"): 55.0, ("b", "higher"): 45.0, ("c", "higher"): 50.0}
    expected |= {("a", "lower"): 25.0, ("b", "lower"): 75.0, ("c", "lower"): 50.0}
    for (criterion, better), value in expected.items():
        for b_sd in ("functional", "dysfunctional"):  # equal SDs: both readings of b agree
            got = clinical_cutoff(
                functional=(60.0, 7.5),
                dysfunctional=(40.0, 7.5),
                better=better,  # type: ignore[arg-type]
                criterion=criterion,  # type: ignore[arg-type]
                b_sd=b_sd,
            )
            assert got.value == value


def test_jt1991_rc_formula_on_table2() -> None:
    """RC = (x2 - x1) / S_diff, S_diff = sqrt(2 SE^2), SE = s1 sqrt(1 - r) (JT 1991).

    On Table 2 (n = 30) the pretest SD is 11.83 (two decimals); with r = .84 (the value used
    for this table by the JTRCI package) SE = 4.73, S_diff = 6.69 and a reliable change
    needs |x2 - x1| > 1.96 * 6.69 = 13.11 DAS points.
    """
    das = Case("jacobson_1989_das")
    rc = reliable_change(das.pre, das.post, reliability=0.84, better="higher")
    assert round(rc.sd_before, 2) == 11.83
    assert round(rc.se_measurement, 2) == 4.73
    assert round(rc.se_difference, 2) == 6.69
    assert round(rc.critical * rc.se_difference, 2) == 13.11
    # couple 2: 74 -> 124 is a reliable improvement, couple 3: 97 -> 97.5 is not
    assert rc.labels()[1:3].tolist() == ["improved", "unchanged"]


def test_vignette_figures() -> None:
    """The numbers printed in clinicalsignificance 3.0.0's vignettes (claus_2020, BDI-II).

    distribution-based-approach: JT 18 improved (45.00%), 22 unchanged; HA 25 improved
    (62.50%). statistical-approach (cut-off c with M 7.69, SD 7.52): "Cutoff: 21.02",
    13 improved (32.50%), 27 unchanged. combined-approach (default cut-off a): "Cutoff:
    19.16"; 10 recovered, 8 improved, 22 unchanged, 0 harmed.
    """
    bdi = Case("claus_2020_bdi")
    jt, ha = bdi.rci("jt"), bdi.rci("ha")
    assert jt.counts() == {"improved": 18, "unchanged": 22, "deteriorated": 0, "missing": 3}
    assert round(100 * jt.counts()["improved"] / jt.n_complete, 2) == 45.00
    assert ha.counts()["improved"] == 25
    dysfunctional = (jt.mean_before, jt.sd_before)
    c = clinical_cutoff(functional=(7.69, 7.52), dysfunctional=dysfunctional, better="lower")
    assert round(c.value, 2) == 21.02
    crossing = cutoff_crossing(bdi.pre, bdi.post, c)
    assert crossing.counts() == {"improved": 13, "unchanged": 27, "deteriorated": 0, "missing": 3}
    a = clinical_cutoff(dysfunctional=dysfunctional, better="lower")
    assert a.criterion == "a"
    assert round(a.value, 2) == 19.16
    counts = clinical_significance(bdi.pre, bdi.post, jt, a).counts()
    assert counts == {
        "recovered": 10,
        "improved": 8,
        "unchanged": 22,
        "deteriorated": 0,
        "harmed": 0,
        "missing": 3,
    }

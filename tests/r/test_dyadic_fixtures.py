"""relscales.dyadic against R (base R, psych, lavaan, nlme) on published and simulated couples.

Fixtures: tests/r/fixtures/dyadic/ (made by tests/r/make_dyadic_fixtures.R; data origin,
licences and the R routes taken are in its README.md). The tests only read the files: R
is not needed to run them.

Tolerance: ``|ours - R| <= 1e-10 * max(1, |R|)`` for every closed-form statistic
(estimates, test statistics, p-values, intervals, mean squares). The chi-square of
distinguishability is also compared with lavaan's fitted restricted model at the same
tolerance (lavaan's optimiser reaches ~1e-12 here); nlme's ML fits are compared at the
precision their optimiser reaches (1e-7 for the deviance difference, 1e-5 for rho).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from relscales.dyadic import (
    distinguishability,
    individual_layout,
    joint_distinguishability,
    nonindependence,
    pairwise_icc,
    pairwise_layout,
    reliable_discrepancy,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "dyadic"
TOL = 1e-10
RESULTS: dict[str, Any] = json.loads((FIXTURE / "results.json").read_text(encoding="utf-8"))
ACITELLI_VARIABLES = ("selfpos", "otherpos", "satisfaction", "tension")
SINGLE_CASES = (
    "kkc_table2_1",
    "sim_exchangeable",
    "sim_negative",
    "sim_distinguishable",
    "sim_likert",
    "sim_small",
)


def read_columns(name: str) -> dict[str, np.ndarray]:
    with (FIXTURE / name).open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    return {
        key: np.array([float(r[key]) if r[key] != "" else math.nan for r in rows])
        for key in rows[0]
    }


def value(x: Any) -> float:
    if x is None:
        return math.nan
    if x == "inf":
        return math.inf
    if x == "-inf":
        return -math.inf
    return float(x)


def assert_close(actual: float, expected: Any, what: str, tol: float = TOL) -> None:
    want = value(expected)
    if math.isnan(want) or math.isinf(want):
        assert actual == want or (math.isnan(actual) and math.isnan(want)), what
        return
    assert abs(actual - want) <= tol * max(1.0, abs(want)), f"{what}: {actual!r} vs R {want!r}"


CASES = [("acitelli", v, f"{v}_1", f"{v}_2") for v in ACITELLI_VARIABLES] + [
    (case, "x", "x_1", "x_2") for case in SINGLE_CASES
]


def case_data(case: str, col1: str, col2: str) -> tuple[np.ndarray, np.ndarray]:
    data = read_columns(f"{case}.csv")
    return data[col1], data[col2]


@pytest.mark.parametrize(("case", "variable", "col1", "col2"), CASES)
def test_exchangeable_icc(case: str, variable: str, col1: str, col2: str) -> None:
    x1, x2 = case_data(case, col1, col2)
    expected = RESULTS[case][variable]
    ours = nonindependence(x1, x2, distinguishable=False)
    r = expected["exchangeable"]
    assert ours.n_couples == expected["n_couples"]
    assert ours.kind == "exchangeable"
    for field in ("estimate", "statistic", "p_value", "ci_low", "ci_high"):
        assert_close(getattr(ours, field), r[field], f"{case}/{variable} {field}")
    assert_close(ours.ms_between, r["ms_between"], "ms_between")
    assert_close(ours.ms_within, r["ms_within"], "ms_within")
    assert ours.df == tuple(float(d) for d in r["df"])


@pytest.mark.parametrize(("case", "variable", "col1", "col2"), CASES)
def test_distinguishable_pearson(case: str, variable: str, col1: str, col2: str) -> None:
    x1, x2 = case_data(case, col1, col2)
    r = RESULTS[case][variable]["distinguishable"]
    ours = nonindependence(x1, x2, distinguishable=True)
    for field in ("estimate", "statistic", "p_value", "ci_low", "ci_high"):
        assert_close(getattr(ours, field), r[field], f"{case}/{variable} {field}")
    assert ours.df == (float(r["df"]),)


@pytest.mark.parametrize(("case", "variable", "col1", "col2"), CASES)
def test_pairwise_icc(case: str, variable: str, col1: str, col2: str) -> None:
    x1, x2 = case_data(case, col1, col2)
    r = RESULTS[case][variable]["pairwise"]
    ours = pairwise_icc(x1, x2)
    for field in ("estimate", "statistic", "p_value"):
        assert_close(getattr(ours, field), r[field], f"{case}/{variable} {field}")
    # the ML compound-symmetry correlation of nlme::gls, at its optimiser's precision
    assert_close(ours.estimate, r["gls_ml_rho"], "gls ML rho", tol=1e-5)


@pytest.mark.parametrize(("case", "variable", "col1", "col2"), CASES)
def test_distinguishability(case: str, variable: str, col1: str, col2: str) -> None:
    x1, x2 = case_data(case, col1, col2)
    r = RESULTS[case][variable]["distinguishability"]
    ours = distinguishability(x1, x2)
    assert ours.df == 2 == r["lavaan_df"]
    assert_close(ours.chi_square, r["chi_square"], "chi2 vs R closed form")
    assert_close(ours.chi_square, r["lavaan_chisq"], "chi2 vs lavaan")
    assert_close(ours.chi_square, r["nlme_chisq"], "chi2 vs nlme gls ML", tol=1e-7)
    assert_close(ours.p_value, r["p_value"], "p")
    for field in (
        "mean_1",
        "mean_2",
        "t_means",
        "df_means",
        "p_means",
        "variance_1",
        "variance_2",
        "t_variances",
        "df_variances",
        "p_variances",
    ):
        assert_close(getattr(ours, field), r[field], f"{case}/{variable} {field}")
    amos = distinguishability(x1, x2, multiplier="n-1")
    assert_close(amos.chi_square, r["chi_square_n_minus_1"], "chi2 (n - 1)")
    assert_close(amos.p_value, r["p_value_n_minus_1"], "p (n - 1)")


@pytest.mark.parametrize(
    ("key", "file", "columns"),
    [
        ("acitelli_otherpos_satisfaction", "acitelli.csv", ("otherpos", "satisfaction")),
        ("sim_multivariate", "sim_multivariate.csv", ("v1", "v2", "v3")),
    ],
)
def test_joint_distinguishability(key: str, file: str, columns: tuple[str, ...]) -> None:
    data = read_columns(file)
    x1 = np.column_stack([data[f"{c}_1"] for c in columns])
    x2 = np.column_stack([data[f"{c}_2"] for c in columns])
    r = RESULTS["joint"][key]
    ours = joint_distinguishability(x1, x2)
    assert (ours.n_couples, ours.n_variables, ours.df) == (
        r["n_couples"],
        r["n_variables"],
        r["df"],
    )
    assert ours.df == r["lavaan_df"]
    assert_close(ours.chi_square, r["chi_square"], "chi2 vs R closed form")
    assert_close(ours.chi_square, r["lavaan_chisq"], "chi2 vs lavaan I-SAT")
    assert_close(ours.p_value, r["p_value"], "p")
    amos = joint_distinguishability(x1, x2, multiplier="n-1")
    assert_close(amos.chi_square, r["chi_square_n_minus_1"], "chi2 (n - 1)")
    assert_close(amos.p_value, r["p_value_n_minus_1"], "p (n - 1)")


def test_reliable_discrepancy() -> None:
    data = read_columns("sim_discrepancy.csv")
    expected = read_columns("discrepancy_expected.csv")
    ours = reliable_discrepancy(data["x_1"], data["x_2"], data["se_1"], data["se_2"])
    versions = json.loads((FIXTURE / "versions.json").read_text(encoding="utf-8"))
    assert_close(ours.critical, versions["critical"], "critical")
    assert_array_equal(ours.code, expected["code"].astype(np.int8))
    for field in ("difference", "se", "z"):
        got = getattr(ours, field)
        want = expected[field]
        assert_array_equal(np.isnan(got), np.isnan(want), err_msg=field)
        finite = np.isfinite(want)
        assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
        assert np.all(
            np.abs(got[finite] - want[finite]) <= TOL * np.maximum(1, np.abs(want[finite]))
        )


def test_pairwise_layout_reproduces_dyadr_acipair() -> None:
    """dyadr's ``acipair`` is Kenny's pairwise layout of the Acitelli couples."""
    dyad = read_columns("acitelli.csv")
    expected = read_columns("acitelli_pairwise.csv")
    couple = dyad.pop("couple")
    individual = individual_layout(dyad, couple=couple)
    ours = pairwise_layout(
        {k: v for k, v in individual.items() if k not in ("couple", "member")},
        couple=individual["couple"],
        member=individual["member"],
    )
    assert_array_equal(ours["couple"], expected["couple"])
    assert_array_equal(ours["member"], expected["member"])
    assert_array_equal(ours["partner"], 1 - expected["member"])
    for name in ACITELLI_VARIABLES:
        for suffix in ("_A", "_P"):
            assert_array_equal(ours[name + suffix], expected[name + suffix])

"""relscales.calibrate against the Python ``mirt`` package (1.2.0) on simulated GRM data.

Fixtures: tests/irt/fixtures/mirt/ (made by tests/irt/make_mirt_fixtures.py, which records
the settings and versions). The tests only read the files: mirt is not needed to run them.

Both fits use the same 61 Gauss-Hermite nodes (mirt's quadrature) and the same
parametrisation ``logistic(a (theta - b_c))``. Tolerances: parameters within 0.01,
log-likelihood within 1e-3, standard errors within 2% (mirt: Oakes observed information;
relscales: Louis observed information, equal in exact arithmetic).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from relscales.calibrate import Calibration, calibrate_grm, marginal_log_likelihood
from relscales.irt import GradedModel

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mirt"
RESULTS: dict[str, Any] = json.loads((FIXTURE / "results.json").read_text(encoding="utf-8"))


def _responses() -> np.ndarray:
    with (FIXTURE / "responses.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return np.array([[float(v) if v else np.nan for v in row] for row in rows])


def _gauss_hermite(q: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.hermite.hermgauss(q)
    return x * np.sqrt(2.0), w / np.sqrt(np.pi)


def _mirt_model() -> GradedModel:
    m = RESULTS["mirt"]
    k = len(m["slopes"])
    return GradedModel(
        slopes=np.array(m["slopes"]),
        thresholds=np.array(m["thresholds"]),
        n_categories=np.full(k, RESULTS["settings"]["n_categories"]),
        item_ids=tuple(RESULTS["item_ids"]),
    )


@pytest.fixture(scope="module")
def ours() -> Calibration:
    return calibrate_grm(
        _responses(),
        item_ids=RESULTS["item_ids"],
        quadrature=_gauss_hermite(RESULTS["settings"]["n_quadpts"]),
        tolerance=1e-7,
    )


def test_fixture_records_versions() -> None:
    assert RESULTS["versions"]["mirt"] == "1.2.0"
    assert RESULTS["mirt"]["converged"]


def test_same_log_likelihood_function() -> None:
    # our marginal log-likelihood at mirt's estimate equals the one mirt reports
    ll = marginal_log_likelihood(
        _responses(), _mirt_model(), quadrature=_gauss_hermite(RESULTS["settings"]["n_quadpts"])
    )
    assert ll == pytest.approx(RESULTS["mirt"]["log_likelihood"], abs=1e-6)


def test_parameters_agree_with_mirt(ours: Calibration) -> None:
    m = RESULTS["mirt"]
    assert ours.converged
    assert np.max(np.abs(ours.model.slopes - np.array(m["slopes"]))) < 0.01
    assert np.max(np.abs(ours.model.thresholds - np.array(m["thresholds"]))) < 0.01


def test_log_likelihood_agrees_with_mirt(ours: Calibration) -> None:
    assert abs(ours.log_likelihood - RESULTS["mirt"]["log_likelihood"]) < 1e-3
    # and ours is not lower: both sit at the same maximum
    assert ours.log_likelihood >= RESULTS["mirt"]["log_likelihood"] - 1e-6


def test_standard_errors_agree_with_mirt(ours: Calibration) -> None:
    m = RESULTS["mirt"]
    np.testing.assert_allclose(ours.slope_se, m["slope_se"], rtol=0.02)
    np.testing.assert_allclose(ours.threshold_se, m["threshold_se"], rtol=0.02)


def test_default_quadrature_close_to_mirt() -> None:
    # our default grid (61 equally spaced nodes on [-6, 6]) gives practically the same fit
    cal = calibrate_grm(_responses(), item_ids=RESULTS["item_ids"])
    m = RESULTS["mirt"]
    assert np.max(np.abs(cal.model.slopes - np.array(m["slopes"]))) < 0.01
    assert np.max(np.abs(cal.model.thresholds - np.array(m["thresholds"]))) < 0.01
    assert abs(cal.log_likelihood - m["log_likelihood"]) < 0.05

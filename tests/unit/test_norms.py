"""Norm scores, SEM, intervals and bands (relscales.scoring.norms), checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relscales.scoring.norms import band_labels, critical_z, norm_scores, pick_norm, sem
from relscales.spec import BandSpec, NormSpec, PercentilePointSpec

nan = math.nan
STUDENTS = NormSpec(group="students", mean=3.0, sd=0.8)
ADULTS = NormSpec(
    group="adults",
    mean=3.2,
    sd=0.6,
    percentiles=(
        PercentilePointSpec(score=1, percentile=0),
        PercentilePointSpec(score=3, percentile=40),
        PercentilePointSpec(score=4, percentile=80),
        PercentilePointSpec(score=5, percentile=100),
    ),
)


def phi(z: float) -> float:
    """Standard normal CDF by hand."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


@pytest.mark.parametrize(
    ("group", "expected"),
    [(None, STUDENTS), ("students", STUDENTS), ("adults", ADULTS), ("retirees", None)],
)
def test_pick_norm(group: str | None, expected: NormSpec | None) -> None:
    assert pick_norm((STUDENTS, ADULTS), group) == expected


def test_pick_norm_without_norms() -> None:
    assert pick_norm((), None) is None
    assert pick_norm((), "students") is None


@pytest.mark.parametrize(
    ("level", "z"),
    [
        (0.95, 1.959963984540054),
        (0.90, 1.6448536269514722),
        (0.99, 2.5758293035489004),
        (0.6826894921370859, 1.0),
    ],
)
def test_critical_z(level: float, z: float) -> None:
    assert critical_z(level) == pytest.approx(z, rel=0, abs=1e-12)


def test_norm_scores_normal_approximation() -> None:
    x = np.array([3.0, 4.0, 2.0, 4.6, nan])
    ns = norm_scores(x, STUDENTS)
    z = [0.0, 1.25, -1.25, 2.0]
    np.testing.assert_allclose(ns.z[:4], z, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ns.t[:4], [50.0, 62.5, 37.5, 70.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ns.pct[:4], [100 * phi(v) for v in z], rtol=0, atol=1e-9)
    assert np.isnan(ns.z[4])
    assert np.isnan(ns.t[4])
    assert np.isnan(ns.pct[4])


def test_norm_scores_percentile_table_interpolates() -> None:
    x = np.array([1.0, 2.0, 3.0, 3.5, 4.0, 5.0, 0.5, 6.0, nan])
    ns = norm_scores(x, ADULTS)
    # linear between table rows; clamped to the first and last row outside the table
    expected = [0.0, 20.0, 40.0, 60.0, 80.0, 100.0, 0.0, 100.0]
    np.testing.assert_allclose(ns.pct[:8], expected, rtol=0, atol=1e-12)
    assert np.isnan(ns.pct[8])
    # z and T still come from the group's mean and SD
    np.testing.assert_allclose(ns.z[2], (3.0 - 3.2) / 0.6, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ns.t[2], 50 + 10 * (3.0 - 3.2) / 0.6, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("sd", "r", "expected"),
    [(10.0, 0.91, 3.0), (0.8, 0.84, 0.32), (2.5, 0.75, 1.25), (1.0, 1.0, 0.0), (1.0, 0.0, 1.0)],
)
def test_sem(sd: float, r: float, expected: float) -> None:
    assert sem(sd, r) == pytest.approx(expected, rel=0, abs=1e-12)
    assert sem(sd, r) == pytest.approx(sd * math.sqrt(1 - r), rel=0, abs=1e-12)


BANDS = (
    BandSpec(below=2.5, label="low"),
    BandSpec(below=3.5, label="moderate"),
    BandSpec(label="high"),
)


def test_band_labels_below_is_exclusive() -> None:
    x = np.array([1.0, 2.4999, 2.5, 3.0, 3.5, 7.0, nan])
    assert band_labels(x, BANDS).tolist() == [
        "low",
        "low",
        "moderate",
        "moderate",
        "high",
        "high",
        None,
    ]


def test_band_labels_without_bands() -> None:
    assert band_labels(np.array([1.0, nan]), ()).tolist() == [None, None]

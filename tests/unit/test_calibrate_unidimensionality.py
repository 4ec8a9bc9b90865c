"""`relscales calibrate`: the unidimensionality check (eigenvalue ratio, omega, ECV)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from relscales.cli import app
from relscales.irt import GradedModel, category_probabilities
from relscales.pipeline import calibratejob
from relscales.pipeline.calibratejob import (
    MORE_DIMENSIONS,
    ONE_DIMENSION,
    SubscaleCalibration,
    _dimension_check,
    calibrate,
)


def simulate(
    n: int, sizes: Sequence[int], *, r: float = 0.0, seed: int = 0, missing: float = 0.0
) -> np.ndarray:
    """Graded codes 0..4: one trait per block of items, the traits correlating ``r``."""
    rng = np.random.default_rng(seed)
    f = len(sizes)
    cov = np.full((f, f), r)
    np.fill_diagonal(cov, 1.0)
    traits = rng.normal(size=(n, f)) @ np.linalg.cholesky(cov).T
    blocks = []
    for theta, k in zip(traits.T, sizes, strict=True):
        slopes = rng.uniform(1.0, 2.5, k)
        centre = rng.uniform(-0.8, 0.8, k)
        thresholds = np.sort(centre[:, None] + np.linspace(-1.8, 1.6, 4)[None, :], axis=1)
        p = category_probabilities(GradedModel(slopes, thresholds, np.full(k, 5)), theta)
        blocks.append((rng.random((n, k, 1)) > p.cumsum(axis=2)[:, :, :-1]).sum(axis=2))
    x = np.column_stack(blocks).astype(float)
    x[rng.random(x.shape) < missing] = np.nan
    return x


def write_study(folder: Path, codes: np.ndarray, subscales: dict[str, list[int]]) -> Path:
    """Write ``study.yaml`` (items q01.., a 1-5 scale) and ``answers.csv`` (codes + 1)."""
    k = codes.shape[1]
    ids = [f"q{j + 1:02d}" for j in range(k)]
    items = "\n".join(f"  - {{id: {i}, label: question {i}, scale: five}}" for i in ids)
    subs = "\n".join(
        f"  - id: {name}\n    name: {name}\n    items: [{', '.join(ids[j] for j in cols)}]\n"
        "    score: mean"
        for name, cols in subscales.items()
    )
    (folder / "study.yaml").write_text(
        "relscales: 1\nid: study\nversion: 0.1.0\nname: Simulated scale\ndomain: other\n"
        "description: Simulated answers for the unidimensionality check.\n"
        "license:\n  name: CC0\n  item_text: not-included\n"
        "validation:\n  status: experimental\n"
        "response_scales:\n  five:\n    values: [1, 2, 3, 4, 5]\n"
        f"items:\n{items}\nsubscales:\n{subs}\n",
        encoding="utf-8",
    )
    rows = ["id," + ",".join(ids)]
    for i, row in enumerate(codes):
        rows.append(f"R{i}," + ",".join("" if np.isnan(v) else str(int(v) + 1) for v in row))
    (folder / "answers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def run_cli(folder: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app, ["calibrate", str(folder / "answers.csv"), "-i", str(folder / "study.yaml")]
    )
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.stdout, result.stderr


def header_line(stdout: str, subscale: str) -> str:
    """The header comment with the subscale's unidimensionality check."""
    (line,) = [s for s in stdout.splitlines() if s.startswith(f"# {subscale}: first eigenvalue")]
    return line


def check(codes: np.ndarray) -> SubscaleCalibration:
    """The unidimensionality check of ``codes`` alone (no calibration)."""
    return _dimension_check("s", tuple(f"q{j}" for j in range(codes.shape[1])), None, codes)


OneTrait = tuple[dict[str, SubscaleCalibration], int, str, str]


@pytest.fixture(scope="module")
def one_trait(tmp_path_factory: pytest.TempPathFactory) -> OneTrait:
    """3,000 respondents x 12 items of one trait; a 12-item and a 4-item subscale."""
    folder = tmp_path_factory.mktemp("one_trait")
    write_study(
        folder,
        simulate(3000, [12], seed=0, missing=0.02),
        {"all": list(range(12)), "short": [0, 1, 2, 3]},
    )
    found: list[SubscaleCalibration] = []

    def keep(*args: Any, **kwargs: Any) -> list[SubscaleCalibration]:
        found.extend(calibrate(*args, **kwargs))
        return found

    with pytest.MonkeyPatch.context() as patch:  # one calibration: the command's own
        patch.setattr(calibratejob, "calibrate", keep)
        result = run_cli(folder)
    return ({f.subscale: f for f in found}, *result)


def test_unidimensional_sample_is_judged_one_dimension(one_trait: OneTrait) -> None:
    found, code, stdout, stderr = one_trait
    assert code == 0, stderr
    full = found["all"]
    assert full.calibration.converged
    assert full.eigenvalue_ratio >= 3.0
    assert full.ecv is not None
    assert full.ecv >= 0.70
    assert full.omega_hierarchical is not None
    assert full.omega_hierarchical >= 0.70
    assert full.omega_total is not None
    assert full.omega_hierarchical <= full.omega_total < 1.0
    ratio = full.omega_ratio
    assert ratio is not None
    assert abs(ratio - full.omega_hierarchical / full.omega_total) < 1e-12
    assert full.unidimensional
    assert full.dimensionality == ONE_DIMENSION
    line = header_line(stdout, "all")
    for part in ("first eigenvalue", "omega_h", "omega_t", "ECV", f"({ONE_DIMENSION})"):
        assert part in line
    assert f"{full.ecv:.2f}" in line
    assert "warning" not in stderr
    assert f"all: {line.removeprefix('# all: ')}" in stderr  # the same words on stderr


def test_four_item_subscale_has_no_omega_and_still_calibrates(one_trait: OneTrait) -> None:
    found, code, stdout, stderr = one_trait
    assert code == 0, stderr
    short = found["short"]
    assert short.calibration.converged
    assert short.calibration.model.slopes.shape == (4,)
    assert short.omega_hierarchical is None
    assert short.omega_total is None
    assert short.ecv is None
    assert short.group_factors is None
    assert short.omega_ratio is None
    assert "at least 6 items" in short.omega_note
    # judged by the eigenvalue ratio alone
    assert short.unidimensional == (short.eigenvalue_ratio >= 3.0)
    line = header_line(stdout, "short")
    assert "omega needs at least 6 items, not 4" in line
    assert "    irt:" in stdout


def test_two_factor_sample_is_flagged_in_header_and_warning(tmp_path: Path) -> None:
    # two traits, six items each, declared as one twelve-item subscale. The traits correlate
    # .3: with uncorrelated ones the model follows one trait and the other block's slopes
    # fall to zero, so the fit fails (next test)
    write_study(tmp_path, simulate(1500, [6, 6], r=0.3, seed=0), {"both": list(range(12))})
    code, stdout, stderr = run_cli(tmp_path)
    assert code == 0, stderr  # a warning, not an error
    line = header_line(stdout, "both")
    assert line.endswith(f"({MORE_DIMENSIONS})")
    assert "omega_h" in line
    assert "ECV" in line
    warning = [s for s in stderr.splitlines() if s.startswith("warning: both:")]
    assert len(warning) == 1
    text = warning[0]
    assert "assumes that the items measure one dimension" in text
    assert "these 12 items may measure more than one thing" in text
    assert "Theta and its standard error may then be misleading" in text
    assert "narrower item sets" in text
    assert "x the second, below 3" in text  # the reasons are given
    assert "(ECV), below 0.70" in text
    assert f"both: {line.removeprefix('# both: ')}" in stderr


def test_uncorrelated_traits_that_cannot_be_fitted_say_why(tmp_path: Path) -> None:
    write_study(tmp_path, simulate(1500, [6, 6], seed=0), {"both": list(range(12))})
    code, _, stderr = run_cli(tmp_path)
    assert code == 2
    assert "non-positive slope" in stderr
    assert "may measure more than one thing" in stderr
    assert "narrower item sets" in stderr


def test_correlated_group_factors_are_caught_by_omega_not_eigenvalues() -> None:
    # three traits correlating .6, four items each: the eigenvalue ratio passes, ECV does not
    found = check(simulate(3000, [4, 4, 4], r=0.6, seed=0))
    assert found.eigenvalue_ratio >= 3.0
    assert found.group_factors == 3
    assert found.ecv is not None
    assert found.ecv < 0.70
    assert found.omega_read
    assert not found.unidimensional
    assert found.dimensionality == MORE_DIMENSIONS


def test_overextracted_solution_on_one_trait_is_not_read() -> None:
    # one trait: two of the three group factors are noise and the Schmid-Leiman transformation
    # leaves the common factor in a group factor, so omega_h and ECV come out near 0
    found = check(simulate(3000, [12], seed=1))
    assert found.omega_hierarchical is not None
    assert found.omega_hierarchical < 0.70
    assert found.ecv is not None
    assert found.ecv < 0.70
    assert found.group_factors == 0
    assert not found.omega_read
    assert found.unidimensional  # judged by the eigenvalue ratio alone


def test_omega_failure_is_recorded_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import relscales.reliability

    def broken(items: object, *, n_factors: int = 3) -> object:
        raise ValueError("the factor solution did not converge")

    monkeypatch.setattr(relscales.reliability, "omega", broken)
    found = check(simulate(500, [8], seed=2))
    assert found.omega_hierarchical is None
    assert found.ecv is None
    assert found.omega_note == "omega not computed: the factor solution did not converge"
    assert found.unidimensional == (found.eigenvalue_ratio >= 3.0)

"""Write the mirt (PyPI ``mirt`` 1.2.0) reference fixtures for relscales.calibrate.

Run from the repository root where ``pip install mirt==1.2.0`` is available::

    python tests/irt/make_mirt_fixtures.py

It simulates graded responses from known parameters (seeded, so the data are the same on
every run), fits Samejima's graded response model with ``mirt.fit_mirt(model="GRM")`` and
writes ``tests/irt/fixtures/mirt/``:

- ``responses.csv``: ``n`` rows of integer codes 0..4, an empty cell is a missing answer;
- ``results.json``: the generating parameters, mirt's estimates, standard errors,
  log-likelihood and iteration count, the settings and the versions used.

mirt's unidimensional GRM is ``P(X >= c | theta) = logistic(a (theta - b_c))`` (its
``discrimination`` and ``thresholds``; ``models/polytomous.py``, ``cumulative_probability``),
the same parametrisation as relscales.irt: no 1.702 constant, thresholds (not intercepts),
increasing in ``c``, so no conversion is needed. Its EM integrates over ``n_quadpts``
Gauss-Hermite nodes ``sqrt(2) x_i`` with weights ``w_i / sqrt(pi)`` against the standard
normal (``estimation/quadrature.py``); the test hands relscales the same nodes.
mirt is a test-only oracle: nothing in relscales imports it.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "fixtures" / "mirt"
SEED = 20240611
N, K, M = 5000, 10, 5
MISSING = 0.02
N_QUADPTS = 61
TOL = 1e-10
MAX_ITER = 10000


def simulate() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    slopes = np.linspace(0.8, 2.5, K)
    rng.shuffle(slopes)
    centre = rng.uniform(-0.8, 0.8, K)
    thresholds = np.sort(
        centre[:, None]
        + np.linspace(-1.8, 1.6, M - 1)[None, :]
        + rng.uniform(-0.15, 0.15, (K, M - 1)),
        axis=1,
    )
    theta = rng.normal(size=N)
    cum = 1.0 / (1.0 + np.exp(-slopes[None, :, None] * (theta[:, None, None] - thresholds)))
    x = (rng.random((N, K, 1)) < cum).sum(axis=2).astype(np.float64)
    x[rng.random((N, K)) < MISSING] = np.nan
    return x, slopes, thresholds


def main() -> None:
    import mirt

    x, slopes, thresholds = simulate()
    OUT.mkdir(parents=True, exist_ok=True)
    names = [f"i{j + 1:02d}" for j in range(K)]
    with (OUT / "responses.csv").open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(",".join(names) + "\n")
        for row in x:
            fh.write(",".join("" if np.isnan(v) else str(int(v)) for v in row) + "\n")
    started = time.perf_counter()
    fit = mirt.fit_mirt(
        x,
        model="GRM",
        n_categories=M,
        n_quadpts=N_QUADPTS,
        tol=TOL,
        max_iter=MAX_ITER,
        item_names=names,
    )
    seconds = time.perf_counter() - started
    se = fit.standard_errors
    results = {
        "description": "mirt.fit_mirt(model='GRM') on simulated graded responses",
        "settings": {
            "n": N,
            "k": K,
            "n_categories": M,
            "missing_rate": MISSING,
            "seed": SEED,
            "n_quadpts": N_QUADPTS,
            "quadrature": "Gauss-Hermite, nodes sqrt(2)*x, weights w/sqrt(pi)",
            "tol": TOL,
            "max_iter": MAX_ITER,
        },
        "item_ids": names,
        "true": {"slopes": slopes.tolist(), "thresholds": thresholds.tolist()},
        "mirt": {
            "slopes": np.asarray(fit.model.discrimination, dtype=float).tolist(),
            "thresholds": np.asarray(fit.model.thresholds, dtype=float).tolist(),
            "slope_se": np.asarray(se["discrimination"], dtype=float).tolist(),
            "threshold_se": np.asarray(se["thresholds"], dtype=float).tolist(),
            "se_method": str(fit.se_method),
            "log_likelihood": float(fit.log_likelihood),
            "n_iterations": int(fit.n_iterations),
            "converged": bool(fit.converged),
            "seconds": round(seconds, 3),
        },
        "versions": {
            "mirt": mirt.__version__,
            "numpy": np.__version__,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d"),
        },
    }
    (OUT / "results.json").write_text(
        json.dumps(results, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {OUT} (mirt {mirt.__version__}, logLik {fit.log_likelihood:.6f})")


if __name__ == "__main__":
    main()

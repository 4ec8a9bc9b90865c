"""Benchmark GRM calibration: relscales.calibrate against the Python ``mirt`` package.

Usage::

    python bench/calibrate_bench.py [--rows 50000] [--items 18] [--quadrature 61]

Simulates ``rows`` x ``items`` graded responses (5 categories, slopes 0.8..2.5, seeded)
once into ``bench/data/grm_<rows>x<items>.npy``, then fits the graded response model on
the same data, each in a separate process on this machine:

* relscales: ``calibrate_grm`` with its defaults (``quadrature`` equally spaced nodes on
  [-6, 6], tolerance 1e-6 on the parameters, observed-information standard errors, S-X2 and
  Q3 included);
* mirt (``pip install mirt==1.2.0``): ``fit_mirt(model="GRM", n_quadpts=quadrature)`` with
  its default tolerance and standard errors (Oakes).

Prints both wall times (fit only, after import and data load), both log-likelihoods and the
ratio relscales / mirt. Also evaluates relscales' log-likelihood at mirt's estimate on its
own grid, so the two maxima are compared on one quadrature.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def generate(rows: int, items: int, seed: int = 18) -> Path:
    import numpy as np

    path = DATA / f"grm_{rows}x{items}.npy"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    a = np.linspace(0.8, 2.5, items)
    rng.shuffle(a)
    centre = rng.uniform(-0.8, 0.8, items)
    b = np.sort(centre[:, None] + np.linspace(-1.8, 1.6, 4)[None, :], axis=1)
    theta = rng.normal(size=rows)
    cum = 1 / (1 + np.exp(-a[None, :, None] * (theta[:, None, None] - b[None])))
    x = (rng.random((rows, items, 1)) < cum).sum(axis=2).astype(np.float64)
    np.save(path, x)
    return path


RELSCALES = """
import json, sys, time
import numpy as np
from relscales.calibrate import calibrate_grm
x = np.load(sys.argv[1])
t = time.perf_counter()
cal = calibrate_grm(x, quadrature=int(sys.argv[2]))
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "log_likelihood": cal.log_likelihood,
                  "iterations": cal.n_iterations, "converged": cal.converged,
                  "slopes": cal.model.slopes.tolist(),
                  "thresholds": cal.model.thresholds.tolist()}))
"""

MIRT = """
import json, sys, time
import numpy as np
import mirt
x = np.load(sys.argv[1])
t = time.perf_counter()
fit = mirt.fit_mirt(x, model="GRM", n_categories=5, n_quadpts=int(sys.argv[2]))
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "log_likelihood": float(fit.log_likelihood),
                  "iterations": int(fit.n_iterations), "converged": bool(fit.converged),
                  "version": mirt.__version__,
                  "slopes": np.asarray(fit.model.discrimination).tolist(),
                  "thresholds": np.asarray(fit.model.thresholds).tolist()}))
"""


def run(code: str, path: Path, quadrature: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), str(path), str(quadrature)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=18)
    parser.add_argument("--quadrature", type=int, default=61)
    args = parser.parse_args()
    path = generate(args.rows, args.items)
    ours = run(RELSCALES, path, args.quadrature)
    print(
        f"relscales: {ours['seconds']:.2f} s, logLik {ours['log_likelihood']:.6f}, "
        f"{ours['iterations']} EM cycles, converged {ours['converged']}"
    )
    try:
        theirs = run(MIRT, path, args.quadrature)
    except subprocess.CalledProcessError as exc:
        print("mirt could not run (pip install mirt==1.2.0):", exc.stderr.strip()[-300:])
        return
    print(
        f"mirt {theirs['version']}: {theirs['seconds']:.2f} s, logLik "
        f"{theirs['log_likelihood']:.6f} (Gauss-Hermite grid), {theirs['iterations']} EM "
        f"cycles, converged {theirs['converged']}"
    )
    import numpy as np

    from relscales.calibrate import marginal_log_likelihood
    from relscales.irt import GradedModel

    x = np.load(path)
    k = x.shape[1]
    mirt_model = GradedModel(
        np.array(theirs["slopes"]), np.array(theirs["thresholds"]), np.full(k, 5)
    )
    at_mirt = marginal_log_likelihood(x, mirt_model, quadrature=args.quadrature)
    ours_b = np.array(ours["thresholds"])
    diff = max(
        float(np.max(np.abs(np.array(ours["slopes"]) - np.array(theirs["slopes"])))),
        float(np.max(np.abs(ours_b - np.array(theirs["thresholds"])))),
    )
    print(f"relscales logLik at mirt's estimate (our grid): {at_mirt:.6f}")
    print(f"max |parameter difference|: {diff:.2e}")
    print(f"ratio relscales / mirt time: {ours['seconds'] / theirs['seconds']:.3f}")


if __name__ == "__main__":
    main()

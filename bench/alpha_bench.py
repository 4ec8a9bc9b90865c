"""Benchmark Cronbach's alpha with a 1000-resample bootstrap: relscales against R psych.

Usage::

    python bench/alpha_bench.py [--rows 10000] [--n-boot 1000] [--skip-r]

Generates ``bench/data/alpha_<rows>.csv`` once: ``rows`` respondents answering two
18-item subscales on 1-7 (one factor each, loadings 0.5-0.75, 1% empty cells). Then
times end to end, each as a separate process (start-up, CSV read and both subscales
included):

* relscales: ``python -c`` reading the CSV with numpy and calling
  ``relscales.reliability.cronbach_alpha(ci="bootstrap", n_boot=N)`` per subscale;
* R: ``Rscript -e`` with ``read.csv`` and ``psych::alpha(n.iter = N)`` per subscale.

Prints both times and the ratio (goal: relscales at least 10x faster than R).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
K = 18


def generate(rows: int, seed: int = 11) -> Path:
    import numpy as np

    path = DATA / f"alpha_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    cols = []
    for _ in range(2):
        f = rng.normal(size=(rows, 1))
        lam = rng.uniform(0.5, 0.75, size=K)
        z = f * lam + rng.normal(size=(rows, K)) * np.sqrt(1 - lam**2)
        cols.append(np.clip(np.rint(4 + 6 / 4.2 * z), 1, 7))
    x = np.hstack(cols)
    x[rng.random(x.shape) < 0.01] = np.nan
    names = [f"a{i + 1}" for i in range(K)] + [f"v{i + 1}" for i in range(K)]
    with path.open("w") as fh:
        fh.write(",".join(names) + "\n")
        for row in x:
            fh.write(",".join("" if v != v else str(int(v)) for v in row) + "\n")
    return path


PY = """
import numpy as np
from relscales.reliability import cronbach_alpha
x = np.genfromtxt({path!r}, delimiter=",", skip_header=1)
for sl in (slice(0, {k}), slice({k}, {k2})):
    r = cronbach_alpha(x[:, sl], ci="bootstrap", n_boot={n_boot}, seed=1)
    print(r.estimate, r.ci_low, r.ci_high)
"""

R = """
x <- read.csv({path!r})
for (cols in list(1:{k}, ({k} + 1):{k2})) {{
  a <- suppressWarnings(psych::alpha(x[, cols], n.iter = {n_boot}))
  cat(a$total$raw_alpha, a$boot.ci, "\\n")
}}
"""


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0, out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--skip-r", action="store_true")
    args = ap.parse_args()
    path = str(generate(args.rows))
    fmt = {"path": path, "k": K, "k2": 2 * K, "n_boot": args.n_boot}
    t_py, out_py = timed([sys.executable, "-c", PY.format(**fmt)])
    print(f"relscales: {t_py:8.2f} s\n{out_py}")
    if args.skip_r or shutil.which("Rscript") is None:
        print("R: skipped")
        return
    t_r, out_r = timed(["Rscript", "-e", R.format(**fmt)])
    print(f"R psych:   {t_r:8.2f} s\n{out_r}")
    print(f"ratio R / relscales: {t_r / t_py:.1f}x (goal >= 10x)")


if __name__ == "__main__":
    main()

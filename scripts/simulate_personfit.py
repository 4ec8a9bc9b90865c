"""Simulation study of the person-fit statistics in ``relscales.personfit``.

Run by hand (fixed seeds; the numbers in ``docs/methods-personfit.md`` come from it)::

    python scripts/simulate_personfit.py            # N = 50,000, 5 replications
    python scripts/simulate_personfit.py --quick    # N = 5,000, 1 replication
    python scripts/simulate_personfit.py --timing   # also time 1,000,000 x 36

Design: 36 items in two graded-response scales (18 items each, 5 categories), traits
bivariate normal with correlation .5, true item parameters used for scoring (the best
case: calibration error is not simulated). 10 % of the respondents answer at random
(uniform over the 5 categories on every item). A third of the items are worded in the
reverse direction, so the raw answers of an honest respondent with a high trait level
alternate between 5s and 1s; the variant ``same keying`` has every item worded in the
same direction (raw answer = keyed code).

Person fit per respondent:

* ``lz*p`` of each scale at the ML ability estimate of that scale (Sinharay, 2016),
  combined over the two scales as ``(z_A + z_B) / sqrt(2)`` (Stouffer), which is again
  standard normal under the model because the two statistics are independent given the
  abilities; flagged below -1.645; ``lzp`` (uncorrected) likewise for comparison;
* ``Gnormed.poly`` of all 36 items (one call, default threshold: 95th percentile in
  nonparametric reference data) and the mean of the two scales' values (AUC only).

Careless-responding rules of :mod:`relscales.quality` on the raw answers in
administration order (items of the two scales alternate): longstring >= 18 (half the
items) and Mahalanobis p < .001.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from relscales import irt, quality
from relscales.irt import GradedModel
from relscales.personfit import gnormed_poly, lz_poly

K_SCALE = 18
M = 5
PROP_RANDOM = 0.10
RHO = 0.5


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def make_models(seed: int = 20240601) -> tuple[GradedModel, GradedModel]:
    """Two 18-item, 5-category GRM scales with typical questionnaire parameters."""
    rng = np.random.default_rng(seed)
    models = []
    for _ in range(2):
        slopes = rng.uniform(1.0, 2.5, K_SCALE)
        location = rng.uniform(-0.75, 0.75, K_SCALE)
        steps = np.array([-2.0, -0.7, 0.5, 1.8])
        thresholds = location[:, None] + steps[None, :] + rng.uniform(-0.2, 0.2, (K_SCALE, 4))
        thresholds = np.sort(thresholds, axis=1)
        models.append(GradedModel(slopes, thresholds, np.full(K_SCALE, M)))
    return models[0], models[1]


def draw_grm(model: GradedModel, theta: NDArray[np.float64], rng: np.random.Generator) -> NDArray:
    """Draw GRM answers (0-based codes) for abilities ``theta``."""
    p = irt.category_probabilities(model, theta)  # (n, k, m)
    cum = np.cumsum(p, axis=2)[:, :, :-1]
    u = rng.random((theta.shape[0], model.n_items, 1))
    return (u >= cum).sum(axis=2).astype(np.float64)


@dataclass
class Sample:
    """One simulated data set."""

    codes_a: NDArray[np.float64]
    codes_b: NDArray[np.float64]
    raw: NDArray[np.float64]  # 36 raw answers 0-4 in administration order (A, B alternate)
    raw_same: NDArray[np.float64]  # the same answers if no item were reverse-worded
    theta: NDArray[np.float64]  # (n, 2)
    random: NDArray[np.bool_]


def simulate(n: int, seed: int, models: tuple[GradedModel, GradedModel]) -> Sample:
    """Simulate ``n`` respondents, 10 % of them random responders."""
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, RHO], [RHO, 1.0]])
    theta = rng.multivariate_normal(np.zeros(2), cov, size=n)
    codes_a = draw_grm(models[0], theta[:, 0], rng)
    codes_b = draw_grm(models[1], theta[:, 1], rng)
    random = rng.random(n) < PROP_RANDOM
    n_rand = int(random.sum())
    codes_a[random] = rng.integers(0, M, (n_rand, K_SCALE))
    codes_b[random] = rng.integers(0, M, (n_rand, K_SCALE))
    keyed = np.empty((n, 2 * K_SCALE))
    keyed[:, 0::2] = codes_a
    keyed[:, 1::2] = codes_b
    reverse = (np.arange(2 * K_SCALE) % 3) == 2  # every third item reverse-worded
    raw = np.where(reverse[None, :], (M - 1) - keyed, keyed)
    # random responders answer the raw form at random, so their raw answers are uniform
    return Sample(codes_a, codes_b, raw, keyed, theta, random)


def auc(score_misfit: NDArray[np.float64], positive: NDArray[np.bool_]) -> float:
    """P(misfit score of a random responder > that of an attentive one), ties 1/2."""
    from scipy.stats import rankdata

    ranks = rankdata(score_misfit)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def stouffer(z_a: NDArray[np.float64], z_b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Combine two standard-normal statistics; one alone where the other is NaN."""
    both = np.isfinite(z_a) & np.isfinite(z_b)
    out = np.where(both, (z_a + z_b) / np.sqrt(2.0), np.where(np.isfinite(z_a), z_a, z_b))
    return np.asarray(out, dtype=np.float64)


def analyse(sample: Sample, models: tuple[GradedModel, GradedModel]) -> dict[str, float]:
    """Every number of the results table for one simulated sample."""
    res: dict[str, float] = {}
    rnd = sample.random
    att = ~rnd
    extreme = att & (np.abs(sample.theta).max(axis=1) > 2.0)
    res["n_extreme"] = float(extreme.sum())
    lz: dict[str, NDArray[np.float64]] = {}
    for corrected in (True, False):
        name = "lz*p" if corrected else "lzp"
        parts = []
        for model, codes in zip(models, (sample.codes_a, sample.codes_b), strict=True):
            theta_ml = irt.score_theta(model, codes, method="ml").theta
            parts.append(lz_poly(model, codes, theta_ml, corrected=corrected).statistic)
        res[f"{name} AUC scale A"] = auc(-np.nan_to_num(parts[0], nan=np.inf), rnd)
        lz[name] = stouffer(parts[0], parts[1])
    for name, z in lz.items():
        flag = z < -1.645
        res[f"{name} AUC"] = auc(-np.nan_to_num(z, nan=np.inf), rnd)
        res[f"{name} flag random"] = float(flag[rnd].mean())
        res[f"{name} flag attentive"] = float(flag[att].mean())
        res[f"{name} flag extreme"] = float(flag[extreme].mean())
        res[f"{name} NaN attentive"] = float(np.isnan(z[att]).mean())
    keyed = np.hstack([sample.codes_a, sample.codes_b])
    g = gnormed_poly(keyed, np.full(2 * K_SCALE, M))
    res["Gnormed threshold"] = g.threshold
    res["Gnormed AUC"] = auc(np.nan_to_num(g.statistic, nan=-np.inf), rnd)
    res["Gnormed flag random"] = float(g.flagged[rnd].mean())
    res["Gnormed flag attentive"] = float(g.flagged[att].mean())
    res["Gnormed flag extreme"] = float(g.flagged[extreme].mean())
    g_a = gnormed_poly(sample.codes_a, np.full(K_SCALE, M), threshold=1.0).statistic
    g_b = gnormed_poly(sample.codes_b, np.full(K_SCALE, M), threshold=1.0).statistic
    res["Gnormed per-scale mean AUC"] = auc(np.nan_to_num((g_a + g_b) / 2, nan=-np.inf), rnd)
    for variant, raw in (("reverse-worded", sample.raw), ("same keying", sample.raw_same)):
        ls = quality.longstring(raw).longest >= raw.shape[1] / 2
        mp = quality.mahalanobis(raw).p_value < 0.001
        for rule, flag in (("longstring", ls), ("Mahalanobis", mp)):
            res[f"{rule} ({variant}) flag random"] = float(flag[rnd].mean())
            res[f"{rule} ({variant}) flag attentive"] = float(flag[att].mean())
            res[f"{rule} ({variant}) flag extreme"] = float(flag[extreme].mean())
    return res


def timing(models: tuple[GradedModel, GradedModel]) -> None:
    """Time the statistics on 1,000,000 respondents."""
    n = 1_000_000
    sample = simulate(n, 7, models)
    keyed = np.hstack([sample.codes_a, sample.codes_b])
    t0 = time.perf_counter()
    gnormed_poly(keyed, np.full(2 * K_SCALE, M))
    t1 = time.perf_counter()
    theta = irt.score_theta(models[0], sample.codes_a, method="ml").theta
    t2 = time.perf_counter()
    lz_poly(models[0], sample.codes_a, theta)
    t3 = time.perf_counter()
    _out(f"timing, n = {n:,}: Gnormed.poly 36 items (incl. reference) {t1 - t0:.1f} s; ")
    _out(f"  ML theta, 18 items {t2 - t1:.1f} s; lz*p, 18 items, given theta {t3 - t2:.1f} s")


def main(argv: list[str] | None = None) -> int:
    """Run the study and print the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 5,000, one replication")
    parser.add_argument("--timing", action="store_true", help="time 1,000,000 x 36")
    args = parser.parse_args(argv)
    n, reps = (5_000, 1) if args.quick else (50_000, 5)
    models = make_models()
    results = [analyse(simulate(n, 1000 + r, models), models) for r in range(reps)]
    _out(f"N = {n:,} per replication, {reps} replication(s), {PROP_RANDOM:.0%} random")
    _out(f"attentive with max |theta| > 2: {np.mean([r['n_extreme'] for r in results]):.0f}")
    _out()
    _out("| statistic | AUC | flagged: random | attentive | attentive, |theta| > 2 |")
    _out("|---|---|---|---|---|")
    mean = {key: float(np.mean([r[key] for r in results])) for key in results[0]}
    for name in ("lz*p", "lzp", "Gnormed"):
        _out(
            f"| {name} | {mean[f'{name} AUC']:.3f} | {mean[f'{name} flag random']:.3f} | "
            f"{mean[f'{name} flag attentive']:.3f} | {mean[f'{name} flag extreme']:.3f} |"
        )
    for rule in ("longstring", "Mahalanobis"):
        for variant in ("reverse-worded", "same keying"):
            key = f"{rule} ({variant})"
            _out(
                f"| {key} | - | {mean[f'{key} flag random']:.3f} | "
                f"{mean[f'{key} flag attentive']:.3f} | {mean[f'{key} flag extreme']:.3f} |"
            )
    _out()
    _out(f"lz*p AUC, scale A alone: {mean['lz*p AUC scale A']:.3f}")
    _out(f"lzp AUC, scale A alone: {mean['lzp AUC scale A']:.3f}")
    _out(f"Gnormed.poly, mean of the two scales, AUC: {mean['Gnormed per-scale mean AUC']:.3f}")
    _out(f"Gnormed.poly default threshold (36 items): {mean['Gnormed threshold']:.4f}")
    _out(f"lz*p NaN among attentive: {mean['lz*p NaN attentive']:.4f}")
    if reps > 1:
        sd = float(np.std([r["lz*p AUC"] for r in results], ddof=1))
        _out(f"SD of lz*p AUC over replications: {sd:.4f}")
    if args.timing:
        timing(models)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Simulation study of the reliable change methods in relscales.reliable_change.

Run from the repository folder: ``python scripts/simulate_rci.py`` (a few seconds). It
prints the Markdown table shown in docs/methods-change.md ("Simulation study"); the seeds
are fixed, so every run prints the same table.

Model (classical test theory, lower scores are better): for each person a true score
``T ~ N(50, 10)``; observed ``before = T + E1`` and ``after = T + delta + E2`` with
independent errors ``E ~ N(0, s_e)``, ``s_e = 10 * sqrt((1 - r) / r)``, so the reliability
of either occasion is exactly ``r``. The true change ``delta`` is the same for everyone:
0 (no change), or an improvement of 1 or 2 population standard errors of the difference,
``SE_diff = sqrt(2) * s_e``. Each replication is a study of ``N_PEOPLE`` people analysed on
its own (sample means and SDs, as the package does) with the true ``r`` as the declared
reliability and ``confidence_level = 0.95``. Reported per method and reliability:

- ``delta = 0``: the share of people with a reliable change in either direction (the false
  positive rate; nominal 5% for the two-sided methods, 10% for ``ha``, which tests each
  direction one-sided at 5%);
- ``delta = 1`` and ``2 SE_diff``: the share classed *improved* (power). For the JT index
  the exact values are ``P(Z > 1.96 - 1) = 16.9%`` and ``P(Z > 1.96 - 2) = 51.6%``;
- the Monte Carlo standard error of each rate (SD of the per-study rates / sqrt(studies));
- ``ha`` needs the reliability of the difference score ``r_dd`` > 0; with the same true
  change for everyone its population value is 0, so the sample estimate is <= 0 in about
  half the studies, where no index exists. Those studies are counted, not scored.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from relscales.reliable_change import RCI_METHODS, reliable_change

SEED = 20260514
N_PEOPLE = 100
N_STUDIES = 2000
RELIABILITIES = (0.7, 0.8, 0.9)
EFFECTS = (0.0, 1.0, 2.0)  # true improvement in population SE_diff
SD_TRUE = 10.0
MEAN_TRUE = 50.0


def simulate(r: float, effect: float, method: str, seed: int) -> tuple[float, float, int]:
    """Return (mean rate, its Monte Carlo SE, studies without an index) for one cell."""
    rng = np.random.default_rng(seed)
    s_e = SD_TRUE * math.sqrt((1.0 - r) / r)
    delta = -effect * math.sqrt(2.0) * s_e
    rates: list[float] = []
    failed = 0
    for _ in range(N_STUDIES):
        true = rng.normal(MEAN_TRUE, SD_TRUE, N_PEOPLE)
        before = true + rng.normal(0.0, s_e, N_PEOPLE)
        after = true + delta + rng.normal(0.0, s_e, N_PEOPLE)
        try:
            rc = reliable_change(before, after, reliability=r, better="lower", method=method)  # type: ignore[arg-type]
        except ValueError:
            failed += 1
            continue
        hit = rc.verdict != 1 if effect == 0.0 else rc.verdict == 0
        rates.append(float(hit.mean()))
    if not rates:
        return math.nan, math.nan, failed
    values = np.array(rates)
    se = float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else math.nan
    return float(values.mean()), se, failed


def main() -> None:
    """Run every cell and print the Markdown table."""
    out = sys.stdout
    out.write(
        f"Seed {SEED}; {N_STUDIES} simulated studies of {N_PEOPLE} people per cell; "
        "rates in % (Monte Carlo SE).\n\n"
    )
    out.write(
        "| method | r | no change: any reliable change | true change 1 SE_diff: improved "
        "| true change 2 SE_diff: improved | studies without an index |\n"
    )
    out.write("|---|---|---|---|---|---|\n")
    seeds = np.random.SeedSequence(SEED).generate_state(
        len(RCI_METHODS) * len(RELIABILITIES) * len(EFFECTS)
    )
    k = 0
    for method in RCI_METHODS:
        for r in RELIABILITIES:
            cells: list[str] = []
            failures: list[str] = []
            for effect in EFFECTS:
                rate, se, failed = simulate(r, effect, method, int(seeds[k]))
                k += 1
                cells.append("n/a" if math.isnan(rate) else f"{100 * rate:.1f} ({100 * se:.2f})")
                failures.append(str(failed))
            out.write(f"| {method} | {r} | {' | '.join(cells)} | {' / '.join(failures)} |\n")


if __name__ == "__main__":
    main()

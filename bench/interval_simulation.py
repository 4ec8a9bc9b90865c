"""A longer run of the interval simulation study, over many seeds (run by hand; not a test).

Usage::

    python bench/interval_simulation.py [--seeds 20] [--rows 20000] [--no-missing]
        [--prior-dispersion PHI0] [--prior-df D0]

Each seed draws new item parameters and new respondents from the models of
``tests/unit/test_profile_simulation.py`` (reflective and formative), scores them with the
real engine on the bundled RISI (the current version, printed in the header: 0.2 has nine
internal-pattern and nine relationship-signal facets), and records facet and composite
coverage of the 95% intervals, the wrong-region rate among determinate readings, the
indeterminate share, how often each axis is decided, the share left without a reading and
the mean interval widths. Prints, per model, the mean and the range over seeds of each
figure: the figures docs/methods.md ("Simulation study") cites beside the test's table.

``--prior-dispersion`` and ``--prior-df`` replace the library's ``PRIOR_DISPERSION`` and
``PRIOR_DF`` for the run, to see how the figures move with the constants; by default the run
uses the library's own values (read from :mod:`relscales.scoring.intervals`). The run also
prints the answers' true dispersion: the expected within-person variance of a facet's
keyed answers (0-1 metric) over ``mu (1 - mu)`` at the person's true facet level, the
quantity ``PRIOR_DISPERSION`` stands for.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "unit"))

import test_profile_simulation as sim

from relscales.scoring import intervals


def figures(s: sim.Simulation) -> dict[str, float]:
    return {
        "facet coverage": 100 * s.facet_coverage,
        "composite coverage": 100 * s.composite_coverage,
        "internal_pattern coverage": 100 * s.coverage(sim.INTERNAL),
        "relationship_signal coverage": 100 * s.coverage(sim.RELATIONAL),
        "lowest facet coverage": 100 * min(s.coverage(f) for f in s.facet_ids),
        "highest facet coverage": 100 * max(s.coverage(f) for f in s.facet_ids),
        "% wrong among determinate": 100 * s.wrong_rate,
        "% indeterminate": 100 * s.indeterminate_share,
        "% no reading": 100 * float((~s.read).mean()),
        "% x axis determinate": 100 * s.axis_determinate_share("x"),
        "% y axis determinate": 100 * s.axis_determinate_share("y"),
        "% wrong x level": 100 * s.axis_wrong_rate("x"),
        "% wrong y level": 100 * s.axis_wrong_rate("y"),
        "determinate readings": float(s.determinate.sum()),
        "mean width, facet": s.mean_width(s.facet_ids),
        "mean width, composite": s.mean_width(list(sim.COMPOSITES)),
    }


def true_dispersion(seed: int, rows: int = 2_000, facets: int = 50) -> str:
    """Quartiles of the answers' true dispersion, over ``facets`` draws of 3 and of 4 items.

    Respondents' facet levels are standard normal (the reflective model's facets).
    """
    rng = np.random.default_rng(seed)
    x = np.arange(5) / 4.0  # the categories on the 0-1 metric
    out = []
    for k in (3, 4):
        phis = []
        for _ in range(facets):
            eta = rng.standard_normal(rows)
            items = sim.Items.draw(k, rng)
            exceed = items.exceed(eta)  # (n, k, 4)
            probs = -np.diff(exceed, axis=2, prepend=1.0, append=0.0)  # (n, k, 5)
            mean = (probs * x).sum(axis=2)  # each item's expected answer
            within = (probs * x**2).sum(axis=2) - mean**2
            mu = mean.mean(axis=1)
            # E[s^2] of the k answers: the mean item variance plus the spread of the item means
            s2 = within.mean(axis=1) + mean.var(axis=1, ddof=1)
            phis.append(s2 / (mu * (1.0 - mu)))
        q = np.quantile(np.concatenate(phis), [0.25, 0.5, 0.75])
        out.append(f"{k} items: median {q[1]:.2f} (quartiles {q[0]:.2f}-{q[2]:.2f})")
    return "; ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--no-missing", action="store_true", help="answer every item")
    parser.add_argument(
        "--prior-dispersion",
        type=float,
        default=intervals.PRIOR_DISPERSION,
        help="phi0 for the run (default: the library's PRIOR_DISPERSION, %(default)g)",
    )
    parser.add_argument(
        "--prior-df",
        type=float,
        default=intervals.PRIOR_DF,
        help="d0 for the run (default: the library's PRIOR_DF, %(default)g)",
    )
    args = parser.parse_args()
    if args.no_missing:
        sim.MISSING_RATE = 0.0
    intervals.PRIOR_DISPERSION = args.prior_dispersion
    intervals.PRIOR_DF = args.prior_df
    start = time.perf_counter()
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in sim.MODELS}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for model in sim.MODELS:
            runs[model].append(figures(sim.simulate(model, args.rows, seed)))
    spec = sim.risi().instrument.spec
    print(
        f"RISI {spec.version}: {len(sim.facets(sim.INTERNAL))} internal-pattern and "
        f"{len(sim.facets(sim.RELATIONAL))} relationship-signal facets, "
        f"{100 * sim.FIRST_RELATIONSHIP:g}% first relationships"
    )
    print(
        f"{args.seeds} seeds x {args.rows} respondents per model, missing rate "
        f"{sim.MISSING_RATE:g}, prior dispersion {intervals.PRIOR_DISPERSION:g} worth "
        f"{intervals.PRIOR_DF:g} df, {time.perf_counter() - start:.0f} s"
    )
    print(f"true dispersion of a facet's answers: {true_dispersion(args.first_seed)}")
    for model, rows in runs.items():
        print(f"\n{model}")
        for name in rows[0]:
            values = np.array([r[name] for r in rows])
            print(
                f"  {name:30s} mean {values.mean():7.2f}  "
                f"range {values.min():7.2f} - {values.max():7.2f}"
            )


if __name__ == "__main__":
    main()

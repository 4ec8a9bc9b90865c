"""A simulation study of the accuracy of RISI's ``insecurity_source`` reading.

Respondents are generated from a known latent model, so each one's TRUE region is known:

- two latent traits, internal pattern and relationship signal, standard normal with
  correlation .3;
- each facet of the ``internal_pattern`` (``relationship_signal``) composite is a latent
  facet value ``eta = 0.8 * trait + 0.6 * unique`` (standardized loading .8 on its trait);
- each item is ``eta + sigma * noise``, cut into the 1-5 answers by thresholds at
  (-1.2, -0.4, 0.4, 1.2) x its total SD (so every noise level uses the categories alike);
  reverse-keyed items are answered at the other end (6 - keyed); 2% of answers are missing
  at random, so a few respondents have a facet below ``min_answered`` (a missing reading);
- the item-level noise ``sigma`` sets the reliability: item loadings on their facet of
  1 / sqrt(1 + sigma^2), facet alphas of about .70 (high noise) to .86 (low noise).

A respondent's TRUE composite is the score expected from their latent facet values with the
item noise averaged out, which is analytic: an item's expected answer given ``eta`` is
``1 + sum_k Phi((eta - tau_k) / sigma)``, and the composite is the mean over facets of the
facet means. The TRUE region is the side of the cut (3) each true composite falls on.

Run ``python tests/unit/test_profile_simulation.py`` to print the table that
docs/methods.md ("Readings: profiles and flags") reports.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.scoring.compile import CompiledInstrument
from relscales.scoring.engine import ScoreOptions, _compile, score_compiled
from relscales.scoring.readings import INDETERMINATE

N_RESPONDENTS = 4000
SEED = 20240917
TRAIT_CORRELATION = 0.3
FACET_LOADING = 0.8
THRESHOLDS = np.array([-1.2, -0.4, 0.4, 1.2])
MISSING_RATE = 0.02
CUT = 3.0
NOISE_LEVELS = {"high": 1.15, "medium": 0.9, "low": 0.65}
"""Item noise SD (latent facet SD = 1) per noise level."""

REGIONS = {"low-low": "neither", "high-low": "internal", "low-high": "relational"}
REGIONS["high-high"] = "both"


@functools.cache
def risi() -> CompiledInstrument:
    return _compile("risi", ())


def _facets(composite_id: str) -> list[tuple[str, tuple[str, ...]]]:
    spec = risi().instrument.spec
    subscales = {sub.id: sub for sub in spec.subscales}
    composite = next(c for c in spec.composites if c.id == composite_id)
    return [(part.score, tuple(subscales[part.score].items)) for part in composite.parts]


def _phi(x: NDArray[np.float64]) -> NDArray[np.float64]:
    from scipy.special import ndtr  # the standard normal distribution function

    return np.asarray(ndtr(x), dtype=np.float64)


def expected_answer(eta: NDArray[np.float64], sigma: float) -> NDArray[np.float64]:
    """Expected keyed answer (1-5) given the latent facet value: no item noise left."""
    tau = THRESHOLDS * math.sqrt(1.0 + sigma**2)
    return 1.0 + _phi((eta[..., None] - tau) / sigma).sum(axis=-1)


def keyed_answers(eta: NDArray[np.float64], sigma: float, rng: np.random.Generator, k: int) -> Any:
    """``k`` keyed answers (1-5) per respondent: the facet value plus item noise, cut."""
    tau = THRESHOLDS * math.sqrt(1.0 + sigma**2)
    latent = eta[:, None] + sigma * rng.standard_normal((eta.shape[0], k))
    return 1 + (latent[:, :, None] > tau).sum(axis=2)


def cronbach_alpha(x: NDArray[np.float64]) -> float:
    k = x.shape[1]
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1)))


@dataclass(frozen=True)
class Simulation:
    """One simulated sample, scored: readings next to the truth."""

    sigma: float
    facet_alpha: float
    region: NDArray[Any]
    true_region: NDArray[Any]
    internal: NDArray[np.float64]
    internal_se: NDArray[np.float64]
    internal_df: NDArray[np.float64]
    true_internal: NDArray[np.float64]
    trait_region: NDArray[Any]

    @property
    def item_loading(self) -> float:
        return 1.0 / math.sqrt(1.0 + self.sigma**2)

    @property
    def missing(self) -> NDArray[np.bool_]:
        return np.array([r is None for r in self.region], dtype=bool)

    @property
    def indeterminate(self) -> NDArray[np.bool_]:
        return np.array([r == INDETERMINATE for r in self.region], dtype=bool)

    @property
    def determinate(self) -> NDArray[np.bool_]:
        return ~self.missing & ~self.indeterminate

    @property
    def indeterminate_rate(self) -> float:
        return float(self.indeterminate.sum() / (~self.missing).sum())

    @property
    def wrong_rate(self) -> float:
        det = self.determinate
        return float((self.region[det] != self.true_region[det]).mean())

    @property
    def wrong_rate_trait(self) -> float:
        """Wrong-region rate against the trait-level truth (facet-specific variance as error)."""
        det = self.determinate
        return float((self.region[det] != self.trait_region[det]).mean())

    @property
    def composite_reliability(self) -> float:
        """Squared correlation of the observed and true internal-pattern composite."""
        ok = ~np.isnan(self.internal)
        return float(np.corrcoef(self.internal[ok], self.true_internal[ok])[0, 1] ** 2)

    @property
    def coverage(self) -> float:
        """Share of respondents whose 95% interval on internal_pattern holds the truth.

        The interval is the one relscales uses: Student's t on the score's
        Welch-Satterthwaite degrees of freedom times the person-level SE.
        """
        from scipy.stats import t

        ok = ~np.isnan(self.internal)
        df = np.where(np.isfinite(self.internal_df), self.internal_df, 1e9)
        crit = t.ppf(0.975, df)
        inside = np.abs(self.internal - self.true_internal) <= crit * self.internal_se
        return float(inside[ok].mean())


def simulate(sigma: float, n: int = N_RESPONDENTS, seed: int = SEED) -> Simulation:
    """Generate ``n`` RISI respondents from the latent model and score them with relscales."""
    rng = np.random.default_rng(seed)
    cov = [[1.0, TRAIT_CORRELATION], [TRAIT_CORRELATION, 1.0]]
    traits = rng.multivariate_normal([0.0, 0.0], cov, size=n)
    comp = risi()
    reverse = dict(zip(comp.item_ids, comp.reverse.tolist(), strict=True))
    data: dict[str, Any] = {"id": np.array([f"s{i}" for i in range(n)])}
    true: dict[str, NDArray[np.float64]] = {}
    trait_true: dict[str, NDArray[np.float64]] = {}
    alphas: list[float] = []
    unique_sd = math.sqrt(1.0 - FACET_LOADING**2)
    for axis, composite_id in enumerate(("internal_pattern", "relationship_signal")):
        facet_true = []
        for _, items in _facets(composite_id):
            eta = FACET_LOADING * traits[:, axis] + unique_sd * rng.standard_normal(n)
            keyed = keyed_answers(eta, sigma, rng, len(items))
            alphas.append(cronbach_alpha(keyed.astype(np.float64)))
            for j, item in enumerate(items):
                raw = np.where(reverse[item], 6 - keyed[:, j], keyed[:, j]).astype(np.float64)
                raw[rng.random(n) < MISSING_RATE] = np.nan
                data[item] = raw
            facet_true.append(expected_answer(eta, sigma))
        true[composite_id] = np.mean(facet_true, axis=0)
        # given the trait only, the facet-specific part is noise too (same for every facet)
        spread = math.sqrt(unique_sd**2 + sigma**2)
        tau = THRESHOLDS * math.sqrt(1.0 + sigma**2)
        shifted = (FACET_LOADING * traits[:, axis, None] - tau) / spread
        trait_true[composite_id] = 1.0 + _phi(shifted).sum(axis=-1)
    for item in comp.item_ids:
        if item.startswith("bh_"):
            data[item] = rng.integers(1, 6, n).astype(np.float64)
        elif item.startswith("sf_"):
            data[item] = np.ones(n)
    result = score_compiled([comp], data, ScoreOptions(details=True))
    true_region, trait_region = (
        np.array(
            [
                REGIONS[f"{'high' if x > CUT else 'low'}-{'high' if y > CUT else 'low'}"]
                for x, y in zip(t["internal_pattern"], t["relationship_signal"], strict=True)
            ]
        )
        for t in (true, trait_true)
    )
    return Simulation(
        sigma=sigma,
        facet_alpha=float(np.mean(alphas)),
        region=result.columns["insecurity_source"],
        true_region=true_region,
        internal=result.scores["internal_pattern"],
        internal_se=result.details["internal_pattern.se"],
        internal_df=result.details["internal_pattern.df"],
        true_internal=true["internal_pattern"],
        trait_region=trait_region,
    )


@functools.cache
def study() -> dict[str, Simulation]:
    return {name: simulate(sigma) for name, sigma in NOISE_LEVELS.items()}


def table() -> str:
    """The study as a Markdown table (what docs/methods.md shows)."""
    lines = [
        "| item noise | item loading | facet alpha | composite reliability "
        "| % indeterminate | % wrong among determinate | 95% interval coverage "
        "| % wrong vs trait-level truth |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, sim in study().items():
        lines.append(
            f"| {name} (sigma {sim.sigma:g}) | {sim.item_loading:.2f} | {sim.facet_alpha:.2f} "
            f"| {sim.composite_reliability:.2f} | {100 * sim.indeterminate_rate:.1f} "
            f"| {100 * sim.wrong_rate:.1f} | {100 * sim.coverage:.1f} "
            f"| {100 * sim.wrong_rate_trait:.1f} |"
        )
    n_missing = int(study()["medium"].missing.sum())
    lines.append("")
    lines.append(
        f"{N_RESPONDENTS} respondents per level (seed {SEED}); {n_missing} of them (medium "
        "noise) have a facet below min_answered and no reading."
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------


def test_the_analytic_truth_is_the_average_over_item_noise() -> None:
    rng = np.random.default_rng(7)
    eta = np.array([-1.5, -0.3, 0.0, 0.4, 2.0])
    for sigma in NOISE_LEVELS.values():
        draws = keyed_answers(np.repeat(eta, 40_000), sigma, rng, 1).reshape(5, -1)
        assert np.allclose(draws.mean(axis=1), expected_answer(eta, sigma), atol=0.02)
    assert expected_answer(np.array([0.0]), 0.9)[0] == 3.0  # the cut at the latent mean


def test_the_simulated_answers_follow_the_keys() -> None:
    """Reverse-keyed items run against their facet, so they reach relscales as real data do."""
    sim = simulate(0.9, n=2000, seed=3)
    ok = ~np.isnan(sim.internal)
    assert np.corrcoef(sim.internal[ok], sim.true_internal[ok])[0, 1] > 0.9
    assert 0.70 <= sim.facet_alpha <= 0.85


def test_the_study_spans_the_intended_reliabilities() -> None:
    alphas = [sim.facet_alpha for sim in study().values()]
    assert alphas == sorted(alphas)
    assert 0.65 <= alphas[0] <= 0.75
    assert 0.82 <= alphas[-1] <= 0.90


def test_wrong_region_rate_among_determinate_readings_is_at_most_5_percent() -> None:
    for name, sim in study().items():
        assert sim.determinate.sum() >= 500, name  # enough readings for a rate
        assert sim.missing.any(), name  # missing readings exist and are left out
        assert sim.wrong_rate <= 0.05, (name, sim.wrong_rate)


def test_indeterminate_rate_falls_as_reliability_rises() -> None:
    sims = list(study().values())  # high noise -> low noise
    reliabilities = [s.composite_reliability for s in sims]
    rates = [s.indeterminate_rate for s in sims]
    assert reliabilities == sorted(reliabilities)
    assert rates == sorted(rates, reverse=True)
    assert rates[0] - rates[-1] > 0.1
    assert all(0 < r < 1 for r in rates)


def test_every_region_is_read_in_the_study() -> None:
    regions = set(study()["low"].region.tolist())
    assert regions == {"internal", "relational", "both", "neither", INDETERMINATE, None}


if __name__ == "__main__":
    print(table())


def test_intervals_hold_the_true_score_at_the_nominal_rate() -> None:
    """Student's t on the Welch-Satterthwaite df keeps 95% intervals at about 95%."""
    sim = simulate(0.9)
    assert 0.94 <= sim.coverage <= 0.975

"""A simulation study of RISI's intervals and its ``insecurity_source`` reading.

Respondents are generated from a known item response model, scored by the real engine on
the bundled RISI (version 0.2: nine internal-pattern facets, nine relationship-signal facets),
and each interval and reading is compared with the truth.

Items follow Samejima's graded response model with 5 categories: discrimination
``a ~ U(1, 2.5)``, location ``b ~ N(0.8, 0.5)`` and category thresholds ``b + STEPS``, drawn
once per item. An item's keyed answer is generated from its facet's latent value ``eta``;
RISI's reverse-keyed items are answered ``6 - x`` and relscales keys them back. Two models
of the facets:

- **reflective**: the facets load one factor each. Two traits (internal pattern,
  relationship signal), standard normal with correlation .3; each facet's
  ``eta = 0.9 trait + sqrt(.19) unique``;
- **formative** (heterogeneous): each facet is a distinct marker with its own true level.
  Internal-pattern facets ``eta ~ N(0, 1)`` independently; each relationship-signal facet
  independently from the mixture ``20% N(1.2, .7) / 80% N(-0.8, .7)`` (most relationships
  show a given signal little, some clearly).

Behaviour and seek-help items (not read by the profile) come from a behaviour level
correlated .5 with the internal pattern; every safety item is answered 1, so the safety flag
is not raised and the safety screen marker is low. The context questions: together one to
three years, the partner part of daily life, and 10% of respondents in a first relationship
(``cx_past = 1``), for whom ``recurrence`` does not apply (its items are answered anyway and
ignored) and the internal index rests on the other eight facets. 2% of answers are missing
at random, so some facets rest on fewer answers (and a few respondents have no reading).

A facet's TRUE score is its expected mean given ``eta`` (exact, from the category
probabilities: ``E[x | eta] = 1 + sum_k P(x > k | eta)``); a composite's true score is the
mean of the true scores of the facets it was computed from. The TRUE region: x high when
the true internal-pattern composite is above 3; y (``rule: any``) high when any true
relationship-signal facet is above 3, else low.

Run ``python tests/unit/test_profile_simulation.py`` to print the table that
docs/methods.md ("Simulation study") reports.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.pipeline.score import compile_ref, score_compiled
from relscales.scoring.compile import CompiledInstrument
from relscales.scoring.options import ScoreOptions
from relscales.scoring.readings import INDETERMINATE, SAFETY_FIRST

FloatArray = NDArray[np.float64]

N_RESPONDENTS = 4000
SEED = 20251203
CUT = 3.0
LOW, HIGH = 1.0, 5.0
MISSING_RATE = 0.02
STEPS = np.array([-1.5, -0.5, 0.5, 1.5])
"""Category thresholds of an item around its location (5 categories)."""
TRAIT_CORRELATION = 0.3
FACET_LOADING = 0.9
MIXTURE = (0.2, (1.2, 0.7), (-0.8, 0.7))
"""Formative relationship facets: share, (mean, SD) of the raised part, (mean, SD) of the rest."""
FIRST_RELATIONSHIP = 0.1
"""Share of respondents in a first relationship (``cx_past = 1``: recurrence does not apply)."""
CONTEXT = {"cx_past": 3.0, "cx_length": 3.0, "cx_daily": 3.0}
"""Context answers: past partners, together one to three years, partner part of daily life."""

INTERNAL = "internal_pattern"
RELATIONAL = "relationship_signal"
COMPOSITES = (INTERNAL, RELATIONAL)
PROFILE = "insecurity_source"
REGIONS = {
    ("low", "low"): "neither",
    ("high", "low"): "internal",
    ("low", "high"): "relational",
    ("high", "high"): "both",
}
MODELS = ("reflective", "formative")


@functools.cache
def risi() -> CompiledInstrument:
    return compile_ref("risi", ())


def facets(composite_id: str) -> list[tuple[str, tuple[str, ...]]]:
    """``(facet id, its item ids)`` for each part of a RISI composite, in order."""
    spec = risi().instrument.spec
    subscales = {sub.id: sub for sub in spec.subscales}
    composite = next(c for c in spec.composites if c.id == composite_id)
    return [(part.score, tuple(subscales[part.score].items)) for part in composite.parts]


def subscale_items(subscale_id: str) -> tuple[str, ...]:
    spec = risi().instrument.spec
    return tuple(next(sub for sub in spec.subscales if sub.id == subscale_id).items)


@dataclass(frozen=True)
class Items:
    """Graded response model parameters of ``k`` items: ``a (k,)`` and thresholds ``(k, 4)``."""

    a: FloatArray
    thresholds: FloatArray

    @classmethod
    def draw(cls, k: int, rng: np.random.Generator) -> Items:
        a = rng.uniform(1.0, 2.5, k)
        b = rng.normal(0.8, 0.5, k)
        return cls(a, b[:, None] + STEPS)

    def exceed(self, eta: FloatArray) -> FloatArray:
        """``P(x > c | eta)`` for c = 1..4: shape ``(n, k, 4)``."""
        logits = self.a[None, :, None] * (eta[:, None, None] - self.thresholds[None])
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float64)

    def expected_mean(self, eta: FloatArray) -> FloatArray:
        """The true facet score: the expected mean of the keyed answers given ``eta``."""
        return 1.0 + self.exceed(eta).sum(axis=2).mean(axis=1)

    def answers(self, eta: FloatArray, rng: np.random.Generator) -> FloatArray:
        """Keyed answers 1-5, ``(n, k)``: one draw from the category probabilities."""
        exceed = self.exceed(eta)
        u = rng.random(exceed.shape[:2])
        return 1.0 + (u[:, :, None] < exceed).sum(axis=2)


def latent(model: str, n: int, rng: np.random.Generator) -> dict[str, FloatArray]:
    """Each profile facet's latent value (facet id -> ``(n,)``), plus ``_behaviour``."""
    internal, relational = facets(INTERNAL), facets(RELATIONAL)
    out: dict[str, FloatArray] = {}
    if model == "reflective":
        cov = [[1.0, TRAIT_CORRELATION], [TRAIT_CORRELATION, 1.0]]
        traits = rng.multivariate_normal([0.0, 0.0], cov, size=n)
        unique = math.sqrt(1.0 - FACET_LOADING**2)
        for axis, parts in enumerate((internal, relational)):
            for facet, _ in parts:
                out[facet] = FACET_LOADING * traits[:, axis] + unique * rng.standard_normal(n)
        level = traits[:, 0]
    elif model == "formative":
        for facet, _ in internal:
            out[facet] = rng.standard_normal(n)
        share, (m1, s1), (m0, s0) = MIXTURE
        for facet, _ in relational:
            raised = rng.random(n) < share
            out[facet] = np.where(raised, rng.normal(m1, s1, n), rng.normal(m0, s0, n))
        level = np.mean([out[f] for f, _ in internal], axis=0)
        level = level / level.std()
    else:
        raise ValueError(model)
    out["_behaviour"] = 0.5 * level + math.sqrt(0.75) * rng.standard_normal(n)
    return out


@dataclass(frozen=True)
class Simulation:
    """One simulated sample scored by relscales, with the truth beside it."""

    model: str
    columns: dict[str, NDArray[Any]]
    details: dict[str, NDArray[Any]]
    true: dict[str, FloatArray]
    true_region: NDArray[Any]

    def interval(self, score: str) -> tuple[FloatArray, FloatArray, FloatArray]:
        c = self.columns
        return c[score], c[f"{score}_ci_low"], c[f"{score}_ci_high"]

    def _coverage(self, scores: list[str]) -> tuple[int, int]:
        inside = total = 0
        for score in scores:
            value, lo, hi = self.interval(score)
            ok = ~np.isnan(value)
            truth = self.true[score][ok]
            inside += int(((lo[ok] <= truth) & (truth <= hi[ok])).sum())
            total += int(ok.sum())
        return inside, total

    def coverage(self, score: str) -> float:
        inside, total = self._coverage([score])
        return inside / total

    @property
    def first_relationship(self) -> NDArray[np.bool_]:
        """Respondents who said this is their first partner (``cx_past = 1``)."""
        return np.asarray(self.columns["_cx_past"] == 1.0, dtype=bool)

    @property
    def facet_ids(self) -> list[str]:
        return [f for c in COMPOSITES for f, _ in facets(c)]

    @property
    def facet_coverage(self) -> float:
        inside, total = self._coverage(self.facet_ids)
        return inside / total

    @property
    def composite_coverage(self) -> float:
        inside, total = self._coverage(list(COMPOSITES))
        return inside / total

    def mean_width(self, scores: list[str]) -> float:
        widths = [self.interval(s)[2] - self.interval(s)[1] for s in scores]
        return float(np.nanmean(np.concatenate(widths)))

    @property
    def region(self) -> NDArray[Any]:
        return self.columns[PROFILE]

    @property
    def read(self) -> NDArray[np.bool_]:
        """Respondents with a reading (not missing)."""
        return np.array([r is not None for r in self.region], dtype=bool)

    @property
    def indeterminate(self) -> NDArray[np.bool_]:
        return np.asarray(self.region == INDETERMINATE, dtype=bool)

    @property
    def determinate(self) -> NDArray[np.bool_]:
        return self.read & ~self.indeterminate

    @property
    def indeterminate_share(self) -> float:
        return float(self.indeterminate.sum() / self.read.sum())

    @property
    def wrong(self) -> NDArray[np.bool_]:
        """Determinate readings whose region is not the true one."""
        return self.determinate & (self.region != self.true_region)

    @property
    def wrong_rate(self) -> float:
        return float(self.wrong.sum() / self.determinate.sum())

    def axis_determinate_share(self, axis: str) -> float:
        """Share of respondents with a level whose level on one axis is low or high."""
        level = self.details[f"{PROFILE}.{axis}_level"]
        read = np.array([v is not None for v in level], dtype=bool)
        return float(np.isin(level, ["low", "high"]).sum() / read.sum())

    def axis_wrong_rate(self, axis: str) -> float:
        """Wrong-level rate among determinate levels of one axis (``x`` or ``y``)."""
        level = self.details[f"{PROFILE}.{axis}_level"]
        truth = self.true[f"_{axis}_level"]
        det = np.isin(level, ["low", "high"])
        return float((level[det] != truth[det]).sum() / det.sum())


def simulate(model: str, n: int = N_RESPONDENTS, seed: int = SEED) -> Simulation:
    """Generate ``n`` RISI respondents under ``model`` and score them with relscales."""
    rng = np.random.default_rng([seed, MODELS.index(model)])
    comp = risi()
    reverse = dict(zip(comp.item_ids, comp.reverse.tolist(), strict=True))
    eta = latent(model, n, rng)
    data: dict[str, Any] = {"id": np.array([f"s{i}" for i in range(n)])}
    true: dict[str, FloatArray] = {}

    def answer(items: tuple[str, ...], level: FloatArray) -> FloatArray:
        params = Items.draw(len(items), rng)
        keyed = params.answers(level, rng)
        for j, item in enumerate(items):
            raw = 6.0 - keyed[:, j] if reverse[item] else keyed[:, j].copy()
            raw[rng.random(n) < MISSING_RATE] = np.nan
            data[item] = raw
        return params.expected_mean(level)

    for composite in COMPOSITES:
        for facet, items in facets(composite):
            true[facet] = answer(items, eta[facet])
    for _, items in facets("behaviour"):
        answer(items, eta["_behaviour"])
    answer(subscale_items("impact"), eta["_behaviour"])  # the seek-help questions
    for item in comp.item_ids:
        if item.startswith("sf_"):
            data[item] = np.ones(n)
    for item, value in CONTEXT.items():
        data[item] = np.full(n, value)
    data["cx_past"][rng.random(n) < FIRST_RELATIONSHIP] = 1.0
    missing = [item for item in comp.item_ids if item not in data]
    assert not missing, missing

    result = score_compiled([comp], data, ScoreOptions(with_ci=True, details=True))
    columns = dict(result.columns)
    columns["_cx_past"] = data["cx_past"]
    for composite in COMPOSITES:  # the mean of the true scores of the facets it used
        parts = np.column_stack([true[f] for f, _ in facets(composite)])
        used = ~np.isnan(np.column_stack([columns[f] for f, _ in facets(composite)]))
        true[composite] = np.where(used, parts, 0.0).sum(axis=1) / np.maximum(used.sum(1), 1)
    x_level = np.where(true[INTERNAL] > CUT, "high", "low")
    y_high = np.any([true[f] > CUT for f, _ in facets(RELATIONAL)], axis=0)
    y_level = np.where(y_high, "high", "low")
    true["_x_level"], true["_y_level"] = x_level, y_level
    true_region = np.array([REGIONS[(x, y)] for x, y in zip(x_level, y_level, strict=True)])
    return Simulation(model, columns, dict(result.details), true, true_region)


@functools.cache
def study() -> dict[str, Simulation]:
    return {model: simulate(model) for model in MODELS}


def table(sims: dict[str, Simulation] | None = None) -> str:
    """The study as a Markdown table (what docs/methods.md shows)."""
    sims = sims if sims is not None else study()
    lines = [
        "| model | facet coverage | composite coverage | % wrong among determinate "
        "| % indeterminate | mean width, facet | mean width, composite |",
        "|---|---|---|---|---|---|---|",
    ]
    for model, sim in sims.items():
        lines.append(
            f"| {model} | {100 * sim.facet_coverage:.1f} | {100 * sim.composite_coverage:.1f} "
            f"| {100 * sim.wrong_rate:.1f} | {100 * sim.indeterminate_share:.1f} "
            f"| {sim.mean_width(sim.facet_ids):.2f} | {sim.mean_width(list(COMPOSITES)):.2f} |"
        )
    return "\n".join(lines)


def details(sims: dict[str, Simulation] | None = None) -> str:
    """Per-score coverage, axis error rates and the regions read, for a closer look."""
    sims = sims if sims is not None else study()
    out = []
    for model, sim in sims.items():
        scores = [*sim.facet_ids, *COMPOSITES]
        cov = ", ".join(f"{s} {100 * sim.coverage(s):.1f}" for s in scores)
        regions, counts = np.unique(sim.region[sim.read].astype(str), return_counts=True)
        read = ", ".join(f"{r} {c}" for r, c in zip(regions, counts, strict=True))
        out.append(
            f"{model}: {int(sim.read.sum())} readings ({read}); determinate "
            f"{int(sim.determinate.sum())}, wrong {int(sim.wrong.sum())}\n  x axis: "
            f"{100 * sim.axis_determinate_share('x'):.1f}% determinate, "
            f"{100 * sim.axis_wrong_rate('x'):.1f}% of those wrong; y axis: "
            f"{100 * sim.axis_determinate_share('y'):.1f}% determinate, "
            f"{100 * sim.axis_wrong_rate('y'):.1f}% of those wrong\n  coverage: {cov}"
        )
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------


def test_the_true_score_is_the_expected_answer() -> None:
    """The analytic truth is the average of many simulated answers at the same ``eta``."""
    rng = np.random.default_rng(7)
    items = Items.draw(4, rng)
    eta = np.array([-2.0, -0.5, 0.0, 0.8, 2.5])
    draws = items.answers(np.repeat(eta, 20_000), rng).mean(axis=1).reshape(5, -1).mean(axis=1)
    assert np.allclose(draws, items.expected_mean(eta), atol=0.01)
    assert np.all(np.diff(items.expected_mean(np.linspace(-4, 4, 50))) > 0)


def test_the_simulated_answers_follow_the_keys() -> None:
    """Reverse-keyed items run against their facet, and relscales keys them back."""
    sim = study()["reflective"]
    for facet in sim.facet_ids:
        value = sim.columns[facet]
        ok = ~np.isnan(value)
        assert np.corrcoef(value[ok], sim.true[facet][ok])[0, 1] > 0.6, facet
    assert np.all(sim.columns["flag_safety"] == False)  # noqa: E712 (object array)
    assert not np.any(sim.region == SAFETY_FIRST)
    assert np.all(sim.columns["safety_ci_high"] < CUT)  # the safety marker is low


def test_intervals_stay_in_the_scale_hold_the_score_and_have_width() -> None:
    for model, sim in study().items():
        for score in [*sim.facet_ids, *COMPOSITES, "behaviour", "impact", "safety"]:
            value, lo, hi = sim.interval(score)
            ok = ~np.isnan(value)
            applies = ~sim.first_relationship if score == "recurrence" else ok | ~ok
            assert ok[applies].mean() > 0.9, (model, score)
            assert np.all(np.isnan(lo[~ok]) & np.isnan(hi[~ok])), (model, score)
            v, lo, hi = value[ok], lo[ok], hi[ok]
            assert np.all((lo >= LOW) & (hi <= HIGH)), (model, score)
            assert np.all((lo <= v) & (v <= hi)), (model, score)
            assert np.all(hi - lo > 0.05), (model, score)


def test_recurrence_does_not_apply_in_a_first_relationship_and_the_reading_stays() -> None:
    """``cx_past = 1``: recurrence blanked whatever was answered; the index rests on eight."""
    for model, sim in study().items():
        first = sim.first_relationship
        assert 0.05 < first.mean() < 0.15, model
        assert np.all(np.isnan(sim.columns["recurrence"][first])), model
        assert np.array_equal(sim.details["recurrence.not_applicable"].astype(bool), first)
        # a first relationship is no more often without a reading than anyone else
        unread = ~sim.read
        assert unread[first].mean() <= unread[~first].mean() + 0.03, model
        assert not np.isnan(sim.columns[INTERNAL][first]).all(), model


def test_facet_coverage_is_near_95_percent_under_both_models() -> None:
    for model, sim in study().items():
        assert 0.93 <= sim.facet_coverage <= 0.97, (model, sim.facet_coverage)


def test_composite_coverage_is_near_95_percent_under_both_models() -> None:
    for model, sim in study().items():
        assert 0.93 <= sim.composite_coverage <= 0.97, (model, sim.composite_coverage)


def test_wrong_region_rate_among_determinate_readings_is_at_most_5_percent() -> None:
    for model, sim in study().items():
        assert sim.determinate.sum() >= 200, model  # enough readings for a rate
        assert sim.wrong_rate <= 0.05, (model, sim.wrong_rate)


def test_the_readings_include_determinate_regions_and_indeterminate_ones() -> None:
    for model, sim in study().items():
        read = set(sim.region[sim.determinate].tolist())
        assert {"neither", "relational"} <= read, (model, read)
        assert 0.0 < sim.indeterminate_share < 1.0, model
        assert (~sim.read).any(), model  # a facet below min_answered leaves no reading


if __name__ == "__main__":
    start = time.perf_counter()
    sims = study()
    elapsed = time.perf_counter() - start
    print(table(sims))
    print()
    print(
        f"{N_RESPONDENTS} respondents per model (seed {SEED}), 95% intervals; "
        f"simulated and scored in {elapsed:.1f} s."
    )
    print()
    print(details(sims))

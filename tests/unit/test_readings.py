"""Readings: two-axis profiles and item flags (instrument-format.md, "Derived scores").

The differential tests compare ``relscales.score`` with ``naive_readings`` below: a
deliberately plain per-respondent reference written from the documented rules
(docs/methods.md, "Intervals" and "Readings"), reading the instrument YAML itself and
sharing no code with ``relscales.scoring``:

- a subscale's interval is the Wilson interval (found by root-solving) on its 0-1 metric
  with ``n = k / phi``: ``k`` items answered, ``phi`` the respondent's own dispersion
  ``s^2 / (p (1 - p))`` (at most 1; none with fewer than two answers or at an end of the
  scale) shrunk toward 0.3 with 10 prior degrees of freedom; with a published reliability
  and a reference SD, the classical SEM's ``n`` instead;
- a composite's error variance is ``sum (w_i^2 v_i) / (sum w)^2`` with each part's
  ``v_i = span^2 c (1 - c) / n`` at the centre ``c`` of its interval; a missing optional
  part is left out; the composite's ``n`` is taken at its own centre;
- an axis is ``high`` only if the whole interval lies above the cut, ``low`` only if wholly
  below, else ``indeterminate``; under ``rule: any`` it is high if any marker is high, low
  only if all are low; a missing score gives a missing reading;
- a profile gated by a raised flag reads ``safety-first``;
- "does not apply" answers (a scale's ``not_applicable`` codes) count as unanswered, and a
  subscale whose ``applies_when`` context item is answered outside its codes is missing (a
  blank context item leaves it scored); an item flag reads ``at_least`` or ``at_most``.

RISI mechanics run on the kept RISI 0.1.1 (``risi@0.1.1``) and on the current RISI 0.2,
whose context questions, "does not apply" codes and optional facets the reference follows;
the RISI content tests (keyed extremes, the cut, optional recurrence) use RISI 0.2.
"""

from __future__ import annotations

import copy
import csv
import math
import statistics
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import yaml
from tests.reference_intervals import sem_n, wilson_naive
from typer.testing import CliRunner

import relscales
from relscales.cli import app
from relscales.instruments.loader import load_instrument_data
from relscales.pipeline.score import compile_ref, score_compiled
from relscales.scoring.compile import compile_instrument
from relscales.scoring.options import ScoreOptions
from relscales.scoring.readings import INDETERMINATE, SAFETY_FIRST, axis_levels, flag_state

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENTS = ROOT / "instruments"
Z95 = statistics.NormalDist().inv_cdf(0.975)
PHI0, D0 = 0.28, 10.0

Row = dict[str, float | None]


RISI_VERSIONS = ["risi@0.1.1", "risi"]


def load_spec(instrument_id: str) -> dict[str, Any]:
    """The file of ``ID`` (current) or ``ID@VERSION`` (kept, in ``instruments/versions``)."""
    if "@" in instrument_id:
        name, version = instrument_id.split("@")
        path = INSTRUMENTS / "versions" / f"{name}-{version}.yaml"
    else:
        path = INSTRUMENTS / f"{instrument_id}.yaml"
    with path.open(encoding="utf-8") as stream:
        spec: dict[str, Any] = yaml.safe_load(stream)
    return spec


# ---------------------------------------------------------------------------------------------
# The naive reference implementation
# ---------------------------------------------------------------------------------------------


def _min_count(value: float | int, n_items: int) -> int:
    if isinstance(value, float):  # a fraction of the items
        return max(1, math.ceil(value * n_items - 1e-9))
    return int(value)


def _classical_sem(score_spec: dict[str, Any]) -> tuple[float, float] | None:
    """(SEM, reference mean) when the score declares a reliability and a reference SD."""
    published = score_spec.get("published") or {}
    reliability = published.get("alpha", published.get("omega"))
    norms = score_spec.get("norms") or []
    if reliability is None or not norms:
        return None
    return float(norms[0]["sd"]) * math.sqrt(1.0 - float(reliability)), float(norms[0]["mean"])


def naive_level(low: float, high: float, cut: float) -> str | None:
    if math.isnan(low):
        return None
    if low > cut:
        return "high"
    if high < cut:
        return "low"
    return INDETERMINATE


def naive_answer(spec: dict[str, Any], item: dict[str, Any], raw: float | None) -> float | None:
    """The answer as scored: None for a blank or a "does not apply" code."""
    scale = spec["response_scales"][item["scale"]]
    if raw is None or raw in scale.get("not_applicable", []):
        return None
    return raw


def naive_flag(spec: dict[str, Any], flag: dict[str, Any], row: Row) -> bool | None:
    items = {item["id"]: item for item in spec["items"]}
    answers = [naive_answer(spec, items[i], row[i]) for i in flag["when"]["items"]]
    when = flag["when"]
    if "at_most" in when:
        met = [a is not None and a <= when["at_most"] for a in answers]
    else:
        met = [a is not None and a >= when["at_least"] for a in answers]
    if any(met):
        return True
    return False if all(a is not None for a in answers) else None


def naive_readings(spec: dict[str, Any], row: Row, level: float = 0.95) -> dict[str, Any]:
    """Score one respondent by hand: every score, its interval, and every profile reading.

    ``row`` maps item id -> raw answer (None = missing). Only unit item weights, mean
    subscales on one response scale, and raw (not standardized, not mirrored) mean
    composites are supported: what RISI and ECR-R use.
    """
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    items = {item["id"]: item for item in spec["items"]}
    scores: dict[str, float] = {}
    bounds: dict[str, tuple[float, float]] = {}
    ivs: dict[str, tuple[float, float]] = {}
    var: dict[str, float] = {}
    centre: dict[str, float] = {}
    for sub in spec["subscales"]:
        assert sub.get("score", "mean") == "mean", "naive reference: mean subscales only"
        keyed: list[float] = []
        values = spec["response_scales"][items[sub["items"][0]]["scale"]]["values"]
        low, high = float(min(values)), float(max(values))
        applies = True
        if sub.get("applies_when"):  # a blank context item leaves the subscale scored
            context = row[sub["applies_when"]["item"]]
            applies = context is None or context in sub["applies_when"]["in"]
        for item_id in sub["items"]:
            raw = naive_answer(spec, items[item_id], row[item_id])
            if raw is None or not applies:
                continue
            keyed.append(low + high - raw if items[item_id].get("reverse") else raw)
        n = len(keyed)
        need = _min_count(sub.get("min_answered", 1), len(sub["items"]))
        score = sum(keyed) / n if n and n >= need else math.nan
        scores[sub["id"]], bounds[sub["id"]] = score, (low, high)
        classical = _classical_sem(sub)
        if classical is not None:
            n_eff = sem_n(classical[0], classical[1], low, high)
        else:
            p = (score - low) / (high - low) if not math.isnan(score) else math.nan
            phi = PHI0
            if n >= 2 and 0 < p < 1:
                scaled = [(v - low) / (high - low) for v in keyed]
                s2 = statistics.variance(scaled)
                own = min(s2 / (p * (1 - p)), 1.0)
                phi = (D0 * PHI0 + (n - 1) * own) / (D0 + n - 1)
            n_eff = n / phi if n else math.nan
        lo, hi = wilson_naive(score, n_eff, low, high, z)
        ivs[sub["id"]] = (lo, hi)
        c = (lo + hi) / 2  # the midpoint of the Wilson interval is its centre
        centre[sub["id"]] = c
        pc = (c - low) / (high - low)
        var[sub["id"]] = (high - low) ** 2 * pc * (1 - pc) / n_eff if n else math.nan
    for comp in spec.get("composites", []):
        assert not comp.get("standardized"), "naive reference: raw composites only"
        assert comp.get("method", "mean") == "mean", "naive reference: mean composites only"
        total = weight_sum = squares = centres = lo_sum = hi_sum = 0.0
        missing = False
        for part in comp["parts"]:
            assert not part.get("reverse"), "naive reference: no mirrored parts"
            name, weight = part["score"], float(part.get("weight", 1))
            lo_sum += weight * bounds[name][0]
            hi_sum += weight * bounds[name][1]
            if math.isnan(scores[name]):
                missing = missing or not part.get("optional", False)
                continue
            total += weight * scores[name]
            centres += weight * centre[name]
            squares += weight * weight * var[name]
            weight_sum += weight
        full = sum(float(p.get("weight", 1)) for p in comp["parts"])
        low, high = lo_sum / full, hi_sum / full
        bounds[comp["id"]] = (low, high)
        if missing or weight_sum == 0:
            scores[comp["id"]] = math.nan
            ivs[comp["id"]] = (math.nan, math.nan)
            var[comp["id"]] = centre[comp["id"]] = math.nan
            continue
        score = total / weight_sum
        scores[comp["id"]] = score
        variance = squares / weight_sum**2
        pc = (centres / weight_sum - low) / (high - low)
        n_eff = pc * (1 - pc) * (high - low) ** 2 / variance
        lo, hi = wilson_naive(score, n_eff, low, high, z)
        ivs[comp["id"]] = (lo, hi)
        centre[comp["id"]] = (lo + hi) / 2
        pcc = (centre[comp["id"]] - low) / (high - low)
        var[comp["id"]] = (high - low) ** 2 * pcc * (1 - pcc) / n_eff
    flags = {f["id"]: naive_flag(spec, f, row) for f in spec.get("flags", [])}
    profiles: dict[str, dict[str, Any]] = {}
    for prof in spec.get("profiles", []):
        levels = []
        margin = math.inf  # how close an interval end lies to a cut (floating-point ties)
        for axis in (prof["x"], prof["y"]):
            judged = (
                [
                    (m, axis["cut"])
                    if isinstance(m, str)
                    else (m["score"], m.get("cut", axis["cut"]))
                    for m in axis["markers"]
                ]
                if axis.get("rule") == "any"
                else [(axis["score"], axis["cut"])]
            )
            each = []
            for name, cut in judged:
                lo, hi = ivs[name]
                each.append(naive_level(lo, hi, float(cut)))
                if not math.isnan(lo):
                    margin = min(margin, abs(lo - cut), abs(hi - cut))
            if axis.get("rule") == "any":
                if "high" in each:
                    level: str | None = "high"
                elif all(e == "low" for e in each):
                    level = "low"
                elif all(e is None for e in each):
                    level = None
                else:
                    level = INDETERMINATE
            else:
                level = each[0]
            levels.append(level)
        x_level, y_level = levels
        if x_level is None or y_level is None:
            region = None
        elif INDETERMINATE in (x_level, y_level):
            region = INDETERMINATE
        else:
            region = prof["regions"][f"{x_level}-{y_level}"]
        if any(flags[f] is True for f in prof.get("gated_by", [])):
            region = SAFETY_FIRST
        profiles[prof["id"]] = {
            "region": region,
            "x_level": x_level,
            "y_level": y_level,
            "margin": margin,
        }
    return {"scores": scores, "intervals": ivs, "profiles": profiles, "flags": flags}


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


def item_ids(spec: dict[str, Any]) -> list[str]:
    return [item["id"] for item in spec["items"]]


def to_raw(spec: dict[str, Any], item_id: str, keyed: int) -> int:
    """The raw answer that keys to ``keyed`` (reverse-keyed items answered at the other end)."""
    item = next(i for i in spec["items"] if i["id"] == item_id)
    values = spec["response_scales"][item["scale"]]["values"]
    return min(values) + max(values) - keyed if item.get("reverse") else keyed


def random_rows(spec: dict[str, Any], n: int, seed: int) -> list[Row]:
    """Respondents of several kinds: a keyed tendency per subscale with person-level noise,
    uniform noise, straight-liners, and heavy missingness (some below ``min_answered``).

    Where the instrument has them (RISI 0.2), context items get any code of their scale or
    a blank, and items whose scale offers "does not apply" get it now and then (more often
    for some respondents), so optional facets and ``applies_when`` are exercised.
    """
    rng = np.random.default_rng(seed)
    ids = item_ids(spec)
    items = {item["id"]: item for item in spec["items"]}
    scored = [item for item in spec["items"] if not item.get("context")]
    scale = spec["response_scales"][scored[0]["scale"]]["values"]
    low, high = min(scale), max(scale)
    subscale_of = {i: sub["id"] for sub in spec["subscales"] for i in sub["items"]}
    has_na = any(s.get("not_applicable") for s in spec["response_scales"].values())
    rows: list[Row] = []
    for _ in range(n):
        kind = rng.choice(["tendency", "tendency", "tendency", "uniform", "straight"])
        p_missing = float(rng.choice([0.0, 0.0, 0.05, 0.3, 0.9]))
        centre = {sub["id"]: rng.uniform(low, high) for sub in spec["subscales"]}
        spread = rng.uniform(0.0, 1.5)
        straight = int(rng.integers(low, high + 1))
        p_na = float(rng.choice([0.0, 0.05, 0.5, 1.0])) if has_na else 0.0
        row: Row = {}
        for item_id in ids:
            item_scale = spec["response_scales"][items[item_id]["scale"]]
            if items[item_id].get("context"):
                codes = [None, *item_scale["values"]]
                code = codes[int(rng.integers(0, len(codes)))]
                row[item_id] = None if code is None else float(code)
                continue
            if kind == "uniform":
                keyed = int(rng.integers(low, high + 1))
            elif kind == "straight":
                keyed = straight
            else:
                noisy = centre[subscale_of[item_id]] + rng.normal(0.0, spread)
                keyed = int(np.clip(np.rint(noisy), low, high))
            raw = keyed if kind == "straight" else to_raw(spec, item_id, keyed)
            row[item_id] = None if rng.random() < p_missing else float(raw)
            if item_scale.get("not_applicable") and rng.random() < p_na:
                row[item_id] = float(item_scale["not_applicable"][0])
        rows.append(row)
    return rows


def quiet_safety(rows: list[Row], seed: int) -> list[Row]:
    """Most respondents answer every safety item "Not at all true" (1), as most people do;
    the others keep their random (mostly raised) or missing safety answers."""
    rng = np.random.default_rng(seed + 1000)
    for row in rows:
        if rng.random() < 0.75:
            for item_id in [k for k in row if k.startswith("sf_")]:
                row[item_id] = 1.0
    return rows


def columns_of(spec: dict[str, Any], rows: list[Row]) -> dict[str, list[Any]]:
    data: dict[str, list[Any]] = {"id": [f"r{i}" for i in range(len(rows))]}
    for item_id in item_ids(spec):
        data[item_id] = [row[item_id] for row in rows]
    return data


def profile_ids(spec: dict[str, Any]) -> list[str]:
    return [p["id"] for p in spec["profiles"]]


def compare_with_naive(spec: dict[str, Any], instrument: Any, rows: list[Row]) -> None:
    data = columns_of(spec, rows)
    public = relscales.score(instrument, data, with_ci=True)
    compiled = instrument if not isinstance(instrument, str) else compile_ref(instrument, ())
    detailed = score_compiled([compiled], data, ScoreOptions(details=True))
    ties = 0
    for i, row in enumerate(rows):
        expected = naive_readings(spec, row)
        for name, value in expected["scores"].items():
            got = float(public.scores[name][i])
            assert (math.isnan(got) and math.isnan(value)) or got == pytest.approx(
                value, abs=1e-12
            ), (i, name)
            want_lo, want_hi = expected["intervals"][name]
            for key, want in (("ci_low", want_lo), ("ci_high", want_hi)):
                got_ci = float(public.columns[f"{name}_{key}"][i])
                same = float(detailed.details[f"{name}.{key}"][i])
                assert (math.isnan(got_ci) and math.isnan(want)) or abs(got_ci - want) <= 1e-9, (
                    i,
                    name,
                    key,
                    got_ci,
                    want,
                )
                assert (math.isnan(same) and math.isnan(got_ci)) or same == got_ci
        for prof_id, reading in expected["profiles"].items():
            if 0 <= reading["margin"] < 1e-9:  # an interval end within rounding of the cut
                ties += 1
                continue
            assert public.columns[prof_id][i] == reading["region"], (i, prof_id, row)
            assert detailed.columns[prof_id][i] == reading["region"]
            assert detailed.details[f"{prof_id}.x_level"][i] == reading["x_level"]
            assert detailed.details[f"{prof_id}.y_level"][i] == reading["y_level"]
    assert ties <= len(rows) // 50


# ---------------------------------------------------------------------------------------------
# Differential tests against the naive reference
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ecr_r_attachment_style_equals_naive(seed: int) -> None:
    spec = load_spec("ecr-r")
    rows = random_rows(spec, 300, seed)
    compare_with_naive(spec, "ecr-r", rows)
    regions = set(relscales.score("ecr-r", columns_of(spec, rows)).columns["attachment_style"])
    # the data reach every region, the indeterminate reading and the missing one
    assert regions >= {"secure", "preoccupied", "dismissing", "fearful", INDETERMINATE, None}


@pytest.mark.parametrize("ref", RISI_VERSIONS)
@pytest.mark.parametrize("seed", [4, 5, 6])
def test_risi_insecurity_source_equals_naive(seed: int, ref: str) -> None:
    spec = load_spec(ref)
    rows = quiet_safety(random_rows(spec, 400, seed), seed)
    # few random respondents are clearly low on every relationship marker: add some who are
    rng = np.random.default_rng(seed)
    for _ in range(20):
        internal = int(rng.choice([1, 4, 5]))
        rows.append(
            {
                i: 3.0  # context: past partners, one to three years, most days
                if i.startswith("cx_")
                else float(to_raw(spec, i, internal if i.startswith(("ip_", "bh_")) else 1))
                for i in item_ids(spec)
            }
        )
    compare_with_naive(spec, ref, rows)
    regions = set(relscales.score(ref, columns_of(spec, rows)).columns["insecurity_source"])
    assert regions >= {
        "internal",
        "relational",
        "both",
        "neither",
        INDETERMINATE,
        SAFETY_FIRST,
        None,
    }


def test_classical_sem_is_used_where_published_reliability_and_norms_exist() -> None:
    """Anxiety with norms and a published alpha takes the classical SEM; avoidance does not."""
    spec = copy.deepcopy(load_spec("ecr-r"))
    spec["id"] = "ecr-r-normed"
    anxiety = next(s for s in spec["subscales"] if s["id"] == "anxiety")
    anxiety["published"] = {"alpha": 0.93, "source": "test value"}
    anxiety["norms"] = [{"group": "test", "mean": 3.6, "sd": 1.1, "n": 1000, "source": "test"}]
    compiled = compile_instrument(load_instrument_data(copy.deepcopy(spec)))
    rows = random_rows(spec, 200, 7)
    compare_with_naive(spec, compiled, rows)
    result = score_compiled([compiled], columns_of(spec, rows), ScoreOptions(details=True))
    n = sem_n(1.1 * math.sqrt(0.07), 3.6, 1, 7)
    for i, score in enumerate(result.scores["anxiety"].tolist()):
        low, high = wilson_naive(score, n, 1, 7, Z95)
        got = result.details["anxiety.ci_low"][i], result.details["anxiety.ci_high"][i]
        assert (math.isnan(low) and math.isnan(got[0])) or got == pytest.approx((low, high))


@pytest.mark.parametrize("ref", RISI_VERSIONS)
def test_confidence_level_widens_the_intervals(ref: str) -> None:
    """A higher level never makes a reading determinate that was indeterminate."""
    spec = load_spec(ref)
    data = columns_of(spec, random_rows(spec, 300, 8))
    compiled = compile_ref(ref, ())
    r95 = score_compiled([compiled], data, ScoreOptions(details=True))
    r99 = score_compiled([compiled], data, ScoreOptions(details=True, confidence_level=0.99))
    for i in range(300):
        if r95.columns["insecurity_source"][i] == INDETERMINATE:
            assert r99.columns["insecurity_source"][i] == INDETERMINATE
        low99 = float(r99.details["internal_pattern.ci_low"][i])
        high99 = float(r99.details["internal_pattern.ci_high"][i])
        if not math.isnan(low99):
            assert low99 <= float(r95.details["internal_pattern.ci_low"][i]) + 1e-12
            assert high99 >= float(r95.details["internal_pattern.ci_high"][i]) - 1e-12
        assert r99.details["insecurity_source.x_level"][i] == naive_level(low99, high99, 3.0)


# ---------------------------------------------------------------------------------------------
# axis_levels and flag_state
# ---------------------------------------------------------------------------------------------


def test_axis_levels_interval_rule() -> None:
    score = np.array([2.0, 4.0, 3.1, 3.0, np.nan, 3.5, 2.5])
    low = np.array([1.8, 3.8, 2.9, 2.6, np.nan, 3.0, 2.0])
    high = np.array([2.2, 4.2, 3.3, 3.4, np.nan, 4.0, 3.0])
    got = axis_levels(score, low, high, 3.0).tolist()
    assert got == [
        "low",
        "high",
        INDETERMINATE,  # the interval 2.9-3.3 straddles the cut
        INDETERMINATE,  # exactly at the cut
        None,  # missing score
        INDETERMINATE,  # interval 3.0-4.0 touches the cut
        INDETERMINATE,  # interval 2.0-3.0 touches the cut
    ]


def test_axis_levels_missing_score_is_missing_whatever_the_interval() -> None:
    nan = np.array([np.nan, np.nan])
    assert axis_levels(nan, np.array([1.0, np.nan]), np.array([2.0, np.nan]), 3.0).tolist() == [
        None,
        None,
    ]


def test_rule_any_one_clear_marker_is_enough_and_a_gap_never_reads_low() -> None:
    from relscales.scoring.readings import marker_levels

    quiet = np.array([1.2, 1.2, 1.2, 1.2, np.nan])
    loud = np.array([4.6, 1.2, 3.0, np.nan, np.nan])
    got = marker_levels(
        [quiet, loud], [quiet - 0.3, loud - 0.3], [quiet + 0.3, loud + 0.3], [3.0, 3.0]
    ).tolist()
    # one loud marker; both quiet -> low; straddling -> cannot tell; a missing marker
    # cannot be read as low; all missing -> missing
    assert got == ["high", "low", INDETERMINATE, INDETERMINATE, None]


def test_gate_replaces_every_reading_where_the_flag_is_raised() -> None:
    from relscales.scoring.readings import gate

    label = np.array(["internal", None, INDETERMINATE, "both"], dtype=object)
    flag = np.array([True, True, None, False], dtype=object)
    assert gate(label, [flag]).tolist() == [SAFETY_FIRST, SAFETY_FIRST, INDETERMINATE, "both"]


def _flag(items: list[int], at_least: float) -> Any:
    return SimpleNamespace(items=np.array(items), at_least=at_least)


def test_flag_state_true_false_unknown() -> None:
    nan = np.nan
    x = np.array(
        [
            [1.0, 2.0, 1.0],  # one item at the threshold: raised
            [nan, 5.0, nan],  # raised whatever is missing
            [1.0, 1.0, 1.0],  # every item answered below: not raised
            [1.0, nan, 1.0],  # one unanswered, none raised: unknown
            [nan, nan, nan],  # nothing answered: unknown
            [1.9, 1.0, 1.0],  # below the threshold
            [9.0, 1.0, 1.0],  # the first item is not listed
        ]
    )
    assert flag_state(x, _flag([1, 2], 2.0)).tolist() == [
        True,
        True,
        False,
        None,
        None,
        False,
        False,
    ]
    assert flag_state(x, _flag([0, 1, 2], 2.0)).tolist()[-1] is True


def test_flag_state_on_no_respondents() -> None:
    assert flag_state(np.empty((0, 3)), _flag([0], 2.0)).tolist() == []


def test_item_flag_reads_raw_answers_before_reverse_keying() -> None:
    """A flag on a reverse-keyed item looks at the answer given, not the keyed value."""
    spec = {
        "relscales": 1,
        "id": "flagged",
        "version": "1.0.0",
        "name": "Flag test",
        "abbreviation": "FT",
        "domain": "other",
        "license": {"name": "CC0", "item_text": "not-included"},
        "validation": {"status": "experimental", "evidence": []},
        "response_scales": {"five": {"values": [1, 2, 3, 4, 5]}},
        "items": [
            {"id": "a", "label": "a", "scale": "five", "reverse": True},
            {"id": "b", "label": "b", "scale": "five"},
        ],
        "subscales": [{"id": "total", "name": "Total", "items": ["a", "b"], "score": "mean"}],
        "flags": [
            {
                "id": "high_a",
                "when": {"items": ["a"], "at_least": 4},
                "message": {"en": "a was answered 4 or more"},
            }
        ],
    }
    compiled = compile_instrument(load_instrument_data(spec))
    result = relscales.score(compiled, {"a": [4, 2, None, 5], "b": [1, 5, 5, None]})
    # raw 4 keys to 2, raw 2 keys to 4: the raw answer decides
    assert result.columns["flag_high_a"].tolist() == [True, False, None, True]


# ---------------------------------------------------------------------------------------------
# Corner cases: keyed extremes land in the named regions, a respondent at the cut does not
# ---------------------------------------------------------------------------------------------

ECR_CASES = {
    # (anxiety keyed, avoidance keyed) -> region; x = avoidance, y = anxiety
    "secure": (1, 1),
    "preoccupied": (7, 1),
    "dismissing": (1, 7),
    "fearful": (7, 7),
}


def _ecr_row(spec: dict[str, Any], anxiety: int, avoidance: int) -> Row:
    keyed = {
        item_id: (anxiety if sub["id"] == "anxiety" else avoidance)
        for sub in spec["subscales"]
        for item_id in sub["items"]
    }
    return {item_id: float(to_raw(spec, item_id, keyed[item_id])) for item_id in keyed}


def test_ecr_r_keyed_extremes_land_in_each_region() -> None:
    spec = load_spec("ecr-r")
    rows = [_ecr_row(spec, *ECR_CASES[name]) for name in ECR_CASES]
    # reverse-keyed items really are answered at the opposite end
    assert rows[0]["ecrr09"] == 7.0
    assert rows[0]["ecrr01"] == 1.0
    assert rows[0]["ecrr20"] == 7.0
    assert rows[0]["ecrr19"] == 1.0
    result = relscales.score("ecr-r", columns_of(spec, rows))
    assert result.columns["attachment_style"].tolist() == list(ECR_CASES)
    assert result.scores["anxiety"].tolist() == [1.0, 7.0, 1.0, 7.0]
    assert result.scores["avoidance"].tolist() == [1.0, 1.0, 7.0, 7.0]


def test_ecr_r_all_answers_at_the_midpoint_are_indeterminate() -> None:
    """Every item answered 4: both scores exactly at the cut, SE 0, still indeterminate."""
    spec = load_spec("ecr-r")
    rows = [dict.fromkeys(item_ids(spec), 4.0), _ecr_row(spec, 4, 1), _ecr_row(spec, 7, 4)]
    compiled = compile_ref("ecr-r", ())
    result = score_compiled([compiled], columns_of(spec, rows), ScoreOptions(details=True))
    assert result.scores["anxiety"].tolist() == [4.0, 4.0, 7.0]
    # alike answers do not make the interval collapse: it keeps a width and the score
    low, high = result.details["anxiety.ci_low"], result.details["anxiety.ci_high"]
    assert (high - low > 0.3).all()
    assert (low <= result.scores["anxiety"]).all()
    assert (result.scores["anxiety"] <= high).all()
    assert result.columns["attachment_style"].tolist() == [INDETERMINATE] * 3
    ind = INDETERMINATE
    assert result.details["attachment_style.x_level"].tolist() == [ind, "low", ind]
    assert result.details["attachment_style.y_level"].tolist() == [ind, ind, "high"]


RISI_CASES = {
    # (internal-pattern keyed, relationship-signal keyed) -> region
    "internal": (5, 1),
    "relational": (1, 5),
    "both": (5, 5),
    "neither": (1, 1),
}


def _risi_row(spec: dict[str, Any], internal: int, signal: int, behaviour: int = 3) -> Row:
    """A RISI 0.2 respondent: keyed levels per group, no safety concern, seek-help questions
    "Not at all true", and context answers that raise no flag (past partners, together one
    to three years, the partner part of daily life)."""
    row: Row = {}
    for item_id in item_ids(spec):
        prefix = item_id.split("_")[0]
        if prefix in ("sf", "sh"):
            row[item_id] = 1.0
            continue
        if prefix == "cx":
            row[item_id] = 3.0
            continue
        keyed = {"ip": internal, "rs": signal, "bh": behaviour}[prefix]
        row[item_id] = float(to_raw(spec, item_id, keyed))
    return row


def test_risi_keyed_extremes_land_in_each_region() -> None:
    spec = load_spec("risi")
    assert spec["version"].startswith("0.2.")
    rows = [_risi_row(spec, *RISI_CASES[name]) for name in RISI_CASES]
    assert rows[0]["ip_rec6"] == 1.0  # reverse-keyed
    assert rows[0]["ip_rec4"] == 5.0
    assert rows[0]["rs_bet4"] == 5.0  # reverse-keyed, signal keyed 1
    result = relscales.score("risi", columns_of(spec, rows))
    assert result.columns["insecurity_source"].tolist() == list(RISI_CASES)
    assert result.columns["flag_safety"].tolist() == [False] * 4
    for flag in spec["flags"]:
        assert result.columns[f"flag_{flag['id']}"].tolist() == [False] * 4, flag["id"]


def test_risi_at_the_cut_is_indeterminate() -> None:
    spec = load_spec("risi")
    rows = [_risi_row(spec, 3, 3), _risi_row(spec, 3, 5), _risi_row(spec, 1, 3)]
    compiled = compile_ref("risi", ())
    result = score_compiled([compiled], columns_of(spec, rows), ScoreOptions(details=True))
    assert result.scores["internal_pattern"].tolist() == [3.0, 3.0, 1.0]
    assert (result.details["internal_pattern.ci_low"][:2] < 3).all()
    assert (result.details["internal_pattern.ci_high"][:2] > 3).all()
    assert result.columns["insecurity_source"].tolist() == [INDETERMINATE] * 3
    ind = INDETERMINATE
    assert result.details["insecurity_source.x_level"].tolist() == [ind, ind, "low"]
    assert result.details["insecurity_source.y_level"].tolist() == [ind, "high", ind]


def test_risi_without_recurrence_reads_from_the_other_internal_facets() -> None:
    """A first relationship: recurrence left blank, or ruled out by ``cx_past = 1`` whatever
    its items say (optional either way); the reading still comes."""
    spec = load_spec("risi")
    blank = _risi_row(spec, 5, 1)
    blank["ip_rec4"] = blank["ip_rec5"] = blank["ip_rec6"] = None
    declared = _risi_row(spec, 5, 1)
    declared["cx_past"] = 1.0  # "No, this is my first partner"
    declared["ip_rec4"], declared["ip_rec5"], declared["ip_rec6"] = 1.0, 1.0, 5.0  # keyed 1
    result = relscales.score("risi", columns_of(spec, [blank, declared]))
    assert np.isnan(result.scores["recurrence"]).all()
    assert result.scores["internal_pattern"].tolist() == [5.0, 5.0]
    assert result.columns["insecurity_source"].tolist() == ["internal", "internal"]


def test_risi_fading_reassurance_that_does_not_apply_is_left_out() -> None:
    """Both optional facets missing: the index is the mean of the seven others."""
    spec = load_spec("risi")
    row = _risi_row(spec, 5, 1)
    row["cx_past"] = 1.0
    row["ip_fad4"] = row["ip_fad5"] = row["ip_fad6"] = 9.0  # "Does not apply"
    row["ip_opp5"] = row["ip_opp6"] = 4.0  # keyed (4 + 4 + 5) / 3 = 13 / 3
    result = relscales.score("risi", columns_of(spec, [row]), with_counts=True)
    assert math.isnan(result.scores["fading_reassurance"][0])
    assert result.columns["fading_reassurance_n_not_applicable"].tolist() == [3]
    assert result.scores["internal_pattern"][0] == pytest.approx((6 * 5 + 13 / 3) / 7)
    assert result.columns["insecurity_source"].tolist() == ["internal"]


def test_risi_another_facet_below_min_answered_makes_the_reading_missing() -> None:
    spec = load_spec("risi")
    row = _risi_row(spec, 5, 1)
    row["ip_old4"] = row["ip_old5"] = None  # old_fears needs 2 of its 3 items, not optional
    result = relscales.score("risi", columns_of(spec, [row]))
    assert math.isnan(result.scores["internal_pattern"][0])
    assert result.columns["insecurity_source"].tolist() == [None]


# ---------------------------------------------------------------------------------------------
# --explain: flags and their resources come before any score
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def risi_endorsed_csv(tmp_path: Path) -> Path:
    spec = load_spec("risi")
    rows = [_risi_row(spec, 5, 1), _risi_row(spec, 1, 5)]
    rows[1]["sf_control"] = 2.0  # "A little true": raises the flag
    rows[1]["sf_harm"] = None
    path = tmp_path / "risi.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", *item_ids(spec)])
        for i, row in enumerate(rows):
            writer.writerow([f"p{i}", *("" if v is None else int(v) for v in row.values())])
    return path


def _explain(path: Path, *extra: str) -> list[str]:
    result = CliRunner().invoke(app, ["score", str(path), "-i", "risi", "--explain", "p1", *extra])
    assert result.exit_code == 0, result.output
    lines: list[str] = result.stdout.splitlines()
    return lines


def _first(lines: list[str], needle: str) -> int:
    return next(i for i, line in enumerate(lines) if needle in line)


def test_explain_shows_the_safety_flag_and_resources_before_any_score(
    risi_endorsed_csv: Path,
) -> None:
    lines = _explain(risi_endorsed_csv)
    flag = _first(lines, "URGENT flag_safety")
    hotline = _first(lines, "National Domestic Violence Hotline - 1-800-799-7233")
    local = _first(lines, "Local emergency services")
    score_lines = [i for i, line in enumerate(lines) if " = " in line]
    assert score_lines, "no score line in the explanation"
    first_score = min(score_lines)
    assert flag < hotline < first_score
    assert flag < local < first_score
    assert "you may not feel safe" in lines[flag]
    assert lines.index("Flags (read these first):") < flag
    # and the profile reading comes later still
    assert _first(lines, "Where the insecurity seems to come from") > first_score


def test_explain_default_locale_keeps_local_emergency_services_only(
    risi_endorsed_csv: Path,
) -> None:
    lines = _explain(risi_endorsed_csv, "--locale", "default")
    text = "\n".join(lines)
    assert "1-800-799-7233" not in text
    assert "National Domestic Violence Hotline" not in text
    local = _first(lines, "Local emergency services")
    assert _first(lines, "URGENT flag_safety") < local < _first(lines, " = ")


def test_explain_flag_not_raised(risi_endorsed_csv: Path) -> None:
    result = CliRunner().invoke(
        app, ["score", str(risi_endorsed_csv), "-i", "risi", "--explain", "p0"]
    )
    assert result.exit_code == 0
    assert "flag_safety: not raised" in result.stdout
    assert "Local emergency services" not in result.stdout
    assert "internal" in result.stdout.split("Where the insecurity seems to come from: ")[1]


# ---------------------------------------------------------------------------------------------
# Classification functions (method: functions), e.g. Brennan et al. (1998) on the ECR
# ---------------------------------------------------------------------------------------------


def _ecr_straight(avoidance: int, anxiety: int) -> dict[str, list[int]]:
    inst = relscales.load_instrument("ecr")
    row: dict[str, list[int]] = {}
    for n, item in enumerate(inst.items, start=1):
        target = avoidance if n % 2 == 1 else anxiety  # avoidance odd, anxiety even
        row[item.id] = [8 - target if item.reverse else target]
    return row


@pytest.mark.parametrize(
    ("avoidance", "anxiety", "category"),
    [(1, 1, "secure"), (1, 7, "preoccupied"), (7, 1, "dismissing"), (7, 7, "fearful")],
)
def test_brennan_functions_at_the_corners(avoidance: int, anxiety: int, category: str) -> None:
    result = relscales.score("ecr", _ecr_straight(avoidance, anxiety))
    assert result.columns["attachment_style_brennan"].tolist() == [category]


def test_functions_by_hand_and_indeterminate_near_a_boundary() -> None:
    from relscales.scoring.compile import compile_instrument
    from relscales.scoring.readings import classify_functions

    prof = next(
        p for p in compile_instrument(relscales.load_instrument("ecr")).profiles if p.functions
    )
    # at (4, 4): secure 23.52, fearful 29.30, preoccupied 26.08, dismissing 26.99 -> fearful
    x, y = np.array([4.0, 4.0, np.nan]), np.array([4.0, 4.0, 4.0])
    half = np.array([0.0, 1.2, 0.0])
    label, _, _ = classify_functions(x, x - half, x + half, y, y - half, y + half, prof)
    # with an interval of +/-1.2 on both scores the lower-left corner (2.8, 2.8) is
    # preoccupied/secure territory, so the reading is indeterminate; a missing score is missing
    assert label.tolist() == ["fearful", INDETERMINATE, None]


def test_functions_profile_needs_two_functions(tmp_path: Path) -> None:
    text = (ROOT / "instruments" / "ecr.yaml").read_text()
    start = text.index("      fearful: {x: 7.2371075")
    end = text.index("    source: >-\n      Brennan")
    broken = tmp_path / "ecr-one.yaml"
    broken.write_text(text[:start] + text[end:])
    report = relscales.validate_file(broken)
    assert [(i.code, i.location.path) for i in report.issues] == [
        ("missing-key", "profiles[1].functions")
    ]

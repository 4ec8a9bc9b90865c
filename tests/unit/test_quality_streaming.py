"""``--with-quality`` streams: two passes over the data give the in-memory screen row for row.

The first pass accumulates mergeable statistics (item sums and cross-products, count
tables for ``Gnormed.poly``), the second screens each batch. Differential tests: a file
scored in many small batches against (a) the same file in one batch and (b) the screen
computed on the whole answer matrix at once (:func:`screen_answers`,
:func:`person_fit_answers`, and the label rule written out here row by row). Every index
agrees to 1e-12, every flag and label exactly. The data have missing cells, rows with no
answer at all, random responders, straight-liners, failed and skipped attention checks
and fast respondents; one instrument declares a graded response model and an attention
check, the others do not.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from numpy.testing import assert_allclose, assert_array_equal

import relscales
from relscales.instruments.loader import load_instrument
from relscales.io.sources import open_source
from relscales.io.tabular import Source
from relscales.pipeline.run import ScoringRun
from relscales.pipeline.score import score_compiled
from relscales.quality import QualityResult, reason_names
from relscales.scoring.compile import CompiledInstrument, compile_instrument
from relscales.scoring.options import ScoreOptions
from relscales.scoring.screening import (
    InstrumentScreen,
    ScreenedBatch,
    person_fit_answers,
    quality_labels,
    screen_answers,
)

INDEX_FIELDS = (
    "longstring",
    "avgstring",
    "irv",
    "mahalanobis",
    "mahalanobis_p",
    "even_odd",
    "psychsyn",
    "psychant",
    "attention_failed",
    "seconds_per_item",
)
TOL = 1e-12
N = 360
TOUR = Path(__file__).parents[2] / "examples" / "instruments" / "format-tour.yaml"


def small_batches(source: Source, **sizes: int) -> Source:
    """Make ``source`` yield small batches (``ScoringRun`` asks with the default sizes)."""
    source.batches = functools.partial(Source.batches, source, **sizes)  # type: ignore[method-assign, arg-type]
    return source


def irt_instrument(rng: np.random.Generator) -> dict[str, Any]:
    """Twelve 1-5 items: a modelled subscale (lz*p), an unmodelled one (Gnormed.poly), a check."""
    items: list[dict[str, Any]] = [
        {"id": f"q{i + 1:02d}", "label": f"question {i + 1}", "scale": "agree5"}
        | ({"reverse": True} if i % 3 == 2 else {})
        for i in range(12)
    ]
    items.append(
        {
            "id": "check1",
            "label": "attention check: answer Agree",
            "scale": "agree5",
            "attention_check": {"expected": 4},
        }
    )
    modelled = [f"q{i + 1:02d}" for i in range(0, 12, 2)]
    plain = [f"q{i + 1:02d}" for i in range(1, 12, 2)]
    steps = np.array([-2.0, -0.7, 0.5, 1.8])
    irt = {
        item: {
            "slope": float(rng.uniform(1.0, 2.5)),
            "thresholds": np.sort(steps + rng.uniform(-0.5, 0.5, 4)).tolist(),
        }
        for item in modelled
    }
    return {
        "relscales": 1,
        "id": "qs-irt",
        "version": "0.1.0",
        "name": "Streaming screen test (made up)",
        "domain": "other",
        "description": "Simulated answers for a test.",
        "license": {"name": "CC0", "item_text": "not-included"},
        "validation": {"status": "experimental"},
        "response_scales": {"agree5": {"values": [1, 2, 3, 4, 5]}},
        "items": items,
        "subscales": [
            {
                "id": "alpha",
                "name": "alpha",
                "items": modelled,
                "irt": {
                    "model": "graded",
                    "items": irt,
                    "calibration": {"source": "simulated for a test", "licence": "CC0"},
                },
            },
            {"id": "beta", "name": "beta", "items": plain},
        ],
    }


def answers_for(comp: CompiledInstrument, rng: np.random.Generator, n: int) -> np.ndarray:
    """Raw answers in item order: two correlated traits, random responders, gaps, blanks."""
    k = len(comp.item_ids)
    lows = np.array([comp.scales[s].values[0] for s in comp.item_scale])
    highs = np.array([comp.scales[s].values[-1] for s in comp.item_scale])
    trait = rng.normal(size=(n, 2))
    which = np.arange(k) % 2
    level = (trait[:, which] + rng.normal(scale=0.5, size=(n, k)) + 2.0) / 4.0
    keyed = lows + np.clip(np.rint(level * (highs - lows)), 0, highs - lows)
    raw = np.where(comp.reverse, comp.offset - keyed, keyed)
    careless = rng.random(n) < 0.1
    raw[careless] = lows + rng.integers(0, 100, (int(careless.sum()), k)) % (highs - lows + 1)
    raw[3] = lows  # a straight-liner
    raw[rng.random((n, k)) < 0.04] = np.nan  # scattered missing answers
    raw[[r for r in (5, 77, 200) if r < n]] = np.nan  # respondents who answered nothing
    for j, expected in comp.attention_checks.items():
        raw[:, j] = np.where(rng.random(n) < 0.9, expected[0], raw[:, j])
    return np.asarray(raw, dtype=np.float64)


def write_csv(
    path: Path, comps: list[CompiledInstrument], blocks: list[np.ndarray], durations: np.ndarray
) -> None:
    header = ["id", "seconds"]
    cells: list[list[str]] = [[f"p{r:04d}", f"{durations[r]:g}"] for r in range(N)]
    for comp, block in zip(comps, blocks, strict=True):
        header += list(comp.columns)
        for r in range(N):
            cells[r] += ["" if np.isnan(v) else f"{v:g}" for v in block[r]]
    lines = [",".join(header)] + [",".join(row) for row in cells]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    rng = np.random.default_rng(2024)
    folder = tmp_path_factory.mktemp("stream")
    spec = folder / "qs-irt.yaml"
    spec.write_text(yaml.safe_dump(irt_instrument(rng), sort_keys=False), encoding="utf-8")
    comps = [
        compile_instrument(load_instrument(str(spec))),
        compile_instrument(load_instrument("rses")),
        compile_instrument(load_instrument(str(TOUR))),
    ]
    blocks = [answers_for(comp, rng, N) for comp in comps]
    durations = rng.uniform(20.0, 400.0, N)
    durations[rng.random(N) < 0.08] = 10.0  # under 2 s per item
    durations[11] = np.nan
    path = folder / "answers.csv"
    write_csv(path, comps, blocks, durations)
    return {"comps": comps, "path": path, "durations": durations}


def scored(comps: list[CompiledInstrument], source: Any, **options: Any) -> dict[str, np.ndarray]:
    opts = ScoreOptions(quality=True, duration_column="seconds", **options)
    return dict(score_compiled(comps, source, opts).columns)


def assert_same_columns(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> None:
    assert list(got) == list(want)
    for name, values in want.items():
        if values.dtype.kind == "f":
            assert_allclose(got[name], values, rtol=0, atol=TOL, equal_nan=True, err_msg=name)
        else:
            assert_array_equal(got[name], values, err_msg=name)


def reference_labels(
    comps: list[CompiledInstrument], careless: list[QualityResult], unusual: list[np.ndarray]
) -> list[str]:
    """The label rule, one respondent at a time (as the in-memory screen built it)."""
    out = []
    for row in range(careless[0].careless.shape[0]):
        reasons = {
            f"{comp.id}:{why}"
            for comp, res in zip(comps, careless, strict=True)
            for why in res.reasons[row]
        }
        reasons |= {
            f"{comp.id}:person_fit" for comp, u in zip(comps, unusual, strict=True) if u[row]
        }
        if any(res.careless[row] for res in careless):
            out.append(f"careless: {', '.join(sorted(reasons))}")
        elif any(u[row] for u in unusual):
            out.append(f"unusual: {', '.join(sorted(reasons))}")
        else:
            out.append("ok")
    return out


@pytest.mark.parametrize("batch_bytes", [700, 4096])
def test_streamed_csv_equals_one_batch(study: dict[str, Any], batch_bytes: int) -> None:
    comps, path = study["comps"], study["path"]
    whole = scored(comps, path)
    source = small_batches(open_source(path), batch_bytes=batch_bytes, whole_file_bytes=0)
    assert len(list(source.batches(["id"]))) >= (20 if batch_bytes == 700 else 5)
    assert_same_columns(scored(comps, source), whole)
    labels = whole["quality"].tolist()
    assert any(q.startswith("careless: ") for q in labels)
    assert any(q.startswith("unusual: ") for q in labels)
    assert "ok" in labels
    assert any("qs-irt:attention" in q for q in labels)
    assert any(":speed" in q for q in labels)


def test_streamed_screen_equals_the_in_memory_screen(study: dict[str, Any]) -> None:
    comps, path, durations = study["comps"], study["path"], study["durations"]
    source = small_batches(open_source(path), batch_bytes=900, whole_file_bytes=0)
    streamed = scored(comps, source)
    reader = ScoringRun(comps, open_source(path), ScoreOptions(problem_limit=None))
    _, matrices = reader.read_answers()
    careless, unusual = [], []
    for comp, states, answers in zip(comps, reader.states, matrices, strict=True):
        careless.append(screen_answers(comp, answers, durations))
        fit = person_fit_answers(comp, answers)
        unusual.append(fit.unusual)
        for s, (kind, values) in fit.values.items():
            name = f"{states[s].column}_{kind}"
            assert_allclose(streamed[name], values, rtol=0, atol=TOL, equal_nan=True, err_msg=name)
    assert {k for k in streamed if k.endswith(("_lz", "_gnormed"))} == {
        "alpha_lz",
        "beta_gnormed",
        "self_esteem_gnormed",
        "worry_gnormed",
    }
    assert streamed["quality"].tolist() == reference_labels(comps, careless, unusual)


def test_exclude_careless_streams_the_same(study: dict[str, Any]) -> None:
    comps, path = study["comps"], study["path"]
    whole = scored(comps, path, exclude_careless=True)
    source = small_batches(open_source(path), batch_bytes=1500, whole_file_bytes=0)
    assert_same_columns(scored(comps, source, exclude_careless=True), whole)
    careless = np.array([q.startswith("careless") for q in whole["quality"].tolist()])
    assert careless.any()
    assert np.isnan(whole["self_esteem"][careless]).all()


def test_table_in_small_batches_equals_one_batch(study: dict[str, Any]) -> None:
    comps, path = study["comps"], study["path"]
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(str(path))
    whole = dict(relscales.score(comps, table, quality=True).columns)
    source = small_batches(open_source(table), batch_rows=17)
    assert_same_columns(dict(relscales.score(comps, source, quality=True).columns), whole)


def _split(n: int, rng: np.random.Generator) -> list[slice]:
    cuts = np.sort(rng.choice(np.arange(1, n), size=rng.integers(1, 12), replace=False))
    bounds = [0, *cuts.tolist(), n]
    return [slice(a, b) for a, b in itertools.pairwise(bounds)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_instrument_screen_in_batches_equals_whole_matrix(study: dict[str, Any], seed: int) -> None:
    """Statistics of batches merged in any order, then applied batch by batch."""
    rng = np.random.default_rng(seed)
    durations = study["durations"]
    for comp in study["comps"]:
        answers = answers_for(comp, rng, N)
        whole = screen_answers(comp, answers, durations)
        whole_fit = person_fit_answers(comp, answers)
        parts = _split(N, rng)
        screens = []
        for part in parts:
            one = InstrumentScreen(comp)
            one.update(answers[part])
            screens.append(one)
        merged = InstrumentScreen(comp)
        for i in rng.permutation(len(screens)).tolist():
            merged.merge(screens[i])
        merged.finish()
        batches: list[ScreenedBatch] = [merged.apply(answers[p], durations[p]) for p in parts]
        for name in INDEX_FIELDS:
            want = getattr(whole, name)
            got = [getattr(b.quality, name) for b in batches]
            if want is None:
                assert all(g is None for g in got), name
                continue
            assert_allclose(
                np.concatenate(got), want, rtol=0, atol=TOL, equal_nan=True, err_msg=name
            )
        for rule, flags in whole.flags.items():
            assert_array_equal(np.concatenate([b.quality.flags[rule] for b in batches]), flags)
        assert sum((b.quality.reasons for b in batches), ()) == whole.reasons
        assert_array_equal(
            np.concatenate([b.person_fit.unusual for b in batches]), whole_fit.unusual
        )
        for s, (kind, values) in whole_fit.values.items():
            statistic = np.concatenate([b.person_fit.values[s][1] for b in batches])
            assert [b.person_fit.values[s][0] for b in batches] == [kind] * len(batches)
            assert_allclose(statistic, values, rtol=0, atol=TOL, equal_nan=True)
        assert whole.mahalanobis is not None  # enough complete cases: the distance is used


def test_reason_bits_name_the_reasons(study: dict[str, Any]) -> None:
    comp = study["comps"][0]
    answers = answers_for(comp, np.random.default_rng(9), N)
    screen = InstrumentScreen(comp)
    screen.update(answers)
    screen.finish()
    found = screen.apply(answers, study["durations"])
    bits = found.reason_bits()
    assert [reason_names(int(b) & 127) for b in bits.tolist()] == list(found.quality.reasons)
    labels = quality_labels([comp.id], [found]).tolist()
    assert labels == reference_labels([comp], [found.quality], [found.person_fit.unusual])


def test_too_few_rows_skip_mahalanobis_in_both_paths() -> None:
    comp = compile_instrument(load_instrument("rses"))
    answers = answers_for(comp, np.random.default_rng(4), 8)  # 8 rows, 10 items
    whole = screen_answers(comp, answers)
    assert whole.mahalanobis is None
    screen = InstrumentScreen(comp)
    for part in (slice(0, 3), slice(3, 8)):
        screen.update(answers[part])
    screen.finish()
    assert screen.model is not None
    assert screen.model.mahalanobis is None
    assert screen.careless(answers).reasons == whole.reasons


def test_screen_is_used_in_order() -> None:
    comp = compile_instrument(load_instrument("rses"))
    screen = InstrumentScreen(comp)
    with pytest.raises(RuntimeError, match="finish"):
        screen.apply(np.full((1, len(comp.item_ids)), 1.0))
    screen.finish()
    with pytest.raises(RuntimeError, match="before finish"):
        screen.update(np.full((1, len(comp.item_ids)), 1.0))
    other = InstrumentScreen(comp, person_fit=False)
    with pytest.raises(ValueError, match="same options"):
        InstrumentScreen(comp).merge(other)


def test_export_marks_and_durations_in_one_row_batches() -> None:
    """Qualtrics rows marked unfinished or preview keep their mark, batch by batch."""
    path = Path(__file__).parents[1] / "data" / "formats" / "qualtrics-numeric.csv"
    whole = relscales.score("rses", path, quality=True).columns["quality"].tolist()
    source = open_source(path)
    source.batches = functools.partial(type(source).batches, source, batch_rows=1)  # type: ignore[method-assign, arg-type]
    assert len(list(source.batches(["ResponseId"]))) == len(whole) == 6
    assert relscales.score("rses", source, quality=True).columns["quality"].tolist() == whole
    assert "rses:speed" in whole[2]  # the export's duration column, read with each batch
    assert whole[4].endswith("; unfinished")
    assert whole[5].endswith("; survey preview")


def test_header_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    items = [f"rses{i:02d}" for i in range(1, 11)]
    path.write_text(",".join(["id", "seconds", *items]) + "\n", encoding="utf-8")
    comps = [compile_instrument(load_instrument("rses"))]
    columns = scored(comps, path, exclude_careless=True)
    assert columns["quality"].tolist() == []
    assert columns["self_esteem_gnormed"].shape == (0,)

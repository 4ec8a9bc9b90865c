"""Streaming analysis (relscales.pipeline.samplestats): batch by batch equals all at once.

The in-memory reference reads the whole matrix and calls the array functions of
relscales.reliability on it; the streamed analysis reads the file in small batches, and
the partitioned one merges statistics of separate pieces of the data.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import relscales
from relscales.io.tabular import Source
from relscales.pipeline.analysis import analyze_sample
from relscales.pipeline.run import ScoringRun
from relscales.pipeline.samplestats import AnalysisStatistics, keyed_answers
from relscales.pipeline.score import collect_answers
from relscales.reliability import cronbach_alpha, item_analysis, omega
from relscales.scoring.compile import compile_instrument
from relscales.scoring.options import ScoreOptions

TOL = 1e-12


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read every source in batches of 97 rows (files in blocks, never whole)."""
    defaults = dict(Source.batches.__kwdefaults__ or {})
    defaults.update(batch_rows=97, batch_bytes=4096, whole_file_bytes=0)
    monkeypatch.setattr(Source.batches, "__kwdefaults__", defaults)


def _write(path: Path, ident: str, n: int, seed: int, *, bad: bool = True) -> Path:
    """Random answers to every item, with empty, invalid and out-of-range cells."""
    compiled = compile_instrument(relscales.load_instrument(ident))
    rng = np.random.default_rng(seed)
    cols: dict[str, list[str]] = {"id": [f"p{i:05d}" for i in range(n)]}
    latent = rng.normal(size=n)
    for j in range(len(compiled.item_ids)):
        values = np.asarray(compiled.scales[int(compiled.item_scale[j])].values, dtype=float)
        pos = np.clip(
            np.rint((latent * 0.8 + rng.normal(size=n)) * len(values) / 4 + len(values) / 2),
            0,
            len(values) - 1,
        ).astype(int)
        cells = [f"{v:g}" for v in values[pos]]
        for r in np.flatnonzero(rng.random(n) < 0.05):
            cells[r] = ""
        if bad:
            for r in np.flatnonzero(rng.random(n) < 0.005):
                cells[r] = rng.choice(["x", "99", "-3"])
        cols[compiled.columns[j]] = cells
    names = list(cols)
    lines = [",".join(names)] + [",".join(cols[c][r] for c in names) for r in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= TOL


@pytest.mark.parametrize("ident", ["ecr-r", "risi"])
def test_streamed_analysis_equals_in_memory(
    tmp_path: Path, small_batches: None, ident: str
) -> None:
    path = _write(tmp_path / "data.csv", ident, 1500, seed=3)
    result = analyze_sample(ident, path, quality=False)
    compiled = compile_instrument(relscales.load_instrument(ident))
    _, answers, problems = collect_answers(compiled, path)
    assert len(result.problems) == len(problems) > 0
    assert result.n_respondents == answers.shape[0] == 1500
    keyed = keyed_answers(compiled, answers)
    index = {item: j for j, item in enumerate(compiled.item_ids)}
    for sub in compiled.instrument.spec.subscales:
        if len(sub.items) < 2:
            continue
        x = keyed[:, [index[i] for i in sub.items]].copy()
        if sub.applies_when is not None:
            context = answers[:, index[sub.applies_when.item]]
            x[~np.isnan(context) & ~np.isin(context, sub.applies_when.codes)] = np.nan
        got = result.subscales[sub.id]
        ref = cronbach_alpha(x)
        for name in ("estimate", "ci_low", "ci_high", "std_alpha", "lambda6", "mean_r"):
            assert _same(getattr(got.reliability, name), getattr(ref, name)), (sub.id, name)
        assert (got.reliability.n, got.reliability.n_complete) == (ref.n, ref.n_complete)
        items = item_analysis(x, list(sub.items))
        for a, b in zip(got.items.items, items.items, strict=True):
            for name in ("mean", "sd", "raw_r", "std_r", "r_cor", "r_drop", "alpha_if_deleted"):
                assert _same(getattr(a, name), getattr(b, name)), (sub.id, a.item_id, name)
            assert a.n == b.n
            assert a.frequencies.keys() == b.frequencies.keys()
            assert all(_same(a.frequencies[v], b.frequencies[v]) for v in a.frequencies)
        if len(sub.items) >= 6:
            om = omega(x)
            assert got.omega is not None
            assert abs(got.omega.omega_total - om.omega_total) < 1e-9
            assert abs(got.omega.omega_hierarchical - om.omega_hierarchical) < 1e-9


def _statistics_of(path: Path, compiled: Any, **options: Any) -> AnalysisStatistics:
    stats = AnalysisStatistics(compiled, **options)
    run = ScoringRun([compiled], relscales.open_source(path), ScoreOptions(problem_limit=None))
    for batch in run.answer_batches():
        stats.update(batch.answers[0], batch.first_row)
    return stats


def test_partitions_merge_to_the_single_machine_statistics(tmp_path: Path) -> None:
    compiled = compile_instrument(relscales.load_instrument("ecr-r"))
    whole_path = _write(tmp_path / "whole.csv", "ecr-r", 900, seed=5)
    lines = whole_path.read_text().splitlines()
    pieces = []
    for j, (a, b) in enumerate([(1, 200), (200, 201), (201, 650), (650, 901)]):
        piece = tmp_path / f"part{j}.csv"
        piece.write_text("\n".join([lines[0], *lines[a:b]]) + "\n")
        pieces.append((piece, a - 1))
    options = {"ci": "bootstrap", "n_boot": 60, "seed": 17}
    whole = _statistics_of(whole_path, compiled, **options)
    merged = AnalysisStatistics(compiled, **options)
    for piece, offset in reversed(pieces):
        part = AnalysisStatistics(compiled, **options)
        run = ScoringRun([compiled], relscales.open_source(piece), ScoreOptions())
        for batch in run.answer_batches():
            part.update(batch.answers[0], offset + batch.first_row)
        shipped = AnalysisStatistics.from_bytes(compiled, part.to_bytes())
        merged.merge(shipped)
    assert merged.n_rows == whole.n_rows == 900
    got, _ = merged.subscales()
    ref, _ = whole.subscales()
    for sid in ref:
        assert got[sid].reliability == ref[sid].reliability  # bitwise, bootstrap included
        assert got[sid].items == ref[sid].items


def test_bootstrap_interval_does_not_depend_on_batches(tmp_path: Path, small_batches: None) -> None:
    path = _write(tmp_path / "data.csv", "ecr-r", 700, seed=8)
    streamed = analyze_sample("ecr-r", path, ci="bootstrap", n_boot=80, seed=4, quality=False)
    compiled = compile_instrument(relscales.load_instrument("ecr-r"))
    _, answers, _ = collect_answers(compiled, path)
    keyed = keyed_answers(compiled, answers)
    index = {item: j for j, item in enumerate(compiled.item_ids)}
    for sub in compiled.instrument.spec.subscales:
        x = keyed[:, [index[i] for i in sub.items]]
        ref = cronbach_alpha(x, ci="bootstrap", n_boot=80, seed=4)
        got = streamed.subscales[sub.id].reliability
        # the array function centres on rounded means, the stream on scale midpoints
        assert abs(got.ci_low - ref.ci_low) < TOL
        assert abs(got.ci_high - ref.ci_high) < TOL


def test_statistics_refuse_another_instrument_or_options() -> None:
    ecr = compile_instrument(relscales.load_instrument("ecr-r"))
    rses = compile_instrument(relscales.load_instrument("rses"))
    with pytest.raises(ValueError, match="same instrument"):
        AnalysisStatistics(ecr).merge(AnalysisStatistics(rses))
    with pytest.raises(ValueError, match="interval options"):
        AnalysisStatistics(ecr, seed=1).merge(AnalysisStatistics(ecr, seed=2))
    with pytest.raises(ValueError, match="another version"):
        AnalysisStatistics.from_bytes(rses, AnalysisStatistics(ecr).to_bytes())
    with pytest.raises(ValueError, match="item order"):
        AnalysisStatistics(ecr).update(np.ones((3, 2)))
    with pytest.raises(ValueError, match="ci must be"):
        AnalysisStatistics(ecr, ci="wald")  # type: ignore[arg-type]


def test_unconverged_rotation_is_noted(monkeypatch: pytest.MonkeyPatch) -> None:
    # one factor, three group factors asked for: from psych's varimax start the oblimin
    # rotation converges (omega_h 0.86, as psych::omega); stopped after two iterations, as
    # on a criterion too flat to converge in GPArotation's 1000, it must be said
    from relscales import reliability

    rng = np.random.default_rng(0)
    f = rng.normal(size=(2000, 1))
    lam = rng.uniform(0.5, 0.75, size=18)
    z = f * lam + rng.normal(size=(2000, 18)) * np.sqrt(1 - lam**2)
    x = np.clip(np.rint(4 + 6 / 4.2 * z), 1, 7)
    converged = omega(x)
    assert converged.rotation_converged is True
    assert 0.85 < converged.omega_hierarchical < 0.87
    rotate = reliability._oblimin
    monkeypatch.setattr(reliability, "_oblimin", lambda a: rotate(a, max_iter=2))
    om = omega(x)
    assert om.rotation_converged is False
    compiled = compile_instrument(relscales.load_instrument("ecr-r"))
    stats = AnalysisStatistics(compiled)
    answers = np.hstack([x, x])  # both subscales one-factor
    stats.update(np.where(compiled.reverse, compiled.offset - answers, answers))
    subs, _ = stats.subscales()
    assert any("did not converge" in note for note in subs["anxiety"].notes)


@pytest.mark.parametrize("chunk", [1, 2, 5, 65_536])
@pytest.mark.parametrize("ids", [True, False])
def test_json_report_streamed_in_chunks_equals_the_document(
    tmp_path: Path, chunk: int, ids: bool
) -> None:
    import json

    path = _write(tmp_path / "data.csv", "ecr-r", 300, seed=2)
    lines = path.read_text().splitlines()
    for r in range(1, 300, 7):  # straight-liners: the longstring rule flags them
        cells = lines[r].split(",")
        lines[r] = ",".join([cells[0], *["4"] * (len(cells) - 1)])
    path.write_text("\n".join(lines) + "\n")
    if not ids:  # rows numbered: the flagged list holds row numbers
        lines = path.read_text().splitlines()
        path.write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n")
    result = analyze_sample("ecr-r", path)
    assert result.quality is not None
    assert result.quality.careless.any()
    whole = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=float) + "\n"
    assert "".join(result.json_chunks(chunk=chunk)) == whole
    flagged = json.loads(whole)["quality"]["flagged"]
    rows = result.quality.flagged_rows
    assert flagged == ([f"p{r:05d}" for r in rows] if ids else [str(r + 1) for r in rows])

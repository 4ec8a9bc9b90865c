"""``relscales calibrate``: fit the graded response model to a sample, write it as YAML.

For every subscale of an instrument (or those asked for), the respondents' keyed answers are
calibrated by marginal maximum likelihood (:func:`relscales.calibrate.calibrate_grm`). The
result is written as YAML: the ``irt:`` blocks to paste under the subscales, or (``--form
extends``) a whole instrument file that extends the calibrated one with the models declared.
Standard errors, convergence, the log-likelihood, item fit and local dependence are written
as comments and said on standard error; unidimensionality, an assumption of the model, is
checked by the eigenvalues of the items' correlations.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales._version import __version__
from relscales.errors import DataError, Issue, Location, RelscalesError
from relscales.io.sources import open_source
from relscales.pipeline.run import ScoringRun
from relscales.pipeline.score import InstrumentRef, in_python_terms, resolve_refs
from relscales.scoring.compile import CompiledInstrument, keyed_codes
from relscales.scoring.options import ScoreOptions

__all__ = ["CalibrateJob", "SubscaleCalibration", "calibrate", "run_calibrate"]

EXIT_OK = 0


@dataclass(frozen=True)
class SubscaleCalibration:
    """One subscale's calibration, with the unidimensionality check of its items."""

    subscale: str
    item_ids: tuple[str, ...]
    calibration: Any
    """A :class:`relscales.calibrate.Calibration`."""
    first_eigenvalue_share: float
    """Share of the items' total variance (correlation metric) on the first eigenvalue."""
    eigenvalue_ratio: float
    """First over second eigenvalue of the items' correlations."""

    @property
    def unidimensional(self) -> bool:
        """Rule of thumb: the first eigenvalue at least 3 times the second."""
        return bool(self.eigenvalue_ratio >= 3.0)


def calibrate(
    instrument: InstrumentRef,
    data: Any,
    *,
    subscales: Sequence[str] = (),
    id_column: str | None = None,
    column_map: Mapping[str, str] | None = None,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
    quadrature: int = 61,
    max_iterations: int = 500,
    tolerance: float = 1e-6,
) -> list[SubscaleCalibration]:
    """Fit a graded response model to each subscale's keyed answers.

    Parameters
    ----------
    instrument
        A bundled id, YAML path or loaded instrument (not a battery).
    data
        Response data, any format :func:`relscales.score` reads.
    subscales
        The subscales to calibrate (default: every one with at least two items).
    id_column, column_map, instruments_dir
        As for :func:`relscales.score`.
    quadrature, max_iterations, tolerance
        Settings of the EM algorithm (see docs/methods-calibration.md).
    """
    from relscales.calibrate import calibrate_grm

    try:
        compiled_list, battery = resolve_refs([instrument], instruments_dir)
        if battery is not None or len(compiled_list) != 1:
            raise DataError(
                Issue(
                    "invalid-option",
                    "calibrate takes one instrument, not a battery",
                    hint="calibrate each member instrument of the battery on its own",
                )
            )
        compiled = compiled_list[0]
        source = open_source(data)
        options = ScoreOptions(id_column=id_column, column_map=dict(column_map or {}))
        run = ScoringRun([compiled], source, options)
        _, (answers,) = run.read_answers()
        spec = compiled.instrument.spec
        known = [sub.id for sub in spec.subscales]
        unknown = [s for s in subscales if s not in known]
        if unknown:
            raise DataError(
                Issue(
                    "unknown-score",
                    f"'{unknown[0]}' is not a subscale of '{compiled.id}'",
                    Location(instrument=compiled.id),
                    hint=f"its subscales: {', '.join(known)}",
                )
            )
        out = []
        index = {item: i for i, item in enumerate(compiled.item_ids)}
        for sub in spec.subscales:
            if (subscales and sub.id not in subscales) or len(sub.items) < 2:
                continue
            items = np.array([index[i] for i in sub.items], dtype=np.int64)
            codes = keyed_codes(compiled, items, answers)
            categories = [
                len(compiled.scales[int(compiled.item_scale[i])].values) for i in items.tolist()
            ]
            try:
                calibration = calibrate_grm(
                    codes,
                    item_ids=tuple(sub.items),
                    n_categories=categories,
                    quadrature=quadrature,
                    max_iterations=max_iterations,
                    tolerance=tolerance,
                )
            except ValueError as exc:
                raise DataError(
                    Issue(
                        "invalid-option",
                        f"subscale '{sub.id}' cannot be calibrated on these data: {exc}",
                        Location(file=source.name, instrument=compiled.id),
                        hint="calibration needs many respondents who answered most items",
                    )
                ) from None
            share, ratio = _eigen_check(codes)
            out.append(SubscaleCalibration(sub.id, tuple(sub.items), calibration, share, ratio))
        return out
    except RelscalesError as exc:
        raise in_python_terms(exc) from None


def _eigen_check(codes: NDArray[np.float64]) -> tuple[float, float]:
    """First eigenvalue share and first/second ratio of the pairwise item correlations."""
    from relscales.reliability import pairwise_covariance

    cov = pairwise_covariance(codes)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.outer(sd, sd)
    if not np.all(np.isfinite(r)):
        return float("nan"), float("nan")
    values = np.sort(np.linalg.eigvalsh(r))[::-1]
    return float(values[0] / values.sum()), float(values[0] / values[1])


def _irt_block(
    found: SubscaleCalibration, sample: str, source: str, licence: str
) -> dict[str, Any]:
    cal = found.calibration
    model = cal.model
    items: dict[str, Any] = {}
    for j, item in enumerate(found.item_ids):
        m = int(model.n_categories[j]) - 1
        entry: dict[str, Any] = {
            "slope": float(model.slopes[j]),
            "thresholds": [float(b) for b in model.thresholds[j, :m]],
        }
        if cal.slope_se is not None:
            entry["slope_se"] = float(cal.slope_se[j])
        if cal.threshold_se is not None:
            entry["threshold_se"] = [float(s) for s in np.asarray(cal.threshold_se)[j, :m]]
        items[item] = entry
    return {
        "model": "graded",
        "items": items,
        "calibration": {
            "source": source,
            "licence": licence,
            "n": int(cal.n),
            "sample": sample,
            "log_likelihood": float(cal.log_likelihood),
        },
    }


def calibration_yaml(
    instrument: CompiledInstrument,
    found: Sequence[SubscaleCalibration],
    *,
    form: str = "block",
    sample: str = "the calibration sample",
    source: str = "",
    licence: str = "not yet given: decide the terms before sharing these parameters",
    extends: str | None = None,
) -> str:
    """Return the YAML text: ``irt:`` blocks per subscale, or a whole extending file.

    ``extends`` is how the extending file names its parent (default: the instrument's id).
    """
    import yaml

    spec = instrument.instrument.spec
    source = source or (
        f"relscales {__version__} calibrate, {datetime.date.today().isoformat()}: graded "
        "response model by marginal maximum likelihood"
    )
    blocks = {f.subscale: _irt_block(f, sample, source, licence) for f in found}
    header = [
        f"# Graded response model of {spec.id} {spec.version}, fitted by relscales {__version__}.",
        *_summary_comments(found),
    ]
    if form == "extends":
        subscales = []
        for sub in spec.subscales:
            entry = sub.model_dump(
                mode="json", by_alias=True, exclude_none=True, exclude_defaults=True
            )
            entry["items"] = list(sub.items)
            if sub.id in blocks:
                entry["irt"] = blocks[sub.id]
            subscales.append(entry)
        doc = {
            "relscales": 1,
            "extends": extends or spec.id,
            "id": f"{spec.id}-irt",
            "version": spec.version,
            "name": f"{spec.name}, with a graded response model",
            "subscales": subscales,
        }
        body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    else:
        parts = []
        for name, block in blocks.items():
            text = yaml.safe_dump({"irt": block}, sort_keys=False, allow_unicode=True, width=100)
            indented = "".join(f"    {line}\n" for line in text.splitlines())
            parts.append(f"# subscale {name}: paste under its entry in subscales\n{indented}")
        body = "\n".join(parts)
    return "\n".join(header) + "\n" + body


def _summary_comments(found: Sequence[SubscaleCalibration]) -> list[str]:
    lines = []
    for f in found:
        cal = f.calibration
        state = "converged" if cal.converged else "did NOT converge"
        shape = "essentially one dimension" if f.unidimensional else "more than one dimension?"
        lines.append(
            f"# {f.subscale}: n = {cal.n}, log-likelihood {cal.log_likelihood:.4f}, {state} in "
            f"{cal.n_iterations} EM iterations; first eigenvalue {f.eigenvalue_ratio:.2f} x the "
            f"second ({shape})"
        )
    return lines


@dataclass(frozen=True)
class CalibrateJob:
    """The options of ``relscales calibrate``."""

    data: Path
    instrument: str
    output: Path | None = None
    subscales: Sequence[str] = ()
    form: str = "block"
    sample: str = "the calibration sample"
    source: str = ""
    licence: str = "not yet given: decide the terms before sharing these parameters"
    id_column: str | None = None
    instruments_dir: Sequence[str | os.PathLike[str]] = field(default_factory=tuple)


def _parent_ref(compiled: CompiledInstrument, job: CalibrateJob) -> str:
    """Name the parent: its id when bundled, else its file relative to the output's folder."""
    from relscales.instruments.registry import looks_like_path

    if not looks_like_path(job.instrument):
        return job.instrument
    folder = job.output.parent if job.output is not None else Path.cwd()
    return os.path.relpath(Path(job.instrument).resolve(), folder.resolve())


def run_calibrate(job: CalibrateJob, echo: Callable[[str], None]) -> int:
    """Run ``relscales calibrate``; return the exit code."""
    import sys

    from relscales.io.atomic import atomic_text, check_outputs
    from relscales.pipeline.scorejob import check_inputs

    if job.form not in ("block", "extends"):
        raise DataError(
            Issue(
                "invalid-option", f"--form {job.form!r} is not a form", hint="use block or extends"
            )
        )
    check_inputs(job.data, [job.instrument])
    if job.output is not None:
        check_outputs([("-o", job.output)], [("data file", job.data)])
    found = calibrate(
        job.instrument,
        job.data,
        subscales=job.subscales,
        id_column=job.id_column,
        instruments_dir=job.instruments_dir,
    )
    (compiled,), _ = resolve_refs([job.instrument], job.instruments_dir)
    parent = _parent_ref(compiled, job)
    text = calibration_yaml(
        compiled,
        found,
        form=job.form,
        sample=job.sample,
        source=job.source,
        licence=job.licence,
        extends=parent,
    )
    if job.output is None:
        sys.stdout.write(text)
    else:
        with atomic_text(job.output) as stream:
            stream.write(text)
        echo(f"wrote the graded response model of {len(found)} subscale(s) -> {job.output}")
    for line in _summary_comments(found):
        echo(line.removeprefix("# "))
    for f in found:
        for item in getattr(f.calibration, "item_fit", ()):
            p = getattr(item, "p_value", None)
            if p is not None and p < 0.01:
                echo(f"{f.subscale}: item {item.item_id} fits poorly (S-X2 p = {p:.3g})")
        for note in getattr(f.calibration, "notes", ()):
            echo(f"{f.subscale}: {note}")
    return EXIT_OK

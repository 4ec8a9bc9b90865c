"""``relscales calibrate``: fit the graded response model to a sample, write it as YAML.

For every subscale of an instrument (or those asked for), the respondents' keyed answers are
calibrated by marginal maximum likelihood (:func:`relscales.calibrate.calibrate_grm`). The
result is written as YAML: the ``irt:`` blocks to paste under the subscales, or (``--form
extends``) a whole instrument file that extends the calibrated one with the models declared.
Standard errors, convergence, the log-likelihood, item fit and local dependence are written
as comments and said on standard error. Unidimensionality, an assumption of the model, is
checked by the eigenvalues of the items' correlations and, for subscales of six or more items,
by the explained common variance and omega hierarchical of a Schmid-Leiman solution; a
subscale that fails the check is warned about on standard error (the exit code stays 0).
"""

from __future__ import annotations

import datetime
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

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

EIGENVALUE_RATIO_MIN = 3.0
"""The first eigenvalue of the items' correlations at least this many times the second."""
ECV_MIN = 0.70
"""Explained common variance of the general factor at least this (Rodriguez et al., 2016)."""
OMEGA_H_MIN = 0.70
"""Omega hierarchical at least this (Reise, Scheines, Widaman & Haviland, 2013)."""
MIN_ITEMS_FOR_OMEGA = 6
"""Omega needs two items per group factor, three group factors (as ``relscales analyze``)."""
SALIENT_LOADING = 0.30
"""A loading at least this large (in absolute value) ties an item to a group factor."""
COPY_COSINE = 0.90
"""A group factor whose loadings have this cosine or more with the general factor's is a copy
of it (the general factor split in two), not a group of items."""

ONE_DIMENSION = "essentially one dimension"
MORE_DIMENSIONS = "more than one dimension?"


@dataclass(frozen=True)
class SubscaleCalibration:
    """One subscale's calibration, with the unidimensionality check of its items.

    The check (docs/methods-calibration.md#unidimensionality) has two parts: the first to
    second eigenvalue ratio of the items' pairwise correlations, and, for subscales of at
    least :data:`MIN_ITEMS_FOR_OMEGA` items, McDonald's omega from a Schmid-Leiman solution
    with three group factors (:func:`relscales.reliability.omega`).
    """

    subscale: str
    item_ids: tuple[str, ...]
    calibration: Any
    """A :class:`relscales.calibrate.Calibration`."""
    first_eigenvalue_share: float
    """Share of the items' total variance (correlation metric) on the first eigenvalue."""
    eigenvalue_ratio: float
    """First over second eigenvalue of the items' correlations."""
    omega_hierarchical: float | None = None
    """``(sum g)^2 / sum(R)``; None with fewer than six items or when omega failed."""
    omega_total: float | None = None
    """``1 - sum(u2) / sum(R)``; None as ``omega_hierarchical``."""
    ecv: float | None = None
    """Explained common variance of the general factor: ``sum g^2 / (sum g^2 + sum s^2)``."""
    group_factors: int | None = None
    """Group factors of the Schmid-Leiman solution that are groups of items: at least three
    items, and at most two thirds of them, load :data:`SALIENT_LOADING` or more on it, and its
    loadings are no copy of the general factor's (cosine below :data:`COPY_COSINE`). With none,
    ``ecv`` and ``omega_hierarchical`` are not read (see :attr:`omega_read`)."""
    omega_note: str = ""
    """Why omega is None (too few items, or the error omega raised); empty otherwise."""

    @property
    def omega_ratio(self) -> float | None:
        """Omega hierarchical over omega total: the reliable variance due to the general factor."""
        if self.omega_hierarchical is None or not self.omega_total:
            return None
        return self.omega_hierarchical / self.omega_total

    @property
    def omega_read(self) -> bool:
        """Whether ECV and omega hierarchical enter the judgement.

        They do when omega was computed and its Schmid-Leiman solution has at least one group
        of items besides the general factor. Without one, the three group factors are
        over-extracted (as on unidimensional items), the general factor is not identified and
        can land in a group factor, and ECV and omega hierarchical say nothing about dimensions.
        """
        return self.ecv is not None and bool(self.group_factors)

    @property
    def unidimensional(self) -> bool:
        """Essentially one dimension: eigenvalue ratio >= 3 and, where read, ECV, omega_h >= .70."""
        if not self.eigenvalue_ratio >= EIGENVALUE_RATIO_MIN:
            return False
        if not self.omega_read:
            return True
        return bool(
            self.ecv is not None
            and self.ecv >= ECV_MIN
            and self.omega_hierarchical is not None
            and self.omega_hierarchical >= OMEGA_H_MIN
        )

    @property
    def dimensionality(self) -> str:
        """Return the verdict: ``essentially one dimension`` or ``more than one dimension?``."""
        return ONE_DIMENSION if self.unidimensional else MORE_DIMENSIONS


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
                hint = "calibration needs many respondents who answered most items"
                probe = _dimension_check(sub.id, tuple(sub.items), None, codes)
                if not probe.unidimensional and np.isfinite(probe.eigenvalue_ratio):
                    hint = (
                        "the graded response model assumes one dimension, and these items may "
                        f"measure more than one thing: {'; '.join(_dimension_reasons(probe))}. "
                        "Consider calibrating narrower item sets"
                    )
                raise DataError(
                    Issue(
                        "invalid-option",
                        f"subscale '{sub.id}' cannot be calibrated on these data: {exc}",
                        Location(file=source.name, instrument=compiled.id),
                        hint=hint,
                    )
                ) from None
            out.append(_dimension_check(sub.id, tuple(sub.items), calibration, codes))
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


def _dimension_check(
    subscale: str, item_ids: tuple[str, ...], calibration: Any, codes: NDArray[np.float64]
) -> SubscaleCalibration:
    """Check the unidimensionality of ``codes`` and return it with the calibration."""
    share, ratio = _eigen_check(codes)
    if np.isfinite(ratio):
        check = _omega_check(codes)
    else:
        check = _OmegaCheck(note="omega not computed: some item correlations are undefined")
    return SubscaleCalibration(
        subscale,
        item_ids,
        calibration,
        share,
        ratio,
        omega_hierarchical=check.omega_hierarchical,
        omega_total=check.omega_total,
        ecv=check.ecv,
        group_factors=check.group_factors,
        omega_note=check.note,
    )


class _OmegaCheck(NamedTuple):
    omega_hierarchical: float | None = None
    omega_total: float | None = None
    ecv: float | None = None
    group_factors: int | None = None
    note: str = ""


def _omega_check(codes: NDArray[np.float64]) -> _OmegaCheck:
    """Compute omega hierarchical and total, ECV and the group factors (Schmid-Leiman).

    Parameters
    ----------
    codes
        ``(n, k)`` keyed answers, ``NaN`` = missing (pairwise correlations are used).

    Returns
    -------
    _OmegaCheck
        All None, with a note saying why, when ``k`` is below :data:`MIN_ITEMS_FOR_OMEGA` or
        :func:`relscales.reliability.omega` fails or gives a non-finite solution.
    """
    from relscales.reliability import omega

    k = codes.shape[1]
    if k < MIN_ITEMS_FOR_OMEGA:
        return _OmegaCheck(note=f"omega needs at least {MIN_ITEMS_FOR_OMEGA} items, not {k}")
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            found = omega(codes, n_factors=3)
    except (ValueError, ArithmeticError) as exc:  # LinAlgError is a ValueError
        return _OmegaCheck(note=f"omega not computed: {exc}")
    general = np.asarray(found.general_loadings, dtype=np.float64)
    group = np.asarray(found.group_loadings, dtype=np.float64)
    general_var = float(general @ general)
    common = general_var + float(np.sum(group * group))
    values = (found.omega_hierarchical, found.omega_total, common)
    if not (np.all(np.isfinite(values)) and common > 0.0):
        return _OmegaCheck(note="omega not computed: the factor solution is not finite")
    groups = _item_groups(general, group)
    return _OmegaCheck(
        float(found.omega_hierarchical), float(found.omega_total), general_var / common, groups
    )


def _item_groups(general: NDArray[np.float64], group: NDArray[np.float64]) -> int:
    """Count the group factors that are groups of items, not over-extracted ones.

    Three group factors are extracted whatever the items' structure. Where the items have
    fewer groups, the extra factors are noise: one item alone (an item-specific factor), none,
    or the general factor itself, which the Schmid-Leiman transformation then leaves in a
    group factor (on nearly every item) or splits between the general and a group factor
    (loadings in proportion on every item). A group of items has at least three salient
    loadings, on at most two thirds of the items, and is no copy of the general factor.
    """
    k = general.shape[0]
    salient = np.sum(np.abs(group) >= SALIENT_LOADING, axis=0)
    norms = np.linalg.norm(group, axis=0) * float(np.linalg.norm(general))
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = (np.abs(group).T @ np.abs(general)) / norms
    found = (salient >= 3) & (salient <= 2 * k / 3) & ~(cosine >= COPY_COSINE)
    return int(np.sum(found))


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


def _dimension_text(f: SubscaleCalibration) -> str:
    """Say the unidimensionality check: eigenvalue ratio, omega, ECV and the verdict."""
    text = f"first eigenvalue {f.eigenvalue_ratio:.2f} x the second"
    if f.omega_hierarchical is None or f.omega_total is None or f.ecv is None:
        text += f"; {f.omega_note or 'omega not computed'}"
    else:
        ratio = f.omega_ratio
        text += (
            f"; omega_h {f.omega_hierarchical:.2f}, omega_t {f.omega_total:.2f}"
            + (f" (ratio {ratio:.2f})" if ratio is not None else "")
            + f", ECV {f.ecv:.2f}"
        )
        if not f.omega_read and not (f.ecv >= ECV_MIN and f.omega_hierarchical >= OMEGA_H_MIN):
            text += (
                " (not read: no group factor has items of its own, so three were extracted "
                "where there are none)"
            )
    return f"{text} ({f.dimensionality})"


def _summary_comments(found: Sequence[SubscaleCalibration]) -> list[str]:
    lines = []
    for f in found:
        cal = f.calibration
        state = "converged" if cal.converged else "did NOT converge"
        lines.append(
            f"# {f.subscale}: n = {cal.n}, log-likelihood {cal.log_likelihood:.4f}, {state} in "
            f"{cal.n_iterations} EM iterations"
        )
        lines.append(f"# {f.subscale}: {_dimension_text(f)}")
    return lines


def _dimension_reasons(f: SubscaleCalibration) -> list[str]:
    """Say which parts of the unidimensionality check failed, in plain words."""
    reasons = []
    if not np.isfinite(f.eigenvalue_ratio):
        reasons.append("some of the item correlations cannot be computed")
    elif f.eigenvalue_ratio < EIGENVALUE_RATIO_MIN:
        reasons.append(
            f"the first eigenvalue of the item correlations is {f.eigenvalue_ratio:.2f} x the "
            f"second, below {EIGENVALUE_RATIO_MIN:g}"
        )
    if f.omega_read and f.ecv is not None and f.ecv < ECV_MIN:
        reasons.append(
            f"the general factor explains {f.ecv:.2f} of the common variance (ECV), "
            f"below {ECV_MIN:.2f}"
        )
    if f.omega_read and f.omega_hierarchical is not None and f.omega_hierarchical < OMEGA_H_MIN:
        reasons.append(f"omega hierarchical is {f.omega_hierarchical:.2f}, below {OMEGA_H_MIN:.2f}")
    return reasons


def _dimension_warning(f: SubscaleCalibration) -> str:
    """Warn, in plain words, that a subscale's items may measure more than one thing."""
    return (
        f"warning: {f.subscale}: the graded response model assumes that the items measure one "
        f"dimension, but these {len(f.item_ids)} items may measure more than one thing ("
        + "; ".join(_dimension_reasons(f))
        + "). Theta and its standard error may then be misleading. Consider calibrating "
        "narrower item sets: declare a subscale for each group of items that belong together "
        "and calibrate those."
    )


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
        if not f.unidimensional:
            echo(_dimension_warning(f))
    for f in found:
        for item in getattr(f.calibration, "item_fit", ()):
            p = getattr(item, "p_value", None)
            if p is not None and p < 0.01:
                echo(f"{f.subscale}: item {item.item_id} fits poorly (S-X2 p = {p:.3g})")
        for note in getattr(f.calibration, "notes", ()):
            echo(f"{f.subscale}: {note}")
    return EXIT_OK

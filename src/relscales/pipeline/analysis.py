"""Analysing a sample with an instrument: reliability, item statistics and data quality.

``relscales analyze`` and :func:`analyze` read the answers with the same rules as
scoring (labels, missing codes, invalid cells as missing), reverse-key each item with
its own declared scale, and compute per subscale: Cronbach's alpha as R
``psych::alpha`` does (with a Feldt or bootstrap interval), standardized alpha,
Guttman's lambda 6, the mean inter-item correlation, omega (total and hierarchical,
for subscales of at least six items), and item statistics; plus data-quality indices
per respondent. Published reliabilities are shown beside the sample's.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from relscales.analysis_results import AnalysisResult, CarelessScreen
from relscales.errors import Issue, Location, RelscalesError, ScoringError
from relscales.io.numeric import numeric_column
from relscales.pipeline.run import ScoringRun
from relscales.pipeline.samplestats import (
    LOW_ALPHA_MARGIN,
    MIN_ITEMS_FOR_OMEGA,
    AnalysisStatistics,
)
from relscales.pipeline.score import (
    WITH_COLUMNS,
    InstrumentRef,
    compile_ref,
    in_python_terms,
    python_issues,
)
from relscales.quality import IndexName
from relscales.scoring.compile import CompiledInstrument
from relscales.scoring.options import ScoreOptions
from relscales.scoring.screening import InstrumentScreen

__all__ = [
    "LOW_ALPHA_MARGIN",
    "MIN_ITEMS_FOR_OMEGA",
    "analyze",
    "analyze_sample",
    "careless_command",
]


def analyze(
    instrument: InstrumentRef,
    data: Any,
    *,
    ci: Literal["feldt", "bootstrap"] = "feldt",
    n_boot: int = 1000,
    seed: int | None = None,
    confidence_level: float = 0.95,
    quality: bool = True,
    duration_column: str | None = None,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
) -> AnalysisResult:
    """Reliability, item analysis and data quality of a sample on one instrument.

    Messages and hints name this function's keywords (``duration_column=``), not the
    command line's options.

    Parameters
    ----------
    instrument
        A bundled id, a YAML path, or a loaded/compiled instrument.
    data
        Response data, as for :func:`relscales.score`.
    ci
        ``feldt`` (analytic, as ``psych::alpha.ci``) or ``bootstrap`` (percentile).
    n_boot, seed
        Resamples and seed for the bootstrap.
    confidence_level
        Level of the alpha interval.
    quality
        Also screen respondents for careless answering (attention-check items declared in
        the instrument are checked).
    duration_column
        A column of completion times in seconds, for the speed rule.

    Returns
    -------
    AnalysisResult
        Per subscale reliability and item statistics, and the quality screen.
    """
    try:
        result = analyze_sample(
            instrument,
            data,
            ci=ci,
            n_boot=n_boot,
            seed=seed,
            confidence_level=confidence_level,
            quality=quality,
            duration_column=duration_column,
            instruments_dir=instruments_dir,
        )
    except RelscalesError as exc:
        in_python_terms(exc, WITH_COLUMNS)
        raise
    return dataclasses.replace(
        result,
        warnings=python_issues(result.warnings, WITH_COLUMNS),
        quality_warnings=python_issues(result.quality_warnings, WITH_COLUMNS),
    )


def analyze_sample(
    instrument: InstrumentRef,
    data: Any,
    *,
    ci: Literal["feldt", "bootstrap"] = "feldt",
    n_boot: int = 1000,
    seed: int | None = None,
    confidence_level: float = 0.95,
    quality: bool = True,
    duration_column: str | None = None,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
) -> AnalysisResult:
    """:func:`analyze`, with messages in the command line's words (for ``relscales analyze``).

    The data are read in batches, never whole: a first pass accumulates the sample's
    statistics (:class:`relscales.pipeline.samplestats.AnalysisStatistics`) and what the
    careless-responding screen needs from the whole sample; a second pass, only with
    ``quality``, screens each batch's respondents.
    """
    from relscales.io.readsource import input_warnings, source_hints
    from relscales.io.sources import open_source
    from relscales.io.tabular import Source

    compiled = compile_ref(instrument, instruments_dir)
    source = data if isinstance(data, Source) else open_source(data)
    try:
        stats = AnalysisStatistics(
            compiled, ci=ci, n_boot=n_boot, seed=seed, confidence_level=confidence_level
        )
    except ValueError as exc:
        raise ScoringError(Issue("invalid-option", str(exc))) from None
    run = ScoringRun([compiled], source, ScoreOptions(problem_limit=None))
    screen = _QualityPass(compiled) if quality else None
    for batch in run.answer_batches():
        (answers,) = batch.answers
        stats.update(answers, batch.first_row)
        if screen is not None:
            screen.fit(answers)
    subscales, sub_warnings = stats.subscales()
    # what reading found (encoding, NUL bytes, duplicated ids), then the export's own
    warnings: list[Issue] = [
        *source.read_warnings,
        *input_warnings(source, [compiled]),
        *sub_warnings,
    ]
    screened = None
    if screen is not None and stats.n_rows > 0:
        durations = None
        duration_column = duration_column or source_hints(source)[1]
        if duration_column is not None:
            durations = numeric_column(source, duration_column)
        screened = screen.apply(run, durations)
    careless = _careless_warning(instrument, compiled.id, source.name, screened)
    return AnalysisResult(
        compiled.instrument.provenance(),
        stats.n_rows,
        subscales,
        screened,
        tuple(run.problems.records),
        tuple(warnings),
        quality_warnings=(careless,) if careless is not None else (),
    )


class _QualityPass:
    """The careless-responding screen of :func:`analyze_sample`, in two passes."""

    def __init__(self, compiled: CompiledInstrument) -> None:
        self.screen = InstrumentScreen(compiled, person_fit=False)

    def fit(self, answers: NDArray[np.float64]) -> None:
        """First pass: add a batch to what the screen needs from the whole sample."""
        self.screen.update(answers)

    def apply(self, run: ScoringRun, durations: NDArray[np.float64] | None) -> CarelessScreen:
        """Second pass: screen every batch's respondents; keep the compact summary."""
        self.screen.finish()
        careless: list[NDArray[np.bool_]] = []
        bits: list[NDArray[np.uint8]] = []
        flagged_ids: list[Any] = []
        for batch in run.answer_batches(record=False):
            (answers,) = batch.answers
            n = answers.shape[0]
            times = None if durations is None else durations[batch.first_row : batch.first_row + n]
            result = self.screen.careless(answers, times)
            careless.append(np.asarray(result.careless, dtype=np.bool_))
            bits.append(result.reason_bits())
            if not isinstance(batch.ids, np.ndarray):  # an id column: keep the flagged ids
                flagged_ids.append(_taken(batch.ids, np.flatnonzero(result.careless)))
        return CarelessScreen(
            np.concatenate(careless) if careless else np.zeros(0, dtype=np.bool_),
            tuple(get_args(IndexName)),
            np.concatenate(bits) if bits else np.zeros(0, dtype=np.uint8),
            _joined(flagged_ids),
        )


def _taken(ids: Any, rows: NDArray[np.intp]) -> Any:
    """Return some rows of a batch's ids (a pyarrow string array)."""
    from relscales._arrow import int_array

    return ids.take(int_array(rows.astype(np.int64)))


def _joined(parts: list[Any]) -> Any:
    """Join the batches' flagged ids into one array (``None`` where rows are numbered)."""
    if not parts:
        return None
    import pyarrow as pa

    return pa.concat_arrays(parts)


CARELESS_SHOWN = 5
"""How many careless respondents a warning names (the rest are counted)."""


def _careless_warning(
    ref: InstrumentRef, ident: str, data_name: str, screen: CarelessScreen | None
) -> Issue | None:
    """Build the ``careless-respondents`` warning: how many, why, the first few by id and row."""
    if screen is None:
        return None
    n_flagged = int(screen.careless.sum())
    if not n_flagged:
        return None
    why = ", ".join(f"{reason} {n}" for reason, n in sorted(screen.by_reason().items()))
    named = ", ".join(screen.respondent(r) for r in range(min(n_flagged, CARELESS_SHOWN)))
    more = f" and {n_flagged - CARELESS_SHOWN} more" if n_flagged > CARELESS_SHOWN else ""
    total = len(screen.careless)
    return Issue(
        "careless-respondents",
        f"{n_flagged} of {total} respondent{'s' * (total != 1)} answered in a way the "
        f"careless-responding screen flags ({why}): {named}{more}",
        Location(instrument=ident),
        "warning",
        hint=f"list them all, row by row, with `{careless_command(ref, ident, data_name)}`; "
        "see docs/methods.md for the rules",
    )


def careless_command(ref: InstrumentRef, ident: str, data: str | os.PathLike[str]) -> str:
    """Return the command that lists every respondent's screen result (``--with-quality``)."""
    instrument = os.fspath(ref) if isinstance(ref, str | os.PathLike) else ident
    where = shlex.quote(os.fspath(data))
    return f"relscales score {where} -i {shlex.quote(instrument)} --with-quality"

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
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from relscales.analysis_results import AnalysisResult, SubscaleAnalysis, respondent_text
from relscales.errors import Issue, Location, RelscalesError
from relscales.io.numeric import numeric_column
from relscales.pipeline.score import (
    WITH_COLUMNS,
    InstrumentRef,
    collect_answers,
    compile_ref,
    in_python_terms,
    python_issues,
)
from relscales.reliability import (
    OmegaResult,
    cronbach_alpha,
    item_analysis,
    omega,
)
from relscales.scoring.compile import CompiledInstrument
from relscales.scoring.screening import screen_answers

__all__ = ["analyze", "analyze_sample", "careless_command"]

LOW_ALPHA_MARGIN = 0.10
"""A sample alpha this far below the published one gets a warning."""

MIN_ITEMS_FOR_OMEGA = 6
"""Omega needs three group factors with two items each at the least."""


def _keyed(compiled: CompiledInstrument, answers: NDArray[np.float64]) -> NDArray[np.float64]:
    keyed: NDArray[np.float64] = np.where(compiled.reverse, compiled.offset - answers, answers)
    return keyed


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
    """:func:`analyze`, with messages in the command line's words (for ``relscales analyze``)."""
    from relscales.io.readsource import input_warnings, source_hints
    from relscales.io.sources import open_source
    from relscales.io.tabular import Source

    compiled = compile_ref(instrument, instruments_dir)
    source = data if isinstance(data, Source) else open_source(data)
    ids, answers, problems = collect_answers(compiled, source)
    keyed = _keyed(compiled, answers)
    index = {item: j for j, item in enumerate(compiled.item_ids)}
    spec = compiled.instrument.spec
    subscales: dict[str, SubscaleAnalysis] = {}
    # what reading found (encoding, NUL bytes, duplicated ids), then the export's own
    warnings: list[Issue] = [*source.read_warnings, *input_warnings(source, [compiled])]
    for sub in spec.subscales:
        cols = [index[i] for i in sub.items]
        x = keyed[:, cols]
        notes: list[str] = []
        if len(cols) < 2:
            continue  # a one-item scale has no internal consistency
        if sub.applies_when is not None:
            # respondents for whom the score does not apply (a first relationship for
            # recurrence) are left out of its analysis, as they are out of its score
            context = answers[:, index[sub.applies_when.item]]
            out_of_context = ~np.isnan(context) & ~np.isin(context, sub.applies_when.codes)
            if out_of_context.any():
                x = x.copy()
                x[out_of_context] = np.nan
                notes.append(
                    f"{int(out_of_context.sum())} respondents left out: the score does not "
                    f"apply to them ('{sub.applies_when.item}')"
                )
        rel = cronbach_alpha(x, confidence_level=confidence_level, ci=ci, n_boot=n_boot, seed=seed)
        items = item_analysis(x, list(sub.items))
        om: OmegaResult | None = None
        if len(cols) >= MIN_ITEMS_FOR_OMEGA:
            try:
                om = omega(x)
            except (ValueError, np.linalg.LinAlgError, RelscalesError) as exc:
                notes.append(f"omega not computed: {exc}")
        else:
            notes.append(f"omega needs at least {MIN_ITEMS_FOR_OMEGA} items")
        published = sub.published.alpha if sub.published else None
        where = Location(instrument=compiled.id, object_id=sub.id)
        if published is not None and rel.estimate < float(published) - LOW_ALPHA_MARGIN:
            warnings.append(
                Issue(
                    "alpha-below-published",
                    f"'{sub.id}': the sample's alpha {rel.estimate:.2f} is well below the "
                    f"published {published}",
                    where,
                    "warning",
                    hint="check the keys and the response scale (and the items flagged as "
                    "looking reversed)",
                )
            )
        for stat in items.items:
            if stat.looks_reversed:
                warnings.append(
                    Issue(
                        "item-looks-reversed",
                        f"'{sub.id}': item '{stat.item_id}' correlates negatively with the "
                        f"rest of its subscale (r.drop {stat.r_drop:.2f}): it looks "
                        "reverse-keyed",
                        Location(instrument=compiled.id, object_id=stat.item_id),
                        "warning",
                        hint="check its `reverse` key against the instrument's source",
                    )
                )
        subscales[sub.id] = SubscaleAnalysis(
            sub.id,
            sub.name,
            tuple(sub.items),
            int((~np.isnan(x)).all(axis=1).sum()),
            rel,
            items,
            om,
            float(published) if published is not None else None,
            tuple(notes),
        )
    screen_result = None
    if quality and answers.shape[0] > 0:
        durations = None
        duration_column = duration_column or source_hints(source)[1]
        if duration_column is not None:
            durations = numeric_column(source, duration_column)
        screen_result = screen_answers(compiled, answers, durations)
    careless = _careless_warning(instrument, compiled.id, source.name, ids, screen_result)
    return AnalysisResult(
        compiled.instrument.provenance(),
        int(answers.shape[0]),
        subscales,
        screen_result,
        ids,
        problems,
        tuple(warnings),
        quality_warnings=(careless,) if careless is not None else (),
    )


CARELESS_SHOWN = 5
"""How many careless respondents a warning names (the rest are counted)."""


def _careless_warning(
    ref: InstrumentRef, ident: str, data_name: str, ids: NDArray[Any], screen: Any
) -> Issue | None:
    """Build the ``careless-respondents`` warning: how many, why, the first few by id and row."""
    if screen is None:
        return None
    rows = np.flatnonzero(screen.careless)
    if not rows.size:
        return None
    counts: dict[str, int] = {}
    for row in rows:
        for reason in screen.reasons[row]:
            counts[reason] = counts.get(reason, 0) + 1
    why = ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items()))
    named = ", ".join(respondent_text(ids, int(r)) for r in rows[:CARELESS_SHOWN])
    more = f" and {rows.size - CARELESS_SHOWN} more" if rows.size > CARELESS_SHOWN else ""
    total = len(screen.careless)
    return Issue(
        "careless-respondents",
        f"{rows.size} of {total} respondent{'s' * (total != 1)} answered in a way the "
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

"""Sum-score-to-theta tables for paper administration: ``relscales show ID --sum-table``.

For each subscale with a declared graded response model, the EAP of theta given only the sum
score (EAP[sum]; Thissen, Pommerich, Billeaud & Williams 1995), by the Lord & Wingersky (1984)
recursion of :func:`relscales.irt.sum_score_table`. Someone who answered every item on paper
can then be given theta from the classical score alone.

The model's sum score is the sum of category codes (0 = each item's lowest keyed answer,
counting up one per step of its scale). The table is written on the classical score's own
metric instead: with item ``j``'s weight ``w_j``, lowest value ``low_j`` and step ``d_j``, the
classical sum of keyed answers is ``sum_j w_j (low_j + d_j code_j)``. A reversed answer is
``low + high - x``, which runs over the same range as the answers, so reversal leaves
``sum_j w_j low_j`` unchanged (see :class:`relscales.scoring.compile.CodeKey`). When every
``w_j d_j`` is the same ``d``, the classical sum is ``sum_j w_j low_j + d * (sum of codes)``: one
raw score per sum of codes. A subscale whose scales are not evenly spaced, or whose items'
``w_j d_j`` differ, has no such correspondence and gets no table (it is listed in
:attr:`SumTables.skipped`, with the reason).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from relscales.errors import Issue, Location, ScoringError
from relscales.instruments.instrument import Instrument
from relscales.scoring.compile import CompiledInstrument, CompiledIrt, compile_instrument

__all__ = [
    "CSV_COLUMNS",
    "SkippedSubscale",
    "SubscaleSumTable",
    "SumTableRow",
    "SumTables",
    "battery_error",
    "sum_tables",
    "write_sum_tables",
]

CSV_COLUMNS = ("subscale", "raw_score", "theta", "theta_se", "theta_t", "mean_score")
"""Columns of the CSV; ``mean_score`` only when a mean-scored subscale is in it."""

_SPACING_TOLERANCE = 1e-12
"""Absolute tolerance of "evenly spaced" values, as :class:`~relscales.scoring.compile.CodeKey`."""
_STEP_TOLERANCE = 1e-9
"""Relative tolerance of "every item's weight times step is the same"."""
_RAW_DECIMALS = 10
"""Raw scores are rounded to this many decimals (``0.1 * 3`` is written ``0.3``)."""

_PATTERN = {"eap": "pattern EAP", "map": "pattern MAP", "ml": "pattern ML estimate"}


@dataclass(frozen=True, slots=True)
class SumTableRow:
    """One possible classical score of a complete administration, and its theta."""

    raw_score: float
    """The classical score's sum of (weighted) keyed answers."""
    theta: float
    """Posterior mean of theta given this sum score (EAP[sum])."""
    theta_se: float
    """Posterior SD of theta given this sum score."""
    theta_t: float
    """``50 + 10 theta``."""
    mean_score: float | None
    """The classical mean score (``raw_score`` over the total weight) of a mean-scored
    subscale; None for a sum or prorated sum, whose score is ``raw_score`` itself."""


@dataclass(frozen=True, slots=True)
class SubscaleSumTable:
    """The EAP[sum] table of one subscale."""

    subscale: str
    """The subscale id."""
    name: str
    """The subscale's name."""
    method: str
    """Its classical scoring method: ``sum``, ``mean`` or ``prorated_sum``."""
    pattern_method: str
    """How ``relscales score`` estimates theta from the answers (``eap``, ``map``, ``ml``)."""
    n_items: int
    prior_mean: float
    prior_sd: float
    rows: tuple[SumTableRow, ...]
    """One row per possible sum of category codes, lowest first."""

    @property
    def mean_scored(self) -> bool:
        """Return True when the classical score is a mean (the rows have ``mean_score``)."""
        return self.method == "mean"

    def heading(self) -> str:
        """Return the one-line heading of the text table: what the numbers are, and when."""
        return (
            f"{self.subscale}: theta given the sum score (EAP[sum]), not the "
            f"{_PATTERN.get(self.pattern_method, 'pattern estimate')} of `relscales score`; "
            f"prior N({_number(self.prior_mean)}, {_number(self.prior_sd)}); "
            f"only when all {self.n_items} items are answered"
        )


@dataclass(frozen=True, slots=True)
class SkippedSubscale:
    """A subscale with a model but no sum-score table, and why."""

    subscale: str
    reason: str


@dataclass(frozen=True, slots=True)
class SumTables:
    """The sum-score-to-theta tables of an instrument's subscales (:func:`sum_tables`)."""

    instrument: str
    """The instrument id."""
    version: str
    tables: tuple[SubscaleSumTable, ...]
    skipped: tuple[SkippedSubscale, ...] = ()
    """Subscales asked for (or, with none asked for, declared with a model) that have no
    table: their classical score is not a function of the model's sum score."""

    def notes(self) -> list[str]:
        """Return one line per skipped subscale, for standard error."""
        return [
            f"note: no sum-score table for subscale '{s.subscale}' of '{self.instrument}': "
            f"{s.reason}"
            for s in self.skipped
        ]

    def to_text(self) -> str:
        """Return the tables for reading: a heading line and aligned columns per subscale."""
        blocks = []
        for table in self.tables:
            header = ["raw_score", *(["mean_score"] * table.mean_scored)]
            header += ["theta", "theta_se", "theta_t"]
            rows = [header]
            for row in table.rows:
                cells = [_number(row.raw_score)]
                if table.mean_scored and row.mean_score is not None:
                    cells.append(f"{row.mean_score:.3f}")
                cells += [f"{row.theta:.3f}", f"{row.theta_se:.3f}", f"{row.theta_t:.1f}"]
                rows.append(cells)
            widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
            lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
            blocks.append("\n".join([table.heading(), *lines]))
        return "\n\n".join(blocks)

    def to_csv(self) -> str:
        """Return the tables as CSV, every number at full precision (it reads back exactly)."""
        with_mean = any(t.mean_scored for t in self.tables)
        columns = CSV_COLUMNS if with_mean else CSV_COLUMNS[:-1]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for table in self.tables:
            for row in table.rows:
                cells = [
                    table.subscale,
                    _number(row.raw_score),
                    repr(row.theta),
                    repr(row.theta_se),
                    repr(row.theta_t),
                ]
                if with_mean:
                    cells.append("" if row.mean_score is None else _number(row.mean_score))
                writer.writerow(cells)
        return out.getvalue()


def _number(value: float) -> str:
    """Write a number briefly: ``12`` for a whole number, else the shortest exact text."""
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(value)


def _offsets(compiled: CompiledInstrument, irt: CompiledIrt) -> tuple[float, float] | str:
    """Return ``(sum of w_j low_j, common w_j d_j)``, or why the table cannot be made."""
    lows, steps, weights = [], [], []
    uneven = []
    for item in irt.items.tolist():
        values = compiled.scales[int(compiled.item_scale[item])].values
        step = float(values[-1] - values[0]) / max(len(values) - 1, 1)
        if not np.allclose(np.diff(values), step, rtol=0, atol=_SPACING_TOLERANCE):
            uneven.append(compiled.item_ids[item])
        lows.append(float(values[0]))
        steps.append(step)
        weights.append(float(compiled.weights[irt.subscale, item]))
    if uneven:
        return (
            f"the answer values of {', '.join(uneven)} are not evenly spaced, so the sum of "
            "keyed answers does not follow from the sum of category codes the model uses; "
            "score these respondents with `relscales score` (pattern scoring)"
        )
    spans = np.array(weights) * np.array(steps)
    if not np.allclose(spans, spans[0], rtol=_STEP_TOLERANCE, atol=0):
        return (
            "its items' steps between answers (times their weights) differ, so one sum of "
            "category codes stands for several classical scores; score these respondents "
            "with `relscales score` (pattern scoring)"
        )
    return float(np.dot(weights, lows)), float(spans[0])


def _table(compiled: CompiledInstrument, irt: CompiledIrt) -> SubscaleSumTable | str:
    """Return the EAP[sum] table of one model, or why it cannot be made."""
    from relscales.irt import sum_score_table

    offsets = _offsets(compiled, irt)
    if isinstance(offsets, str):
        return offsets
    base, span = offsets
    method = compiled.methods[irt.subscale]
    total_weight = float(compiled.weights[irt.subscale, irt.items].sum())
    found = sum_score_table(irt.model, prior_mean=irt.prior_mean, prior_sd=irt.prior_sd)
    rows = []
    for s, theta, se in zip(
        found.sum_scores.tolist(), found.theta.tolist(), found.se.tolist(), strict=True
    ):
        raw = round(base + span * s, _RAW_DECIMALS) + 0.0  # + 0.0: never -0.0
        mean = raw / total_weight if method == "mean" else None
        rows.append(SumTableRow(raw, theta, se, 50.0 + 10.0 * theta, mean))
    info = compiled.scores[irt.subscale]
    return SubscaleSumTable(
        subscale=info.id,
        name=info.name,
        method=method,
        pattern_method=irt.method,
        n_items=int(irt.items.size),
        prior_mean=irt.prior_mean,
        prior_sd=irt.prior_sd,
        rows=tuple(rows),
    )


def sum_tables(
    instrument: Instrument | CompiledInstrument,
    *,
    subscales: Sequence[str] = (),
    ref: str | None = None,
) -> SumTables:
    """Build the sum-score-to-theta (EAP[sum]) table of each subscale with a declared model.

    Parameters
    ----------
    instrument
        A loaded or compiled instrument.
    subscales
        Subscale ids to tabulate (default: every subscale with a graded response model).
    ref
        How the instrument was named (a bundled id or a path), for the hints of errors;
        default: its id.

    Returns
    -------
    SumTables
        The tables, in the order the subscales are declared, and the subscales whose
        classical score is not a function of the model's sum score (no table; see the
        module doc).

    Raises
    ------
    ScoringError
        ``invalid-option`` when the instrument declares no model, when a subscale asked for
        has none, or when no table can be made; ``unknown-score`` for an id that is not a
        subscale. Each message names the instrument and says what to do.

    Examples
    --------
    >>> from relscales import load_instrument
    >>> try:
    ...     sum_tables(load_instrument("rses"))
    ... except ScoringError as exc:
    ...     print(exc.code)
    invalid-option
    """
    compiled = (
        instrument if isinstance(instrument, CompiledInstrument) else compile_instrument(instrument)
    )
    ident = compiled.id
    where = Location(instrument=ident)
    if not compiled.irt:
        raise ScoringError(
            Issue(
                "invalid-option",
                f"instrument '{ident}' declares no graded response model, so it has no "
                "sum-score table",
                where,
                hint="declare an irt block under a subscale (docs/authoring.md#item-response-"
                f"theory-irt), or fit one with `relscales calibrate DATA -i {ref or ident} --form "
                "extends -o FILE.yaml` and use FILE.yaml",
            )
        )
    by_id = {compiled.scores[m.subscale].id: m for m in compiled.irt}
    modelled = ", ".join(by_id)
    all_subscales = {info.id for info in compiled.scores if info.kind == "subscale"}
    for wanted in subscales:
        if wanted in by_id:
            continue
        if wanted in all_subscales:
            raise ScoringError(
                Issue(
                    "invalid-option",
                    f"subscale '{wanted}' of '{ident}' declares no graded response model",
                    where,
                    hint=f"subscales with a model: {modelled}; or declare an irt block for "
                    f"'{wanted}' (docs/authoring.md#item-response-theory-irt)",
                )
            )
        raise ScoringError(
            Issue(
                "unknown-score",
                f"'{wanted}' is not a subscale of '{ident}'",
                where,
                hint=f"subscales with a model: {modelled}",
            )
        )
    chosen = [
        m for m in compiled.irt if not subscales or compiled.scores[m.subscale].id in subscales
    ]
    tables, skipped = [], []
    for irt in chosen:
        made = _table(compiled, irt)
        if isinstance(made, str):
            skipped.append(SkippedSubscale(compiled.scores[irt.subscale].id, made))
        else:
            tables.append(made)
    if not tables:
        raise ScoringError(
            [
                Issue(
                    "invalid-option",
                    f"no sum-score table for subscale '{s.subscale}' of '{ident}': {s.reason}",
                    where,
                )
                for s in skipped
            ]
        )
    return SumTables(ident, compiled.instrument.version, tuple(tables), tuple(skipped))


def battery_error(battery: str, members: Sequence[str]) -> ScoringError:
    """Return the error for a sum-score table asked of a battery (tables are per instrument)."""
    return ScoringError(
        Issue(
            "invalid-option",
            f"'{battery}' is a battery; sum-score tables belong to its instruments",
            Location(instrument=battery),
            hint=f"ask for one of its instruments: {', '.join(members)}",
        )
    )


def write_sum_tables(
    tables: SumTables, output: Path, inputs: Sequence[tuple[str, str | os.PathLike[str]]] = ()
) -> None:
    """Write the tables as CSV to ``output``, atomically; never over one of ``inputs``.

    Parameters
    ----------
    tables
        What :func:`sum_tables` returned.
    output
        A ``.csv`` file (or a character device such as ``/dev/null``). It is written to a
        temporary file beside it, then renamed over it; a new file gets the usual
        permissions (``0644`` with the common umask): it holds no answers.
    inputs
        ``(label, path)`` of the files read (instrument, text overlays); ``output`` must be
        none of them (``output-is-input``). Names starting with ``<`` are not files.

    Raises
    ------
    ScoringError
        ``invalid-option`` for an output name not ending in ``.csv``.
    OutputError
        When ``output`` is an input, a special file, or cannot be written.
    """
    from relscales.io.atomic import atomic_text, check_outputs, is_device

    if output.suffix.lower() != ".csv" and not is_device(output):
        raise ScoringError(
            Issue(
                "invalid-option",
                f"the sum-score table is written as CSV, not to '{output}'",
                Location(file=str(output)),
                hint="give an output name ending in .csv",
            )
        )
    files = [(label, path) for label, path in inputs if not str(path).startswith("<")]
    check_outputs([("-o", output)], files)
    with atomic_text(output, newline="", private=False) as stream:
        stream.write(tables.to_csv())

"""Scoring rows that belong together: the waves of one person, the partners of one couple.

Both ``relscales change`` and ``relscales couples`` read one or more sources (a file with a
wave or couple column; one file per wave or per partner; wide columns with a wave suffix),
score every row once, and keep, per row, what links it (person, wave, couple, role) beside
its scores, flags, readings and (for reports) intervals. This module does that part; the two
commands then group the rows (:mod:`relscales.pipeline.change`,
:mod:`relscales.pipeline.couples`).

Everything is column arrays: linking values are factorised once (Arrow's hash encoding), and
rows are grouped by sorting codes, never by a Python loop over people.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.errors import ErrorCode, Issue, Location
from relscales.io.tabular import Source
from relscales.linked_results import FlagColumn, InstrumentNote
from relscales.pipeline.run import ScoringRun
from relscales.scoring.compile import CompiledBattery, CompiledInstrument, ScoreInfo
from relscales.scoring.options import ScoreOptions
from relscales.scoring.results import ResultLayout

__all__ = [
    "LinkedPart",
    "LinkedRows",
    "ScoreDescription",
    "codes_of",
    "describe_scores",
    "flag_columns",
    "instrument_notes",
    "join_parts",
    "rows_text",
    "score_part",
    "source_label",
    "take_rows",
]

SHOWN_ROWS = 5
"""Rows named in one warning (the rest are counted)."""


@dataclass
class LinkedPart:
    """The scored rows of one source, with the columns that link them (Arrow arrays)."""

    source: Source
    compiled: list[CompiledInstrument]
    battery: CompiledBattery | None
    layout: ResultLayout
    id_column: str | None
    n_rows: int
    ids: Any
    """Person ids as a pyarrow string array (``None`` without an id column)."""
    carried: dict[str, Any]
    """Carried column -> pyarrow string array (wave, couple, role)."""
    scores: dict[str, NDArray[np.float64]]
    se: dict[str, NDArray[np.float64]]
    ci_low: dict[str, NDArray[np.float64]]
    ci_high: dict[str, NDArray[np.float64]]
    flags: dict[str, NDArray[np.bool_]]
    readings: dict[str, NDArray[Any]]
    problem_count: int
    warnings: list[Issue]
    metadata: dict[str, Any]
    label: str | None = None
    """A label for every row of this part (a wave of a file per wave, a role of a file per
    partner)."""


def score_part(
    compiled: Sequence[CompiledInstrument],
    battery: CompiledBattery | None,
    source: Source,
    options: ScoreOptions,
    *,
    carry: Sequence[str] = (),
    linked: bool = False,
    label: str | None = None,
) -> LinkedPart:
    """Score one source, keeping scores, flags, readings and the carried columns.

    With ``options.details`` the standard error and interval of every score are kept too.
    """
    import pyarrow as pa

    run = ScoringRun(compiled, source, options, battery, carry=carry, linked=linked)
    layout = run.plan.layout()
    score_names = [s.column for s in layout.scores]
    flag_names = [c for owner in layout.flags.values() for c in owner.values()]
    reading_names = [c for owner in layout.profiles.values() for c in owner.values()]
    chunks: dict[str, list[NDArray[Any]]] = {n: [] for n in [*score_names, *flag_names]}
    reading_chunks: dict[str, list[NDArray[Any]]] = {n: [] for n in reading_names}
    details: dict[str, list[NDArray[np.float64]]] = {}
    ids: list[Any] = []
    carried: dict[str, list[Any]] = {name: [] for name in run.carry}
    for batch, _ in run.scored_batches():
        for name, parts in chunks.items():
            if name in batch:
                parts.append(batch[name])
        for name, parts in reading_chunks.items():
            if name in batch:
                parts.append(batch[name])
        if run.id_column is not None:
            ids.append(_text(batch[run.id_column]))  # ' P-01' links with 'P-01'
        for name, array in run.carried_batch.items():
            carried[name].append(_text(array))
        for key, values in run.details_batch.items():
            if key.endswith((".se", ".ci_low", ".ci_high")):
                details.setdefault(key, []).append(values)
        run.details_batch = {}

    def joined(parts: list[NDArray[Any]], dtype: Any) -> NDArray[Any]:
        return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype)

    scores = {n: joined(chunks[n], np.float64) for n in score_names}
    flags = {  # a flag is True (raised), False or None (could not be checked)
        n: np.asarray(joined(chunks[n], object) == True, dtype=np.bool_)  # noqa: E712
        if chunks[n]
        else np.zeros(run.rows, dtype=np.bool_)
        for n in flag_names
    }
    readings = {n: joined(parts, object) for n, parts in reading_chunks.items() if parts}
    kept = {key: joined(parts, np.float64) for key, parts in details.items()}

    def detail(kind: str) -> dict[str, NDArray[np.float64]]:
        return {n: kept[f"{n}.{kind}"] for n in score_names if f"{n}.{kind}" in kept}

    id_array = pa.chunked_array(ids, pa.string()).combine_chunks() if ids else None
    return LinkedPart(
        source=source,
        compiled=list(run.compiled),
        battery=battery,
        layout=layout,
        id_column=run.id_column,
        n_rows=run.rows,
        ids=id_array,
        carried={
            name: pa.chunked_array(parts, pa.string()).combine_chunks()
            for name, parts in carried.items()
        },
        scores=scores,
        se=detail("se"),
        ci_low=detail("ci_low"),
        ci_high=detail("ci_high"),
        flags=flags,
        readings=readings,
        problem_count=run.problems.total,
        warnings=run.warnings(),
        metadata=run.metadata(),
        label=label,
    )


def _text(array: Any) -> Any:
    """Return a batch column as a pyarrow string array (blank text as null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not isinstance(array, pa.Array):
        array = pa.array(np.asarray(array).astype(str))
    if not pa.types.is_string(array.type):
        array = array.cast(pa.string())
    stripped = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)


def codes_of(array: Any) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Factorise a pyarrow string array: (code per row, -1 for null; labels by code).

    Codes follow first appearance, so labels keep the order of the data.
    """
    import pyarrow as pa

    if array is None or len(array) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=object)
    encoded = array.dictionary_encode()
    indices = encoded.indices
    codes = indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    labels = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
    if not isinstance(encoded, pa.DictionaryArray):  # pragma: no cover - defensive
        raise TypeError("expected a dictionary array")
    return codes, labels


@dataclass
class LinkedRows:
    """The rows of every part, joined: one entry per data row, in part then row order."""

    parts: list[LinkedPart]
    part: NDArray[np.int64]
    row: NDArray[np.int64]
    """1-based row within its part's source."""
    scores: dict[str, NDArray[np.float64]]
    se: dict[str, NDArray[np.float64]]
    ci_low: dict[str, NDArray[np.float64]]
    ci_high: dict[str, NDArray[np.float64]]
    flags: dict[str, NDArray[np.bool_]]
    readings: dict[str, NDArray[Any]]
    ids: Any
    """Person ids of every row (pyarrow string array, or ``None`` when no part has ids)."""
    carried: dict[str, Any]
    """Carried column (or a part's label, under the name ``label``) -> pyarrow string array."""
    missing_scores: dict[str, list[int]] = field(default_factory=dict)
    """Score column -> the parts that do not have it (scored on another version)."""

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.part)

    def source_names(self) -> NDArray[Any]:
        """Return the source (file name) of every row."""
        names = np.array([p.source.name for p in self.parts], dtype=object)
        return names[self.part]

    def versions(self) -> NDArray[Any]:
        """Return the instrument versions each row was scored on (``id version``, joined)."""
        names = np.array(
            [
                ", ".join(f"{c.id} {c.instrument.spec.version}" for c in p.compiled)
                for p in self.parts
            ],
            dtype=object,
        )
        return names[self.part]


def join_parts(parts: list[LinkedPart]) -> LinkedRows:
    """Join scored parts into one set of rows; scores missing from a part are NaN."""
    import pyarrow as pa

    sizes = [p.n_rows for p in parts]
    part = np.repeat(np.arange(len(parts), dtype=np.int64), sizes)
    row = np.concatenate([np.arange(1, n + 1, dtype=np.int64) for n in sizes]) if parts else part
    names = list(dict.fromkeys(n for p in parts for n in p.scores))
    missing = {n: [k for k, p in enumerate(parts) if n not in p.scores] for n in names}

    def stacked(get: Any, dtype: Any, fill: Any) -> dict[str, NDArray[Any]]:
        keys = list(dict.fromkeys(k for p in parts for k in get(p)))
        return {
            k: np.concatenate(
                [get(p).get(k, np.full(p.n_rows, fill, dtype=dtype)) for p in parts]
            ).astype(dtype, copy=False)
            for k in keys
        }

    carried: dict[str, Any] = {}
    carried_names = list(dict.fromkeys(k for p in parts for k in p.carried))
    for name in carried_names:
        carried[name] = pa.concat_arrays(
            [p.carried.get(name, pa.nulls(p.n_rows, pa.string())) for p in parts]
        )
    if any(p.label is not None for p in parts):
        carried["label"] = pa.array(
            np.repeat(np.array([p.label or "" for p in parts], dtype=object), sizes).tolist(),
            pa.string(),
        )
    ids = None
    if any(p.ids is not None for p in parts):
        ids = pa.concat_arrays(
            [p.ids if p.ids is not None else pa.nulls(p.n_rows, pa.string()) for p in parts]
        )
    return LinkedRows(
        parts=parts,
        part=part,
        row=row,
        scores=stacked(lambda p: p.scores, np.float64, np.nan),
        se=stacked(lambda p: p.se, np.float64, np.nan),
        ci_low=stacked(lambda p: p.ci_low, np.float64, np.nan),
        ci_high=stacked(lambda p: p.ci_high, np.float64, np.nan),
        flags=stacked(lambda p: p.flags, np.bool_, False),
        readings=stacked(lambda p: p.readings, object, None),
        ids=ids,
        carried=carried,
        missing_scores={n: k for n, k in missing.items() if k},
    )


def rows_text(rows: LinkedRows, positions: Sequence[int] | NDArray[np.int64]) -> str:
    """Name rows for a message: ``rows 4 and 9 of a.csv`` (at most a few)."""
    shown = [int(p) for p in list(positions)[:SHOWN_ROWS]]
    if not shown:
        return "no rows"
    by_file: dict[str, list[str]] = {}
    for p in shown:
        by_file.setdefault(rows.parts[int(rows.part[p])].source.name, []).append(str(rows.row[p]))
    text = "; ".join(
        f"row{'s' * (len(r) > 1)} {', '.join(r)} of {name}" for name, r in by_file.items()
    )
    extra = len(positions) - len(shown)
    return text + (f" and {extra} more" if extra > 0 else "")


def flag_columns(
    parts: Sequence[LinkedPart], lang: str = "en", locale: str = "en-US"
) -> tuple[FlagColumn, ...]:
    """Describe every flag column of the parts (message, kind, resources for ``locale``)."""
    out: dict[str, FlagColumn] = {}
    for part in parts:
        members = {c.id: c for c in part.compiled}
        for owner, flags in part.layout.flags.items():
            comp = members.get(owner)
            if comp is None:
                continue
            specs = {f.id: f for f in comp.instrument.spec.flags}
            for flag_id, column in flags.items():
                spec = specs.get(flag_id)
                if spec is None or column in out:
                    continue
                found = (
                    spec.resources.get(locale)
                    or spec.resources.get("default")
                    or next(iter(spec.resources.values()), ())
                )
                resources = tuple((r.name, r.contact, r.url) for r in found)
                message = spec.message.get(lang) or next(iter(spec.message.values()), "")
                out[column] = FlagColumn(column, owner, flag_id, spec.kind, message, resources)
    return tuple(out.values())


def instrument_notes(parts: Sequence[LinkedPart]) -> tuple[InstrumentNote, ...]:
    """Name every instrument (and version) the parts were scored on."""
    seen: dict[tuple[str, str], InstrumentNote] = {}
    for part in parts:
        for comp in part.compiled:
            spec = comp.instrument.spec
            status = spec.validation.status if spec.validation is not None else "experimental"
            seen.setdefault(
                (spec.id, spec.version), InstrumentNote(spec.id, spec.name, spec.version, status)
            )
    return tuple(seen.values())


def linkage_warning(code: ErrorCode, message: str, source: str, hint: str) -> Issue:
    """Return a warning about how rows link (shown by the command, kept in the sidecar)."""
    return Issue(code, message, Location(file=source), "warning", hint=hint)


@dataclass(frozen=True)
class ScoreDescription:
    """A score column of the parts: who declares it, what it is, its tags."""

    column: str
    owner: str
    score: str
    info: ScoreInfo
    tags: tuple[str, ...]


def describe_scores(parts: Sequence[LinkedPart]) -> dict[str, ScoreDescription]:
    """Describe every score column of the parts, in column order (a later part's wins).

    The later part wins so that, across instrument versions, the newest declaration (its
    name, better direction, cut-off) describes the score.
    """
    out: dict[str, ScoreDescription] = {}
    for part in parts:
        found: dict[tuple[str, str], tuple[ScoreInfo, tuple[str, ...]]] = {}
        for comp in [*(part.battery.members if part.battery else ()), *part.compiled]:
            spec = comp.instrument.spec
            tags = {s.id: tuple(s.tags) for s in spec.subscales}
            tags.update({c.id: tuple(c.tags) for c in spec.composites})
            for info in comp.scores:
                found[(comp.id, info.id)] = (info, tags.get(info.id, ()))
        if part.battery is not None:
            own = {c.id: tuple(c.tags) for c in part.battery.battery.spec.composites}
            for info in part.battery.scores:
                if info.id in own:
                    found[(part.battery.id, info.id)] = (info, own[info.id])
        for column in part.layout.scores:
            hit = found.get((column.owner, column.score))
            if hit is not None:
                out[column.column] = ScoreDescription(
                    column.column, column.owner, column.score, hit[0], hit[1]
                )
    return out


def source_label(data: Any, k: int, kind: str) -> str:
    """Name the ``k``-th source of several: its file name, else ``<kind> <k + 1>``."""
    if isinstance(data, str | os.PathLike):
        return Path(data).stem
    return f"{kind} {k + 1}"


def take_rows(values: NDArray[np.float64], rows: NDArray[np.int64]) -> NDArray[np.float64]:
    """Return ``values`` at ``rows`` (NaN where a row is -1: nothing to take)."""
    if len(values) == 0:
        return np.full(len(rows), np.nan)
    return np.where(rows >= 0, values[np.maximum(rows, 0)], np.nan)

"""Change over time (``relscales change``): reliable change and clinically significant change.

The data come in one of three shapes:

* one source with a **wave column** (one row per person and wave);
* **one source per wave** (before, after, ...), in the order given;
* **wide** columns with a wave suffix (``anx01_t1``, ``anx01_t2``): ``wave_suffixes``.

Every row is scored once (:mod:`relscales.pipeline.linked`). Rows are grouped by person and
ordered by wave (numbers as numbers, ISO dates as dates, other labels in the order given by
``wave_order``). Each person's first and last wave (or the two waves asked for) are compared:
the change, the reliable change index by the chosen method and its verdict by the score's
declared direction (:mod:`relscales.reliable_change`), and the Jacobson & Truax category
where the score declares a clinical cut-off or the norm groups to compute one.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

from relscales.errors import DataError, Issue, Location, RelscalesError, ScoringError
from relscales.io.sources import open_source
from relscales.linked_results import ChangeResult, ChangeScore, WaveTable
from relscales.pipeline.linked import (
    LinkedPart,
    LinkedRows,
    codes_of,
    describe_scores,
    flag_columns,
    instrument_notes,
    join_parts,
    linkage_warning,
    rows_text,
    score_part,
    source_label,
    take_rows,
)
from relscales.pipeline.score import InstrumentRef, in_python_terms, resolve_refs
from relscales.reliable_change import (
    RciMethod,
    clinical_cutoff,
    clinical_significance,
    reliable_change,
)
from relscales.scoring.compile import CompiledBattery, CompiledInstrument, ScoreInfo
from relscales.scoring.options import ScoreOptions

__all__ = ["RCI_METHODS", "change", "change_parts"]

RCI_METHODS: tuple[str, ...] = ("jt", "gln", "hll", "en", "nk", "ha")
"""Reliable change methods: Jacobson & Truax (default), Gulliksen-Lord-Novick, Hsu-Linn-Lord,
Edwards-Nunnally, Nunnally-Kotsch, Hageman & Arrindell."""

_RELIABLE_UNDECLARED = {"improved": "increased", "deteriorated": "decreased"}


@dataclass(frozen=True)
class WaveSpec:
    """How the waves are found in the data (see :func:`change`)."""

    column: str | None = None
    suffixes: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    order: tuple[str, ...] = ()


def change(
    instrument: InstrumentRef | Sequence[InstrumentRef],
    data: Any,
    *,
    wave_column: str | None = None,
    id_column: str | None = None,
    wave_suffixes: Sequence[str] = (),
    wave_labels: Sequence[str] = (),
    wave_order: Sequence[str] = (),
    wave_instruments: Mapping[str, InstrumentRef] | None = None,
    from_wave: str | None = None,
    to_wave: str | None = None,
    method: str = "jt",
    reference_sd: Mapping[str, float] | None = None,
    reliability: Mapping[str, float] | None = None,
    confidence_level: float = 0.95,
    column_map: Mapping[str, str] | None = None,
    intervals: bool = False,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
    lang: str = "en",
    locale: str = "en-US",
) -> ChangeResult:
    """Measure change over time per person: reliable change and clinically significant change.

    Parameters
    ----------
    instrument
        A bundled id, YAML path or loaded instrument, or a list of them (scored together).
    data
        One source with a wave column (``wave_column``) or wave-suffixed columns
        (``wave_suffixes``), or a list of sources, one per wave, in wave order.
    wave_column
        The column naming each row's wave: numbers, ISO dates, or labels put in order by
        ``wave_order``.
    id_column
        The person id column (default: detected). Required: change links rows by person.
    wave_suffixes
        Suffixes of wide item columns, one per wave, in order (``["_t1", "_t2"]``).
    wave_labels
        Names of the waves of a list of sources (default: the file names).
    wave_order
        The order of text wave labels (``["intake", "week6", "end"]``).
    wave_instruments
        Wave label -> the instrument (for example a kept version, ``risi@0.1.1``) scored at
        that wave instead of the one of the same id in ``instrument``; with a list of
        sources or ``wave_suffixes`` only.
    from_wave, to_wave
        Compare these two waves (default: each person's first and last).
    method
        The reliable change index: ``jt`` (Jacobson & Truax 1991, default), ``gln``,
        ``hll``, ``en``, ``nk`` or ``ha`` (see docs/methods-change.md).
    reference_sd
        Score -> the standard deviation for the index (default: the SD of the first
        wave's scores in the data).
    reliability
        Score -> reliability, overriding the declared one.
    confidence_level
        Level of the reliable change test (0.95: |RCI| > 1.96).
    column_map
        Data column -> item id, for data named otherwise.
    intervals
        Keep every score's interval at every wave (for reports over time).
    instruments_dir
        Extra folders to search for instrument ids.
    lang, locale
        Language of flag messages; locale of their resources.

    Returns
    -------
    ChangeResult
        One row per person (``columns``), how each score was judged, and every wave.
    """
    try:
        if method not in RCI_METHODS:
            raise ScoringError(
                Issue(
                    "invalid-option",
                    f"--rci-method {method!r} is not a method relscales knows",
                    hint=f"use one of {', '.join(RCI_METHODS)}",
                )
            )
        refs: list[InstrumentRef] = (
            list(instrument) if isinstance(instrument, list | tuple) else [instrument]  # type: ignore[list-item]
        )
        options = ScoreOptions(
            id_column=id_column,
            column_map=dict(column_map or {}),
            confidence_level=confidence_level,
            details=intervals,
        )
        sources = list(data) if isinstance(data, list | tuple) else [data]
        spec = WaveSpec(wave_column, tuple(wave_suffixes), tuple(wave_labels), tuple(wave_order))
        parts = change_parts(refs, sources, spec, options, wave_instruments, instruments_dir)
        return _compare(
            parts,
            spec,
            method,
            from_wave,
            to_wave,
            dict(reference_sd or {}),
            dict(reliability or {}),
            confidence_level,
            lang,
            locale,
        )
    except RelscalesError as exc:
        raise in_python_terms(exc) from None


def _usage(message: str, hint: str, source: str | None = None) -> DataError:
    return DataError(Issue("invalid-option", message, Location(file=source), hint=hint))


def _compile(
    refs: Sequence[InstrumentRef],
    override: InstrumentRef | None,
    instruments_dir: Sequence[str | os.PathLike[str]],
) -> tuple[list[CompiledInstrument], CompiledBattery | None]:
    compiled, battery = resolve_refs(list(refs), instruments_dir)
    if override is None:
        return compiled, battery
    (replacement,), _ = resolve_refs([override], instruments_dir)
    if battery is not None or all(c.id != replacement.id for c in compiled):
        raise _usage(
            f"--wave-instrument names '{replacement.id}', which is not among the instruments "
            "given with -i",
            "give a version of an instrument scored at the other waves (ID@VERSION)",
        )
    return [replacement if c.id == replacement.id else c for c in compiled], None


def change_parts(
    refs: Sequence[InstrumentRef],
    sources: Sequence[Any],
    spec: WaveSpec,
    options: ScoreOptions,
    wave_instruments: Mapping[str, InstrumentRef] | None,
    instruments_dir: Sequence[str | os.PathLike[str]],
) -> list[LinkedPart]:
    """Score every source (or every wave suffix) as one part, linked by person id."""
    overrides = dict(wave_instruments or {})
    if len(sources) > 1:
        if spec.column is not None or spec.suffixes:
            raise _usage(
                "several data files are the waves themselves; a wave column or wave suffixes "
                "are for one file",
                "give one file with --wave-column (or --wave-suffixes), or one file per wave",
            )
        labels = list(spec.labels) or [source_label(s, k, "wave") for k, s in enumerate(sources)]
        if len(labels) != len(sources) or len(set(labels)) != len(labels):
            raise _usage(
                f"{len(labels)} wave labels for {len(sources)} files; each file is one wave",
                "give one distinct label per file with --wave-labels, in file order",
            )
        _check_overrides(overrides, labels)
        out = []
        for label, data in zip(labels, sources, strict=True):
            compiled, battery = _compile(refs, overrides.get(label), instruments_dir)
            source = open_source(data)
            out.append(score_part(compiled, battery, source, options, linked=True, label=label))
        return out
    if spec.suffixes:
        labels = list(spec.labels) or [s.strip("_.- ") or s for s in spec.suffixes]
        if len(labels) != len(spec.suffixes):
            raise _usage(
                f"{len(labels)} wave labels for {len(spec.suffixes)} wave suffixes",
                "give one label per suffix with --wave-labels, in order",
            )
        _check_overrides(overrides, labels)
        out = []
        for label, suffix in zip(labels, spec.suffixes, strict=True):
            compiled, battery = _compile(refs, overrides.get(label), instruments_dir)
            members = [*(battery.members if battery else ()), *compiled]
            mapping = {
                f"{column}{suffix}": item
                for comp in members
                for item, column in zip(comp.item_ids, comp.columns, strict=True)
            }
            mapping.update(options.column_map)
            wave_options = dataclasses.replace(options, column_map=mapping)
            source = open_source(sources[0])  # one pass over the data per wave
            out.append(
                score_part(compiled, battery, source, wave_options, linked=True, label=label)
            )
        return out
    source = open_source(sources[0])
    if spec.column is None:
        raise _usage(
            "change needs to know each row's wave",
            "give --wave-column COLUMN, --wave-suffixes S1,S2, or one data file per wave",
            source.name,
        )
    if overrides:
        raise _usage(
            "--wave-instrument needs the waves in separate files (or wave suffixes)",
            "put the rows scored on another version in a file of their own",
            source.name,
        )
    compiled, battery = _compile(refs, None, instruments_dir)
    return [score_part(compiled, battery, source, options, carry=[spec.column], linked=True)]


def _check_overrides(overrides: Mapping[str, Any], labels: Sequence[str]) -> None:
    unknown = [w for w in overrides if w not in labels]
    if unknown:
        raise _usage(
            f"--wave-instrument names wave '{unknown[0]}', which is not a wave of the data",
            f"waves: {', '.join(labels)}",
        )


# ---------------------------------------------------------------------------------------------
# Ordering waves
# ---------------------------------------------------------------------------------------------


def _wave_keys(labels: NDArray[Any], spec: WaveSpec, source: str) -> NDArray[np.float64]:
    """Return a sort key per wave label: a number, an ISO date, or its place in the order."""
    text = [str(v) for v in labels.tolist()]
    if spec.order:
        position = {label: k for k, label in enumerate(spec.order)}
        unknown = [t for t in text if t not in position]
        if unknown:
            raise DataError(
                Issue(
                    "wave-order-unknown",
                    f"the wave '{unknown[0]}' in column '{spec.column}' is not in --wave-order",
                    Location(file=source, data_column=spec.column),
                    hint=f"list every wave in order: {', '.join(sorted(set(text))[:12])}",
                )
            )
        return np.array([position[t] for t in text], dtype=np.float64)
    numbers = _as_numbers(text)
    if numbers is not None:
        return numbers
    dates = _as_dates(text)
    if dates is not None:
        return dates
    raise DataError(
        Issue(
            "wave-order-unknown",
            f"the waves in column '{spec.column}' are neither numbers nor dates "
            f"({', '.join(sorted(set(text))[:6])}), so their order is unknown",
            Location(file=source, data_column=spec.column),
            hint="give their order with --wave-order LABEL,LABEL,...",
        )
    )


def _as_numbers(text: Sequence[str]) -> NDArray[np.float64] | None:
    out = []
    for t in text:
        if not t.isascii():
            return None
        try:
            value = float(t)
        except ValueError:
            return None
        if not math.isfinite(value):
            return None
        out.append(value)
    return np.array(out, dtype=np.float64)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
"""An ISO 8601 date, optionally with a time (``2026-03-01``, ``2026-03-01 14:30``)."""


def _as_dates(text: Sequence[str]) -> NDArray[np.float64] | None:
    if not all(_ISO_DATE.fullmatch(t) for t in text):
        return None  # numpy would also read words such as "today" and "NaT"
    try:
        stamps = np.array([np.datetime64(t.replace(" ", "T"), "s") for t in text])
    except ValueError:
        return None
    return stamps.astype(np.int64).astype(np.float64)


# ---------------------------------------------------------------------------------------------
# Comparing waves
# ---------------------------------------------------------------------------------------------


@dataclass
class _Grouped:
    order: NDArray[np.int64]
    """Valid rows, sorted by person then wave."""
    person_of: NDArray[np.int64]
    """Person code of each sorted row."""
    starts: NDArray[np.int64]
    counts: NDArray[np.int64]
    persons: NDArray[np.int64]
    """The person codes in output order."""


def _compare(
    parts: list[LinkedPart],
    spec: WaveSpec,
    method: str,
    from_wave: str | None,
    to_wave: str | None,
    reference_sd: dict[str, float],
    given_reliability: dict[str, float],
    level: float,
    lang: str,
    locale: str,
) -> ChangeResult:
    rows = join_parts(parts)
    first = parts[0]
    source = first.source.name
    if rows.ids is None or first.id_column is None:
        raise DataError(
            Issue(
                "id-column-not-found",
                "change links each person's rows by their id, and no id column was found",
                Location(file=source),
                hint="give the person id column with --id-column",
            )
        )
    warnings: list[Issue] = [w for p in parts for w in p.warnings]
    pid, plabels = codes_of(rows.ids)
    wave_array = rows.carried[spec.column] if spec.column else rows.carried["label"]
    wcode, wlabels = codes_of(wave_array)
    if spec.column is not None:
        label_keys = _wave_keys(wlabels, spec, source)
    else:
        order_given = [str(p.label) for p in parts]
        label_keys = np.array(
            [order_given.index(str(w)) for w in wlabels.tolist()], dtype=np.float64
        )
    wkey = np.where(wcode >= 0, label_keys[np.maximum(wcode, 0)] if len(wlabels) else 0, np.nan)
    no_id = np.flatnonzero(pid < 0)
    if len(no_id):
        warnings.append(
            linkage_warning(
                "linked-row-without-id",
                f"{len(no_id)} row{'s' * (len(no_id) != 1)} without a person id cannot be "
                f"linked to other waves and {'are' if len(no_id) != 1 else 'is'} left out of "
                f"the change: {rows_text(rows, no_id)}",
                source,
                "fill in the id of every row",
            )
        )
    no_wave = np.flatnonzero((wcode < 0) & (pid >= 0))
    if len(no_wave):
        warnings.append(
            linkage_warning(
                "linked-row-without-wave",
                f"{len(no_wave)} row{'s' * (len(no_wave) != 1)} without a wave cannot be "
                f"placed in time and {'are' if len(no_wave) != 1 else 'is'} left out of the "
                f"change: {rows_text(rows, no_wave)}",
                source,
                f"fill in the '{spec.column}' column of every row",
            )
        )
    grouped = _group(pid, wkey)
    n_people = len(grouped.persons)
    sorted_keys = wkey[grouped.order]
    same_person = grouped.person_of[1:] == grouped.person_of[:-1]
    dup = np.flatnonzero(same_person & (sorted_keys[1:] == sorted_keys[:-1]))
    notes = np.full(n_people, "", dtype=object)
    person_pos = np.full(len(plabels), -1, dtype=np.int64)
    person_pos[grouped.persons] = np.arange(n_people)
    if len(dup):
        dup_rows = np.unique(np.concatenate([grouped.order[dup], grouped.order[dup + 1]]))
        for_people = np.unique(person_pos[pid[dup_rows]])
        notes[for_people] = "two rows at one wave: not compared"
        warnings.append(
            linkage_warning(
                "linked-duplicate-wave",
                f"{len(for_people)} person{'s' * (len(for_people) != 1) or ''} "
                f"{'have' if len(for_people) != 1 else 'has'} two rows at the same wave, so "
                f"their change is left empty: {rows_text(rows, dup_rows)}",
                source,
                "keep one row per person and wave (or give the repeats their own wave label)",
            )
        )
    at = np.minimum(grouped.starts, max(len(grouped.order) - 1, 0))
    last = np.clip(grouped.starts + grouped.counts - 1, 0, max(len(grouped.order) - 1, 0))
    if len(grouped.order):
        row_from = np.where(grouped.counts > 0, grouped.order[at], -1)
        row_to = np.where(grouped.counts > 1, grouped.order[last], -1)
    else:
        row_from = np.full(n_people, -1, dtype=np.int64)
        row_to = np.full(n_people, -1, dtype=np.int64)
    wlist = [str(w) for w in wlabels.tolist()]
    if from_wave is not None or to_wave is not None:
        row_from = _rows_at(grouped, wcode, wlist, from_wave, row_from, n_people, "--from")
        row_to = _rows_at(grouped, wcode, wlist, to_wave, row_to, n_people, "--to")
    single = grouped.counts == 1
    notes[(notes == "") & (grouped.counts == 0)] = "no row with a wave"
    notes[(notes == "") & single] = "one wave only"
    missing_pick = (row_from < 0) | (row_to < 0)
    notes[(notes == "") & missing_pick & (grouped.counts > 1)] = (
        "not measured at both waves asked for"
    )
    if len(dup):  # which row counts cannot be told: neither end is compared (nor in the SD)
        not_compared = notes == "two rows at one wave: not compared"
        row_from[not_compared] = -1
        row_to[not_compared] = -1
    labels_sorted = _ordered_labels(wlist, label_keys)
    columns: dict[str, NDArray[Any]] = {
        first.id_column: plabels[grouped.persons],
        "wave_from": _pick(wcode, row_from, wlabels),
        "wave_to": _pick(wcode, row_to, wlabels),
        "n_waves": grouped.counts.astype(np.int64),
    }
    scores: list[ChangeScore] = []
    for name, described in describe_scores(parts).items():
        info, owner, tags = described.info, described.owner, described.tags
        before = take_rows(rows.scores[name], row_from)
        after = take_rows(rows.scores[name], row_to)
        score, computed = _score_change(
            name,
            info,
            owner,
            tags,
            before,
            after,
            method,
            reference_sd.get(name, reference_sd.get(info.id)),
            given_reliability.get(name, given_reliability.get(info.id)),
            _layout_reliability(parts, name),
            level,
            _version_note(parts, rows, name, info.id),
        )
        scores.append(score)
        columns.update(computed)
    safety = [f for f in flag_columns(parts, lang, locale) if f.kind == "safety"]
    if safety:
        raised = np.zeros(rows.n, dtype=np.bool_)
        for flag in safety:
            raised |= rows.flags.get(flag.column, np.zeros(rows.n, dtype=np.bool_))
        columns["safety_flag_from"] = _take_bool(raised, row_from)
        columns["safety_flag_to"] = _take_bool(raised, row_to)
        any_raised = np.zeros(n_people, dtype=np.bool_)
        valid = person_pos[pid[grouped.order]]
        np.logical_or.at(any_raised, valid, raised[grouped.order])
        columns["safety_flag_any"] = any_raised
    columns["note"] = notes
    columns = {name: _blank_as_missing(values) for name, values in columns.items()}
    waves = WaveTable(
        person=person_pos[pid[grouped.order]],
        wave=wlabels[wcode[grouped.order]] if len(wlabels) else np.empty(0, dtype=object),
        row=rows.row[grouped.order],
        source=rows.source_names()[grouped.order],
        scores={n: v[grouped.order] for n, v in rows.scores.items()},
        ci_low={n: v[grouped.order] for n, v in rows.ci_low.items()},
        ci_high={n: v[grouped.order] for n, v in rows.ci_high.items()},
        flags={n: v[grouped.order] for n, v in rows.flags.items()},
        version=rows.versions()[grouped.order],
    )
    metadata = _metadata(parts, spec, method, level, scores, labels_sorted, warnings)
    return ChangeResult(
        columns=columns,
        id_column=first.id_column,
        ids=plabels[grouped.persons],
        scores=tuple(scores),
        waves=waves,
        wave_order=tuple(labels_sorted),
        warnings=tuple(warnings),
        problem_count=sum(p.problem_count for p in parts),
        metadata=metadata,
        flags=flag_columns(parts, lang, locale),
        instruments=instrument_notes(parts),
    )


def _blank_as_missing(values: NDArray[Any]) -> NDArray[Any]:
    """Write an empty label as a missing cell (``None``), not as empty text."""
    if values.dtype != object:
        return values
    out = values.copy()
    out[out == ""] = None
    return out


def _group(pid: NDArray[np.int64], wkey: NDArray[np.float64]) -> _Grouped:
    """Sort the rows that have a person and a wave; list every person with an id.

    A person whose rows all lack a wave is listed too (kept, with no row to compare).
    """
    valid = np.flatnonzero((pid >= 0) & ~np.isnan(wkey))
    order = valid[np.lexsort((wkey[valid], pid[valid]))]
    person_of = pid[order]
    everyone = np.unique(pid[pid >= 0])  # codes follow first appearance in the data
    size = int(everyone.max()) + 1 if len(everyone) else 0
    counts = np.bincount(person_of, minlength=size)[everyone].astype(np.int64)
    starts = np.searchsorted(person_of, everyone).astype(np.int64)
    return _Grouped(order, person_of, starts, counts, everyone)


def _rows_at(
    grouped: _Grouped,
    wcode: NDArray[np.int64],
    labels: list[str],
    wave: str | None,
    default: NDArray[np.int64],
    n_people: int,
    option: str,
) -> NDArray[np.int64]:
    if wave is None:
        return default
    if wave not in labels:
        raise _usage(
            f"{option} {wave}: no row has that wave",
            f"waves in the data: {', '.join(labels[:12])}",
        )
    code = labels.index(wave)
    out = np.full(n_people, -1, dtype=np.int64)
    at = wcode[grouped.order] == code
    position = np.searchsorted(grouped.persons, grouped.person_of[at])
    out[position] = grouped.order[at]
    return out


def _ordered_labels(labels: list[str], keys: NDArray[np.float64]) -> list[str]:
    return [labels[k] for k in np.argsort(keys, kind="stable").tolist()]


def _take_bool(values: NDArray[np.bool_], rows: NDArray[np.int64]) -> NDArray[Any]:
    out = np.empty(len(rows), dtype=object)
    out[:] = None
    ok = rows >= 0
    out[ok] = values[rows[ok]]
    return out


def _pick(wcode: NDArray[np.int64], rows: NDArray[np.int64], labels: NDArray[Any]) -> NDArray[Any]:
    out = np.full(len(rows), "", dtype=object)
    ok = rows >= 0
    if len(labels):
        out[ok] = labels[wcode[rows[ok]]]
    return out


def _layout_reliability(parts: list[LinkedPart], name: str) -> tuple[float | None, str | None]:
    for part in reversed(parts):
        column = part.layout.score(name)
        if column is not None and column.reliability is not None:
            if column.reliability_source == "propagated from parts":
                continue
            return column.reliability, column.reliability_source
    return None, None


def _reliability_for(
    info: ScoreInfo,
    given: float | None,
    layout: tuple[float | None, str | None],
) -> tuple[float | None, str | None]:
    if given is not None:
        return float(given), "given"
    if info.change is not None and info.change.reliability is not None:
        source = info.change.reliability_source or "declared for change"
        return float(info.change.reliability), source
    if layout[0] is not None and layout[1] != "given":
        return layout
    pub = info.published
    if pub is not None:
        for kind in ("alpha", "omega", "retest"):
            value = getattr(pub, kind)
            if value is not None and value < 1:
                return float(value), f"published {kind}"
    return None, None


def _norm(info: ScoreInfo, group: str | None) -> tuple[float, float] | None:
    if group is None:
        return None
    for norm in info.norms:
        if norm.group == group:
            return float(norm.mean), float(norm.sd)
    return None


def _score_change(
    name: str,
    info: ScoreInfo,
    owner: str,
    tags: tuple[str, ...],
    before: NDArray[np.float64],
    after: NDArray[np.float64],
    method: str,
    sd_given: float | None,
    rel_given: float | None,
    layout_rel: tuple[float | None, str | None],
    level: float,
    version_note: str | None,
) -> tuple[ChangeScore, dict[str, NDArray[Any]]]:
    n = len(before)
    critical = NormalDist().inv_cdf(0.5 + level / 2)
    better = info.change.better if info.change is not None else None
    rel, rel_source = _reliability_for(info, rel_given, layout_rel)
    present = before[~np.isnan(before)]
    if sd_given is not None:
        sd, sd_source = float(sd_given), "given"
    elif len(present) >= 2:
        sd = float(np.std(present, ddof=1))
        sd_source = f"first wave in the data (n = {len(present)})"
    else:
        sd, sd_source = None, None
    out: dict[str, NDArray[Any]] = {
        f"{name}_from": before,
        f"{name}_to": after,
        f"{name}_change": after - before,
    }
    notes = [version_note] if version_note else []
    empty_labels = np.full(n, "", dtype=object)
    se_diff: float | None = None
    cutoff = cutoff_source = None
    out[f"{name}_rci"] = np.full(n, np.nan)
    out[f"{name}_reliable"] = empty_labels
    has_clinical = info.change is not None and (
        info.change.cutoff is not None
        or info.change.functional is not None
        or info.change.dysfunctional is not None
    )
    if rel is None:
        notes.append(
            "no reliability is declared, so there is no reliable change index; give one with "
            f"--reliability {name}=R"
        )
    elif sd is None or sd <= 0:
        notes.append(
            "too few scores at the first wave for a standard deviation; give --reference-sd"
        )
    else:
        try:
            result = reliable_change(
                before,
                after,
                reliability=rel,
                better=better or "higher",
                method=_method(method),
                sd_before=sd if method == "jt" or sd_source == "given" else None,
                confidence_level=level,
            )
        except ValueError as exc:
            notes.append(f"no reliable change index: {exc}")
        else:
            se_diff = float(result.se_difference) if method == "jt" else None
            critical = float(result.critical)
            out[f"{name}_rci"] = result.index
            labels = result.labels()
            if better is None:
                labels = np.array(
                    [_RELIABLE_UNDECLARED.get(v, v) for v in labels.tolist()], dtype=object
                )
            out[f"{name}_reliable"] = labels
            if has_clinical and better is not None and info.change is not None:
                try:
                    if info.change.cutoff is not None:
                        cutoff = float(info.change.cutoff)
                        cutoff_source = info.change.cutoff_source or "declared"
                    else:
                        found = clinical_cutoff(
                            functional=_norm(info, info.change.functional),
                            dysfunctional=_norm(info, info.change.dysfunctional),
                            better=better,
                            criterion=info.change.criterion,
                        )
                        cutoff = float(found.value)
                        cutoff_source = f"criterion {found.criterion} (Jacobson & Truax 1991)"
                    significance = clinical_significance(before, after, result, cutoff, better)
                    out[f"{name}_clinical"] = significance.labels()
                except ValueError as exc:
                    notes.append(f"no clinical categories: {exc}")
                    out[f"{name}_clinical"] = empty_labels
    if has_clinical and f"{name}_clinical" not in out:
        out[f"{name}_clinical"] = empty_labels
    if better is None:
        notes.append(
            "the better direction is not declared: change is said as increased or decreased"
        )
    score = ChangeScore(
        column=name,
        owner=owner,
        score=info.id,
        name=info.name,
        low=float(info.low),
        high=float(info.high),
        better=better,
        method=method,
        reliability=rel,
        reliability_source=rel_source,
        sd=sd,
        sd_source=sd_source,
        se_difference=se_diff,
        critical=critical,
        cutoff=cutoff,
        cutoff_source=cutoff_source,
        note="; ".join(notes) or None,
        tags=tags,
    )
    return score, out


def _method(method: str) -> RciMethod:
    assert method in RCI_METHODS
    return method  # type: ignore[return-value]


def _definition(part: LinkedPart, score: str) -> Any:
    members = [*(part.battery.members if part.battery else ()), *part.compiled]
    for comp in members:
        spec = comp.instrument.spec
        for sub in spec.subscales:
            if sub.id == score:
                items = {i.id: i for i in spec.items}
                return (
                    tuple(
                        (i, items[i].reverse, spec.response_scales[items[i].scale].values)
                        for i in sub.items
                        if i in items
                    ),
                    sub.score,
                    tuple(sorted((sub.weights or {}).items())),
                )
        for comp_spec in spec.composites:
            if comp_spec.id == score:
                return tuple(
                    (p.score, p.weight, p.reverse) for p in comp_spec.parts
                ), comp_spec.method
    return None


def _version_note(parts: list[LinkedPart], rows: LinkedRows, name: str, score: str) -> str | None:
    if len(parts) < 2:
        return None
    versions = {tuple(f"{c.id} {c.instrument.spec.version}" for c in p.compiled) for p in parts}
    if len(versions) < 2:
        return None
    if name in rows.missing_scores:
        return "not scored at every wave (a version without this score)"
    definitions = {repr(_definition(p, score)) for p in parts}
    if len(definitions) > 1:
        return (
            "the questions or keys of this score differ between the versions scored, so part of "
            "the change may come from the revision, not the person"
        )
    return "scored on different versions with the same questions and keys"


def _metadata(
    parts: list[LinkedPart],
    spec: WaveSpec,
    method: str,
    level: float,
    scores: list[ChangeScore],
    waves: list[str],
    warnings: list[Issue],
) -> dict[str, Any]:
    first = parts[0].metadata
    return {
        "relscales_version": first.get("relscales_version"),
        "created": first.get("created"),
        "command": "change",
        "inputs": [p.metadata.get("input") for p in parts],
        "n_rows": sum(p.n_rows for p in parts),
        "id_column": parts[0].id_column,
        "wave_column": spec.column,
        "wave_suffixes": list(spec.suffixes),
        "waves": waves,
        "instruments": [p.metadata.get("instruments") for p in parts],
        "rci_method": method,
        "confidence_level": level,
        "scores": {
            s.column: {
                "better": s.better,
                "reliability": s.reliability,
                "reliability_source": s.reliability_source,
                "sd": s.sd,
                "sd_source": s.sd_source,
                "se_difference": s.se_difference,
                "critical": s.critical,
                "cutoff": s.cutoff,
                "cutoff_source": s.cutoff_source,
                "note": s.note,
            }
            for s in scores
        },
        "problems": [p.metadata.get("problems") for p in parts],
        "warnings": [w.to_dict() for w in warnings],
    }

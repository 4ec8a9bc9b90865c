"""Scoring from references and data: the functions behind ``relscales.score``.

Turns instrument references (bundled ids, paths, loaded or compiled instruments, a
battery) into compiled instruments, runs :class:`relscales.pipeline.run.ScoringRun` over
the data and collects the whole result in memory; also reads one instrument's answers as
a matrix, for the analyses.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from relscales.errors import Issue, Location, RelscalesError, SpecError
from relscales.instruments.instrument import Instrument
from relscales.io.sources import open_source
from relscales.io.tabular import Source
from relscales.pipeline.run import ScoringRun, concat_parts
from relscales.problems import Problem
from relscales.scoring.compile import CompiledBattery, CompiledInstrument, compile_instrument
from relscales.scoring.options import ScoreOptions
from relscales.scoring.results import ScoreResult

if TYPE_CHECKING:
    from relscales.instruments.battery import Battery

__all__ = [
    "COLUMN_MAP",
    "WITH_COLUMNS",
    "InstrumentRef",
    "ScoreRef",
    "collect_answers",
    "compile_ref",
    "compile_with_texts",
    "in_python_terms",
    "python_issues",
    "python_terms",
    "resolve_refs",
    "score",
    "score_compiled",
]

InstrumentRef = str | os.PathLike[str] | Instrument | CompiledInstrument
"""What names an instrument: a bundled id, a path, a loaded or a compiled instrument."""

ScoreRef: TypeAlias = "InstrumentRef | Battery | CompiledBattery"
"""What :func:`score` takes: an instrument, or a loaded or compiled battery (a battery's id or
path is an :data:`InstrumentRef`); at most one battery per call."""


def compile_ref(
    ref: InstrumentRef, instruments_dir: Sequence[str | os.PathLike[str]]
) -> CompiledInstrument:
    """Compile one instrument reference (a compiled instrument is returned as it is)."""
    if isinstance(ref, CompiledInstrument):
        return ref
    if isinstance(ref, Instrument):
        return compile_instrument(ref)
    from relscales.instruments.loader import load_instrument

    return compile_instrument(load_instrument(ref, instruments_dir=instruments_dir))


def compile_with_texts(
    ref: InstrumentRef, instruments_dir: Sequence[str | os.PathLike[str]], texts: Sequence[Path]
) -> CompiledInstrument:
    """Load an instrument, apply the overlays written for it, and compile it.

    Overlay labels in another language then read as answers.
    """
    if not texts or not isinstance(ref, str | os.PathLike):
        return compile_ref(ref, instruments_dir)
    from relscales.instruments.loader import load_instrument
    from relscales.instruments.texts import apply_overlays

    instrument = load_instrument(ref, instruments_dir=instruments_dir)
    return compile_instrument(apply_overlays(instrument, texts))


def resolve_refs(
    refs: Sequence[ScoreRef],
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
    compile_one: Any = None,
) -> tuple[list[CompiledInstrument], CompiledBattery | None]:
    """Compile instrument references; a battery (at most one) is expanded to its members."""
    from relscales.instruments.battery import Battery, load_battery
    from relscales.instruments.kinds import file_kind
    from relscales.instruments.registry import resolve_instrument
    from relscales.scoring.compile import compile_battery

    compiled: list[CompiledInstrument] = []
    battery: CompiledBattery | None = None
    for ref in refs:
        found: CompiledBattery | None = None
        if isinstance(ref, CompiledBattery):
            found = ref
        elif isinstance(ref, Battery):  # what load_instrument returns for a battery file
            found = compile_battery(ref)
        else:
            if isinstance(ref, str | os.PathLike):
                path = resolve_instrument(ref, extra_dirs=instruments_dir)
                if file_kind(path) == "battery":
                    found = compile_battery(load_battery(path, instruments_dir=instruments_dir))
            if found is None:
                compiled.append(
                    compile_one(ref) if compile_one else compile_ref(ref, instruments_dir)
                )
                continue
        if battery is not None:
            raise SpecError(
                Issue(
                    "invalid-option",
                    "only one battery can be scored at a time",
                    Location(file=found.battery.source),
                    hint="score the batteries in separate runs",
                )
            )
        battery = found
    return compiled, battery


def score_compiled(
    compiled: Sequence[CompiledInstrument],
    data: Any,
    options: ScoreOptions | None = None,
    *,
    columns: Sequence[str] | None = None,
    battery: CompiledBattery | None = None,
) -> ScoreResult:
    """Score data with compiled instruments and collect the whole result in memory."""
    options = options or ScoreOptions()
    source = data if isinstance(data, Source) else open_source(data, columns=columns)
    run = ScoringRun(compiled, source, options, battery)
    chunks: dict[str, list[NDArray[Any]]] = {name: [] for name in run.output_columns}
    counted: dict[str, list[NDArray[np.int64]]] = {}
    not_applicable: dict[str, list[NDArray[np.int64]]] = {}
    details: dict[str, list[NDArray[Any]]] = {}
    for batch_columns, answered in run.scored_batches():
        for name, values in batch_columns.items():
            chunks[name].append(values)
        for name, values in answered.items():
            counted.setdefault(name, []).append(values)
        for name, values in run.not_applicable_batch.items():
            not_applicable.setdefault(name, []).append(values)
        for name, values in run.details_batch.items():
            details.setdefault(name, []).append(values)
        run.details_batch = {}
    id_name = run.id_column or "row"
    columns_out = {name: concat_parts(parts, name == id_name) for name, parts in chunks.items()}
    score_names = run.plan.score_columns
    return ScoreResult(
        columns=columns_out,
        id_column=id_name,
        scores={name: columns_out[name] for name in score_names},
        n_answered={name: concat_parts(parts, False) for name, parts in counted.items()},
        n_not_applicable={
            name: concat_parts(parts, False) for name, parts in not_applicable.items()
        },
        details={name: np.concatenate(parts) for name, parts in details.items()},
        problems=tuple(run.problems.records),
        problem_count=run.problems.total,
        warnings=tuple(run.warnings()),
        metadata=run.metadata(),
        layout=run.plan.layout(),
    )


def score(
    instrument: ScoreRef | Sequence[ScoreRef],
    data: Any,
    *,
    id_column: str | None = None,
    column_map: Mapping[str, str] | None = None,
    with_ci: bool = False,
    with_norms: bool = False,
    with_counts: bool = False,
    with_bands: bool = False,
    confidence_level: float = 0.95,
    norm_group: str | None = None,
    reliability: Mapping[str, float] | None = None,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
    columns: Sequence[str] | None = None,
    quality: bool = False,
    exclude_careless: bool = False,
) -> ScoreResult:
    """Score response data on one or more instruments.

    Parameters
    ----------
    instrument
        A bundled id (``"ecr-r"``), a YAML path, a loaded :class:`Instrument`, a
        :class:`CompiledInstrument`, a battery (its id or path, or as
        :func:`load_instrument` returns it), or a list of these (scored in one pass; at
        most one battery). An instrument given twice, or a battery and one of its
        members, is scored once.
    data
        A CSV/TSV path, a mapping of column name -> values, a 2-D numpy array with
        ``columns``, a numpy structured array, a pandas/polars DataFrame, or a
        pyarrow Table. Item columns are matched by item id or the item's ``column``.
    id_column
        The respondent id column (default: detected; else rows are numbered).
    column_map
        Data column -> item id, for data named otherwise.
    with_ci, with_norms, with_counts, with_bands
        Add interval, norm, answered-count and band columns to ``.columns``.
    confidence_level
        Level of the intervals.
    norm_group
        Reference group for norms (default: each score's first).
    reliability
        Score id -> reliability for the SEM, overriding the published value.
    instruments_dir
        Extra folders to search for instrument ids.
    columns
        Column names of a plain 2-D numpy array ``data``.
    quality, exclude_careless
        Add a ``quality`` column from the careless-responding screen; leave the scores of
        flagged respondents empty (see :class:`ScoreOptions`).

    Returns
    -------
    ScoreResult
        Scores in input row order with problems, warnings and provenance.

    Examples
    --------
    >>> res = score("rses", {"id": ["a", "b"], **{f"rses{i:02d}": [3, 0] for i in range(1, 11)}})
    >>> res.scores["self_esteem"].tolist()
    [15.0, 15.0]
    """
    refs: list[ScoreRef] = (
        list(instrument) if isinstance(instrument, list | tuple) else [instrument]  # type: ignore[list-item]
    )
    try:
        compiled, battery = resolve_refs(refs, instruments_dir)
        options = ScoreOptions(
            id_column=id_column,
            column_map=dict(column_map or {}),
            with_ci=with_ci,
            with_norms=with_norms,
            with_counts=with_counts,
            with_bands=with_bands,
            confidence_level=confidence_level,
            norm_group=norm_group,
            reliability=dict(reliability or {}),
            quality=quality,
            exclude_careless=exclude_careless,
        )
        result = score_compiled(compiled, data, options, columns=columns, battery=battery)
    except RelscalesError as exc:
        in_python_terms(exc)
        raise
    metadata = dict(result.metadata)
    if isinstance(metadata.get("warnings"), list):
        metadata["warnings"] = [_python_terms_dict(w) for w in metadata["warnings"]]
    return dataclasses.replace(result, warnings=python_issues(result.warnings), metadata=metadata)


# Messages and hints are written for the command line (``--map FILE``); the Python
# functions put them in their callers' words (``column_map=``). Options without a
# keyword of their own are named by the call that takes them (``open_source``).
_READ_OPTIONS = {
    "delimiter": "delimiter",
    "encoding": "encoding",
    "input-format": "format",
    "sheet": "sheet",
}
_PLACEHOLDER = r"(?: [A-Z][A-Z=_]*\b)?"
"""A value placeholder after an option (``FILE``, ``NAME``, ``SCORE=R``), said by the keyword."""
COLUMN_MAP = "column_map={data column: item id}"
"""How ``score()`` maps data columns to items (``--map FILE`` on the command line)."""
WITH_COLUMNS = "a CompiledInstrument's with_columns({item id: data column})"
"""How functions without ``column_map`` (``analyze``) read items from other columns."""
_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"--reliability", "reliability={score: r}"),
    (r"--norm-group", "norm_group="),
    (r"--id-column", "id_column="),
    (r"--ci-level", "confidence_level="),
    (r"--with-quality", "quality=True"),
    (r"--exclude-careless", "exclude_careless=True"),
    (r"--with-(ci|norms|counts|bands)", r"with_\1=True"),
    (r"--instruments-dir", "instruments_dir="),
    (r"--duration-column", "duration_column="),
    (r"--long", "relscales.open_source(data, long=True)"),
)
_BOTH = re.compile(r"--[a-z][a-z-]* \S+ \(([a-z_]+=[^()]*) in Python\)")
_COMMAND = re.compile(r"`relscales score \S+ -i ('[^']*'|\S+) --with-quality`")
_READ = re.compile(
    r"--(delimiter|encoding|input-format|sheet)\b(?: [A-Z]+\b| ('[^']*'|[a-z0-9][\w.-]*))?"
)


def _read_option(match: re.Match[str]) -> str:
    keyword = _READ_OPTIONS[match.group(1)]
    value = match.group(2)
    if value is None:
        value = "..."
    elif not value.startswith("'"):
        value = repr(value)
    return f"relscales.open_source(data, {keyword}={value})"


def python_terms(text: str, mapping: str = COLUMN_MAP) -> str:
    """Say ``text`` in the words of the Python API: keywords instead of CLI options.

    ``mapping`` says how the caller maps data columns to items (what ``--map`` becomes).

    >>> python_terms("map them with --map FILE")
    'map them with column_map={data column: item id}'
    >>> python_terms("or give --delimiter tab")
    "or give relscales.open_source(data, delimiter='tab')"
    """
    if "--" not in text and "`relscales " not in text:
        return text
    text = _BOTH.sub(r"\1", text)  # "--id-column X (id_column='X' in Python)": the latter
    text = _COMMAND.sub(lambda m: f"`relscales.score({m.group(1)!r}, data, quality=True)`", text)
    text = _READ.sub(_read_option, text)
    text = re.sub(r"--map\b" + _PLACEHOLDER, mapping, text)
    for option, keyword in _KEYWORDS:
        text = re.sub(option + r"\b" + _PLACEHOLDER, keyword, text)
    return text


def python_issues(issues: Sequence[Issue], mapping: str = COLUMN_MAP) -> tuple[Issue, ...]:
    """Return ``issues`` with their messages and hints in the Python API's words."""
    return tuple(
        dataclasses.replace(
            issue,
            message=python_terms(issue.message, mapping),
            hint=python_terms(issue.hint, mapping) if issue.hint else issue.hint,
        )
        for issue in issues
    )


def in_python_terms(error: RelscalesError, mapping: str = COLUMN_MAP) -> RelscalesError:
    """Put an error's issues in the Python API's words, in place (its traceback is kept)."""
    error.issues = python_issues(error.issues, mapping)
    error.args = ("\n".join(issue.render() for issue in error.issues),)
    return error


def _python_terms_dict(warning: Any) -> Any:
    if not isinstance(warning, dict):
        return warning
    return {
        key: python_terms(value) if key in ("message", "hint") and isinstance(value, str) else value
        for key, value in warning.items()
    }


def collect_answers(
    compiled: CompiledInstrument, data: Any, *, columns: Sequence[str] | None = None
) -> tuple[NDArray[Any], NDArray[np.float64], tuple[Problem, ...]]:
    """Read every respondent's answers to one instrument into one matrix (for analyses).

    Returns
    -------
    ids, answers, problems
        Respondent ids, the ``(n, k)`` matrix of raw answer codes in item order
        (``NaN`` = missing or invalid), and the invalid cells found.
    """
    source = data if isinstance(data, Source) else open_source(data, columns=columns)
    run = ScoringRun([compiled], source, ScoreOptions(problem_limit=None))
    ids, (answers,) = run.read_answers()
    return ids, answers, tuple(run.problems.records)

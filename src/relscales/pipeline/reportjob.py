"""The ``relscales report`` job: score, render, write atomically.

Three modes: one respondent (``--respondent ID``, or the only respondent in the data),
every respondent (``--all``: one file per respondent in the folder ``-o``), or the whole
sample (``--study``). The format comes from ``--format`` or the suffix of ``-o``. Inputs
are never written to; each output appears only when complete. Every output path is
checked against every input before the first is written, and a folder ``--all`` creates
is readable by its owner only (``0700``), as each report file is (``0600``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relscales.errors import Issue, Location, OutputError
from relscales.io.formats import input_format_hint
from relscales.reports.render import (
    PERSON_FORMATS,
    STUDY_FORMATS,
    ReportFormat,
    format_for,
    render_person_report,
    render_study_report,
)

__all__ = ["ReportJob", "file_names", "run_report"]

EXIT_OK = 0


@dataclass(frozen=True)
class ReportJob:
    """The options of ``relscales report`` (see ``relscales report --help``)."""

    data: Path
    instruments: Sequence[str]
    output: Path
    respondent: str | None = None
    all_respondents: bool = False
    study: bool = False
    fmt: str | None = None
    template_dir: Path | None = None
    lang: str = "en"
    locale: str = "en-US"
    id_column: str | None = None
    column_map: Path | None = None
    ci_level: float = 0.95
    norm_group: str | None = None
    reliability: dict[str, float] | None = None
    delimiter: str | None = None
    encoding: str | None = None
    instruments_dir: Sequence[str | os.PathLike[str]] = ()
    texts: Sequence[Path] = ()
    quality: bool = True
    duration_column: str | None = None
    input_format: str | None = None
    sheet: str | None = None
    long: bool = False


def _usage(message: str, hint: str) -> OutputError:
    return OutputError(Issue("invalid-option", message, hint=hint))


def _pick_format(job: ReportJob, allowed: Sequence[str], folder: bool) -> ReportFormat:
    from relscales.io.atomic import is_device

    name = job.fmt or (None if folder or is_device(job.output) else job.output.name)
    chosen = format_for(name) if name is not None else "html"
    if chosen is None or chosen not in allowed:
        shown = job.fmt if job.fmt else (job.output.suffix or job.output.name)
        raise OutputError(
            Issue(
                "unsupported-format",
                f"cannot write a {'study' if job.study else 'person'} report as '{shown}'",
                Location(file=str(job.output)),
                hint=input_format_hint(shown)
                or f"write {_choice([f'.{f}' for f in allowed])}, or choose with --format",
            )
        )
    return chosen


def _choice(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_names(ids: Sequence[Any], suffix: str) -> list[str]:
    """Return one safe, unique file name per respondent id (``row-N`` when unusable).

    Examples
    --------
    >>> file_names(["R_001", "<script>", "R_001", ".."], "html")
    ['R_001.html', 'script.html', 'R_001-row-3.html', 'row-4.html']
    """
    names: list[str] = []
    taken: set[str] = set()
    for row, rid in enumerate(ids, start=1):
        stem = _UNSAFE.sub("_", str(rid)).strip("._-")[:80]
        if not stem:
            stem = f"row-{row}"
        name = f"{stem}.{suffix}"
        if name.casefold() in taken:
            name = f"{stem}-row-{row}.{suffix}"
        taken.add(name.casefold())
        names.append(name)
    return names


def run_report(job: ReportJob, echo: Callable[[str], None]) -> int:
    """Run ``relscales report``; return the exit code."""
    from relscales.io.atomic import atomic_text, check_outputs, make_private_folder
    from relscales.io.colmap import read_column_map
    from relscales.io.sources import open_source
    from relscales.pipeline.score import compile_with_texts
    from relscales.pipeline.scorejob import check_inputs, run_inputs
    from relscales.reports.explain import find_row
    from relscales.scoring.options import ScoreOptions

    modes = [job.respondent is not None, job.all_respondents, job.study]
    if sum(modes) > 1:
        raise _usage(
            "--respondent, --all and --study choose one kind of report each",
            "give only one of them",
        )
    allowed = STUDY_FORMATS if job.study else PERSON_FORMATS
    fmt = _pick_format(job, allowed, folder=job.all_respondents)
    check_inputs(job.data, job.instruments, job.texts, job.column_map)
    given = run_inputs(job.data, [], None, job.texts, job.column_map)
    given += [("instrument", ref) for ref in job.instruments if os.path.isfile(ref)]
    if job.all_respondents:
        _check_folder(job.output)
    else:
        check_outputs([("-o", job.output)], given)  # early: the full check follows scoring
    column_map = read_column_map(job.column_map) if job.column_map else {}
    options = ScoreOptions(
        id_column=job.id_column,
        column_map=column_map,
        confidence_level=job.ci_level,
        norm_group=job.norm_group,
        reliability=dict(job.reliability or {}),
        duration_column=job.duration_column,
    )
    source = open_source(
        job.data,
        delimiter=job.delimiter,
        encoding=job.encoding,
        format=job.input_format,
        sheet=job.sheet,
        long=job.long,
    )
    from relscales.pipeline.report import score_for_report  # numpy and scoring: on first use

    texts, dirs = list(job.texts), job.instruments_dir
    prepared = score_for_report(
        job.instruments,
        source,
        options=options,
        instruments_dir=dirs,
        compile_one=lambda ref: compile_with_texts(ref, dirs, texts),
    )
    result = prepared.result
    inputs = run_inputs(job.data, prepared.compiled, prepared.battery, job.texts, job.column_map)
    if not job.all_respondents:
        check_outputs([("-o", job.output)], inputs)
    common: dict[str, Any] = {"battery": prepared.battery, "template_dir": job.template_dir}
    if job.study:
        analyses = _analyses(prepared.compiled, column_map, source, job)
        text = render_study_report(result, prepared.compiled, fmt=fmt, analyses=analyses, **common)
        with atomic_text(job.output) as stream:
            stream.write(text)
        echo(f"wrote the study report of {result.n_respondents} respondents -> {job.output}")
    elif job.all_respondents:
        ids = result.columns[result.id_column].tolist()
        names = file_names(ids, fmt)
        check_outputs([("--all", job.output / name) for name in names], inputs)
        make_private_folder(job.output)
        for row, name in enumerate(names):
            text = _person(result, prepared.compiled, row, fmt, job, common)
            with atomic_text(job.output / name) as stream:
                stream.write(text)
        echo(f"wrote {len(names)} report{'s' * (len(names) != 1)} -> {job.output}")
    else:
        wanted = job.respondent
        if wanted is None:
            if result.n_respondents != 1:
                raise _usage(
                    f"the data have {result.n_respondents} respondents; say which report to write",
                    "give --respondent ID (an id or a row number), --all or --study",
                )
            wanted = "1"
        index = find_row(result, wanted)
        if index is None:
            raise OutputError(
                Issue(
                    "invalid-option",
                    f"--respondent {wanted}: no respondent with that id, and not a row number "
                    f"from 1 to {result.n_respondents}",
                    Location(file=source.name),
                    hint=f"give a value of the '{result.id_column}' column, or a row number",
                )
            )
        text = _person(result, prepared.compiled, index, fmt, job, common)
        with atomic_text(job.output) as stream:
            stream.write(text)
        rid = result.columns[result.id_column][index]
        echo(f"wrote the report of respondent {rid} (row {index + 1}) -> {job.output}")
    if result.problem_count:
        n = result.problem_count
        echo(
            f"{n} invalid value{'s' * (n != 1)} treated as missing; list them with "
            f"`relscales score {job.data} ... --problems FILE`"
        )
    return EXIT_OK


def _person(
    result: Any, compiled: Any, row: int, fmt: ReportFormat, job: ReportJob, common: Any
) -> str:
    return render_person_report(
        result, compiled, row, fmt=fmt, lang=job.lang, locale=job.locale, **common
    )


def _check_folder(folder: Path) -> None:
    """Make sure ``folder`` is a folder, or can be created (its parent exists).

    It is created (``0700``) only when the reports are ready to be written.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            Issue(
                "output-unwritable",
                f"'{folder}' is a file; with --all, -o names a folder for one report per "
                "respondent",
                Location(file=str(folder)),
                hint="give a folder name with -o",
            )
        )
    if not folder.exists():
        parent = folder.parent if str(folder.parent) else Path(".")
        if not parent.is_dir():
            raise OutputError(
                Issue(
                    "output-unwritable",
                    f"the folder '{parent}' does not exist",
                    Location(file=str(folder)),
                    hint="create the folder first, or choose another output path",
                )
            )


def _analyses(
    compiled: Sequence[Any], column_map: dict[str, str], source: Any, job: ReportJob
) -> list[Any]:
    """Reliability, item analysis and the quality screen of each instrument."""
    from relscales.pipeline.analysis import analyze

    by_item = {item: column for column, item in column_map.items()}
    return [
        analyze(
            comp.with_columns(by_item) if by_item else comp,
            source,
            confidence_level=job.ci_level,
            quality=job.quality,
            duration_column=job.duration_column,
        )
        for comp in compiled
    ]

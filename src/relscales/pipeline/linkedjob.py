"""The ``relscales change`` and ``relscales couples`` jobs: compute, write, report.

Every output path is checked against every input and against the other outputs before
anything is written; tables and reports appear only when complete (atomic writes), are
readable by their owner only, and a table written to a file gets a ``.meta.json`` sidecar.
A folder of reports is created private (``0700``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from relscales.errors import Issue, Location, OutputError
from relscales.io.atomic import (
    atomic_path,
    atomic_text,
    check_outputs,
    is_device,
    make_private_folder,
)
from relscales.io.special import check_data_file, recorded_paths
from relscales.io.writers import format_for, open_writer
from relscales.linked_results import ChangeResult, CoupleResult
from relscales.pipeline.reportjob import file_names
from relscales.pipeline.scorejob import check_inputs, meta_path

if TYPE_CHECKING:
    from relscales.reports.render import ReportFormat

__all__ = ["ChangeJob", "CouplesJob", "run_change", "run_couples"]

EXIT_OK = 0
REPORT_FORMATS = ("html", "md", "txt")


@dataclass(frozen=True)
class ChangeJob:
    """The options of ``relscales change`` (see ``relscales change --help``)."""

    data: Sequence[Path]
    instruments: Sequence[str]
    output: Path | None = None
    wave_column: str | None = None
    wave_suffixes: Sequence[str] = ()
    wave_labels: Sequence[str] = ()
    wave_order: Sequence[str] = ()
    wave_instruments: Mapping[str, str] = field(default_factory=dict)
    id_column: str | None = None
    from_wave: str | None = None
    to_wave: str | None = None
    method: str = "jt"
    reference_sd: Mapping[str, float] = field(default_factory=dict)
    reliability: Mapping[str, float] = field(default_factory=dict)
    ci_level: float = 0.95
    reports: Path | None = None
    report_format: str = "html"
    study_report: Path | None = None
    template_dir: Path | None = None
    instruments_dir: Sequence[str | os.PathLike[str]] = ()
    lang: str = "en"
    locale: str = "en-US"


@dataclass(frozen=True)
class CouplesJob:
    """The options of ``relscales couples`` (see ``relscales couples --help``)."""

    data: Sequence[Path]
    instruments: Sequence[str]
    couple_column: str
    output: Path | None = None
    role_column: str | None = None
    roles: Sequence[str] = ()
    id_column: str | None = None
    reliability: Mapping[str, float] = field(default_factory=dict)
    ci_level: float = 0.95
    pairwise: Path | None = None
    couple_reports: Path | None = None
    partner_reports: Path | None = None
    report_format: str = "html"
    study_report: Path | None = None
    template_dir: Path | None = None
    instruments_dir: Sequence[str | os.PathLike[str]] = ()
    lang: str = "en"
    locale: str = "en-US"


def _inputs(data: Sequence[Path], instruments: Sequence[str]) -> list[tuple[str, Any]]:
    from relscales.instruments.registry import looks_like_path

    out: list[tuple[str, Any]] = [("data file", path) for path in data]
    out += [("instrument", ref) for ref in instruments if looks_like_path(ref)]
    return out


def _table_format(output: Path | None) -> str:
    if output is None or is_device(output):
        return "csv"
    name = format_for(output.suffix)
    if name is None:
        raise OutputError(
            Issue(
                "unsupported-format",
                f"cannot write '{output.suffix}' output",
                Location(file=str(output)),
                hint="use .csv, .tsv, .json, .jsonl or .parquet",
            )
        )
    return name


def _report_format(fmt: str, allowed: Sequence[str], option: str) -> str:
    if fmt not in allowed:
        raise OutputError(
            Issue(
                "unsupported-format",
                f"{option} cannot be written as '{fmt}'",
                hint=f"use {', '.join(allowed)}",
            )
        )
    return fmt


def _study_format(path: Path) -> str:
    name = path.suffix.lower().lstrip(".")
    name = {"markdown": "md", "htm": "html"}.get(name, name)
    return _report_format(name, ("html", "md"), "--study-report")


WRITE_ROWS = 65_536
"""Rows encoded per block when a table is written (bounded memory on any size)."""


def _write_blocks(columns: Mapping[str, Any], fmt: str, stream: Any) -> None:
    writer = open_writer(fmt, stream)
    n = len(next(iter(columns.values()))) if columns else 0
    for start in range(0, max(n, 1), WRITE_ROWS):
        writer.write({name: values[start : start + WRITE_ROWS] for name, values in columns.items()})
    writer.close()


def write_table(
    columns: Mapping[str, Any], output: Path | None, metadata: Mapping[str, Any]
) -> None:
    """Write a table (CSV to stdout without ``output``) and, for a file, its sidecar."""
    fmt = _table_format(output)
    if output is None:
        _write_blocks(columns, fmt, sys.stdout.buffer)
        sys.stdout.flush()
        return
    with atomic_path(output) as tmp, tmp.open("wb") as stream:
        _write_blocks(columns, fmt, stream)
    if not is_device(output):
        with atomic_text(meta_path(output)) as meta:
            json.dump(
                recorded_paths(dict(metadata)), meta, indent=2, ensure_ascii=False, default=str
            )


def _outputs(pairs: Sequence[tuple[str, Path | None]]) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for label, path in pairs:
        if path is None:
            continue
        out.append((label, path))
        if label in ("-o", "--pairwise") and not is_device(path):
            out.append((f"{label} sidecar", meta_path(path)))
    return out


def _check(
    data: Sequence[Path], instruments: Sequence[str], outputs: list[tuple[str, Path]]
) -> None:
    for path in data:
        check_data_file(path)
    check_inputs(data[0], instruments)
    check_outputs(outputs, _inputs(data, instruments))


def _report(fmt: str) -> ReportFormat:
    """Return a checked report format name as the type the renderers take."""
    assert fmt in REPORT_FORMATS
    return cast("ReportFormat", fmt)


def _data_arg(data: Sequence[Path]) -> Any:
    return list(data) if len(data) > 1 else data[0]


def _echo_warnings(warnings: Sequence[Issue], echo: Callable[[str], None]) -> None:
    for warning in warnings:
        echo(warning.render())


def run_change(job: ChangeJob, echo: Callable[[str], None]) -> int:
    """Run ``relscales change``; return the exit code."""
    from relscales.pipeline.change import change

    fmt = _report_format(job.report_format, REPORT_FORMATS, "--format")
    if job.output is not None:
        _table_format(job.output)
    if job.study_report is not None:
        _study_format(job.study_report)
    outputs = _outputs(
        [("-o", job.output), ("--study-report", job.study_report), ("--reports", job.reports)]
    )
    _check(job.data, job.instruments, outputs)
    result = change(
        list(job.instruments),
        _data_arg(job.data),
        wave_column=job.wave_column,
        id_column=job.id_column,
        wave_suffixes=job.wave_suffixes,
        wave_labels=job.wave_labels,
        wave_order=job.wave_order,
        wave_instruments=dict(job.wave_instruments) or None,
        from_wave=job.from_wave,
        to_wave=job.to_wave,
        method=job.method,
        reference_sd=job.reference_sd,
        reliability=job.reliability,
        confidence_level=job.ci_level,
        intervals=job.reports is not None,
        instruments_dir=job.instruments_dir,
        lang=job.lang,
        locale=job.locale,
    )
    write_table(result.columns, job.output, result.metadata)
    if job.output is not None:
        echo(f"wrote the change of {result.n_people} people -> {job.output}")
    if job.study_report is not None:
        from relscales.reports.change_report import render_change_study

        text = render_change_study(
            result, fmt=_report(_study_format(job.study_report)), template_dir=job.template_dir
        )
        with atomic_text(job.study_report) as stream:
            stream.write(text)
        echo(f"wrote the study table of change -> {job.study_report}")
    if job.reports is not None:
        _change_reports(result, job.reports, fmt, job, echo)
    _echo_warnings(result.warnings, echo)
    _summary_change(result, echo)
    return EXIT_OK


def write_folder(
    folder: Path,
    option: str,
    names: Sequence[str],
    render: Callable[[int], str],
    inputs: Sequence[tuple[str, Any]],
) -> None:
    """Write one report per name into a private folder, each atomically.

    Every path is checked against the inputs and the other outputs before the first is
    written; ``render(k)`` gives the text of the ``k``-th.
    """
    check_outputs([(option, folder / name) for name in names], inputs)
    make_private_folder(folder)
    for k, name in enumerate(names):
        text = render(k)
        with atomic_text(folder / name) as stream:
            stream.write(text)


def _change_reports(
    result: ChangeResult, folder: Path, fmt: str, job: ChangeJob, echo: Callable[[str], None]
) -> None:
    from relscales.reports.change_report import render_change_person

    names = file_names(result.ids.tolist(), fmt)
    write_folder(
        folder,
        "--reports",
        names,
        lambda k: render_change_person(result, k, fmt=_report(fmt), template_dir=job.template_dir),
        _inputs(job.data, job.instruments),
    )
    echo(f"wrote {len(names)} report{'s' * (len(names) != 1)} over time -> {folder}")


def _summary_change(result: ChangeResult, echo: Callable[[str], None]) -> None:
    for score in result.scores:
        counts = result.counts(score.column, "reliable")
        if score.reliability is None:
            echo(f"{score.column}: no reliable change index ({score.note})")
            continue
        shown = ", ".join(f"{k} {v}" for k, v in counts.items() if v or k != "missing")
        echo(f"{score.column}: {shown}")


def run_couples(job: CouplesJob, echo: Callable[[str], None]) -> int:
    """Run ``relscales couples``; return the exit code."""
    from relscales.pipeline.couples import couples, pairwise_table

    fmt = _report_format(job.report_format, REPORT_FORMATS, "--format")
    for path in (job.output, job.pairwise):
        if path is not None:
            _table_format(path)
    if job.study_report is not None:
        _study_format(job.study_report)
    outputs = _outputs(
        [
            ("-o", job.output),
            ("--pairwise", job.pairwise),
            ("--study-report", job.study_report),
            ("--couple-reports", job.couple_reports),
            ("--partner-reports", job.partner_reports),
        ]
    )
    _check(job.data, job.instruments, outputs)
    result = couples(
        list(job.instruments),
        _data_arg(job.data),
        couple_column=job.couple_column,
        role_column=job.role_column,
        roles=job.roles,
        id_column=job.id_column,
        confidence_level=job.ci_level,
        reliability=job.reliability,
        instruments_dir=job.instruments_dir,
        lang=job.lang,
        locale=job.locale,
    )
    write_table(result.columns, job.output, result.metadata)
    if job.output is not None:
        echo(f"wrote {result.n_couples} couples -> {job.output} (for the clinician or researcher)")
    if job.pairwise is not None:
        meta = {**result.metadata, "layout": "pairwise (two rows per couple: _A actor, _P partner)"}
        write_table(pairwise_table(result), job.pairwise, meta)
        echo(f"wrote the pairwise layout -> {job.pairwise}")
    if job.study_report is not None:
        from relscales.reports.couple_report import render_couples_study

        text = render_couples_study(
            result, fmt=_report(_study_format(job.study_report)), template_dir=job.template_dir
        )
        with atomic_text(job.study_report) as stream:
            stream.write(text)
        echo(f"wrote the couples study report -> {job.study_report}")
    if job.couple_reports is not None:
        _couple_reports(result, job.couple_reports, fmt, job, echo)
    if job.partner_reports is not None:
        _partner_reports(result, job, fmt, echo)
    _echo_warnings(result.warnings, echo)
    return EXIT_OK


def _couple_reports(
    result: CoupleResult, folder: Path, fmt: str, job: CouplesJob, echo: Callable[[str], None]
) -> None:
    from relscales.reports.couple_report import render_couple

    names = file_names(result.couples.tolist(), fmt)
    write_folder(
        folder,
        "--couple-reports",
        names,
        lambda k: render_couple(result, k, fmt=_report(fmt), template_dir=job.template_dir),
        _inputs(job.data, job.instruments),
    )
    echo(f"wrote {len(names)} couple report{'s' * (len(names) != 1)} for the clinician -> {folder}")


def partner_report_names(result: CoupleResult) -> list[tuple[int, int, str]]:
    """Return (part, data row, file stem) of every partner report: ``<couple>-<role>``."""
    out: list[tuple[int, int, str]] = []
    for k, couple in enumerate(result.couples.tolist()):
        for slot in (0, 1):
            row = int(result.partner_rows[k, slot])
            if row <= 0:
                continue
            role = result.roles[slot] if result.roles else str(slot + 1)
            out.append((slot, row, f"{couple}-{role}"))
    return out


def _partner_reports(
    result: CoupleResult, job: CouplesJob, fmt: str, echo: Callable[[str], None]
) -> None:
    """Write each partner's own report, built from that partner's row alone."""
    from relscales.pipeline.report import score_for_report
    from relscales.reports.render import render_person_report
    from relscales.scoring.options import ScoreOptions

    assert job.partner_reports is not None
    folder = job.partner_reports
    wanted = partner_report_names(result)
    names = file_names([stem for _, _, stem in wanted], fmt)
    inputs = _inputs(job.data, job.instruments)
    check_outputs([("--partner-reports", folder / n) for n in names], inputs)  # before scoring
    options = ScoreOptions(
        id_column=job.id_column,
        confidence_level=job.ci_level,
        reliability=dict(job.reliability),
    )
    prepared = [
        score_for_report(
            list(job.instruments), path, options=options, instruments_dir=job.instruments_dir
        )
        for path in job.data
    ]

    def render(k: int) -> str:
        slot, row, _ = wanted[k]
        report = prepared[slot if len(prepared) > 1 else 0]
        return render_person_report(
            report.result,
            report.compiled,
            row - 1,
            fmt=_report(fmt),
            lang=job.lang,
            locale=job.locale,
            battery=report.battery,
            template_dir=job.template_dir,
        )

    write_folder(folder, "--partner-reports", names, render, inputs)
    echo(
        f"wrote {len(names)} partner report{'s' * (len(names) != 1)} -> {folder} (each from "
        "that partner's own answers only: give each partner their own file)"
    )

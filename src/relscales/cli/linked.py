"""The linked-respondent commands: ``change`` (over time) and ``couples`` (both partners)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relscales.cli.options import (
    DATA_HELP,
    CiLevel,
    IdColumn,
    Instruments,
    InstrumentsDir,
    Reliability,
    dirs,
    parse_reliability,
)
from relscales.cli.output import echo_err

__all__ = ["change_command", "couples_command"]

Output = Annotated[
    Path | None,
    typer.Option(
        "-o",
        "--output",
        help="Output file; .csv, .tsv, .json, .jsonl or .parquet. Default: CSV on stdout.",
    ),
]
ReportFormatOption = Annotated[
    str, typer.Option("--format", help="Format of the reports in a folder: html, md or txt.")
]
Template = Annotated[
    Path | None,
    typer.Option(
        "--template", help="Folder of templates overriding the packaged ones.", file_okay=False
    ),
]
StudyReport = Annotated[
    Path | None,
    typer.Option("--study-report", help="Write the study-level report (.html or .md)."),
]


def _list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip() or not rest.strip():
            raise typer.BadParameter(f"'{value}': use NAME=VALUE", param_hint=option)
        out[key.strip()] = rest.strip()
    return out


def _numbers(values: list[str] | None, option: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, text in _pairs(values, option).items():
        try:
            number = float(text)
        except ValueError:
            raise typer.BadParameter(
                f"'{key}={text}': the value is not a number", param_hint=option
            ) from None
        if not number > 0 or number == float("inf"):
            raise typer.BadParameter(f"'{key}={text}': give a positive number", param_hint=option)
        out[key] = number
    return out


def change_command(
    data: Annotated[
        list[Path], typer.Argument(help=DATA_HELP + " One file, or one file per wave in order.")
    ],
    instrument: Instruments,
    wave_column: Annotated[
        str | None,
        typer.Option(
            "--wave-column", help="Column naming each row's wave (numbers, dates or labels)."
        ),
    ] = None,
    wave_suffixes: Annotated[
        str | None,
        typer.Option(
            "--wave-suffixes",
            help="Wide data: item column suffixes, one per wave in order (_t1,_t2).",
        ),
    ] = None,
    wave_labels: Annotated[
        str | None,
        typer.Option(
            "--wave-labels",
            help="Names of the waves of several files or suffixes (comma-separated).",
        ),
    ] = None,
    wave_order: Annotated[
        str | None,
        typer.Option("--wave-order", help="Order of text wave labels (intake,week6,end)."),
    ] = None,
    wave_instrument: Annotated[
        list[str] | None,
        typer.Option(
            "--wave-instrument",
            help="WAVE=ID@VERSION: the version scored at that wave (repeatable).",
        ),
    ] = None,
    id_column: IdColumn = None,
    from_wave: Annotated[
        str | None,
        typer.Option("--from", help="Compare from this wave (default: each person's first)."),
    ] = None,
    to_wave: Annotated[
        str | None, typer.Option("--to", help="Compare to this wave (default: each person's last).")
    ] = None,
    rci_method: Annotated[
        str, typer.Option("--rci-method", help="jt (Jacobson & Truax), gln, hll, en, nk or ha.")
    ] = "jt",
    reference_sd: Annotated[
        list[str] | None,
        typer.Option(
            "--reference-sd",
            help="SCORE=SD: the SD for the index (default: the first wave's, repeatable).",
        ),
    ] = None,
    reliability: Reliability = None,
    ci_level: CiLevel = 0.95,
    output: Output = None,
    reports: Annotated[
        Path | None,
        typer.Option("--reports", help="Folder: one report over time per person.", file_okay=False),
    ] = None,
    report_format: ReportFormatOption = "html",
    study_report: StudyReport = None,
    template: Template = None,
    instruments_dir: InstrumentsDir = None,
) -> None:
    """Change over time per person: reliable change index and clinically significant change."""
    from relscales.pipeline.linkedjob import ChangeJob, run_change

    job = ChangeJob(
        data=list(data),
        instruments=list(instrument),
        output=output,
        wave_column=wave_column,
        wave_suffixes=_list(wave_suffixes),
        wave_labels=_list(wave_labels),
        wave_order=_list(wave_order),
        wave_instruments=_pairs(wave_instrument, "--wave-instrument"),
        id_column=id_column,
        from_wave=from_wave,
        to_wave=to_wave,
        method=rci_method,
        reference_sd=_numbers(reference_sd, "--reference-sd"),
        reliability=parse_reliability(reliability),
        ci_level=ci_level,
        reports=reports,
        report_format=report_format,
        study_report=study_report,
        template_dir=template,
        instruments_dir=dirs(instruments_dir),
    )
    code = run_change(job, echo_err)
    if code:
        raise typer.Exit(code)


def couples_command(
    data: Annotated[
        list[Path], typer.Argument(help=DATA_HELP + " One file, or one file per partner.")
    ],
    instrument: Instruments,
    couple_column: Annotated[
        str, typer.Option("--couple-column", help="Column holding each row's couple id.")
    ],
    role_column: Annotated[
        str | None,
        typer.Option(
            "--role-column",
            help="Column holding each partner's role (two values across the study).",
        ),
    ] = None,
    roles: Annotated[
        str | None,
        typer.Option(
            "--roles", help="The two roles in order (A,B), or the names of two partner files."
        ),
    ] = None,
    id_column: IdColumn = None,
    reliability: Reliability = None,
    ci_level: CiLevel = 0.95,
    output: Output = None,
    pairwise: Annotated[
        Path | None,
        typer.Option(
            "--pairwise", help="Also write the pairwise (actor-partner) layout for APIM software."
        ),
    ] = None,
    couple_reports: Annotated[
        Path | None,
        typer.Option(
            "--couple-reports",
            help="Folder: one report per couple, for the clinician.",
            file_okay=False,
        ),
    ] = None,
    partner_reports: Annotated[
        Path | None,
        typer.Option(
            "--partner-reports",
            help="Folder: each partner's own report, from their own answers only.",
            file_okay=False,
        ),
    ] = None,
    report_format: ReportFormatOption = "html",
    study_report: StudyReport = None,
    template: Template = None,
    instruments_dir: InstrumentsDir = None,
) -> None:
    """Both partners of each couple side by side, and agreement within couples."""
    from relscales.pipeline.linkedjob import CouplesJob, run_couples

    job = CouplesJob(
        data=list(data),
        instruments=list(instrument),
        couple_column=couple_column,
        output=output,
        role_column=role_column,
        roles=_list(roles),
        id_column=id_column,
        reliability=parse_reliability(reliability),
        ci_level=ci_level,
        pairwise=pairwise,
        couple_reports=couple_reports,
        partner_reports=partner_reports,
        report_format=report_format,
        study_report=study_report,
        template_dir=template,
        instruments_dir=dirs(instruments_dir),
    )
    code = run_couples(job, echo_err)
    if code:
        raise typer.Exit(code)

"""The ``report`` command: a report for one respondent, every respondent or the sample."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relscales.cli.options import (
    CiLevel,
    ColumnMap,
    Delimiter,
    DurationColumn,
    Encoding,
    IdColumn,
    InputFormat,
    Instruments,
    InstrumentsDir,
    Locale,
    Long,
    NormGroup,
    Reliability,
    Sheet,
    Texts,
    dirs,
    parse_reliability,
)
from relscales.cli.output import echo_err

__all__ = ["report_command"]


def report_command(
    data: Annotated[Path, typer.Argument(help="Response data: a CSV or TSV file.")],
    instrument: Instruments,
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Report file (.html, .md, .txt); with --all, a folder."
        ),
    ],
    respondent: Annotated[
        str | None,
        typer.Option("--respondent", help="The respondent: an id, or a row number from 1."),
    ] = None,
    all_respondents: Annotated[
        bool, typer.Option("--all", help="One report per respondent, in the folder -o.")
    ] = False,
    study: Annotated[
        bool,
        typer.Option("--study", help="A study report: distributions, reliability, quality."),
    ] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="html, md or txt, overriding the suffix.")
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template", help="Folder of templates overriding the packaged ones.", file_okay=False
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of flag messages.")] = "en",
    locale: Locale = "en-US",
    id_column: IdColumn = None,
    column_map: ColumnMap = None,
    ci_level: CiLevel = 0.95,
    norm_group: NormGroup = None,
    reliability: Reliability = None,
    no_quality: Annotated[
        bool, typer.Option("--no-quality", help="Study report: skip the careless screen.")
    ] = False,
    duration_column: DurationColumn = None,
    delimiter: Delimiter = None,
    encoding: Encoding = None,
    input_format: InputFormat = None,
    sheet: Sheet = None,
    long: Long = False,
    instruments_dir: InstrumentsDir = None,
    texts: Texts = None,
) -> None:
    """Render a report for one respondent, every respondent (--all) or the sample (--study)."""
    from relscales.pipeline.reportjob import ReportJob, run_report

    job = ReportJob(
        data=data,
        instruments=instrument,
        output=output,
        respondent=respondent,
        all_respondents=all_respondents,
        study=study,
        fmt=fmt,
        template_dir=template,
        lang=lang,
        locale=locale,
        id_column=id_column,
        column_map=column_map,
        ci_level=ci_level,
        norm_group=norm_group,
        reliability=parse_reliability(reliability),
        delimiter=delimiter,
        encoding=encoding,
        instruments_dir=dirs(instruments_dir),
        texts=texts or [],
        quality=not no_quality,
        duration_column=duration_column,
        input_format=input_format,
        sheet=sheet,
        long=long,
    )
    raise typer.Exit(run_report(job, echo_err))

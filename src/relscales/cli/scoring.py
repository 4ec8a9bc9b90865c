"""The ``score`` command: one row of scores per respondent, in input order."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relscales.cli.options import (
    DATA_HELP,
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

__all__ = ["empty_band_notes", "score_command"]


def score_command(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    instrument: Instruments,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Output file; .csv, .tsv, .json, .jsonl or .parquet. Default: CSV on stdout.",
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Output format, overriding the suffix.")
    ] = None,
    id_column: IdColumn = None,
    column_map: ColumnMap = None,
    with_ci: Annotated[bool, typer.Option("--with-ci", help="Add confidence intervals.")] = False,
    with_norms: Annotated[
        bool, typer.Option("--with-norms", help="Add z, T and percentile columns.")
    ] = False,
    with_counts: Annotated[
        bool, typer.Option("--with-counts", help="Add answered-item counts.")
    ] = False,
    with_bands: Annotated[
        bool, typer.Option("--with-bands", help="Add interpretation band columns.")
    ] = False,
    ci_level: CiLevel = 0.95,
    norm_group: NormGroup = None,
    reliability: Reliability = None,
    problems: Annotated[
        Path | None,
        typer.Option("--problems", help="Write every invalid cell to this CSV or JSON file."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any problem or warning was found.")
    ] = False,
    delimiter: Delimiter = None,
    encoding: Encoding = None,
    instruments_dir: InstrumentsDir = None,
    texts: Texts = None,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            help="Print how one respondent's readings were reached (id or row number); "
            "writes nothing.",
        ),
    ] = None,
    locale: Locale = "en-US",
    with_quality: Annotated[
        bool,
        typer.Option("--with-quality", help="Add a `quality` column (careless-responding screen)."),
    ] = False,
    exclude_careless: Annotated[
        bool,
        typer.Option(
            "--exclude-careless",
            help="Leave the scores of respondents flagged as careless empty (rows are kept).",
        ),
    ] = False,
    duration_column: DurationColumn = None,
    input_format: InputFormat = None,
    sheet: Sheet = None,
    long: Long = False,
    excel_safe: Annotated[
        bool,
        typer.Option(
            "--excel-safe",
            help="CSV/TSV: put ' before text cells a spreadsheet would run as a formula "
            "(=, +, -, @). Off by default, so ids stay exact.",
        ),
    ] = False,
    decimals: Annotated[
        int | None,
        typer.Option(
            "--decimals",
            min=0,
            max=15,
            metavar="N",
            help="Round the numbers written to N decimals. Default: full precision.",
        ),
    ] = None,
) -> None:
    """Score every respondent; write one row per respondent, in input order."""
    from relscales.io.writers import rounded_numbers
    from relscales.pipeline.scorejob import run_score

    with rounded_numbers(decimals):
        code = run_score(
            data=data,
            instruments=instrument,
            output=output,
            fmt=fmt,
            id_column=id_column,
            column_map=column_map,
            with_ci=with_ci,
            with_norms=with_norms,
            with_counts=with_counts,
            with_bands=with_bands,
            ci_level=ci_level,
            norm_group=norm_group,
            reliability=parse_reliability(reliability),
            problems=problems,
            strict=strict,
            delimiter=delimiter,
            encoding=encoding,
            instruments_dir=dirs(instruments_dir),
            echo=echo_err,
            texts=texts or [],
            explain=explain,
            locale=locale,
            with_quality=with_quality,
            exclude_careless=exclude_careless,
            duration_column=duration_column,
            input_format=input_format,
            sheet=sheet,
            long=long,
            excel_safe=excel_safe,
        )
    if with_bands and explain is None:
        for line in empty_band_notes(instrument, dirs(instruments_dir), texts or []):
            echo_err(line)
    raise typer.Exit(code)


def empty_band_notes(refs: list[str], instruments_dir: list[Path], texts: list[Path]) -> list[str]:
    """Say why ``--with-bands`` columns are empty: one line per instrument without bands.

    (Interval columns are filled for every score that exists, and an instrument without
    norms gets its ``no-norms`` warning from the scoring run.)
    """
    from relscales.pipeline.score import compile_with_texts, resolve_refs

    compiled, battery = resolve_refs(
        refs, instruments_dir, lambda ref: compile_with_texts(ref, instruments_dir, texts)
    )
    owners = [(c.id, c.scores) for c in compiled]
    if battery is not None:
        members = [(m.id, m.scores) for m in battery.members]
        n_member_scores = sum(len(scores) for _, scores in members)
        owners = [*members, *owners, (battery.id, battery.scores[n_member_scores:])]
    lines = []
    for owner, scores in owners:
        if scores and not any(info.bands for info in scores):
            columns = "its _band column is" if len(scores) == 1 else "its _band columns are"
            lines.append(
                f"note: {owner} declares no bands, so {columns} empty (a band names the range "
                "a score falls in, from published cut-offs; declare them under `bands:` in "
                "the instrument file: docs/authoring.md#bands)"
            )
    return lines

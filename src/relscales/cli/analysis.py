"""The ``analyze`` command: reliability, item analysis and data quality of a sample."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from relscales.cli.errors import EXIT_STRICT
from relscales.cli.options import (
    DATA_HELP,
    DurationColumn,
    InputFormat,
    InstrumentsDir,
    Long,
    Sheet,
    dirs,
)
from relscales.cli.output import echo_err

__all__ = ["analyze_command"]


def analyze_command(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    instrument: Annotated[
        str, typer.Option("-i", "--instrument", help="A bundled id (or ID@VERSION) or a YAML path.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (contract in docs).")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the JSON report to this file.")
    ] = None,
    ci: Annotated[str, typer.Option("--ci", help="Alpha interval: feldt or bootstrap.")] = "feldt",
    n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap resamples.")] = 1000,
    seed: Annotated[int | None, typer.Option("--seed", help="Bootstrap seed.")] = None,
    ci_level: Annotated[float, typer.Option("--ci-level", help="Interval level.")] = 0.95,
    no_quality: Annotated[
        bool, typer.Option("--no-quality", help="Skip the careless-responding screen.")
    ] = False,
    duration_column: DurationColumn = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when there are warnings or problems.")
    ] = False,
    instruments_dir: InstrumentsDir = None,
    input_format: InputFormat = None,
    sheet: Sheet = None,
    long: Long = False,
) -> None:
    """Reliability (alpha, omega, lambda 6), item analysis and data quality of a sample."""
    from relscales.reports.analysis_text import analysis_table

    if ci not in ("feldt", "bootstrap"):
        raise typer.BadParameter(f"'{ci}': use feldt or bootstrap", param_hint="--ci")
    from relscales.instruments.registry import looks_like_path
    from relscales.io.atomic import atomic_text, check_outputs
    from relscales.io.readsource import input_notes
    from relscales.io.sources import open_source
    from relscales.io.special import check_data_file
    from relscales.pipeline.analysis import analyze_sample, careless_command

    check_data_file(data)
    if output is not None:  # never replace the data or the instrument file with the report
        inputs: list[tuple[str, Path]] = [("data file", data)]
        if looks_like_path(instrument):
            inputs.append(("instrument", Path(instrument)))
        check_outputs([("-o", output)], inputs)
    source = open_source(data, format=input_format, sheet=sheet, long=long)
    result = analyze_sample(
        instrument,
        source,
        ci="bootstrap" if ci == "bootstrap" else "feldt",
        n_boot=n_boot,
        seed=seed,
        confidence_level=ci_level,
        quality=not no_quality,
        duration_column=duration_column,
        instruments_dir=dirs(instruments_dir),
    )
    for note in input_notes(source):
        echo_err(note)
    if output is not None:  # the report, streamed: millions of flagged ids are never joined
        with atomic_text(output) as stream:
            stream.writelines(result.json_chunks())
    if as_json:
        sys.stdout.writelines(result.json_chunks())
    else:
        typer.echo(
            analysis_table(result, careless_command(instrument, result.instrument["id"], data))
        )
    for warning in (*result.warnings, *result.quality_warnings):
        echo_err(warning.render())
    if strict and (result.warnings or result.quality_warnings or result.problems):
        raise typer.Exit(EXIT_STRICT)

"""The ``calibrate`` command: fit the graded response model, write it as instrument YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relscales.cli.options import DATA_HELP, IdColumn, InstrumentsDir, dirs
from relscales.cli.output import echo_err

__all__ = ["calibrate_command"]


def calibrate_command(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    instrument: Annotated[
        str, typer.Option("-i", "--instrument", help="A bundled id (or ID@VERSION) or a YAML path.")
    ],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the YAML to this file (default: stdout)."),
    ] = None,
    subscale: Annotated[
        list[str] | None,
        typer.Option("--subscale", help="Calibrate this subscale (repeatable; default: all)."),
    ] = None,
    form: Annotated[
        str,
        typer.Option(
            "--form", help="block: irt blocks to paste; extends: an instrument file extending it."
        ),
    ] = "block",
    sample: Annotated[
        str, typer.Option("--sample", help="Who the calibration sample is (recorded).")
    ] = "the calibration sample",
    source: Annotated[
        str, typer.Option("--source", help="Citation or description of the calibration.")
    ] = "",
    licence: Annotated[
        str, typer.Option("--licence", help="Terms under which the parameters may be used.")
    ] = "not yet given: decide the terms before sharing these parameters",
    id_column: IdColumn = None,
    instruments_dir: InstrumentsDir = None,
) -> None:
    """Fit the graded response model to each subscale and write its parameters as YAML."""
    from relscales.pipeline.calibratejob import CalibrateJob, run_calibrate

    job = CalibrateJob(
        data=data,
        instrument=instrument,
        output=output,
        subscales=list(subscale or []),
        form=form,
        sample=sample,
        source=source,
        licence=licence,
        id_column=id_column,
        instruments_dir=dirs(instruments_dir),
    )
    code = run_calibrate(job, echo_err)
    if code:
        raise typer.Exit(code)

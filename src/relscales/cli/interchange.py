"""The ``export`` and ``import`` commands: instruments to and from REDCap, FHIR, ReproSchema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relscales.cli.options import InstrumentsDir, dirs
from relscales.cli.output import echo_err

__all__ = ["export_command", "import_command"]


def export_command(
    instrument: Annotated[
        str, typer.Argument(help="A bundled id (or ID@VERSION) or an instrument YAML path.")
    ],
    to: Annotated[
        str,
        typer.Option("--to", help="redcap, fhir, reproschema or qualtrics-txt."),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="The file to write (a folder for reproschema, which is several files).",
        ),
    ],
    instruments_dir: InstrumentsDir = None,
) -> None:
    """Write an instrument as a REDCap dictionary, FHIR Questionnaire, ReproSchema or Qualtrics."""
    from relscales.pipeline.interchangejob import ExportJob, run_export

    code = run_export(
        ExportJob(instrument, to, output, instruments_dir=dirs(instruments_dir)), echo_err
    )
    if code:
        raise typer.Exit(code)


def import_command(
    file: Annotated[
        Path, typer.Argument(help="The REDCap dictionary, FHIR Questionnaire or ReproSchema.")
    ],
    source: Annotated[str, typer.Option("--from", help="redcap, fhir or reproschema.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The instrument YAML to write.")],
    form: Annotated[
        str | None,
        typer.Option(
            "--form", help="REDCap: the form (instrument) to import, when there are several."
        ),
    ] = None,
) -> None:
    """Read an instrument from REDCap, FHIR or ReproSchema into an instrument YAML file."""
    from relscales.pipeline.interchangejob import ImportJob, run_import

    code = run_import(ImportJob(file, source, output, form=form), echo_err)
    if code:
        raise typer.Exit(code)

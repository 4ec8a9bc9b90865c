"""The options several commands share, each defined once, and the parsing of their values.

Each option is an ``Annotated`` type that a command uses as a parameter's annotation;
Typer reads the annotation when it builds that command only.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "DATA_HELP",
    "CiLevel",
    "ColumnMap",
    "Delimiter",
    "DurationColumn",
    "Encoding",
    "IdColumn",
    "InputFormat",
    "Instruments",
    "InstrumentsDir",
    "Lang",
    "Locale",
    "Long",
    "NormGroup",
    "Reliability",
    "Sheet",
    "Texts",
    "dirs",
    "input_formats",
    "parse_reliability",
]

DATA_HELP = "Response data: CSV/TSV, a Qualtrics or REDCap export, .sav, .xlsx, JSON or Parquet."


def input_formats() -> str:
    """Name the formats ``--input-format`` accepts, for its help."""
    from relscales.io.formats import READERS

    return ", ".join(READERS)


Texts = Annotated[
    list[Path] | None,
    typer.Option(
        "--texts",
        help="Text overlay with item wording (repeatable); see docs/authoring.md#text-overlays.",
        dir_okay=False,
    ),
]


def checked_texts(texts: list[Path] | None) -> list[Path]:
    """Return the ``--texts`` paths, refusing a pipe, device or socket before it is read."""
    from relscales.io.special import check_definition_file

    for path in texts or []:
        check_definition_file(path, "text overlay")
    return list(texts or [])


InstrumentsDir = Annotated[
    list[Path] | None,
    typer.Option(
        "--instruments-dir",
        help="Extra folder of instrument YAML files (repeatable), searched before bundled ones.",
        file_okay=False,
    ),
]
Instruments = Annotated[
    list[str],
    typer.Option(
        "-i",
        "--instrument",
        help="A bundled id, ID@VERSION (a kept version) or a YAML path (repeatable).",
    ),
]
InputFormat = Annotated[
    str | None,
    typer.Option(
        "--input-format",
        help=f"Format of the data: {input_formats()}. Default: detected from the content "
        "and the file name.",
    ),
]
Sheet = Annotated[
    str | None, typer.Option("--sheet", help="Excel: the sheet to read (default: the first).")
]
Long = Annotated[
    bool,
    typer.Option(
        "--long",
        help="The data are long: one row per respondent, item and value (default: detected "
        "from the column names).",
    ),
]
IdColumn = Annotated[
    str | None, typer.Option("--id-column", help="Respondent id column (default: detected).")
]
ColumnMap = Annotated[
    Path | None,
    typer.Option("--map", help="File mapping data columns to item ids (YAML or CSV)."),
]
CiLevel = Annotated[float, typer.Option("--ci-level", help="Confidence level of the intervals.")]
NormGroup = Annotated[str | None, typer.Option("--norm-group", help="Reference group for norms.")]
Reliability = Annotated[
    list[str] | None,
    typer.Option("--reliability", help="SCORE=R: reliability for the SEM (repeatable)."),
]
Delimiter = Annotated[
    str | None, typer.Option("--delimiter", help="Field delimiter (default: detected).")
]
Encoding = Annotated[
    str | None, typer.Option("--encoding", help="Text encoding (default: detected).")
]
DurationColumn = Annotated[
    str | None,
    typer.Option("--duration-column", help="Completion time in seconds, for the screen."),
]
Lang = Annotated[
    str | None,
    typer.Option(
        "--lang", help="The respondent's language (en, fr, pt-BR); default: the instrument's."
    ),
]
Locale = Annotated[
    str, typer.Option("--locale", help="Locale of the help resources shown with flags.")
]


def dirs(given: list[Path] | None) -> list[Path]:
    """Return the ``--instruments-dir`` folders as a list (empty when none were given)."""
    return list(given or [])


def parse_reliability(pairs: list[str] | None) -> dict[str, float]:
    """Parse ``--reliability SCORE=R`` values; a malformed one is a usage error."""
    out: dict[str, float] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not sep or not name or not (0 < number < 1):
            raise typer.BadParameter(
                f"'{pair}' is not SCORE=R with R between 0 and 1 (e.g. anxiety=0.91)",
                param_hint="--reliability",
            )
        out[name] = number
    return out

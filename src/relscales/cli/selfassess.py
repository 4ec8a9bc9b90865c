"""The self-assessment commands: ``take`` in the terminal and ``serve`` in a browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from relscales.cli.options import InstrumentsDir, Lang, Locale, Texts, checked_texts, dirs
from relscales.cli.output import echo_err

__all__ = ["serve_command", "take_command"]


def take_command(
    instrument: Annotated[str, typer.Argument(help="An instrument or battery id, or a YAML path.")],
    texts: Texts = None,
    lang: Lang = None,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save",
            help="Also save the report: .html, .md, .txt or .json (checked before the first "
            "question; a new file is readable by you only).",
            dir_okay=False,
        ),
    ] = None,
    locale: Locale = "en-US",
    instruments_dir: InstrumentsDir = None,
) -> None:
    """Answer a questionnaire in the terminal, then read your own report."""
    from relscales.selfassess.commands import take

    code = take(
        instrument,
        texts=checked_texts(texts),
        language=lang,
        save=save,
        locale=locale,
        instruments_dir=dirs(instruments_dir),
        echo=echo_err,
    )
    raise typer.Exit(code)


def serve_command(
    instrument: Annotated[
        list[str] | None, typer.Argument(help="Offer only these ids (default: all takeable).")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port; 0 picks a free one.")] = 8765,
    save: Annotated[
        Path | None,
        typer.Option(
            "--save",
            help="Save each submission as JSON in this folder (created readable by you only "
            "when missing).",
            file_okay=False,
        ),
    ] = None,
    texts: Texts = None,
    lang: Lang = None,
    locale: Locale = "en-US",
    instruments_dir: InstrumentsDir = None,
) -> None:
    """Serve a local web app where questionnaires are taken in a browser."""
    from relscales.selfassess.commands import serve

    code = serve(
        instrument or [],
        host=host,
        port=port,
        save_dir=save,
        language=lang,
        locale=locale,
        texts=checked_texts(texts),
        instruments_dir=dirs(instruments_dir),
        echo=echo_err,
    )
    raise typer.Exit(code)

"""Where the command line writes: messages to standard error, documents to a file or stdout."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

__all__ = ["echo_err", "write_text"]


def echo_err(text: str) -> None:
    """Write one message line to standard error (warnings, notes, errors).

    Control characters from data or files are shown as visible escapes, never sent to
    the terminal (:func:`relscales.textsafe.printable`).
    """
    from relscales.textsafe import printable

    typer.echo(printable(text, keep="\n\t"), err=True)


def write_text(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` atomically, or to standard output when it is None.

    A file that cannot be written raises :class:`relscales.errors.OutputError`, which the
    command's error handler reports.
    """
    if output is None:
        sys.stdout.write(text)
        return
    from relscales.io.atomic import atomic_text

    with atomic_text(output) as stream:
        stream.write(text)

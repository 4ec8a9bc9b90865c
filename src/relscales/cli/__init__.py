"""The ``relscales`` command line: a thin shell over the public API.

Exit codes (docs/cli.md): 0 success; 1 finished, but found problems the user asked
to be strict about; 2 bad input or usage; 3 an unexpected internal error.
Heavy modules (numpy, pyarrow, scipy, jinja2, pydantic) are imported inside the
commands, so ``relscales --help`` starts fast.

The modules, each importing only those above it:

* :mod:`~relscales.cli.output` -- messages on standard error, documents to a file;
* :mod:`~relscales.cli.options` -- the options several commands share, defined once;
* :mod:`~relscales.cli.errors` -- the one error handler and the exit codes;
* the commands, by job: :mod:`~relscales.cli.instruments` (``list``, ``show``,
  ``validate``, ``schema``, ``catalogue``), :mod:`~relscales.cli.analysis` (``analyze``),
  :mod:`~relscales.cli.reports` (``report``), :mod:`~relscales.cli.scoring` (``score``),
  :mod:`~relscales.cli.selfassess` (``take``, ``serve``);
* :mod:`~relscales.cli.program` -- the Typer app, its commands and :func:`main`.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from relscales.cli.errors import EXIT_BUG, EXIT_INPUT, EXIT_OK, EXIT_STRICT
from relscales.cli.program import app, app_for, main

__all__ = ["EXIT_BUG", "EXIT_INPUT", "EXIT_OK", "EXIT_STRICT", "app", "app_for", "main", "run"]


def run() -> NoReturn:
    """Run :func:`main` as the ``relscales`` program, and end the process at once.

    By the time :func:`main` returns, every output is written and closed, so Python's
    clean-up at exit (freeing every object, one by one; 0.03 s after a large ``score``)
    does nothing the user can see; the process ends without it once standard output and
    error are flushed, as mypy does. Inside another program, call :func:`main` instead.
    """
    import os

    code = 0
    try:
        main()
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            code = stop.code or 0
        else:  # a message, as Python itself would show it
            sys.stderr.write(f"{stop.code}\n")
            code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that went away, or a closed stream
        code = code or 1
    os._exit(code)

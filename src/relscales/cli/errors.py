"""The command line's one error handler, and its exit codes (docs/cli.md).

Every command runs inside :func:`handled`, which passes what it catches to :func:`fail`;
:func:`relscales.cli.program.main` passes what reaches it to :func:`fail` too:

* a :class:`relscales.errors.RelscalesError` (bad input, an unwritable output, ...): its
  issues on standard error, exit 2;
* any other exception is a bug: "internal error ...", exit 3;
* with ``--debug``, a command leaves both to :func:`~relscales.cli.program.main`, where
  :func:`fail` shows a RelscalesError's issues and raises the exception again, so
  Python prints the traceback;
* Typer's own outcomes pass untouched: usage errors (exit 2), ``typer.Exit``, an
  abort or end of input (exit 1), and a reader that went away (a broken pipe, exit 1).
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable
from typing import NoReturn, ParamSpec

import typer

from relscales.cli.output import echo_err

__all__ = [
    "EXIT_BUG",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_STRICT",
    "debugging",
    "fail",
    "handled",
    "set_debug",
]

EXIT_OK, EXIT_STRICT, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C outside a command (128 + SIGINT)."""

Params = ParamSpec("Params")

_state: dict[str, bool] = {"debug": False}


def set_debug(debug: bool) -> None:
    """Record whether ``--debug`` was given (the root callback calls this on every run)."""
    _state["debug"] = debug


def debugging() -> bool:
    """Return True when ``--debug`` was given: errors are raised again for their traceback."""
    return _state["debug"]


def _typers_own(exc: Exception) -> bool:
    """Return True for an exception Typer turns into an exit itself (see the module doc)."""
    if isinstance(exc, typer.TyperException | typer.Exit | typer.Abort | EOFError):
        return True
    return isinstance(exc, OSError) and exc.errno == errno.EPIPE


def fail(exc: Exception, *, debug: bool) -> NoReturn:
    """Report ``exc`` as the command line does, then end with its exit code.

    With ``debug``, raise ``exc`` again instead, after showing its issues.
    """
    from relscales.errors import RelscalesError

    if isinstance(exc, RelscalesError):
        for issue in exc.issues:
            echo_err(issue.render())
        if debug:
            raise exc
        raise SystemExit(EXIT_INPUT)
    if debug:
        raise exc
    _report_bug(exc)


def handled(command: Callable[Params, None]) -> Callable[Params, None]:
    """Run ``command`` inside the error handler (every command is registered this way)."""

    @functools.wraps(command)
    def run(*args: Params.args, **kwargs: Params.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except Exception as exc:
            if _typers_own(exc) or debugging():
                raise  # with --debug, main() reports it: its issues, then the traceback
            fail(exc, debug=False)

    return run


def _report_bug(exc: BaseException) -> NoReturn:
    import platform

    from relscales import __version__

    echo_err(
        f"internal error: {type(exc).__name__}: {exc}\n"
        "This is a bug in relscales; please report it with the command you ran and these "
        f"versions: relscales {__version__}, Python {platform.python_version()}, "
        f"{platform.platform()}. Run again with --debug to see the traceback."
    )
    raise SystemExit(EXIT_BUG)

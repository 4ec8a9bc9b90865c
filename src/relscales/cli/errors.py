"""The command line's one error handler, and its exit codes (docs/cli.md).

Every command runs inside :func:`handled`, which passes what it catches to :func:`fail`;
:func:`relscales.cli.program.main` passes what reaches it to :func:`fail` too:

* a :class:`relscales.errors.RelscalesError` (bad input, an unwritable output, ...): its
  issues on standard error, exit 2;
* a write the system refused for lack of room (``disk-full``) or a file-size limit
  (``file-too-large``), also on standard output, and a :class:`RecursionError` from
  input nested too deeply (``nesting-too-deep``) are reported the same way, exit 2
  (a refused permission on an output file is ``output-unwritable``, from
  :mod:`relscales.io.atomic`);
* any other exception is a bug: "internal error ...", exit 3;
* SIGTERM and SIGHUP while a command runs end it as Ctrl-C does: temporary files are
  removed, and the exit code is 128 + the signal's number (143, 129);
* with ``--debug``, a command leaves both to :func:`~relscales.cli.program.main`, where
  :func:`fail` shows a RelscalesError's issues and raises the exception again, so
  Python prints the traceback;
* Typer's own outcomes pass untouched: usage errors (exit 2), ``typer.Exit``, an
  abort or end of input (exit 1), and a reader that went away (a broken pipe, exit 1).
"""

from __future__ import annotations

import contextlib
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

    exc = _as_user_error(exc)
    if isinstance(exc, RelscalesError):
        for issue in exc.issues:
            echo_err(issue.render())
        if debug:
            raise exc
        raise SystemExit(EXIT_INPUT)
    if debug:
        raise exc
    _report_bug(exc)


def _as_user_error(exc: Exception) -> Exception:
    """Return the RelscalesError an environmental failure stands for, else ``exc`` itself.

    A write refused for room or size (on standard output, say) gets its code from
    :func:`relscales.io.atomic.output_error`; a refused permission is left alone, as it
    may be a read. A RecursionError is ``nesting-too-deep``.
    """
    from relscales.errors import Issue, Location, RelscalesError

    if isinstance(exc, OSError):
        from relscales.io.atomic import output_error

        named = exc.filename if isinstance(exc.filename, str) else None
        error = output_error(exc, named)
        if error is not None and exc.errno != errno.EACCES and exc.errno != errno.EPERM:
            error.__cause__ = exc
            return error  # room or size: only writing runs out of them
        return exc
    if isinstance(exc, RecursionError):
        deep = RelscalesError(
            Issue(
                "nesting-too-deep",
                f"the input nests too deeply to be processed ({exc})",
                Location(),
                hint="look for deeply nested JSON data, a long chain of `extends`, or a "
                "template that calls itself without end",
            )
        )
        deep.__cause__ = exc
        return deep
    return exc


def handled(command: Callable[Params, None]) -> Callable[Params, None]:
    """Run ``command`` inside the error handler (every command is registered this way).

    While it runs, SIGTERM and SIGHUP raise :class:`relscales.io.atomic.Terminated`
    (so temporary files are removed), which ends the program with 128 + the signal.
    """

    @functools.wraps(command)
    def run(*args: Params.args, **kwargs: Params.kwargs) -> None:
        from relscales.io.atomic import Terminated, terminate_cleanly

        try:
            with terminate_cleanly():
                command(*args, **kwargs)
        except Terminated as stop:
            with contextlib.suppress(OSError):  # a terminal that hung up (SIGHUP)
                echo_err(f"terminated ({_signal_name(stop.signum)})")
            raise SystemExit(stop.exit_code) from None
        except Exception as exc:
            if _typers_own(exc) or debugging():
                raise  # with --debug, main() reports it: its issues, then the traceback
            fail(exc, debug=False)

    return run


def _signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:  # pragma: no cover - only SIGTERM and SIGHUP are caught
        return f"signal {signum}"


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

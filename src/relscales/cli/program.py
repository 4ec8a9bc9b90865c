"""The Typer app: its root options, its commands in help order, and :func:`main`."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from relscales.cli import (
    analysis,
    instruments,
    interchange,
    irt,
    linked,
    reports,
    scoring,
    selfassess,
)
from relscales.cli.errors import EXIT_INTERRUPTED, fail, handled, set_debug
from relscales.cli.output import echo_err

__all__ = ["COMMANDS", "app", "app_for", "command_named", "main"]


def _plain_flags(params: list[Any]) -> list[Any]:
    """Show switches as plain flags in help (``--with-ci``), not as ``--with-ci <bool>``.

    Typer's help prints a type beside every option, switches included, although they
    take no value; an empty metavar leaves that column blank for them.
    """
    for param in params:
        if getattr(param, "is_flag", False) and not getattr(param, "count", False):
            param.metavar = ""
    return params


class _Command(TyperCommand):
    """A command whose help shows switches without a value."""

    def get_params(self, ctx: Any) -> Any:
        return _plain_flags(super().get_params(ctx))


class _Group(TyperGroup):
    """The root command, whose help shows switches without a value."""

    def get_params(self, ctx: Any) -> Any:
        return _plain_flags(super().get_params(ctx))


def _typer() -> typer.Typer:
    return typer.Typer(
        name="relscales",
        cls=_Group,
        help="Score, check and report self-report questionnaires on relationship insecurity, "
        "reassurance seeking and adult attachment (published instruments and the project's "
        "own experimental ones).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


app = _typer()

COMMANDS = (
    ("list", instruments.list_command),
    ("show", instruments.show_command),
    ("validate", instruments.validate_command),
    ("schema", instruments.schema_command),
    ("analyze", analysis.analyze_command),
    ("calibrate", irt.calibrate_command),
    ("report", reports.report_command),
    ("change", linked.change_command),
    ("couples", linked.couples_command),
    ("catalogue", instruments.catalogue_command),
    ("export", interchange.export_command),
    ("import", interchange.import_command),
    ("score", scoring.score_command),
    ("take", selfassess.take_command),
    ("serve", selfassess.serve_command),
)
"""Every command, in the order ``relscales --help`` lists them."""

for _name, _command in COMMANDS:
    app.command(_name, cls=_Command)(handled(_command))


def _version(value: bool) -> None:
    if value:
        from relscales import __version__

        typer.echo(f"relscales {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks for errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    set_debug(debug)


def command_named(args: list[str]) -> str | None:
    """Return the command that ``args`` name (their first word not an option), if any."""
    return next((a for a in args if not a.startswith("-")), None)


def app_for(args: list[str]) -> typer.Typer:
    """Return the app, holding only the command that ``args`` name when they name one.

    Typer inspects every option of every command when it builds the command line; with
    one command it skips the others' (about 0.07 s of start-up for ``score``). Help
    without a command, and unknown commands, get the whole app.
    """
    wanted = command_named(args)
    chosen = [c for c in app.registered_commands if c.name == wanted]
    if not chosen:
        return app
    slim = _typer()
    slim.registered_callback = app.registered_callback
    slim.registered_commands = chosen
    return slim


def main(argv: list[str] | None = None) -> None:
    """Run the command line, mapping outcomes to the documented exit codes."""
    args = sys.argv[1:] if argv is None else argv
    from relscales import _startup

    _startup.begin(command_named(args))
    try:
        app_for(args)(args=args, prog_name="relscales", standalone_mode=True)
    except KeyboardInterrupt:
        echo_err("interrupted")
        raise SystemExit(EXIT_INTERRUPTED) from None
    except Exception as exc:  # raised outside a command, or with --debug
        fail(exc, debug="--debug" in args)
    finally:
        _startup.end()

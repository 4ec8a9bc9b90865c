"""The ``take`` and ``serve`` commands behind :mod:`relscales.cli` (which only parses options)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from relscales.errors import Issue, Location, OutputError, RelscalesError, SpecError

if TYPE_CHECKING:
    import http.server

__all__ = ["serve", "take"]

EXIT_OK, EXIT_INPUT = 0, 2

Paths = Sequence[str | os.PathLike[str]]


def _stdout(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _not_takeable(
    exc: SpecError, texts: Paths, instruments_dir: Paths, echo: Callable[[str], None]
) -> bool:
    """Explain a ``missing-item-text`` refusal and list what can be taken; False otherwise."""
    if not any(issue.code == "missing-item-text" for issue in exc.issues):
        return False
    from relscales.selfassess.questionnaire import takeable

    for issue in exc.issues:
        echo(issue.render())
    entries = takeable(texts=texts, instruments_dir=instruments_dir)
    echo("Questionnaires that can be taken" + (" with these --texts" if texts else "") + ":")
    for entry in entries:
        echo(f"  {entry.id:<12} {entry.name} ({entry.n_items} questions)")
    return True


def take(
    ref: str,
    *,
    texts: Paths = (),
    language: str | None = None,
    save: Path | None = None,
    locale: str = "en-US",
    instruments_dir: Paths = (),
    echo: Callable[[str], None] = _stdout,
) -> int:
    """Run ``relscales take``; return the exit code.

    Raises
    ------
    RelscalesError
        For an unknown or invalid instrument, or a ``--save`` path that cannot be used.
    """
    from relscales.selfassess.outcome import save_format
    from relscales.selfassess.questionnaire import load_questionnaire
    from relscales.selfassess.terminal import run_take

    if save is not None:
        save_format(save)  # before the first question, not after the last
    try:
        questionnaire = load_questionnaire(
            ref, texts=texts, language=language, instruments_dir=instruments_dir
        )
    except SpecError as exc:
        if _not_takeable(exc, texts, instruments_dir, echo):
            return EXIT_INPUT
        raise
    return run_take(questionnaire, save=save, locale=locale)


def _prepare_save_dir(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            Issue(
                "output-unwritable",
                f"'{folder}' is a file, not a folder",
                Location(file=str(folder)),
                hint="give --save a folder for the submissions",
            )
        )
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            Issue(
                "output-unwritable",
                f"cannot create the folder '{folder}': {exc.strerror or exc}",
                Location(file=str(folder)),
                hint="check the path and its permissions",
            )
        ) from None


def serve(
    refs: Sequence[str] = (),
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    save_dir: Path | None = None,
    language: str | None = None,
    locale: str = "en-US",
    texts: Sequence[Path] = (),
    instruments_dir: Sequence[Path] = (),
    echo: Callable[[str], None] = _stdout,
    out: Callable[[str], None] = _stdout,
    on_ready: Callable[[http.server.ThreadingHTTPServer], None] | None = None,
) -> int:
    """Run ``relscales serve`` until interrupted; return the exit code.

    ``echo`` takes messages (standard error in the CLI), ``out`` the URL (standard
    output), and ``on_ready`` the bound server, before it starts serving.

    Raises
    ------
    RelscalesError
        For an id that cannot be taken, a ``--save`` folder that cannot be used, or an
        address that cannot be bound.
    """
    from relscales.selfassess.questionnaire import load_questionnaire
    from relscales.selfassess.server import SelfAssessApp, ServeOptions, is_loopback, make_server

    for ref in refs:
        try:
            load_questionnaire(ref, texts=texts, instruments_dir=instruments_dir)
        except SpecError as exc:
            if _not_takeable(exc, texts, instruments_dir, echo):
                return EXIT_INPUT
            raise
    if save_dir is not None:
        _prepare_save_dir(save_dir)
    app = SelfAssessApp(
        ServeOptions(
            save_dir=save_dir,
            language=language,
            locale=locale,
            texts=tuple(texts),
            instruments_dir=tuple(instruments_dir),
            only=tuple(refs),
        )
    )
    try:
        server = make_server(app, host, port)
    except OSError as exc:
        raise RelscalesError(
            Issue(
                "invalid-option",
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                hint="choose another --port (0 picks a free one), or a --host of this machine",
            )
        ) from None
    bound = server.server_address[1]
    shown = host if ":" not in host else f"[{host.strip('[]')}]"
    if host in ("0.0.0.0", "::"):  # every address: show the one for this computer
        shown = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    if not is_loopback(host):
        echo(
            f"warning: listening on {host}, not only on this computer: anyone who can reach "
            f"this machine on port {bound} can open the forms and send answers. There is no "
            "login and no encryption (plain HTTP); use it only on a network you trust."
        )
    out(f"http://{shown}:{bound}/")
    offered = ", ".join(app.entries) or "nothing (see the page)"
    echo(f"Offering: {offered}")
    if save_dir is None:
        echo("Nothing is stored: answers live only in the page and in this process's memory.")
    else:
        echo(f"Each submission is saved as a JSON file in {save_dir}")
        echo(
            "Each file holds a person's answers and results: anyone who can use this "
            "computer, or reach that folder, could read them."
        )
    echo("Press Ctrl-C to stop.")
    if on_ready is not None:
        on_ready(server)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        echo("stopped")
    finally:
        server.server_close()
    return EXIT_OK

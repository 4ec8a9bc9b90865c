"""The ``take`` and ``serve`` commands behind :mod:`relscales.cli` (which only parses options).

Names and ids read from instrument files are printed through
:func:`relscales.textsafe.printable`, and issues through :meth:`Issue.render
<relscales.errors.Issue.render>`, which escapes too: nothing from a file drives the
terminal.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from relscales.errors import Issue, Location, OutputError, RelscalesError, SpecError
from relscales.textsafe import printable

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
        echo(printable(f"  {entry.id:<12} {entry.name} ({entry.n_items} questions)"))
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

    A ``--save`` path is checked before anything else (its format, that its folder exists
    and takes a new file, that it is not a folder or a special file): a path that cannot
    be used ends the command before the first question.

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


def _unwritable(folder: Path, why: str, hint: str) -> OutputError:
    return OutputError(Issue("output-unwritable", why, Location(file=str(folder)), hint=hint))


def _prepare_save_dir(folder: Path) -> str | None:
    """Make sure ``folder`` takes the submissions, before the server starts.

    Folders that do not exist are created ``0700`` (the last one and any missing parent);
    then a file is created and dropped there, so that a folder that cannot be written in
    is found now, not at the first submission.

    Returns
    -------
    str | None
        A warning when other users can list the folder (its files are ``0600`` anyway).

    Raises
    ------
    OutputError
        ``output-unwritable`` when ``folder`` is a file or cannot be created or written in.
    """
    from relscales.io.atomic import make_private_folder

    if folder.exists() and not folder.is_dir():
        raise _unwritable(
            folder,
            f"'{folder}' is a file, not a folder",
            "give --save a folder for the submissions",
        )
    missing: list[Path] = []
    here = folder
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for part in reversed(missing):
        make_private_folder(part)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise _unwritable(
            folder,
            f"cannot write in the folder '{folder}': {exc.strerror or exc}",
            "choose a folder you can write in, or check its permissions",
        ) from None
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        return printable(
            f"warning: other users of this computer can list the folder {folder} (permissions "
            f"{mode:o}): they can see when each questionnaire was taken, though not the "
            f"answers (each file is readable by you only). To hide them: chmod 700 {folder}"
        )
    return None


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
    folder_warning = _prepare_save_dir(save_dir) if save_dir is not None else None
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
    echo(printable(f"Offering: {offered}"))
    if save_dir is None:
        echo("Nothing is stored: answers live only in the page and in this process's memory.")
    else:
        echo(printable(f"Each submission is saved as a JSON file in {save_dir}"))
        echo(
            "Each file holds a person's answers and results: anyone who can use this "
            "computer, or reach that folder, could read them."
        )
        if folder_warning is not None:
            echo(folder_warning)
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

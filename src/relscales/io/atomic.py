"""Writing files atomically: to a temporary file beside the target, then renamed."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from relscales.errors import Issue, Location, OutputError

__all__ = ["atomic_path", "atomic_text", "check_not_input"]


def check_not_input(output: Path, inputs: list[Path]) -> None:
    """Refuse to write over an input file.

    Raises
    ------
    OutputError
        ``output-is-input`` when ``output`` is one of ``inputs``.
    """
    if not output.exists():
        return
    for source in inputs:
        if source.exists() and output.resolve() == source.resolve():
            raise OutputError(
                Issue(
                    "output-is-input",
                    f"the output '{output}' is the input file; relscales never modifies its input",
                    Location(file=str(output)),
                    hint="choose another output path with -o",
                )
            )


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it to ``target``.

    On any error the temporary file is removed and ``target`` is left as it was.
    """
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(
            Issue(
                "output-unwritable",
                f"the folder '{folder}' does not exist",
                Location(file=str(target)),
                hint="create the folder first, or choose another output path",
            )
        )
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(
            Issue(
                "output-unwritable",
                f"cannot write in '{folder}': {exc.strerror or exc}",
                Location(file=str(target)),
                hint="check the folder's permissions, or choose another output path",
            )
        ) from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_text(target: Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """Open a text stream whose content replaces ``target`` only when the block succeeds."""
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline=newline) as stream:
        yield stream

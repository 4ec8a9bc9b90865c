"""Writing files safely: atomically, privately, never over an input or a special file.

Every output relscales writes (scores, sidecars, problem lists, reports, saved
self-assessments) goes through :func:`atomic_path` or :func:`atomic_text`:

* the content goes to a temporary file beside the target, renamed over it only when
  complete, so a failed or interrupted run leaves no half-written file and keeps any
  previous result;
* a new file is created readable and writable by its owner only (``0600``; it holds
  answers or scores). A file that is replaced keeps its permissions, so a mode the
  user chose (tightened or shared) survives a new run. The process umask is never
  changed: the mode is given when the temporary file is created;
* the target must be a regular file or a new name. A symbolic link, a folder, a FIFO,
  a socket or a block device is refused (``output-special-file``), since the rename
  would replace it; a character device (``/dev/null``) is written to directly;
* a full disk, a file-size limit or a missing permission is an
  :class:`~relscales.errors.OutputError` naming the file (``disk-full``,
  ``file-too-large``, ``output-unwritable``).

:func:`check_outputs` checks every output path of a run against every input and every
other output, before anything is written. :func:`terminate_cleanly` turns SIGTERM and
SIGHUP into an exception while a command runs, so that temporary files are removed then
too, as after Ctrl-C.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import stat
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TypeAlias

from relscales.errors import Issue, Location, OutputError

__all__ = [
    "PRIVATE_FILE_MODE",
    "PRIVATE_FOLDER_MODE",
    "Terminated",
    "atomic_path",
    "atomic_text",
    "check_not_input",
    "check_output_target",
    "check_outputs",
    "is_device",
    "make_private_folder",
    "output_error",
    "terminate_cleanly",
]

PRIVATE_FILE_MODE = 0o600
"""Mode of a new output file: read and write for its owner only."""
PRIVATE_FOLDER_MODE = 0o700
"""Mode of an output folder relscales creates (``report --all``, ``serve --save``)."""

_SHARED_FILE_MODE = 0o666  # narrowed by the umask, as for any new file

_DISK_FULL = {errno.ENOSPC} | ({errno.EDQUOT} if hasattr(errno, "EDQUOT") else set())
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}

Named: TypeAlias = tuple[str, str | os.PathLike[str]]
"""A path with what it is, for messages: ``("-o", Path("scores.csv"))``."""


# --------------------------------------------------------------------------- targets


def is_device(path: str | os.PathLike[str]) -> bool:
    """Return True when ``path`` is a character device (``/dev/null``), written directly.

    >>> is_device("/dev/null") if os.name == "posix" else True
    True
    """
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _kind(mode: int) -> str | None:
    """Name a file type that is refused as an output; None for a regular file or device."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISBLK(mode):
        return "a block device"
    return None


def check_output_target(target: str | os.PathLike[str], label: str | None = None) -> None:
    """Refuse an output path that is not a regular file, a new name or a character device.

    Raises
    ------
    OutputError
        ``output-special-file`` for a symbolic link (even one to a regular file: the
        atomic rename would replace the link, not write through it), a folder, a FIFO,
        a socket or a block device. A character device, or a link to one, is allowed.
    """
    path = os.fspath(target)
    if is_device(path):
        return  # written to directly, even through a link (/dev/stdout on a terminal)
    try:
        mode = os.lstat(path).st_mode
    except (OSError, ValueError):
        return  # a new file (or a folder that does not exist, reported when writing)
    kind = _kind(mode)
    if kind is None:
        return
    hint = "write to a regular file; `relscales score` without -o writes to standard output"
    if kind == "a folder":
        hint = "give a file name"
    elif kind == "a symbolic link":
        try:
            leads_to = _kind(os.stat(path).st_mode)
        except (OSError, ValueError):
            leads_to = None  # a dangling link
        if leads_to is not None:
            kind = f"a symbolic link to {leads_to}"
        else:
            hint = f"give the path it points to ('{os.path.realpath(path)}'), or remove the link"
    raise OutputError(
        Issue(
            "output-special-file",
            f"the output '{path}'{f' ({label})' if label else ''} is {kind}; relscales "
            "writes outputs only to regular files "
            "(or to a character device such as /dev/null)",
            Location(file=path),
            hint=hint,
        )
    )


# --------------------------------------------------------------------------- collisions


def _identity(path: str) -> tuple[str, tuple[int, int] | None]:
    """Return the resolved path and, for an existing file, its (device, inode)."""
    real = os.path.realpath(path)
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return real, None
    return real, (info.st_dev, info.st_ino)


def _same(a: tuple[str, tuple[int, int] | None], b: tuple[str, tuple[int, int] | None]) -> bool:
    return a[0] == b[0] or (a[1] is not None and a[1] == b[1])


def _shown(label: str, path: str) -> str:
    return f"'{path}' ({label})"


def check_outputs(outputs: Sequence[Named], inputs: Sequence[Named] = ()) -> None:
    """Check the output paths of a run before anything is written.

    Each output must be a regular file or a new name (:func:`check_output_target`), must
    not be any input, and must not be any other output. Paths are compared after
    resolving symbolic links and ``..`` (and by device and inode when both exist, so a
    hard link counts as the same file). A character device (``/dev/null``) may be given
    more than once and is never an input's twin: writing to it replaces nothing.

    Parameters
    ----------
    outputs
        ``(label, path)`` of every file the run will write, such as ``("-o", path)``,
        ``("sidecar", path)``, ``("--problems", path)``.
    inputs
        ``(label, path)`` of every file the run reads: data, instrument files, text
        overlays, column maps.

    Raises
    ------
    OutputError
        ``output-special-file``; ``output-is-input`` when an output is an input;
        ``output-collision`` when two outputs are the same file. The message names both.

    Examples
    --------
    >>> try:
    ...     check_outputs([("-o", "scores.csv"), ("--problems", "./scores.csv")])
    ... except OutputError as exc:
    ...     print(exc.code)
    output-collision
    """
    seen: list[tuple[str, str, tuple[str, tuple[int, int] | None]]] = []
    known_inputs = [(label, os.fspath(p), _identity(os.fspath(p))) for label, p in inputs]
    for label, target in outputs:
        path = os.fspath(target)
        check_output_target(path, label)
        if is_device(path):
            continue
        ident = _identity(path)
        for in_label, in_path, in_ident in known_inputs:
            if _same(ident, in_ident):
                raise OutputError(
                    Issue(
                        "output-is-input",
                        f"the output {_shown(label, path)} is the input "
                        f"{_shown(in_label, in_path)}; relscales never modifies its inputs",
                        Location(file=path),
                        hint="choose another output path",
                    )
                )
        for out_label, out_path, out_ident in seen:
            if _same(ident, out_ident):
                raise OutputError(
                    Issue(
                        "output-collision",
                        f"the outputs {_shown(out_label, out_path)} and {_shown(label, path)} "
                        "are the same file; one would replace the other",
                        Location(file=path),
                        hint="give each output its own path",
                    )
                )
        seen.append((label, path, ident))


def check_not_input(output: Path, inputs: list[Path]) -> None:
    """Refuse to write over an input file (one output; see :func:`check_outputs`).

    Raises
    ------
    OutputError
        ``output-is-input`` when ``output`` is one of ``inputs``.
    """
    check_outputs([("-o", output)], [("input", p) for p in inputs])


# --------------------------------------------------------------------------- resources


def output_error(exc: OSError, target: str | os.PathLike[str] | None) -> OutputError | None:
    """Translate a failed write to ``target`` into an OutputError, or None for other errors.

    ``ENOSPC``/``EDQUOT`` is ``disk-full``, ``EFBIG`` ``file-too-large``, and ``EACCES``,
    ``EPERM``, ``EROFS`` are ``output-unwritable``.

    >>> output_error(OSError(errno.ENOSPC, "No space left on device"), "s.csv").code
    'disk-full'
    """
    where = os.fspath(target) if target is not None else None
    shown = f"'{where}'" if where is not None else "the output"
    reason = exc.strerror or str(exc)
    if exc.errno in _DISK_FULL:
        issue = Issue(
            "disk-full",
            f"cannot finish writing {shown}: {reason}",
            Location(file=where),
            hint="free some space (or quota) on that disk, or write to another disk"
            + ("; nothing was left half-written" if where is not None else ""),
        )
    elif exc.errno == errno.EFBIG:
        issue = Issue(
            "file-too-large",
            f"cannot finish writing {shown}: {reason} (a file-size limit was reached)",
            Location(file=where),
            hint="raise the limit (`ulimit -f`), or write to a file system that allows "
            "larger files"
            + ("" if str(where).endswith(".parquet") else ", or write .parquet (smaller)"),
        )
    elif exc.errno in _NOT_ALLOWED:
        issue = Issue(
            "output-unwritable",
            f"cannot write {shown}: {reason}",
            Location(file=where),
            hint="check the permissions of the file and its folder, or choose another output path",
        )
    else:
        return None
    return OutputError(issue)


def _raise_for(exc: BaseException, target: Path) -> None:
    """Raise the OutputError for ``exc`` (an OSError while writing), if it has one."""
    if isinstance(exc, OSError):
        error = output_error(exc, target)
        if error is not None:
            raise error from None


# --------------------------------------------------------------------------- writing


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` (its parent must exist) readable by its owner only (``0700``).

    Raises
    ------
    OutputError
        ``output-unwritable`` when it cannot be created.
    """
    try:
        folder.mkdir(mode=PRIVATE_FOLDER_MODE)
    except FileExistsError:
        return
    except OSError as exc:
        raise OutputError(
            Issue(
                "output-unwritable",
                f"cannot create the folder '{folder}': {exc.strerror or exc}",
                Location(file=str(folder)),
                hint="check the permissions of its parent folder, or choose another path",
            )
        ) from None


def _temporary_names(folder: Path, target: Path) -> Iterator[Path]:
    """Random hidden names beside ``target`` for its temporary file (100 tries)."""
    for _ in range(100):
        yield folder / f".{target.name[:120]}.{secrets.token_hex(4)}.tmp"


def _create_temporary(name: Path, target: Path, mode: int) -> bool:
    """Create an empty file ``name`` with ``mode`` (narrowed by umask); False if it exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags, mode)
    except FileExistsError:
        return False
    except OSError as exc:
        _raise_for(exc, target)
        raise OutputError(
            Issue(
                "output-unwritable",
                f"cannot write in '{name.parent}': {exc.strerror or exc}",
                Location(file=str(target)),
                hint="check the folder's permissions, or choose another output path",
            )
        ) from None
    os.close(fd)
    return True


def _existing_mode(target: Path) -> int | None:
    """Return the permission bits of a regular file at ``target``, None when there is none."""
    try:
        info = os.lstat(target)
    except (OSError, ValueError):
        return None
    return stat.S_IMODE(info.st_mode) & 0o777 if stat.S_ISREG(info.st_mode) else None


@contextlib.contextmanager
def atomic_path(target: Path, *, private: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it to ``target``.

    On any error (and on SIGTERM or SIGHUP under :func:`terminate_cleanly`) the temporary
    file is removed and ``target`` is left as it was. See the module doc for the rules.

    Parameters
    ----------
    target
        The file to write.
    private
        Create a new file ``0600`` (the default: outputs hold answers or scores);
        otherwise ``0666`` narrowed by the umask, as a shell redirection would.
        A file that is replaced keeps its mode either way.
    """
    check_output_target(target)
    if is_device(target):
        try:  # /dev/null and the like: nothing to replace, nothing to clean up
            yield target
        except OSError as exc:
            _raise_for(exc, target)
            raise
        return
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
    existing = _existing_mode(target)
    if existing is not None and not os.access(target, os.W_OK):
        raise OutputError(
            Issue(
                "output-unwritable",
                f"'{target}' is read-only; relscales does not replace a file you may not write",
                Location(file=str(target)),
                hint="make it writable (chmod u+w), or choose another output path",
            )
        )
    tmp: Path | None = None
    mode = PRIVATE_FILE_MODE if private else _SHARED_FILE_MODE
    try:
        for name in _temporary_names(folder, target):
            # named before it is made: a signal while (or just after) it is made removes it
            tmp = name
            if _create_temporary(name, target, mode):
                break
            tmp = None  # somebody else's file: never removed
        else:  # pragma: no cover - 100 random names taken
            raise OutputError(
                Issue(
                    "output-unwritable",
                    f"cannot create a temporary file in '{folder}'",
                    Location(file=str(target)),
                )
            )
        if existing is not None:
            os.chmod(tmp, existing)  # keep the mode the user gave the file
        yield tmp
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        _raise_for(exc, target)
        raise


@contextlib.contextmanager
def atomic_text(
    target: Path, *, newline: str | None = None, private: bool = True
) -> Iterator[IO[str]]:
    """Open a text stream whose content replaces ``target`` only when the block succeeds.

    ``private`` as for :func:`atomic_path`.
    """
    with (
        atomic_path(target, private=private) as tmp,
        tmp.open("w", encoding="utf-8", newline=newline) as stream,
    ):
        yield stream


# --------------------------------------------------------------------------- signals


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM or SIGHUP under :func:`terminate_cleanly`.

    It is a BaseException, as KeyboardInterrupt is, so that no ``except Exception``
    swallows it, while every ``finally`` (and :func:`atomic_path`'s clean-up) runs.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The conventional exit code after a signal: 128 + its number."""
        return 128 + self.signum


_STOPPING = tuple(
    s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s
)


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise :class:`Terminated`; SIGXFSZ is off.

    The first SIGTERM or SIGHUP raises :class:`Terminated` in the main thread, so clean-up
    runs as after Ctrl-C; further ones are ignored until the block ends, so that the
    clean-up itself is not cut short. A signal the process was started ignoring (``nohup``)
    stays ignored. SIGXFSZ, whose default ends the process at once when a file-size limit
    (``ulimit -f``) is reached, is ignored, so that the write fails with ``EFBIG`` instead
    and is reported as ``file-too-large``. The previous handlers are restored at the end.
    Outside the main thread (where handlers cannot be set) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def stop(signum: int, frame: object) -> None:
        for other in previous:
            if other in _STOPPING:
                signal.signal(other, signal.SIG_IGN)
        raise Terminated(signum)

    wanted: list[tuple[int, Any]] = [(s, stop) for s in _STOPPING]
    if hasattr(signal, "SIGXFSZ"):
        wanted.append((signal.SIGXFSZ, signal.SIG_IGN))
    try:
        for signum, handler in wanted:
            if signal.getsignal(signum) is signal.SIG_DFL:
                previous[signum] = signal.signal(signum, handler)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

"""Process settings for a command-line run; ``import relscales`` never applies them.

Two costs of a short, data-heavy command are not the work itself:

* **Garbage collection during start-up.** Importing and building the command line,
  the instrument models and the YAML allocate many long-lived objects, and Python's
  cycle collector walks them again and again (about 0.06 s of a ``score`` run). For
  ``score`` the collector is off until start-up is over (:func:`started`); then the
  objects made so far are frozen out of later collections, and collection resumes.
* **Spinning BLAS threads.** OpenBLAS starts a thread per core and keeps it busy-waiting
  between matrix products. Scoring's products are thin (items x scores) and fast on
  one thread, while Arrow's CSV reader needs every core; the spinning threads took a
  fifth of all CPU time in a profile. The command line therefore asks for one BLAS
  thread, unless the environment already says otherwise.
* **Looking for pydantic plugins.** On first validation pydantic reads the entry points of
  every installed distribution (7 ms with 140 of them; more in a large environment). The
  command line's models are its own, so plugins are off unless the environment sets
  ``PYDANTIC_DISABLE_PLUGINS`` itself.
"""

from __future__ import annotations

import gc
import os

__all__ = ["begin", "end", "started"]

BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables that set BLAS threads; honoured if already set."""

QUIET_START = frozenset({"score"})
"""Commands whose start-up runs without garbage collection."""


def begin(command: str | None) -> None:
    """Apply the settings for a run of ``command``; call before numpy is imported."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if command in QUIET_START:
        gc.disable()


def started() -> None:
    """Say that start-up is over: freeze its objects, and collect garbage again."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def end() -> None:
    """Collect garbage again, if start-up ended early (an error before scoring began).

    Matters when the command line runs inside another program (tests, a notebook). The
    objects frozen at start-up stay frozen: they live as long as the process (modules,
    the command line), and Python's final collection at exit then skips them, which
    would otherwise walk every one of them again (about 0.03 s).
    """
    gc.enable()

"""Text that is safe to print on a terminal.

Instrument files, text overlays and response data are written by other people. A string
from them that reaches a terminal verbatim can hold escape sequences that retitle the
window, write the clipboard (OSC 52), move the cursor and repaint what was shown, or
bidirectional-override characters that show text in another order than it is read.
Every place that prints such a string passes it through :func:`printable` first.

This module imports nothing from relscales: every layer may use it.
"""

from __future__ import annotations

import functools
import re

__all__ = ["printable"]

_UNSAFE = (
    "\x00-\x1f\x7f"  # C0 controls (ESC, CR, BEL, ...) and DEL
    "\x80-\x9f"  # C1 controls (CSI, OSC, ... as single code points)
    "\u202a-\u202e"  # bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    "\u2066-\u2069"  # bidi isolates (LRI, RLI, FSI, PDI)
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates (undecodable bytes of a file name)
)


@functools.cache
def _pattern(keep: str) -> re.Pattern[str]:
    kept = "".join(re.escape(char) for char in keep)
    if not kept:
        return re.compile(f"[{_UNSAFE}]")
    return re.compile(f"(?![{kept}])[{_UNSAFE}]")


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, keep: str = "") -> str:
    r"""Return ``text`` with every terminal control shown as a visible escape.

    C0 and C1 control characters, DEL, the bidirectional embedding, override and isolate
    characters, the Unicode line and paragraph separators and lone surrogates become
    ``\n``, ``\t``, ``\r``, ``\xNN`` or ``\uNNNN``. Everything else, including letters
    of every script, combining marks and emoji, is kept as it is; so is a backslash.

    Parameters
    ----------
    text
        What is about to be printed.
    keep
        Controls to leave as they are where the layout needs them: ``"\n"`` for a block
        of lines, ``"\n\t"`` for one with tabs too. The default escapes them all, for
        one line.

    Examples
    --------
    >>> printable("id \x1b]52;c;aGk=\x07 x")
    'id \\x1b]52;c;aGk=\\x07 x'
    >>> printable("a\u202eb\nc", keep="\n")
    'a\\u202eb\nc'
    >>> printable("Énoncé 1, ça va ?")
    'Énoncé 1, ça va ?'
    """
    return _pattern(keep).sub(_escape, text)

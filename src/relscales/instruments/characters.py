"""Characters a definition file may not hold, and how to name them in a message.

Instrument files, text overlays and batteries are written by other people, and their
texts reach terminals, reports and web pages. Some characters do harm there or hide
what a text says:

- C0 control characters (U+0000 to U+001F) and DEL: ESC starts the escape sequences that
  recolour, retitle or repaint a terminal (an OSC sequence, ``ESC ]``, can even write the
  clipboard); a carriage return overwrites the line shown;
- C1 control characters (U+0080 to U+009F): CSI (U+009B) and OSC (U+009D) are one-character
  forms of the same sequences;
- the bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to
  U+2069): they show a text in another order than it is read ("Trojan source");
- the Unicode line and paragraph separators (U+2028, U+2029), which YAML and some
  terminals read as line breaks.

They are refused everywhere. A line break (U+000A) and a tab (U+0009) are refused in
one-line texts (names, labels, ids, keys) and allowed in long texts (descriptions, item
wording, instructions, messages, notes).

This module imports nothing from relscales.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "LINE_BREAKS",
    "RAW_UNSAFE",
    "UNSAFE",
    "describe_character",
    "escape_unsafe",
]

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
"""Characters refused in every text of a definition (everything above but tab and line break)."""

LINE_BREAKS = re.compile("[\t\n]")
"""Characters refused in one-line texts only."""

RAW_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
"""Characters that may not stand in a file's text as written (YAML refuses or misreads them).

A carriage return is a line break there (Windows line ends); a tab and a line break are
layout. Other unsafe characters can only be written as escapes in double quotes
(``"\\e"``) or pass the YAML reader as they are (bidi controls); those are found in the
parsed values.
"""

_NAMES = {
    0x00: "null",
    0x07: "bell",
    0x08: "backspace",
    0x09: "tab",
    0x0A: "line break",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x0D: "carriage return",
    0x1B: "escape",
    0x7F: "delete",
    0x85: "next line",
    0x9B: "control sequence introducer",
    0x9D: "operating system command",
}


def describe_character(char: str) -> str:
    r"""Name a character for a message: ``U+001B (escape)``.

    Examples
    --------
    >>> describe_character("\x1b"), describe_character("\u202e")
    ('U+001B (escape)', 'U+202E (right-to-left override)')
    >>> describe_character("\x9d"), describe_character("\x01")
    ('U+009D (operating system command)', 'U+0001 (control character)')
    """
    code = ord(char)
    name = _NAMES.get(code)
    if name is None:
        name = unicodedata.name(char, "").lower() or "control character"
    return f"U+{code:04X} ({name})"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_unsafe(text: str) -> str:
    r"""Return ``text`` with every unsafe character written as an escape (``\x1b``).

    Used on the values of a refused file, so that later messages quoting them cannot
    drive a terminal either.

    Examples
    --------
    >>> escape_unsafe("q1\x1b]0;x\x07")
    'q1\\x1b]0;x\\x07'
    """
    return UNSAFE.sub(_escape, text)

"""Answer text: the one rule for matching labels ("Strongly agree") and for reading numbers.

A label matches whatever its case and spacing (:func:`normalize_label`). A number is
written in plain ASCII decimal notation (:func:`plain_number`): the digits 0 to 9, an
optional sign, decimal point and exponent. Digits of other scripts (``٣``, ``３``,
``३``, ``𝟑``), hexadecimal (``0x3``), ``inf``, ``nan`` and ``1_000`` are not numbers, even
though Python's ``float()`` and some parsers read them.
"""

from __future__ import annotations

import re

__all__ = ["NUMBER_PATTERN", "foreign_digits", "normalize_label", "plain_number"]

NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
"""A number in plain ASCII decimal notation (``7``, ``+7``, ``7.0``, ``.5``, ``7e0``)."""

_NUMBER = re.compile(NUMBER_PATTERN)


def normalize_label(text: str) -> str:
    """Fold case and inner spaces so ``" Strongly  agree"`` matches ``"strongly agree"``.

    Examples
    --------
    >>> normalize_label("  Strongly   AGREE ")
    'strongly agree'
    """
    return " ".join(text.split()).casefold()


def plain_number(text: str) -> float | None:
    """Read ``text`` (spaces around it allowed) as a number in plain ASCII decimal notation.

    ``None`` when it is not one, and for a number too large to be represented (``1e400``).

    Examples
    --------
    >>> [plain_number(t) for t in [" 7 ", "+7", "7.0", ".5", "7e0"]]
    [7.0, 7.0, 7.0, 0.5, 7.0]
    >>> [plain_number(t) for t in ["٣", "３", "0x3", "inf", "nan", "1_000", "1e400", ""]]
    [None, None, None, None, None, None, None, None]
    """
    stripped = text.strip()
    if _NUMBER.fullmatch(stripped) is None:
        return None
    value = float(stripped)
    return value if value - value == 0.0 else None  # inf (an overflow) is not a number


def foreign_digits(text: str) -> bool:
    """Tell whether ``text`` holds a digit other than the ASCII ``0`` to ``9``.

    >>> foreign_digits("٣"), foreign_digits("３"), foreign_digits("²"), foreign_digits("3")
    (True, True, True, False)
    """
    return any(c.isdigit() and not ("0" <= c <= "9") for c in text)

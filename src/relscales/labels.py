"""Answer labels: the one rule for matching label text ("Strongly agree") to a code."""

from __future__ import annotations

__all__ = ["normalize_label"]


def normalize_label(text: str) -> str:
    """Fold case and inner spaces so ``" Strongly  agree"`` matches ``"strongly agree"``.

    Examples
    --------
    >>> normalize_label("  Strongly   AGREE ")
    'strongly agree'
    """
    return " ".join(text.split()).casefold()

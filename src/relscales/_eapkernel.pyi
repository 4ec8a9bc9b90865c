"""Type stub of the optional compiled EAP kernel (csrc/eapkernel.c, built by hatch_build.py)."""

from typing import Any

def moments(
    codes: Any,
    start: int,
    stop: int,
    n_categories: Any,
    groups: Any,
    places: Any,
    offsets: Any,
    factors: Any,
    q: int,
    shifted: Any,
    squared: Any,
    mass: Any,
    first: Any,
    second: Any,
    answered: Any,
    /,
) -> int:
    """Score rows start .. stop - 1; return the first row with an invalid code, or -1."""

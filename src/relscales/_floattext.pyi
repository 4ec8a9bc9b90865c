"""Type stub of the optional compiled number formatter (csrc/floattext.c; hatch_build.py)."""

from typing import Any

def shortest(values: Any, valid: Any, offsets: Any, data: Any, /) -> int:
    """Write each double's shortest round-trip text, laid out as Arrow does; return the bytes."""

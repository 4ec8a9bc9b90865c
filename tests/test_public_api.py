"""The curated public API: __all__ is sorted, complete, importable, and hides internals."""

from __future__ import annotations

import pytest

import relscales


def test_all_is_sorted_and_importable() -> None:
    names = relscales.__all__
    assert list(names) == sorted(names)
    for name in names:
        assert getattr(relscales, name) is not None, name


def test_public_names_are_exactly_all() -> None:
    public = {name for name in dir(relscales) if not name.startswith("_")}
    assert public == set(relscales.__all__) - {"__version__"}


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = relscales.no_such_thing  # type: ignore[attr-defined]

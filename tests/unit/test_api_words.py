"""Errors from the package's functions name keywords, not command-line options."""

from __future__ import annotations

from pathlib import Path

import pytest

import relscales
from relscales.errors import RelscalesError


def test_load_instrument_names_the_keyword() -> None:
    with pytest.raises(RelscalesError) as info:
        relscales.load_instrument("nope", instruments_dir=["/no/such/folder"])
    assert "instruments_dir=" in str(info.value)
    assert "--instruments-dir" not in str(info.value)


def test_open_source_names_the_keyword(tmp_path: Path) -> None:
    odd = tmp_path / "data.dat"
    odd.write_text("id;q1\n1;2\n", encoding="utf-8")
    with pytest.raises(RelscalesError) as info:
        relscales.open_source(odd)
    text = str(info.value)
    assert "--input-format" not in text
    assert "relscales.open_source(data, format=" in text


def test_the_wrapped_functions_keep_their_signatures() -> None:
    import inspect

    from relscales.instruments.definitions import load_definition
    from relscales.io.sources import open_source

    assert inspect.signature(relscales.open_source) == inspect.signature(open_source)
    assert inspect.signature(relscales.load_instrument) == inspect.signature(load_definition)
    assert relscales.load_instrument("rses").id == "rses"

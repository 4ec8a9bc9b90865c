"""Shared helpers of the self-assessment tests: text overlays written on the fly."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from relscales.instruments.loader import load_instrument

OverlayWriter = Callable[..., Path]


@pytest.fixture
def write_overlay(tmp_path: Path) -> OverlayWriter:
    """Write a text overlay with placeholder wording for every item of an instrument."""

    def write(
        instrument: str,
        language: str = "en",
        *,
        prefix: str = "Placeholder statement",
        only: int | None = None,
        instructions: str | None = None,
        scale_labels: dict[str, dict[int, str]] | None = None,
    ) -> Path:
        inst = load_instrument(instrument)
        items = [item.id for item in inst.items][:only]
        data: dict[str, object] = {
            "relscales_texts": 1,
            "instrument": instrument,
            "language": language,
            "items": {item: f"{prefix} {n}." for n, item in enumerate(items, 1)},
        }
        if instructions:
            data["instructions"] = instructions
        if scale_labels:
            data["scale_labels"] = scale_labels
        tag = re.sub(r"[^a-z0-9]+", "", prefix.casefold())[:12]
        path = tmp_path / f"{instrument}-{language}-{tag}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        return path

    return write

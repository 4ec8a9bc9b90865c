"""The JSON Schema of the instrument format, generated from the spec models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from relscales.spec import BatterySpec, InstrumentSpec, TextOverlaySpec

__all__ = ["SCHEMA_ID", "instrument_schema"]

SCHEMA_ID = "urn:relscales:schema:instrument:1"


def instrument_schema(kind: str = "instrument") -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of an instrument file.

    Editors use it through the ``yaml-language-server`` comment at the top of each
    bundled file to complete keys and underline mistakes while typing.
    """
    models: dict[str, type[BaseModel]] = {
        "instrument": InstrumentSpec,
        "battery": BatterySpec,
        "texts": TextOverlaySpec,
    }
    model = models[kind]
    schema = model.model_json_schema(mode="validation")
    schema.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID if kind == "instrument" else f"urn:relscales:schema:{kind}:1",
        "title": f"relscales {kind} (format version 1)",
        **schema,
    }

"""Text overlays: item wording supplied by the researcher, validated like an instrument.

An overlay names its instrument, one language, and maps item ids to wording::

    relscales_texts: 1
    instrument: ecr-r
    version: 1.0.0          # optional: warns when the instrument has moved on
    language: en
    source: Fraley, Waller & Brennan (2000), as licensed to our lab
    instructions: ...
    scale_labels: {agree7: {1: ..., 7: ...}}
    items:
      ecrr01: ...

:func:`check_texts` reports unknown ids (with did-you-mean), items left without
wording and scale labels for values a scale does not have, each at its line and
column; :func:`apply_texts` returns the instrument with the wording filled in.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from relscales.errors import Issue, Location, SpecError
from relscales.instruments.instrument import Instrument
from relscales.instruments.lint import did_you_mean
from relscales.instruments.translate import translate_errors
from relscales.instruments.yamlsource import (
    ParsedYaml,
    format_path,
    read_mapping_file,
)
from relscales.spec import TextOverlaySpec

__all__ = [
    "TextOverlay",
    "apply_overlays",
    "apply_texts",
    "check_texts",
    "load_texts",
]


@dataclass(frozen=True, slots=True)
class TextOverlay:
    """A validated overlay and where it came from."""

    spec: TextOverlaySpec
    source: str
    parsed: ParsedYaml


def load_texts(path: str | os.PathLike[str]) -> TextOverlay:
    """Read and structurally validate an overlay file.

    Raises
    ------
    SpecError
        With every structural problem, located at its line and column.
    """
    display = os.fspath(path)
    parsed = read_mapping_file(
        display,
        what="text overlay",
        start_hint="start with `relscales_texts: 1`, `instrument:`, `language:`, `items:`",
        missing_hint="check the --texts path",
    )
    try:
        spec = TextOverlaySpec.model_validate(parsed.data)
    except ValidationError as exc:
        raise SpecError(translate_errors(exc, parsed, display, TextOverlaySpec)) from None
    return TextOverlay(spec, display, parsed)


def check_texts(overlay: TextOverlay, instrument: Instrument) -> list[Issue]:
    """Check an overlay against its instrument; return errors and warnings."""
    spec, parsed = overlay.spec, overlay.parsed
    inst = instrument.spec

    def at(path: tuple[str | int | float, ...], *, key: bool = False) -> Location:
        mark = (parsed.keys if key else parsed.values).get(path) or parsed.values.get(path[:1])
        return Location(
            file=overlay.source,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            path=format_path(path),
            instrument=inst.id,
        )

    issues: list[Issue] = []
    if spec.instrument != inst.id:
        issues.append(
            Issue(
                "unknown-instrument",
                f"the overlay is for '{spec.instrument}', not for '{inst.id}'",
                at(("instrument",)),
                hint="use the overlay written for this instrument",
            )
        )
        return issues
    if spec.version is not None and spec.version != inst.version:
        issues.append(
            Issue(
                "invalid-value",
                f"the overlay was written for version {spec.version}; the instrument is "
                f"{inst.version}",
                at(("version",)),
                "warning",
                hint="check that item ids still mean the same items",
            )
        )
    item_ids = [item.id for item in inst.items]
    for item_id in spec.items:
        if item_id not in item_ids:
            issues.append(
                Issue(
                    "unknown-item",
                    f"item '{item_id}' is not an item of '{inst.id}'",
                    at(("items", item_id), key=True),
                    hint=did_you_mean(item_id, item_ids) or "use the instrument's item ids",
                )
            )
    missing = [i for i in item_ids if i not in spec.items]
    if missing:
        shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
        issues.append(
            Issue(
                "missing-item-text",
                f"{len(missing)} item{'s have' if len(missing) != 1 else ' has'} no text: {shown}",
                at(("items",)),
                "warning",
                hint="add their wording, or they are shown by their content labels",
            )
        )
    for scale, labels in spec.scale_labels.items():
        if scale not in inst.response_scales:
            issues.append(
                Issue(
                    "unknown-scale",
                    f"response scale '{scale}' is not a scale of '{inst.id}'",
                    at(("scale_labels", scale), key=True),
                    hint=did_you_mean(scale, inst.response_scales),
                )
            )
            continue
        rs = inst.response_scales[scale]
        values = rs.values + rs.not_applicable  # a "does not apply" code has a label too
        for value in labels:
            if value not in values:
                issues.append(
                    Issue(
                        "scale-values",
                        f"scale '{scale}' has no value {value!r} to label",
                        at(("scale_labels", scale, value), key=True),
                        hint=f"label one of {list(values)}",
                    )
                )
    return issues


def apply_texts(instrument: Instrument, overlay: TextOverlay) -> Instrument:
    """Return the instrument with the overlay's wording, instructions and labels.

    Raises
    ------
    SpecError
        When the overlay does not fit the instrument (errors from :func:`check_texts`).
    """
    errors = [i for i in check_texts(overlay, instrument) if i.severity == "error"]
    if errors:
        raise SpecError(errors)
    spec, lang = instrument.spec, overlay.spec.language
    items = tuple(
        item.model_copy(update={"text": {**(item.text or {}), lang: overlay.spec.items[item.id]}})
        if item.id in overlay.spec.items
        else item
        for item in spec.items
    )
    scales = {
        name: scale.model_copy(
            update={"labels": {**scale.labels, **overlay.spec.scale_labels.get(name, {})}}
        )
        for name, scale in spec.response_scales.items()
    }
    update: dict[str, object] = {"items": items, "response_scales": scales}
    if overlay.spec.instructions:
        update["instructions"] = {**(spec.instructions or {}), lang: overlay.spec.instructions}
    if lang not in spec.languages:
        update["languages"] = (*spec.languages, lang)
    return Instrument(
        spec.model_copy(update=update),
        instrument.source,
        instrument.content_hash,
        instrument.parents,
    )


def apply_overlays(instrument: Instrument, paths: Sequence[str | os.PathLike[str]]) -> Instrument:
    """Load each overlay file and apply those written for this instrument."""
    for path in paths:
        overlay = load_texts(path)
        if overlay.spec.instrument == instrument.id:
            instrument = apply_texts(instrument, overlay)
    return instrument

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
wording, scale labels for values a scale does not have, two values of a scale labelled
alike, and labels the instrument (or an overlay applied before) gives to another value,
each at its line and column; :func:`apply_texts` returns the instrument with the
wording filled in. Every command that takes ``--texts`` loads overlays through
:func:`apply_overlays`, and ``relscales validate`` through :func:`check_texts`.

Overlay labels are read as answers. A label given to another value than the instrument
gives it ("Strongly agree" on 1 where the instrument has it on 7) would silently reverse
every answer written as that label, so it is refused (``label-conflict``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from relscales.errors import Issue, Location, SpecError
from relscales.instruments.instrument import Instrument
from relscales.instruments.lint import (
    ambiguous_labels,
    did_you_mean,
    label_difference,
    label_key,
)
from relscales.instruments.translate import translate_errors
from relscales.instruments.yamlsource import (
    ParsedYaml,
    format_path,
    read_mapping_file,
    text_issues,
)
from relscales.labels import normalize_label
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
    problems: tuple[Issue, ...] = ()
    """Texts holding control characters (reported by :func:`check_texts`)."""


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
    own = parsed.data.get("instrument")
    unsafe, parsed = text_issues(parsed, display, instrument=own if isinstance(own, str) else None)
    try:
        spec = TextOverlaySpec.model_validate(parsed.data)
    except ValidationError as exc:
        raise SpecError(
            [*unsafe, *translate_errors(exc, parsed, display, TextOverlaySpec)]
        ) from None
    return TextOverlay(spec, display, parsed, tuple(unsafe))


def check_texts(
    overlay: TextOverlay, instrument: Instrument, *, earlier: Sequence[TextOverlay] = ()
) -> list[Issue]:
    """Check an overlay against its instrument; return errors and warnings.

    Parameters
    ----------
    overlay
        The overlay.
    instrument
        The instrument it is for, as defined (before any overlay).
    earlier
        Overlays applied before this one: a label this one gives to another value than
        they do is refused too.
    """
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

    issues: list[Issue] = list(overlay.problems)
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
        for first, value, difference in ambiguous_labels(labels):
            issues.append(
                Issue(
                    "ambiguous-label",
                    f"scale '{scale}': the label of {value!r} '{labels[value]}' reads the same as "
                    f"the label of {first!r} '{labels[first]}'"
                    + (f" ({difference})" if difference else ""),
                    at(("scale_labels", scale, value), key=True),
                    hint="give every value a label of its own: a data cell holding this text "
                    "could mean either value",
                )
            )
        sources = [("the instrument", rs.labels)] + [
            (f"the overlay '{other.source}'", other.spec.scale_labels.get(scale, {}))
            for other in earlier
        ]
        for value, text in labels.items():
            if value not in values:
                continue
            conflict = _conflict(text, value, sources)
            if conflict is not None:
                issues.append(_conflict_issue(scale, value, text, conflict, at))
    return issues


def _conflict(
    text: str,
    value: int | float,
    sources: Sequence[tuple[str, Mapping[int | float, str]]],
) -> tuple[str, int | float, str] | None:
    """Return the first ``(source, value, label)`` giving ``text`` to another value."""
    key, matched = label_key(text), normalize_label(text)
    for source, labels in sources:
        for other, other_text in labels.items():
            if other != value and (
                label_key(other_text) == key or normalize_label(other_text) == matched
            ):
                return source, other, other_text
    return None


def _conflict_issue(
    scale: str,
    value: int | float,
    text: str,
    conflict: tuple[str, int | float, str],
    at: Callable[..., Location],
) -> Issue:
    source, other, other_text = conflict
    difference = label_difference(text, other_text)
    shown = f"'{text}'" if text == other_text else f"'{text}' ('{other_text}' there"
    shown += "" if text == other_text else f"; {difference})"
    return Issue(
        "label-conflict",
        f"scale '{scale}': this overlay labels {value!r} {shown}, but {source} gives that "
        f"label to {other!r}; answers written as the label would be read as the wrong value",
        at(("scale_labels", scale, value), key=True),
        hint=f"give each label to the value {source} gives it to; if the overlay's scale "
        "runs the other way round (high to low), renumber its labels; or choose another label",
    )


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
    return _apply(instrument, overlay)


def _apply(instrument: Instrument, overlay: TextOverlay) -> Instrument:
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
    """Load each overlay file and apply those written for this instrument.

    Each is checked against the instrument as defined and against the overlays applied
    before it (:func:`check_texts`).

    Raises
    ------
    SpecError
        When an overlay does not fit.
    """
    applied: list[TextOverlay] = []
    result = instrument
    for path in paths:
        overlay = load_texts(path)
        if overlay.spec.instrument != instrument.id:
            continue
        errors = [
            i for i in check_texts(overlay, instrument, earlier=applied) if i.severity == "error"
        ]
        if errors:
            raise SpecError(errors)
        result = _apply(result, overlay)
        applied.append(overlay)
    return result

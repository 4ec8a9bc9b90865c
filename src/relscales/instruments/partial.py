"""The part of a structurally invalid instrument that did validate, for the semantic checks.

A file with a wrong type in one item and an unknown item id in a subscale has two
problems. The structural one is found by the pydantic models; the cross-reference one
only by :mod:`relscales.instruments.lint`, which needs a validated instrument. So that
both are reported in one pass, :func:`partial_spec` validates each entry (each response
scale, item, subscale, composite, profile, flag and top-level value) on its own, keeps
those that validate, and says what it left out (an :class:`~relscales.instruments.lint.
Unchecked`): the checks then judge the valid entries and never report a reference to an
entry that was left out as unknown.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from relscales.instruments.lint import Unchecked
from relscales.spec import (
    CompositeSpec,
    FlagSpec,
    InstrumentSpec,
    ItemSpec,
    LicenseSpec,
    ProfileSpec,
    ResponseScaleSpec,
    SubscaleSpec,
    ValidationSpec,
)

__all__ = ["PartialSpec", "partial_spec"]

_LISTS: dict[str, type[BaseModel]] = {
    "items": ItemSpec,
    "subscales": SubscaleSpec,
    "composites": CompositeSpec,
    "profiles": ProfileSpec,
    "flags": FlagSpec,
}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")  # the pattern of `Name` in relscales.spec
_KIND = {"items": "items", "subscales": "scores", "composites": "scores", "flags": "flags"}

# Stand-ins for required values that did not validate: chosen so that no check fires on
# them (an `item_text` of not-included asks for no wording; lint reads nothing else).
_PLACEHOLDERS: dict[str, Any] = {
    "relscales": 1,
    "id": "invalid",
    "version": "0.0.0",
    "name": "invalid",
    "domain": "other",
    "license": LicenseSpec.model_construct(name="invalid", item_text="not-included"),
    "validation": ValidationSpec.model_construct(status="experimental", evidence=()),
    "response_scales": {},
    "items": (),
    "subscales": (),
}


@functools.cache
def _adapter(name: str) -> TypeAdapter[Any]:
    """Return a validator of one top-level field, with its constraints (``min_length``)."""
    info = InstrumentSpec.model_fields[name]
    field_type: Any = Annotated[info.annotation, info]  # a type built at run time
    return TypeAdapter(field_type)


class PartialSpec:
    """The valid part of an instrument and how its entries map back to the file.

    Attributes
    ----------
    spec
        An instrument built from the entries that validated (not validated as a whole).
    unchecked
        What was left out.
    positions
        For each list section, the index in the file of each kept entry.
    """

    def __init__(
        self, spec: InstrumentSpec, unchecked: Unchecked, positions: dict[str, list[int]]
    ) -> None:
        self.spec = spec
        self.unchecked = unchecked
        self.positions = positions

    def file_path(self, path: tuple[str | int | float, ...]) -> tuple[str | int | float, ...]:
        """Turn a path in :attr:`spec` into the path of the same value in the file."""
        if len(path) >= 2 and path[0] in self.positions and isinstance(path[1], int):
            return (path[0], self.positions[str(path[0])][path[1]], *path[2:])
        return path


# Fields of an entry that may be dropped (back to their default) or stood in for when
# they are invalid, without making any check judge the entry otherwise than its author
# meant: none that a cross-reference check reads (ids, scales, members, context, column,
# norms, conditions, the method and cut points of profiles ...).
_DROPPABLE: dict[type[BaseModel], frozenset[str]] = {
    ResponseScaleSpec: frozenset({"labels", "missing_codes", "stem"}),
    ItemSpec: frozenset({"reverse", "text", "attention_check"}),
    SubscaleSpec: frozenset(
        {"description", "score", "weights", "tags", "min_answered", "published", "bands"}
    ),
    CompositeSpec: frozenset({"description", "tags", "published", "bands"}),
    ProfileSpec: frozenset({"description", "source", "descriptive", "note"}),
    FlagSpec: frozenset({"name", "severity", "kind", "resources"}),
}
_STAND_INS: dict[str, Any] = {"label": "invalid", "name": "invalid", "message": {}}


def _valid(model: type[BaseModel], value: Any) -> BaseModel | None:
    """Validate one entry; when only harmless fields fail, drop them and validate again."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        if not isinstance(value, dict):
            return None
        fields = {error["loc"][0] if error["loc"] else None for error in exc.errors()}
    known = {info.alias or name for name, info in model.model_fields.items()}
    repaired = dict(value)
    for name in fields:
        if name not in known and name in repaired:  # an unknown key
            del repaired[name]
        elif name in _DROPPABLE.get(model, ()):
            repaired.pop(name, None)
        elif name in _STAND_INS and name in known:
            repaired[name] = _STAND_INS[name]
        else:
            return None
    try:
        return model.model_validate(repaired)
    except ValidationError:
        return None


def partial_spec(data: dict[str, Any]) -> PartialSpec:
    """Validate each part of an instrument mapping on its own and keep the valid ones."""
    values: dict[str, Any] = {}
    left: dict[str, set[str] | None] = {"scales": set(), "items": set(), "scores": set()}
    left["flags"] = set()
    sections: set[str] = set()
    positions: dict[str, list[int]] = {}

    def leave(kind: str, name: object) -> None:
        names = left[kind]
        if names is not None:
            if isinstance(name, str) and _NAME.fullmatch(name):
                names.add(name)
            else:
                left[kind] = None  # an entry without a valid id: it may be meant as any id

    for key in InstrumentSpec.model_fields:
        if key not in data:
            if key in _PLACEHOLDERS:
                sections.add(key)
                values[key] = _PLACEHOLDERS[key]
                if key in _KIND or key == "response_scales":
                    left[_KIND.get(key, "scales")] = None
            continue
        raw = data[key]
        if key == "response_scales" and isinstance(raw, dict):
            scales: dict[str, Any] = {}
            for name, scale in raw.items():
                model = _valid(ResponseScaleSpec, scale)
                if isinstance(name, str) and _NAME.fullmatch(name) and model is not None:
                    scales[name] = model
                else:
                    leave("scales", name)
            values[key] = scales
            continue
        if key in _LISTS and isinstance(raw, list):
            kept: list[BaseModel] = []
            positions[key] = []
            for i, entry in enumerate(raw):
                model = _valid(_LISTS[key], entry)
                if model is not None:
                    kept.append(model)
                    positions[key].append(i)
                elif key in _KIND:
                    leave(_KIND[key], entry.get("id") if isinstance(entry, dict) else None)
            values[key] = tuple(kept)
            continue
        try:
            values[key] = _adapter(key).validate_python(raw)
        except ValidationError:
            sections.add(key)
            if key in _PLACEHOLDERS:
                values[key] = _PLACEHOLDERS[key]
            if key in _KIND:
                left[_KIND[key]] = None
            elif key == "response_scales":
                left["scales"] = None
    unchecked = Unchecked(
        scales=_frozen(left["scales"]),
        items=_frozen(left["items"]),
        scores=_frozen(left["scores"]),
        flags=_frozen(left["flags"]),
        sections=frozenset(sections),
    )
    return PartialSpec(InstrumentSpec.model_construct(**values), unchecked, positions)


def _frozen(names: set[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(names)

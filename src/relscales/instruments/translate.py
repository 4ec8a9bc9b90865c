"""Turning pydantic validation errors into located issues: file, line, column, YAML path, id.

Used by every file kind (instrument, battery, text overlay), so it sits below the loaders.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from relscales.errors import ErrorCode, Issue, Location
from relscales.instruments.lint import did_you_mean
from relscales.instruments.yamlsource import Mark, ParsedYaml, format_path
from relscales.spec import CompositeSpec, InstrumentSpec, SubscaleSpec

__all__ = ["LISTS_WITH_IDS", "Locator", "PathKey", "kind_of", "translate_errors"]

PathKey = tuple[str | int | float, ...]

LISTS_WITH_IDS = ("items", "subscales", "composites", "profiles", "flags")


class Locator:
    """Turns a path inside the data into a Location with line, column and enclosing id."""

    def __init__(self, parsed: ParsedYaml, display: str, instrument: str | None) -> None:
        self.parsed = parsed
        self.display = display
        self.instrument = instrument

    def object_id(self, path: PathKey) -> str | None:
        """Return the id of the item, subscale, ... that ``path`` lies in, if any."""
        data = self.parsed.data
        if len(path) >= 2 and path[0] in LISTS_WITH_IDS and isinstance(path[1], int):
            seq = data.get(path[0])
            if isinstance(seq, list) and path[1] < len(seq) and isinstance(seq[path[1]], dict):
                value = seq[path[1]].get("id")
                return str(value) if value is not None else None
        if len(path) >= 2 and path[0] == "response_scales":
            return str(path[1])
        return None

    def mark(self, path: PathKey, *, key: bool = False) -> Mark | None:
        """Return the source mark of ``path`` (of its key with ``key=True``)."""
        if key and path in self.parsed.keys:
            return self.parsed.keys[path]
        probe = path
        while probe:
            if probe in self.parsed.values:
                return self.parsed.values[probe]
            probe = probe[:-1]
        return self.parsed.values.get(())

    def at(self, path: PathKey, *, key: bool = False) -> Location:
        """Return the Location of ``path``: file, line, column, YAML path and enclosing id."""
        mark = self.mark(path, key=key)
        return Location(
            file=mark.file if mark else self.display,  # merged values keep their parent's file
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            path=format_path(path) or None,
            instrument=self.instrument,
            object_id=self.object_id(path),
        )


def kind_of(value: Any) -> str:
    """Name the kind of a YAML value for people: number, text, list, mapping, ...

    Examples
    --------
    >>> kind_of(3), kind_of("x"), kind_of([1]), kind_of(None)
    ('number', 'text', 'list', 'empty value')
    """
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "empty value" if value is None else type(value).__name__


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[PathKey, tuple[Any, ...]]:
    """Split a pydantic loc into the part that exists in the data and the rest."""
    path: list[Any] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part.lstrip("-").isdigit()
            and _number_key(node, part) is not None
        ):
            part = _number_key(node, part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return tuple(path), loc[i:]
        path.append(part)
    return tuple(path), ()


def _number_key(mapping: dict[Any, Any], text: str) -> Any:
    for key in mapping:
        if str(key) == text:
            return key
    return None


def _value_at(data: Any, path: PathKey) -> Any:
    for part in path:
        data = data[part]
    return data


def _fields_by_key(model: type[BaseModel]) -> dict[str, Any]:
    """Return a model's fields by the key a file writes (its alias: ``in`` of applies_when)."""
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _model_at(loc: PathKey, root: type[BaseModel] = InstrumentSpec) -> type[BaseModel] | None:
    """Return the spec model that a (data) path points into, for did-you-mean on keys."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = _fields_by_key(current)
            if not isinstance(part, str) or part not in fields:
                return None
            current = fields[part].annotation
            continue
        origin = typing.get_origin(current)
        args = typing.get_args(current)
        if origin in (tuple, list) and args:
            current = args[0]
        elif origin is dict and len(args) == 2:
            current = args[1]
        else:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            tp = models[0] if models else members[0]
            if not models and len(members) > 1:
                return tp
        else:
            return tp


_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dataclass_type": "a mapping",
}


def translate_errors(
    exc: ValidationError,
    parsed: ParsedYaml,
    display: str,
    root: type[BaseModel] = InstrumentSpec,
) -> list[Issue]:
    """Turn pydantic's errors into located issues, one per data path."""
    data = parsed.data
    instrument = data.get("id") if isinstance(data.get("id"), str) else None
    locator = Locator(parsed, display, instrument)
    issues: dict[tuple[PathKey, str], Issue] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path, rest = _data_path(data, loc)
        kind = error["type"]
        if kind == "too_short" and not rest:
            given = _value_at(data, path)
            if isinstance(given, list | dict) and len(given) >= error.get("ctx", {}).get(
                "min_length", 1
            ):
                continue  # pydantic counts only the entries that validated; they report themselves
        code: ErrorCode
        hint: str | None = None
        is_key = False
        if kind == "invalid_key":
            key = error.get("input")
            parent = path if rest else path[:-1]
            model = _model_at(parent, root)
            key_mark = parsed.keys.get((*parent, key))
            shown = key_mark.raw if key_mark and key_mark.raw is not None else str(key)
            code, message = "unknown-key", f"unknown key '{shown}' (keys here are text names)"
            allowed = list(_fields_by_key(model)) if model else []
            hint = did_you_mean(shown, allowed) or (
                "allowed keys: " + ", ".join(allowed) if allowed else None
            )
            path, is_key = (*parent, key), True
        elif kind == "missing":
            name = rest[0] if rest else loc[-1]
            code, message = "missing-key", f"missing required key '{name}'"
            hint = f"add `{name}:`"
            path = (*path, name)  # located at the enclosing mapping, named by the missing key
        elif kind == "extra_forbidden":
            name = rest[0] if rest else path[-1]
            if not rest:
                path = path[:-1]
            model = _model_at(path, root)
            allowed = list(_fields_by_key(model)) if model else []
            key_path = (*path, name)
            raw = parsed.keys[key_path].raw if key_path in parsed.keys else None
            shown = raw if raw is not None else str(name)
            code, message = "unknown-key", f"unknown key '{shown}'"
            hint = _misplaced_key_hint(model, shown, _value_at(data, key_path))
            hint = hint or did_you_mean(shown, allowed)
            if hint is None and allowed:
                hint = "allowed keys: " + ", ".join(allowed)
            path, is_key = key_path, True
        else:
            # pydantic's `input` is the offending value, or the offending key ("[key]" in loc);
            # loc may end in union-member tags ('int', 'float') that are not in the data.
            value = error.get("input")
            is_key = "[key]" in rest
            expected = _EXPECTED.get(kind)
            if rest[-1:] == ("int",):  # int or float allowed: the first failure names int
                expected = "a number"
            mark = locator.mark(path, key=is_key)
            raw = mark.raw if mark else None
            if kind == "string_type" and isinstance(value, bool | int | float) and raw is not None:
                code = "quote-value"
                what = "a boolean" if isinstance(value, bool) else "a number"
                message = f"'{raw}' was read as {what} ({value!r}), but text belongs here"
                hint = f"quote it: '{raw}'"
                if path == ("version",):
                    hint = "write the version as text with three numbers, e.g. version: '1.0.0'"
            elif path and path[0] == "relscales" and len(path) == 1:
                code, message = "format-version", "format version must be the integer 1"
            elif expected is not None:
                code = "wrong-type"
                message = f"expected {expected}, got {kind_of(value)}"
                if is_key:
                    message = f"key {value!r} must be {expected}"
                if (
                    isinstance(value, str)
                    and expected in ("a number", "a whole number")
                    and value.strip().lstrip("-+").replace(".", "", 1).isdigit()
                ):
                    hint = "write the number without quotes"
                elif isinstance(value, str | int | float) and expected == "a list":
                    hint = f"write it as a list: [{value}]"
            elif kind == "literal_error":
                code = "invalid-value"
                expected_text = error.get("ctx", {}).get("expected", "")
                choices = [c.strip().strip("'") for c in str(expected_text).split(",")]
                choices = [c.removeprefix("or ").strip().strip("'") for c in choices]
                message = f"{value!r} is not allowed; expected {expected_text}"
                hint = did_you_mean(str(value), choices)
            elif kind == "string_pattern_mismatch":
                code = "invalid-value"
                what, hint = _pattern_hint(str(error.get("ctx", {}).get("pattern", "")))
                message = f"{value!r} is not a valid {what}"
            elif kind == "too_short":
                code = "invalid-value"
                message = "must not be empty"
                hint = "list at least one entry"
            else:
                code = "invalid-value"
                message = f"{error['msg']} (got {value!r})"
        key = (path, code)
        if key in issues:
            continue
        issues[key] = Issue(code, message, locator.at(path, key=is_key), hint=hint)
    return list(issues.values())


_REVERSE_KEYS = re.compile(r"^(reverse|reversed|reverse[_-]?(keyed|items|scored|keys?))$", re.I)


def _misplaced_key_hint(model: type[BaseModel] | None, key: str, value: Any) -> str | None:
    """Say where a key belongs when it is a common mistake for a key elsewhere, else None.

    ``reverse`` on a subscale is the usual one: reverse keying belongs to each item.
    """
    if not _REVERSE_KEYS.match(key):
        return None
    if model is SubscaleSpec:
        named = [str(v) for v in value] if isinstance(value, list) else []
        which = f"items {', '.join(named)}" if named else "each reverse-keyed item"
        return (
            f"reverse keys go on items, not on subscales: write `reverse: true` on {which} "
            "under the top-level `items:` (items[].reverse), for example "
            f"`- {{id: {named[0] if named else 'q2'}, ..., reverse: true}}`"
        )
    if model is CompositeSpec:
        return (
            "a composite mirrors one part at a time: write `reverse: true` on the part "
            "(parts[].reverse), for example `parts: [{score: esteem, reverse: true}]`"
        )
    return None


def _pattern_hint(pattern: str) -> tuple[str, str]:
    if pattern.startswith("^[a-z0-9]"):
        return "instrument id", "use lower-case letters, digits and hyphens, e.g. ecr-r"
    if pattern.startswith("^[A-Za-z]["):
        return "id", "start with a letter; then letters, digits, '_' or '.', e.g. anx01"
    if pattern.startswith(r"^\d+"):
        return "version", "write a version as three numbers, e.g. '1.0.0'"
    return "language tag", "write a language tag such as en, fr or pt-BR"

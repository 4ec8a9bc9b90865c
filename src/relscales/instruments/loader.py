"""Loading instrument files: YAML text -> source-mapped data -> spec -> checks -> Instrument.

Every problem is reported with the file, line and column it comes from, the
YAML path and the id of the enclosing item or subscale, in GCC style::

    instruments/ecr-r.yaml:42:7: error[unknown-item] subscales[0].items[3]: subscale
    'anxiety' lists item 'anx1O' is not defined (did you mean 'anx10'?)

All problems in a file are collected and raised once as a :class:`SpecError`;
:func:`validate_file` returns them instead of raising.
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from relscales.errors import ErrorCode, Issue, Location, RelscalesError, SpecError
from relscales.instruments.instrument import Instrument, content_hash
from relscales.instruments.lint import check_instrument, did_you_mean
from relscales.instruments.registry import resolve_instrument
from relscales.instruments.yamlsource import Mark, ParsedYaml, format_path, parse_yaml
from relscales.spec import InstrumentSpec

__all__ = [
    "ValidationReport",
    "load_instrument",
    "load_instrument_data",
    "validate_file",
]

PathKey = tuple[str | int | float, ...]

_MAX_FILE_BYTES = 5 * 1024 * 1024
_LISTS_WITH_IDS = ("items", "subscales", "composites", "profiles", "flags")


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of validating one instrument file.

    Attributes
    ----------
    file
        The file checked.
    issues
        Every error and warning found.
    instrument
        The loaded instrument when there were no errors, else ``None``.
    """

    file: str
    issues: tuple[Issue, ...] = ()
    instrument: Instrument | None = field(default=None, repr=False)

    @property
    def valid(self) -> bool:
        """True when no issue is an error."""
        return not any(issue.severity == "error" for issue in self.issues)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """The warnings only."""
        return tuple(issue for issue in self.issues if issue.severity == "warning")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping (``relscales validate --json``)."""
        return {
            "file": self.file,
            "valid": self.valid,
            "instrument": self.instrument.id if self.instrument else None,
            "issues": [issue.to_dict() for issue in self.issues],
        }


def load_instrument(
    ref: str | os.PathLike[str],
    *,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
) -> Instrument:
    """Load a bundled instrument by id, or an instrument file by path.

    Parameters
    ----------
    ref
        A bundled id (``"ecr-r"``) or a path to a YAML file.
    instruments_dir
        Extra folders to search for ids.

    Returns
    -------
    Instrument
        The validated instrument with its provenance.

    Raises
    ------
    SpecError
        With every problem found, each located at its file, line and column.

    Examples
    --------
    >>> inst = load_instrument("ecr-r")
    >>> inst.id, len(inst.items), [s.id for s in inst.subscales]
    ('ecr-r', 36, ['anxiety', 'avoidance'])
    """
    path = resolve_instrument(ref, extra_dirs=instruments_dir)
    report = validate_file(path, instruments_dir=instruments_dir)
    errors = [issue for issue in report.issues if issue.severity == "error"]
    if errors:
        raise SpecError(errors)
    assert report.instrument is not None
    return report.instrument


def validate_file(
    path: str | os.PathLike[str],
    *,
    instruments_dir: Sequence[str | os.PathLike[str]] = (),
) -> ValidationReport:
    """Check one instrument file and report every problem instead of raising.

    Parameters
    ----------
    path
        The YAML file.
    instruments_dir
        Extra folders to search for ids named by ``extends``.
    """
    file = os.fspath(path)
    try:
        if _is_overlay(Path(file)):
            return _validate_overlay(file, instruments_dir)
        if _is_battery(Path(file)):
            from relscales.instruments.battery import validate_battery

            _, issues = validate_battery(file, instruments_dir=instruments_dir)
            return ValidationReport(file, tuple(issues))
        return _Loader(instruments_dir).load(Path(file), display=file)
    except RelscalesError as exc:
        return ValidationReport(file, exc.issues)


def _is_battery(path: Path) -> bool:
    from relscales.instruments.battery import is_battery_file

    return path.suffix in (".yaml", ".yml") and is_battery_file(path)


def _is_overlay(path: Path) -> bool:
    from relscales.instruments.texts import is_overlay_file

    return path.suffix in (".yaml", ".yml") and is_overlay_file(path)


def _validate_overlay(
    file: str, instruments_dir: Sequence[str | os.PathLike[str]]
) -> ValidationReport:
    """Validate a text overlay against the instrument it names."""
    from relscales.instruments.texts import check_texts, load_texts

    overlay = load_texts(file)
    try:
        instrument = load_instrument(overlay.spec.instrument, instruments_dir=instruments_dir)
    except SpecError as exc:
        mark = overlay.parsed.values.get(("instrument",))
        where = mark.location("instrument") if mark else Location(file=file)
        first = exc.issues[0]
        raise SpecError(Issue(first.code, first.message, where, hint=first.hint)) from None
    return ValidationReport(file, tuple(check_texts(overlay, instrument)))


def load_instrument_data(data: dict[str, Any], *, source: str = "<data>") -> Instrument:
    """Validate an instrument given as a mapping (as a YAML file would hold it).

    ``extends`` is resolved against bundled ids and the current folder.

    Raises
    ------
    SpecError
        With every problem found; locations carry the YAML path.
    """
    if not isinstance(data, dict):
        raise SpecError(
            Issue(
                "yaml-not-mapping",
                f"an instrument must be a mapping of keys, not {_kind(data)}",
                Location(file=source),
            )
        )
    loader = _Loader(())
    parsed = ParsedYaml(data, {}, {})
    report = loader.finish(parsed, source, Path.cwd(), chain=())
    errors = [issue for issue in report.issues if issue.severity == "error"]
    if errors:
        raise SpecError(errors)
    assert report.instrument is not None
    return report.instrument


class _Loader:
    def __init__(self, instruments_dir: Sequence[str | os.PathLike[str]]) -> None:
        self.instruments_dir = instruments_dir

    def read(self, path: Path, display: str) -> ParsedYaml:
        try:
            size = path.stat().st_size
            if size > _MAX_FILE_BYTES:
                raise SpecError(
                    Issue(
                        "file-unreadable",
                        f"instrument file is {size} bytes; the limit is {_MAX_FILE_BYTES}",
                        Location(file=display),
                        hint="an instrument file is a few kilobytes; is this the right file?",
                    )
                )
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise SpecError(
                Issue(
                    "file-not-found",
                    f"instrument file '{display}' does not exist",
                    Location(file=display),
                    hint="check the path, or give a bundled id (see `relscales list`)",
                )
            ) from None
        except UnicodeDecodeError as exc:
            raise SpecError(
                Issue(
                    "file-unreadable",
                    f"instrument file is not UTF-8 text (byte {exc.start})",
                    Location(file=display),
                    hint="save the file as UTF-8",
                )
            ) from None
        except OSError as exc:
            raise SpecError(
                Issue(
                    "file-unreadable",
                    f"cannot read instrument file: {exc.strerror or exc}",
                    Location(file=display),
                    hint="check the path and its permissions",
                )
            ) from None
        parsed = parse_yaml(text, display)
        if not isinstance(parsed.data, dict):
            kind = "empty" if parsed.data is None else f"a single {_kind(parsed.data)} value"
            raise SpecError(
                Issue(
                    "yaml-not-mapping",
                    f"an instrument file must be a mapping of keys, but this one is {kind}",
                    Location(file=display, line=1, column=1),
                    hint="start from `relscales: 1`, `id:`, `version:` ... (see docs/authoring.md)",
                )
            )
        return parsed

    def load(self, path: Path, display: str) -> ValidationReport:
        parsed = self.read(path, display)
        return self.finish(parsed, display, path.parent, chain=(path.resolve(),))

    def finish(
        self, parsed: ParsedYaml, display: str, folder: Path, chain: tuple[Path, ...]
    ) -> ValidationReport:
        return self._resolve(parsed, display, folder, chain)[0]

    def _resolve(
        self, parsed: ParsedYaml, display: str, folder: Path, chain: tuple[Path, ...]
    ) -> tuple[ValidationReport, ParsedYaml]:
        parents: tuple[tuple[str, str, str], ...] = ()
        data = parsed.data
        if isinstance(data, dict) and data.get("extends") is not None:
            issues = _version_issues(parsed, display)  # the child's own, before the parent's
            if issues:
                return ValidationReport(display, tuple(issues)), parsed
            parsed, parents = self.extend(parsed, display, folder, chain)
            # The result stands alone (its provenance is `parents`), so it drops `extends`:
            # `to_data()` then loads back without the parent and keeps fields reset to defaults.
            data = {key: value for key, value in parsed.data.items() if key != "extends"}
            parsed = ParsedYaml(data, parsed.values, parsed.keys)
        issues = _version_issues(parsed, display)
        if issues:
            return ValidationReport(display, tuple(issues)), parsed
        try:
            spec = InstrumentSpec.model_validate(data)
        except ValidationError as exc:
            return ValidationReport(display, tuple(translate_errors(exc, parsed, display))), parsed
        locator = _Locator(parsed, display, spec.id)
        issues = [
            Issue(f.code, f.message, locator.at(f.path), f.severity, f.hint)
            for f in check_instrument(spec)
        ]
        if any(issue.severity == "error" for issue in issues):
            return ValidationReport(display, tuple(issues)), parsed
        instrument = Instrument(spec, display, content_hash(spec.to_data()), parents)
        return ValidationReport(display, tuple(issues), instrument), parsed

    def extend(
        self, child: ParsedYaml, display: str, folder: Path, chain: tuple[Path, ...]
    ) -> tuple[ParsedYaml, tuple[tuple[str, str, str], ...]]:
        ref = child.data["extends"]
        mark = child.values.get(("extends",))
        where = mark.location("extends") if mark else Location(file=display, path="extends")
        if not isinstance(ref, str):
            raise SpecError(
                Issue("wrong-type", "`extends` must be a bundled id or a relative path", where)
            )
        try:
            parent_path = resolve_instrument(ref, base=folder, extra_dirs=self.instruments_dir)
        except SpecError as exc:
            first = exc.issues[0]
            raise SpecError(
                Issue(first.code, f"cannot extend: {first.message}", where, hint=first.hint)
            ) from None
        if parent_path.resolve() in chain:
            names = " -> ".join(p.name for p in (*chain, parent_path.resolve()))
            raise SpecError(
                Issue(
                    "extends-cycle",
                    f"`extends` forms a cycle: {names}",
                    where,
                    hint="an instrument cannot extend itself, directly or through others",
                )
            )
        parent_display = str(parent_path)
        parent_report, parent_parsed = self._resolve(
            self.read(parent_path, parent_display),
            parent_display,
            parent_path.parent,
            (*chain, parent_path.resolve()),
        )
        errors = [issue for issue in parent_report.issues if issue.severity == "error"]
        if errors or parent_report.instrument is None:
            raise SpecError(errors)
        parent = parent_report.instrument
        own_id = child.data.get("id")
        if own_id is None or own_id == parent.id:
            id_mark = child.values.get(("id",))
            raise SpecError(
                Issue(
                    "missing-key" if own_id is None else "duplicate-id",
                    f"an instrument that extends '{parent.id}' needs an id of its own",
                    id_mark.location("id") if id_mark else where,
                    hint=f"add for example `id: {parent.id}-local`",
                )
            )
        merged = _merge(parent_parsed, child, display)
        return merged, ((parent.id, parent.version, parent.content_hash), *parent.parents)


def _merge(parent: ParsedYaml, child: ParsedYaml, display: str) -> ParsedYaml:
    """Apply a child file on top of its parent, keeping every value's mark."""
    data = dict(parent.data)
    values = dict(parent.values)
    keys = dict(parent.keys)

    def drop(prefix: PathKey) -> None:
        for table in (values, keys):
            for path in [p for p in table if p[: len(prefix)] == prefix]:
                del table[path]

    def take(src: PathKey, dst: PathKey) -> None:
        n = len(src)
        for table, source in ((values, child.values), (keys, child.keys)):
            for path, mark in source.items():
                if path[:n] == src:
                    table[dst + path[n:]] = mark

    issues: list[Issue] = []
    for key, value in child.data.items():
        if key == "response_scales" and isinstance(value, dict) and isinstance(data.get(key), dict):
            scales = dict(data[key])
            for name, scale in value.items():
                scales[name] = scale
                drop((key, name))
                take((key, name), (key, name))
            data[key] = scales
        elif key == "items" and isinstance(value, list) and isinstance(data.get(key), list):
            items = [dict(item) if isinstance(item, dict) else item for item in data[key]]
            index = {item.get("id"): i for i, item in enumerate(items) if isinstance(item, dict)}
            for j, entry in enumerate(value):
                mark = child.values.get((key, j))
                where = (
                    mark.location(f"items[{j}]")
                    if mark
                    else Location(file=display, path=f"items[{j}]")
                )
                if not isinstance(entry, dict) or "id" not in entry:
                    issues.append(
                        Issue(
                            "missing-key",
                            "an item in an extending file needs an `id` naming the parent's item",
                            where,
                            hint="write `- {id: anx01, column: Q1}`",
                        )
                    )
                    continue
                if entry["id"] not in index:
                    known = [str(k) for k in index]
                    issues.append(
                        Issue(
                            "extends-unknown-item",
                            f"item '{entry['id']}' is not an item of the parent instrument",
                            where,
                            hint=did_you_mean(str(entry["id"]), known)
                            or "items in an extending file change the parent's items by id",
                        )
                    )
                    continue
                i = index[entry["id"]]
                items[i] = {**items[i], **entry}
                for field_name in entry:
                    drop((key, i, field_name))
                    take((key, j, field_name), (key, i, field_name))
            data[key] = items
        else:
            data[key] = value
            drop((key,))
            take((key,), (key,))
    if issues:
        raise SpecError(issues)
    return ParsedYaml(data, values, keys)


def _version_issues(parsed: ParsedYaml, display: str) -> list[Issue]:
    data = parsed.data
    version = data.get("relscales")
    if version == 1 and type(version) is int:
        return []
    mark = parsed.values.get(("relscales",))
    where = (
        mark.location("relscales")
        if mark
        else Location(file=display, line=1, column=1, path="relscales")
    )
    if "relscales" not in data:
        message = "the file does not say its format version"
        hint = "add `relscales: 1` as the first key"
    else:
        message = f"format version {version!r} is not supported (this relscales reads version 1)"
        hint = "write `relscales: 1`, or upgrade relscales if the file is newer"
    return [Issue("format-version", message, where, hint=hint)]


class _Locator:
    """Turns a path inside the data into a Location with line, column and enclosing id."""

    def __init__(self, parsed: ParsedYaml, display: str, instrument: str | None) -> None:
        self.parsed = parsed
        self.display = display
        self.instrument = instrument

    def object_id(self, path: PathKey) -> str | None:
        data = self.parsed.data
        if len(path) >= 2 and path[0] in _LISTS_WITH_IDS and isinstance(path[1], int):
            seq = data.get(path[0])
            if isinstance(seq, list) and path[1] < len(seq) and isinstance(seq[path[1]], dict):
                value = seq[path[1]].get("id")
                return str(value) if value is not None else None
        if len(path) >= 2 and path[0] == "response_scales":
            return str(path[1])
        return None

    def mark(self, path: PathKey, *, key: bool = False) -> Mark | None:
        if key and path in self.parsed.keys:
            return self.parsed.keys[path]
        probe = path
        while probe:
            if probe in self.parsed.values:
                return self.parsed.values[probe]
            probe = probe[:-1]
        return self.parsed.values.get(())

    def at(self, path: PathKey, *, key: bool = False) -> Location:
        mark = self.mark(path, key=key)
        return Location(
            file=mark.file if mark else self.display,  # merged values keep their parent's file
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            path=format_path(path) or None,
            instrument=self.instrument,
            object_id=self.object_id(path),
        )


def _kind(value: Any) -> str:
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


def _model_at(loc: PathKey, root: type[BaseModel] = InstrumentSpec) -> type[BaseModel] | None:
    """Return the spec model that a (data) path points into, for did-you-mean on keys."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
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
    locator = _Locator(parsed, display, instrument)
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
            allowed = list(model.model_fields) if model else []
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
            allowed = list(model.model_fields) if model else []
            key_path = (*path, name)
            raw = parsed.keys[key_path].raw if key_path in parsed.keys else None
            shown = raw if raw is not None else str(name)
            code, message = "unknown-key", f"unknown key '{shown}'"
            hint = did_you_mean(shown, allowed)
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
                message = f"expected {expected}, got {_kind(value)}"
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


def _pattern_hint(pattern: str) -> tuple[str, str]:
    if pattern.startswith("^[a-z0-9]"):
        return "instrument id", "use lower-case letters, digits and hyphens, e.g. ecr-r"
    if pattern.startswith("^[A-Za-z]["):
        return "id", "start with a letter; then letters, digits, '_' or '.', e.g. anx01"
    if pattern.startswith(r"^\d+"):
        return "version", "write a version as three numbers, e.g. '1.0.0'"
    return "language tag", "write a language tag such as en, fr or pt-BR"

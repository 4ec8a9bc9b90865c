"""Safe YAML parsing that keeps the line and column of every node.

PyYAML's composer builds a node graph with marks; this module turns it into plain
Python data plus a source map, refusing what a declarative file must never
contain: duplicate mapping keys, custom tags, merge keys, and alias expansion
beyond a small bound ("billion laughs").
"""

from __future__ import annotations

import datetime
import os
import pathlib
from dataclasses import dataclass
from typing import Any

import yaml

from relscales.errors import Issue, Location, SpecError

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "Mark",
    "ParsedYaml",
    "has_top_key",
    "parse_yaml",
    "read_mapping_file",
]

Path = tuple[str | int | float, ...]

MAX_ALIAS_NODES = 10_000
"""How many nodes aliases may add on top of the file's own nodes."""

MAX_DEPTH = 64
"""How deep mappings and lists may nest."""

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

try:  # the C loader composes several times faster when libyaml is present
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a value (or a mapping key) starts in a file.

    Attributes
    ----------
    file
        The file, as given.
    line, column
        1-based position.
    raw
        The scalar exactly as written (``yes``, ``010``), for "quote it" hints.
    plain
        True when the scalar was written without quotes.
    """

    file: str
    line: int
    column: int
    raw: str | None = None
    plain: bool = False

    def location(self, path: str | None = None, **ids: str | None) -> Location:
        """Return a :class:`Location` at this mark."""
        return Location(
            file=self.file,
            line=self.line,
            column=self.column,
            path=path,
            instrument=ids.get("instrument"),
            object_id=ids.get("object_id"),
        )


@dataclass(frozen=True, slots=True)
class ParsedYaml:
    """A parsed YAML document with its source map.

    Attributes
    ----------
    data
        Plain Python data (dicts, lists, str, int, float, bool, None).
    values
        Mark of the value at each path.
    keys
        Mark of the mapping key at each path (paths ending in a key).
    """

    data: Any
    values: dict[Path, Mark]
    keys: dict[Path, Mark]


def _mark(file: str, node: yaml.Node) -> Mark:
    start = node.start_mark
    if isinstance(node, yaml.ScalarNode):
        return Mark(file, start.line + 1, start.column + 1, node.value, not node.style)
    return Mark(file, start.line + 1, start.column + 1)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[Path, Mark] = {}
        self.keys: dict[Path, Mark] = {}
        self.seen: set[int] = set()
        self.repeats = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, code: str, node: yaml.Node, message: str, hint: str | None = None) -> SpecError:
        mark = _mark(self.file, node)
        return SpecError(Issue(code, message, mark.location(), hint=hint))  # type: ignore[arg-type]

    def build(self, node: yaml.Node, path: Path, depth: int = 0) -> Any:
        if id(node) in self.seen:
            self.repeats += 1
            if self.repeats > MAX_ALIAS_NODES:
                raise self.fail(
                    "yaml-alias-limit",
                    node,
                    f"aliases expand to more than {MAX_ALIAS_NODES} extra values",
                    hint="write the values out instead of repeating anchors",
                )
        else:
            self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise self.fail(
                "yaml-alias-limit",
                node,
                f"values nest more than {MAX_DEPTH} levels deep (a recursive alias?)",
                hint="an instrument file never needs this; remove the recursive anchor",
            )
        if node.tag not in _ALLOWED_TAGS:
            raise self.fail(
                "yaml-tag",
                node,
                f"YAML tag '{node.tag}' is not allowed in an instrument file",
                hint="remove the tag; instrument files hold plain values only",
            )
        self.values[path] = _mark(self.file, node)
        if isinstance(node, yaml.MappingNode):
            return self.build_mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        value = self.constructor.construct_object(node, deep=True)
        if isinstance(value, datetime.date):
            return node.value  # a date-like scalar is only ever meant as text
        return value

    def build_mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(
                    "yaml-tag",
                    key_node,
                    "merge keys ('<<') are not supported",
                    hint="write the keys out in full",
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail("yaml-syntax", key_node, "a mapping key must be a plain value")
            if key_node.tag not in _ALLOWED_TAGS:
                raise self.fail(
                    "yaml-tag", key_node, f"YAML tag '{key_node.tag}' is not allowed here"
                )
            key = self.constructor.construct_object(key_node)
            if isinstance(key, datetime.date):
                key = key_node.value
            key_mark = _mark(self.file, key_node)
            if key in out:
                raise SpecError(
                    Issue(
                        "yaml-duplicate-key",
                        f"key '{key_node.value}' appears twice in this mapping "
                        f"(first on line {first_line[key]})",
                        key_mark.location(_format_path((*path, key))),
                        hint="keep one; YAML would silently keep only the last",
                    )
                )
            first_line[key] = key_mark.line
            self.keys[(*path, key)] = key_mark
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out


def parse_yaml(text: str, file: str) -> ParsedYaml:
    """Parse one YAML document into plain data and a source map.

    Parameters
    ----------
    text
        The document.
    file
        The file name used in messages.

    Returns
    -------
    ParsedYaml
        The data with the mark of every value and key.

    Raises
    ------
    SpecError
        ``yaml-syntax``, ``yaml-duplicate-key``, ``yaml-tag`` or ``yaml-alias-limit``.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}: {problem}" if "while" not in exc.context else problem
        location = (
            Location(file=file, line=mark.line + 1, column=mark.column + 1)
            if mark is not None
            else Location(file=file)
        )
        raise SpecError(
            Issue(
                "yaml-syntax",
                f"YAML syntax error: {problem}",
                location,
                hint="check indentation and quoting on this line and the one above",
            )
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(
            Issue("yaml-syntax", f"YAML syntax error: {exc}", Location(file=file))
        ) from None
    builder = _Builder(file)
    if node is None:
        return ParsedYaml(None, {}, {})
    data = builder.build(node, ())
    return ParsedYaml(data, builder.values, builder.keys)


def _format_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "":
            out += "['']"  # an empty key still needs a visible path
        else:
            out += f".{part}" if out else str(part)
    return out


format_path = _format_path


def has_top_key(path: str | os.PathLike[str], key: str) -> bool:
    """Tell whether a YAML file starts a line with ``key:`` near its top (its kind marker)."""
    try:
        head = pathlib.Path(path).read_text(encoding="utf-8-sig", errors="replace")[:4096]
    except OSError:
        return False
    return any(line.startswith(f"{key}:") for line in head.splitlines())


def read_mapping_file(
    path: str | os.PathLike[str], *, what: str, start_hint: str, missing_hint: str
) -> ParsedYaml:
    """Read a YAML file that must hold a mapping (a battery, an overlay, a column map).

    Raises
    ------
    SpecError
        ``file-not-found``, ``file-unreadable``, any YAML error, or ``yaml-not-mapping``.
    """
    display = os.fspath(path)
    try:
        text = pathlib.Path(display).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SpecError(
            Issue(
                "file-not-found",
                f"{what} '{display}' does not exist",
                Location(file=display),
                hint=missing_hint,
            )
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(
            Issue(
                "file-unreadable",
                f"cannot read {what}: {exc}",
                Location(file=display),
                hint="save it as UTF-8 text",
            )
        ) from None
    parsed = parse_yaml(text, display)
    if not isinstance(parsed.data, dict):
        raise SpecError(
            Issue(
                "yaml-not-mapping",
                f"a {what} must be a mapping of keys",
                Location(file=display, line=1, column=1),
                hint=start_hint,
            )
        )
    return parsed

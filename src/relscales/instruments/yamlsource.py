"""Safe YAML parsing that keeps the line and column of every node.

PyYAML's composer builds a node graph with marks; this module turns it into plain
Python data plus a source map, refusing what a declarative file must never
contain: duplicate mapping keys, custom tags, merge keys, alias expansion beyond a
small bound of values or of characters ("billion laughs"), and control characters.
A syntax error is explained in plain words and shown with the line it is on, a caret
under the column.
"""

from __future__ import annotations

import datetime
import os
import pathlib
import re
from dataclasses import dataclass, replace
from typing import Any

import yaml

from relscales.errors import Issue, Location, SpecError
from relscales.instruments.characters import (
    LINE_BREAKS,
    RAW_UNSAFE,
    UNSAFE,
    describe_character,
    escape_unsafe,
)

__all__ = [
    "LONG_TEXT_KEYS",
    "MAX_ALIAS_CHARS",
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "Mark",
    "ParsedYaml",
    "SourceIssue",
    "has_top_key",
    "parse_yaml",
    "read_mapping_file",
    "text_issues",
]

Path = tuple[str | int | float, ...]

MAX_ALIAS_NODES = 10_000
"""How many nodes aliases may add on top of the file's own nodes."""

MAX_ALIAS_CHARS = 1_000_000
"""How many characters of text (values and keys) aliases may add to the file's own.

A few aliases of one long anchored text stay under :data:`MAX_ALIAS_NODES` yet could
expand to gigabytes once the data is copied, hashed or printed.
"""

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
        self.extra_chars = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, code: str, node: yaml.Node, message: str, hint: str | None = None) -> SpecError:
        mark = _mark(self.file, node)
        return SpecError(Issue(code, message, mark.location(), hint=hint))  # type: ignore[arg-type]

    def build(self, node: yaml.Node, path: Path, depth: int = 0) -> Any:
        if id(node) in self.seen:
            self.repeats += 1
            self.extra_chars += _own_chars(node)
            if self.repeats > MAX_ALIAS_NODES:
                raise self.fail(
                    "yaml-alias-limit",
                    node,
                    f"aliases expand to more than {MAX_ALIAS_NODES} extra values",
                    hint="write the values out instead of repeating anchors",
                )
            if self.extra_chars > MAX_ALIAS_CHARS:
                raise self.fail(
                    "yaml-alias-limit",
                    node,
                    f"aliases expand to more than {MAX_ALIAS_CHARS} extra characters of text",
                    hint="an anchored text repeated by aliases is copied in full each time; "
                    "write the values out, or shorten the anchored text",
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


def _own_chars(node: yaml.Node) -> int:
    """Characters a node adds by itself when an alias repeats it (a text, or a mapping's keys)."""
    if isinstance(node, yaml.ScalarNode):
        return len(node.value)
    if isinstance(node, yaml.MappingNode):
        return sum(len(key.value) for key, _ in node.value if isinstance(key, yaml.ScalarNode))
    return 0


@dataclass(frozen=True, slots=True)
class SourceIssue(Issue):
    """An issue shown with the lines of the file it is about, a caret under the column.

    ``render()`` gives the usual one-line diagnostic, then the excerpt lines (as GCC
    does); ``to_dict()`` adds them as ``excerpt``.
    """

    excerpt: tuple[str, ...] = ()

    def render(self) -> str:
        """Render the diagnostic line, then the excerpt."""
        return "\n".join((Issue.render(self), *self.excerpt))

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready mapping with the excerpt lines."""
        out = Issue.to_dict(self)
        if self.excerpt:
            out["excerpt"] = list(self.excerpt)
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
        ``yaml-syntax`` (explained, with the line and a caret under the column),
        ``yaml-duplicate-key``, ``yaml-tag``, ``yaml-alias-limit``, or
        ``control-character`` for a control character written into the file as it is.
    """
    if RAW_UNSAFE.search(text):
        raise SpecError(_raw_control_issues(text, file))
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise SpecError(_syntax_issue(exc, text, file)) from None
    except yaml.YAMLError as exc:
        raise SpecError(
            Issue("yaml-syntax", f"YAML syntax error: {exc}", Location(file=file))
        ) from None
    builder = _Builder(file)
    if node is None:
        return ParsedYaml(None, {}, {})
    data = builder.build(node, ())
    return ParsedYaml(data, builder.values, builder.keys)


# ------------------------------------------------------------------ control characters

_CONTROL_HINT = (
    "delete it: control characters can take over the terminal or page that shows the "
    "text, as escape sequences recolour, retitle or repaint it; retype the text if it was "
    "pasted"
)
_BIDI_HINT = (
    "delete it: bidirectional controls show a text in another order than it is read; "
    "right-to-left text needs none of them"
)
_MAX_TEXT_ISSUES = 50

LONG_TEXT_KEYS = frozenset(
    {
        "description",
        "citation",
        "instructions",
        "text",
        "stem",
        "message",
        "note",
        "source",
        "permission",
        "sample",
    }
)
"""Keys of long texts, where line breaks and tabs are allowed (per language under them too)."""


def _control_hint(chars: list[str]) -> str:
    bidi = all("\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069" for c in chars)
    return _BIDI_HINT if bidi else _CONTROL_HINT


def _raw_control_issues(text: str, file: str) -> list[Issue]:
    """Locate control characters written into the file, each in the field it stands in.

    The YAML reader refuses them (or, for U+2028 and U+0085, reads a line break); to name
    the field, the text is parsed once more with each replaced by U+FFFD.
    """
    cleaned = RAW_UNSAFE.sub("\ufffd", text)
    try:
        parsed: ParsedYaml | None = parse_yaml(cleaned, file)
    except SpecError:
        parsed = None
    by_line: dict[int, list[tuple[int, Path]]] = {}
    if parsed is not None:
        for where, mark in parsed.values.items():
            by_line.setdefault(mark.line, []).append((mark.column, where))
    issues: list[Issue] = []
    found = list(RAW_UNSAFE.finditer(text))
    for match in found[:_MAX_TEXT_ISSUES]:
        pos = match.start()
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        before = [entry for entry in by_line.get(line, []) if entry[0] <= column]
        field = max(before, key=lambda entry: entry[0])[1] if before else None
        char = match.group()
        issues.append(
            Issue(
                "control-character",
                f"the file holds the control character {describe_character(char)}"
                + (" in this text" if field else f" on line {line}"),
                Location(
                    file=file,
                    line=line,
                    column=column,
                    path=_format_path(field) if field else None,
                ),
                hint=_control_hint([char]),
            )
        )
    if len(found) > _MAX_TEXT_ISSUES:
        issues.append(
            Issue(
                "control-character",
                f"and {len(found) - _MAX_TEXT_ISSUES} more control characters",
                Location(file=file),
            )
        )
    return issues


def _is_long_text(path: Path) -> bool:
    """Tell whether the text at ``path`` is a long one (may hold line breaks and tabs)."""
    if not path:
        return False
    last = path[-1]
    if isinstance(last, str) and last in LONG_TEXT_KEYS:
        return True
    parent = path[-2] if len(path) >= 2 else None
    if isinstance(last, str) and isinstance(parent, str) and parent in LONG_TEXT_KEYS:
        return True  # a text per language: {en: ...}
    return len(path) == 2 and path[0] == "items" and isinstance(last, str)  # overlay wording


def text_issues(
    parsed: ParsedYaml, display: str, *, instrument: str | None = None
) -> tuple[list[Issue], ParsedYaml]:
    r"""Find the texts (values and keys) holding characters a definition may not hold.

    Returns
    -------
    tuple
        One ``control-character`` issue per offending text, and the parsed file with
        every unsafe character written as an escape (``\x1b``), so that later messages
        quoting the values are safe to print; the same ``parsed`` when nothing is found.
    """
    issues: list[Issue] = []
    count = 0

    def check(text: str, where: Path, *, key: bool) -> None:
        nonlocal count
        unsafe = [m.group() for m in UNSAFE.finditer(text)]
        breaks = [] if key is False and _is_long_text(where) else LINE_BREAKS.findall(text)
        if not unsafe and not breaks:
            return
        count += 1
        if count > _MAX_TEXT_ISSUES:
            return
        mark = (parsed.keys if key else parsed.values).get(where)
        what = "key" if key else "text"
        if unsafe:
            chars = list(dict.fromkeys(unsafe))
            named = " and ".join(describe_character(c) for c in chars[:3])
            first = UNSAFE.search(text)
            position = first.start() + 1 if first else 1
            message = f"{what} contains {named}; the first is character {position}"
            hint = _control_hint(chars)
        else:
            chars = list(dict.fromkeys(breaks))
            named = " and ".join(f"a {describe_character(c)}" for c in chars)
            message = f"one-line {what} contains {named}"
            hint = (
                "write it on one line: line breaks and tabs are allowed only in long texts ("
                + ", ".join(sorted(LONG_TEXT_KEYS))
                + ")"
            )
        issues.append(
            Issue(
                "control-character",
                message,
                Location(
                    file=mark.file if mark else display,
                    line=mark.line if mark else None,
                    column=mark.column if mark else None,
                    path=escape_unsafe(_format_path(where)) or None,
                    instrument=instrument,
                ),
                hint=hint,
            )
        )

    def visit(value: Any, where: Path) -> None:
        if isinstance(value, str):
            check(value, where, key=False)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    check(key, (*where, key), key=True)
                visit(item, (*where, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                visit(item, (*where, i))

    visit(parsed.data, ())
    if count > _MAX_TEXT_ISSUES:
        issues.append(
            Issue(
                "control-character",
                f"and {count - _MAX_TEXT_ISSUES} more texts with such characters",
                Location(file=display, instrument=instrument),
            )
        )
    if not issues:
        return issues, parsed
    return issues, _escaped(parsed)


def _escaped(parsed: ParsedYaml) -> ParsedYaml:
    """Return ``parsed`` with unsafe characters escaped in values, keys, paths and marks."""

    def part(value: Any) -> Any:
        return escape_unsafe(value) if isinstance(value, str) else value

    def data(value: Any) -> Any:
        if isinstance(value, str):
            return escape_unsafe(value)
        if isinstance(value, dict):
            return {part(key): data(item) for key, item in value.items()}
        if isinstance(value, list):
            return [data(item) for item in value]
        return value

    def table(marks: dict[Path, Mark]) -> dict[Path, Mark]:
        return {
            tuple(part(p) for p in where): (
                replace(mark, raw=escape_unsafe(mark.raw)) if mark.raw is not None else mark
            )
            for where, mark in marks.items()
        }

    return ParsedYaml(data(parsed.data), table(parsed.values), table(parsed.keys))


# ------------------------------------------------------------------ syntax errors

_EXCERPT_WIDTH = 100


def _shown(line: str, column: int) -> tuple[str, int]:
    """Return the part of ``line`` shown around a 0-based column, and the caret's offset.

    Tabs and other characters that do not print are shown as one space or ``?`` so the
    caret stays under its column.
    """
    start = 0
    if len(line) > _EXCERPT_WIDTH:
        start = max(0, min(column - _EXCERPT_WIDTH // 2, len(line) - _EXCERPT_WIDTH))
    part = line[start : start + _EXCERPT_WIDTH]
    part = "".join(" " if c == "\t" else c if c.isprintable() else "?" for c in part)
    caret = column - start
    if start:
        part, caret = "..." + part, caret + 3
    if start + _EXCERPT_WIDTH < len(line):
        part += "..."
    return part, caret


def _excerpt(lines: list[str], marks: list[tuple[int, int]]) -> tuple[str, ...]:
    """Lines of the file at 0-based ``(line, column)`` marks, each with a caret line."""
    by_line: dict[int, set[int]] = {}
    for line, column in marks:
        if line < len(lines):
            by_line.setdefault(line, set()).add(column)
    if not by_line:
        return ()
    width = len(str(max(by_line) + 1))
    out: list[str] = []
    for line in sorted(by_line):
        columns = sorted(by_line[line])
        text, first = _shown(lines[line], columns[-1])
        carets = sorted({first - (columns[-1] - c) for c in columns})
        under = "".join("^" if i in carets else " " for i in range(carets[-1] + 1))
        out.append(f"  {line + 1:>{width}} | {text}")
        out.append(f"  {'':>{width}} | {under}")
    return tuple(out)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_KEY_PREFIX = re.compile(r"^(\s*(?:-\s+)*)([^\s#'\"{}\[\],][^#]*?):(\s|$)")


def _explain(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[str, str, list[Any]]:
    """Say a syntax error in plain words: ``(message, hint, marks to show)``."""
    problem, context = exc.problem or "", exc.context or ""
    mark, opened = exc.problem_mark, exc.context_mark
    shown: list[Any] = [m for m in (opened, mark) if m is not None]
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    column = mark.column if mark is not None else 0
    char = line[column] if column < len(line) else ""
    opened_line = opened.line + 1 if opened is not None else None
    indent = line[: len(line) - len(line.lstrip())]
    if "tab" in problem or ("cannot start any token" in problem and "\t" in (char + indent)):
        return (
            "a tab is used for indentation",
            "indent with spaces only; YAML does not accept tabs there, so set your editor to "
            "insert spaces for the Tab key",
            [mark],
        )
    if "cannot start any token" in problem:
        rest = line[column:].rstrip()
        return (
            f"a value cannot start with '{char}' unless it is in quotes",
            f"put the value in quotes: {_quoted(rest)}",
            [mark],
        )
    if "mapping values are not allowed" in problem:
        key = _KEY_PREFIX.match(line)
        if key is not None and key.end(2) < column:
            value = re.split(r"\s#", line[key.end() :])[0].strip()
            return (
                "a colon followed by a space inside an unquoted text starts a new key",
                f"put the text in quotes: {key.group(2)}: {_quoted(value)}",
                [mark],
            )
        return (
            "this line is indented further than the line above, which already has a value",
            "keys of one mapping start in the same column; a nested mapping goes under a key "
            "with nothing after its colon",
            [mark],
        )
    if "quoted scalar" in context and "end of stream" in problem:
        return (
            f"the quote opened on line {opened_line} is never closed",
            "end the text with the quote it starts with; inside '...' write a quote as '', "
            'inside "..." as \\"',
            [opened],
        )
    if "quoted scalar" in context and "escape" in problem:
        return (
            "a double-quoted text holds an unknown escape (a backslash followed by a letter "
            "YAML does not know)",
            "write a backslash as \\\\, or put the text in single quotes, where a backslash is "
            "an ordinary character",
            shown,
        )
    for close, what, opener in (("]", "list", "["), ("}", "mapping", "{")):
        same_line = opened is not None and mark is not None and opened.line == mark.line
        if f"expected ',' or '{close}'" in problem and char == ":" and same_line:
            start = line.rfind(": ", 0, column)
            start = max(
                start + 2, line.rfind(",", 0, column) + 1, line.rfind(opener, 0, column) + 1
            )
            ends = [i for i in (line.find(",", column), line.find(close, column)) if i >= 0]
            value = line[start : min(ends) if ends else len(line)].strip()
            return (
                f"a colon inside an unquoted text in a '{opener}...{close}' {what} starts a new "
                "key",
                f"put the text in quotes: {_quoted(value)}",
                [mark],
            )
        if f"expected ',' or '{close}'" in problem:
            return (
                f"the {what} opened with '{opener}' on line {opened_line} is not closed, or two "
                "of its entries have no comma between them",
                f"close it with '{close}', separate entries with ', ', and quote entries that "
                "hold ',', '#', ':', '[', ']', '{' or '}'",
                shown,
            )
    if "single document" in context:
        return (
            "the file holds a second YAML document (a '---' line after the first one)",
            "an instrument file is one document: remove the '---' line, or move what follows "
            "it to a file of its own",
            [mark],
        )
    if "undefined alias" in problem:
        name = re.match(r"\*([^\s,\[\]{}]+)", line[column:])
        alias = name.group(1) if name else "?"
        return (
            f"the alias '*{alias}' refers to no anchor '&{alias}' defined above it",
            "define the anchor before its first use, or write the value out",
            [mark],
        )
    if "could not find expected ':'" in problem:
        return (
            f"line {opened_line} is not a `key: value` entry",
            "a key needs a colon and a space after it; a text that goes on over several lines "
            "must be quoted or indented under its key",
            [opened],
        )
    if "directive" in context:
        return (
            "a line starts with '%', which YAML reads as a directive",
            "put the value in quotes, or remove the line",
            [mark],
        )
    if "expected key" in problem or "expected '-'" in problem or "<block end>" in problem:
        before = line[:column].rstrip()
        if before.endswith(("'", '"')) and before.lstrip().find(":") != -1:
            apostrophe = (
                "; inside '...' write an apostrophe as two ('it''s'), or quote with \"...\""
                if before.endswith("'")
                else ""
            )
            return (
                "text follows the closing quote of a value",
                f"put the whole value inside the quotes{apostrophe}",
                [mark],
            )
        if line.lstrip().startswith("- ") and "expected key" in problem:
            return (
                "a list entry ('- ') stands where a key was expected",
                "a list goes under a key with nothing after its colon, indented below it; "
                "check this line's indentation against the line above",
                [mark],
            )
        return (
            "this line does not line up with the lines above it",
            "keys of one mapping start in the same column, and so do the '- ' entries of one "
            "list; compare this line's indentation with the line above",
            [mark],
        )
    message = f"{context}: {problem}" if context and "while" not in context else problem
    return (
        message or "invalid YAML",
        "check indentation and quoting on this line and the one above",
        [mark],
    )


def _syntax_issue(exc: yaml.MarkedYAMLError, text: str, file: str) -> SourceIssue:
    lines = text.splitlines()
    message, hint, marks = _explain(exc, lines)
    mark = exc.problem_mark or exc.context_mark
    location = (
        Location(file=file, line=mark.line + 1, column=mark.column + 1)
        if mark is not None
        else Location(file=file)
    )
    excerpt = _excerpt(lines, [(m.line, m.column) for m in marks if m is not None])
    return SourceIssue(
        "yaml-syntax", f"YAML syntax error: {message}", location, hint=hint, excerpt=excerpt
    )


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

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from relscales.errors import Issue, Location, RelscalesError, SpecError
from relscales.instruments.instrument import Instrument, content_hash
from relscales.instruments.kinds import file_kind
from relscales.instruments.lint import check_instrument, did_you_mean
from relscales.instruments.partial import partial_spec
from relscales.instruments.registry import contained_path, looks_like_path, resolve_instrument
from relscales.instruments.translate import (
    Locator,
    PathKey,
    kind_of,
    translate_errors,
)
from relscales.instruments.yamlsource import ParsedYaml, parse_yaml, text_issues
from relscales.spec import InstrumentSpec

__all__ = [
    "MAX_EXTENDS_DEPTH",
    "ValidationReport",
    "load_instrument",
    "load_instrument_data",
    "validate_file",
]

_MAX_FILE_BYTES = 5 * 1024 * 1024

MAX_EXTENDS_DEPTH = 32
"""How many files an ``extends`` chain may hold, the extending file included."""


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
        A bundled id (``"ecr-r"``), an id and a kept version (``"risi@0.1.1"``), or a
        path to a YAML file.
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

    Batteries and text overlays are checked by
    :func:`relscales.instruments.definitions.validate_definition`.

    Parameters
    ----------
    path
        The YAML file.
    instruments_dir
        Extra folders to search for ids named by ``extends``.
    """
    file = os.fspath(path)
    try:
        kind = file_kind(file)
        if kind != "instrument":
            raise SpecError(
                Issue(
                    "invalid-value",
                    f"this is a {'battery' if kind == 'battery' else 'text overlay'} file, "
                    "not an instrument",
                    Location(file=file, line=1, column=1),
                    hint="load it with relscales.load_instrument (batteries) or pass it with "
                    "--texts (overlays)",
                )
            )
        return _Loader(instruments_dir).load(Path(file), display=file)
    except RelscalesError as exc:
        return ValidationReport(file, exc.issues)


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
                f"an instrument must be a mapping of keys, not {kind_of(data)}",
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
            kind = "empty" if parsed.data is None else f"a single {kind_of(parsed.data)} value"
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
        own_id = parsed.data.get("id") if isinstance(parsed.data, dict) else None
        unsafe, parsed = text_issues(
            parsed, display, instrument=own_id if isinstance(own_id, str) else None
        )
        data = parsed.data
        if isinstance(data, dict) and data.get("extends") is not None:
            issues = _version_issues(parsed, display)  # the child's own, before the parent's
            if issues:
                return ValidationReport(display, (*unsafe, *issues)), parsed
            try:
                parsed, parents = self.extend(parsed, display, folder, chain)
            except SpecError as exc:
                return ValidationReport(display, (*unsafe, *exc.issues)), parsed
            # The result stands alone (its provenance is `parents`), so it drops `extends`:
            # `to_data()` then loads back without the parent and keeps fields reset to defaults.
            data = {key: value for key, value in parsed.data.items() if key != "extends"}
            parsed = ParsedYaml(data, parsed.values, parsed.keys)
        issues = _version_issues(parsed, display)
        if issues:
            return ValidationReport(display, (*unsafe, *issues)), parsed
        try:
            spec = InstrumentSpec.model_validate(data)
        except ValidationError as exc:
            structural = translate_errors(exc, parsed, display)
            return ValidationReport(
                display, (*unsafe, *structural, *_partial_issues(parsed, display, structural))
            ), parsed
        locator = Locator(parsed, display, spec.id)
        issues = [
            *unsafe,
            *(
                Issue(f.code, f.message, locator.at(f.path), f.severity, f.hint)
                for f in check_instrument(spec)
            ),
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
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise SpecError(
                Issue(
                    "extends-too-deep",
                    f"`extends` chains more than {MAX_EXTENDS_DEPTH} files (this file is "
                    f"number {len(chain)} from '{chain[0].name}')",
                    where,
                    hint="extend the published definition directly, not a file that extends "
                    "it; a real chain has one to three files",
                )
            )
        try:
            if looks_like_path(ref):
                contained_path(ref, folder, what="`extends`")
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


def _partial_issues(parsed: ParsedYaml, display: str, structural: list[Issue]) -> list[Issue]:
    """Cross-reference errors in the entries of a file that did validate structurally.

    Reported with the structural errors, so that a file's problems show in one pass.
    Warnings wait until the whole file is valid (they need all of it).
    """
    partial = partial_spec(parsed.data)
    own_id = parsed.data.get("id")
    locator = Locator(parsed, display, own_id if isinstance(own_id, str) else None)
    reported = {(issue.code, issue.location.path) for issue in structural}
    issues: list[Issue] = []
    for finding in check_instrument(partial.spec, unchecked=partial.unchecked):
        if finding.severity != "error":
            continue
        issue = Issue(
            finding.code,
            finding.message,
            locator.at(partial.file_path(finding.path)),
            finding.severity,
            finding.hint,
        )
        if (issue.code, issue.location.path) not in reported:
            issues.append(issue)
    return issues


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

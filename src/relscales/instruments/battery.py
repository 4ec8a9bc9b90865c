"""Batteries: several instruments answered by the same respondents, scored in one pass.

A battery file names its member instruments and declares composites and profiles
across them, referring to member scores as ``<instrument id>.<score id>``::

    relscales_battery: 1
    id: relationship-insecurity-battery
    version: 0.1.0
    name: ...
    validation: {status: experimental}
    instruments: [risi, ecr-r, rses]
    composites:
      - id: internal_combined
        parts:
          - {score: risi.internal_pattern}
          - {score: ecr-r.anxiety}
          - {score: rses.self_esteem, reverse: true}
        standardized: pomp
    profiles: [...]

Members are validated as instruments; references are checked with did-you-mean
hints, each problem located at its line and column.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from relscales.errors import Issue, Location, SpecError
from relscales.instruments.instrument import Instrument, content_hash
from relscales.instruments.lint import axis_rule_problems, did_you_mean
from relscales.instruments.loader import load_instrument
from relscales.instruments.registry import contained_path
from relscales.instruments.translate import translate_errors
from relscales.instruments.yamlsource import (
    ParsedYaml,
    format_path,
    read_mapping_file,
    text_issues,
)
from relscales.spec import BatterySpec

__all__ = ["Battery", "load_battery", "validate_battery"]


@dataclass(frozen=True, slots=True)
class Battery:
    """A validated battery with its member instruments and provenance."""

    spec: BatterySpec
    members: tuple[Instrument, ...]
    source: str
    content_hash: str

    @property
    def id(self) -> str:
        """The battery id."""
        return self.spec.id

    def score_names(self) -> list[str]:
        """Every score a composite or profile may use, as ``instrument.score``, then own ids."""
        names = [
            f"{inst.id}.{score}"
            for inst in self.members
            for score in [s.id for s in inst.spec.subscales] + [c.id for c in inst.spec.composites]
        ]
        return names + [c.id for c in self.spec.composites]


def _parse(display: str) -> ParsedYaml:
    return read_mapping_file(
        display,
        what="battery file",
        start_hint="start with `relscales_battery: 1`",
        missing_hint="check the path",
    )


def validate_battery(
    path: str | os.PathLike[str], *, instruments_dir: Sequence[str | os.PathLike[str]] = ()
) -> tuple[Battery | None, list[Issue]]:
    """Load a battery and report every problem (the battery is ``None`` when any is an error)."""
    display = os.fspath(path)
    parsed = _parse(display)
    own_id = parsed.data.get("id")
    unsafe, parsed = text_issues(
        parsed, display, instrument=own_id if isinstance(own_id, str) else None
    )
    try:
        spec = BatterySpec.model_validate(parsed.data)
    except ValidationError as exc:
        return None, [*unsafe, *translate_errors(exc, parsed, display, BatterySpec)]

    def at(where: tuple[str | int, ...]) -> Location:
        probe = where
        while probe and probe not in parsed.values:
            probe = probe[:-1]
        mark = parsed.values.get(probe) or parsed.values.get(())
        return Location(
            file=display,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            path=format_path(where),
            instrument=spec.id,
        )

    issues: list[Issue] = list(unsafe)
    members: list[Instrument] = []
    folder = Path(display).parent
    for i, ref in enumerate(spec.instruments):
        target: str | Path = ref
        if ref.endswith((".yaml", ".yml")) or "/" in ref:
            target = folder / ref
        try:
            if isinstance(target, Path):
                contained_path(ref, folder, what="a battery member")
            members.append(load_instrument(target, instruments_dir=instruments_dir))
        except SpecError as exc:
            first = exc.issues[0]
            issues.append(
                Issue(
                    first.code,
                    f"member instrument: {first.message}",
                    at(("instruments", i)),
                    hint=first.hint,
                )
            )
    if len(members) < len(spec.instruments):
        return None, issues
    ids = [m.id for m in members]
    for i, member_id in enumerate(ids):
        if ids.index(member_id) != i:
            issues.append(
                Issue(
                    "duplicate-id",
                    f"instrument '{member_id}' is listed twice",
                    at(("instruments", i)),
                    hint="list each instrument once",
                )
            )
    battery = Battery(spec, tuple(members), display, content_hash(spec.to_data()))
    issues += list(_check_refs(battery, at))
    if any(i.severity == "error" for i in issues):
        return None, issues
    return battery, issues


def _check_refs(
    battery: Battery, locate: Callable[[tuple[str | int, ...]], Location]
) -> Iterator[Issue]:
    member_scores = battery.score_names()[: -len(battery.spec.composites) or None]
    known = list(member_scores)
    seen: set[str] = set()
    for i, comp in enumerate(battery.spec.composites):
        if comp.id in seen or comp.id in known:
            yield Issue(
                "duplicate-id",
                f"composite id '{comp.id}' is used twice",
                locate(("composites", i, "id")),
            )
        for j, part in enumerate(comp.parts):
            if part.score not in known:
                yield Issue(
                    "unknown-score",
                    f"composite '{comp.id}' uses score '{part.score}', which is not a score of "
                    "the member instruments (or an earlier composite)",
                    locate(("composites", i, "parts", j, "score")),
                    hint=did_you_mean(part.score, known)
                    or "name member scores as <instrument id>.<score id>, e.g. ecr-r.anxiety",
                )
        if comp.standardized is True:
            yield Issue(
                "invalid-value",
                f"composite '{comp.id}': a battery combines scores of different instruments; "
                "use `standardized: pomp` (no norms needed) or `false`",
                locate(("composites", i, "standardized")),
            )
        seen.add(comp.id)
        known.append(comp.id)
    for i, prof in enumerate(battery.spec.profiles):
        for axis_name, axis in (("x", prof.x), ("y", prof.y)):
            if axis.score not in known:
                yield Issue(
                    "unknown-score",
                    f"profile '{prof.id}' axis {axis_name} uses score '{axis.score}', which is "
                    "not defined",
                    locate(("profiles", i, axis_name, "score")),
                    hint=did_you_mean(axis.score, known),
                )
        for path, message, hint in axis_rule_problems(prof, known):
            yield Issue("invalid-value", message, locate(("profiles", i, *path)), hint=hint)
        flags = [f"{m.id}.{f.id}" for m in battery.members for f in m.spec.flags]
        for j, flag_id in enumerate(prof.gated_by):
            if flag_id not in flags:
                yield Issue(
                    "unknown-score",
                    f"profile '{prof.id}' is gated by flag '{flag_id}', which is not a flag of "
                    "the member instruments",
                    locate(("profiles", i, "gated_by", j)),
                    hint=did_you_mean(flag_id, flags)
                    or "name member flags as <instrument id>.<flag id>, e.g. risi.safety",
                )
        missing = {"low-low", "low-high", "high-low", "high-high"} - set(prof.regions)
        if missing:
            yield Issue(
                "missing-key",
                f"profile '{prof.id}' names no region for {', '.join(sorted(missing))}",
                locate(("profiles", i, "regions")),
            )


def load_battery(
    path: str | os.PathLike[str], *, instruments_dir: Sequence[str | os.PathLike[str]] = ()
) -> Battery:
    """Load and validate a battery file.

    Raises
    ------
    SpecError
        With every problem found.
    """
    battery, issues = validate_battery(path, instruments_dir=instruments_dir)
    if battery is None:
        raise SpecError([i for i in issues if i.severity == "error"])
    return battery

"""The catalogue of available instruments (``relscales list``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relscales.instruments.kinds import file_kind
from relscales.instruments.loader import validate_file
from relscales.instruments.registry import available_instruments, earlier_versions

__all__ = ["InstrumentSummary", "list_instruments"]


@dataclass(frozen=True, slots=True)
class InstrumentSummary:
    """One line of the catalogue.

    ``problem`` is set (and the other fields are best effort) when the file does not
    validate, so one broken file in a lab's folder does not hide the others.
    """

    id: str
    name: str
    domain: str
    n_items: int
    status: str
    version: str
    source: str
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return {
            "id": self.id,
            "name": self.name,
            "domain": self.domain,
            "n_items": self.n_items,
            "status": self.status,
            "version": self.version,
            "source": self.source,
            "problem": self.problem,
        }


def list_instruments(
    *, instruments_dir: Sequence[str | os.PathLike[str]] = (), all_versions: bool = False
) -> list[InstrumentSummary]:
    """List the available instruments (bundled, plus extra folders), sorted by id.

    With ``all_versions``, each instrument's kept earlier versions follow it, newest
    first, with ``ID@VERSION`` as their id (what ``-i`` takes to select them).

    Examples
    --------
    >>> ids = [s.id for s in list_instruments()]
    >>> "ecr-r" in ids and "rses" in ids
    True
    """
    out: list[InstrumentSummary] = []
    found = available_instruments(instruments_dir)
    for ref, path in sorted(found.items()):
        summary = _summary(ref, path, instruments_dir)
        out.append(summary)
        if all_versions and summary.problem is None:
            out += [
                _summary(kept.ref, kept.path, instruments_dir, label=kept.ref)
                for kept in earlier_versions(summary.id, instruments_dir)
            ]
    return out


def _summary(
    ref: str,
    path: Path,
    instruments_dir: Sequence[str | os.PathLike[str]],
    label: str | None = None,
) -> InstrumentSummary:
    """Summarise one file; ``label`` replaces the id shown (``risi@0.1.1``)."""
    from relscales.instruments.battery import validate_battery

    if file_kind(path) == "battery":
        battery, issues = validate_battery(path, instruments_dir=instruments_dir)
        if battery is None:
            first = next(i for i in issues if i.severity == "error")
            return InstrumentSummary(
                ref, "(invalid)", "battery", 0, "invalid", "?", str(path), first.render()
            )
        return InstrumentSummary(
            label or battery.id,
            battery.spec.name,
            "battery",
            sum(len(m.items) for m in battery.members),
            battery.spec.validation.status,
            battery.spec.version,
            str(path),
        )
    report = validate_file(path, instruments_dir=instruments_dir)
    inst = report.instrument
    if inst is None:
        first = next(i for i in report.issues if i.severity == "error")
        return InstrumentSummary(
            ref, "(invalid)", "?", 0, "invalid", "?", str(path), first.render()
        )
    spec = inst.spec
    return InstrumentSummary(
        label or spec.id,
        spec.name,
        spec.domain,
        len(spec.items),
        spec.validation.status,
        spec.version,
        str(path),
    )

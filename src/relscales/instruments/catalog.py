"""The catalogue of available instruments (``relscales list``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from relscales.instruments.kinds import file_kind
from relscales.instruments.loader import validate_file
from relscales.instruments.registry import available_instruments

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
    *, instruments_dir: Sequence[str | os.PathLike[str]] = ()
) -> list[InstrumentSummary]:
    """List the available instruments (bundled, plus extra folders), sorted by id.

    Examples
    --------
    >>> ids = [s.id for s in list_instruments()]
    >>> "ecr-r" in ids and "rses" in ids
    True
    """
    out: list[InstrumentSummary] = []
    from relscales.instruments.battery import validate_battery

    for ref, path in sorted(available_instruments(instruments_dir).items()):
        if file_kind(path) == "battery":
            battery, issues = validate_battery(path, instruments_dir=instruments_dir)
            if battery is None:
                first = next(i for i in issues if i.severity == "error")
                out.append(
                    InstrumentSummary(
                        ref, "(invalid)", "battery", 0, "invalid", "?", str(path), first.render()
                    )
                )
            else:
                out.append(
                    InstrumentSummary(
                        battery.id,
                        battery.spec.name,
                        "battery",
                        sum(len(m.items) for m in battery.members),
                        battery.spec.validation.status,
                        battery.spec.version,
                        str(path),
                    )
                )
            continue
        report = validate_file(path, instruments_dir=instruments_dir)
        inst = report.instrument
        if inst is None:
            first = next(i for i in report.issues if i.severity == "error")
            out.append(
                InstrumentSummary(
                    ref, "(invalid)", "?", 0, "invalid", "?", str(path), first.render()
                )
            )
            continue
        spec = inst.spec
        out.append(
            InstrumentSummary(
                spec.id,
                spec.name,
                spec.domain,
                len(spec.items),
                spec.validation.status,
                spec.version,
                str(path),
            )
        )
    return out

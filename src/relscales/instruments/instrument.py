"""The loaded instrument: a validated spec plus where it came from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from relscales.spec import InstrumentSpec, ItemSpec, SubscaleSpec

__all__ = ["Instrument", "content_hash"]


def content_hash(data: Any) -> str:
    """Return ``sha256:<hex>`` of the canonical JSON form of an instrument's data.

    Two files that define the same instrument (whatever their layout, comments or
    key order) have the same hash; any change to a key, item or norm changes it.
    """
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Instrument:
    """A validated instrument and its provenance.

    Attributes
    ----------
    spec
        The resolved definition (any ``extends`` applied).
    source
        The file it was loaded from, as given.
    content_hash
        ``sha256:...`` of the resolved definition; recorded with every score.
    parents
        ``(id, version, content_hash)`` of each instrument it extends, nearest first.
    """

    spec: InstrumentSpec
    source: str
    content_hash: str
    parents: tuple[tuple[str, str, str], ...] = ()

    @property
    def id(self) -> str:
        """The instrument id."""
        return self.spec.id

    @property
    def version(self) -> str:
        """The definition's version."""
        return self.spec.version

    @property
    def name(self) -> str:
        """The full name."""
        return self.spec.name

    @property
    def items(self) -> tuple[ItemSpec, ...]:
        """The items in administration order."""
        return self.spec.items

    @property
    def subscales(self) -> tuple[SubscaleSpec, ...]:
        """The subscales."""
        return self.spec.subscales

    def provenance(self) -> dict[str, Any]:
        """Return id, version, hash, source and parents, for result metadata."""
        return {
            "id": self.id,
            "version": self.version,
            "content_hash": self.content_hash,
            "source": self.source,
            "validation_status": self.spec.validation.status,
            "extends": [
                {"id": pid, "version": pver, "content_hash": phash}
                for pid, pver, phash in self.parents
            ],
        }

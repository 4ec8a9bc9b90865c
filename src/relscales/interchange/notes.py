"""What of an instrument may not cross to another format: found once for every exporter.

Each exporter words its own notes on what its format cannot carry (see
:attr:`relscales.interchange.Exported.notes`), since what is lost, and what to do about it,
differs from format to format. Which scores, items, codes and languages those notes speak
of is found here, by :func:`find_uncarried`, so that every format looks for the same things
in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from relscales.spec import (
        CompositeSpec,
        FlagSpec,
        InstrumentSpec,
        ItemSpec,
        ProfileSpec,
        SubscaleSpec,
    )

__all__ = ["ScoreFeature", "Uncarried", "declares", "find_uncarried"]

ScoreFeature = Literal["norms", "bands", "published", "change", "tags", "irt", "description"]
"""A key of a subscale or composite that no exported format computes or keeps as such."""


def declares(score: SubscaleSpec | CompositeSpec, feature: ScoreFeature) -> bool:
    """Return whether a subscale or composite declares ``feature`` (composites have no ``irt``).

    Examples
    --------
    >>> from relscales.instruments.loader import load_instrument
    >>> sub = load_instrument("ecr-r").spec.subscales[0]
    >>> declares(sub, "change"), declares(sub, "norms"), declares(sub, "irt")
    (True, False, False)
    """
    return bool(getattr(score, feature, None))


@dataclass(frozen=True)
class Uncarried:
    """The parts of an instrument that an exported form may not carry.

    Attributes
    ----------
    scored
        The subscales, then the composites.
    flags, profiles
        The instrument's flags and profiles (no exported format computes them).
    attention_checks
        The items with an attention check.
    columns
        The items named by a data column (``column:``).
    context
        The context items.
    gated
        The subscales scored only under some answers of a context item (``applies_when``).
    missing_codes, not_applicable
        The missing-data codes and the "does not apply" codes of all scales, sorted.
    other_languages
        The instrument's languages after the first.
    wording_included
        Whether the instrument file carries the item wording (``license.item_text``).
    """

    scored: tuple[SubscaleSpec | CompositeSpec, ...]
    flags: tuple[FlagSpec, ...]
    profiles: tuple[ProfileSpec, ...]
    attention_checks: tuple[ItemSpec, ...]
    columns: tuple[ItemSpec, ...]
    context: tuple[ItemSpec, ...]
    gated: tuple[SubscaleSpec, ...]
    missing_codes: tuple[float, ...]
    not_applicable: tuple[float, ...]
    other_languages: tuple[str, ...]
    wording_included: bool

    def having(self, feature: ScoreFeature) -> list[SubscaleSpec | CompositeSpec]:
        """Return the scores (subscales, then composites) that declare ``feature``."""
        return [score for score in self.scored if declares(score, feature)]


def find_uncarried(spec: InstrumentSpec) -> Uncarried:
    """Find the parts of an instrument that an exported form may not carry.

    Parameters
    ----------
    spec
        A validated instrument.

    Returns
    -------
    Uncarried
        Each part, in the instrument's order; an exporter words a note on those its format
        cannot hold.

    Examples
    --------
    >>> from relscales.instruments.loader import load_instrument
    >>> lost = find_uncarried(load_instrument("risi").spec)
    >>> len(lost.flags), len(lost.profiles), lost.missing_codes, lost.wording_included
    (8, 1, (-99,), True)
    """
    scales = spec.response_scales.values()
    return Uncarried(
        scored=(*spec.subscales, *spec.composites),
        flags=tuple(spec.flags),
        profiles=tuple(spec.profiles),
        attention_checks=tuple(i for i in spec.items if i.attention_check is not None),
        columns=tuple(i for i in spec.items if i.column is not None),
        context=tuple(i for i in spec.items if i.context),
        gated=tuple(s for s in spec.subscales if s.applies_when is not None),
        missing_codes=tuple(sorted({c for s in scales for c in s.missing_codes})),
        not_applicable=tuple(sorted({c for s in scales for c in s.not_applicable})),
        other_languages=tuple(spec.languages[1:]),
        wording_included=spec.license.item_text == "included",
    )

"""Compile an instrument once into numeric arrays; score many times.

A :class:`CompiledInstrument` holds the item order, the ``scores x items`` weight
matrix, each item's reverse offset taken from *its own declared* response scale
(min + max, never the observed range), the valid values, label maps and missing
codes of each scale, and each score's missing-data rule.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from relscales.errors import Issue, Location, SpecError
from relscales.instruments.bounds import composite_bounds, min_answered_count, score_bounds
from relscales.instruments.instrument import Instrument
from relscales.labels import normalize_label
from relscales.scoring.kernel import ScoreMethod
from relscales.spec import (
    BandSpec,
    ChangeSpec,
    CompositeSpec,
    FlagSpec,
    IrtSpec,
    NormSpec,
    ProfileAxisSpec,
    ProfileSpec,
    PublishedSpec,
)

if TYPE_CHECKING:
    from relscales.instruments.battery import Battery
    from relscales.irt import GradedModel, ThetaScorer

__all__ = [
    "CodeKey",
    "CompiledBattery",
    "CompiledComposite",
    "CompiledFlag",
    "CompiledInstrument",
    "CompiledIrt",
    "CompiledProfile",
    "CompiledScale",
    "ScoreInfo",
    "compile_battery",
    "compile_instrument",
    "keyed_codes",
    "unique_instruments",
]


@dataclass(frozen=True, slots=True)
class CompiledScale:
    """A response scale as arrays and lookups."""

    name: str
    values: NDArray[np.float64]
    labels: dict[str, float]
    missing_codes: frozenset[float]
    low: float
    high: float
    valid: frozenset[float]
    not_applicable: frozenset[float] = frozenset()
    """Codes of a "does not apply" answer: missing for scoring, not invalid, counted."""


@dataclass(frozen=True, slots=True)
class ScoreInfo:
    """What the engine needs to know about one score (subscale or composite)."""

    id: str
    name: str
    kind: str
    low: float
    high: float
    norms: tuple[NormSpec, ...]
    bands: tuple[BandSpec, ...]
    published: PublishedSpec | None
    change: ChangeSpec | None = None
    """How change over time is judged (``relscales change``), when declared."""


@dataclass(frozen=True, eq=False)
class CodeKey:
    """How raw answers of some items become keyed category codes (0 = lowest keyed answer).

    Built once per instrument (:meth:`build`); applying it is one fused pass for items whose
    scale values are evenly spaced (nearly all), and a search for the others.
    """

    items: NDArray[np.int64]
    """Indices of the items in the instrument, in the order of the codes."""
    scale: NDArray[np.float64]
    """Multiplier of the raw answer: ``+-1 / step`` (negative when reverse keyed)."""
    shift: NDArray[np.float64]
    """Added after multiplying, so that the lowest keyed answer becomes 0."""
    uneven: tuple[tuple[int, bool, float, NDArray[np.float64]], ...]
    """Items (position, reverse, offset, values) whose scale values are not evenly spaced:
    their code is the rank of the raw answer among the values, reversed if reverse keyed."""
    unit: NDArray[np.bool_] | None = None
    """Items whose code is the answer plus or minus a whole number (whole-number values one
    apart, a whole offset): one exact addition, no division and rounding."""

    @classmethod
    def build(cls, compiled: CompiledInstrument, items: NDArray[np.int64]) -> CodeKey:
        """Build the key of ``items`` (instrument indices) of ``compiled``."""
        scale = np.ones(items.size)
        shift = np.zeros(items.size)
        uneven: list[tuple[int, bool, float, NDArray[np.float64]]] = []
        for j, item in enumerate(items.tolist()):
            values = compiled.scales[int(compiled.item_scale[item])].values
            reverse = bool(compiled.reverse[item])
            offset = float(compiled.offset[item])
            step = (values[-1] - values[0]) / max(len(values) - 1, 1)
            even = len(values) < 2 or bool(np.allclose(np.diff(values), step, rtol=0, atol=1e-12))
            if not even:
                uneven.append((j, reverse, offset, np.asarray(values, dtype=np.float64)))
            step = step if step > 0 else 1.0
            # keyed = offset - x (reverse) or x; code = (keyed - low) / step
            scale[j] = (-1.0 if reverse else 1.0) / step
            shift[j] = ((offset if reverse else 0.0) - float(values[0])) / step
        unit = (np.abs(scale) == 1.0) & (shift == np.round(shift)) & (np.abs(shift) < 2.0**52)
        for j, _reverse, _offset, _values in uneven:
            unit[j] = False
        for j, item in enumerate(items.tolist()):
            values = compiled.scales[int(compiled.item_scale[item])].values
            unit[j] &= all(float(v) == round(float(v)) for v in values)
        return cls(np.asarray(items, dtype=np.int64), scale, shift, tuple(uneven), unit)

    def __call__(self, answers: NDArray[np.float64]) -> NDArray[np.float64]:
        """Keyed category codes ``(n, len(items))`` of decoded answers; NaN where missing."""
        return self._codes(answers, None, None)

    def from_filled(
        self,
        filled: NDArray[np.float64],
        missing: Sequence[NDArray[np.int64]],
        out: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Return the codes of answers in the scoring kernel's form; NaN where missing.

        ``filled`` holds any value where an answer is missing; ``missing`` the rows without
        an answer, per item of the instrument. ``out``, when given, receives the codes
        (shape ``(n, len(items))``).
        """
        return self._codes(filled, missing, out)

    def _codes(
        self,
        answers: NDArray[np.float64],
        missing: Sequence[NDArray[np.int64]] | None,
        out: NDArray[np.float64] | None,
    ) -> NDArray[np.float64]:
        if out is None:
            out = np.empty((answers.shape[0], self.items.size), order="F")
        unit = self.unit if self.unit is not None else np.zeros(self.items.size, dtype=bool)
        for j, item in enumerate(self.items.tolist()):  # column by column: no temporaries
            column = out[:, j]
            if unit[j] and self.scale[j] > 0:  # exact for whole-number answers
                np.add(answers[:, item], self.shift[j], out=column)
            elif unit[j]:
                np.subtract(self.shift[j], answers[:, item], out=column)
            else:
                np.multiply(answers[:, item], self.scale[j], out=column)
                column += self.shift[j]
                np.rint(column, out=column)
            if missing is not None:
                column[missing[item]] = np.nan
        for j, reverse, _offset, values in self.uneven:  # rank by search
            raw = answers[:, int(self.items[j])]
            rank = np.searchsorted(values, raw).astype(np.float64)
            # reverse keying reverses the order of the categories: on an unevenly spaced
            # scale "min + max - answer" need not be one of its values
            code = (values.size - 1) - rank if reverse else rank
            out[:, j] = np.where(np.isin(raw, values) & ~np.isnan(out[:, j]), code, np.nan)
        return out


@dataclass(frozen=True, eq=False)
class CompiledIrt:
    """A subscale's graded response model, with the items it reads (by index)."""

    subscale: int
    """Index of the subscale (and of its score)."""
    items: NDArray[np.int64]
    """Indices of its items in the instrument, in the model's order."""
    model: GradedModel
    method: Literal["eap", "map", "ml"]
    prior_mean: float
    prior_sd: float
    quadrature: int
    """Quadrature nodes for EAP, chosen once for the model (see :mod:`relscales.irt`)."""
    scorer: ThetaScorer
    """The model's theta scorer, prepared once (nodes and tables)."""
    key: CodeKey | None = None
    """Raw answers to keyed codes; set by :func:`compile_instrument` once the instrument's
    keys are compiled."""

    def codes(
        self,
        compiled: CompiledInstrument,
        filled: NDArray[np.float64],
        missing: Sequence[NDArray[np.int64]],
        out: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Return the model's keyed category codes (NaN = missing) of answers.

        The answers are in the kernel's form: ``filled`` ``(n, k_all)`` and each item's
        missing rows; ``out``, when given, receives the codes.
        """
        key = self.key if self.key is not None else CodeKey.build(compiled, self.items)
        return key.from_filled(filled, missing, out)


def keyed_codes(
    compiled: CompiledInstrument, items: NDArray[np.int64], answers: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return items' keyed category codes ``(n, len(items))``: NaN where missing.

    A category is the rank of the keyed answer (after reverse keying) among its scale's
    values: the lowest keyed answer is category 0. Answers are valid codes of their scale
    (or NaN) once decoded (see :class:`CodeKey`).
    """
    return CodeKey.build(compiled, items)(answers)


@dataclass(frozen=True, slots=True)
class CompiledComposite:
    """A composite as indices into the score table."""

    id: str
    parts: NDArray[np.int64]
    weights: NDArray[np.float64]
    method: str
    standardized: bool | str
    norm_group: str | None
    reverse: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    optional: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    """Parts left out (weight 0) when missing, instead of making the composite missing."""

    @property
    def metric(self) -> str:
        """``raw``, ``z`` or ``pomp``."""
        if self.standardized == "pomp":
            return "pomp"
        return "z" if self.standardized else "raw"


@dataclass(frozen=True, slots=True)
class CompiledProfile:
    """A two-axis reading as indices into the score table."""

    id: str
    name: str
    x: int
    y: int
    cut_x: float
    cut_y: float
    regions: dict[str, str]
    descriptive: bool
    functions: tuple[tuple[str, float, float, float], ...] = ()
    """``(category, x coefficient, y coefficient, constant)`` for ``method: functions``."""
    x_markers: tuple[tuple[int, float], ...] = ()
    """``(score index, cut)`` judged one by one on the x axis (``rule: any``); empty for
    ``rule: mean``."""
    y_markers: tuple[tuple[int, float], ...] = ()
    """As :attr:`x_markers`, for the y axis."""
    gated_by: tuple[str, ...] = ()
    """Flags that make the reading ``safety-first`` when raised (``flag`` or
    ``instrument.flag`` in a battery)."""


@dataclass(frozen=True, slots=True)
class CompiledFlag:
    """A flag as item indices (raw answers) or a score index, with its threshold.

    One of ``at_least`` (raised at or above) and ``at_most`` (raised at or below) is set.
    """

    spec: FlagSpec
    items: NDArray[np.int64] | None
    score: int | None
    at_least: float | None
    at_most: float | None = None

    @property
    def id(self) -> str:
        """The flag id (the column is ``flag_<id>``)."""
        return self.spec.id


@dataclass(frozen=True, slots=True)
class CompiledInstrument:
    """An instrument compiled to numeric arrays (immutable).

    Attributes
    ----------
    instrument
        The source instrument and its provenance.
    item_ids, columns
        Item ids in administration order and the data column each is read from.
    reverse, offset
        ``(k,)`` reverse-key mask and min + max of each item's declared scale.
    item_scale
        ``(k,)`` index into ``scales`` for each item.
    scales
        The response scales used by the items.
    weights
        ``(s, k)`` non-negative weights of items in subscales (0 = not in it).
    methods, min_answered
        Per subscale scoring rule and fewest answered items.
    composites
        Composites, in declaration order, indexing into the score table.
    scores
        Information per score: subscales first, then composites.
    """

    instrument: Instrument
    item_ids: tuple[str, ...]
    columns: tuple[str, ...]
    reverse: NDArray[np.bool_]
    offset: NDArray[np.float64]
    item_scale: NDArray[np.int64]
    scales: tuple[CompiledScale, ...]
    weights: NDArray[np.float64]
    methods: tuple[ScoreMethod, ...]
    min_answered: NDArray[np.int64]
    composites: tuple[CompiledComposite, ...]
    scores: tuple[ScoreInfo, ...] = field(default=())
    profiles: tuple[CompiledProfile, ...] = field(default=())
    flags: tuple[CompiledFlag, ...] = field(default=())
    attention_checks: dict[int, tuple[float, ...]] = field(default_factory=dict)
    """Item index -> acceptable answer codes, for instructed-response items."""
    context: tuple[int, ...] = ()
    """Indices of the context items (``context: true``): decoded, never scored."""
    applies_when: tuple[tuple[int, int, NDArray[np.float64]], ...] = ()
    """``(subscale index, context item index, codes)``: the subscale is scored only where
    the context item is unanswered or answered with one of the codes."""
    irt: tuple[CompiledIrt, ...] = ()
    """The graded response models declared for subscales."""

    @property
    def counts_not_applicable(self) -> NDArray[np.bool_]:
        """``(s,)`` True for subscales with an item on a scale that has not-applicable codes."""
        na_items = np.array(
            [bool(self.scales[s].not_applicable) for s in self.item_scale.tolist()],
            dtype=np.bool_,
        )
        if not na_items.any():
            return np.zeros(self.weights.shape[0], dtype=np.bool_)
        return np.asarray(((self.weights > 0) & na_items).any(axis=1), dtype=np.bool_)

    @property
    def id(self) -> str:
        """The instrument id."""
        return self.instrument.id

    @property
    def score_ids(self) -> tuple[str, ...]:
        """Ids of all scores: subscales, then composites."""
        return tuple(info.id for info in self.scores)

    def with_columns(self, mapping: dict[str, str]) -> CompiledInstrument:
        """Return a copy reading items from other data columns (``item id -> column``)."""
        columns = tuple(
            mapping.get(item, col) for item, col in zip(self.item_ids, self.columns, strict=True)
        )
        return dataclasses.replace(self, columns=columns)


def _compile_composite(
    comp: CompositeSpec, position: dict[str, int], infos: Sequence[ScoreInfo]
) -> tuple[ScoreInfo, CompiledComposite]:
    """Compile a composite over the scores in ``infos``; registers its own position."""
    parts = np.array([position[p.score] for p in comp.parts], dtype=np.int64)
    weights = np.array([float(p.weight) for p in comp.parts])
    lo, hi = composite_bounds(
        [(infos[i].low, infos[i].high) for i in parts.tolist()],
        weights.tolist(),
        comp.method,
        comp.standardized,
    )
    position[comp.id] = len(infos)
    info = ScoreInfo(
        comp.id, comp.name, "composite", lo, hi, comp.norms, comp.bands, comp.published, comp.change
    )
    compiled = CompiledComposite(
        comp.id,
        parts,
        weights,
        comp.method,
        comp.standardized,
        comp.norm_group,
        np.array([p.reverse for p in comp.parts], dtype=np.bool_),
        np.array([p.optional for p in comp.parts], dtype=np.bool_),
    )
    return info, compiled


def _markers(axis: ProfileAxisSpec, position: dict[str, int]) -> tuple[tuple[int, float], ...]:
    if axis.rule != "any":
        return ()
    out = []
    for marker in axis.markers:
        score, cut = (marker, axis.cut) if isinstance(marker, str) else (marker.score, marker.cut)
        cut = axis.cut if cut is None else cut
        out.append((position[score], float(cut) if cut is not None else math.nan))
    return tuple(out)


def _compile_profile(p: ProfileSpec, position: dict[str, int]) -> CompiledProfile:
    """Compile a profile whose axis scores are found in ``position`` (score name -> index)."""
    return CompiledProfile(
        p.id,
        p.name,
        position[p.x.score],
        position[p.y.score],
        float(p.x.cut) if p.x.cut is not None else math.nan,
        float(p.y.cut) if p.y.cut is not None else math.nan,
        {str(key): value for key, value in p.regions.items()},
        p.descriptive,
        tuple((name, float(f.x), float(f.y), float(f.constant)) for name, f in p.functions.items()),
        _markers(p.x, position),
        _markers(p.y, position),
        tuple(p.gated_by),
    )


def _compile_irt(
    subscale: int,
    irt: IrtSpec,
    item_ids: tuple[str, ...],
    index: dict[str, int],
    item_scale: NDArray[np.int64],
    scales: list[CompiledScale],
) -> CompiledIrt:
    """Compile a subscale's declared graded response model."""
    from relscales.irt import GradedModel, ThetaScorer

    rows = [index[i] for i in item_ids]
    n_categories = np.array([len(scales[int(item_scale[i])].values) for i in rows], dtype=np.int64)
    width = int(n_categories.max()) - 1
    thresholds = np.full((len(rows), width), np.nan)
    for j, item_id in enumerate(item_ids):
        steps = irt.items[item_id].thresholds
        thresholds[j, : len(steps)] = steps
    model = GradedModel(
        slopes=np.array([float(irt.items[i].slope) for i in item_ids]),
        thresholds=thresholds,
        n_categories=n_categories,
        item_ids=tuple(item_ids),
    )
    prior_mean, prior_sd = float(irt.prior.mean), float(irt.prior.sd)
    scorer = ThetaScorer(model, method=irt.method, prior_mean=prior_mean, prior_sd=prior_sd)
    return CompiledIrt(
        subscale,
        np.array(rows, dtype=np.int64),
        model,
        irt.method,
        prior_mean,
        prior_sd,
        int(scorer.nodes.size),
        scorer,
    )


def compile_instrument(instrument: Instrument) -> CompiledInstrument:
    """Compile a validated instrument into numeric arrays.

    Examples
    --------
    >>> from relscales import load_instrument
    >>> c = compile_instrument(load_instrument("rses"))
    >>> c.weights.shape, c.offset[:2].tolist(), c.reverse[:2].tolist()
    ((1, 10), [3.0, 3.0], [False, True])
    """
    spec = instrument.spec
    scale_names = list(spec.response_scales)
    scales = []
    for name in scale_names:
        rs = spec.response_scales[name]
        values = np.array(sorted(float(v) for v in rs.values), dtype=np.float64)
        labels = {normalize_label(text): float(v) for v, text in rs.labels.items()}
        scales.append(
            CompiledScale(
                name,
                values,
                labels,
                frozenset(float(c) for c in rs.missing_codes),
                float(values[0]),
                float(values[-1]),
                frozenset(values.tolist()),
                frozenset(float(c) for c in rs.not_applicable),
            )
        )
    items = spec.items
    index = {item.id: i for i, item in enumerate(items)}
    item_scale = np.array([scale_names.index(item.scale) for item in items], dtype=np.int64)
    low = np.array([scales[s].low for s in item_scale])
    high = np.array([scales[s].high for s in item_scale])
    reverse = np.array([item.reverse for item in items], dtype=np.bool_)
    weights = np.zeros((len(spec.subscales), len(items)))
    infos: list[ScoreInfo] = []
    for s, sub in enumerate(spec.subscales):
        for item_id in sub.items:
            weights[s, index[item_id]] = float((sub.weights or {}).get(item_id, 1.0))
        in_scale = weights[s] > 0
        bounds = score_bounds(
            sub.score,
            weights[s][in_scale].tolist(),
            low[in_scale].tolist(),
            high[in_scale].tolist(),
            min_answered_count(sub.min_answered, len(sub.items)),
        )
        infos.append(
            ScoreInfo(
                sub.id,
                sub.name,
                "subscale",
                bounds[0],
                bounds[1],
                sub.norms,
                sub.bands,
                sub.published,
                sub.change,
            )
        )
    position = {info.id: i for i, info in enumerate(infos)}
    composites = []
    for comp in spec.composites:
        info, compiled = _compile_composite(comp, position, infos)
        infos.append(info)
        composites.append(compiled)
    models = tuple(
        _compile_irt(s, sub.irt, sub.items, index, item_scale, scales)
        for s, sub in enumerate(spec.subscales)
        if sub.irt is not None
    )
    result = CompiledInstrument(
        instrument=instrument,
        item_ids=tuple(item.id for item in items),
        columns=tuple(item.column or item.id for item in items),
        reverse=reverse,
        offset=low + high,
        item_scale=item_scale,
        scales=tuple(scales),
        weights=weights,
        methods=tuple(sub.score for sub in spec.subscales),
        min_answered=np.array(
            [min_answered_count(sub.min_answered, len(sub.items)) for sub in spec.subscales],
            dtype=np.int64,
        ),
        composites=tuple(composites),
        scores=tuple(infos),
        irt=models,
        profiles=tuple(_compile_profile(p, position) for p in spec.profiles),
        attention_checks={
            i: tuple(
                float(v)
                for v in (
                    item.attention_check.expected
                    if isinstance(item.attention_check.expected, tuple)
                    else (item.attention_check.expected,)
                )
            )
            for i, item in enumerate(items)
            if item.attention_check is not None
        },
        flags=tuple(
            CompiledFlag(
                f,
                np.array([index[i] for i in f.when.items], dtype=np.int64)
                if f.when.items is not None
                else None,
                position[f.when.score] if f.when.score is not None else None,
                float(f.when.at_least) if f.when.at_least is not None else None,
                float(f.when.at_most) if f.when.at_most is not None else None,
            )
            for f in spec.flags
        ),
        context=tuple(i for i, item in enumerate(items) if item.context),
        applies_when=tuple(
            (
                s,
                index[sub.applies_when.item],
                np.array(sorted(float(c) for c in sub.applies_when.codes), dtype=np.float64),
            )
            for s, sub in enumerate(spec.subscales)
            if sub.applies_when is not None
        ),
    )
    if not models:
        return result
    keyed = tuple(dataclasses.replace(m, key=CodeKey.build(result, m.items)) for m in models)
    return dataclasses.replace(result, irt=keyed)


@dataclass(frozen=True, slots=True)
class CompiledBattery:
    """A battery compiled: its members, plus composites and profiles over all their scores.

    ``scores`` lists every member score (in member order), then the battery's own
    composites; composite parts and profile axes index into it.
    """

    battery: Battery
    members: tuple[CompiledInstrument, ...]
    scores: tuple[ScoreInfo, ...]
    names: tuple[str, ...]
    composites: tuple[CompiledComposite, ...]
    profiles: tuple[CompiledProfile, ...]

    @property
    def id(self) -> str:
        """The battery id."""
        return self.battery.id


def compile_battery(battery: Battery) -> CompiledBattery:
    """Compile a battery and its member instruments."""
    members = tuple(compile_instrument(m) for m in battery.members)
    infos: list[ScoreInfo] = [info for m in members for info in m.scores]
    names: list[str] = [f"{m.id}.{info.id}" for m in members for info in m.scores]
    position = {name: i for i, name in enumerate(names)}
    composites = []
    for comp in battery.spec.composites:
        info, compiled = _compile_composite(comp, position, infos)
        names.append(comp.id)
        infos.append(info)
        composites.append(compiled)
    profiles = tuple(_compile_profile(p, position) for p in battery.spec.profiles)
    return CompiledBattery(
        battery, members, tuple(infos), tuple(names), tuple(composites), profiles
    )


def unique_instruments(
    compiled: Sequence[CompiledInstrument], battery: CompiledBattery | None = None
) -> list[CompiledInstrument]:
    """Return the instruments to score once each: a battery's members first, then the others.

    An instrument given twice (``-i rses -i rses``, or a battery and one of its members)
    is scored once. Two different definitions with the same id cannot be told apart in the
    output, so they are refused.

    Raises
    ------
    SpecError
        When two different definitions share an id.
    """
    kept: dict[str, CompiledInstrument] = {}
    for one in [*(battery.members if battery is not None else ()), *compiled]:
        first = kept.setdefault(one.instrument.id, one)
        if first is one or first.instrument.content_hash == one.instrument.content_hash:
            continue
        raise SpecError(
            Issue(
                "invalid-option",
                f"two different instruments have the id '{one.instrument.id}': "
                f"{first.instrument.source} and {one.instrument.source}",
                Location(file=one.instrument.source, instrument=one.instrument.id),
                hint="score them in separate runs, or give one of them another id",
            )
        )
    return list(kept.values())

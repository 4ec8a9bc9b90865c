"""Pydantic models of the instrument format (``relscales/instrument v1``).

These models describe the *structure* of an instrument file: which keys exist,
their types and vocabularies. They are strict (unknown keys are errors, text is
never coerced from numbers or booleans) and immutable. Cross-references (a
subscale naming an item that exists, ids being unique, ...) are checked in
:mod:`relscales.instruments.lint`, so every problem can be reported at once with
its own location.

This module imports neither YAML nor numpy. The format is documented in
``docs/authoring.md``; the names are a public contract.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
)

__all__ = [
    "DOMAINS",
    "FLAG_KINDS",
    "AppliesWhenSpec",
    "AttentionCheckSpec",
    "AxisMarkerSpec",
    "BandSpec",
    "BatterySpec",
    "ChangeSpec",
    "ClassificationFunctionSpec",
    "CompositePartSpec",
    "CompositeSpec",
    "EvidenceSpec",
    "FlagConditionSpec",
    "FlagSpec",
    "InstrumentSpec",
    "IrtCalibrationSpec",
    "IrtItemSpec",
    "IrtPriorSpec",
    "IrtSpec",
    "ItemSpec",
    "LicenseSpec",
    "NormSpec",
    "PercentilePointSpec",
    "ProfileAxisSpec",
    "ProfileSpec",
    "PublishedSpec",
    "ResourceSpec",
    "ResponseScaleSpec",
    "SubscaleSpec",
    "TextOverlaySpec",
    "ValidationSpec",
]

FORMAT_VERSION = 1

Number = Annotated[StrictInt | StrictFloat, Field(allow_inf_nan=False)]
"""A finite number; booleans and quoted numbers are refused."""

InstrumentId = Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
"""An instrument id: lower-case letters, digits and hyphens (``ecr-r``)."""

Name = Annotated[StrictStr, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.]*$")]
"""An item, score, profile or flag id; also usable as a data column name (``anx01``)."""

Text = Annotated[StrictStr, Field(min_length=1)]
"""Non-empty text."""

LanguageMap = dict[Annotated[StrictStr, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")], Text]
"""Text per language, keyed by a language tag (``en``, ``fr``, ``pt-BR``)."""

Domain = Literal[
    "insecurity",
    "reassurance-seeking",
    "attachment",
    "self-esteem",
    "relationship-quality",
    "partner-behaviour",
    "safety",
    "other",
]
DOMAINS: tuple[str, ...] = Domain.__args__  # type: ignore[attr-defined]

ValidationStatus = Literal["published", "provisional", "experimental"]
FlagKind = Literal["safety", "seek-help", "context", "other"]
FLAG_KINDS: tuple[str, ...] = FlagKind.__args__  # type: ignore[attr-defined]
ScoreMethod = Literal["mean", "sum", "prorated_sum"]


class _Spec(BaseModel):
    """Base of every spec model: strict, immutable, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class LicenseSpec(_Spec):
    """Terms of use of the instrument and whether its item wording ships with the file."""

    name: Text = Field(description="Licence or permission, in a few words.")
    url: Text | None = Field(default=None, description="Where the terms are stated.")
    item_text: Literal["included", "not-included"] = Field(
        description="`included` when the file carries the item wording; `not-included` for "
        "published instruments whose wording researchers supply in a text overlay."
    )


class EvidenceSpec(_Spec):
    """One piece of validation evidence."""

    source: Text = Field(description="Citation of the study.")
    n: Annotated[StrictInt, Field(gt=0)] | None = Field(default=None, description="Sample size.")
    sample: Text | None = Field(default=None, description="Who was sampled.")
    note: Text | None = Field(default=None, description="What the study showed.")


class ValidationSpec(_Spec):
    """How far the instrument's validity is established."""

    status: ValidationStatus = Field(
        description="`published` (peer-reviewed validation), `provisional` (some data), or "
        "`experimental` (not yet validated)."
    )
    evidence: tuple[EvidenceSpec, ...] = Field(default=(), description="Studies behind the status.")


class ResponseScaleSpec(_Spec):
    """The codes an answer may take, with optional labels and missing-data codes."""

    values: tuple[Number, ...] = Field(
        min_length=1, description="The codes a response may take, ascending."
    )
    labels: dict[Number, Text] = Field(
        default_factory=dict,
        description="Labels of some or all values; text answers equal to a label read as its "
        "value.",
    )
    missing_codes: tuple[Number, ...] = Field(
        default=(), description="Codes that mean 'no answer' (for example -99)."
    )
    not_applicable: tuple[Number, ...] = Field(
        default=(),
        description="Codes of a 'does not apply' answer (for example 0): never scored, not "
        "invalid, and counted per subscale; `labels` may label them.",
    )
    stem: LanguageMap | None = Field(
        default=None,
        description='The question every item on this scale answers ("In the past four weeks, '
        'how often ..."), per language.',
    )

    @field_validator("labels", mode="before")
    @classmethod
    def _number_keys(cls, value: Any) -> Any:
        """Read number-like text keys (``"1"``) as numbers: JSON writes every key as text."""
        if not isinstance(value, dict):
            return value
        out: dict[Any, Any] = {}
        for key, label in value.items():
            number = _number_key(key)
            out[key if number is None or number in value or number in out else number] = label
        return out


class AttentionCheckSpec(_Spec):
    """An instructed-response item: the answer(s) an attentive respondent gives."""

    expected: Number | tuple[Number, ...] = Field(
        description="The expected answer code, or a list of acceptable codes."
    )


class ItemSpec(_Spec):
    """One item, in administration order."""

    id: Name = Field(description="Item id; also the data column unless `column` is given.")
    label: Text = Field(description="Short content label in the project's own words.")
    text: LanguageMap | None = Field(default=None, description="Full wording per language.")
    scale: StrictStr = Field(description="A key of `response_scales`.")
    reverse: StrictBool = Field(
        default=False, description="Scored as (min + max - value) of its own response scale."
    )
    column: Text | None = Field(default=None, description="Data column, when it differs from id.")
    attention_check: AttentionCheckSpec | None = Field(
        default=None,
        description="Marks an instructed-response item used by the data-quality screen "
        "(not scored).",
    )
    context: StrictBool = Field(
        default=False,
        description="A question about the respondent's situation (is the relationship "
        "ongoing?): decoded and checked like any item, never scored, and it may govern "
        "whether a subscale applies (`applies_when`).",
    )


class PublishedSpec(_Spec):
    """Reliability reported by a primary source."""

    alpha: Annotated[Number, Field(gt=0, le=1)] | None = Field(
        default=None, description="Cronbach's alpha."
    )
    omega: Annotated[Number, Field(gt=0, le=1)] | None = Field(
        default=None, description="McDonald's omega total."
    )
    retest: Annotated[Number, Field(gt=0, le=1)] | None = Field(
        default=None, description="Test-retest correlation."
    )
    n: Annotated[StrictInt, Field(gt=0)] | None = Field(default=None, description="Sample size.")
    source: Text | None = Field(default=None, description="Citation.")


class PercentilePointSpec(_Spec):
    """One row of an empirical norms table: the percentile rank of a raw score."""

    score: Number
    percentile: Annotated[Number, Field(ge=0, le=100)]


class NormSpec(_Spec):
    """A reference group for z, T and percentile scores."""

    group: Text = Field(description="Name of the reference group.")
    mean: Number = Field(description="Mean of the score in the group.")
    sd: Number = Field(description="Standard deviation of the score in the group (> 0).")
    n: Annotated[StrictInt, Field(gt=0)] | None = None
    source: Text | None = None
    note: Text | None = None
    percentiles: tuple[PercentilePointSpec, ...] | None = Field(
        default=None,
        description="Empirical percentile table (ascending scores); used instead of the normal "
        "approximation when given.",
    )


class BandSpec(_Spec):
    """An interpretation band on the raw score; bands are listed in ascending order."""

    below: Number | None = Field(
        default=None, description="Upper bound (exclusive); omitted on the last band only."
    )
    label: Text
    note: Text | None = None


class AppliesWhenSpec(_Spec):
    """The context answers under which a subscale applies."""

    item: StrictStr = Field(description="A context item (`context: true`).")
    codes: tuple[Number, ...] = Field(
        alias="in",
        min_length=1,
        description="The answer codes of that item under which the subscale is scored; any "
        "other answer makes the score missing (not applicable). Unanswered: scored as usual.",
    )


class ChangeSpec(_Spec):
    """How change on a score over time is judged (``relscales change``)."""

    better: Literal["lower", "higher"] = Field(
        description="Which direction is improvement: `lower` (anxiety, insecurity) or `higher` "
        "(satisfaction, self-esteem)."
    )
    reliability: Annotated[Number, Field(gt=0, lt=1)] | None = Field(
        default=None,
        description="Reliability for the reliable change index, when it should differ from the "
        "published alpha (default: published alpha, else omega, else retest).",
    )
    reliability_source: Text | None = Field(default=None, description="Where it comes from.")
    functional: Text | None = Field(
        default=None,
        description="The `group` of one of this score's norms: people without the problem "
        "(clinical significance criteria b and c).",
    )
    dysfunctional: Text | None = Field(
        default=None,
        description="The `group` of one of this score's norms: a clinical group (criteria a "
        "and c).",
    )
    criterion: Literal["a", "b", "c"] | None = Field(
        default=None,
        description="Jacobson & Truax cut-off: `a` (2 SD beyond the clinical mean), `b` (2 SD "
        "from the functional mean), `c` (between the two). Default: `c` with both groups, else "
        "the one the declared group allows.",
    )
    cutoff: Number | None = Field(
        default=None,
        description="A published cut-off between the clinical and the functional range, used "
        "instead of one computed from the groups.",
    )
    cutoff_source: Text | None = Field(default=None, description="Where the cut-off comes from.")


class IrtItemSpec(_Spec):
    """One item's graded-response parameters."""

    slope: Annotated[Number, Field(gt=0)] = Field(description="Discrimination a (> 0).")
    thresholds: tuple[Number, ...] = Field(
        min_length=1,
        description="Category thresholds b_1 < b_2 < ..., one fewer than the item's answers, "
        "in keyed order (after reverse keying), on the logistic metric without the 1.702 "
        "constant.",
    )
    slope_se: Annotated[Number, Field(ge=0)] | None = Field(
        default=None, description="Standard error of the slope, from the calibration."
    )
    threshold_se: tuple[Annotated[Number, Field(ge=0)], ...] | None = Field(
        default=None, description="Standard errors of the thresholds, from the calibration."
    )


class IrtPriorSpec(_Spec):
    """The normal prior of theta (the calibration sample's metric)."""

    mean: Number = 0
    sd: Annotated[Number, Field(gt=0)] = 1


class IrtCalibrationSpec(_Spec):
    """Where the parameters come from."""

    source: Text = Field(description="Citation, or how the parameters were estimated.")
    licence: Text = Field(description="Terms under which the parameters may be used.")
    n: Annotated[StrictInt, Field(gt=0)] | None = Field(default=None, description="Sample size.")
    sample: Text | None = Field(default=None, description="Who was sampled.")
    log_likelihood: Number | None = Field(default=None, description="At the estimates.")
    note: Text | None = None


class IrtSpec(_Spec):
    """A graded response model (Samejima 1969) declared for a subscale."""

    model: Literal["graded"] = Field(description="The model: `graded` (Samejima's GRM).")
    items: dict[StrictStr, IrtItemSpec] = Field(
        description="Item id -> its parameters; every item of the subscale, no other."
    )
    method: Literal["eap", "map", "ml"] = Field(
        default="eap",
        description="How theta is estimated: `eap` (posterior mean, default), `map` "
        "(posterior mode) or `ml` (maximum likelihood).",
    )
    prior: IrtPriorSpec = Field(default_factory=IrtPriorSpec)
    calibration: IrtCalibrationSpec


class SubscaleSpec(_Spec):
    """A scored scale: a set of items combined by a scoring rule."""

    id: Name
    name: Text
    description: Text | None = None
    items: tuple[StrictStr, ...] = Field(min_length=1, description="Item ids.")
    score: ScoreMethod = Field(
        default="mean",
        description="`mean`, `sum`, or `prorated_sum` (mean x number of items).",
    )
    weights: dict[StrictStr, Number] | None = Field(
        default=None, description="Optional item weights (default 1 for every item)."
    )
    tags: tuple[Text, ...] = Field(
        default=(),
        description="Free labels grouping subscales (internal-pattern, relationship-signal, "
        "behaviour, safety).",
    )
    min_answered: Annotated[Number, Field(gt=0)] = Field(
        default=1,
        description="A whole count (1 = one item), or a decimal fraction in (0, 1] of the items "
        "(1.0 = all items); with fewer valid answers the score is missing.",
    )
    published: PublishedSpec | None = None
    norms: tuple[NormSpec, ...] = ()
    bands: tuple[BandSpec, ...] = ()
    applies_when: AppliesWhenSpec | None = Field(
        default=None,
        description="Score only where a context item is answered with one of the listed "
        "codes (or not answered); elsewhere the score is missing as not applicable.",
    )
    change: ChangeSpec | None = Field(
        default=None,
        description="How change over time is judged: the better direction, reliability and "
        "clinical cut-off (`relscales change`).",
    )
    irt: IrtSpec | None = Field(
        default=None,
        description="A graded response model for the subscale: theta, its standard error and "
        "a T score per person (`relscales score`).",
    )


class CompositePartSpec(_Spec):
    """One part of a composite: a subscale or an earlier composite, with its weight."""

    score: StrictStr
    weight: Number = 1
    reverse: StrictBool = Field(
        default=False,
        description="Mirror the part before combining (low self-esteem feeding an insecurity "
        "index): high + low - x on raw scores, -z on z scores, 100 - p on POMP scores.",
    )
    optional: StrictBool = Field(
        default=False,
        description="When this part is missing, the composite is the weighted mean of the "
        "other parts (only in `method: mean` composites), and readings say the part could "
        "not be assessed (recurrence across partners for someone in a first relationship).",
    )


class CompositeSpec(_Spec):
    """A weighted combination of subscales (raw scores or norm z scores)."""

    id: Name
    name: Text
    description: Text | None = None
    parts: tuple[CompositePartSpec, ...] = Field(min_length=1)
    method: Literal["mean", "sum"] = Field(
        default="mean", description="Weighted mean (divided by the sum of weights) or sum."
    )
    standardized: StrictBool | Literal["pomp"] = Field(
        default=False,
        description="`false`: combine raw scores; `true`: z scores against each part's first "
        "(or `norm_group`) norms; `pomp`: percent of the maximum possible (0-100 on each "
        "part's own range), which needs no norms and puts scales of different length and "
        "coding on one metric.",
    )
    norm_group: Text | None = None
    tags: tuple[Text, ...] = ()
    published: PublishedSpec | None = None
    norms: tuple[NormSpec, ...] = ()
    bands: tuple[BandSpec, ...] = ()
    change: ChangeSpec | None = Field(
        default=None,
        description="How change over time is judged (see the subscale key of the same name).",
    )


class AxisMarkerSpec(_Spec):
    """One score judged on its own on an axis with `rule: any`, with its own cut point."""

    score: StrictStr
    cut: Number | None = Field(
        default=None, description="Cut point of this score (default: the axis cut)."
    )


class ProfileAxisSpec(_Spec):
    """One axis of a profile: a score and the cut point between low and high."""

    score: StrictStr
    cut: Number | None = Field(
        default=None, description="Cut point between low and high (needed for `method: cut`)."
    )
    rule: Literal["mean", "any"] = Field(
        default="mean",
        description="`mean`: the axis is judged on the interval of `score`. `any`: each of "
        "`markers` is judged on its own interval; the axis is high when any marker is "
        "clearly above its cut, low only when every marker is clearly below it, otherwise "
        "indeterminate. For distinct markers (one clear relationship signal is a signal on "
        "its own, not something to average away).",
    )
    markers: tuple[StrictStr | AxisMarkerSpec, ...] = Field(
        default=(),
        description="The scores judged one by one under `rule: any` (score ids, or "
        "{score, cut} when a marker is on another metric than the axis).",
    )


class ClassificationFunctionSpec(_Spec):
    """A linear classification function ``x * x_score + y * y_score + constant``."""

    x: Number
    y: Number
    constant: Number = 0


class ProfileSpec(_Spec):
    """A two-axis reading of two scores against cut points, with named regions."""

    id: Name
    name: Text
    description: Text | None = None
    method: Literal["cut", "functions"] = Field(
        default="cut",
        description="`cut`: each axis against its cut point, four named regions; `functions`: "
        "the category whose linear classification function is highest (for example published "
        "discriminant functions).",
    )
    x: ProfileAxisSpec
    y: ProfileAxisSpec
    regions: dict[Literal["low-low", "low-high", "high-low", "high-high"], Name] = Field(
        default_factory=dict, description="Region names keyed by `<x level>-<y level>`."
    )
    functions: dict[Name, ClassificationFunctionSpec] = Field(
        default_factory=dict, description="Category name -> function (for `method: functions`)."
    )
    source: Text | None = Field(default=None, description="Where a published rule comes from.")
    descriptive: StrictBool = Field(
        default=True, description="Labelled as a description, not a diagnosis or a category."
    )
    gated_by: tuple[StrictStr, ...] = Field(
        default=(),
        description="Flags that govern this reading: when any is raised, the reading is "
        "`safety-first` and no region is given (in a battery, `<instrument>.<flag>`).",
    )
    note: Text | None = None


class FlagConditionSpec(_Spec):
    """When a flag is raised: any listed item, or a score, at or above (or at or below) a value.

    Exactly one of ``at_least`` and ``at_most`` is given (checked with the
    cross-references, so the problem is reported at its place).
    """

    items: tuple[StrictStr, ...] | None = None
    score: StrictStr | None = None
    at_least: Number | None = Field(
        default=None, description="Raised when any listed item, or the score, is at or above it."
    )
    at_most: Number | None = Field(
        default=None, description="Raised when any listed item, or the score, is at or below it."
    )


class ResourceSpec(_Spec):
    """A place to get help, shown with a flag."""

    name: Text
    contact: Text | None = None
    url: Text | None = None


class FlagSpec(_Spec):
    """A structured condition that, when met, is shown before any score."""

    id: Name
    name: Text | None = None
    when: FlagConditionSpec
    severity: Literal["info", "concern", "urgent"] = "concern"
    kind: FlagKind = Field(
        default="other",
        description="`safety` (a safety screen), `seek-help` (a criterion for seeking "
        "professional help; its message is the one-sentence criterion), `context` (a note "
        "about the respondent's situation, shown with the readings) or `other`. Only reports "
        "use it; scoring treats every kind alike.",
    )
    message: LanguageMap
    resources: dict[StrictStr, tuple[ResourceSpec, ...]] = Field(
        default_factory=dict, description="Resources per locale (`default`, `en-US`, ...)."
    )


class InstrumentSpec(_Spec):
    """A whole instrument file, after any `extends` has been resolved."""

    relscales: Literal[1] = Field(description="Format version, the integer 1.")
    extends: Text | None = Field(
        default=None, description="A bundled id or a relative path this file starts from."
    )
    id: InstrumentId
    version: Annotated[StrictStr, Field(pattern=r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")]
    name: Text
    abbreviation: Text | None = None
    domain: Domain
    description: Text | None = None
    citation: Text | None = None
    doi: Text | None = None
    url: Text | None = None
    license: LicenseSpec
    validation: ValidationSpec
    instructions: LanguageMap | None = None
    languages: tuple[Annotated[StrictStr, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")], ...] = (
        "en",
    )
    response_scales: dict[Name, ResponseScaleSpec] = Field(min_length=1)
    items: tuple[ItemSpec, ...] = Field(min_length=1)
    subscales: tuple[SubscaleSpec, ...] = Field(min_length=1)
    composites: tuple[CompositeSpec, ...] = ()
    profiles: tuple[ProfileSpec, ...] = ()
    flags: tuple[FlagSpec, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """Return the instrument as plain data with the YAML format's keys.

        Defaults that a file would not state are left out, so the result reads like
        an instrument file and loads back into an equal model.
        """
        data: dict[str, Any] = _plain(
            self.model_dump(mode="python", by_alias=True, exclude_defaults=True, exclude_none=True)
        )
        for sub, out in zip(self.subscales, data["subscales"], strict=True):
            # 1.0 (a fraction: every item) equals the default 1 (one item) but means otherwise
            if isinstance(sub.min_answered, float) and "min_answered" not in out:
                out["min_answered"] = sub.min_answered
        return data


_INT_KEY = re.compile(r"-?[0-9]+")
_FLOAT_KEY = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def _number_key(key: Any) -> int | float | None:
    """Return the number a JSON object key spells (``"1"``, ``"-99"``, ``"2.5"``), else None."""
    if not isinstance(key, str):
        return None
    if _INT_KEY.fullmatch(key):
        return int(key)
    if _FLOAT_KEY.fullmatch(key):
        return float(key)
    return None


def _plain(value: Any) -> Any:
    """Turn tuples into lists, recursively, so YAML and JSON writers accept the data."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class TextOverlaySpec(_Spec):
    """Item wording supplied by a researcher for an instrument that ships without it.

    Published instruments ship as scoring keys only. A lab that holds the wording
    keeps it in an overlay file (one language per file) and passes it with
    ``--texts FILE`` wherever text is needed.
    """

    relscales_texts: Literal[1] = Field(description="Overlay format version, the integer 1.")
    instrument: InstrumentId = Field(description="Id of the instrument the texts belong to.")
    version: Annotated[StrictStr, Field(pattern=r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")] | None = (
        Field(default=None, description="Instrument version the texts were written for.")
    )
    language: Annotated[StrictStr, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] = Field(
        description="Language of the texts (en, fr, pt-BR)."
    )
    source: Text | None = Field(default=None, description="Where the wording comes from.")
    permission: Text | None = Field(
        default=None, description="The licence or permission under which the lab uses it."
    )
    instructions: Text | None = None
    scale_labels: dict[Name, dict[Number, Text]] = Field(
        default_factory=dict, description="Answer labels per response scale, in this language."
    )
    items: dict[Name, Text] = Field(min_length=1, description="Item id -> full wording.")


class BatterySpec(_Spec):
    """Instruments answered by the same respondents, with cross-instrument readings.

    Scores of the member instruments are named ``<instrument id>.<score id>``
    (``ecr-r.anxiety``) in the battery's composites and profiles.
    """

    relscales_battery: Literal[1] = Field(description="Battery format version, the integer 1.")
    id: InstrumentId
    version: Annotated[StrictStr, Field(pattern=r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")]
    name: Text
    description: Text | None = None
    validation: ValidationSpec
    instruments: tuple[Text, ...] = Field(
        min_length=1, description="Bundled ids or relative paths of the member instruments."
    )
    composites: tuple[CompositeSpec, ...] = ()
    profiles: tuple[ProfileSpec, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """Return the battery as plain data with the file format's keys (defaults left out)."""
        data: dict[str, Any] = _plain(
            self.model_dump(mode="python", exclude_defaults=True, exclude_none=True)
        )
        return data

"""The plain-language text of the change and couple reports, in one place (English).

Written from the project's domain model (shared/reference/insecurity-constructs.md), as
:mod:`relscales.reports.wording` is for the person report, whose safety texts and advice
these reports reuse. The rules:

* **Safety governs.** A safety flag raised at any wave (change) or for either partner
  (couples) comes before any score, with its resources. Then no reading of "is it me or
  the relationship?" is given, no self-help tips and no joint advice; a change in
  insecurity is not read as getting better or worse (a lower score does not mean safe, and
  fear of a partner is never "an old pattern"); conjoint sessions can be unsafe where there
  is coercive control, and individual follow-up comes first.
* **Measurement error is said out loud.** A change, or a difference between partners, is
  either larger than measurement error or "cannot be told from the ups and downs of
  measuring".
* **Nothing is a diagnosis**, and a questionnaire change is not proof of what caused it.
* **Each partner's answers are that partner's own experience.** Agreement is not proof;
  disagreement does not tell who is right; a partner's low report of problems is not
  evidence that the other's fear is unfounded.

The person report over time speaks to the person ("you"); the couple report is for the
clinician and speaks about the partners.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from relscales.reports.wording import join_words

__all__ = [
    "AGREEMENT",
    "ATTACHMENT_PAIR",
    "AUDIENCE",
    "AUDIENCE_HEADING",
    "BAND_MEANING",
    "CHANGE_ABOUT",
    "CHANGE_LIMITS",
    "CHANGE_NOT_A_DIAGNOSIS",
    "CHANGE_SAFETY_SCORES",
    "CHANGE_STATE_NOT_TRAIT",
    "CLINICAL",
    "COUPLE_NOT_A_DIAGNOSIS",
    "COUPLE_PRIVACY",
    "COUPLE_SAFETY",
    "COUPLE_SAFETY_HEADING",
    "DISCREPANCY_MEANING",
    "DISTINGUISHABILITY_MEANING",
    "METHODS",
    "NONINDEPENDENCE_MEANING",
    "NOT_COMPARED",
    "NOT_YOUR_FAULT",
    "PAIRWISE_MEANING",
    "READINGS_WITHHELD",
    "READING_NAMES",
    "RELIABLE_MEANING",
    "SAFETY_STUDY",
    "SCREEN_CHANGE",
    "SCREEN_COUPLE",
    "STUDY_CLINICAL_MEANING",
    "band_text",
    "before_joint",
    "change_missing",
    "chart_caption",
    "clinical_limits",
    "clinical_text",
    "computed_text",
    "couple_safety_lead",
    "couple_safety_unknown",
    "discrepancy_count",
    "discrepancy_text",
    "distinguishability_text",
    "level_of",
    "missing_at",
    "nonindependence_text",
    "one_partner",
    "one_wave",
    "pair_reading_text",
    "pairwise_text",
    "reading_kind",
    "reading_label",
    "reading_name",
    "readings_unchecked",
    "safety_not_latest",
    "safety_raised_at",
    "safety_unchecked",
    "safety_unknown_at",
    "verdict_text",
    "versions_changed",
    "waves_text",
]

# --------------------------------------------------------------------------------------
# Change over time: what the report is
# --------------------------------------------------------------------------------------

CHANGE_ABOUT = (
    "This report compares your answers to the same questionnaires at different times "
    "(waves). No questionnaire measures exactly: scores move a little from one time to the "
    "next even when nothing has changed. So for each score it says whether the change is "
    "larger than that measurement error."
)

CHANGE_LIMITS = (
    "A change in questionnaire scores says how the answers moved, not why: it is not proof "
    "that therapy, the relationship or anything else caused it."
)
"""What a change cannot tell, said once per report."""

CHANGE_NOT_A_DIAGNOSIS = (
    "These scores describe answers given at a few points in time. They are not a diagnosis, "
    "and they describe a state you were in at each time, not who you are."
)

CHANGE_STATE_NOT_TRAIT = (
    "Your answers can change as your situation changes. Every score comes with what is known "
    "of its precision: its interval at each wave, where one was computed, and the band that "
    "shows how far a score must move to be more than measurement error."
)

BAND_MEANING = (
    "The shaded band around the first score shows how far a score must move to be larger "
    "than measurement error: a later score inside the band cannot be told from the ups and "
    "downs of measuring."
)

RELIABLE_MEANING = (
    "Reliable change: the change from the first to the last wave compared is larger than "
    "measurement error (the reliable change index is beyond its critical value). Within "
    "measurement error: it cannot be told from the ups and downs of measuring."
)
"""What a reliable-change verdict means (study report)."""

STUDY_CLINICAL_MEANING = (
    "Clinical categories (Jacobson and Truax, 1991) combine reliable change with a cut-off "
    "between the range typical of a clinical group and the range typical of people without "
    "the problem: recovered (reliable improvement across the cut-off), improved (reliable "
    "improvement, not across it), unchanged, deteriorated (reliable worsening, not across "
    "it), harmed (reliable worsening across it). They are statistical categories, not "
    "diagnoses, and do not say what caused a change."
)

METHODS = {
    "jt": "Jacobson and Truax (1991)",
    "gln": "Gulliksen, Lord and Novick (regression toward the mean)",
    "hll": "Hsu, Linn and Lord (regression toward the mean)",
    "en": "Edwards and Nunnally (estimated true scores)",
    "nk": "Nunnally and Kotsch",
    "ha": "Hageman and Arrindell (1999)",
}
"""Reliable change methods by code, as a report names them."""

# --------------------------------------------------------------------------------------
# Change over time: safety
# --------------------------------------------------------------------------------------

NOT_YOUR_FAULT = "What is happening is not your fault, and you do not have to deal with it alone."

CHANGE_SAFETY_SCORES = (
    "Your safety comes first, so read the scores below with that in mind. Being afraid of a "
    "partner, or controlled by one, raises many of the 'internal pattern' markers: reactions "
    "that look bigger than events (walking on eggshells), reassurance that does not last, "
    "worth that rises and falls with how you are treated. Here these scores, and how they "
    "changed, describe what you were going through at each time, not an old pattern of "
    "yours. While your safety is a concern, a change is not read as getting better or worse, "
    "and a lower score does not mean that you are safe."
)
"""Shown above the scores when a safety flag was raised at any wave."""

SCREEN_CHANGE = (
    "A screen, not a score to interpret: what matters is whether its flag was raised at each "
    'wave. A lower value never means "safe".'
)
"""Said of a safety screen instead of a change verdict."""


def waves_text(waves: Sequence[str]) -> str:
    """Name one or more waves: ``wave T1``, ``waves T1 and T3``.

    Examples
    --------
    >>> waves_text(["T1"]), waves_text(["T1", "T2", "T3"])
    ('wave T1', 'waves T1, T2 and T3')
    """
    return ("wave " if len(waves) == 1 else "waves ") + join_words(waves)


def safety_raised_at(waves: Sequence[str]) -> str:
    """Say at which waves a safety flag was raised."""
    return f"A safety flag was raised in your answers at {waves_text(waves)}."


def safety_not_latest(wave: str) -> str:
    """Say that the flag was not raised at the latest wave, without calling it over."""
    return (
        f"It was not raised at the latest wave ({wave}). That does not mean the danger has "
        "passed: people often play down what is happening to them, and fear of a partner can "
        "come and go."
    )


def safety_unchecked(waves: Sequence[str]) -> str:
    """Say at which waves safety could not be checked (safety questions skipped)."""
    return (
        f"At {waves_text(waves)} some of the safety questions were left unanswered, so safety "
        "could not be checked then."
    )


def safety_unknown_at(wave: str, *, resources_shown: bool) -> str:
    """Say that safety could not be checked at the latest wave, and that fear matters most."""
    where = (
        "the contacts below can help, in confidence"
        if resources_shown
        else "a support line or your local emergency services can help, in confidence"
    )
    return (
        f"At the latest wave ({wave}) some of the safety questions were left unanswered, so "
        "this report could not check whether you are safe with your partner now. If you are "
        "afraid of your partner, or your partner controls, isolates, threatens or hurts you, "
        f"that matters more than any score here, and it is not your fault: {where}."
    )


# --------------------------------------------------------------------------------------
# Change over time: waves, versions, missing scores
# --------------------------------------------------------------------------------------


def one_wave(wave: str) -> str:
    """Say that a person has one wave only."""
    return (
        f"Only one wave was found for you ({wave}), so change cannot be told yet: the scores "
        "below are from that wave alone."
    )


def versions_changed(pairs: Sequence[tuple[str, str]]) -> str:
    """Say that the questionnaire version changed between a person's waves.

    ``pairs`` are ``(wave, version)`` in wave order.

    Examples
    --------
    >>> versions_changed([("T1", "0.1.1"), ("T2", "0.2")])[:70]
    'The questionnaire version changed between your waves (T1: 0.1.1; T2: 0'
    """
    listed = "; ".join(f"{wave}: {version}" for wave, version in pairs)
    return (
        f"The questionnaire version changed between your waves ({listed}). Scores from "
        "different versions may not be directly comparable, so read a change across them "
        "with care."
    )


def missing_at(waves: Sequence[str]) -> str:
    """Say at which waves a score is missing."""
    return (
        f"The score is missing at {waves_text(waves)} (too few of its questions answered), "
        "so the chart has no point there."
    )


def chart_caption(wave_from: str | None, *, intervals: bool, band: bool) -> str:
    """Say what a change chart shows."""
    parts = ["The dots are the score at each wave"]
    if intervals:
        parts.append("the blue bars their intervals")
    text = ", ".join(parts) + "."
    if band:
        text += (
            f" The shaded band is the reliable change band around the score at "
            f"{wave_from or 'the first wave'}: a later score inside it cannot be told from the "
            "ups and downs of measuring."
        )
    else:
        text += " No reliable change band can be drawn for this score."
    return text


def band_text(low: float, high: float, base: float, band: float, wave: str | None) -> str:
    """Say the reliable change band in words (Markdown and text reports).

    Examples
    --------
    >>> band_text(2.5, 3.5, 3.0, 0.5, "T1")
    'Reliable change band: 2.50 to 3.50 (the score at T1, 3.00, plus or minus 0.50).'
    """
    return (
        f"Reliable change band: {low:.2f} to {high:.2f} (the score at "
        f"{wave or 'the first wave'}, {base:.2f}, plus or minus {band:.2f})."
    )


def change_missing(*, one_wave_only: bool, missing: Sequence[str], has_index: bool) -> str:
    """Say why change on a score cannot be told.

    ``missing`` are the compared waves at which the score is missing; ``has_index`` whether
    a reliable change index can be computed for this score at all (the score's note, said
    beside it, says why not).
    """
    if one_wave_only:
        return "Change cannot be told: there is only one wave."
    if missing:
        return f"Change cannot be told: the score is missing at {waves_text(missing)}."
    if not has_index:
        return (
            "The change cannot be compared with measurement error: no reliability is known for "
            "this score."
        )
    return "Change cannot be told for this score."


# --------------------------------------------------------------------------------------
# Change over time: verdicts
# --------------------------------------------------------------------------------------


def _moved(a: float, b: float) -> str:
    if b > a:
        return "went up"
    if b < a:
        return "went down"
    return "stayed the same"


def verdict_text(
    label: str,
    *,
    better: str | None,
    value_from: float,
    value_to: float,
    wave_from: str,
    wave_to: str,
    safety_raised: bool,
) -> str:
    """Say whether a change is larger than measurement error, in plain words.

    ``label`` is the verdict of the change table (``improved``, ``unchanged``,
    ``deteriorated``, ``increased``, ``decreased``). With a safety flag raised, a reliable
    change is said by its direction only, never as getting better or worse.

    Examples
    --------
    >>> text = verdict_text("unchanged", better="lower", value_from=3, value_to=2.8,
    ...                     wave_from="T1", wave_to="T2", safety_raised=False)
    >>> text.endswith("within measurement error: it cannot be told from the ups and downs of "
    ...               "measuring.")
    True
    """
    head = f"From {wave_from} to {wave_to} the score {_moved(value_from, value_to)}"
    span = f"from {value_from:.2f} to {value_to:.2f}"
    if label == "unchanged":
        return (
            f"{head} ({span}). That change is within measurement error: it cannot be told "
            "from the ups and downs of measuring."
        )
    beyond = f"{head} {span}, by more than measurement error"
    if safety_raised or label in ("increased", "decreased"):
        if safety_raised:
            return (
                f"{beyond}. It is not read as getting better or worse while your safety is a "
                "concern."
            )
        return (
            f"{beyond}: a reliable {'increase' if label == 'increased' else 'decrease'}. The "
            "questionnaire does not say which direction is better for this score, so this is a "
            "change, not an improvement or a worsening."
        )
    which = f"for this score, {better} is better" if better else "by the score's direction"
    if label == "improved":
        return f"{beyond}: a reliable improvement ({which})."
    if label == "deteriorated":
        return f"{beyond}: it is reliably worse ({which})."
    return f"{beyond} ({label})."


CLINICAL = {
    "recovered": (
        "the change is larger than measurement error in the better direction, and the score "
        "crossed the cut-off {cutoff} into the range typical of people without the problem."
    ),
    "improved": (
        "the change is larger than measurement error in the better direction, but the score "
        "did not cross the cut-off {cutoff}."
    ),
    "unchanged": "the change is within measurement error.",
    "deteriorated": (
        "the change is larger than measurement error in the worse direction, without crossing "
        "the cut-off {cutoff} into the range typical of a clinical group."
    ),
    "harmed": (
        "the change is larger than measurement error in the worse direction, and the score "
        "crossed the cut-off {cutoff} into the range typical of a clinical group."
    ),
}
"""What each clinical category means, by label (Jacobson and Truax, 1991)."""


def _cut(value: float) -> str:
    return f"{value:g}"


def clinical_text(label: str | None, cutoff: float, *, safety_raised: bool) -> str:
    """Say what the clinical category of a change means (or that it cannot be told)."""
    if label is None:
        return (
            "No clinical category: it cannot be told (a score is missing, or the change "
            "could not be compared with measurement error)."
        )
    meaning = CLINICAL.get(label)
    said = meaning.format(cutoff=_cut(cutoff)) if meaning else f"the category is {label}."
    text = f"Clinical category: {label} (a statistical category): {said}"
    if safety_raised:
        text += (
            " While your safety is a concern it is not read as progress or setback: a score "
            "in the typical range does not mean that you are safe or that your fear was "
            "unfounded."
        )
    return text


def clinical_limits(cutoff: float, source: str | None) -> str:
    """Say what the cut-off is, and what a clinical category can and cannot tell."""
    where = f", source: {source}" if source else ""
    return (
        f"The cut-off is {_cut(cutoff)}{where}. It separates scores more typical of a clinical "
        "group from scores more typical of people without the problem. The categories "
        "(Jacobson and Truax, 1991) say where the answers moved, not what caused the change, "
        "and they are not a diagnosis."
    )


def level_of(critical: float) -> float:
    """Return the two-sided confidence level of a standard-normal critical value.

    Examples
    --------
    >>> round(level_of(1.959964), 3)
    0.95
    """
    return math.erf(critical / math.sqrt(2.0))


def computed_text(
    *,
    method: str,
    reliability: float | None,
    reliability_source: str | None,
    sd: float | None,
    sd_source: str | None,
    se_difference: float | None,
    critical: float,
) -> str:
    """Say how the reliable change index of a score was computed, in a few sentences.

    Examples
    --------
    >>> computed_text(method="jt", reliability=0.9, reliability_source="published alpha",
    ...               sd=1.0, sd_source=None, se_difference=0.45, critical=1.96)[:73]
    'How this was computed: reliable change index by Jacobson and Truax (1991)'
    """
    name = METHODS.get(method, method)
    level = f"{level_of(critical) * 100:.0f}%"
    if reliability is None:
        return (
            f"How this was computed: the reliable change method is {name}, but no reliability "
            "is known for this score, so no reliable change index was computed."
        )
    parts = [
        f"How this was computed: reliable change index by {name}.",
        f"Reliability {reliability:.2f}, source: {reliability_source or 'not given'}.",
    ]
    if sd is not None:
        parts.append(f"Standard deviation {sd:.2f}, source: {sd_source or 'not given'}.")
    if se_difference is not None:
        parts.append(
            f"Standard error of the difference (S_diff) {se_difference:.2f}. A change counts as "
            f"reliable when it is larger than {critical * se_difference:.2f} points "
            f"({critical:.2f} x S_diff, {level} two-sided)."
        )
    else:
        parts.append(
            "With this method the standard error differs from person to person; a change "
            f"counts as reliable when its index is beyond {critical:.2f} ({level} two-sided)."
        )
    return " ".join(parts)


# --------------------------------------------------------------------------------------
# Couples: for the clinician only
# --------------------------------------------------------------------------------------

AUDIENCE_HEADING = "For the clinician only"

AUDIENCE = (
    "This report is for the clinician. It holds both partners' scores, their readings and "
    "their safety screening. Do not show it or give it to either partner: each answered for "
    "themselves, and what one partner reported could put them at risk if the other saw it. "
    "It contains no item answers."
)

COUPLE_NOT_A_DIAGNOSIS = (
    "Scores and readings describe each partner's answers at one point in time. They are not "
    "a diagnosis of either partner or of the relationship, and they describe states, not who "
    "the partners are."
)

COUPLE_SAFETY_HEADING = "Safety comes first"

COUPLE_SAFETY = (
    "Where one partner may be afraid of the other, or controlled, isolated, threatened or "
    "hurt by them, conjoint (couples) sessions can be unsafe: what is said in the room can "
    "be used against that partner at home. Couples therapy is generally contraindicated "
    "where there is coercive control.",
    "Individual follow-up comes first: see the partner who raised the flag on their own, "
    "assess their safety with them, and plan any next step together with them, at their "
    "pace. Do not raise their answers with the other partner.",
    "For this couple no joint reading and no joint advice are given, and the partners' "
    "readings are not compared. Each partner's scores are shown below for the record only.",
)
"""The safety section of a couple with a safety flag raised, after the lead and flags."""

COUPLE_PRIVACY = (
    "Keep this report, and any saved or printed copy, where neither partner can see it."
)

NOT_COMPARED = (
    "Not compared: with a safety concern, the partners' scores are not combined or compared."
)

READINGS_WITHHELD = (
    "Readings are not shown for this couple: with a safety concern raised, fear of a partner "
    "is the finding that matters, and the partners' readings are not put side by side."
)

SCREEN_COUPLE = (
    "A screen, not compared between partners: what matters is each partner's flag. A low "
    'value never means "safe".'
)


def couple_safety_lead(partners: Sequence[str]) -> str:
    """Say for which partner(s) a safety flag was raised (empty: not known which)."""
    if not partners:
        return "A safety flag was raised for at least one partner."
    if len(partners) == 2:
        return f"A safety flag was raised for both partners ({join_words(partners)})."
    return f"A safety flag was raised for {partners[0]}."


def couple_safety_unknown(partners: Sequence[str]) -> str:
    """Say that safety could not be checked for one or both partners."""
    return (
        f"Some of the safety questions of {join_words(partners)} were left unanswered, so "
        "the screen could not check whether they are safe with their partner. Check safety "
        "with each partner on their own before any joint session."
    )


def before_joint(state: str) -> str | None:
    """Return what to keep in mind before joint sessions, by the couple's safety state."""
    if state == "clear":
        return (
            "The safety screen raised nothing for either partner. A screen is not proof of "
            "safety: people who are being controlled or hurt often play it down, especially "
            "when their partner may see their answers. Check safety with each partner on their "
            "own before joint sessions."
        )
    if state == "not screened":
        return (
            "None of these questionnaires asks about safety. Check safety with each partner on "
            "their own before any joint session: couples therapy is generally contraindicated "
            "where there is coercive control."
        )
    return None


def one_partner(present: str, absent: str) -> str:
    """Say that only one partner's answers were found."""
    return (
        f"Only {present}'s answers were found; {absent} is not in the data, so nothing can be "
        "compared."
    )


def discrepancy_text(
    reliable: bool | None, difference: float | None, first: str, second: str
) -> str:
    """Say whether two partners' scores differ by more than measurement error."""
    if reliable is None or difference is None:
        return (
            "Whether the partners' scores differ by more than measurement error cannot be "
            "told: a score, or its interval, is missing."
        )
    signed = f"{difference:+.2f}, {first} minus {second}"
    if reliable:
        return (
            f"The partners' scores differ by more than measurement error ({signed}): the two "
            "experience this differently. That does not say who is right."
        )
    return (
        f"The difference ({signed}) is within measurement error: it cannot be told from the "
        "ups and downs of measuring."
    )


# --------------------------------------------------------------------------------------
# Couples: readings side by side
# --------------------------------------------------------------------------------------

AGREEMENT = (
    "Each partner's reading comes from that partner's own answers and describes their own "
    "experience of the relationship. Side by side, the readings show where the two "
    "experiences agree and where they differ; they cannot show who is right.",
    "Agreement is not proof: both partners can see something the same way and both be "
    "mistaken, or both play it down. Disagreement does not tell who is right either.",
    "A partner's low report of problems is not evidence that the other partner's fear is "
    "unfounded: people who control or hurt a partner, and people who are being hurt, both "
    "often under-report. Never read one partner's fear as 'just their pattern' because the "
    "other partner reports no problem.",
)
"""What agreement and disagreement can and cannot mean, said once above the readings."""


def readings_unchecked(partners: Sequence[str]) -> str:
    """Say how to read the readings when safety could not be checked for a partner."""
    return (
        f"Safety could not be checked for {join_words(partners)}. These readings are meant for "
        "partners who feel safe with each other: if either is afraid of the other, that "
        "matters more than any reading here."
    )


ATTACHMENT_PAIR = (
    "The region names describe how each partner experiences closeness and dependence at "
    "present; they are not types, and a difference between the partners is not a fault of "
    "either."
)

READING_NAMES = {
    "insecurity_source": "Where the insecurity comes from",
    "attachment": "Attachment",
}
"""How the couple report names a reading, by kind (other readings by their column)."""


ReadingKind = Literal["insecurity_source", "attachment", "other"]


def reading_kind(column: str) -> ReadingKind:
    """Return the kind of a reading column: ``insecurity_source``, ``attachment`` or ``other``.

    Examples
    --------
    >>> reading_kind("risi.insecurity_source"), reading_kind("attachment_style")
    ('insecurity_source', 'attachment')
    """
    if "insecurity_source" in column:
        return "insecurity_source"
    if "attachment" in column:
        return "attachment"
    return "other"


def reading_name(kind: str, column: str) -> str:
    """Return the name of a reading as the couple report shows it."""
    return READING_NAMES.get(kind, column)


_SOURCE_LABELS = {
    "internal": "internal pattern",
    "relational": "relationship signal",
    "both": "both (internal pattern and relationship signal)",
    "neither": "neither",
}

_COMMON_LABELS = {
    "indeterminate": "cannot tell yet",
    "safety-first": "none given: safety comes first",
}


def reading_label(kind: str, label: str | None) -> str:
    """Return a reading label as the couple report shows it.

    Examples
    --------
    >>> reading_label("insecurity_source", "relational"), reading_label("attachment", None)
    ('relationship signal', 'none (a score is missing)')
    """
    if label is None:
        return "none (a score is missing)"
    if label in _COMMON_LABELS:
        return _COMMON_LABELS[label]
    if kind == "insecurity_source":
        return _SOURCE_LABELS.get(label, label)
    return label


_SHOWS_SIGNAL = frozenset({"relational", "both"})
_NO_SIGNAL = frozenset({"internal", "neither"})


def _source_pair(a: str, b: str, la: str, lb: str) -> tuple[str, ...]:
    """Say what two partners' insecurity-source readings mean together (both are told)."""
    if la == lb == "relational":
        return (
            "Both partners' answers show markers of a relationship signal: both experience "
            "something in the relationship as wrong. That does not say who causes it, or that "
            "either partner is to blame; it is a reason to explore what each of them "
            "experiences.",
        )
    if la == lb == "internal":
        return (
            "Both partners' answers show more markers of a pattern each carries than of a "
            "signal from this relationship. That does not mean either partner's feelings are "
            "unfounded: some of these markers, such as reassurance that fades, can be produced "
            "by a partner's behaviour, and each reading is one view of what that partner "
            "experiences now.",
        )
    if la == lb == "both":
        return (
            "Both partners' answers show markers of both an internal pattern and a "
            "relationship signal. This is common, and within a couple the two can feed each "
            "other; it does not say who causes what.",
        )
    if la == lb == "neither":
        return (
            "Both partners' answers show few markers of either source at the moment. If "
            "either still feels insecure, these questions may not have captured it.",
        )
    out = [
        f"{a}'s answers read as {reading_label('insecurity_source', la)} and {b}'s as "
        f"{reading_label('insecurity_source', lb)}. Each reading is that partner's own "
        "experience, and the difference does not tell who is right."
    ]
    for low, high in ((a, b), (b, a)):
        low_label, high_label = (la, lb) if low == a else (lb, la)
        if low_label in _NO_SIGNAL and high_label in _SHOWS_SIGNAL:
            out.append(
                f"{low}'s low report of relationship problems is not evidence that {high}'s "
                f"concerns are unfounded, and {high}'s concerns are not 'just a pattern' "
                "because of it."
            )
    if "internal" in (la, lb):
        who = a if la == "internal" else b
        out.append(
            f"{who}'s internal-pattern reading does not mean that their fears are imagined: "
            "some internal-pattern markers can be produced by a partner's behaviour."
        )
    return tuple(out)


def pair_reading_text(
    kind: str, first: str, second: str, la: str | None, lb: str | None
) -> tuple[str, ...]:
    """Say what two partners' readings of one kind mean side by side (safety not raised).

    ``kind`` is ``insecurity_source``, ``attachment`` or ``other``; ``first`` and ``second``
    name the partners; ``la`` and ``lb`` are their labels (None: a score is missing).
    """
    untold = [
        name
        for name, label in ((first, la), (second, lb))
        if label is None or label in ("indeterminate", "safety-first")
    ]
    if untold or la is None or lb is None:
        text = (
            f"{untold[0]}'s reading cannot be told (it is indeterminate, or a score is "
            "missing), so the two readings cannot be compared here."
            if len(untold) == 1
            else "Neither partner's reading can be told (each is indeterminate, or a score is "
            "missing), so the two readings cannot be compared here."
        )
        return (text,)
    if kind == "insecurity_source":
        return _source_pair(first, second, la, lb)
    if kind == "attachment":
        where = (
            f"Both partners' answers fall in the region often called {la}."
            if la == lb
            else f"{first}'s answers fall in the region often called {la}, {second}'s in the "
            f"region often called {lb}."
        )
        return (where, ATTACHMENT_PAIR)
    same = "The two readings agree." if la == lb else "The two readings differ."
    return (
        f"{same} Each reading is that partner's own experience; agreement is not proof and "
        "disagreement does not tell who is right.",
    )


# --------------------------------------------------------------------------------------
# Couples: the study
# --------------------------------------------------------------------------------------

NONINDEPENDENCE_MEANING = (
    "Nonindependence: how much more alike (or unlike) the two partners of a couple are than "
    "two people picked at random: the intraclass correlation for partners who cannot be told "
    "apart, the Pearson correlation for partners with roles. Where it is present, the couple, "
    "not the person, is the unit of analysis: tests that treat partners as independent people "
    "give wrong p values (Kenny, Kashy and Cook, 2006)."
)

PAIRWISE_MEANING = (
    "Pairwise intraclass correlation (Griffin and Gonzalez, 1995): the same similarity "
    "estimated from every couple entered twice, once in each order; its z test is "
    "approximate."
)

DISTINGUISHABILITY_MEANING = (
    "Distinguishability: whether the two roles differ in their mean or spread on a score (a "
    "likelihood-ratio chi-square with 2 degrees of freedom; the paired t test compares the "
    "means, the Pitman-Morgan t test the variances). Where they do not, the partners may be "
    "treated as exchangeable for that score."
)

DISCREPANCY_MEANING = (
    "Reliable discrepancy: the two partners' scores differ by more than measurement error. "
    "It shows that the two experience something differently, not who is right."
)

SAFETY_STUDY = (
    "Couples with a safety flag raised for at least one partner get no joint reading and no "
    "joint advice in their couple reports; their partners' readings are not compared."
)


def _not_computed(reason: str | None) -> str:
    return f"Not computed: {reason or 'too few complete couples'}."


def nonindependence_text(
    estimate: float, p_value: float, n_couples: int, alpha: float, reason: str | None
) -> str:
    """Say what a test of nonindependence found, in plain words (the numbers are beside it).

    Examples
    --------
    >>> nonindependence_text(0.6, 0.001, 40, 0.05, None).split(":")[0]
    "Partners' scores are more alike than chance would make them"
    """
    if reason is not None or math.isnan(estimate) or math.isnan(p_value):
        return _not_computed(reason)
    if p_value < alpha:
        which = "more" if estimate > 0 else "less"
        return (
            f"Partners' scores are {which} alike than chance would make them: analyse couples, "
            "not separate people."
        )
    few = "With few couples this test has little power, so t" if n_couples < 50 else "T"
    return (
        "No clear evidence that partners' scores are related. "
        f"{few}his is not evidence that the partners are independent."
    )


def pairwise_text(estimate: float, p_value: float, alpha: float, reason: str | None) -> str:
    """Say what the pairwise intraclass correlation found (its z test is approximate)."""
    if reason is not None or math.isnan(estimate) or math.isnan(p_value):
        return _not_computed(reason)
    if p_value < alpha:
        which = "more" if estimate > 0 else "less"
        return f"Partners are {which} alike than chance would make them (approximate test)."
    return "No clear evidence of similarity (approximate test)."


def distinguishability_text(
    p_value: float, p_means: float, p_variances: float, alpha: float, reason: str | None
) -> str:
    """Say whether the two roles differ on a score."""
    if reason is not None or math.isnan(p_value):
        return _not_computed(reason)
    if p_value >= alpha:
        return (
            "The roles do not clearly differ in mean or spread: the partners may be treated as "
            "exchangeable for this score."
        )
    which = [
        name
        for name, p in (("means", p_means), ("variances", p_variances))
        if not math.isnan(p) and p < alpha
    ]
    detail = f", in their {join_words(which)}" if which else ""
    return f"The roles differ{detail}: treat the partners as distinguishable for this score."


def discrepancy_count(reliable: int, told: int, unknown: int) -> str:
    """Say how many couples' partners differ by more than measurement error.

    Examples
    --------
    >>> discrepancy_count(1, 3, 0)
    '1 of 3 couples whose difference could be told differ by more than measurement error.'
    """
    couples = "couple" if told == 1 else "couples"
    out = (
        f"{reliable} of {told} {couples} whose difference could be told differ by more than "
        "measurement error."
    )
    if unknown:
        out += f" For {unknown} it cannot be told (a score or an interval missing)."
    return out

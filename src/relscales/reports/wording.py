"""The plain-language text of reports, in one place (English).

Written from the project's domain model (shared/reference/insecurity-constructs.md):
readings describe a state ("you are experiencing"), never a trait ("you are"); nothing is
a diagnosis; safety governs everything else; uncertainty is said out loud. Templates show
these texts through the report context, so every format (HTML, Markdown, plain text) says
the same.

Safety governs the advice as well as the readings. :func:`what_helps` and
:func:`seek_help` take the report's safety state:

* ``raised``: a safety flag is raised. No couples therapy, no tips that involve the
  partner (telling them what one needs, pause rules, check-ins): those can put a person
  at risk where there is coercive control. Instead: it is not their fault, specialist
  support, people they trust; the device and the saved report may be seen by others.
* ``unknown``: the safety questions were (partly) skipped, so safety could not be checked.
  Tips that involve the partner, and couples therapy, are offered only for a relationship
  where one feels safe.
* ``not screened``: none of the instruments asks about safety; advice as for ``unknown``,
  without saying that questions were skipped.
* ``clear``: the safety questions were answered and raised nothing.

Texts never point at resources that are not shown (``resources_shown``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from relscales.reports.explain import NOT_A_DIAGNOSIS

__all__ = [
    "ADVICE",
    "ADVICE_BY_READING",
    "ADVICE_IF_SAFE",
    "ATTACHMENT_INTRO",
    "ATTACHMENT_REGIONS",
    "BANNERS",
    "DID_NOT_APPLY",
    "EXPERIMENTAL_READING",
    "FEW_APPLIED",
    "GATE_UNKNOWN",
    "GENERAL_ADVICE",
    "INTERNAL_MARKERS",
    "INTERNAL_PATTERN",
    "LEFT_BLANK",
    "NOT_A_DIAGNOSIS",
    "OTHER_REGIONS",
    "PARTNER_CAN_PRODUCE",
    "PARTNER_DIRECTED",
    "PARTNER_EXAMPLES",
    "PARTS_MISSING",
    "PRIVACY",
    "RELATIONSHIP_MARKERS",
    "RELATIONSHIP_SIGNAL",
    "SAFETY_FIRST_AGAIN",
    "SAFETY_FIRST_AXIS",
    "SAFETY_FIRST_LABEL",
    "SAFETY_FIRST_MARKERS",
    "SAFETY_FIRST_READING",
    "SAFETY_FIRST_SCORES",
    "SAFETY_HEADING",
    "SAFETY_RAISED",
    "SAFETY_UNKNOWN_HEADING",
    "SEEK_HELP_APPLIES",
    "SEEK_HELP_NONE",
    "SOURCE_INTRO",
    "SOURCE_REGIONS",
    "STATE_NOT_TRAIT",
    "STUDY_NOT_A_DIAGNOSIS",
    "SafetyState",
    "axis_sentence",
    "context_reason",
    "internal_pattern_text",
    "join_words",
    "marker_sentence",
    "not_assessed",
    "relationship_signal_text",
    "safety_first_scores",
    "safety_unknown",
    "seek_help",
    "seek_help_heading",
    "seek_help_lead",
    "what_helps",
    "what_helps_heading",
]

SafetyState = Literal["raised", "unknown", "clear", "not screened"]
"""The report's safety state (see the module docstring)."""

STUDY_NOT_A_DIAGNOSIS = (
    "Scores and readings describe answers given at one point in time. They are not "
    "diagnoses, and a reading describes a state a respondent was in, not who they are."
)

STATE_NOT_TRAIT = (
    "Your answers can change as your situation changes: another time, or another "
    "relationship, may give a different picture. Every score comes with an interval that "
    "shows how precise it is."
)

# --------------------------------------------------------------------------------------
# Safety
# --------------------------------------------------------------------------------------

SAFETY_HEADING = "Your safety comes first"
SAFETY_UNKNOWN_HEADING = "Safety could not be checked"

SAFETY_RAISED = (
    "Being afraid of a partner, or having a partner who controls, isolates, threatens or "
    "hurts you, is a signal to take seriously: it is a safety concern, not an insecurity for "
    "you to work on."
)
"""Shown with a raised safety flag, after its message and resources."""

PRIVACY = (
    "Other people may be able to see this device, its browser history, or a saved or "
    "printed copy of this report. If that could put you at risk, keep the report somewhere "
    "only you can reach, or delete it, and look for help from a device you trust."
)
"""The note that the device and the saved or printed report may be seen by others."""


def safety_unknown(resources_shown: bool) -> str:
    """Say that safety could not be checked (safety questions skipped or partly skipped)."""
    where = (
        "the contacts below can help, in confidence"
        if resources_shown
        else "a support line or your local emergency services can help, in confidence"
    )
    return (
        "Some of the safety questions were left unanswered, so this report could not check "
        "whether you are safe with your partner. If you are afraid of your partner, or your "
        "partner controls, isolates, threatens or hurts you, that matters more than any score "
        f"here, and it is not your fault: {where}."
    )


SAFETY_FIRST_LABEL = "none given: your safety comes first"
"""What a reading shows instead of a region when a safety flag governs it."""

SAFETY_FIRST_READING = (
    "No reading of where the insecurity comes from is given, because some of your answers say "
    'you may not feel safe with your partner. When that is so, "is it me or the '
    'relationship?" is not the question that matters: fear of a partner is a signal to take '
    "seriously, and what is happening is not your fault."
)

SAFETY_FIRST_AXIS = "not read, because your safety comes first."
"""The text of each axis of a safety-first reading (its scores are shown, not read)."""

SAFETY_FIRST_AGAIN = (
    "No reading is given here either: some of your answers say you may not feel safe with "
    "your partner, and that comes first."
)
"""For a second safety-first reading in the same report (said once in full)."""


GATE_UNKNOWN = (
    "Some of the safety questions were left unanswered, so safety could not be checked. This "
    "reading is meant for someone who feels safe with their partner: if you are afraid of "
    "your partner, that matters more than where the insecurity comes from."
)
"""Said on a reading governed by a safety flag whose state is unknown."""


# --------------------------------------------------------------------------------------
# Banners and labels
# --------------------------------------------------------------------------------------

BANNERS = {
    "experimental": (
        "Experimental instrument: {name} has not been validated yet. Its scores and readings "
        "are a reading aid for reflection, not established measurements; there are no norms "
        "or validated cut points yet."
    ),
    "provisional": (
        "Provisional instrument: the validation of {name} is still under way. Read its "
        "scores with extra caution."
    ),
}
"""Banner per validation status (``published`` instruments get none)."""

EXPERIMENTAL_READING = "experimental, not yet validated"
"""How the reading of an experimental instrument (or battery) is labelled."""

# --------------------------------------------------------------------------------------
# Insecurity source
# --------------------------------------------------------------------------------------

SOURCE_INTRO = (
    "People with relationship worries most want to know: is it me, or is it the "
    "relationship? This reading compares two kinds of markers in your answers. Often both are "
    "there, in some proportion, and they can feed each other."
)

PARTNER_CAN_PRODUCE = (
    "Some of these signs can also be produced by a partner's behaviour (reassurance fades "
    "under a partner who is warm one day and cold the next), so they are markers, not proof."
)
"""The reminder that internal-pattern markers can be produced by a partner (the fallback of
:func:`internal_pattern_text`, which gives examples that fit the instrument's facets)."""

PATTERNS_CAN_CHANGE = (
    "Patterns like this are common, are usually learned for understandable reasons, and can change."
)

INTERNAL_PATTERN = (
    "Internal pattern means signs that the alarm would likely sound in any relationship. "
    f"{PARTNER_CAN_PRODUCE} {PATTERNS_CAN_CHANGE}"
)
"""What "internal pattern" means, without naming the markers (for a reading whose facets
are not known); :func:`internal_pattern_text` names them."""

RELATIONSHIP_SIGNAL = (
    "Relationship signal means signs that something in this relationship gives real cause "
    "for doubt. Then the doubt may be an accurate signal, worth listening to."
)
"""What "relationship signal" means, without naming the markers (for a reading whose
facets are not known); :func:`relationship_signal_text` names them."""

INTERNAL_MARKERS = {
    "recurrence": "the same worries with different partners",
    "out_of_proportion": "reactions bigger than what set them off",
    "neutral_cues": "threat read into a silence or a short message",
    "vigilance": "keeping an anxious watch on your partner's mood",
    "fear_of_loss": "fear of being left or replaced",
    "fading_reassurance": "reassurance that soothes only briefly",
    "old_fears": "fears that feel old and familiar",
    "contingent_worth": "a sense of worth that rises and falls with the relationship",
    "suspicion": "suspicious thoughts about your partner",
}
"""How the intro names each internal-pattern facet, by facet id (RISI 0.1 and 0.2); a facet
not listed is named by its name."""

PARTNER_EXAMPLES = {
    "fading_reassurance": "reassurance fades under a partner who is warm one day and cold the next",
    "vigilance": "anyone keeps a close watch on a partner whose moods are unpredictable",
    "suspicion": "suspicious thoughts can follow a partner's lies",
    "out_of_proportion": "small things can feel big when you walk on eggshells around a "
    "volatile partner",
    "contingent_worth": "a sense of worth drops when you are put down",
}
"""Examples of internal-pattern markers a partner can produce, by facet id, in the order
they are preferred (:func:`internal_pattern_text` gives up to three that fit)."""

RELATIONSHIP_MARKERS = {
    "dishonesty": "repeated dishonesty or inconsistency",
    "dismissed": "feelings brushed off or mocked",
    "put_downs": "put-downs and humiliation",
    "coldness": "a partner who goes cold or is warm one day and cold the next",
    "betrayal": "betrayal or infidelity in this relationship",
    "partner_control": "a partner who monitors and controls you or is jealous of your friends",
    "worse_since": "feeling worse about yourself since being together",
    "others_concern": "concern from people you trust",
    "secrecy": "secrecy where openness would be expected",
}
"""How the intro names each relationship-signal facet, by facet id (RISI 0.1 and 0.2); a
facet not listed is named by its name. The safety screen, a marker too, is not named: it
is the subject of its own section."""

SCREEN_MARKERS = frozenset({"safety"})
"""Marker ids left out of the intro's list (the safety screen)."""


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _series(names: Sequence[str]) -> str:
    """Join a list of phrases with commas and a final ``, and`` (``a and b`` for two)."""
    if len(names) <= 2:
        return join_words(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def _named(facets: Sequence[tuple[str, str]], phrases: dict[str, str]) -> list[str]:
    out = [phrases.get(fid) or _lower_first(name) for fid, name in facets]
    return list(dict.fromkeys(o for o in out if o))


def internal_pattern_text(facets: Sequence[tuple[str, str]]) -> str:
    """Say what "internal pattern" means, naming the instrument's facets.

    ``facets`` are ``(id, name)`` of the internal-pattern facets the reading rests on.
    It always says that some of these markers can be produced by a partner, with examples
    that fit the facets.

    Examples
    --------
    >>> text = internal_pattern_text([("recurrence", "R"), ("fading_reassurance", "F")])
    >>> text[84:154]
    'the same worries with different partners and reassurance that soothes '
    >>> "can also be produced by a partner" in text
    True
    """
    names = _named(facets, INTERNAL_MARKERS)
    if not names:
        return INTERNAL_PATTERN
    ids = {fid for fid, _ in facets}
    examples = [text for fid, text in PARTNER_EXAMPLES.items() if fid in ids][:3]
    partner = (
        "Some of these signs can also be produced by a partner's behaviour ("
        + "; ".join(examples)
        + "), so they are markers, not proof."
        if examples
        else PARTNER_CAN_PRODUCE
    )
    return (
        "Internal pattern means signs that the alarm would likely sound in any relationship: "
        f"{_series(names)}. {partner} {PATTERNS_CAN_CHANGE}"
    )


def relationship_signal_text(facets: Sequence[tuple[str, str]], *, each_on_its_own: bool) -> str:
    """Say what "relationship signal" means, naming the instrument's facets.

    ``facets`` are ``(id, name)`` of the relationship-signal facets (the markers of an axis
    judged marker by marker, ``each_on_its_own``).
    """
    names = _named([f for f in facets if f[0] not in SCREEN_MARKERS], RELATIONSHIP_MARKERS)
    if not names:
        return RELATIONSHIP_SIGNAL
    own = (
        " Each is judged on its own: one that is clearly there is a signal, whatever the "
        "others say."
        if each_on_its_own
        else ""
    )
    return (
        "Relationship signal means signs that something in this relationship gives real "
        f"cause for doubt: {_series(names)}.{own} Then the doubt may be an accurate "
        "signal, worth listening to."
    )


SOURCE_REGIONS = {
    "internal": (
        "Your answers show more markers of a pattern you carry than of a signal from this "
        "relationship: every relationship-signal marker in your answers is clearly low, and "
        "no safety concern was raised. This does not mean that your feelings are imagined or "
        "unfounded, and what you are experiencing is not your fault. Some of these markers, "
        "such as reassurance that fades or reactions that feel too big, can also be produced "
        "by a partner's behaviour, so read this as one view of what you are experiencing now."
    ),
    "relational": (
        "Your answers show more markers of a relationship signal than of an internal pattern. "
        "Your doubts may be responding to real things in this relationship. Taking them "
        "seriously, and talking them through with someone you trust, can help you decide "
        "what you need."
    ),
    "both": (
        "Your answers show markers of both a pattern you carry and a signal from this "
        "relationship. This is common: the two often amplify each other, so it can help to "
        "look at both sides."
    ),
    "neither": (
        "Your answers show few markers of either source at the moment: both sides are "
        "clearly below the cut point. If you still feel insecure, these questions may not "
        "have captured what is going on for you."
    ),
    "indeterminate": (
        "One side of this reading cannot be told yet: the interval around a score reaches the "
        "cut point, or some of its questions were left unanswered or did not apply. This is "
        "an honest "
        "'cannot tell yet', not a finding about you."
    ),
    "missing": "Too many answers are missing for this reading, so none is given.",
}

# --------------------------------------------------------------------------------------
# Attachment
# --------------------------------------------------------------------------------------

ATTACHMENT_INTRO = (
    "Adult attachment is described on two continuous dimensions: anxiety (worry about "
    "rejection and being left) and avoidance (discomfort with closeness and with depending "
    "on a partner). Read your two scores first. The four names are only descriptions of "
    "regions of the chart, not types of people; research finds attachment is dimensional."
)

ATTACHMENT_REGIONS = {
    "secure": (
        "Your scores are below the midpoint on both anxiety and avoidance: closeness and "
        "depending on a partner feel mostly comfortable for you at present (the region often "
        "called secure)."
    ),
    "preoccupied": (
        "Your anxiety score is above the midpoint and your avoidance score below it: you are "
        "experiencing a wish for closeness together with worry about whether it will last "
        "(the region often called preoccupied)."
    ),
    "dismissing": (
        "Your avoidance score is above the midpoint and your anxiety score below it: at "
        "present you value independence and keep some distance in closeness (the region often "
        "called dismissing)."
    ),
    "fearful": (
        "Both your anxiety and your avoidance scores are above the midpoint: you are "
        "experiencing a wish for closeness and a fear of it at the same time (the region "
        "often called fearful)."
    ),
    "indeterminate": (
        "Your scores sit too close to a boundary of the chart to place them in one region: "
        "on at least one of the two dimensions, the interval around your score reaches it. "
        "Read your anxiety and avoidance scores on their own; this is an honest 'cannot tell "
        "yet', not a finding about you."
    ),
    "missing": "Too many answers are missing for this reading, so none is given.",
}

OTHER_REGIONS = {
    "indeterminate": (
        "Your answers sit too close to a cut point to place them in one region: the interval "
        "around a score reaches the cut. This is an honest 'cannot tell yet', not a finding "
        "about you."
    ),
    "missing": "Too many answers are missing for this reading, so none is given.",
}
"""Readings other than the insecurity source and attachment (regions read as their names)."""

# --------------------------------------------------------------------------------------
# Axis sentences
# --------------------------------------------------------------------------------------


def axis_sentence(level: str | None, cut: float, name: str) -> str:
    """Say where one axis of a reading stands against its cut point."""
    if level == "high":
        return f"{name}: the whole interval lies above the cut {cut:g}."
    if level == "low":
        return f"{name}: the whole interval lies below the cut {cut:g}."
    if level is None:
        return f"{name}: missing."
    return f"{name}: the interval reaches the cut {cut:g}, so this side cannot be told yet."


def join_words(names: Iterable[str]) -> str:
    """Join words as English does: ``a``, ``a and b``, ``a, b and c``."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def marker_sentence(
    level: str | None,
    name: str,
    markers: Sequence[tuple[str, str | None, float, float, float]],
    reasons: Mapping[str, str] | None = None,
) -> str:
    """Say where an axis judged marker by marker (``rule: any``) stands, naming the markers.

    ``markers`` are ``(name, level, low, high, cut)``: each marker's level (``high``,
    ``low``, ``indeterminate`` or None when missing), interval and cut point. ``reasons``
    say, by marker name, why a missing marker is missing.
    """
    why = reasons or {}
    if level is None:
        return f"{name}: missing."
    raised = [
        f"{m} (interval {lo:.2f} to {hi:.2f}, above {cut:g})"
        for m, lv, lo, hi, cut in markers
        if lv == "high"
    ]
    unclear = [
        f"{m} (interval {lo:.2f} to {hi:.2f} reaches {cut:g})"
        for m, lv, lo, hi, cut in markers
        if lv == "indeterminate"
    ]
    missing = [f"{m} ({why[m]})" if m in why else m for m, lv, *_ in markers if lv is None]
    head = f"{name}: judged facet by facet, since one clear signal is a signal on its own."
    if level == "low":
        return f"{head} Every one lies wholly below its cut."
    parts = []
    if raised:
        parts.append(f"Raised (the whole interval above the cut): {join_words(raised)}.")
    if unclear:
        parts.append(f"Could not be told: {join_words(unclear)}.")
    if missing:
        parts.append(f"Missing, so they could not be told: {join_words(missing)}.")
    if level != "high":
        parts.append("None is clearly raised, so this side cannot be told yet.")
    return " ".join([head, *parts])


LEFT_BLANK = "its questions were left blank"
"""Why a part could not be assessed when its questions were skipped."""

DID_NOT_APPLY = "its questions did not apply to you"
"""Why a part could not be assessed when its questions were answered "Does not apply"."""

FEW_APPLIED = "too few of its questions applied to you"
"""Why a score is missing when some of its questions were answered and the others did not
apply."""

PARTS_MISSING = "some of the scores it combines are missing"
"""Why a composite part could not be assessed."""


def context_reason(answer: str) -> str:
    """Say that a score does not apply in the respondent's context (``applies_when``).

    ``answer`` is the context question's answer as shown: its label, else its code.

    Examples
    --------
    >>> context_reason("No, this is my first partner")
    'it does not apply to you, since you answered "No, this is my first partner"'
    """
    return f'it does not apply to you, since you answered "{answer}"'


def not_assessed(parts: Sequence[str], reasons: Sequence[str] | None = None) -> str:
    """Say that optional parts of an index were missing, why, and what the index rests on.

    ``reasons`` give why each part is missing (:func:`context_reason`,
    :data:`DID_NOT_APPLY`, :data:`LEFT_BLANK`); without them, the questions were left blank.

    Examples
    --------
    >>> not_assessed(["R"], ["why"])
    'R could not be assessed (why), so this side rests on the other facets.'
    >>> not_assessed(["R", "F"], ["why", "because"])[:45]
    'R (why) and F (because) could not be assessed'
    """
    rest = "so this side rests on the other facets"
    why = list(reasons) if reasons is not None else [LEFT_BLANK] * len(parts)
    if len(parts) == 1:
        return f"{parts[0]} could not be assessed ({why[0]}), {rest}."
    named = [f"{name} ({reason})" for name, reason in zip(parts, why, strict=True)]
    return f"{join_words(named)} could not be assessed, {rest}."


# --------------------------------------------------------------------------------------
# What helps, and when to seek help
# --------------------------------------------------------------------------------------

ADVICE = {
    "take_seriously": (
        "Take your doubts seriously: note what actually happened, and talk it through with "
        "someone you trust who knows the situation."
    ),
    "triggers": (
        "Notice your triggers: a short note of the situation, the thought and the feeling when "
        "the worry flares."
    ),
    "pull_away": (
        "Notice the moments you pull away or go quiet, and what you felt just before: "
        "distance can protect you, and it can also leave a partner guessing."
    ),
    "push_pull": (
        "Notice the push and pull between wanting closeness and fearing it: naming it, to "
        "yourself or to someone you trust, makes it easier to choose what you do next."
    ),
    "raise": (
        "Raise the specific things that worry you with your partner, calmly and without "
        "blame, and notice whether they engage with your feelings or brush them off."
    ),
    "rituals": (
        "Tell your partner what you need, without blame, and agree on small rituals: a "
        "check-in, a pause rule in heated moments, calling instead of texting when tone "
        "matters."
    ),
    "small_steps": (
        "Try small, low-pressure steps toward closeness at your own pace: share one thing you "
        "would usually keep to yourself, or say when you need space instead of going quiet."
    ),
    "worth": (
        "Build your sense of worth and your support outside the relationship: friends, "
        "interests, rest."
    ),
    "comparison": (
        "Limit comparison, for example time spent on other couples' lives on social media."
    ),
    "keep": (
        "Keep what is working: the ease with closeness you describe is worth protecting when "
        "stress comes."
    ),
    "check_fit": (
        "If you still feel insecure, notice when and where the worry flares: these questions "
        "may not have captured it, and talking with a professional can help you explore it."
    ),
}
"""Next steps by id, in the order they are listed (``what_helps`` keeps this order)."""

PARTNER_DIRECTED = frozenset({"raise", "rituals", "small_steps"})
"""Steps that involve the partner: never given when a safety flag is raised."""

ADVICE_IF_SAFE = {
    "raise": (
        "If you feel safe with your partner: raise the specific things that worry you, calmly "
        "and without blame, and notice whether they engage with your feelings or brush them "
        "off."
    ),
    "rituals": (
        "In a relationship where you feel safe: tell your partner what you need, without "
        "blame, and agree on small rituals (a check-in, a pause rule in heated moments, "
        "calling instead of texting when tone matters)."
    ),
    "small_steps": (
        "If you feel safe with your partner: try small, low-pressure steps toward closeness "
        "at your own pace, such as sharing one thing you would usually keep to yourself."
    ),
}
"""The partner-directed steps as given when safety could not be checked."""

ADVICE_BY_READING: dict[tuple[str, str], tuple[str, ...]] = {
    ("insecurity_source", "internal"): ("triggers", "rituals", "worth", "comparison"),
    ("insecurity_source", "relational"): ("take_seriously", "raise", "worth"),
    ("insecurity_source", "both"): ("take_seriously", "triggers", "raise", "worth"),
    ("insecurity_source", "neither"): ("check_fit", "worth"),
    ("attachment", "secure"): ("keep",),
    ("attachment", "preoccupied"): ("triggers", "rituals", "worth", "comparison"),
    ("attachment", "dismissing"): ("pull_away", "small_steps"),
    ("attachment", "fearful"): ("push_pull", "small_steps", "worth"),
}
"""The steps that fit each reading ``(kind, region)``."""

GENERAL_ADVICE = ("triggers", "rituals", "worth")
"""The steps given when no reading pins down a region (indeterminate, missing, none)."""


def what_helps_heading(state: SafetyState) -> str:
    """Return the heading of the list of next steps."""
    return "What can help now" if state == "raised" else "What often helps"


def what_helps(
    readings: Iterable[tuple[str, str | None]], state: SafetyState, *, resources_shown: bool
) -> tuple[str, ...]:
    """Return the next steps that fit the readings ``(kind, label)`` and the safety state."""
    if state == "raised":
        where = (
            "the services listed at the top of this report"
            if resources_shown
            else "a domestic abuse support line or service"
        )
        return (
            "What is happening is not your fault, and you do not have to deal with it alone.",
            f"Talk in confidence with people trained to help: {where}, or your doctor. They "
            "can help you think through what is safe for you, at your own pace.",
            "Stay in touch with people you trust, even if contact has become harder.",
            "Tips meant for relationships where both people feel safe are left out of this "
            "report on purpose: where a partner controls or frightens you, they can make "
            "things riskier.",
        )
    wanted: set[str] = set()
    for kind, label in readings:
        wanted.update(ADVICE_BY_READING.get((kind, label or ""), ()))
    if not wanted:
        wanted.update(GENERAL_ADVICE)
    steps = ["Understanding the pattern is where change starts."]
    for key, text in ADVICE.items():
        if key not in wanted:
            continue
        if key in PARTNER_DIRECTED and state != "clear":
            text = ADVICE_IF_SAFE[key]
        steps.append(text)
    return tuple(steps)


SEEK_HELP_APPLIES = "From your answers, these apply to you now:"
"""Said before the raised ``seek-help`` criteria."""

SEEK_HELP_NONE = "From your answers, none of the signs below applies to you now."
"""Said when every ``seek-help`` criterion was checked and none is raised."""


def seek_help_lead(raised: int, checked: bool, state: SafetyState) -> str | None:
    """Return what is said before the seek-help criteria, or None.

    ``raised`` is the number of raised ``seek-help`` flags, ``checked`` whether the report
    has such flags and every one is known (its questions answered). When a safety flag is
    raised the section is about support, so nothing is listed.
    """
    if state == "raised":
        return None
    if raised:
        return SEEK_HELP_APPLIES
    return SEEK_HELP_NONE if checked else None


def seek_help_heading(state: SafetyState) -> str:
    """Return the heading of the paragraph on professional help."""
    return "Where to find support" if state == "raised" else "When to seek professional help"


def seek_help(state: SafetyState, *, resources_shown: bool) -> str:
    """Return when and where to seek professional help, fit for the safety state."""
    if state == "raised":
        services = (
            "Specialist services, such as those listed at the top of this report,"
            if resources_shown
            else "Specialist domestic abuse services and support lines"
        )
        return (
            f"{services} talk in confidence and know how to help with situations like this; "
            "so can your doctor. A counsellor or psychologist you see on your own can support "
            "you too. If you are in danger right now, call your local emergency number."
        )
    when = (
        "Consider talking with a professional (a psychologist, a counsellor, your doctor) when "
        "the worry is persistent, drives things you later regret, disturbs your sleep or "
        "health, never eases with reassurance, or echoes older hurts."
    )
    if state == "clear":
        therapy = (
            "Cognitive behavioural, attachment-focused and couples therapy have good evidence."
        )
    else:
        therapy = (
            "Cognitive behavioural and attachment-focused therapy have good evidence. Couples "
            "therapy can help too, but only in a relationship where you feel safe: it is not "
            "advised where a partner controls, threatens or hurts."
        )
    where = (
        "turn to the contacts shown at the top of this report"
        if resources_shown
        else "contact a support line"
    )
    return (
        f"{when} {therapy} If you do not feel safe with your partner, {where} or your local "
        "emergency services."
    )


SAFETY_FIRST_SCORES = (
    "Your safety comes first, so read the scores below with that in mind. Being afraid of a "
    "partner, or controlled by one, raises many of the 'internal pattern' markers: reactions "
    "that look bigger than events (walking on eggshells), reassurance that does not last, "
    "worth that rises and falls with how you are treated. Here those scores describe what you "
    "are going through, not an old pattern of yours."
)
"""Shown above the scores of an instrument whose reading is ``safety-first`` (the fallback
of :func:`safety_first_scores`, for an instrument whose facets are not known)."""

SAFETY_FIRST_MARKERS = {
    "out_of_proportion": "reactions that look bigger than events (walking on eggshells)",
    "neutral_cues": "reading threat into a silence or a short message",
    "vigilance": "keeping a close watch on your partner's mood",
    "fear_of_loss": "fear of being left",
    "fading_reassurance": "reassurance that does not last",
    "contingent_worth": "worth that rises and falls with how you are treated",
}
"""The internal-pattern markers that fear of a partner raises, by facet id."""


def safety_first_scores(facet_ids: Iterable[str]) -> str:
    """Say how to read internal-pattern scores when a safety flag is raised.

    Names the markers of the instrument (``facet_ids``) that being afraid of a partner, or
    controlled by one, raises; never calls the fear an old pattern.
    """
    ids = set(facet_ids)
    named = [text for fid, text in SAFETY_FIRST_MARKERS.items() if fid in ids]
    if not named:
        return SAFETY_FIRST_SCORES
    return (
        "Your safety comes first, so read the scores below with that in mind. Being afraid of "
        "a partner, or controlled by one, raises many of the 'internal pattern' markers: "
        f"{_series(named)}. Here those scores describe what you are going through, not an "
        "old pattern of yours."
    )

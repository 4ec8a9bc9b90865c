"""The plain-language text of reports, in one place (English).

Written from the project's domain model (shared/reference/insecurity-constructs.md):
readings describe a state ("you are experiencing"), never a trait ("you are"); nothing is
a diagnosis; safety comes first; uncertainty is said out loud. Templates show these texts
through the report context, so every format (HTML, Markdown, plain text) says the same.
"""

from __future__ import annotations

from relscales.reports.explain import NOT_A_DIAGNOSIS

__all__ = [
    "ATTACHMENT_INTRO",
    "ATTACHMENT_REGIONS",
    "BANNERS",
    "INTERNAL_PATTERN",
    "NOT_A_DIAGNOSIS",
    "RELATIONSHIP_SIGNAL",
    "SAFETY_HEADING",
    "SEEK_HELP",
    "SOURCE_INTRO",
    "SOURCE_REGIONS",
    "STATE_NOT_TRAIT",
    "STUDY_NOT_A_DIAGNOSIS",
    "WHAT_HELPS",
    "axis_sentence",
]

STUDY_NOT_A_DIAGNOSIS = (
    "Scores and readings describe answers given at one point in time. They are not "
    "diagnoses, and a reading describes a state a respondent was in, not who they are."
)

STATE_NOT_TRAIT = (
    "Your answers can change as your situation changes: another time, or another "
    "relationship, may give a different picture. Every score comes with an interval that "
    "shows how precise it is."
)

SAFETY_HEADING = "Your safety comes first"

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

SOURCE_INTRO = (
    "People with relationship worries most want to know: is it me, or is it the "
    "relationship? This reading compares two kinds of markers in your answers. Often both are "
    "there, in some proportion, and they can feed each other."
)

INTERNAL_PATTERN = (
    "Internal pattern means signs that the alarm would likely sound in any relationship: the "
    "same worries with different partners, reactions bigger than what set them off, "
    "reassurance that soothes only briefly, fears that feel old and familiar, and a sense of "
    "worth that rises and falls with the relationship. Patterns like this are common, are "
    "usually learned for understandable reasons, and can change."
)

RELATIONSHIP_SIGNAL = (
    "Relationship signal means signs that something in this relationship gives real cause "
    "for doubt: repeated dishonesty or inconsistency, feelings brushed off or mocked, feeling "
    "worse about yourself since being together, concern from people you trust, and secrecy "
    "where openness would be expected. Then the doubt may be an accurate signal, worth "
    "listening to."
)

SOURCE_REGIONS = {
    "internal": (
        "Your answers show more markers of an internal pattern than of a relationship signal. "
        "The worry you are experiencing may come more from an old alarm than from what is "
        "happening in this relationship. That does not make it imagined or your fault."
    ),
    "relational": (
        "Your answers show more markers of a relationship signal than of an internal pattern. "
        "Your doubts may be responding to real things in this relationship. Taking them "
        "seriously, and talking them through with someone you trust, can help you decide "
        "what you need."
    ),
    "both": (
        "Your answers show markers of both an internal pattern and a relationship signal. "
        "This is common: an old alarm and real problems in a relationship often amplify each "
        "other, so it can help to work on both sides."
    ),
    "neither": (
        "Your answers show few markers of either source at the moment: on average, they are "
        "below 'somewhat true' on both. If you still feel insecure, these questions may not "
        "have captured what is going on for you."
    ),
    "indeterminate": (
        "Your answers sit too close to the cut point on at least one side to say which source "
        "stands out: the interval around your score reaches the cut. This is an honest "
        "'cannot tell yet', not a finding about you."
    ),
    "missing": "Too many answers are missing for this reading, so none is given.",
}

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
    "indeterminate": SOURCE_REGIONS["indeterminate"],
    "missing": SOURCE_REGIONS["missing"],
}

WHAT_HELPS = (
    "Understanding the pattern is where change starts.",
    "Notice your triggers: a short note of the situation, the thought and the feeling when "
    "the worry flares.",
    "Tell your partner what you need, without blame, and agree on small rituals: a check-in, "
    "a pause rule in heated moments, calling instead of texting when tone matters.",
    "Build your sense of worth and your support outside the relationship: friends, interests, "
    "rest.",
    "Limit comparison, for example time spent on other couples' lives on social media.",
)

SEEK_HELP = (
    "Consider talking with a professional (a psychologist, a counsellor, your doctor) when "
    "the worry is persistent, drives things you later regret, disturbs your sleep or health, "
    "never eases with reassurance, or echoes older hurts. Cognitive behavioural, "
    "attachment-focused and couples therapy have good evidence. If you are not safe, "
    "contact the resources listed at the top of this report or local emergency services."
)


def axis_sentence(level: str | None, cut: float, name: str) -> str:
    """Say where one axis of a reading stands against its cut point."""
    if level == "high":
        return f"{name}: the whole interval lies above the cut {cut:g}."
    if level == "low":
        return f"{name}: the whole interval lies below the cut {cut:g}."
    if level is None:
        return f"{name}: missing."
    return f"{name}: the interval reaches the cut {cut:g}, so this side cannot be told yet."

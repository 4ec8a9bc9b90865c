"""Clinical scenarios: respondents a clinician would recognise, and the reading each must get.

Each scenario is a RISI 0.2 respondent built from keyed levels per group of facets (1 = "Not
at all true" / "Never" ... 5 = "Completely true" / "Very often", after reverse keying), then
per facet, with named items overridden (9 = "Does not apply") or left blank, and with the
three context questions answered. The table is mirrored in docs/methods.md ("Readings: the
scenario suite"); the tests run every scenario through the RISI and through the battery (with
ECR-R and RSES answers that fit the scenario) and check the reading, every flag (safety,
context, seek-help) and the honest-uncertainty rules, and render every scenario as a person
report (html, md, txt) and through ``--explain``.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import relscales
from relscales.pipeline.score import compile_ref, score_compiled
from relscales.scoring.options import ScoreOptions
from relscales.scoring.readings import INDETERMINATE, SAFETY_FIRST
from relscales.scoring.results import ScoreResult

INSTRUMENTS = Path(__file__).resolve().parents[2] / "instruments"
NA = 9
"""The "Does not apply" code of the scales ``past5``, ``true5na`` and ``often5``."""

GROUPS = {
    "internal-pattern": "internal",
    "relationship-signal": "signal",
    "behaviour": "behaviour",
    "seek-help": "help",
}
"""The tag of a facet -> the Scenario field that gives its default keyed level."""

CONTEXT = {"cx_past": 3, "cx_length": 3, "cx_daily": 3}
"""Default context answers: past partners, together 1-3 years, partner part of daily life."""

SIGNALS = [
    "dishonesty",
    "dismissed",
    "put_downs",
    "coldness",
    "betrayal",
    "partner_control",
    "worse_since",
    "others_concern",
    "secrecy",
]


@functools.cache
def risi_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((INSTRUMENTS / "risi.yaml").read_text(encoding="utf-8"))
    return spec


@functools.cache
def facet_of() -> dict[str, tuple[str, str]]:
    """Item id -> (its facet, the facet's group tag)."""
    out: dict[str, tuple[str, str]] = {}
    for sub in risi_spec()["subscales"]:
        for item_id in sub["items"]:
            out[item_id] = (sub["id"], sub["tags"][0])
    return out


def items_of(facet: str) -> list[str]:
    sub = next(s for s in risi_spec()["subscales"] if s["id"] == facet)
    items: list[str] = sub["items"]
    return items


def partner_behaviour_items() -> list[str]:
    """Relationship-signal items about the partner's behaviour in the past four weeks."""
    items = risi_spec()["items"]
    return [i["id"] for i in items if i["id"].startswith("rs_") and i["scale"] == "often5"]


def partner_true_items() -> list[str]:
    """The reversed "how true" statements about the partner of those same facets."""
    facets = {facet_of()[i][0] for i in partner_behaviour_items()}
    items = risi_spec()["items"]
    return [
        i["id"]
        for i in items
        if i["id"].startswith("rs_") and i["scale"] == "true5" and facet_of()[i["id"]][0] in facets
    ]


@dataclass(frozen=True)
class Scenario:
    """One respondent: keyed level per group, then per facet, then raw item answers."""

    id: str
    title: str
    reading: str
    why: str
    internal: int = 1
    signal: int = 1
    behaviour: int = 1
    help: int = 1
    """Keyed level of the six seek-help questions (1 = "Not at all true")."""
    facets: dict[str, int] = field(default_factory=dict)
    items: dict[str, int | None] = field(default_factory=dict)
    """Raw answers (before reverse keying); None = left blank, 9 = "Does not apply"."""
    safety: dict[str, int | None] = field(default_factory=dict)
    """Safety items answered other than 1 ("Not at all true"); None = skipped."""
    context: dict[str, int | None] = field(default_factory=dict)
    """Context answers other than the defaults of ``CONTEXT``; None = left blank."""
    raised: frozenset[str] = frozenset()
    """The context and seek-help flags that must be raised; every other one must not be."""
    anxiety: int = 6
    """ECR-R keyed level of the anxiety items (1-7), for the battery."""
    avoidance: int = 2
    self_esteem: int = 1
    """RSES keyed level (0-3) of every item, for the battery."""
    flag: bool | None = False
    """The safety flag."""
    battery: str | None = None
    """The battery's reading, when it differs from ``reading``."""

    def answers(self) -> dict[str, int | None]:
        row: dict[str, int | None] = {}
        levels = {
            "internal": self.internal,
            "signal": self.signal,
            "behaviour": self.behaviour,
            "help": self.help,
        }
        for item in risi_spec()["items"]:
            item_id = item["id"]
            if item.get("context"):
                row[item_id] = self.context.get(item_id, CONTEXT[item_id])
                continue
            if item_id.startswith("sf_"):
                row[item_id] = self.safety.get(item_id, 1)
                continue
            facet, tag = facet_of()[item_id]
            keyed = self.facets.get(facet, levels[GROUPS[tag]])
            row[item_id] = 6 - keyed if item.get("reverse") else keyed
        row.update(self.items)
        return row


SCENARIOS = [
    # --- the scenarios of the 0.1 suite, on 0.2 items -----------------------------------------
    Scenario(
        "coercive-control",
        "Coercive control without lying",
        SAFETY_FIRST,
        "Afraid of the partner, who controls money and daily life and cuts them off from "
        "friends; no lying, and many internal-pattern markers (fear of a partner raises "
        "them). The safety flag governs: no source reading at all, never 'internal'.",
        internal=4,
        signal=1,
        behaviour=3,
        safety={"sf_fear": 3, "sf_control": 4, "sf_money": 4, "sf_isolate": 3},
        flag=True,
    ),
    Scenario(
        "one-betrayal",
        "One strong dishonesty signal, an attentive partner",
        "both",
        "Caught the partner lying repeatedly, stories do not add up, things are hidden; the "
        "partner listens and is otherwise kind, so the other facets are quiet. One clear "
        "signal raises the relationship side on its own (rule any): 'both', never 'internal'.",
        internal=4,
        signal=1,
        behaviour=3,
        facets={"dishonesty": 5, "secrecy": 4},
    ),
    Scenario(
        "hot-and-cold",
        "A hot-and-cold partner, felt as self-doubt",
        "both",
        "Reassurance fades (an internal marker a warm-then-cold partner produces), the "
        "partner brushes off feelings, and the respondent feels worse about themselves "
        "since; worse_since is clearly raised, so the relationship side is too.",
        internal=2,
        signal=2,
        behaviour=3,
        facets={
            "fading_reassurance": 5,
            "out_of_proportion": 4,
            "contingent_worth": 4,
            "old_fears": 4,
            "vigilance": 4,
            "neutral_cues": 4,
            "fear_of_loss": 4,
            "recurrence": 3,
            "worse_since": 5,
            "dismissed": 4,
        },
    ),
    Scenario(
        "anxious-safe",
        "An anxious person in a safe, responsive relationship",
        "internal",
        "The same worries with every partner, reactions larger than events, reassurance "
        "that fades, old fears; every relationship marker and the safety screen clearly "
        "low. The one case where 'internal' is given.",
        internal=5,
        signal=1,
        behaviour=4,
    ),
    Scenario(
        "first-relationship",
        "A first relationship, not declared",
        "internal",
        "The context question on past partners is left blank and so are the recurrence "
        "items, as the instructions allow; recurrence is optional, so the internal side is "
        "read from the other eight facets (recurrence not assessed).",
        internal=5,
        signal=1,
        behaviour=3,
        items=dict.fromkeys(("ip_rec4", "ip_rec5", "ip_rec6")),
        context={"cx_past": None},
    ),
    Scenario(
        "secure",
        "Secure, with few worries",
        "neither",
        "Few markers of either source; every interval clearly below the cut.",
        internal=1,
        signal=1,
        behaviour=1,
        anxiety=1,
        avoidance=1,
        self_esteem=3,
    ),
    Scenario(
        "safety-skipped",
        "Safety questions skipped",
        INDETERMINATE,
        "Strong internal markers and quiet relationship facets, but the safety items are "
        "blank: safety could not be checked, the flag is unknown, and without the screen "
        "the relationship side cannot be called low, so no 'internal' reading.",
        internal=5,
        signal=1,
        behaviour=3,
        safety={f"sf_{k}": None for k in ("fear", "control", "money", "isolate")}
        | {f"sf_{k}": None for k in ("threat", "harm", "sex")},
        flag=None,
    ),
    Scenario(
        "mild-fear",
        "Mild fear of the partner only",
        SAFETY_FIRST,
        "'A little true' on being afraid of the partner, everything else quiet. The flag "
        "fires at the first step above 'Not at all': a missed danger costs more than a "
        "false alarm.",
        internal=2,
        signal=1,
        behaviour=1,
        safety={"sf_fear": 2},
        flag=True,
    ),
    Scenario(
        "both-high",
        "Both sources high",
        "both",
        "Old, recurring fears and every relationship signal raised: both sides clearly raised.",
        internal=5,
        signal=5,
        behaviour=4,
    ),
    Scenario(
        "relational",
        "Doubts that answer to this relationship",
        "relational",
        "No history of such fears, but dishonesty, dismissal, put-downs, coldness, secrecy "
        "and friends' concern.",
        internal=1,
        signal=5,
        behaviour=2,
        anxiety=2,
        self_esteem=3,
    ),
    Scenario(
        "avoidant-withdrawer",
        "An avoidant withdrawer",
        "neither",
        "Pulls away first and keeps distance, but reports few worries about being loved and "
        "no relationship signals: the RISI's source reading is 'neither' (it is not an "
        "avoidance measure); the battery's ECR-R shows the avoidance (dismissing).",
        internal=1,
        signal=1,
        behaviour=1,
        facets={"withdrawing": 5},
        anxiety=1,
        avoidance=6,
        self_esteem=3,
    ),
    Scenario(
        "near-the-cut",
        "Markers around 'somewhat true'",
        INDETERMINATE,
        "Internal-pattern answers all 'Somewhat true': the interval reaches the cut, so the "
        "honest answer is 'cannot tell yet'.",
        internal=3,
        signal=1,
        behaviour=2,
        anxiety=5,
        self_esteem=2,
        battery=INDETERMINATE,
    ),
    # --- what RISI 0.2 can tell that 0.1 could not ----------------------------------------------
    Scenario(
        "put-downs",
        "Put-downs alone",
        "relational",
        "The partner insults them, makes them feel small in front of others and says hurtful "
        "things about who they are; nothing else is wrong and few internal markers. "
        "Put-downs are a relationship signal on their own: never 'internal'.",
        internal=2,
        signal=1,
        behaviour=2,
        facets={"put_downs": 5},
        anxiety=3,
        self_esteem=2,
    ),
    Scenario(
        "put-downs-afraid",
        "Put-downs, and a little afraid",
        SAFETY_FIRST,
        "The same put-downs, worth that falls with them, and 'A little true' on being afraid "
        "of the partner: the screen is raised, so safety comes first.",
        internal=4,
        signal=1,
        behaviour=2,
        facets={"put_downs": 5},
        safety={"sf_fear": 2},
        flag=True,
    ),
    Scenario(
        "monitored",
        "A partner's monitoring and jealousy alone",
        "both",
        "The partner checks their phone, wants to know where they are at all times, is "
        "jealous of their friends and says whom they may see (below the safety screen's "
        "threshold); the respondent is anxious too. One raised facet is enough: 'both', "
        "never 'internal'.",
        internal=4,
        signal=1,
        behaviour=3,
        facets={"partner_control": 5},
    ),
    Scenario(
        "past-betrayal",
        "Betrayal in this relationship's past, a calm present",
        "both",
        "The partner cheated and kept a secret romance earlier in this relationship; the "
        "past four weeks are calm on every other signal, and suspicion, vigilance and fear "
        "of loss are high. Betrayal is asked about the relationship as a whole, so it still "
        "raises the relationship side.",
        internal=4,
        signal=1,
        behaviour=3,
        facets={"betrayal": 5},
    ),
    Scenario(
        "hot-and-cold-partner",
        "A hot-and-cold partner who produces fading reassurance and vigilance",
        "both",
        "The partner goes cold for no clear reason, holds back affection, is warm one day "
        "and cold the next; the respondent's reassurance fades and they watch the partner's "
        "mood closely. Coldness is clearly raised: 'both', never 'internal', although the "
        "internal markers are ones such a partner produces.",
        internal=3,
        signal=1,
        behaviour=3,
        facets={
            "coldness": 5,
            "fading_reassurance": 5,
            "vigilance": 5,
            "neutral_cues": 4,
            "fear_of_loss": 4,
            "contingent_worth": 4,
            "out_of_proportion": 4,
        },
    ),
    Scenario(
        "first-declared",
        "A first relationship, declared, recurrence answered anyway",
        "internal",
        "'No, this is my first partner' on the context question; the recurrence items were "
        "answered anyway. Recurrence does not apply: it is blanked, left out of the index, "
        "and the reading rests on the other eight facets.",
        internal=5,
        signal=1,
        behaviour=3,
        items={"ip_rec4": 1, "ip_rec5": 1, "ip_rec6": 5},
        context={"cx_past": 1},
    ),
    Scenario(
        "first-declared-new",
        "A first relationship, declared, a few weeks old",
        "internal",
        "First partner declared, recurrence left blank, together under three months: "
        "recurrence does not apply, the reading is given from the other facets, and the "
        "early-days note is shown.",
        internal=5,
        signal=1,
        behaviour=3,
        items=dict.fromkeys(("ip_rec4", "ip_rec5", "ip_rec6")),
        context={"cx_past": 1, "cx_length": 1},
        raised=frozenset({"early_days"}),
    ),
    Scenario(
        "no-comfort",
        "Reassurance does not apply",
        "internal",
        "'Does not apply' to all three fading-reassurance items (no comfort was given or "
        "needed): the facet is optional, left out and counted, and the reading is still "
        "given from the other eight facets.",
        internal=5,
        signal=1,
        behaviour=3,
        items=dict.fromkeys(("ip_fad4", "ip_fad5", "ip_fad6"), NA),
    ),
    Scenario(
        "apart",
        "A partner no longer part of daily life",
        INDETERMINATE,
        "Apart now ('No, we are apart now'); every four-week question about the partner's "
        "behaviour is answered 'Does not apply' and the partner statements without that "
        "option are left blank. Six relationship facets cannot be scored, so the "
        "relationship side cannot be told: never 'internal'. The apart note is shown.",
        internal=4,
        signal=1,
        behaviour=2,
        items=dict.fromkeys(partner_behaviour_items(), NA) | dict.fromkeys(partner_true_items()),
        context={"cx_daily": 1},
        raised=frozenset({"apart"}),
    ),
    Scenario(
        "seek-help",
        "Worries that weigh: the signs that help could be useful",
        "internal",
        "An anxious person in a safe relationship whose worries have gone on for months, "
        "spoil their sleep and never ease for long (answered 'Mostly true' or higher); no "
        "regretted actions, no older hurts. Exactly those three seek-help flags are raised.",
        internal=5,
        signal=1,
        behaviour=4,
        items={"sh_long": 5, "sh_sleep": 4, "sh_ease": 4, "sh_regret": 3, "sh_echo": 2},
        raised=frozenset({"help_persistent", "help_sleep_health", "help_never_eases"}),
    ),
]

IDS = [s.id for s in SCENARIOS]


def _columns(rows: list[dict[str, int | None]], ids: list[str]) -> dict[str, list[Any]]:
    data: dict[str, list[Any]] = {"id": ids}
    for key in rows[0]:
        data[key] = [row[key] for row in rows]
    return data


def index(scenario_id: str) -> int:
    return IDS.index(scenario_id)


@functools.cache
def scored_risi() -> ScoreResult:
    rows = [s.answers() for s in SCENARIOS]
    return score_compiled(
        [compile_ref("risi", ())],
        _columns(rows, IDS),
        ScoreOptions(with_ci=True, with_counts=True, details=True),
    )


def _battery_row(s: Scenario) -> dict[str, int | None]:
    ecr = relscales.load_instrument("ecr-r").spec
    rses = relscales.load_instrument("rses").spec
    row = s.answers()
    for item in ecr.items:
        anxiety = item.id in ecr.subscales[0].items
        level = s.anxiety if anxiety else s.avoidance
        row[item.id] = 8 - level if item.reverse else level
    for item in rses.items:
        row[item.id] = 3 - s.self_esteem if item.reverse else s.self_esteem
    return row


@functools.cache
def scored_battery() -> ScoreResult:
    rows = [_battery_row(s) for s in SCENARIOS]
    return relscales.score("relationship-insecurity-battery", _columns(rows, IDS))


def test_there_are_at_least_twenty_distinct_scenarios() -> None:
    assert len(SCENARIOS) >= 20
    assert len(set(IDS)) == len(SCENARIOS)
    assert len({tuple(sorted(s.answers().items(), key=str)) for s in SCENARIOS}) == len(SCENARIOS)


def test_the_methods_table_lists_every_scenario_with_its_reading() -> None:
    """docs/methods.md ("The scenario suite") mirrors this file: same ids, same readings."""
    text = (INSTRUMENTS.parent / "docs" / "methods.md").read_text(encoding="utf-8")
    section = text.split("### The scenario suite", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    table = {}
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        table[cells[0].strip("`")] = cells[2].strip("`")
    assert table == {s.id: s.reading for s in SCENARIOS}


def test_the_scenarios_answer_every_risi_0_2_item_and_only_those() -> None:
    item_ids = [item["id"] for item in risi_spec()["items"]]
    assert risi_spec()["version"].startswith("0.2.")
    for s in SCENARIOS:
        assert list(s.answers()) == item_ids, s.id
        assert set(s.facets) <= {sub["id"] for sub in risi_spec()["subscales"]}, s.id


def test_the_risi_flags_are_the_ones_the_scenarios_name() -> None:
    """Every flag the scenarios check exists, so a renamed flag cannot pass unnoticed."""
    kinds = {f["id"]: f.get("kind") for f in risi_spec()["flags"]}
    named = {flag for s in SCENARIOS for flag in s.raised}
    assert named <= set(kinds)
    assert {f for f, k in kinds.items() if k in ("context", "seek-help")} <= named | {
        "help_regret",
        "help_older_hurts",
    }


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_each_scenario_gets_its_reading(scenario: Scenario) -> None:
    result = scored_risi()
    k = index(scenario.id)
    assert result.columns["flag_safety"][k] is scenario.flag
    assert result.columns["insecurity_source"][k] == scenario.reading, scenario.why
    if scenario.reading != SAFETY_FIRST:
        assert result.columns["insecurity_source"][k] != "internal" or scenario.flag is False


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_each_scenario_raises_exactly_its_context_and_seek_help_flags(
    scenario: Scenario,
) -> None:
    result = scored_risi()
    k = index(scenario.id)
    for flag in risi_spec()["flags"]:
        if flag["id"] == "safety":
            continue
        want = flag["id"] in scenario.raised
        assert result.columns[f"flag_{flag['id']}"][k] is want, (flag["id"], scenario.id)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_the_battery_agrees_where_the_risi_is_clear(scenario: Scenario) -> None:
    """Safety-first and 'never internal while a signal is raised' hold in the battery too."""
    result = scored_battery()
    k = index(scenario.id)
    got = result.columns["insecurity_source_combined"][k]
    assert result.columns["insecurity_source"][k] == scenario.reading
    assert result.columns["flag_safety"][k] is scenario.flag
    for flag in risi_spec()["flags"]:
        if flag["id"] != "safety":
            assert result.columns[f"flag_{flag['id']}"][k] is (flag["id"] in scenario.raised)
    if scenario.reading == SAFETY_FIRST:
        assert got == SAFETY_FIRST
    elif scenario.reading in ("both", "relational"):
        assert got in ("both", "relational", INDETERMINATE)  # the y side is the RISI's
    if scored_risi().details["insecurity_source.y_level"][k] != "low":
        # the battery judges the same relationship markers: a side that is not clearly low in
        # the RISI is never low in the battery
        assert got not in ("internal", "neither")
    if scenario.battery is not None or scenario.reading != INDETERMINATE:
        assert got == (scenario.battery or scenario.reading)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_no_scenario_with_a_raised_or_untold_marker_reads_internal(scenario: Scenario) -> None:
    """A relationship marker whose interval reaches the cut (or is missing) never reads internal."""
    result = scored_risi()
    k = index(scenario.id)
    for marker in [*SIGNALS, "safety"]:
        high = float(result.columns[f"{marker}_ci_high"][k])
        if np.isnan(high) or high >= 3:
            assert result.columns["insecurity_source"][k] not in ("internal", "neither"), marker


def test_the_avoidant_withdrawer_shows_in_the_attachment_reading() -> None:
    result = scored_battery()
    k = index("avoidant-withdrawer")
    assert result.columns["attachment_style"][k] == "dismissing"
    assert result.scores["withdrawing"][k] == 5.0


def test_first_relationship_reads_without_recurrence() -> None:
    result = scored_risi()
    k = index("first-relationship")
    assert np.isnan(result.scores["recurrence"][k])  # blank, below min_answered
    assert result.details["recurrence.not_applicable"][k] is not True  # not declared
    assert result.scores["internal_pattern"][k] == 5.0


@pytest.mark.parametrize("scenario_id", ["first-declared", "first-declared-new"])
def test_a_declared_first_relationship_leaves_recurrence_out_whatever_was_answered(
    scenario_id: str,
) -> None:
    result = scored_risi()
    k = index(scenario_id)
    assert result.details["recurrence.not_applicable"][k]
    assert np.isnan(result.scores["recurrence"][k])
    assert np.isnan(result.columns["recurrence_ci_low"][k])
    # the answers 1, 1, 5 (keyed 1) would pull the index down, had they been used
    assert result.scores["internal_pattern"][k] == 5.0
    assert result.details["insecurity_source.x_level"][k] == "high"
    assert result.columns["insecurity_source"][k] == "internal"


def test_does_not_apply_is_counted_never_scored_and_the_facet_left_out() -> None:
    result = scored_risi()
    k = index("no-comfort")
    assert np.isnan(result.scores["fading_reassurance"][k])
    assert result.columns["fading_reassurance_n_not_applicable"][k] == 3
    assert result.columns["fading_reassurance_n_answered"][k] == 0
    assert result.scores["internal_pattern"][k] == 5.0
    assert result.columns["insecurity_source"][k] == "internal"
    other = index("anxious-safe")
    assert result.columns["fading_reassurance_n_not_applicable"][other] == 0


def test_apart_the_relationship_side_cannot_be_told() -> None:
    result = scored_risi()
    k = index("apart")
    unscored = {facet_of()[i][0] for i in partner_behaviour_items()}
    assert unscored == {
        "dishonesty",
        "dismissed",
        "put_downs",
        "coldness",
        "partner_control",
        "secrecy",
    }
    for facet in unscored:
        assert np.isnan(result.scores[facet][k]), facet
        assert result.columns[f"{facet}_n_not_applicable"][k] == len(items_of(facet)) - 1
    for facet in ("betrayal", "worse_since", "others_concern", "safety"):
        assert result.columns[f"{facet}_ci_high"][k] < 3, facet
    assert result.details["insecurity_source.x_level"][k] == "high"
    assert result.details["insecurity_source.y_level"][k] == INDETERMINATE
    assert result.columns["insecurity_source"][k] == INDETERMINATE
    assert result.columns["flag_apart"][k] is True


@pytest.mark.parametrize(
    ("scenario_id", "marker"),
    [
        ("one-betrayal", "dishonesty"),
        ("put-downs", "put_downs"),
        ("monitored", "partner_control"),
        ("past-betrayal", "betrayal"),
        ("hot-and-cold-partner", "coldness"),
    ],
)
def test_one_clear_signal_is_not_averaged_away(scenario_id: str, marker: str) -> None:
    """The relationship-signal mean is below the cut, yet the relationship side is raised."""
    result = scored_risi()
    k = index(scenario_id)
    assert result.scores["relationship_signal"][k] < 3
    assert result.columns["relationship_signal_ci_high"][k] < 3
    assert result.columns[f"{marker}_ci_low"][k] > 3
    assert result.details["insecurity_source.y_level"][k] == "high"
    assert result.columns["insecurity_source"][k] in ("both", "relational")


def test_a_hot_and_cold_partner_raises_internal_markers_that_stay_out_of_internal() -> None:
    result = scored_risi()
    k = index("hot-and-cold-partner")
    for facet in ("fading_reassurance", "vigilance"):
        assert result.columns[f"{facet}_ci_low"][k] > 3, facet
    assert result.details["insecurity_source.x_level"][k] == "high"
    assert result.columns["insecurity_source"][k] == "both"


def test_the_past_betrayal_is_the_only_raised_signal() -> None:
    result = scored_risi()
    k = index("past-betrayal")
    raised = [m for m in SIGNALS if result.columns[f"{m}_ci_low"][k] > 3]
    assert raised == ["betrayal"]
    assert result.scores["betrayal"][k] == 5.0


# ---------------------------------------------------------------------------------------------
# Every surface: person reports (html, md, txt) and --explain say what each reading needs
# ---------------------------------------------------------------------------------------------

# phrases that must never reach someone whose reading is safety-first
UNSAFE = (
    "couples therapy have good evidence",
    "tell your partner what you need",
    "pause rule",
    "old alarm",
    "reading: internal",
    "reading: both",
    "reading: relational",
    "reading: neither",
)


@functools.cache
def reports(instrument: str) -> dict[str, dict[str, str]]:
    """Each scenario's person report in every format, from one scoring of the battery data."""
    import datetime

    from relscales.pipeline.report import score_for_report
    from relscales.reports.render import render_person_report

    rows = [_battery_row(s) for s in SCENARIOS]
    prepared = score_for_report([instrument], _columns(rows, IDS))
    out: dict[str, dict[str, str]] = {}
    for k, s in enumerate(SCENARIOS):
        out[s.id] = {
            fmt: render_person_report(
                prepared.result,
                prepared.compiled,
                k,
                fmt=fmt,  # type: ignore[arg-type]
                battery=prepared.battery,
                clock=lambda: datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            )
            for fmt in ("html", "md", "txt")
        }
    return out


@pytest.mark.parametrize("instrument", ["risi", "relationship-insecurity-battery"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_every_report_format_says_what_the_reading_needs(
    scenario: Scenario, instrument: str
) -> None:
    messages = {
        f["id"]: " ".join(f["message"]["en"].lower().split())
        for f in risi_spec()["flags"]
        if f["id"] != "safety"
    }
    for fmt, text in reports(instrument)[scenario.id].items():
        flat = " ".join(html.unescape(text).lower().replace("*", "").split())
        assert "old alarm" not in flat, fmt
        assert "not a diagnosis" in flat, fmt
        assert "experimental" in flat, fmt
        if scenario.reading == SAFETY_FIRST:
            for phrase in UNSAFE:
                assert phrase not in flat, (fmt, phrase)
            assert "your safety comes first" in flat, fmt
            assert "not your fault" in flat, fmt
            assert "1-800-799-7233" in text, fmt
            assert "see this device" in flat, fmt  # others may see the device or report
            assert "not an old pattern of yours" in flat, fmt  # how to read the scores
        else:
            assert "your safety comes first" not in flat, fmt
        if scenario.flag is None:
            assert "safety could not be checked" in flat, fmt
            assert "couples therapy have good evidence" not in flat, fmt
        if scenario.id.startswith("first-"):
            assert "recurrence across partners could not be assessed" in flat, fmt
        if scenario.id in ("no-comfort", "apart"):
            assert "did not apply" in flat, fmt
        if scenario.reading != SAFETY_FIRST:
            # context notes and the seek-help criteria that apply, and only those
            for flag, message in messages.items():
                assert (message in flat) is (flag in scenario.raised), (fmt, flag)
        if "listed at the top" in flat:
            assert "1-800-799-7233" in text, fmt


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_explain_shows_the_flag_first_and_never_a_region_under_safety_first(
    scenario: Scenario, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from relscales.cli import app

    path = tmp_path / "scenarios.csv"
    rows = [s.answers() for s in SCENARIOS]
    keys = list(rows[0])
    lines = ["id," + ",".join(keys)]
    for s, row in zip(SCENARIOS, rows, strict=True):
        lines.append(s.id + "," + ",".join("" if row[k] is None else str(row[k]) for k in keys))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["score", str(path), "-i", "risi", "--explain", scenario.id])
    assert result.exit_code == 0, result.output
    out = result.stdout
    reading_line = next(
        line for line in out.splitlines() if "Where the insecurity seems to come from:" in line
    )
    assert reading_line.split(":", 1)[1].strip().startswith(scenario.reading)
    if scenario.reading == SAFETY_FIRST:
        assert out.index("URGENT flag_safety") < out.index(" = ")  # the flag before any score
        assert "indeterminate (descriptive)" not in out
    for flag in scenario.raised:
        assert f"flag_{flag}" in out, flag

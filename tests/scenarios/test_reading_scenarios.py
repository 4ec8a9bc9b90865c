"""Clinical scenarios: respondents a clinician would recognise, and the reading each must get.

Each scenario is a RISI respondent built from keyed levels per facet (1 = "Not at all true"
... 5 = "Completely true" after reverse keying), with named items overridden or left blank.
The table is mirrored in docs/methods.md ("Readings: the scenario suite"); the tests run
every scenario through the RISI and through the battery (with ECR-R and RSES answers that
fit the scenario) and check the reading, the flags and the honest-uncertainty rules.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import relscales
from relscales.scoring.readings import INDETERMINATE, SAFETY_FIRST
from relscales.scoring.results import ScoreResult

INSTRUMENTS = Path(__file__).resolve().parents[2] / "instruments"

FACETS = {
    "recurrence": "ip_rec",
    "out_of_proportion": "ip_opp",
    "fading_reassurance": "ip_fad",
    "old_fears": "ip_old",
    "contingent_worth": "ip_wor",
    "dishonesty": "rs_dis",
    "dismissed": "rs_dsm",
    "worse_since": "rs_wrs",
    "others_concern": "rs_oth",
    "secrecy": "rs_sec",
    "reassurance_seeking": "bh_rea",
    "checking": "bh_chk",
    "testing": "bh_tst",
    "withdrawing": "bh_wdr",
    "jealousy": "bh_jea",
}
INTERNAL = [
    "recurrence",
    "out_of_proportion",
    "fading_reassurance",
    "old_fears",
    "contingent_worth",
]
SIGNALS = ["dishonesty", "dismissed", "worse_since", "others_concern", "secrecy"]


@functools.cache
def risi_items() -> tuple[dict[str, Any], ...]:
    spec = yaml.safe_load((INSTRUMENTS / "risi.yaml").read_text(encoding="utf-8"))
    return tuple(spec["items"])


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
    facets: dict[str, int] = field(default_factory=dict)
    items: dict[str, int | None] = field(default_factory=dict)
    """Raw answers (before reverse keying); None = left blank."""
    safety: dict[str, int | None] = field(default_factory=dict)
    """Safety items answered other than 1 ("Not at all true"); None = skipped."""
    anxiety: int = 6
    """ECR-R keyed level of the anxiety items (1-7), for the battery."""
    avoidance: int = 2
    self_esteem: int = 1
    """RSES keyed level (0-3) of every item, for the battery."""
    flag: bool | None = False
    battery: str | None = None
    """The battery's reading, when it differs from ``reading``."""

    def answers(self) -> dict[str, int | None]:
        row: dict[str, int | None] = {}
        for item in risi_items():
            item_id = item["id"]
            if item_id.startswith("sf_"):
                row[item_id] = self.safety.get(item_id, 1)
                continue
            facet = next(f for f, prefix in FACETS.items() if item_id.startswith(prefix))
            group = {"ip": self.internal, "rs": self.signal, "bh": self.behaviour}[item_id[:2]]
            keyed = self.facets.get(facet, group)
            row[item_id] = 6 - keyed if item.get("reverse") else keyed
        row.update(self.items)
        return row


SCENARIOS = [
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
        "One strong betrayal signal, an attentive partner",
        "both",
        "Caught the partner lying repeatedly, stories do not add up, things are hidden; the "
        "partner listens and is otherwise kind, so three facets are quiet. One clear signal "
        "raises the relationship side on its own (rule any): 'both', never 'internal'.",
        internal=4,
        signal=1,
        behaviour=3,
        facets={"dishonesty": 5, "secrecy": 4},
    ),
    Scenario(
        "hot-and-cold",
        "A hot-and-cold partner",
        "both",
        "Reassurance fades (an internal marker a warm-then-cold partner produces), the "
        "partner says one thing and does another, and the respondent feels worse about "
        "themselves since; worse_since is clearly raised, so the relationship side is too.",
        internal=2,
        signal=2,
        behaviour=3,
        facets={
            "fading_reassurance": 5,
            "out_of_proportion": 4,
            "contingent_worth": 4,
            "old_fears": 4,
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
        "A first relationship",
        "internal",
        "No past partners, so the recurrence items are left blank as the instructions say; "
        "the internal side is read from the other four facets (recurrence not assessed).",
        internal=5,
        signal=1,
        behaviour=3,
        items={"ip_rec1": None, "ip_rec2": None, "ip_rec3": None},
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
        "Old, recurring fears and real dishonesty, dismissal and others' concern: both "
        "sides clearly raised.",
        internal=5,
        signal=5,
        behaviour=4,
    ),
    Scenario(
        "relational",
        "Doubts that answer to this relationship",
        "relational",
        "No history of such fears, but dishonesty, dismissal, secrecy and friends' concern.",
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
        anxiety=4,
        self_esteem=2,
        battery="indeterminate",
    ),
]


def _columns(rows: list[dict[str, int | None]], ids: list[str]) -> dict[str, list[Any]]:
    data: dict[str, list[Any]] = {"id": ids}
    for key in rows[0]:
        data[key] = [row[key] for row in rows]
    return data


@functools.cache
def scored_risi() -> ScoreResult:
    rows = [s.answers() for s in SCENARIOS]
    return relscales.score("risi", _columns(rows, [s.id for s in SCENARIOS]), with_ci=True)


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
    return relscales.score(
        "relationship-insecurity-battery", _columns(rows, [s.id for s in SCENARIOS])
    )


def test_there_are_at_least_ten_distinct_scenarios() -> None:
    assert len(SCENARIOS) >= 10
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)
    assert len({tuple(sorted(s.answers().items(), key=str)) for s in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_each_scenario_gets_its_reading(scenario: Scenario) -> None:
    result = scored_risi()
    k = [s.id for s in SCENARIOS].index(scenario.id)
    assert result.columns["flag_safety"][k] is scenario.flag
    assert result.columns["insecurity_source"][k] == scenario.reading, scenario.why


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_the_battery_agrees_where_the_risi_is_clear(scenario: Scenario) -> None:
    """Safety-first and 'never internal while a signal is raised' hold in the battery too."""
    result = scored_battery()
    k = [s.id for s in SCENARIOS].index(scenario.id)
    got = result.columns["insecurity_source_combined"][k]
    assert result.columns["insecurity_source"][k] == scenario.reading
    if scenario.reading == SAFETY_FIRST:
        assert got == SAFETY_FIRST
    elif scenario.reading in ("both", "relational"):
        assert got in ("both", "relational", INDETERMINATE)  # the y side is the RISI's
        assert got != "internal"
    elif scenario.id == "safety-skipped":
        assert got not in ("internal", "neither", SAFETY_FIRST)
    if scenario.battery is not None or scenario.reading != INDETERMINATE:
        assert got == (scenario.battery or scenario.reading)


def test_the_avoidant_withdrawer_shows_in_the_attachment_reading() -> None:
    result = scored_battery()
    k = [s.id for s in SCENARIOS].index("avoidant-withdrawer")
    assert result.columns["attachment_style"][k] == "dismissing"
    assert result.scores["withdrawing"][k] == 5.0


def test_first_relationship_reads_without_recurrence() -> None:
    result = scored_risi()
    k = [s.id for s in SCENARIOS].index("first-relationship")
    assert result.scores["recurrence"][k] != result.scores["recurrence"][k]  # NaN: blank
    assert result.scores["internal_pattern"][k] == 5.0


def test_one_clear_signal_is_not_averaged_away() -> None:
    """The relationship-signal mean is below the cut, yet the relationship side is raised."""
    result = scored_risi()
    k = [s.id for s in SCENARIOS].index("one-betrayal")
    assert result.scores["relationship_signal"][k] < 3
    assert result.columns["dishonesty_ci_low"][k] > 3
    assert result.columns["insecurity_source"][k] == "both"


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
    prepared = score_for_report([instrument], _columns(rows, [s.id for s in SCENARIOS]))
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
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_every_report_format_says_what_the_reading_needs(
    scenario: Scenario, instrument: str
) -> None:
    for fmt, text in reports(instrument)[scenario.id].items():
        flat = " ".join(text.lower().replace("*", "").split())
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
        if scenario.flag is None:
            assert "safety could not be checked" in flat, fmt
            assert "couples therapy have good evidence" not in flat, fmt
        if scenario.id == "first-relationship":
            assert "recurrence across partners could not be assessed" in flat, fmt
        if "listed at the top" in flat:
            assert "1-800-799-7233" in text, fmt


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
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

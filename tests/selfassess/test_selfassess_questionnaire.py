"""Loading what is administered: wording, overlays, languages, batteries, the takeable list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from relscales.errors import SpecError
from relscales.selfassess.questionnaire import (
    load_questionnaire,
    pick_language,
    takeable,
)

OverlayWriter = Callable[..., Path]


def test_own_instrument_has_wording_scale_and_instructions() -> None:
    q = load_questionnaire("risi")
    assert (q.id, q.kind, q.status, q.language, q.battery) == (
        "risi",
        "instrument",
        "experimental",
        "en",
        None,
    )
    first = q.questions[0]  # the context questions come first, asked like any other
    assert first.key == "risi.cx_past"
    assert first.column == "cx_past"
    assert first.number == 1
    assert first.context
    assert first.text == "Have you had a partner before this one?"
    assert [c.describe() for c in first.choices] == [
        "1 No, this is my first partner",
        "2 Yes, one",
        "3 Yes, more than one",
    ]
    assert first.stem == first.text  # its stem is the question itself: not shown twice
    assert not first.stem_starts
    rec = q.question("risi.ip_rec4")
    assert not rec.context
    assert [c.describe() for c in rec.choices] == [
        "1 Not at all true",
        "2 A little true",
        "3 Somewhat true",
        "4 Mostly true",
        "5 Completely true",
        "n Does not apply",
    ]
    [section] = q.sections
    assert (section.first, section.count, section.language) == (0, 97, "en")
    assert section.instructions is not None
    assert section.instructions.startswith("These questions are about your current relationship")
    assert q.question("risi.sf_harm").number == 96
    with pytest.raises(KeyError):
        q.question("risi.nope")


def test_published_instrument_without_wording_is_refused() -> None:
    with pytest.raises(SpecError) as info:
        load_questionnaire("ecr-r")
    [issue] = info.value.issues
    assert issue.code == "missing-item-text"
    assert "'ecr-r' ships without its item wording" in issue.message
    assert issue.hint is not None
    assert "--texts FILE" in issue.hint


def test_overlay_supplies_wording_and_labels(write_overlay: OverlayWriter) -> None:
    overlay = write_overlay(
        "ecr-r",
        instructions="Rate each statement.",
        scale_labels={"agree7": {2: "Disagree", 3: "Slightly disagree"}},
    )
    q = load_questionnaire("ecr-r", texts=[overlay])
    assert len(q.questions) == 36
    assert q.questions[0].text == "Placeholder statement 1."
    assert [c.describe() for c in q.questions[0].choices][:4] == [
        "1 Strongly disagree",
        "2 Disagree",
        "3 Slightly disagree",
        "4 Neutral/mixed",
    ]
    assert q.questions[0].choices[4].describe() == "5"
    assert q.sections[0].instructions == "Rate each statement."


def test_incomplete_overlay_is_refused(write_overlay: OverlayWriter) -> None:
    with pytest.raises(SpecError) as info:
        load_questionnaire("ecr-r", texts=[write_overlay("ecr-r", only=30)])
    assert [i.code for i in info.value.issues] == ["missing-item-text"]


def test_own_instrument_with_a_gap_in_its_wording(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "instruments" / "rrss.yaml").read_text("utf-8")
    text = text.replace("item_text: included", "item_text: not-included")
    first = '    text: {en: "I asked my partner to confirm that we were okay."}\n'
    assert first in text
    path = tmp_path / "rrss-gap.yaml"
    path.write_text(text.replace(first, ""), "utf-8")
    with pytest.raises(SpecError) as info:
        load_questionnaire(str(path))
    assert "ships without its item wording" in info.value.issues[0].message
    path.write_text(
        text.replace(first, "").replace("item_text: not-included", "item_text: included"),
        "utf-8",
    )
    with pytest.raises(SpecError):  # the loader itself refuses: item_text is included
        load_questionnaire(str(path))


@pytest.mark.parametrize(
    ("available", "wanted", "chosen"),
    [
        pytest.param(["en", "fr"], None, "en", id="default-first"),
        pytest.param(["en", "fr"], "fr", "fr", id="exact"),
        pytest.param(["en", "FR"], "fr", "FR", id="case"),
        pytest.param(["en", "fr"], "fr-CA", "fr", id="base-of-regional"),
        pytest.param(["en", "pt-BR"], "pt", "pt-BR", id="regional-of-base"),
        pytest.param(["en", "pt-PT", "pt-BR"], "pt-BR", "pt-BR", id="exact-regional"),
        pytest.param(["en", "fr"], "de", "en", id="fallback"),
    ],
)
def test_pick_language(available: list[str], wanted: str | None, chosen: str) -> None:
    assert pick_language(available, wanted) == chosen


def test_respondent_language(write_overlay: OverlayWriter) -> None:
    french = write_overlay("risi", "fr", prefix="Énoncé", instructions="Répondez à chaque énoncé.")
    q = load_questionnaire("risi", texts=[french], language="fr")
    assert q.language == "fr"
    assert q.notices == ()
    assert q.questions[0].text == "Énoncé 1."
    assert q.sections[0].instructions == "Répondez à chaque énoncé."
    assert load_questionnaire("risi", texts=[french], language="fr-CA").language == "fr"
    assert load_questionnaire("risi", texts=[french]).language == "en"


def test_language_fallback_is_stated(write_overlay: OverlayWriter) -> None:
    q = load_questionnaire("risi", language="de")
    assert q.language == "en"
    assert q.notices == (
        "Relationship Insecurity Sources Inventory has no wording in 'de'; it is shown in 'en'.",
    )
    partial = write_overlay("risi", "fr", prefix="Énoncé", only=10)
    q = load_questionnaire("risi", texts=[partial], language="fr")
    assert q.language == "en"
    assert "(only 10 of 97 items are translated)" in q.notices[0]


def test_instructions_in_another_language_are_marked(write_overlay: OverlayWriter) -> None:
    french = write_overlay("ecr-r", "fr", prefix="Énoncé")
    english = write_overlay("ecr-r", "en", instructions="Rate each statement.")
    q = load_questionnaire("ecr-r", texts=[english, french], language="fr")
    section = q.sections[0]
    assert (section.language, section.instructions_language) == ("fr", "en")


def test_battery(write_overlay: OverlayWriter) -> None:
    with pytest.raises(SpecError) as info:
        load_questionnaire("relationship-insecurity-battery")
    assert [i.location.instrument for i in info.value.issues] == ["ecr-r", "rses"]
    texts = [write_overlay("ecr-r"), write_overlay("rses")]
    q = load_questionnaire("relationship-insecurity-battery", texts=texts)
    assert (q.kind, q.id, q.status) == (
        "battery",
        "relationship-insecurity-battery",
        "experimental",
    )
    assert [(s.instrument, s.first, s.count) for s in q.sections] == [
        ("risi", 0, 97),
        ("ecr-r", 97, 36),
        ("rses", 133, 10),
    ]
    assert q.battery is not None
    assert [c.id for c in q.compiled] == ["risi", "ecr-r", "rses"]
    assert q.questions[133].key == "rses.rses01"
    assert q.questions[133].section == 2
    assert q.questions[133].choices[0].describe() == "0 Strongly disagree"
    assert q.questions[97].stem is None  # the overlay's ECR-R has no stem
    assert not any(c.not_applicable for c in q.questions[97].choices)


def test_battery_members_sharing_a_column_are_refused(tmp_path: Path) -> None:
    (tmp_path / "rrss-copy.yaml").write_text(
        "relscales: 1\nextends: rrss\nid: rrss-copy\nversion: 0.1.0\nname: A copy\n", "utf-8"
    )
    battery = tmp_path / "twice.yaml"
    battery.write_text(
        "relscales_battery: 1\nid: twice\nversion: 0.1.0\nname: Twice\n"
        "validation: {status: experimental}\ninstruments: [rrss, rrss-copy.yaml]\n",
        "utf-8",
    )
    with pytest.raises(SpecError) as info:
        load_questionnaire(str(battery))
    assert info.value.code == "duplicate-column"
    assert "'rrss' and 'rrss-copy' both read the data column 'rr_frq4'" in str(info.value)


def test_takeable(write_overlay: OverlayWriter, tmp_path: Path) -> None:
    assert [(e.id, e.kind, e.n_items, e.languages) for e in takeable()] == [
        ("risi", "instrument", 97, ("en",)),
        ("rrss", "instrument", 12, ("en",)),
    ]
    texts = [
        write_overlay("ecr-r"),
        write_overlay("rses"),
        write_overlay("risi", "fr", prefix="Énoncé"),
        write_overlay("ecr-r", "fr", prefix="Énoncé"),
    ]
    entries = {e.id: e for e in takeable(texts=texts)}
    assert sorted(entries) == ["ecr-r", "relationship-insecurity-battery", "risi", "rrss", "rses"]
    battery = entries["relationship-insecurity-battery"]
    assert (battery.kind, battery.n_items, battery.languages) == ("battery", 143, ("en",))
    assert entries["risi"].languages == ("en", "fr")
    assert entries["ecr-r"].languages == ("en", "fr")
    only = takeable(texts=texts, only=["rses", "rrss", "no-such-thing", "ecr"])
    assert [e.id for e in only] == ["rrss", "rses"]
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "broken.yaml").write_text("relscales: 1\nid: broken\n", "utf-8")
    assert [e.id for e in takeable(instruments_dir=[lab])] == ["risi", "rrss"]


def test_stems_are_shown_where_they_change() -> None:
    q = load_questionnaire("risi")
    starts = [x for x in q.questions if x.stem_starts]
    assert starts[0].item == "ip_rec4"
    assert starts[0].stem == "Across your past relationships, how true is each statement for you?"
    assert starts[1].item == "ip_opp5"
    assert starts[1].stem == "In the past four weeks, how true is each statement for you?"
    for before, question in zip(q.questions, q.questions[1:], strict=False):
        if question.stem_starts:
            assert question.stem != before.stem
        elif question.stem is not None and question.stem != question.text:
            assert question.stem == before.stem  # same stem as the question before
    # the "Does not apply" variant of a scale with the same stem is not a new group
    assert not q.question("risi.ip_fad4").stem_starts
    safety = q.question("risi.sf_fear")
    assert safety.stem_starts
    assert "this relationship as a whole" in (safety.stem or "")
    assert not any(c.not_applicable for c in safety.choices)  # every person can answer


def test_not_applicable_choices_come_from_the_scale() -> None:
    q = load_questionnaire("risi")
    often = q.question("risi.rs_dis5")
    na = [c for c in often.choices if c.not_applicable]
    assert [(c.value, c.code, c.label) for c in na] == [(9.0, "n", "Does not apply")]
    assert often.offers_not_applicable
    assert [c.code for c in often.choices] == ["1", "2", "3", "4", "5", "n"]
    assert not q.question("risi.ip_opp5").offers_not_applicable
    assert not q.question("risi.cx_past").offers_not_applicable


def test_a_kept_version_can_be_taken() -> None:
    q = load_questionnaire("risi@0.1.1")
    assert (q.id, q.version, len(q.questions)) == ("risi", "0.1.1", 57)
    assert q.questions[0].key == "risi.ip_rec1"
    assert all(x.stem is None and not x.offers_not_applicable for x in q.questions)

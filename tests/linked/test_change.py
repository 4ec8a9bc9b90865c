"""``relscales.change``: change over time per person (docs: ../shared/design/cli.md, "Linked
respondents"; docs/errors.md, linking-column-not-found .. linked-duplicate-wave).

The data come as one file with a wave column (numbers, ISO dates, labels put in order by
``wave_order``), one file per wave, or wide columns with a wave suffix. Every expected value
here is computed by hand from the answers (the CSI-4 is a plain sum of four items), never
read back from relscales.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import relscales
from relscales.errors import RelscalesError

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENTS = ROOT / "instruments"
CSI = ("csi01", "csi02", "csi03", "csi04")
Z95 = 1.959963984540054  # the two-sided 95% critical value of the normal distribution
R = 0.9  # the reliability given for the CSI-4 (it declares none for change)
CUTOFF = 13.5  # the CSI-4's declared cut-off (change: {better: higher, cutoff: 13.5})


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def csi(total: int) -> list[int]:
    """Four CSI-4 answers (item 1 0-6, items 2-4 0-5) that sum to ``total`` (0-21)."""
    assert 0 <= total <= 21
    first = min(6, total)
    rest = total - first
    return [first, *(min(5, max(0, rest - 5 * k)) for k in range(3))]


def long_rows(people: Sequence[tuple[str, Sequence[tuple[Any, int]]]]) -> list[list[Any]]:
    """Rows ``id, wave, csi01..csi04`` from (id, [(wave, total), ...])."""
    return [[pid, wave, *csi(total)] for pid, waves in people for wave, total in waves]


def change_of(path: Path, **options: Any) -> relscales.ChangeResult:
    options.setdefault("reliability", {"satisfaction": R})
    return relscales.change("csi-4", str(path), wave_column="wave", **options)


def column(result: Any, name: str) -> list[Any]:
    return list(result.columns[name].tolist())


def by_id(result: Any, name: str) -> dict[str, Any]:
    return dict(zip(column(result, result.id_column), column(result, name), strict=True))


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def codes(result: Any) -> list[str]:
    return [w.code for w in result.warnings]


# ---------------------------------------------------------------------------------------------
# Ordering waves: numbers, dates, labels
# ---------------------------------------------------------------------------------------------


def test_numeric_waves_are_ordered_as_numbers_not_as_text(tmp_path: Path) -> None:
    # as text "10" < "2" < "9"; as numbers 2 < 9 < 10
    data = write_csv(
        tmp_path / "visits.csv",
        ("id", "wave", *CSI),
        long_rows([("p1", [(10, 20), (2, 5), (9, 11)]), ("p2", [(2.5, 3), (10, 4)])]),
    )
    result = change_of(data)
    assert column(result, "id") == ["p1", "p2"]
    assert column(result, "wave_from") == ["2", "2.5"]
    assert column(result, "wave_to") == ["10", "10"]
    assert column(result, "n_waves") == [3, 2]
    assert column(result, "satisfaction_from") == [5.0, 3.0]
    assert column(result, "satisfaction_to") == [20.0, 4.0]
    assert column(result, "satisfaction_change") == [15.0, 1.0]
    assert result.wave_order == ("2", "2.5", "9", "10")


def test_iso_dates_are_ordered_as_dates(tmp_path: Path) -> None:
    rows = long_rows(
        [
            ("p1", [("2026-03-01", 18), ("2025-12-31", 6), ("2026-01-15", 9)]),
            ("p2", [("2026-01-15 09:30", 12), ("2026-01-15 08:00", 2)]),
        ]
    )
    result = change_of(write_csv(tmp_path / "visits.csv", ("id", "wave", *CSI), rows))
    assert column(result, "wave_from") == ["2025-12-31", "2026-01-15 08:00"]
    assert column(result, "wave_to") == ["2026-03-01", "2026-01-15 09:30"]
    assert column(result, "satisfaction_change") == [12.0, 10.0]


def test_text_waves_follow_wave_order(tmp_path: Path) -> None:
    rows = long_rows(
        [("p1", [("end", 17), ("intake", 4), ("week6", 9)]), ("p2", [("week6", 8), ("intake", 2)])]
    )
    data = write_csv(tmp_path / "visits.csv", ("id", "wave", *CSI), rows)
    result = change_of(data, wave_order=["intake", "week6", "end"])
    assert column(result, "wave_from") == ["intake", "intake"]
    assert column(result, "wave_to") == ["end", "week6"]
    assert column(result, "satisfaction_change") == [13.0, 6.0]
    assert result.wave_order == ("intake", "week6", "end")
    assert list(result.waves.wave.tolist()) == ["intake", "week6", "end", "intake", "week6"]


def test_text_waves_without_an_order_are_refused(tmp_path: Path) -> None:
    rows = long_rows([("p1", [("end", 17), ("intake", 4)]), ("p2", [("week6", 8)])])
    data = write_csv(tmp_path / "visits.csv", ("id", "wave", *CSI), rows)
    with pytest.raises(RelscalesError) as info:
        change_of(data)
    assert info.value.code == "wave-order-unknown"
    assert "end, intake, week6" in str(info.value)
    with pytest.raises(RelscalesError) as info:
        change_of(data, wave_order=["intake", "end"])  # week6 is not listed
    assert info.value.code == "wave-order-unknown"
    assert "'week6'" in str(info.value)


def test_a_missing_wave_column_is_named(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "v.csv", ("id", "Wave", *CSI), long_rows([("p1", [(1, 3)])]))
    with pytest.raises(RelscalesError) as info:
        change_of(data)
    assert info.value.code == "linking-column-not-found"
    assert "Wave" in str(info.value)
    with pytest.raises(RelscalesError) as info:
        relscales.change("csi-4", str(data))  # no way to tell the waves
    assert info.value.code == "invalid-option"


# ---------------------------------------------------------------------------------------------
# One file per wave; wide data with wave suffixes
# ---------------------------------------------------------------------------------------------


def _wave_file(path: Path, people: Sequence[tuple[str, int]]) -> Path:
    return write_csv(path, ("id", *CSI), [[pid, *csi(total)] for pid, total in people])


def test_one_file_per_wave_in_the_order_given(tmp_path: Path) -> None:
    # 'intake' sorts after 'end' alphabetically: the order of the files is what counts
    intake = _wave_file(tmp_path / "intake.csv", [("p1", 4), ("p2", 10), ("p3", 7)])
    end = _wave_file(tmp_path / "end.csv", [("p2", 12), ("p1", 18)])
    result = relscales.change("csi-4", [str(intake), str(end)], reliability={"satisfaction": R})
    assert result.wave_order == ("intake", "end")
    assert by_id(result, "wave_from") == {"p1": "intake", "p2": "intake", "p3": "intake"}
    assert by_id(result, "wave_to") == {"p1": "end", "p2": "end", "p3": None}
    assert by_id(result, "satisfaction_change")["p1"] == 14.0
    assert by_id(result, "satisfaction_change")["p2"] == 2.0
    assert by_id(result, "note")["p3"] == "one wave only"
    assert set(result.waves.source.tolist()) == {str(intake), str(end)}

    labelled = relscales.change(
        "csi-4",
        [str(intake), str(end)],
        wave_labels=["pre", "post"],
        reliability={"satisfaction": R},
    )
    assert labelled.wave_order == ("pre", "post")
    assert by_id(labelled, "wave_to") == {"p1": "post", "p2": "post", "p3": None}
    for name in ("satisfaction_change", "satisfaction_rci"):
        assert all(
            same(a, b) for a, b in zip(column(result, name), column(labelled, name), strict=True)
        )


def test_wave_labels_must_match_the_files(tmp_path: Path) -> None:
    a = _wave_file(tmp_path / "a.csv", [("p1", 4)])
    b = _wave_file(tmp_path / "b.csv", [("p1", 5)])
    for labels in (["one"], ["same", "same"], ["x", "y", "z"]):
        with pytest.raises(RelscalesError) as info:
            relscales.change("csi-4", [str(a), str(b)], wave_labels=labels)
        assert info.value.code == "invalid-option"
    with pytest.raises(RelscalesError) as info:  # a wave column is for one file
        relscales.change("csi-4", [str(a), str(b)], wave_column="wave")
    assert info.value.code == "invalid-option"


def test_wide_data_with_wave_suffixes(tmp_path: Path) -> None:
    header = ("id", *(f"{c}_t1" for c in CSI), *(f"{c}_t2" for c in CSI))
    rows = [
        ["p1", *csi(4), *csi(19)],
        ["p2", *csi(15), *csi(11)],
        ["p3", *csi(9), "", "", "", ""],  # not answered at t2
    ]
    data = write_csv(tmp_path / "wide.csv", header, rows)
    result = relscales.change(
        "csi-4", str(data), wave_suffixes=["_t1", "_t2"], reliability={"satisfaction": R}
    )
    assert result.wave_order == ("t1", "t2")
    assert column(result, "id") == ["p1", "p2", "p3"]
    assert column(result, "satisfaction_from") == [4.0, 15.0, 9.0]
    assert column(result, "satisfaction_change")[:2] == [15.0, -4.0]
    assert math.isnan(column(result, "satisfaction_change")[2])
    named = relscales.change(
        "csi-4",
        str(data),
        wave_suffixes=["_t1", "_t2"],
        wave_labels=["before", "after"],
        reliability={"satisfaction": R},
    )
    assert named.wave_order == ("before", "after")
    assert column(named, "wave_to") == ["after", "after", "after"]


# ---------------------------------------------------------------------------------------------
# Versions: a kept version at one wave
# ---------------------------------------------------------------------------------------------


def _items(path: Path) -> list[str]:
    return [item["id"] for item in yaml.safe_load(path.read_text("utf-8"))["items"]]


def test_a_kept_version_at_one_wave_is_scored_and_noted(tmp_path: Path) -> None:
    old = _items(INSTRUMENTS / "versions" / "rrss-0.1.0.yaml")
    new = _items(INSTRUMENTS / "rrss.yaml")
    assert old != new  # 0.2.0 replaced the items (new item ids)
    rng = np.random.default_rng(5)
    ids = [f"p{k}" for k in range(8)]
    before = write_csv(
        tmp_path / "before.csv", ("id", *old), [[p, *rng.integers(1, 6, len(old))] for p in ids]
    )
    after = write_csv(
        tmp_path / "after.csv", ("id", *new), [[p, *rng.integers(1, 6, len(new))] for p in ids]
    )
    result = relscales.change(
        "rrss",
        [str(before), str(after)],
        wave_instruments={"before": "rrss@0.1.0"},
        reliability={"total": 0.85},
    )
    assert {(n.id, n.version) for n in result.instruments} == {
        ("rrss", "0.1.0"),
        ("rrss", "0.2.0"),
    }
    assert set(result.waves.version.tolist()) == {"rrss 0.1.0", "rrss 0.2.0"}
    total = next(s for s in result.scores if s.column == "total")
    assert total.note is not None
    assert "differ between the versions" in total.note
    # each wave scored on its own version, as `relscales score -i ID@VERSION` scores it
    for wave, ref, path in (("from", "rrss@0.1.0", before), ("to", "rrss", after)):
        scored = relscales.score(ref, str(path)).columns["total"]
        assert np.array_equal(result.columns[f"total_{wave}"], scored, equal_nan=True)
    meta = result.metadata["instruments"]
    assert [m[0]["version"] for m in meta] == ["0.1.0", "0.2.0"]


def test_versions_with_the_same_keys_are_noted_as_such(tmp_path: Path) -> None:
    folder = tmp_path / "instruments"
    (folder / "versions").mkdir(parents=True)
    spec = own_instrument("mine", better=None)
    (folder / "versions" / "mine-1.0.0.yaml").write_text(yaml.safe_dump(spec))
    (folder / "mine.yaml").write_text(yaml.safe_dump({**spec, "version": "1.1.0"}))
    w1 = write_csv(tmp_path / "w1.csv", ("id", "m1", "m2", "m3"), [["a", 1, 1, 1], ["b", 4, 4, 5]])
    w2 = write_csv(tmp_path / "w2.csv", ("id", "m1", "m2", "m3"), [["a", 2, 2, 2], ["b", 4, 4, 4]])
    result = relscales.change(
        "mine", [str(w1), str(w2)], wave_instruments={"w1": "mine@1.0.0"}, instruments_dir=[folder]
    )
    note = result.scores[0].note or ""
    assert "scored on different versions with the same questions and keys" in note
    assert sorted(n.version for n in result.instruments) == ["1.0.0", "1.1.0"]


def test_wave_instruments_are_checked(tmp_path: Path) -> None:
    a = _wave_file(tmp_path / "a.csv", [("p1", 4)])
    b = _wave_file(tmp_path / "b.csv", [("p1", 5)])
    with pytest.raises(RelscalesError) as info:  # no wave 'c'
        relscales.change("csi-4", [str(a), str(b)], wave_instruments={"c": "csi-4"})
    assert info.value.code == "invalid-option"
    with pytest.raises(RelscalesError) as info:  # not an instrument given with -i
        relscales.change("csi-4", [str(a), str(b)], wave_instruments={"a": "rrss@0.1.0"})
    assert info.value.code == "invalid-option"
    long = write_csv(tmp_path / "long.csv", ("id", "wave", *CSI), long_rows([("p1", [(1, 2)])]))
    with pytest.raises(RelscalesError) as info:  # a wave column: one file, one version
        change_of(long, wave_instruments={"1": "csi-4"})
    assert info.value.code == "invalid-option"


# ---------------------------------------------------------------------------------------------
# Which waves are compared; who is compared at all
# ---------------------------------------------------------------------------------------------


def test_from_and_to_pick_the_waves(tmp_path: Path) -> None:
    rows = long_rows(
        [
            ("p1", [(1, 3), (2, 8), (3, 20)]),
            ("p2", [(1, 10), (3, 12)]),  # no wave 2
            ("p3", [(2, 6), (3, 7)]),  # no wave 1
        ]
    )
    data = write_csv(tmp_path / "v.csv", ("id", "wave", *CSI), rows)
    result = change_of(data, from_wave="1", to_wave="2")
    assert column(result, "wave_from") == ["1", "1", None]
    assert column(result, "wave_to") == ["2", None, "2"]
    assert column(result, "satisfaction_change")[0] == 5.0
    assert all(math.isnan(v) for v in column(result, "satisfaction_change")[1:])
    assert column(result, "note") == [
        None,
        "not measured at both waves asked for",
        "not measured at both waves asked for",
    ]
    later = change_of(data, from_wave="2")  # to each person's last
    assert column(later, "satisfaction_change") == [12.0, pytest.approx(math.nan, nan_ok=True), 1.0]
    with pytest.raises(RelscalesError) as info:
        change_of(data, to_wave="4")
    assert info.value.code == "invalid-option"
    assert "--to 4" in str(info.value) or "to_wave" in str(info.value)


def test_a_person_with_one_wave_is_kept_with_an_empty_change(tmp_path: Path) -> None:
    rows = long_rows([("p1", [(1, 3), (2, 18)]), ("solo", [(1, 9)]), ("p3", [(1, 12), (2, 13)])])
    result = change_of(write_csv(tmp_path / "v.csv", ("id", "wave", *CSI), rows))
    solo = column(result, "id").index("solo")
    assert column(result, "note")[solo] == "one wave only"
    assert column(result, "n_waves")[solo] == 1
    assert column(result, "wave_to")[solo] is None
    assert column(result, "satisfaction_from")[solo] == 9.0
    for name in ("satisfaction_to", "satisfaction_change", "satisfaction_rci"):
        assert math.isnan(column(result, name)[solo])
    assert column(result, "satisfaction_reliable")[solo] is None
    assert column(result, "satisfaction_clinical")[solo] is None
    assert result.counts("satisfaction", "reliable")["missing"] == 1


def test_two_rows_at_one_wave_leave_the_change_empty_and_drop_nobody(tmp_path: Path) -> None:
    rows = long_rows(
        [
            ("p1", [(1, 3), (1, 4), (2, 18)]),  # twice at wave 1
            ("p2", [(1, 6), (2, 14), (2, 15)]),  # twice at wave 2
            ("p3", [(1, 12), (2, 13)]),
            ("p4", [(1, 2), (2, 19)]),
        ]
    )
    result = change_of(write_csv(tmp_path / "v.csv", ("id", "wave", *CSI), rows))
    assert column(result, "id") == ["p1", "p2", "p3", "p4"]  # nobody dropped
    warning = next(w for w in result.warnings if w.code == "linked-duplicate-wave")
    assert warning.severity == "warning"
    assert "rows 1, 2, 5, 6" in warning.message
    assert "2 persons" in warning.message
    notes = column(result, "note")
    assert notes[:2] == ["two rows at one wave: not compared"] * 2
    assert notes[2:] == [None, None]
    for k in (0, 1):
        for name in ("satisfaction_from", "satisfaction_to", "satisfaction_change"):
            assert math.isnan(column(result, name)[k])
        assert column(result, "satisfaction_reliable")[k] is None
        assert column(result, "wave_from")[k] is None
        assert column(result, "wave_to")[k] is None
    assert column(result, "n_waves") == [3, 3, 2, 2]
    # the SD of the first wave is over the people who are compared (which of two rows counts
    # cannot be told, so neither is used)
    assert result.scores[0].sd == pytest.approx(np.std([12.0, 2.0], ddof=1), abs=1e-12)
    assert len(result.waves.person) == 10  # every row is kept for reports


def test_rows_without_an_id_or_a_wave_are_named(tmp_path: Path) -> None:
    rows = [
        ["p1", 1, *csi(3)],
        ["", 1, *csi(5)],
        ["p1", 2, *csi(9)],
        ["p2", "", *csi(4)],
        ["p2", 1, *csi(6)],
        ["  ", 2, *csi(7)],
    ]
    result = change_of(write_csv(tmp_path / "v.csv", ("id", "wave", *CSI), rows))
    assert codes(result) == ["linked-row-without-id", "linked-row-without-wave"]
    no_id, no_wave = result.warnings
    assert "2 rows without a person id" in no_id.message
    assert "rows 2, 6 of" in no_id.message
    assert "1 row without a wave" in no_wave.message
    assert "row 4 of" in no_wave.message
    assert column(result, "id") == ["p1", "p2"]
    assert column(result, "satisfaction_change") == [6.0, pytest.approx(math.nan, nan_ok=True)]
    assert column(result, "n_waves") == [2, 1]


def test_ids_are_linked_as_text_without_surrounding_spaces(tmp_path: Path) -> None:
    rows = [["001", 1, *csi(3)], ["1", 1, *csi(5)], ["001 ", 2, *csi(9)], [" 1", 2, *csi(6)]]
    result = change_of(write_csv(tmp_path / "v.csv", ("id", "wave", *CSI), rows))
    assert column(result, "id") == ["001", "1"]  # '001' and '1' are two people
    assert column(result, "satisfaction_change") == [6.0, 1.0]


def test_no_id_column_is_an_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "v.csv", ("wave", *CSI), [[1, *csi(3)], [2, *csi(5)]])
    with pytest.raises(RelscalesError) as info:
        change_of(data)
    assert info.value.code == "id-column-not-found"
    named = write_csv(tmp_path / "n.csv", ("who", "wave", *CSI), [["a", 1, *csi(3)]])
    with pytest.raises(RelscalesError) as info:
        change_of(named, id_column="person")
    assert info.value.code == "id-column-not-found"
    assert change_of(named, id_column="who").id_column == "who"


# ---------------------------------------------------------------------------------------------
# The reliable change index by hand
# ---------------------------------------------------------------------------------------------

JT_PEOPLE = [
    ("p1", [(1, 4), (2, 15)]),
    ("p2", [(1, 10), (2, 11)]),
    ("p3", [(1, 16), (2, 6)]),
    ("p4", [(1, 8), (2, 18)]),
    ("p5", [(1, 12), (2, 9)]),
    ("p6", [(1, 2), (2, 4)]),
    ("p7", [(1, 14), (2, 20)]),
    ("solo", [(1, 21)]),  # one wave: its first-wave score counts in the SD
    ("late", [(3, 0), (4, 5)]),  # first measured at wave 3: that is its first wave
]


def _jt_data(tmp_path: Path) -> Path:
    rows = long_rows(JT_PEOPLE)
    random.Random(3).shuffle(rows)  # the order of the rows does not matter
    return write_csv(tmp_path / "jt.csv", ("id", "wave", *CSI), rows)


def _by_hand(people: Sequence[tuple[str, Sequence[tuple[Any, int]]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pid, waves in people:
        ordered = sorted(waves)
        out[pid] = (
            float(ordered[0][1]),
            float(ordered[-1][1]) if len(ordered) > 1 else math.nan,
        )
    return out


def test_jacobson_truax_index_by_hand(tmp_path: Path) -> None:
    result = change_of(_jt_data(tmp_path))
    hand = _by_hand(JT_PEOPLE)
    sd = float(np.std([b for b, _ in hand.values()], ddof=1))
    score = result.scores[0]
    assert score.method == "jt"
    assert score.reliability == R
    assert score.reliability_source == "given"
    assert abs(score.sd - sd) <= 1e-12
    assert score.sd_source == "first wave in the data (n = 9)"
    assert abs(score.se_difference - math.sqrt(2) * sd * math.sqrt(1 - R)) <= 1e-12
    assert abs(score.critical - Z95) <= 1e-12
    rci = by_id(result, "satisfaction_rci")
    reliable = by_id(result, "satisfaction_reliable")
    for pid, (before, after) in hand.items():
        expected = (after - before) / (math.sqrt(2) * sd * math.sqrt(1 - R))
        if math.isnan(expected):
            assert math.isnan(rci[pid])
            assert reliable[pid] is None
            continue
        assert abs(rci[pid] - expected) <= 1e-12, pid
        label = "improved" if expected > Z95 else "deteriorated" if expected < -Z95 else "unchanged"
        assert reliable[pid] == label, pid


def test_jacobson_truax_index_with_a_reference_sd(tmp_path: Path) -> None:
    result = change_of(_jt_data(tmp_path), reference_sd={"satisfaction": 4.5})
    score = result.scores[0]
    assert score.sd == 4.5
    assert score.sd_source == "given"
    for pid, (before, after) in _by_hand(JT_PEOPLE).items():
        expected = (after - before) / (math.sqrt(2) * 4.5 * math.sqrt(1 - R))
        got = by_id(result, "satisfaction_rci")[pid]
        assert same(got, expected) or abs(got - expected) <= 1e-12


def test_without_a_reliability_there_is_no_index(tmp_path: Path) -> None:
    result = change_of(_jt_data(tmp_path), reliability=None)
    score = result.scores[0]
    assert score.reliability is None
    assert "--reliability satisfaction=R" in (score.note or "")
    assert all(math.isnan(v) for v in column(result, "satisfaction_rci"))
    assert all(v is None for v in column(result, "satisfaction_reliable"))
    assert by_id(result, "satisfaction_change")["p1"] == 11.0  # the change itself is still there


def test_a_lower_is_better_score_that_falls_reliably_has_improved(tmp_path: Path) -> None:
    items = _items(INSTRUMENTS / "rrss.yaml")  # RRSS: change: {better: lower}; mean of 1-5
    answers = {
        "falls": ([5] * 12, [1] * 12),
        "rises": ([1] * 12, [5] * 12),
        "same": ([3] * 12, [3] * 12),
        "a": ([2] * 12, [2] * 12),
        "b": ([4] * 12, [4] * 12),
    }
    rows = [[p, w, *a[w - 1]] for p, a in answers.items() for w in (1, 2)]
    data = write_csv(tmp_path / "rrss.csv", ("id", "wave", *items), rows)
    result = relscales.change("rrss", str(data), wave_column="wave", reliability={"total": 0.9})
    total = next(s for s in result.scores if s.column == "total")
    assert total.better == "lower"
    # 9 items keyed forward, 3 reversed: all 5s score (9 * 5 + 3 * 1) / 12 = 4, all 1s 2
    change = by_id(result, "total_change")
    assert change == {"falls": -2.0, "rises": 2.0, "same": 0.0, "a": 0.0, "b": 0.0}
    assert by_id(result, "total_reliable") == {
        "falls": "improved",
        "rises": "deteriorated",
        "same": "unchanged",
        "a": "unchanged",
        "b": "unchanged",
    }


def own_instrument(ident: str, *, better: str | None) -> dict[str, Any]:
    """A three-item mean score, 1-5, with a published alpha (and optionally a direction)."""
    subscale: dict[str, Any] = {
        "id": "mood",
        "name": "Mood",
        "items": ["m1", "m2", "m3"],
        "score": "mean",
        "published": {"alpha": 0.8},
    }
    if better is not None:
        subscale["change"] = {"better": better}
    return {
        "relscales": 1,
        "id": ident,
        "version": "1.0.0",
        "name": "A made-up mood scale",
        "domain": "other",
        "description": "For tests.",
        "citation": "none",
        "license": {"name": "CC0", "item_text": "not-included"},
        "validation": {"status": "experimental"},
        "response_scales": {"five": {"values": [1, 2, 3, 4, 5]}},
        "items": [{"id": f"m{k}", "label": f"item {k}", "scale": "five"} for k in (1, 2, 3)],
        "subscales": [subscale],
    }


def test_without_a_declared_direction_change_is_increased_or_decreased(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(own_instrument("mine", better=None)))
    rows = [
        ["up", 1, 1, 1, 1],
        ["up", 2, 5, 5, 5],
        ["down", 1, 5, 5, 4],
        ["down", 2, 1, 1, 1],
        ["flat", 1, 3, 3, 3],
        ["flat", 2, 3, 3, 3],
        ["x", 1, 2, 3, 2],
        ["x", 2, 2, 3, 3],
    ]
    data = write_csv(tmp_path / "mine.csv", ("id", "wave", "m1", "m2", "m3"), rows)
    result = relscales.change(str(path), str(data), wave_column="wave")
    score = result.scores[0]
    assert score.better is None
    assert score.reliability == 0.8
    assert score.reliability_source == "published alpha"
    assert "not declared" in (score.note or "")
    assert by_id(result, "mood_reliable") == {
        "up": "increased",
        "down": "decreased",
        "flat": "unchanged",
        "x": "unchanged",
    }
    assert "mood_clinical" not in result.columns  # no cut-off, no direction: no categories
    counts = result.counts("mood", "reliable")
    assert counts["increased"] == 1
    assert counts["decreased"] == 1
    assert counts["unchanged"] == 2


# ---------------------------------------------------------------------------------------------
# Clinically significant change (CSI-4: better higher, cut-off 13.5)
# ---------------------------------------------------------------------------------------------

CLINICAL_PEOPLE = [
    ("recovers", [(1, 6), (2, 19)]),  # reliably better and across the cut-off
    ("improves", [(1, 1), (2, 12)]),  # reliably better, still below
    ("better_still", [(1, 14), (2, 21)]),  # reliably better, above all along
    ("harmed", [(1, 18), (2, 5)]),  # reliably worse, from above to below
    ("worse", [(1, 12), (2, 0)]),  # reliably worse, below all along
    ("crosses_a_little", [(1, 13), (2, 14)]),  # crosses, but not reliably
    ("steady", [(1, 9), (2, 9)]),
    ("p8", [(1, 16), (2, 15)]),
    ("p9", [(1, 3), (2, 5)]),
]


def test_clinical_categories_by_hand(tmp_path: Path) -> None:
    rows = long_rows(CLINICAL_PEOPLE)
    result = change_of(write_csv(tmp_path / "csi.csv", ("id", "wave", *CSI), rows))
    score = result.scores[0]
    assert score.better == "higher"
    assert score.cutoff == CUTOFF
    hand = _by_hand(CLINICAL_PEOPLE)
    sd = float(np.std([b for b, _ in hand.values()], ddof=1))
    band = Z95 * math.sqrt(2) * sd * math.sqrt(1 - R)
    clinical = by_id(result, "satisfaction_clinical")
    for pid, (before, after) in hand.items():
        change = after - before
        if change > band:
            expected = "recovered" if before < CUTOFF < after else "improved"
        elif change < -band:
            expected = "harmed" if after < CUTOFF <= before else "deteriorated"
        else:
            expected = "unchanged"
        assert clinical[pid] == expected, pid
    # the data were chosen so that every category occurs, as named
    for pid in ("recovers", "harmed", "steady"):
        assert clinical[pid] == {"recovers": "recovered", "harmed": "harmed"}.get(pid, "unchanged")
    assert clinical["improves"] == "improved"
    assert clinical["better_still"] == "improved"
    assert clinical["worse"] == "deteriorated"
    assert clinical["crosses_a_little"] == "unchanged"


def test_clinical_counts(tmp_path: Path) -> None:
    rows = long_rows(CLINICAL_PEOPLE)
    result = change_of(write_csv(tmp_path / "csi.csv", ("id", "wave", *CSI), rows))
    counts = result.counts("satisfaction", "clinical")
    assert counts == {
        "recovered": 1,
        "improved": 2,
        "unchanged": 4,
        "deteriorated": 1,
        "harmed": 1,
        "missing": 0,
    }


# ---------------------------------------------------------------------------------------------
# Every method
# ---------------------------------------------------------------------------------------------


def _random_waves(tmp_path: Path, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    people = []
    for k in range(n):
        before = int(rng.integers(0, 22))
        after = int(np.clip(before + rng.integers(-8, 9), 0, 21))
        people.append((f"p{k}", [(1, before), (2, after)]))
    return write_csv(tmp_path / "random.csv", ("id", "wave", *CSI), long_rows(people))


@pytest.mark.parametrize("method", ["jt", "gln", "hll", "en", "nk", "ha"])
def test_every_rci_method_runs(tmp_path: Path, method: str) -> None:
    data = _random_waves(tmp_path, 40, seed=11)
    result = change_of(data, method=method)
    score = result.scores[0]
    assert score.method == method
    assert result.metadata["rci_method"] == method
    rci = np.array(column(result, "satisfaction_rci"), dtype=float)
    assert np.isfinite(rci).all(), score.note
    labels = set(column(result, "satisfaction_reliable"))
    assert labels <= {"improved", "unchanged", "deteriorated"}
    critical = 1.6448536269514722 if method == "ha" else Z95  # ha is one-sided
    assert abs(score.critical - critical) <= 1e-12
    if method == "jt":
        jt = np.array(column(result, "satisfaction_change")) / score.se_difference
        assert np.allclose(rci, jt, rtol=0, atol=1e-12)
    else:
        assert score.se_difference is None


def test_the_methods_differ(tmp_path: Path) -> None:
    data = _random_waves(tmp_path, 40, seed=12)
    indices = {
        m: tuple(np.round(column(change_of(data, method=m), "satisfaction_rci"), 9))
        for m in ("jt", "gln", "hll", "en", "nk", "ha")
    }
    assert len(set(indices.values())) == 6


def test_an_unknown_method_is_an_invalid_option(tmp_path: Path) -> None:
    data = _random_waves(tmp_path, 3, seed=1)
    with pytest.raises(RelscalesError) as info:
        change_of(data, method="rc")
    assert info.value.code == "invalid-option"
    assert "jt, gln, hll, en, nk, ha" in str(info.value)


# ---------------------------------------------------------------------------------------------
# Safety over time
# ---------------------------------------------------------------------------------------------


def test_safety_flags_are_carried_per_wave(tmp_path: Path) -> None:
    with (ROOT / "examples" / "battery-responses.csv").open(newline="") as stream:
        header, *table = list(csv.reader(stream))
    rows = {r[0]: r for r in table}  # P-005 raises the safety flag; P-001 does not
    risi = _items(INSTRUMENTS / "risi.yaml")
    pick = [header.index(i) for i in risi]
    data = [
        ["a", 1, *(rows["P-001"][k] for k in pick)],
        ["a", 2, *(rows["P-005"][k] for k in pick)],
        ["b", 1, *(rows["P-005"][k] for k in pick)],
        ["b", 2, *(rows["P-001"][k] for k in pick)],
        ["c", 1, *(rows["P-001"][k] for k in pick)],
    ]
    result = relscales.change(
        "risi", str(write_csv(tmp_path / "r.csv", ("id", "wave", *risi), data)), wave_column="wave"
    )
    assert column(result, "safety_flag_from") == [False, True, False]
    assert column(result, "safety_flag_to") == [True, False, None]
    assert column(result, "safety_flag_any") == [True, True, False]
    assert any(f.kind == "safety" for f in result.flags)


# ---------------------------------------------------------------------------------------------
# Differential test: 1,000 people, against a plain per-person loop
# ---------------------------------------------------------------------------------------------


def _naive(rows: Sequence[Sequence[Any]]) -> dict[str, dict[str, Any]]:
    """Pair every person's first and last wave with a loop over people (the slow, plain way)."""
    people: dict[str, list[tuple[float, str, float]]] = {}
    order: list[str] = []
    for row in rows:
        pid, wave, answers = row[0], row[1], row[2:]
        total = math.nan if "" in answers else float(sum(int(a) for a in answers))
        if pid not in people:
            people[pid] = []
            order.append(pid)
        people[pid].append((float(wave), str(wave), total))
    out: dict[str, dict[str, Any]] = {}
    for pid in order:
        waves = sorted(people[pid])
        first, last = waves[0], waves[-1]
        out[pid] = {
            "wave_from": first[1],
            "wave_to": last[1] if len(waves) > 1 else None,
            "n_waves": len(waves),
            "from": first[2],
            "to": last[2] if len(waves) > 1 else math.nan,
        }
    firsts = [p["from"] for p in out.values() if not math.isnan(p["from"])]
    sd = float(np.std(firsts, ddof=1))
    s_diff = math.sqrt(2) * sd * math.sqrt(1 - R)
    for p in out.values():
        p["change"] = p["to"] - p["from"]
        p["rci"] = p["change"] / s_diff
        if math.isnan(p["rci"]):
            p["reliable"] = p["clinical"] = None
            continue
        up, down = p["rci"] > Z95, p["rci"] < -Z95
        p["reliable"] = "improved" if up else "deteriorated" if down else "unchanged"
        if up:
            p["clinical"] = "recovered" if p["from"] < CUTOFF < p["to"] else "improved"
        elif down:
            p["clinical"] = "harmed" if p["to"] <= CUTOFF <= p["from"] else "deteriorated"
        else:
            p["clinical"] = "unchanged"
    return {"order": order, "people": out, "sd": sd}  # type: ignore[dict-item]


def test_pairing_1000_people_matches_a_plain_loop(tmp_path: Path) -> None:
    rng = random.Random(20260)
    rows: list[list[Any]] = []
    for k in range(1000):
        pid = f"P{k:04d}"
        n_waves = rng.choices([1, 2, 3], weights=[3, 90, 7])[0]
        for wave in rng.sample([1, 2, 10], n_waves):  # 10 after 2: as numbers, not text
            answers: list[Any] = csi(rng.randint(0, 21))
            if rng.random() < 0.03:
                answers[rng.randrange(4)] = ""  # the CSI-4 needs all four answers
            rows.append([pid, wave, *answers])
    rng.shuffle(rows)
    data = write_csv(tmp_path / "thousand.csv", ("id", "wave", *CSI), rows)
    result = change_of(data)
    naive = _naive(rows)
    people: dict[str, dict[str, Any]] = naive["people"]  # type: ignore[assignment]
    assert column(result, "id") == naive["order"]  # every person, in order of first appearance
    assert abs(result.scores[0].sd - naive["sd"]) <= 1e-12  # type: ignore[operator]
    got = {name: column(result, name) for name in result.columns}
    for k, pid in enumerate(column(result, "id")):
        expected = people[pid]
        assert got["wave_from"][k] == expected["wave_from"]
        assert got["wave_to"][k] == expected["wave_to"]
        assert got["n_waves"][k] == expected["n_waves"]
        for ours, theirs in (("from", "from"), ("to", "to"), ("change", "change")):
            assert same(got[f"satisfaction_{ours}"][k], expected[theirs]), (pid, ours)
        rci = got["satisfaction_rci"][k]
        assert same(rci, expected["rci"]) or abs(rci - expected["rci"]) <= 1e-12, pid
        assert got["satisfaction_reliable"][k] == expected["reliable"], pid
        assert got["satisfaction_clinical"][k] == expected["clinical"], pid
        assert got["note"][k] == ("one wave only" if expected["n_waves"] == 1 else None)


def test_a_person_whose_rows_all_lack_a_wave_is_kept(tmp_path: Path) -> None:
    rows = [["p1", 1, *csi(3)], ["p2", "", *csi(5)], ["p1", 2, *csi(9)], ["p3", 1, *csi(4)]]
    result = change_of(write_csv(tmp_path / "v.csv", ("id", "wave", *CSI), rows))
    assert column(result, "id") == ["p1", "p2", "p3"]  # in order of first appearance
    assert column(result, "n_waves") == [2, 0, 1]
    assert column(result, "note") == [None, "no row with a wave", "one wave only"]
    assert codes(result) == ["linked-row-without-wave"]


@pytest.mark.parametrize("word", ["today", "now", "NaT"])
def test_words_numpy_reads_as_dates_are_labels(tmp_path: Path, word: str) -> None:
    rows = [["p1", "2026-01-05", *csi(3)], ["p1", word, *csi(9)]]
    with pytest.raises(RelscalesError) as info:
        change_of(write_csv(tmp_path / "v.csv", ("id", "wave", *CSI), rows))
    assert info.value.code == "wave-order-unknown"

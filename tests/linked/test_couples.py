"""``relscales.couples``: both partners side by side, and agreement within couples.

The contract (../shared/design/cli.md, "Linked respondents"): one row per couple, the
couple id, then per score ``<s>_1``, ``<s>_2`` (partners in role order, else in data order),
``<s>_mean``, ``<s>_diff`` (1 minus 2) and ``<s>_diff_reliable``. Linkage problems are
warned about with their rows (docs/errors.md, couple-roles .. couple-person-in-two) and
nothing is dropped.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import relscales
from relscales.errors import RelscalesError
from relscales.io.sources import open_source
from relscales.pipeline.couples import pairwise_table
from relscales.pipeline.linked import score_part
from relscales.pipeline.score import resolve_refs
from relscales.scoring.options import ScoreOptions

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "battery-responses.csv"
CSI = ("csi01", "csi02", "csi03", "csi04")
Z95 = 1.959963984540054
SUFFIXES = ("_1", "_2", "_mean", "_diff", "_diff_reliable")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def csi(total: int) -> list[int]:
    """Four CSI-4 answers (item 1 0-6, items 2-4 0-5) that sum to ``total`` (0-21)."""
    first = min(6, total)
    rest = total - first
    return [first, *(min(5, max(0, rest - 5 * k)) for k in range(3))]


def column(result: Any, name: str) -> list[Any]:
    return list(result.columns[name].tolist())


def by_couple(result: Any, name: str) -> dict[str, Any]:
    return dict(zip(column(result, result.couple_column), column(result, name), strict=True))


def warning(result: Any, code: str) -> Any:
    found = [w for w in result.warnings if w.code == code]
    assert len(found) == 1, [w.code for w in result.warnings]
    return found[0]


def nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


HEADER = ("id", "couple", "role", *CSI)


def couples_file(tmp_path: Path, rows: Sequence[tuple[str, str, str, int]]) -> Path:
    """Rows (id, couple, role, CSI-4 total)."""
    return write_csv(
        tmp_path / "couples.csv",
        HEADER,
        [[pid, couple, role, *csi(total)] for pid, couple, role, total in rows],
    )


def couples_of(path: Path | list[str], **options: Any) -> relscales.CoupleResult:
    data = path if isinstance(path, list) else str(path)
    return relscales.couples("csi-4", data, couple_column="couple", **options)


# ---------------------------------------------------------------------------------------------
# Layouts: one file with roles, without roles, one file per partner
# ---------------------------------------------------------------------------------------------

PLAIN = [
    ("a1", "c1", "A", 15),  # roles in order of first appearance: A, B
    ("b1", "c1", "B", 9),
    ("b2", "c2", "B", 20),  # B first in the data: put second by role
    ("a2", "c2", "A", 4),
    ("b3", "c3", "B", 12),
    ("a3", "c3", "A", 12),
    ("a4", "c4", "A", 18),
    ("b4", "c4", "B", 1),
]


def test_one_file_with_a_role_column_puts_partners_in_role_order(tmp_path: Path) -> None:
    result = couples_of(couples_file(tmp_path, PLAIN), role_column="role")
    assert result.roles == ("A", "B")  # in order of first appearance
    assert column(result, "couple") == ["c1", "c2", "c3", "c4"]
    expected = ["couple", "role_1", "role_2"]
    expected += [f"satisfaction{s}" for s in SUFFIXES] + ["note"]
    assert list(result.columns) == expected
    assert column(result, "role_1") == ["A"] * 4
    assert column(result, "role_2") == ["B"] * 4
    assert column(result, "satisfaction_1") == [15.0, 4.0, 12.0, 18.0]
    assert column(result, "satisfaction_2") == [9.0, 20.0, 12.0, 1.0]
    assert column(result, "satisfaction_mean") == [12.0, 12.0, 12.0, 9.5]
    assert column(result, "satisfaction_diff") == [6.0, -16.0, 0.0, 17.0]  # 1 minus 2
    assert result.partner_rows.tolist() == [[1, 2], [4, 3], [6, 5], [7, 8]]
    assert column(result, "note") == [None] * 4
    assert result.warnings == ()
    assert not result.safety.any()
    score = result.scores[0]
    assert score.distinguishability is not None  # with roles, partners are distinguishable
    assert score.nonindependence is not None
    assert score.nonindependence.kind == "distinguishable"


def test_roles_put_in_the_order_asked_for(tmp_path: Path) -> None:
    result = couples_of(couples_file(tmp_path, PLAIN), role_column="role", roles=["B", "A"])
    assert result.roles == ("B", "A")
    assert column(result, "satisfaction_1") == [9.0, 20.0, 12.0, 1.0]
    assert column(result, "satisfaction_diff") == [-6.0, 16.0, 0.0, -17.0]
    assert column(result, "role_1") == ["B"] * 4


def test_without_roles_partners_are_in_data_order(tmp_path: Path) -> None:
    result = couples_of(couples_file(tmp_path, PLAIN))
    assert result.roles is None
    assert "role_1" not in result.columns
    assert column(result, "satisfaction_1") == [15.0, 20.0, 12.0, 18.0]
    assert column(result, "satisfaction_2") == [9.0, 4.0, 12.0, 1.0]
    assert column(result, "satisfaction_diff") == [6.0, 16.0, 0.0, 17.0]
    score = result.scores[0]
    assert score.distinguishability is None
    assert score.nonindependence is not None
    assert score.nonindependence.kind != "distinguishable"


def test_one_file_per_partner(tmp_path: Path) -> None:
    header = ("id", "couple", *CSI)
    her = write_csv(tmp_path / "her.csv", header, [["h1", "c1", *csi(10)], ["h2", "c2", *csi(3)]])
    him = write_csv(
        tmp_path / "him.csv",
        header,
        [["m2", "c2", *csi(17)], ["m1", "c1", *csi(10)], ["m3", "c3", *csi(8)]],
    )
    result = couples_of([str(her), str(him)])
    assert result.roles == ("her", "him")  # the file names
    assert column(result, "couple") == ["c1", "c2", "c3"]
    assert column(result, "role_1") == ["her", "her", None]
    assert column(result, "role_2") == ["him", "him", "him"]
    assert column(result, "satisfaction_1")[:2] == [10.0, 3.0]
    assert column(result, "satisfaction_2") == [10.0, 17.0, 8.0]
    assert column(result, "satisfaction_diff")[:2] == [0.0, -14.0]
    assert result.partner_rows.tolist() == [[1, 2], [2, 1], [0, 3]]  # rows within each file
    assert warning(result, "couple-one-member").message.endswith("c3")
    named = couples_of([str(her), str(him)], roles=["W", "M"])
    assert named.roles == ("W", "M")
    assert column(named, "role_1") == ["W", "W", None]
    with pytest.raises(RelscalesError) as info:
        couples_of([str(her), str(him)], role_column="role")
    assert info.value.code == "invalid-option"
    with pytest.raises(RelscalesError) as info:
        couples_of([str(her), str(him), str(her)])
    assert info.value.code == "invalid-option"


# ---------------------------------------------------------------------------------------------
# Linkage problems: warned about, with their rows; nothing dropped
# ---------------------------------------------------------------------------------------------

ROUGH = [
    ("p1", "c1", "A", 10),
    ("p2", "c1", "B", 14),
    ("p3", "c2", "B", 7),  # c2: one member (role B)
    ("p4", "c3", "A", 5),
    ("p5", "c3", "B", 6),
    ("p6", "c3", "A", 7),  # c3: three rows
    ("p7", "c4", "A", 11),
    ("p8", "c4", "A", 3),  # c4: the same role twice
    ("p9", "c5", "A", 20),
    ("p1", "c5", "B", 2),  # p1 is in c1 and c5
    ("p10", "", "A", 8),  # no couple
    ("p11", "c6", "", 13),  # c6: a partner without a role...
    ("p12", "c6", "B", 4),  # ... beside the B partner
]


@pytest.fixture
def rough(tmp_path: Path) -> relscales.CoupleResult:
    return couples_of(couples_file(tmp_path, ROUGH), role_column="role", id_column="id")


def test_nothing_is_dropped(rough: relscales.CoupleResult) -> None:
    assert column(rough, "couple") == ["c1", "c2", "c3", "c4", "c5", "c6"]  # each once
    assert rough.n_couples == 6
    assert all(len(v) == 6 for v in rough.columns.values())
    assert rough.partner_rows.shape == (6, 2)


def test_a_couple_with_one_member_is_kept_with_the_other_side_empty(
    rough: relscales.CoupleResult,
) -> None:
    found = warning(rough, "couple-one-member")
    assert found.severity == "warning"
    assert "1 couple has one partner's answers only: c2" in found.message
    assert by_couple(rough, "note")["c2"] == "one partner only"
    # its only partner has role B: partner 2's place, partner 1 empty
    assert nan(by_couple(rough, "satisfaction_1")["c2"])
    assert by_couple(rough, "satisfaction_2")["c2"] == 7.0
    assert by_couple(rough, "role_1")["c2"] is None
    assert by_couple(rough, "role_2")["c2"] == "B"
    for name in ("satisfaction_mean", "satisfaction_diff"):
        assert nan(by_couple(rough, name)["c2"])
    assert by_couple(rough, "satisfaction_diff_reliable")["c2"] is None


def test_three_members_are_not_paired(rough: relscales.CoupleResult) -> None:
    found = warning(rough, "couple-too-many-members")
    assert "rows 4, 6, 5 of" in found.message or "rows 4, 5, 6 of" in found.message
    assert by_couple(rough, "note")["c3"] == "more than two rows: not paired"
    for suffix in SUFFIXES[:4]:
        assert nan(by_couple(rough, f"satisfaction{suffix}")["c3"])
    assert rough.partner_rows[2].tolist() == [0, 0]


def test_the_same_role_twice_is_kept_in_data_order(rough: relscales.CoupleResult) -> None:
    found = warning(rough, "couple-same-role")
    assert "c4" in found.message
    assert by_couple(rough, "note")["c4"] == "both partners have the same role: in data order"
    assert by_couple(rough, "satisfaction_1")["c4"] == 11.0
    assert by_couple(rough, "satisfaction_2")["c4"] == 3.0
    # each partner's role as in the data: partner 2 is not called B
    assert by_couple(rough, "role_1")["c4"] == "A"
    assert by_couple(rough, "role_2")["c4"] == "A"


def test_a_person_in_two_couples_is_named(rough: relscales.CoupleResult) -> None:
    found = warning(rough, "couple-person-in-two")
    assert "1 person id is in more than one couple: rows 1, 10 of" in found.message
    assert by_couple(rough, "note")["c1"] == "a partner is also in another couple"
    assert by_couple(rough, "note")["c5"] == "a partner is also in another couple"
    assert by_couple(rough, "satisfaction_diff")["c5"] == 18.0  # both couples still paired


def test_rows_without_a_couple_or_a_role(rough: relscales.CoupleResult) -> None:
    assert "row 11 of" in warning(rough, "couple-row-without-couple").message
    assert "row 12 of" in warning(rough, "couple-row-without-role").message
    # the B partner keeps partner 2's place; the one without a role takes partner 1's
    assert by_couple(rough, "satisfaction_1")["c6"] == 13.0
    assert by_couple(rough, "satisfaction_2")["c6"] == 4.0
    assert by_couple(rough, "role_1")["c6"] is None
    assert by_couple(rough, "role_2")["c6"] == "B"
    assert by_couple(rough, "note")["c6"] is None


def test_the_warnings_are_the_documented_ones(rough: relscales.CoupleResult) -> None:
    assert sorted(w.code for w in rough.warnings) == sorted(
        [
            "couple-row-without-role",
            "couple-row-without-couple",
            "couple-one-member",
            "couple-too-many-members",
            "couple-same-role",
            "couple-person-in-two",
        ]
    )
    assert [w["code"] for w in rough.metadata["warnings"]] == [w.code for w in rough.warnings]


def test_two_people_without_a_role_are_not_said_to_share_one(tmp_path: Path) -> None:
    rows = [("a", "c1", "A", 3), ("b", "c1", "B", 4), ("c", "c2", "", 5), ("d", "c2", "", 6)]
    result = couples_of(couples_file(tmp_path, rows), role_column="role")
    assert "couple-same-role" not in [w.code for w in result.warnings]
    assert "2 rows without a role" in warning(result, "couple-row-without-role").message


def test_without_an_id_column_a_person_in_two_couples_cannot_be_told(tmp_path: Path) -> None:
    rows = [["c1", *csi(3)], ["c1", *csi(4)], ["c2", *csi(5)], ["c2", *csi(6)]]
    data = write_csv(tmp_path / "noid.csv", ("couple", *CSI), rows)
    result = couples_of(data)
    assert column(result, "satisfaction_diff") == [-1.0, -1.0]
    assert [w.code for w in result.warnings] == ["no-id-column"]


def test_more_than_two_roles_is_an_error(tmp_path: Path) -> None:
    rows = [*PLAIN, ("c5", "c5", "C", 3), ("d5", "c5", "A", 3)]
    with pytest.raises(RelscalesError) as info:
        couples_of(couples_file(tmp_path, rows), role_column="role")
    assert info.value.code == "couple-roles"
    assert "3 different roles (A, B, C)" in str(info.value)


@pytest.mark.parametrize("roles", [["A"], ["A", "B", "C"], ["A", "X"]])
def test_roles_must_name_the_two_roles(tmp_path: Path, roles: list[str]) -> None:
    with pytest.raises(RelscalesError) as info:
        couples_of(couples_file(tmp_path, PLAIN), role_column="role", roles=roles)
    assert info.value.code == "couple-roles"


def test_linking_columns_must_exist(tmp_path: Path) -> None:
    data = couples_file(tmp_path, PLAIN)
    for options in ({"couple_column": "pair"}, {"couple_column": "couple", "role_column": "r"}):
        with pytest.raises(RelscalesError) as info:
            relscales.couples("csi-4", str(data), **options)
        assert info.value.code == "linking-column-not-found"


def test_a_header_without_rows_gives_no_couples(tmp_path: Path) -> None:
    result = couples_of(couples_file(tmp_path, []), role_column="role")
    assert result.n_couples == 0
    assert all(len(v) == 0 for v in result.columns.values())
    assert "data-no-rows" in [w.code for w in result.warnings]
    assert all(len(v) == 0 for v in pairwise_table(result).values())


# ---------------------------------------------------------------------------------------------
# Reliable discrepancy, from both partners' standard errors
# ---------------------------------------------------------------------------------------------


def _standard_errors(ref: str, data: Path) -> np.ndarray:
    """Each row's standard error, as scoring gives it (intervals on)."""
    compiled, battery = resolve_refs([ref], ())
    part = score_part(
        compiled, battery, open_source(str(data)), ScoreOptions(details=True), linked=True
    )
    return next(iter(part.se.values()))


def test_the_reliable_discrepancy_uses_both_partners_standard_errors(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    rows = []
    for k in range(30):
        first = int(rng.integers(0, 22))
        second = int(np.clip(first + rng.integers(-12, 13), 0, 21))
        rows += [(f"b{k}", f"c{k}", "B", second), (f"a{k}", f"c{k}", "A", first)]
    data = couples_file(tmp_path, rows)
    result = couples_of(data, role_column="role", roles=["A", "B"])
    se = _standard_errors("csi-4", data)
    assert np.isfinite(se).all()
    assert len(set(np.round(se, 9))) > 1  # each person's own: not one value for everybody
    rows_1 = result.partner_rows[:, 0] - 1
    rows_2 = result.partner_rows[:, 1] - 1
    diff = np.array(column(result, "satisfaction_diff"))
    z = diff / np.sqrt(se[rows_1] ** 2 + se[rows_2] ** 2)
    assert column(result, "satisfaction_diff_reliable") == (np.abs(z) > Z95).tolist()
    assert 0 < sum(column(result, "satisfaction_diff_reliable")) < 30  # both kinds occur
    assert result.scores[0].critical == pytest.approx(Z95, abs=1e-12)
    # the verdict does not depend on which partner is partner 1
    swapped = couples_of(data, role_column="role", roles=["B", "A"])
    assert column(swapped, "satisfaction_diff_reliable") == column(
        result, "satisfaction_diff_reliable"
    )
    assert column(swapped, "satisfaction_diff") == [-d for d in diff.tolist()]


def test_a_wider_confidence_level_finds_fewer_reliable_gaps(tmp_path: Path) -> None:
    rows = [
        (f"p{k}{r}", f"c{k}", r, (k * 7 + (r == "B") * k) % 22) for k in range(20) for r in "AB"
    ]
    data = couples_file(tmp_path, rows)
    at_95 = sum(v is True for v in column(couples_of(data), "satisfaction_diff_reliable"))
    at_99 = couples_of(data, confidence_level=0.99)
    assert at_99.scores[0].critical == pytest.approx(2.5758293035489, abs=1e-9)
    assert sum(v is True for v in column(at_99, "satisfaction_diff_reliable")) <= at_95


# ---------------------------------------------------------------------------------------------
# The pairwise layout
# ---------------------------------------------------------------------------------------------


def test_pairwise_table_has_two_rows_per_complete_couple(rough: relscales.CoupleResult) -> None:
    table = pairwise_table(rough)
    complete = ["c1", "c4", "c5", "c6"]  # c2 has one member, c3 three
    assert table["couple"].tolist() == [c for c in complete for _ in (0, 1)]
    assert table["member"].tolist() == [0, 1] * 4
    assert table["partner"].tolist() == [1, 0] * 4
    assert table["role"].tolist() == ["A", "B"] * 4
    one = by_couple(rough, "satisfaction_1")
    two = by_couple(rough, "satisfaction_2")
    for k, couple in enumerate(table["couple"].tolist()):
        own, other = (one, two) if k % 2 == 0 else (two, one)
        assert table["satisfaction_A"][k] == own[couple]
        assert table["satisfaction_P"][k] == other[couple]
    # _A and _P are the same values, swapped within each couple
    actor = table["satisfaction_A"].reshape(-1, 2)
    partner = table["satisfaction_P"].reshape(-1, 2)
    assert np.array_equal(actor[:, ::-1], partner)


def test_pairwise_table_without_roles_has_no_role_column(tmp_path: Path) -> None:
    table = pairwise_table(couples_of(couples_file(tmp_path, PLAIN)))
    assert "role" not in table
    assert len(table["couple"]) == 8


# ---------------------------------------------------------------------------------------------
# Safety: a flag raised for one partner marks the couple
# ---------------------------------------------------------------------------------------------


def _example_rows() -> tuple[list[str], dict[str, list[str]]]:
    with EXAMPLE.open(newline="", encoding="utf-8") as stream:
        header, *rows = list(csv.reader(stream))
    return header, {row[0]: row for row in rows}


def _risi_items(name: str = "risi") -> list[str]:
    spec = yaml.safe_load((ROOT / "instruments" / f"{name}.yaml").read_text("utf-8"))
    return [item["id"] for item in spec["items"]]


@pytest.mark.parametrize("instrument", ["risi", "relationship-insecurity-battery"])
def test_a_safety_flag_of_one_partner_marks_the_couple(tmp_path: Path, instrument: str) -> None:
    header, example = _example_rows()
    columns = header[1:] if instrument != "risi" else _risi_items()
    pick = [header.index(c) for c in columns]
    # P-005 raises the safety flag; P-008 skipped every safety question (unknown); the rest
    # answer "Not at all true"
    pairs = [("c1", "P-001", "P-002"), ("c2", "P-003", "P-005"), ("c3", "P-005", "P-004")]
    pairs += [("c4", "P-006", "P-008")]
    rows = [
        [f"{couple}-{role}", couple, role, *(example[who][k] for k in pick)]
        for couple, a, b in pairs
        for role, who in (("A", a), ("B", b))
    ]
    data = write_csv(tmp_path / "risi.csv", ("person", "couple", "role", *columns), rows)
    result = relscales.couples(
        instrument, str(data), couple_column="couple", role_column="role", id_column="person"
    )
    assert column(result, "safety_flag_1") == [False, False, True, False]
    assert column(result, "safety_flag_2") == [False, True, False, False]
    assert result.safety.tolist() == [False, True, True, False]
    safety = [f for f in result.flags if f.kind == "safety"]
    assert safety
    for flag in safety:
        first, second = result.partner_flags[flag.column]
        assert first.tolist() == [False, False, True, False]
        assert second.tolist() == [False, True, False, False]
    assert any(name.endswith("_diff_reliable") for name in result.columns)

"""Respondent ids are never lost silently (warning ``no-id-column``).

When no id column is named and none has one of the usual names, respondents are numbered
by row. The warning names what looks like the ids: a column named like them (``pid``,
``subject``), a column with a different short value on every row, or a pandas
DataFrame's index, and says how to use it (``--id-column``, ``id_column=``,
``df.reset_index()``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import relscales
from relscales.io.idguess import id_like_name, id_like_values

FIVE = Path(__file__).resolve().parent.parent / "data" / "bad" / "five.yaml"
ITEMS = {f"q{j}": [1, 5, 3] for j in range(1, 6)}


def _id_warnings(result: Any) -> list[Any]:
    return [w for w in result.warnings if w.code == "no-id-column"]


@pytest.mark.parametrize("name", ["pid", "subject", "Participant", "subjectID", "case_no", "VP"])
def test_a_column_named_like_ids_is_named(tmp_path: Path, name: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(f"{name},q1,q2,q3,q4,q5\na,1,2,3,4,5\na,5,4,3,2,1\n", encoding="utf-8")
    result = relscales.score(FIVE, path)
    assert list(result.columns["row"]) == [1, 2]
    (warning,) = _id_warnings(result)
    assert warning.severity == "warning"
    assert f"'{name}'" in warning.message
    assert warning.location.data_column == name
    assert f"id_column='{name}'" in (warning.hint or "")
    named = relscales.score(FIVE, path, id_column=name)
    assert not _id_warnings(named)


def test_the_command_line_says_how_to_name_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from relscales.cli import main

    data = FIVE.parent / "id-column-named-pid.csv"
    args = ["score", str(data), "-i", str(FIVE), "-o", str(tmp_path / "out.csv")]
    with pytest.raises(SystemExit) as done:
        main(args)
    assert done.value.code == 0
    err = capsys.readouterr().err
    assert "warning[no-id-column] no respondent id column was found" in err
    assert "--id-column pid" in err
    with pytest.raises(SystemExit):
        main([*args, "--id-column", "pid"])
    assert "no-id-column" not in capsys.readouterr().err


def test_a_column_of_distinct_short_values_is_named(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "code,q1,q2,q3,q4,q5,comment,duration,started\n"
        "X7,1,2,3,4,5,fine thanks,12.5,2024-01-02\n"
        "K2,5,4,3,2,1,,13.5,2024-01-03\n"
        "B9,3,3,3,3,3,so so,14.25,2024-01-04\n",
        encoding="utf-8",
    )
    (warning,) = _id_warnings(relscales.score(FIVE, path))
    assert "this column looks like ids (with a different value on every row): 'code'" in (
        warning.message
    )
    # after the items: a duration or a score, not named
    moved = tmp_path / "after.csv"
    moved.write_text("q1,q2,q3,q4,q5,code\n1,2,3,4,5,X7\n5,4,3,2,1,K2\n", encoding="utf-8")
    assert not _id_warnings(relscales.score(FIVE, moved))


def test_no_warning_without_candidates_or_with_an_id(tmp_path: Path) -> None:
    bad = FIVE.parent
    for name in ["no-id-column.csv", "utf8.csv", "duplicate-ids.csv"]:
        assert not _id_warnings(relscales.score(FIVE, bad / name)), name
    assert not _id_warnings(relscales.score(FIVE, dict(ITEMS)))


def test_in_memory_columns(tmp_path: Path) -> None:
    result = relscales.score(FIVE, {"respondent": ["a", "b", "c"], **ITEMS})
    (warning,) = _id_warnings(result)
    assert "'respondent'" in warning.message
    assert "id_column='respondent'" in (warning.hint or "")
    # repeated values are not ids (unless the name says so)
    assert not _id_warnings(relscales.score(FIVE, {"group": ["a", "a", "b"], **ITEMS}))


def test_a_dataframe_index_is_not_lost_silently() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(ITEMS, index=pd.Index(["p7", "p8", "p9"], name="pid"))
    result = relscales.score(FIVE, frame)
    assert list(result.columns["row"]) == [1, 2, 3]
    (warning,) = _id_warnings(result)
    assert "index named 'pid'" in warning.message
    assert "df.reset_index()" in (warning.hint or "")
    assert "id_column='pid'" in (warning.hint or "")
    reset = relscales.score(FIVE, frame.reset_index(), id_column="pid")
    assert list(reset.columns["pid"]) == ["p7", "p8", "p9"]
    assert not _id_warnings(reset)
    # an unnamed index other than 0, 1, 2 (rows filtered, or sorted)
    (unnamed,) = _id_warnings(relscales.score(FIVE, pd.DataFrame(ITEMS).iloc[::-1]))
    assert "has an index other than 0, 1, 2" in unnamed.message
    # the default index, or an id column: nothing to say
    assert not _id_warnings(relscales.score(FIVE, pd.DataFrame(ITEMS)))
    with_ids = pd.DataFrame({"id": ["a", "b", "c"], **ITEMS}, index=[5, 6, 7])
    assert not _id_warnings(relscales.score(FIVE, with_ids))


def test_what_looks_like_an_id() -> None:
    assert [id_like_name(n) for n in ["pid", "ResponseId", "teilnehmer_nr", "token"]] == [True] * 4
    assert [id_like_name(n) for n in ["valid", "paid", "age", "subject_age"]] == [False] * 4
    assert id_like_values(["p1", "p2"])
    assert not id_like_values(["p1"])  # one row proves nothing
    assert not id_like_values(["1.5", "2.5"])
    assert not id_like_values(["x" * 65, "y"])

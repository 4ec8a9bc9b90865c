"""The scoring engine and ``relscales.score``: inputs, ids, columns, norms, composites, warnings."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from tests.reference_intervals import sem_n, wilson_naive

import relscales
from relscales.errors import DataError, ScoringError
from relscales.instruments.loader import load_instrument_data
from relscales.io.sources import open_source

DATA = Path(__file__).resolve().parent.parent / "data" / "scoring"
NORMED = DATA / "normed.yaml"
Z95 = 1.959963984540054

ECR_ITEMS = [f"ecrr{i:02d}" for i in range(1, 37)]
RSES_ITEMS = [f"rses{i:02d}" for i in range(1, 11)]


def ecr_answers(n: int = 25, seed: int = 11) -> tuple[list[str], list[list[int | None]]]:
    """``n`` respondents x 36 ECR-R items, 1-7, about 10% missing; respondent 3 skips anxiety."""
    rng = np.random.default_rng(seed)
    values = rng.integers(1, 8, size=(n, 36))
    missing = rng.random((n, 36)) < 0.1
    missing[3, :18] = True
    rows = [[None if missing[i, j] else int(values[i, j]) for j in range(36)] for i in range(n)]
    return [f"p{i:03d}" for i in range(n)], rows


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def by_hand_ecr(rows: list[list[int | None]]) -> dict[str, list[float]]:
    reversed_items = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36}
    out: dict[str, list[float]] = {"anxiety": [], "avoidance": []}
    for row in rows:
        for name, numbers in (("anxiety", range(1, 19)), ("avoidance", range(19, 37))):
            keyed = [
                8 - row[i - 1] if i in reversed_items else row[i - 1]
                for i in numbers
                if row[i - 1] is not None
            ]
            out[name].append(sum(keyed) / len(keyed) if keyed else math.nan)
    return out


# ---------------------------------------------------------------------------------------------
# Every input kind gives the same numbers
# ---------------------------------------------------------------------------------------------


def _inputs(tmp_path: Path) -> dict[str, Any]:
    ids, rows = ecr_answers()
    header = ["id", *ECR_ITEMS]
    columns = {"id": ids} | {item: [row[j] for row in rows] for j, item in enumerate(ECR_ITEMS)}
    floats = np.array([[math.nan if v is None else v for v in row] for row in rows])
    return {
        "ids": ids,
        "rows": rows,
        "header": header,
        "columns": columns,
        "floats": floats,
        "csv": write_csv(
            tmp_path / "ecr.csv", header, [[i, *r] for i, r in zip(ids, rows, strict=True)]
        ),
    }


def _as_kind(kind: str, inp: dict[str, Any]) -> Any:
    import pyarrow as pa

    if kind == "csv-path":
        return inp["csv"]
    if kind == "csv-str":
        return str(inp["csv"])
    if kind == "mapping":
        return inp["columns"]
    if kind == "mapping-of-text":
        return {k: [None if v is None else str(v) for v in vs] for k, vs in inp["columns"].items()}
    if kind == "numpy-2d":
        return open_source(inp["floats"], columns=ECR_ITEMS)
    if kind == "numpy-structured":
        dtype = [("id", "U8")] + [(item, "f8") for item in ECR_ITEMS]
        arr = np.zeros(len(inp["ids"]), dtype=dtype)
        arr["id"] = inp["ids"]
        for j, item in enumerate(ECR_ITEMS):
            arr[item] = inp["floats"][:, j]
        return arr
    if kind == "pyarrow":
        return pa.table({k: pa.array(v) for k, v in inp["columns"].items()})
    if kind == "pyarrow-batch":
        return pa.RecordBatch.from_pydict(inp["columns"])
    if kind == "pandas":
        pd = pytest.importorskip("pandas")
        return pd.DataFrame(inp["columns"])
    if kind == "polars":
        pl = pytest.importorskip("polars")
        return pl.DataFrame(inp["columns"])
    raise AssertionError(kind)


KINDS = [
    "csv-path",
    "csv-str",
    "mapping",
    "mapping-of-text",
    "numpy-2d",
    "numpy-structured",
    "pyarrow",
    "pyarrow-batch",
    "pandas",
    "polars",
]


@pytest.mark.parametrize("kind", KINDS)
def test_every_input_kind_gives_identical_numbers(tmp_path: Path, kind: str) -> None:
    inp = _inputs(tmp_path)
    reference = relscales.score("ecr-r", inp["csv"], with_counts=True)
    result = relscales.score("ecr-r", _as_kind(kind, inp), with_counts=True)
    for name in ("anxiety", "avoidance"):
        np.testing.assert_array_equal(result.scores[name], reference.scores[name])
        np.testing.assert_array_equal(result.n_answered[name], reference.n_answered[name])
    if kind == "numpy-2d":  # no id column: rows are numbered
        assert result.id_column == "row"
        assert result.columns["row"].tolist() == list(range(1, 26))
    else:
        assert result.id_column == "id"
        assert result.columns["id"].tolist() == inp["ids"]
    assert result.problem_count == 0


def test_scores_match_a_hand_computation(tmp_path: Path) -> None:
    inp = _inputs(tmp_path)
    result = relscales.score("ecr-r", inp["csv"])
    expected = by_hand_ecr(inp["rows"])
    for name in ("anxiety", "avoidance"):
        np.testing.assert_allclose(result.scores[name], expected[name], rtol=0, atol=1e-9)
    assert math.isnan(result.scores["anxiety"][3])  # every anxiety item skipped -> empty


def test_plain_numpy_array_needs_column_names() -> None:
    with pytest.raises(DataError) as info:
        relscales.score("rses", np.ones((2, 10)))
    assert info.value.code == "invalid-option"


def test_unsupported_data_type() -> None:
    with pytest.raises(DataError) as info:
        relscales.score("rses", 42)
    assert info.value.code == "unsupported-format"


def test_missing_data_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        relscales.score("rses", tmp_path / "absent.csv")
    assert info.value.code == "file-not-found"


# ---------------------------------------------------------------------------------------------
# Respondent ids
# ---------------------------------------------------------------------------------------------


def rses_table(id_columns: dict[str, list[str]], n: int = 3) -> dict[str, list[Any]]:
    return id_columns | {item: [3] * n for item in RSES_ITEMS}


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        pytest.param(["id"], "id", id="id"),
        pytest.param(["ResponseId"], "ResponseId", id="qualtrics"),
        pytest.param(["record_id"], "record_id", id="redcap"),
        pytest.param(["participant_id"], "participant_id", id="participant_id"),
        pytest.param(["ID"], "ID", id="case-insensitive"),
        pytest.param(["participant_id", "ResponseId"], "ResponseId", id="candidates-in-order"),
        pytest.param(["record_id", "id"], "id", id="id-first"),
    ],
)
def test_id_column_detection(ids: list[str], expected: str) -> None:
    data = rses_table({name: [f"{name}-{i}" for i in range(3)] for name in ids})
    result = relscales.score("rses", data)
    assert result.id_column == expected
    assert next(iter(result.columns)) == expected
    assert result.columns[expected].tolist() == [f"{expected}-{i}" for i in range(3)]


def test_rows_are_numbered_without_an_id_column() -> None:
    result = relscales.score("rses", rses_table({"pid": ["a", "b", "c"]}))
    assert result.id_column == "row"
    assert list(result.columns) == ["row", "self_esteem"]
    assert result.columns["row"].tolist() == [1, 2, 3]


def test_explicit_id_column() -> None:
    data = rses_table({"id": ["1", "2", "3"], "pid": ["a", "b", "c"]})
    result = relscales.score("rses", data, id_column="pid")
    assert list(result.columns) == ["pid", "self_esteem"]
    assert result.columns["pid"].tolist() == ["a", "b", "c"]


def test_numeric_ids_are_kept_as_text() -> None:
    result = relscales.score("rses", rses_table({"id": [101, 102, 103]}))  # type: ignore[dict-item]
    assert result.columns["id"].tolist() == ["101", "102", "103"]


def test_missing_id_column_is_an_error() -> None:
    with pytest.raises(DataError) as info:
        relscales.score(
            "rses", rses_table({"participant": ["a", "b", "c"]}), id_column="participnt"
        )
    (issue,) = info.value.issues
    assert issue.code == "id-column-not-found"
    assert issue.location.data_column == "participnt"
    assert "participnt" in issue.message
    assert issue.hint == "did you mean 'participant'?"


# ---------------------------------------------------------------------------------------------
# Item columns
# ---------------------------------------------------------------------------------------------


def test_missing_item_column_names_it_and_a_near_miss() -> None:
    data = rses_table({"id": ["a", "b", "c"]})
    data["rses3"] = data.pop("rses03")
    with pytest.raises(DataError) as info:
        relscales.score("rses", data)
    (issue,) = info.value.issues
    assert issue.code == "missing-item-column"
    assert issue.location.instrument == "rses"
    assert issue.location.data_column == "rses03"
    assert "1 of the 10 item columns of 'rses' is not in the data: rses03" in issue.message
    assert issue.hint == "near misses: 'rses03' looks like 'rses3'"


def test_missing_item_columns_of_several_instruments_are_reported_together() -> None:
    with pytest.raises(DataError) as info:
        relscales.score(["rses", "ecr-r"], {"id": ["a"]})
    assert [(i.code, i.location.instrument) for i in info.value.issues] == [
        ("missing-item-column", "rses"),
        ("missing-item-column", "ecr-r"),
    ]
    assert "36 of the 36" in info.value.issues[1].message


def test_duplicate_needed_column_in_a_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", ["id", *RSES_ITEMS, "rses04"], [["a", *[1] * 10, 1]])
    with pytest.raises(DataError) as info:
        relscales.score("rses", path)
    (issue,) = info.value.issues
    assert issue.code == "duplicate-data-column"
    assert issue.location.data_column == "rses04"


def test_duplicate_needed_column_in_a_table() -> None:
    import pyarrow as pa

    table = pa.table([pa.array(["a"])] + [pa.array([1])] * 11, names=["id", *RSES_ITEMS, "id"])
    with pytest.raises(DataError) as info:
        relscales.score("rses", table)
    assert info.value.code == "duplicate-data-column"


def test_duplicate_unneeded_column_is_fine(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "dup.csv", ["id", "note", *RSES_ITEMS, "note"], [["a", "x", *[3] * 10, "y"]]
    )
    assert relscales.score("rses", path).scores["self_esteem"].tolist() == [15.0]


def test_column_map() -> None:
    ids, rows = ecr_answers(8)
    named = {"id": ids} | {item: [r[j] for r in rows] for j, item in enumerate(ECR_ITEMS)}
    renamed = {"id": ids} | {f"Q{j + 1}": [r[j] for r in rows] for j in range(36)}
    mapping = {f"Q{j + 1}": item for j, item in enumerate(ECR_ITEMS)}
    direct = relscales.score("ecr-r", named)
    mapped = relscales.score("ecr-r", renamed, column_map=mapping)
    for name in ("anxiety", "avoidance"):
        np.testing.assert_array_equal(mapped.scores[name], direct.scores[name])
    with pytest.raises(DataError) as info:
        relscales.score("ecr-r", renamed)
    assert info.value.code == "missing-item-column"


def test_extra_columns_are_ignored_and_column_order_is_free() -> None:
    data = {"rses10": [3], "comment": ["hello"], "id": ["a"], **{i: [3] for i in RSES_ITEMS[:9]}}
    result = relscales.score("rses", data)
    assert list(result.columns) == ["id", "self_esteem"]
    assert result.scores["self_esteem"].tolist() == [15.0]


# ---------------------------------------------------------------------------------------------
# Several instruments in one pass
# ---------------------------------------------------------------------------------------------


def test_several_instruments_in_one_pass(tmp_path: Path) -> None:
    ids, rows = ecr_answers(6)
    data = {"id": ids} | {item: [r[j] for r in rows] for j, item in enumerate(ECR_ITEMS)}
    data |= {item: [(i + j) % 4 for i in range(6)] for j, item in enumerate(RSES_ITEMS)}
    both = relscales.score(["rses", "ecr-r"], data, with_counts=True)
    assert list(both.columns) == [
        "id",
        "self_esteem",
        "anxiety",
        "avoidance",
        "attachment_style",  # readings (flags, then profiles) follow the scores
        "self_esteem_n_answered",
        "anxiety_n_answered",
        "avoidance_n_answered",
    ]
    alone = {**relscales.score("rses", data).scores, **relscales.score("ecr-r", data).scores}
    for name, values in alone.items():
        np.testing.assert_array_equal(both.scores[name], values)
    assert [p["id"] for p in both.metadata["instruments"]] == ["rses", "ecr-r"]


def test_shared_score_ids_are_prefixed_with_the_instrument() -> None:
    standard = [[3, 0, 3, 3, 0, 0, 3, 0, 0, 3], [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]]
    order_b = {
        "rses07": "Q1",
        "rses03": "Q2",
        "rses09": "Q3",
        "rses04": "Q4",
        "rses05": "Q5",
        "rses10": "Q6",
        "rses01": "Q7",
        "rses08": "Q8",
        "rses06": "Q9",
        "rses02": "Q10",
    }
    data: dict[str, list[Any]] = {"id": ["a", "b"]}
    for j, item in enumerate(RSES_ITEMS):
        data[item] = [row[j] for row in standard]
        data[order_b[item]] = [row[j] + 1 for row in standard]  # coded 1-4
    result = relscales.score(["rses", "rses-order-b"], data, with_counts=True)
    assert list(result.columns) == [
        "id",
        "rses.self_esteem",
        "rses-order-b.self_esteem",
        "rses.self_esteem_n_answered",
        "rses-order-b.self_esteem_n_answered",
    ]
    assert result.scores["rses.self_esteem"].tolist() == [30.0, 18.0]
    assert result.scores["rses-order-b.self_esteem"].tolist() == [40.0, 28.0]  # 10 more, 1-4
    assert set(result.n_answered) == {"rses.self_esteem", "rses-order-b.self_esteem"}


# ---------------------------------------------------------------------------------------------
# Norms, intervals, bands and composites (tests/data/scoring/normed.yaml)
# ---------------------------------------------------------------------------------------------

# warmth = mean(a1, 6 - a2, a3, a4); worry = b1 + b2 + (6 - b3), all three needed
NORMED_DATA = {
    "id": ["x", "y", "z"],
    "a1": [4, 2, 5],
    "a2": [2, 4, None],
    "a3": [3, 3, 5],
    "a4": [5, 1, 5],
    "b1": [3, 1, 2],
    "b2": [4, 2, None],
    "b3": [1, 5, 2],
}
WARMTH = [4.0, 2.0, 5.0]  # (4+4+3+5)/4, (2+2+3+1)/4, (5+5+5)/3
WORRY = [12.0, 4.0, math.nan]  # 3+4+5, 1+2+1, b2 missing


def phi(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def close_pairs(lows: Any, highs: Any, expected: list[tuple[float, float]]) -> None:
    close(lows, [e[0] for e in expected])
    close(highs, [e[1] for e in expected])


def close(got: Any, expected: list[float]) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected, rtol=0, atol=1e-9)


def test_subscale_scores_norms_and_intervals_by_hand() -> None:
    r = relscales.score(
        NORMED, NORMED_DATA, with_ci=True, with_norms=True, with_counts=True, with_bands=True
    )
    close(r.scores["warmth"], WARMTH)
    close(r.scores["worry"], WORRY)
    # students: warmth mean 3.0 sd 0.8, worry mean 9 sd 2.5
    z_w = [(x - 3.0) / 0.8 for x in WARMTH]
    close(r.columns["warmth_z"], z_w)
    close(r.columns["warmth_t"], [50 + 10 * z for z in z_w])
    close(r.columns["warmth_pct"], [100 * phi(z) for z in z_w])
    z_v = [(x - 9.0) / 2.5 for x in WORRY]
    close(r.columns["worry_z"], z_v)
    close(r.columns["worry_t"], [50 + 10 * z for z in z_v])
    close(r.columns["worry_pct"], [100 * phi(z) if not math.isnan(z) else math.nan for z in z_v])
    # SEM = sd * sqrt(1 - r): warmth alpha .84 -> 0.32, worry omega .75 -> 1.25; the interval
    # is the Wilson interval whose error variance at the reference mean equals SEM^2
    sem_w, sem_v = 0.8 * math.sqrt(1 - 0.84), 2.5 * math.sqrt(1 - 0.75)
    n_w, n_v = sem_n(sem_w, 3.0, 1, 5), sem_n(sem_v, 9.0, 3, 15)
    close_pairs(
        r.columns["warmth_ci_low"],
        r.columns["warmth_ci_high"],
        [wilson_naive(x, n_w, 1, 5, Z95) for x in WARMTH],
    )
    close_pairs(
        r.columns["worry_ci_low"],
        r.columns["worry_ci_high"],
        [wilson_naive(x, n_v, 3, 15, Z95) for x in WORRY],
    )
    assert r.columns["warmth_n_answered"].tolist() == [4, 4, 3]
    assert r.columns["worry_n_answered"].tolist() == [3, 3, 2]
    assert r.columns["warmth_band"].tolist() == ["high", "low", "high"]
    assert r.columns["worry_band"].tolist() == [None, None, None]  # no bands declared
    meta = r.metadata["scores"]
    assert meta["warmth"]["sem"] == pytest.approx(sem_w, abs=1e-12)
    assert (meta["warmth"]["reliability"], meta["warmth"]["reliability_source"]) == (
        0.84,
        "published alpha",
    )
    assert (meta["worry"]["reliability"], meta["worry"]["reliability_source"]) == (
        0.75,
        "published omega",
    )
    assert meta["warmth"]["norm_group"] == "students"
    assert r.warnings == ()


def test_output_column_order() -> None:
    r = relscales.score(NORMED, NORMED_DATA, with_ci=True, with_norms=True, with_counts=True)
    scores = ["warmth", "worry", "overall", "total", "balance"]
    extras = []
    for name in scores:
        extras += [f"{name}_ci_low", f"{name}_ci_high", f"{name}_z", f"{name}_t", f"{name}_pct"]
        if name in ("warmth", "worry"):
            extras.append(f"{name}_n_answered")
    assert list(r.columns) == ["id", *scores, *extras]
    assert list(relscales.score(NORMED, NORMED_DATA).columns) == ["id", *scores]


def test_confidence_level_and_reliability_override() -> None:
    r = relscales.score(
        NORMED, NORMED_DATA, with_ci=True, confidence_level=0.90, reliability={"warmth": 0.91}
    )
    n = sem_n(0.8 * math.sqrt(1 - 0.91), 3.0, 1, 5)
    close_pairs(
        r.columns["warmth_ci_low"],
        r.columns["warmth_ci_high"],
        [wilson_naive(x, n, 1, 5, 1.6448536269514722) for x in WARMTH],
    )
    assert r.metadata["scores"]["warmth"]["reliability_source"] == "given"


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5, -0.1])
def test_confidence_level_must_be_between_0_and_1(level: float) -> None:
    with pytest.raises(ScoringError) as info:
        relscales.score(NORMED, NORMED_DATA, with_ci=True, confidence_level=level)
    assert info.value.code == "invalid-option"


def test_norm_group_with_percentile_table() -> None:
    r = relscales.score(NORMED, NORMED_DATA, with_norms=True, norm_group="adults")
    close(r.columns["warmth_z"], [(x - 3.2) / 0.6 for x in WARMTH])
    close(r.columns["warmth_pct"], [80.0, 20.0, 100.0])  # interpolated in the table
    close(r.columns["worry_z"], [(x - 8.0) / 2.0 for x in WORRY])
    # the standardized composite follows the chosen group too
    z = [((w - 3.2) / 0.6 + (v - 8.0) / 2.0) / 2 for w, v in zip(WARMTH, WORRY, strict=True)]
    close(r.scores["balance"], z)


def test_unknown_norm_group_gives_empty_norms_and_a_warning() -> None:
    r = relscales.score(NORMED, NORMED_DATA, with_norms=True, norm_group="retirees")
    assert np.isnan(r.columns["warmth_z"]).all()
    assert np.isnan(r.scores["balance"]).all()  # cannot standardize against a missing group
    close(r.scores["warmth"], WARMTH)  # raw scores are unaffected
    ((code, where, severity),) = [(w.code, w.location.instrument, w.severity) for w in r.warnings]
    assert (code, where, severity) == ("no-norms", "normed", "warning")
    assert "warmth, worry" in r.warnings[0].message
    assert "retirees" in r.warnings[0].message


def test_every_score_has_an_interval_without_norms_or_reliability() -> None:
    """--with-ci gives numbers for every score: from the person's answers when no SEM."""
    r = relscales.score("rses", rses_table({"id": ["a", "b", "c"]}), with_ci=True)
    assert r.warnings == ()
    low, high = r.columns["self_esteem_ci_low"], r.columns["self_esteem_ci_high"]
    score = r.scores["self_esteem"]
    ok = ~np.isnan(score)
    assert ok.any()
    assert (low[ok] <= score[ok]).all()
    assert (score[ok] <= high[ok]).all()
    assert (high[ok] > low[ok]).all()
    assert (low[ok] >= 0).all()
    assert (high[ok] <= 30).all()
    spec = yaml.safe_load(NORMED.read_text())
    spec["subscales"][0].pop("published")
    unpublished = load_instrument_data(spec)
    r = relscales.score(unpublished, NORMED_DATA, with_ci=True)
    assert r.warnings == ()
    assert not np.isnan(r.columns["warmth_ci_low"]).any()
    r = relscales.score(unpublished, NORMED_DATA, with_ci=True, reliability={"warmth": 0.84})
    assert r.warnings == ()


def test_a_given_reliability_without_norms_is_reported_unused() -> None:
    r = relscales.score("rses", rses_table({"id": ["a"]}, n=1), reliability={"self_esteem": 0.9})
    ((code, score),) = [(w.code, w.location.object_id) for w in r.warnings]
    assert (code, score) == ("no-norms", "self_esteem")
    assert "person's own answers" in r.warnings[0].message


def test_composites_by_hand() -> None:
    r = relscales.score(NORMED, NORMED_DATA, with_ci=True)
    # overall: weighted mean (2 * warmth + 1 * worry) / 3; total: warmth + 0.5 * worry
    close(r.scores["overall"], [(2 * w + v) / 3 for w, v in zip(WARMTH, WORRY, strict=True)])
    close(r.scores["total"], [w + 0.5 * v for w, v in zip(WARMTH, WORRY, strict=True)])
    # balance: mean of the parts' z scores against their first norm group
    close(
        r.scores["balance"],
        [((w - 3.0) / 0.8 + (v - 9.0) / 2.5) / 2 for w, v in zip(WARMTH, WORRY, strict=True)],
    )
    assert np.isnan(r.scores["overall"][2])  # a missing part -> a missing composite
    # composite SEMs (metadata) propagate the parts' (errors independent)
    sem_w, sem_v = 0.32, 1.25
    sems = {
        "overall": math.sqrt((2 * sem_w) ** 2 + sem_v**2) / 3,
        "total": math.sqrt(sem_w**2 + (0.5 * sem_v) ** 2),
        "balance": math.sqrt((sem_w / 0.8) ** 2 + (sem_v / 2.5) ** 2) / 2,
    }
    for name, s in sems.items():
        assert r.metadata["scores"][name]["sem"] == pytest.approx(s, abs=1e-12)
        assert r.metadata["scores"][name]["reliability_source"] == "propagated from parts"
    # intervals: each part's error variance at its Wilson centre, (w f)^2-weighted, over the
    # sum of weights squared; a bounded composite turns it into an n at its own centre
    n_w, n_v = sem_n(sem_w, 3.0, 1, 5), sem_n(sem_v, 9.0, 3, 15)

    def centre_var(x: float, n: float, low: float, high: float) -> tuple[float, float]:
        p = (x - low) / (high - low)
        c = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
        return low + (high - low) * c, (high - low) ** 2 * c * (1 - c) / n

    for k, (w, v) in enumerate(zip(WARMTH[:2], WORRY[:2], strict=True)):
        cw, vw = centre_var(w, n_w, 1, 5)
        cv, vv = centre_var(v, n_v, 3, 15)
        # overall = (2 warmth + worry) / 3 on [5/3, 25/3]
        lo_o, hi_o = 5 / 3, 25 / 3
        var_o = (4 * vw + vv) / 9
        pc = ((2 * cw + cv) / 3 - lo_o) / (hi_o - lo_o)
        n_o = pc * (1 - pc) * (hi_o - lo_o) ** 2 / var_o
        expected = wilson_naive(r.scores["overall"][k], n_o, lo_o, hi_o, Z95)
        assert r.columns["overall_ci_low"][k] == pytest.approx(expected[0], abs=1e-9)
        assert r.columns["overall_ci_high"][k] == pytest.approx(expected[1], abs=1e-9)
        # balance: mean of z scores, unbounded: symmetric, +/- z sqrt(var)
        se_b = math.sqrt(vw / 0.8**2 + vv / 2.5**2) / 2
        half = r.columns["balance_ci_high"][k] - r.scores["balance"][k]
        assert half == pytest.approx(Z95 * se_b, abs=1e-9)
        assert r.scores["balance"][k] - r.columns["balance_ci_low"][k] == pytest.approx(half)
    assert np.isnan(r.columns["overall_ci_low"][2])


# ---------------------------------------------------------------------------------------------
# Whole-sample warnings
# ---------------------------------------------------------------------------------------------


def ecr_uniform(n: int, low: int, high: int) -> dict[str, Any]:
    rng = np.random.default_rng(n)
    return {"id": [f"p{i}" for i in range(n)]} | {
        item: rng.integers(low, high + 1, n).tolist() for item in ECR_ITEMS
    }


def test_scale_range_narrow_warning() -> None:
    r = relscales.score("ecr-r", ecr_uniform(100, 1, 5))
    (warning,) = r.warnings
    assert (warning.code, warning.severity, warning.location.instrument) == (
        "scale-range-narrow",
        "warning",
        "ecr-r",
    )
    assert "1-7" in warning.message
    assert "only span 1-5" in warning.message
    assert "100 respondents" in warning.message
    assert r.metadata["warnings"][0]["code"] == "scale-range-narrow"


@pytest.mark.parametrize(
    ("n", "low", "high"),
    [
        pytest.param(100, 1, 7, id="full-range"),
        pytest.param(99, 1, 5, id="too-few-people"),
        pytest.param(150, 2, 7, id="one-value-unused"),
    ],
)
def test_no_scale_range_warning(n: int, low: int, high: int) -> None:
    assert relscales.score("ecr-r", ecr_uniform(n, low, high)).warnings == ()


# ---------------------------------------------------------------------------------------------
# The result object
# ---------------------------------------------------------------------------------------------


def test_rows_out_equal_rows_in_and_keep_their_order() -> None:
    ids = [f"r{i}" for i in (5, 3, 9, 1, 7)]
    data = rses_table({"id": ids}, n=5)
    data["rses01"] = [None, "bad", 3, 3, 3]
    r = relscales.score("rses", data)
    assert r.n_respondents == 5
    assert r.columns["id"].tolist() == ids
    assert np.isnan(r.scores["self_esteem"]).tolist() == [True, True, False, False, False]


def test_header_only_input_gives_empty_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "empty.csv", ["id", *RSES_ITEMS], [])
    r = relscales.score("rses", path, with_counts=True)
    assert list(r.columns) == ["id", "self_esteem", "self_esteem_n_answered"]
    assert r.n_respondents == 0
    assert r.n_answered["self_esteem"].tolist() == []
    assert r.to_records() == []


def test_to_records() -> None:
    r = relscales.score(NORMED, NORMED_DATA, with_counts=True)
    records = r.to_records()
    assert [rec["id"] for rec in records] == ["x", "y", "z"]
    assert records[2]["worry"] is None  # missing -> None (JSON null)
    assert records[0]["warmth"] == pytest.approx(4.0)
    assert records[0]["warmth_n_answered"] == 4
    assert list(records[0]) == list(r.columns)


def test_to_frame() -> None:
    pytest.importorskip("pandas")
    r = relscales.score(NORMED, NORMED_DATA)
    wide = r.to_frame()
    assert list(wide.columns) == list(r.columns)
    assert wide["id"].tolist() == ["x", "y", "z"]
    long = r.to_frame("long")
    assert list(long.columns) == ["id", "score", "value", "n_answered"]
    assert len(long) == 3 * 5
    warmth = long[long["score"] == "warmth"]
    assert warmth["value"].tolist() == pytest.approx(WARMTH)
    assert warmth["n_answered"].tolist() == [4, 4, 3]


def test_metadata() -> None:
    r = relscales.score(NORMED, NORMED_DATA, with_counts=True)
    meta = r.metadata
    assert meta["relscales_version"] == relscales.__version__
    inst = relscales.load_instrument(NORMED)
    (prov,) = meta["instruments"]
    assert (prov["id"], prov["version"], prov["content_hash"]) == (
        "normed",
        "1.2.3",
        inst.content_hash,
    )
    assert meta["n_rows"] == 3
    assert meta["id_column"] == "id"
    assert meta["options"]["with_counts"] is True
    assert meta["columns"] == list(r.columns)
    assert meta["problems"]["total"] == 0
    assert meta["input"]["name"] == "<data>"


def test_collect_answers_gives_raw_codes_with_invalid_cells_missing() -> None:
    from relscales.pipeline.score import collect_answers
    from relscales.scoring.compile import compile_instrument

    compiled = compile_instrument(relscales.load_instrument("ecr-r"))
    example = Path(__file__).resolve().parents[2] / "examples" / "ecr-r-responses.csv"
    ids, answers, problems = collect_answers(compiled, example)
    assert answers.shape == (40, 36)
    assert ids.tolist()[:2] == ["R_001", "R_002"]
    assert np.isnan(answers[2, 4])  # the skipped item
    assert answers[7, 11] == 7.0  # "Strongly agree" read as its code, not reverse-keyed
    assert np.isnan(answers[11, 29])  # the out-of-range 8
    assert [(p.row, p.column) for p in problems] == [(12, "ecrr30")]


def test_quality_column_and_excluding_careless_rows_keep_every_row() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "ecr-r-responses.csv"
    plain = relscales.score("ecr-r", example)
    screened = relscales.score("ecr-r", example, quality=True, exclude_careless=True)
    labels = screened.columns["quality"].tolist()
    assert len(labels) == plain.n_respondents == 40
    flagged = [i for i, label in enumerate(labels) if label.startswith("careless")]
    assert flagged
    assert all(labels[i].startswith("careless: ecr-r:") for i in flagged)
    # person fit alone marks a pattern "unusual", which keeps its scores
    unusual = [i for i, label in enumerate(labels) if label.startswith("unusual")]
    assert all(labels[i] == "unusual: ecr-r:person_fit" for i in unusual)
    assert all(labels[i] == "ok" for i in set(range(40)) - set(flagged) - set(unusual))
    for i in range(40):
        if i in flagged:
            assert math.isnan(screened.scores["anxiety"][i])
            assert screened.columns["attachment_style"][i] is None
        else:
            assert screened.scores["anxiety"][i] == plain.scores["anxiety"][i]
    assert screened.columns["ResponseId"].tolist() == plain.columns["ResponseId"].tolist()

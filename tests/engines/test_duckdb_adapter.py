"""relscales.engines.duckdb: a relation's Arrow batches get the numbers of `relscales score`."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa  # noqa: TID253
import pytest
from enginecheck import (
    BATTERY,
    assert_same,
    assert_same_analysis,
    expected_table,
    problem_rows,
    write_responses,
)

import relscales

duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed: pip install duckdb")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"
OPTIONS = {"with_ci": True, "with_counts": True, "with_bands": True}


@pytest.fixture(scope="module")
def responses(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_responses(tmp_path_factory.mktemp("duckdb") / "responses.csv")


def test_duckdb_scores_are_those_of_relscales_score(responses: Path) -> None:
    from relscales.engines.duckdb import score_duckdb

    con = duckdb.connect()
    relation = con.read_csv(str(responses), all_varchar=True)  # every column as text
    scores = score_duckdb(relation, BATTERY, con=con, batch_rows=500, **OPTIONS)
    assert con.sql("select 42").fetchall() == [(42,)]  # the connection stays free
    found = scores.to_arrow_table()
    scorer = relscales.ArrowScorer(BATTERY, input_schema=relation.columns, **OPTIONS)
    assert found.schema == scorer.schema
    expected = relscales.score(BATTERY, responses, **OPTIONS)
    assert_same(found, expected_table(expected, scorer.schema))
    with pytest.raises(duckdb.Error, match="consumed"):  # a stream: read once
        scores.to_arrow_table()


def test_duckdb_runs_a_query_numbers_rows_and_reads_numbers(tmp_path: Path) -> None:
    from relscales.engines.duckdb import score_duckdb

    query = f"select * exclude (ResponseId) from read_csv('{EXAMPLE}')"  # items as numbers
    scores = score_duckdb(query, "ecr-r", with_ci=True, batch_rows=7)
    scores.create("example_scores")
    found = duckdb.sql("select * from example_scores").to_arrow_table()
    assert found.column("row").to_pylist() == list(range(1, 41))
    table = duckdb.sql(query).to_arrow_table()
    assert pa.types.is_integer(table.schema.field("ecrr01").type)
    scorer = relscales.ArrowScorer("ecr-r", input_schema=table.schema, with_ci=True)
    expected = relscales.score("ecr-r", table, with_ci=True)
    assert_same(found, expected_table(expected, scorer.schema))
    duckdb.sql("drop table example_scores")


def test_duckdb_problems_are_those_of_relscales_score(responses: Path) -> None:
    from relscales.engines.duckdb import problems_duckdb

    con = duckdb.connect()
    query = f"select * from read_csv('{responses}', all_varchar = true)"
    found = problems_duckdb(query, BATTERY, con=con, batch_rows=1000).to_arrow_table()
    expected = relscales.score(BATTERY, responses)
    rows = sorted(found.to_pylist(), key=lambda d: (d["row"], d["column"]))
    assert rows == problem_rows(expected.problems)
    assert len(rows) == expected.problem_count > 1000


def test_duckdb_analysis_equals_the_single_machine_result(responses: Path) -> None:
    from relscales.engines.duckdb import analyze_duckdb

    con = duckdb.connect()
    rel = con.read_csv(str(responses), all_varchar=True)
    options = {"ci": "bootstrap", "n_boot": 40, "seed": 3}
    found = analyze_duckdb(rel, "ecr-r", con=con, batch_rows=333, **options)
    expected = relscales.analyze("ecr-r", responses, quality=False, **options)
    assert_same_analysis(found, expected)

"""relscales.engines.dask: partitions of a Dask DataFrame get the numbers of `relscales score`."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa  # noqa: TID253
import pyarrow.csv as pacsv  # noqa: TID253
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

dd = pytest.importorskip("dask.dataframe", reason="dask is not installed: pip install dask")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"
OPTIONS = {"with_ci": True, "with_counts": True, "with_bands": True}


@pytest.fixture(scope="module")
def responses(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_responses(tmp_path_factory.mktemp("dask") / "responses.csv")


def _read(path: Path) -> object:
    """Every column as text, blanks as empty text: relscales' reading rules then apply."""
    return dd.read_csv(path, dtype=str, keep_default_na=False, blocksize=256 << 10)


def _arrow(frame: object) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def test_dask_scores_are_those_of_relscales_score(responses: Path) -> None:
    from relscales.engines.dask import score_dask

    ddf = _read(responses)
    assert ddf.npartitions >= 3  # type: ignore[attr-defined]
    scores = score_dask(ddf, BATTERY, **OPTIONS)
    scorer = relscales.ArrowScorer(BATTERY, input_schema=list(ddf.columns), **OPTIONS)  # type: ignore[attr-defined]
    expected = expected_table(relscales.score(BATTERY, responses, **OPTIONS), scorer.schema)
    synchronous = scores.compute(scheduler="synchronous")
    assert list(synchronous.dtypes) == list(scores.dtypes)  # the declared meta holds
    assert_same(_arrow(synchronous), expected)
    assert_same(_arrow(scores.compute(scheduler="threads")), expected)


def test_dask_numbers_rows_across_partitions_and_reads_numbers() -> None:
    from relscales.engines.dask import score_dask

    frame = pacsv.read_csv(EXAMPLE).drop_columns(["ResponseId"]).to_pandas()  # numbers
    ddf = dd.from_pandas(frame, npartitions=3)
    found = _arrow(score_dask(ddf, "ecr-r", with_ci=True).compute(scheduler="threads"))
    assert found.column("row").to_pylist() == list(range(1, 41))
    scorer = relscales.ArrowScorer("ecr-r", input_schema=list(frame.columns), with_ci=True)
    assert_same(found, expected_table(relscales.score("ecr-r", frame, with_ci=True), scorer.schema))


def test_dask_problems_are_those_of_relscales_score(responses: Path) -> None:
    from relscales.engines.dask import problems_dask

    found = _arrow(problems_dask(_read(responses), BATTERY).compute(scheduler="threads"))
    expected = relscales.score(BATTERY, responses)
    rows = sorted(found.to_pylist(), key=lambda d: (d["row"], d["column"]))
    assert rows == problem_rows(expected.problems)
    assert len(rows) == expected.problem_count > 1000


def test_dask_on_a_local_cluster_of_processes(responses: Path) -> None:
    """The scorer is pickled to a worker process and scores there."""
    distributed = pytest.importorskip("distributed", reason="pip install distributed")
    from relscales.engines.dask import score_dask

    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        found = client.compute(score_dask(_read(responses), BATTERY, with_ci=True)).result()
    scorer = relscales.ArrowScorer(BATTERY, id_column="id", with_ci=True)
    expected = relscales.score(BATTERY, responses, with_ci=True)
    assert_same(_arrow(found), expected_table(expected, scorer.schema))


@pytest.mark.parametrize(
    ("instrument", "options"),
    [("risi", {}), ("ecr-r", {"ci": "bootstrap", "n_boot": 50, "seed": 9})],
    ids=["risi-feldt", "ecr-r-bootstrap"],
)
def test_dask_analysis_merges_to_the_single_machine_result(
    responses: Path, instrument: str, options: dict[str, object]
) -> None:
    from relscales.engines.dask import analyze_dask

    ddf = _read(responses)
    assert ddf.npartitions > 1  # type: ignore[attr-defined]
    found = analyze_dask(ddf, instrument, **options)
    expected = relscales.analyze(instrument, responses, quality=False, **options)
    assert_same_analysis(found, expected)

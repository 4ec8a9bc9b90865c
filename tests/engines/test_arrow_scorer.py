"""relscales.ArrowScorer: Arrow batches in, the numbers of `relscales score` out."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa  # noqa: TID253
import pyarrow.csv as pacsv  # noqa: TID253
import pyarrow.parquet as pq  # noqa: TID253
import pytest
from enginecheck import BATTERY, assert_same, expected_table, problem_rows, write_responses

import relscales
from relscales import ArrowScorer, DataError, MissingDependencyError, ScoreOptions, ScoringError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"
OPTIONS = {"with_ci": True, "with_counts": True, "with_bands": True, "with_norms": True}


@pytest.fixture(scope="module")
def responses(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_responses(tmp_path_factory.mktemp("arrow") / "responses.csv")


def _text_table(path: Path) -> pa.Table:
    """A CSV file with every column as text and blanks as empty text (as Spark reads it)."""
    names = pacsv.read_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16)).schema.names
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
    return pacsv.read_csv(path, convert_options=convert)


def _score_in_batches(scorer: ArrowScorer, table: pa.Table, rows: int) -> pa.Table:
    batches = table.to_batches(max_chunksize=rows)
    return pa.Table.from_batches(list(scorer.map_batches(batches)), schema=scorer.schema)


def test_the_numbers_of_relscales_score_batch_by_batch(responses: Path) -> None:
    table = _text_table(responses)
    scorer = ArrowScorer(BATTERY, input_schema=table.schema, **OPTIONS)
    found = _score_in_batches(scorer, table, 333)
    expected = relscales.score(BATTERY, responses, **OPTIONS)
    assert_same(found, expected_table(expected, scorer.schema))
    assert scorer.rows == expected.n_respondents == 4000
    assert scorer.problem_count == expected.problem_count > 1000
    assert problem_rows(scorer.problems) == problem_rows(expected.problems)
    assert {p.code for p in scorer.problems} == {
        "value-out-of-range",
        "value-not-a-code",
        "value-not-a-number",
        "value-label-mismatch",
        "value-looks-like-date",
    }


def test_the_schema_is_declared_before_any_data() -> None:
    scorer = ArrowScorer(BATTERY, id_column="id", with_ci=True, with_counts=True)
    data = {name: ["1", "2"] if name == "id" else ["2", ""] for name in scorer.input_columns}
    expected = relscales.score(BATTERY, data, with_ci=True, with_counts=True, id_column="id")
    assert scorer.schema.names == list(expected.columns)
    assert scorer.output_columns == list(expected.columns)
    types = dict(zip(scorer.schema.names, scorer.schema.types, strict=True))
    assert types["id"] == pa.string()
    assert types["internal_combined"] == pa.float64()
    assert types["flag_safety"] == pa.bool_()
    assert types["insecurity_source"] == pa.string()
    assert types["recurrence_n_answered"] == pa.int64()
    assert scorer.rows == 0
    assert scorer.input_columns[0] == "id"


def test_an_empty_batch_gives_an_empty_batch_of_the_schema() -> None:
    scorer = ArrowScorer("ecr-r", input_schema=EXAMPLE_COLUMNS, with_ci=True)
    empty = pa.table({name: pa.array([], pa.string()) for name in EXAMPLE_COLUMNS})
    out = scorer.score_batch(empty)
    assert out.num_rows == 0
    assert out.schema == scorer.schema
    assert scorer.last_problems == ()


EXAMPLE_COLUMNS = pacsv.read_csv(EXAMPLE).schema.names


def test_pickled_scorers_score_alike_and_start_afresh() -> None:
    table = pacsv.read_csv(EXAMPLE)
    scorer = ArrowScorer("ecr-r", input_schema=table.schema, with_ci=True)
    first = scorer.score_batch(table)
    assert scorer.problem_count == 1
    copy = pickle.loads(pickle.dumps(scorer))
    assert (copy.rows, copy.problem_count, copy.problems) == (0, 0, [])
    assert copy.schema == scorer.schema
    assert copy.score_batch(table).equals(first)
    assert copy.last_problems == scorer.last_problems
    import cloudpickle  # what Spark and Dask ship functions with

    assert cloudpickle.loads(cloudpickle.dumps(scorer)).score_batch(table).equals(first)
    assert scorer.copy().score_batch(table).equals(first)


def test_an_instrument_file_travels_inside_the_pickle(tmp_path: Path) -> None:
    source = ROOT / "instruments" / "rses.yaml"
    local = tmp_path / "my-rses.yaml"
    local.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    scorer = ArrowScorer(str(local), id_column="id")
    blob = pickle.dumps(scorer)
    local.unlink()  # a worker may not see the file: the pickle holds the definition
    batch = pa.record_batch({"id": ["a"], **{f"rses{i:02d}": [3] for i in range(1, 11)}})
    assert pickle.loads(blob).score_batch(batch).column("self_esteem").to_pylist() == [15.0]


def test_extra_columns_and_text_or_numbers_give_the_same_scores() -> None:
    numbers = pacsv.read_csv(EXAMPLE)  # items as int64 (one as text: it holds a label)
    assert sum(pa.types.is_int64(t) for t in numbers.schema.types) > 30
    text = _text_table(EXAMPLE)
    extra = numbers.append_column("comment", pa.array(["x"] * numbers.num_rows))
    extra = extra.append_column("duration", pa.array(np.arange(numbers.num_rows) * 1.5))
    scorer = ArrowScorer("ecr-r", input_schema=extra.schema, with_ci=True)
    from_numbers = scorer.copy().score_batch(numbers)
    assert scorer.copy().score_batch(text).equals(from_numbers)
    assert scorer.copy().score_batch(extra).equals(from_numbers)
    small = pa.Table.from_arrays(
        [col.cast(pa.int8()) if pa.types.is_int64(col.type) else col for col in numbers.columns],
        names=numbers.schema.names,
    )
    assert scorer.copy().score_batch(small).equals(from_numbers)
    expected = relscales.score("ecr-r", EXAMPLE, with_ci=True)
    assert_same(pa.Table.from_batches([from_numbers]), expected_table(expected, scorer.schema))


def test_invalid_cells_are_missing_and_recorded_never_numbers() -> None:
    items = [f"rses{i:02d}" for i in range(1, 11)]
    batch = pa.record_batch(
        {"id": ["a", "b", "c"], **{name: ["3", "3", "3"] for name in items[1:]}}
        | {"rses01": ["7", "x", "3"]}
    )
    scorer = ArrowScorer("rses", input_schema=batch.schema)
    out = scorer.score_batch(batch, first_row=10)
    assert out.column("self_esteem").to_pylist() == [None, None, 15.0]  # too few answered
    expected = relscales.score("rses", batch)
    assert_same(pa.Table.from_batches([out]), expected_table(expected, scorer.schema))
    assert [(p.row, p.respondent, p.value, p.code) for p in scorer.last_problems] == [
        (11, "a", "7", "value-out-of-range"),
        (12, "b", "x", "value-not-a-number"),
    ]
    problems = scorer.problem_batch()
    assert problems.schema == ArrowScorer.problem_schema()
    assert problems.column("row").to_pylist() == [11, 12]
    assert problems.column("message").to_pylist()[1].startswith("'x' is neither a number")
    scorer.score_batch(batch.slice(2))  # a batch without problems
    assert scorer.last_problems == ()
    assert scorer.problem_batch().num_rows == 0
    assert scorer.problem_count == 2
    assert scorer.metadata()["problems"]["total"] == 2


def test_rows_are_numbered_on_from_batch_to_batch() -> None:
    table = pacsv.read_csv(EXAMPLE).drop_columns(["ResponseId"])
    scorer = ArrowScorer("ecr-r", input_schema=table.schema)
    assert scorer.numbers_rows
    assert scorer.id_column == "row"
    out = _score_in_batches(scorer, table, 7)
    assert out.column("row").to_pylist() == list(range(1, 41))
    assert [p.row for p in scorer.problems] == [12]
    again = scorer.score_batch(table.slice(0, 2), first_row=100)
    assert again.column("row").to_pylist() == [101, 102]
    assert scorer.score_batch(table.slice(0, 1)).column("row").to_pylist() == [103]
    expected = relscales.score("ecr-r", table)
    assert_same(out, expected_table(expected, scorer.schema))


def test_details_become_columns_after_the_scores(responses: Path) -> None:
    from relscales.pipeline.score import resolve_refs, score_compiled

    table = _text_table(responses).slice(0, 500)
    scorer = ArrowScorer(BATTERY, input_schema=table.schema, details=True)
    found = _score_in_batches(scorer, table, 128)
    compiled, battery = resolve_refs([BATTERY])
    expected = score_compiled(compiled, table, ScoreOptions(details=True), battery=battery)
    assert found.schema.names == [*expected.columns, *expected.details]
    assert_same(found, expected_table(expected, scorer.schema))


def test_the_command_line_writes_the_same_parquet(tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    command = ["score", str(EXAMPLE), "-i", "ecr-r", "--with-ci", "-o", str(out)]
    subprocess.run([sys.executable, "-m", "relscales", *command], check=True, capture_output=True)
    written = pq.read_table(out)
    scorer = ArrowScorer("ecr-r", input_schema=EXAMPLE_COLUMNS, with_ci=True)
    assert_same(pa.Table.from_batches([scorer.score_batch(_text_table(EXAMPLE))]), written)


def test_a_table_of_many_chunks_is_one_batch() -> None:
    table = pacsv.read_csv(EXAMPLE)
    chunked = pa.concat_tables([table.slice(0, 13), table.slice(13, 20), table.slice(33)])
    assert chunked.column(1).num_chunks == 3
    scorer = ArrowScorer("ecr-r", input_schema=table.schema)
    assert scorer.copy().score_batch(chunked).equals(scorer.copy().score_batch(table))


def test_an_unknown_instrument_is_said_in_python_terms() -> None:
    with pytest.raises(relscales.SpecError, match="no-such-scale"):
        ArrowScorer("no-such-scale", instruments_dir=[ROOT / "examples"])


def test_a_scorer_is_a_function_of_batches() -> None:
    table = pacsv.read_csv(EXAMPLE)
    scorer = ArrowScorer("ecr-r", input_schema=table.schema)
    assert scorer(table, first_row=0).equals(scorer.score_batch(table, first_row=0))


def test_its_repr_is_one_line() -> None:
    scorer = ArrowScorer("ecr-r", input_schema=EXAMPLE_COLUMNS)
    scorer.score_batch(pacsv.read_csv(EXAMPLE))
    assert repr(scorer) == "<ArrowScorer: ecr-r 1.0.0; 4 columns; 40 rows scored, 1 problem>"
    assert repr(ArrowScorer(BATTERY)).startswith(f"<ArrowScorer: {BATTERY}; 45 columns;")


def test_options_as_an_object_or_keywords() -> None:
    given = ArrowScorer("ecr-r", ScoreOptions(with_ci=True), with_counts=True, id_column="x")
    assert given.options.with_ci
    assert given.options.with_counts
    assert given.output_columns[:3] == ["x", "anxiety", "avoidance"]
    with pytest.raises(TypeError, match="with_cis"):
        ArrowScorer("ecr-r", with_cis=True)
    with pytest.raises(TypeError, match="input_schema"):
        ArrowScorer("ecr-r", input_schema="ResponseId")


@pytest.mark.parametrize("option", ["quality", "exclude_careless"])
def test_the_careless_screen_is_refused_it_needs_the_whole_sample(option: str) -> None:
    with pytest.raises(ScoringError, match="whole sample") as caught:
        ArrowScorer("ecr-r", **{option: True})
    assert "relscales.score(instrument, data, quality=True)" in (caught.value.issues[0].hint or "")


def test_columns_are_checked_as_relscales_score_checks_them() -> None:
    with pytest.raises(DataError, match="36 of the 36 item columns") as missing:
        ArrowScorer("ecr-r", input_schema=["id", "answer"])
    assert "column_map=" in (missing.value.issues[0].hint or "")
    with pytest.raises(DataError, match="id column 'pid'"):
        ArrowScorer("ecr-r", input_schema=EXAMPLE_COLUMNS, id_column="pid")
    table = pacsv.read_csv(EXAMPLE)
    unknown = ArrowScorer("ecr-r")  # columns not known: rows are numbered
    assert unknown.numbers_rows
    with pytest.raises(DataError, match=r"'ResponseId', which relscales\.score would take"):
        unknown.score_batch(table)
    assert unknown.score_batch(table.drop_columns(["ResponseId"])).num_rows == 40
    known = ArrowScorer("ecr-r", input_schema=table.schema)
    with pytest.raises(DataError, match="no column 'ResponseId'"):
        known.score_batch(table.drop_columns(["ResponseId"]))
    with pytest.raises(DataError, match="take 'id' as the respondent id"):
        known.score_batch(table.append_column("id", pa.array(range(40))))
    with pytest.raises(DataError, match="ecrr05"):
        known.score_batch(table.drop_columns(["ecrr05"]))
    twice = pa.Table.from_arrays([*table.columns, table.column(1)], [*table.schema.names, "ecrr01"])
    with pytest.raises(DataError, match="more than one column named 'ecrr01'"):
        known.score_batch(twice)
    with pytest.raises(DataError, match="RecordBatches and Tables, not dict"):
        known.score_batch({"ResponseId": ["a"]})


def test_mapped_columns_and_several_instruments() -> None:
    renamed = pacsv.read_csv(EXAMPLE).rename_columns(
        ["ResponseId", *[f"q{i}" for i in range(1, 37)]]
    )
    mapping = {f"q{i}": f"ecrr{i:02d}" for i in range(1, 37)}
    scorer = ArrowScorer(["ecr-r"], column_map=mapping)
    assert scorer.input_columns[:2] == ["q1", "q2"]
    out = scorer.score_batch(renamed.drop_columns(["ResponseId"]))
    expected = relscales.score("ecr-r", renamed.drop_columns(["ResponseId"]), column_map=mapping)
    assert_same(pa.Table.from_batches([out]), expected_table(expected, scorer.schema))


def test_warnings_and_metadata_describe_what_was_scored(responses: Path) -> None:
    scorer = ArrowScorer("rses", id_column="id")
    batch = pa.record_batch(
        {"id": [str(i) for i in range(150)], **{f"rses{i:02d}": [1] * 150 for i in range(1, 11)}}
    )
    scorer.score_batch(batch)
    assert [w.code for w in scorer.warnings()] == ["scale-range-narrow"]
    meta = scorer.metadata()
    assert meta["n_rows"] == 150
    assert meta["instruments"][0]["id"] == "rses"
    assert meta["columns"] == scorer.output_columns
    json.dumps(meta, default=str)
    assert [c.id for c in scorer.compiled] == ["rses"]


def test_one_object_is_safe_across_threads() -> None:
    table = pacsv.read_csv(EXAMPLE)
    scorer = ArrowScorer("ecr-r", input_schema=table.schema)
    expected = scorer.copy().score_batch(table)
    results: list[pa.RecordBatch] = []

    def work() -> None:
        for _ in range(5):
            results.append(scorer.score_batch(table, first_row=0))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 15
    assert all(r.equals(expected) for r in results)
    assert scorer.rows == 15 * 40


def test_the_engines_are_optional_and_never_imported_by_the_core() -> None:
    probe = (
        "import sys\n"
        "from relscales.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "import relscales, relscales.engines\n"
        "relscales.ArrowScorer('rses')\n"
        "names = {'pyspark', 'dask', 'duckdb', 'distributed', 'py4j'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & names))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("module", "call", "extra"),
    [
        ("pyspark", "score_spark", "spark"),
        ("dask", "score_dask", "dask"),
        ("duckdb", "score_duckdb", "duckdb"),
    ],
)
def test_a_missing_engine_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, module: str, call: str, extra: str
) -> None:
    import relscales.engines as engines

    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # importing it now fails
    with pytest.raises(MissingDependencyError) as caught:
        getattr(engines, call)("select 1" if extra == "duckdb" else object(), "rses")
    assert f"pip install 'relscales[{extra}]'" in (caught.value.issues[0].hint or "")

"""The Python API at a prompt: a short repr, a notebook table, messages in its own words."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import relscales
from relscales.cli import app
from relscales.pipeline.score import python_terms

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ecr-r-responses.csv"
RSES = {f"rses{i:02d}": [3, 0] for i in range(1, 11)}


@pytest.fixture(scope="module")
def result() -> relscales.ScoreResult:
    return relscales.score("ecr-r", EXAMPLE, with_ci=True, with_counts=True)


def test_repr_is_a_short_summary(result: relscales.ScoreResult) -> None:
    text = repr(result)
    assert len(text) < 300, text
    assert text.startswith("<ScoreResult: 40 respondents on ecr-r 1.0.0; 10 columns; 1 problem:")
    assert "ResponseId, anxiety, avoidance" in text
    assert "... (2 more)" in text
    assert "array(" not in text
    assert str(result) == text


def test_repr_counts_warnings_and_plural_problems() -> None:
    clean = relscales.score("rses", {"id": ["a", "b"], **RSES}, with_norms=True)
    assert repr(clean) == (
        "<ScoreResult: 2 respondents on rses 1.0.0; 5 columns; 0 problems; 1 warning: "
        "id, self_esteem, self_esteem_z, self_esteem_t, self_esteem_pct>"
    )


def test_notebook_view_is_a_small_escaped_table() -> None:
    ids = ["<script>alert(1)</script>", "b&b", *[f"p{i}" for i in range(8)]]
    data = {"id": ids, **{k: [3, 0, *[2] * 8] for k in RSES}}
    data["rses01"][1] = 9  # one invalid cell
    html = relscales.score("rses", data)._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "b&amp;b" in html
    assert html.count("<tr>") == 1 + 5  # the header and the first five rows
    assert "10 respondents on rses 1.0.0" in html
    assert "the first 5 of 10 rows shown" in html
    assert "<td>15</td>" in html
    assert "<td></td>" in html  # a missing score is an empty cell


def test_python_errors_name_keywords_not_options() -> None:
    with pytest.raises(relscales.DataError) as missing:
        relscales.score("ecr-r", {"id": ["a"], "Q1": [1]})
    assert "column_map={data column: item id}" in str(missing.value)
    assert "--map" not in str(missing.value)
    assert missing.value.issues[0].hint is not None
    assert "--map" not in missing.value.issues[0].hint

    with pytest.raises(relscales.ScoringError) as unknown:
        relscales.score("rses", {"id": ["a", "b"], **RSES}, reliability={"nope": 0.8})
    assert "reliability={score: r} names 'nope'" in str(unknown.value)
    assert "--reliability" not in str(unknown.value)


def test_analyze_points_at_with_columns_as_it_has_no_column_map() -> None:
    with pytest.raises(relscales.DataError) as missing:
        relscales.analyze("rses", {"id": ["a"], "Q1": [1]}, quality=False)
    assert "with_columns({item id: data column})" in str(missing.value)
    assert "--map" not in str(missing.value)


def test_python_warnings_name_keywords_not_options() -> None:
    res = relscales.score("rses", {"id": ["a", "b"], **RSES}, with_norms=True)
    (warning,) = res.warnings
    assert warning.code == "no-norms"
    assert warning.hint == "declare norms in the instrument, or choose another norm_group="
    assert res.metadata["warnings"][0]["hint"] == warning.hint


def test_the_command_line_keeps_its_own_words(tmp_path: Path) -> None:
    data = tmp_path / "q.csv"
    data.write_text("id,Q1\na,1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["score", str(data), "-i", "ecr-r"])
    assert result.exit_code == 2
    assert "--map FILE" in result.stderr


@pytest.mark.parametrize(
    ("cli", "python"),
    [
        ("map them with --map FILE", "map them with column_map={data column: item id}"),
        ("or give --delimiter tab", "or give relscales.open_source(data, delimiter='tab')"),
        ("give --delimiter ';'", "give relscales.open_source(data, delimiter=';')"),
        ("(--delimiter)", "(relscales.open_source(data, delimiter=...))"),
        ("with --sheet NAME", "with relscales.open_source(data, sheet=...)"),
        ("give --input-format csv", "give relscales.open_source(data, format='csv')"),
        ("check the --instruments-dir path", "check the instruments_dir= path"),
        ("--with-quality marks them", "quality=True marks them"),
        ("--with-ci and --with-bands", "with_ci=True and with_bands=True"),
        ("no option here", "no option here"),
        ("with --id-column pid (id_column='pid' in Python); or", "with id_column='pid'; or"),
    ],
)
def test_python_terms(cli: str, python: str) -> None:
    assert python_terms(cli) == python

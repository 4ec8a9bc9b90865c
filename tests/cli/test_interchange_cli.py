"""`relscales export` and `relscales import` end to end: every bundled instrument to every
target and back, exit codes, file modes, and what a newcomer sees."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.interchange.interchange_helpers import BUNDLED
from typer.testing import CliRunner

import relscales
from relscales.cli import app

runner = CliRunner()
ROUND_TRIPS = {"fhir": "json", "redcap": "csv", "reproschema": ""}


def invoke(*args: Any) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def no_traceback(result: Any) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def target(folder: Path, ident: str, fmt: str) -> Path:
    suffix = ROUND_TRIPS.get(fmt, "txt")
    return folder / (f"{ident}.{fmt}.{suffix}" if suffix else f"{ident}-{fmt}")


def random_answers(ident: str, n: int = 200) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """Answers by data column, and each data column's item id (what crosses every format)."""
    from relscales.instruments.loader import load_instrument

    inst = load_instrument(ident)
    rng = np.random.default_rng(sum(map(ord, ident)))
    data: dict[str, list[Any]] = {}
    ids: dict[str, str] = {}
    for item in inst.spec.items:
        values = list(inst.spec.response_scales[item.scale].values)
        column = [values[int(k)] for k in rng.integers(0, len(values), n)]
        name = item.column or item.id
        data[name] = [None if rng.random() < 0.1 else v for v in column]
        ids[name] = item.id
    return data, ids


@pytest.mark.parametrize("ident", BUNDLED)
@pytest.mark.parametrize("fmt", sorted(ROUND_TRIPS))
def test_export_then_import_scores_the_same(tmp_path: Path, ident: str, fmt: str) -> None:
    out = target(tmp_path, ident, fmt)
    exported = invoke("export", ident, "--to", fmt, "-o", out)
    no_traceback(exported)
    assert exported.exit_code == 0, exported.output
    back = tmp_path / f"{ident}-back.yaml"
    imported = invoke("import", out, "--from", fmt, "-o", back)
    no_traceback(imported)
    assert imported.exit_code in (0, 1), imported.output
    if imported.exit_code == 1:  # a person must add something: it says what
        assert "does not validate yet" in imported.output
        pytest.skip(f"{ident} from {fmt} needs edits before it validates: {imported.output}")
    data, ids = random_answers(ident)
    original = relscales.score(ident, data)
    again = relscales.score(str(back), data, column_map=ids)
    for name, values in original.scores.items():
        if name in again.scores:
            np.testing.assert_allclose(
                np.asarray(again.scores[name]), np.asarray(values), rtol=0, atol=1e-12
            )


@pytest.mark.parametrize("fmt", ["redcap", "fhir", "reproschema", "qualtrics-txt"])
def test_exports_are_readable_forms_with_notes(tmp_path: Path, fmt: str) -> None:
    out = target(tmp_path, "ecr-r", fmt)
    result = invoke("export", "ecr-r", "--to", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    assert "exported ecr-r as" in result.output
    assert "note: " in result.output  # ECR-R's wording is not open; flags and readings stay
    files = [out] if out.is_file() else [p for p in out.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o044  # a form holds no answers


def test_unknown_formats_and_missing_files_exit_2(tmp_path: Path) -> None:
    result = invoke("export", "rses", "--to", "spss", "-o", tmp_path / "x")
    no_traceback(result)
    assert result.exit_code == 2
    assert "invalid-option" in result.output
    assert "redcap, fhir, reproschema, qualtrics-txt" in result.output
    result = invoke("import", tmp_path / "none.json", "--from", "fhir", "-o", tmp_path / "y.yaml")
    no_traceback(result)
    assert result.exit_code == 2
    assert "file-not-found" in result.output
    result = invoke("import", tmp_path / "none.json", "--from", "odk", "-o", tmp_path / "y.yaml")
    assert result.exit_code == 2


def test_export_never_replaces_the_instrument_file(tmp_path: Path) -> None:
    source = tmp_path / "mine.yaml"
    source.write_text(
        (Path(__file__).resolve().parents[2] / "instruments" / "rses.yaml").read_text("utf-8"),
        "utf-8",
    )
    before = source.read_bytes()
    result = invoke("export", source, "--to", "fhir", "-o", source)
    no_traceback(result)
    assert result.exit_code == 2
    assert source.read_bytes() == before


def test_import_never_replaces_its_input(tmp_path: Path) -> None:
    out = tmp_path / "rses.json"
    assert invoke("export", "rses", "--to", "fhir", "-o", out).exit_code == 0
    before = out.read_bytes()
    result = invoke("import", out, "--from", "fhir", "-o", out)
    no_traceback(result)
    assert result.exit_code == 2
    assert out.read_bytes() == before

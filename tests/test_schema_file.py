"""The committed JSON Schema and the bundled instruments stay in step with the models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relscales.instruments.definitions import validate_definition as validate_file
from relscales.instruments.schema import SCHEMA_ID, instrument_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "docs" / "schema" / "instrument-v1.json"
BUNDLED = sorted((ROOT / "instruments").glob("*.yaml"))
SCHEMA_COMMENT = "# yaml-language-server: $schema=../docs/schema/instrument-v1.json"


def test_schema_file_is_current() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == instrument_schema(), (
        "docs/schema/instrument-v1.json is stale; run "
        "`relscales schema -o docs/schema/instrument-v1.json` and commit the result"
    )


def test_schema_is_draft_2020_12_with_a_stable_id() -> None:
    schema = instrument_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) >= {"relscales", "id", "version", "items", "subscales"}


def test_there_are_bundled_instruments() -> None:
    assert len(BUNDLED) >= 3


def _is_battery(path: Path) -> bool:
    return "relscales_battery:" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_file_points_editors_at_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    kind = "battery" if _is_battery(path) else "instrument"
    assert first == SCHEMA_COMMENT.replace("instrument-v1", f"{kind}-v1")


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_file_is_valid_without_warnings(path: Path) -> None:
    report = validate_file(path)
    assert [issue.render() for issue in report.issues] == []
    if _is_battery(path):
        from relscales.instruments.battery import load_battery

        assert load_battery(path).id == path.stem
        return
    assert report.instrument is not None
    assert report.instrument.id == path.stem  # the file is named <id>.yaml


@pytest.mark.parametrize("kind", ["battery", "texts"])
def test_other_schema_files_are_current(kind: str) -> None:
    path = ROOT / "docs" / "schema" / f"{kind}-v1.json"
    assert json.loads(path.read_text()) == instrument_schema(kind), (
        f"run `relscales schema --kind {kind} -o {path.relative_to(ROOT)}`"
    )


def test_instrument_catalogue_pages_are_current() -> None:
    """docs/instruments/ is generated from the YAML files; regenerate after any change."""
    from relscales.io.catalogue import write_catalogue

    stale = write_catalogue(ROOT / "docs" / "instruments", check=True)
    assert stale == [], (
        f"out of date: {stale}; run `relscales catalogue -o docs/instruments` and commit"
    )

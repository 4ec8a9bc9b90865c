"""Finding instruments: bundled ids, extra folders, the environment variable, and paths."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from relscales.errors import SpecError
from relscales.instruments.catalog import list_instruments
from relscales.instruments.loader import load_instrument
from relscales.instruments.registry import (
    ENV_DIRS,
    available_instruments,
    bundled_dir,
    looks_like_path,
    resolve_instrument,
)

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENTS = ROOT / "instruments"
SPEC = ROOT / "tests" / "data" / "spec"
BUNDLED_IDS = sorted(p.stem for p in INSTRUMENTS.glob("*.yaml"))


@pytest.fixture(autouse=True)
def _no_env_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DIRS, raising=False)


def test_bundled_dir_is_the_checkout_folder_in_an_editable_install() -> None:
    found = bundled_dir()
    assert found is not None
    assert found.resolve() == INSTRUMENTS.resolve()


def test_available_instruments_are_the_bundled_files() -> None:
    found = available_instruments()
    assert sorted(found) == BUNDLED_IDS
    assert {"ecr-r", "rses", "rses-order-b"} <= set(found)
    assert found["rses"].resolve() == (INSTRUMENTS / "rses.yaml").resolve()


def _lab(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


def test_extra_folder_comes_first_and_reads_yaml_and_yml(tmp_path: Path) -> None:
    lab = _lab(
        tmp_path,
        "lab",
        {"rses.yaml": "x", "mine.yml": "x", "notes.txt": "x", "README.md": "x"},
    )
    (lab / "sub.yaml").mkdir()  # a folder named like a file is not an instrument
    found = available_instruments([lab])
    assert found["rses"] == lab / "rses.yaml"
    assert found["mine"] == lab / "mine.yml"
    assert "notes" not in found
    assert "sub" not in found
    assert "ecr-r" in found


def test_search_order_given_then_environment_then_bundled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = _lab(tmp_path, "given", {"a.yaml": "x"})
    env1 = _lab(tmp_path, "env1", {"a.yaml": "x", "b.yaml": "x"})
    env2 = _lab(tmp_path, "env2", {"b.yaml": "x", "ecr-r.yaml": "x"})
    monkeypatch.setenv(ENV_DIRS, os.pathsep.join([str(env1), "", str(env2)]))
    found = available_instruments([given])
    assert (found["a"], found["b"], found["ecr-r"]) == (
        given / "a.yaml",
        env1 / "b.yaml",
        env2 / "ecr-r.yaml",
    )


def test_missing_extra_folder(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        available_instruments([tmp_path / "nope"])
    assert info.value.code == "file-not-found"
    assert info.value.issues[0].hint == "check the --instruments-dir path"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("ecr-r", False),
        ("rses-order-b", False),
        ("rses.yaml", True),
        ("rses.yml", True),
        ("labs/rses", True),
        ("./rses", True),
    ],
)
def test_looks_like_path(ref: str, expected: bool) -> None:
    assert looks_like_path(ref) is expected


def test_resolve_id_and_paths(tmp_path: Path) -> None:
    assert resolve_instrument("rses").resolve() == (INSTRUMENTS / "rses.yaml").resolve()
    assert resolve_instrument("valid.yaml", base=SPEC) == SPEC / "valid.yaml"
    absolute = SPEC / "valid.yaml"
    assert resolve_instrument(str(absolute), base=tmp_path) == absolute


def test_path_like_is_always_a_path() -> None:
    with pytest.raises(SpecError) as info:
        resolve_instrument(Path("rses"))
    assert info.value.code == "file-not-found"


@pytest.mark.parametrize(
    ("ref", "code", "hint"),
    [
        pytest.param("ecr-rr", "unknown-instrument", "did you mean 'ecr-r'?", id="close-id"),
        pytest.param(
            "phq9",
            "unknown-instrument",
            "see `relscales list` for the available ids",
            id="unrelated-id",
        ),
        pytest.param(
            "nowhere/x.yaml",
            "file-not-found",
            "check the path, or give a bundled id (see `relscales list`)",
            id="missing-file",
        ),
    ],
)
def test_resolve_errors(ref: str, code: str, hint: str) -> None:
    with pytest.raises(SpecError) as info:
        resolve_instrument(ref)
    [issue] = info.value.issues
    assert (issue.code, issue.hint) == (code, hint)


def test_unknown_id_message() -> None:
    with pytest.raises(SpecError) as info:
        load_instrument("rse")
    assert str(info.value) == (
        "error[unknown-instrument] no instrument with id 'rse' (did you mean 'rses'?)"
    )


def test_id_and_path_load_the_same_instrument() -> None:
    by_id = load_instrument("ecr-r")
    by_path = load_instrument(INSTRUMENTS / "ecr-r.yaml")
    assert by_id.spec == by_path.spec
    assert by_id.content_hash == by_path.content_hash


def test_lab_file_shadows_a_bundled_id(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    lab.mkdir()
    text = (INSTRUMENTS / "rses.yaml").read_text().replace("version: 1.0.0", "version: 9.0.0")
    (lab / "rses.yaml").write_text(text)
    assert load_instrument("rses", instruments_dir=[lab]).version == "9.0.0"
    assert load_instrument("rses").version == "1.0.0"


def test_catalogue_lists_bundled_sorted() -> None:
    entries = list_instruments()
    assert [e.id for e in entries] == BUNDLED_IDS
    rses = next(e for e in entries if e.id == "rses")
    assert (rses.domain, rses.n_items, rses.status, rses.version, rses.problem) == (
        "self-esteem",
        10,
        "published",
        "1.0.0",
        None,
    )


def test_catalogue_keeps_going_past_a_broken_file(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    lab.mkdir()
    shutil.copy(SPEC / "errors" / "unknown-item.yaml", lab / "broken.yaml")
    shutil.copy(SPEC / "valid.yaml", lab / "mini.yaml")
    entries = {e.id: e for e in list_instruments(instruments_dir=[lab])}
    broken = entries["broken"]
    assert (broken.name, broken.status) == ("(invalid)", "invalid")
    assert broken.problem is not None
    assert "error[unknown-item]" in broken.problem
    assert entries["mini"].problem is None
    assert set(BUNDLED_IDS) <= set(entries)

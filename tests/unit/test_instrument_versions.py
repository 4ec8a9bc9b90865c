"""Kept earlier versions: ``ID@VERSION`` resolution, kept files, golden scores, the hint.

The resolution rules are checked on a lab folder made on the fly (its versions never
change); the bundled kept versions (RISI 0.1.1, RRSS 0.1.0, the battery 0.1.1) on their
own files, which must never be edited, and on their frozen golden scores in
``tests/golden/_kept/<id>-<version>/``.
"""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

import relscales
from relscales.errors import SpecError
from relscales.instruments.battery import Battery, load_battery
from relscales.instruments.catalog import list_instruments
from relscales.instruments.definitions import load_definition
from relscales.instruments.instrument import Instrument
from relscales.instruments.kept import item_columns, kept_version_hint, matching_kept_version
from relscales.instruments.loader import load_instrument
from relscales.instruments.registry import (
    ENV_DIRS,
    available_instruments,
    current_version,
    earlier_versions,
    kept_versions,
    resolve_instrument,
    split_ref,
)

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENTS = ROOT / "instruments"
KEPT_DIR = INSTRUMENTS / "versions"
KEPT_GOLDEN = ROOT / "tests" / "golden" / "_kept"

# sha256 of each kept file's bytes: kept versions are never edited.
KEPT_FILES = {
    "risi-0.1.1.yaml": "61602b7d28805ba801bb7c20caea98d316484a9d603871137635af40691c17d9",
    "rrss-0.1.0.yaml": "55ed31a99287ec2f28679befd8bb114894a168b5e1f35678f162ca349c115cca",
    "relationship-insecurity-battery-0.1.1.yaml": (
        "3cd1736e347d58d75f53c6d070b713f85fc236766a5917e1963dbac45c003a52"
    ),
}


@pytest.fixture(autouse=True)
def _no_env_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DIRS, raising=False)


def instrument_yaml(ident: str, version: str, items: list[str], *, extends: str = "") -> str:
    """Return a small valid instrument: one subscale over ``items`` (1-5 agreement)."""
    listed = "\n".join(f"  - {{id: {item}, label: item {item}, scale: agree5}}" for item in items)
    return (
        "relscales: 1\n"
        + (f"extends: {extends}\n" if extends else "")
        + f"id: {ident}\nversion: {version}\nname: Test instrument {ident}\n"
        f"abbreviation: {ident.upper()}\ndomain: other\n"
        "citation: Test, A. (2024). A test instrument.\n"
        "license: {name: CC0, item_text: not-included}\n"
        "validation: {status: experimental}\n"
        "response_scales:\n  agree5:\n    values: [1, 2, 3, 4, 5]\n"
        f"items:\n{listed}\n"
        f"subscales:\n  - id: total\n    name: Total\n    items: [{', '.join(items)}]\n"
    )


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A lab folder: ``foo`` 0.3.0 current; kept 0.0.9, 0.1.0, 0.1.2, 0.2.0, 0.2.1-rc.1."""
    folder = tmp_path / "lab"
    kept = folder / "versions"
    kept.mkdir(parents=True)
    (folder / "foo.yaml").write_text(instrument_yaml("foo", "0.3.0", ["c1", "c2", "c3"]))
    for version, items in {
        "0.1.0": ["a1", "a2"],
        "0.1.2": ["a1", "a2"],
        "0.2.0": ["b1", "b2", "b3"],
        "0.2.1-rc.1": ["b1", "b2", "b4"],
    }.items():
        (kept / f"foo-{version}.yaml").write_text(instrument_yaml("foo", version, items))
    # the id and version inside the file count, not its name
    (kept / "old-one.yaml").write_text(instrument_yaml("foo", "0.0.9", ["z1", "z2"]))
    # an instrument that has kept versions only (retired)
    (kept / "bar-1.0.0.yaml").write_text(instrument_yaml("bar", "1.0.0", ["r1", "r2"]))
    (kept / "notes.txt").write_text("not an instrument")
    return folder


def resolved_version(ref: str, lab: Path) -> str:
    return load_instrument(ref, instruments_dir=[lab]).version


# ------------------------------------------------------------------- resolution rules


def test_split_ref() -> None:
    assert split_ref("risi@0.1.1") == ("risi", "0.1.1")
    assert split_ref("risi@0.1") == ("risi", "0.1")
    assert split_ref("risi") == ("risi", None)
    assert split_ref("risi@") == ("risi", "")


def test_id_alone_is_the_current_version(lab: Path) -> None:
    assert resolve_instrument("foo", extra_dirs=[lab]) == lab / "foo.yaml"
    assert resolved_version("foo", lab) == "0.3.0"


@pytest.mark.parametrize(
    ("ref", "version"),
    [
        pytest.param("foo@0.3.0", "0.3.0", id="full-current"),
        pytest.param("foo@0.1.2", "0.1.2", id="full-kept"),
        pytest.param("foo@0.1.0", "0.1.0", id="full-kept-older"),
        pytest.param("foo@0.0.9", "0.0.9", id="file-named-otherwise"),
        pytest.param("foo@0.2.1-rc.1", "0.2.1-rc.1", id="pre-release-in-full"),
        pytest.param("foo@0.3", "0.3.0", id="prefix-current"),
        pytest.param("foo@0", "0.3.0", id="prefix-major-current-first"),
        pytest.param("foo@0.1", "0.1.2", id="prefix-newest-kept"),
        pytest.param("foo@0.2", "0.2.0", id="prefix-skips-pre-release"),
        pytest.param("foo@0.1.1", "0.1.2", id="patch-falls-back-to-kept-patch"),
        pytest.param("foo@0.3.0", "0.3.0", id="current-exact"),
        pytest.param("bar@1.0.0", "1.0.0", id="kept-only"),
        pytest.param("bar@1", "1.0.0", id="kept-only-prefix"),
    ],
)
def test_version_resolution(lab: Path, ref: str, version: str) -> None:
    assert resolved_version(ref, lab) == version


def test_a_prefix_is_whole_components(lab: Path) -> None:
    (lab / "versions" / "foo-0.10.0.yaml").write_text(instrument_yaml("foo", "0.10.0", ["d1"]))
    assert resolved_version("foo@0.1", lab) == "0.1.2"
    assert resolved_version("foo@0.10", lab) == "0.10.0"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        pytest.param("foo@0.4", "no version 0.4 of 'foo' is kept", id="unknown-minor"),
        pytest.param("foo@1", "no version 1 of 'foo' is kept", id="unknown-major"),
        pytest.param("foo@0.4.0", "no version 0.4.0 of 'foo' is kept", id="unknown-patch"),
        pytest.param("foo@0.3.4", "no version 0.3.4 of 'foo' is kept", id="later-patch"),
        pytest.param("foo@0.1.9", "no version 0.1.9 of 'foo' is kept", id="later-kept-patch"),
        pytest.param("foo@latest", "'latest' is not a version", id="not-a-version"),
        pytest.param("foo@", "'' is not a version", id="empty"),
    ],
)
def test_unknown_version(lab: Path, ref: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        resolve_instrument(ref, extra_dirs=[lab])
    (issue,) = info.value.issues
    assert issue.code == "unknown-instrument-version"
    assert issue.location.instrument == "foo"
    assert issue.message.startswith(message)
    assert issue.message.endswith(
        "available: 0.3.0 (current), 0.2.1-rc.1, 0.2.0, 0.1.2, 0.1.0, 0.0.9"
    )
    assert issue.hint == (
        "select one with `-i foo@0.2.1-rc.1` or `-i foo` for the current version; "
        "see docs/versions.md"
    )


def test_an_id_with_kept_versions_only_has_no_current(lab: Path) -> None:
    with pytest.raises(SpecError) as info:
        resolve_instrument("bar", extra_dirs=[lab])
    (issue,) = info.value.issues
    assert issue.code == "unknown-instrument-version"
    assert issue.message == (
        "instrument 'bar' has no current version, only kept ones; available: 1.0.0"
    )
    assert issue.hint == "select one with `-i bar@1.0.0`; see docs/versions.md"


def test_an_unknown_id_with_a_version_is_an_unknown_instrument(lab: Path) -> None:
    with pytest.raises(SpecError) as info:
        resolve_instrument("fooo@0.1", extra_dirs=[lab])
    assert info.value.code == "unknown-instrument"
    assert info.value.issues[0].hint == "did you mean 'foo'?"


def test_kept_files_are_not_ids(lab: Path) -> None:
    found = available_instruments([lab])
    assert "foo" in found
    assert not [name for name in found if name.startswith(("foo-", "bar", "old"))]
    assert "risi" in found
    assert "risi-0.1.1" not in found
    assert [s.id for s in list_instruments(instruments_dir=[lab]) if "foo" in s.id] == ["foo"]


def test_kept_versions_newest_first_and_earlier_ones(lab: Path) -> None:
    refs = [k.ref for k in kept_versions("foo", [lab])]
    assert refs == ["foo@0.2.1-rc.1", "foo@0.2.0", "foo@0.1.2", "foo@0.1.0", "foo@0.0.9"]
    assert kept_versions("foo", [lab])[-1].path == lab / "versions" / "old-one.yaml"
    assert current_version("foo", [lab]) == "0.3.0"
    assert current_version("bar", [lab]) is None
    assert kept_versions("nothing", [lab]) == []
    # a kept copy of the current version is kept, but not an earlier version
    (lab / "versions" / "foo-0.3.0.yaml").write_text(instrument_yaml("foo", "0.3.0", ["c1"]))
    assert "0.3.0" in [k.version for k in kept_versions("foo", [lab])]
    assert "0.3.0" not in [k.version for k in earlier_versions("foo", [lab])]
    assert resolve_instrument("foo@0.3.0", extra_dirs=[lab]) == lab / "foo.yaml"


def test_list_all_versions_follows_each_current_entry(lab: Path) -> None:
    entries = list_instruments(instruments_dir=[lab], all_versions=True)
    ids = [e.id for e in entries]
    at = ids.index("foo")
    assert ids[at : at + 6] == [
        "foo",
        "foo@0.2.1-rc.1",
        "foo@0.2.0",
        "foo@0.1.2",
        "foo@0.1.0",
        "foo@0.0.9",
    ]
    kept = entries[at + 2]
    assert (kept.version, kept.n_items, kept.problem) == ("0.2.0", 3, None)
    assert kept.source == str(lab / "versions" / "foo-0.2.0.yaml")
    assert "bar@1.0.0" not in ids  # listed under a current entry only


def test_the_first_folder_wins_for_a_version(lab: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    (other / "versions").mkdir(parents=True)
    (other / "versions" / "foo-0.1.2.yaml").write_text(instrument_yaml("foo", "0.1.2", ["q9"]))
    assert [i.id for i in load_instrument("foo@0.1.2", instruments_dir=[other, lab]).items] == [
        "q9"
    ]
    assert [i.id for i in load_instrument("foo@0.1.2", instruments_dir=[lab, other]).items] == [
        "a1",
        "a2",
    ]


def test_versions_in_an_environment_folder(lab: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DIRS, str(lab))
    assert load_instrument("foo@0.1").version == "0.1.2"


def test_a_lab_keeps_a_version_of_a_bundled_id(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    (lab / "versions").mkdir(parents=True)
    (lab / "versions" / "rses-0.9.0.yaml").write_text(instrument_yaml("rses", "0.9.0", ["x1"]))
    assert load_instrument("rses@0.9", instruments_dir=[lab]).version == "0.9.0"
    assert load_instrument("rses", instruments_dir=[lab]).version == "1.0.0"  # bundled, current


def test_extends_with_a_version(lab: Path, tmp_path: Path) -> None:
    child = tmp_path / "foo-local.yaml"
    child.write_text("relscales: 1\nextends: foo@0.1\nid: foo-local\nversion: 1.0.0\n")
    inst = load_instrument(child, instruments_dir=[lab])
    assert [i.id for i in inst.items] == ["a1", "a2"]
    assert [(pid, pver) for pid, pver, _ in inst.parents] == [("foo", "0.1.2")]
    child.write_text("relscales: 1\nextends: foo@0.9\nid: foo-local\nversion: 1.0.0\n")
    with pytest.raises(SpecError) as info:
        load_instrument(child, instruments_dir=[lab])
    (issue,) = info.value.issues
    assert issue.code == "unknown-instrument-version"
    assert issue.message.startswith("cannot extend: no version 0.9 of 'foo' is kept")
    assert (issue.location.line, issue.location.column) == (2, 10)


def test_extends_a_bundled_kept_version(tmp_path: Path) -> None:
    child = tmp_path / "risi-local.yaml"
    child.write_text("relscales: 1\nextends: risi@0.1.1\nid: risi-local\nversion: 0.1.0\n")
    inst = load_instrument(child)
    assert [(pid, pver) for pid, pver, _ in inst.parents] == [("risi", "0.1.1")]
    assert len(inst.items) == 57


def test_battery_member_pinned_to_a_version(lab: Path, tmp_path: Path) -> None:
    battery = tmp_path / "lab-battery.yaml"
    battery.write_text(
        "relscales_battery: 1\nid: lab-battery\nversion: 1.0.0\nname: Lab battery\n"
        "validation: {status: experimental}\ninstruments: [foo@0.1.0, rses]\n"
    )
    loaded = load_battery(battery, instruments_dir=[lab])
    assert [(m.id, m.version) for m in loaded.members] == [("foo", "0.1.0"), ("rses", "1.0.0")]
    battery.write_text(battery.read_text().replace("foo@0.1.0", "foo@7"))
    with pytest.raises(SpecError) as info:
        load_battery(battery, instruments_dir=[lab])
    (issue,) = info.value.issues
    assert issue.code == "unknown-instrument-version"
    assert issue.message.startswith("member instrument: no version 7 of 'foo' is kept")
    assert issue.location.line == 6


# ------------------------------------------------------------------- bundled kept versions


def test_bundled_kept_files() -> None:
    assert sorted(p.name for p in KEPT_DIR.glob("*.yaml")) == sorted(KEPT_FILES)


@pytest.mark.parametrize("name", sorted(KEPT_FILES))
def test_bundled_kept_file_is_valid_and_named_after_its_version(name: str) -> None:
    path = KEPT_DIR / name
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    battery = "relscales_battery:" in text
    kind = "battery" if battery else "instrument"
    assert lines[0] == f"# yaml-language-server: $schema=../../docs/schema/{kind}-v1.json"
    assert lines[1].startswith("# KEPT VERSION ")
    assert "Never edit this file" in text
    report = relscales.validate_file(path)
    assert [issue.render() for issue in report.issues] == []
    loaded: Instrument | Battery = load_battery(path) if battery else load_instrument(path)
    version = loaded.spec.version
    assert name == f"{loaded.id}-{version}.yaml"
    assert f"`-i {loaded.id}@{version}`" in text


@pytest.mark.parametrize(
    ("ref", "version", "n_items"),
    [
        ("risi@0.1.1", "0.1.1", 57),
        ("risi@0.1", "0.1.1", 57),
        ("risi@0.1.0", "0.1.1", 57),  # 0.1.0 is not kept: its patch 0.1.1 has the same key
        ("rrss@0.1.0", "0.1.0", 12),
        ("rrss@0.1", "0.1.0", 12),
    ],
)
def test_bundled_kept_versions_load(ref: str, version: str, n_items: int) -> None:
    inst = relscales.load_instrument(ref)
    assert isinstance(inst, Instrument)
    assert (inst.version, len(inst.items)) == (version, n_items)
    assert inst.id == ref.partition("@")[0]


def test_the_bundled_id_alone_is_the_current_file() -> None:
    for ident in ("risi", "rrss", "relationship-insecurity-battery"):
        path = resolve_instrument(ident)
        assert path.parent.resolve() == INSTRUMENTS.resolve()
        assert current_version(ident) == load_definition(ident).spec.version


def test_the_kept_battery_pins_risi_0_1_1() -> None:
    battery = relscales.load_instrument("relationship-insecurity-battery@0.1.1")
    assert isinstance(battery, Battery)
    assert battery.spec.version == "0.1.1"
    assert battery.spec.instruments == ("risi@0.1.1", "ecr-r", "rses")
    assert [(m.id, m.version) for m in battery.members] == [
        ("risi", "0.1.1"),
        ("ecr-r", "1.0.0"),
        ("rses", "1.0.0"),
    ]


def test_earlier_bundled_versions_are_the_kept_ones_not_current() -> None:
    for ident, kept in (("risi", "0.1.1"), ("rrss", "0.1.0")):
        earlier = [k.version for k in earlier_versions(ident)]
        assert earlier == ([] if current_version(ident) == kept else [kept])


# ------------------------------------------------------------------- golden scores


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    return rows[0], rows[1:]


def assert_matches_expected(result: relscales.ScoreResult, expected_path: Path) -> None:
    """The comparison of tests/golden/test_golden.py: every expected column, 1e-9."""
    header, rows = read_csv(expected_path)
    assert [c for c in result.columns if c in header] == header
    assert result.columns[header[0]].tolist() == [row[0] for row in rows]
    for k, name in enumerate(header[1:], start=1):
        column = result.columns[name]
        if column.dtype == object:
            shown = {True: "true", False: "false", None: ""}
            got = [v if isinstance(v, str) else shown.get(v, v) for v in column.tolist()]
            assert got == [row[k] for row in rows], name
            continue
        expected = np.array([float(row[k]) if row[k] != "" else math.nan for row in rows])
        got_values = column.astype(float)
        assert np.array_equal(np.isnan(got_values), np.isnan(expected)), name
        np.testing.assert_allclose(got_values, expected, rtol=0, atol=1e-9, err_msg=name)


KEPT_GOLDEN_DIRS = sorted(p for p in KEPT_GOLDEN.iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", KEPT_GOLDEN_DIRS, ids=[p.name for p in KEPT_GOLDEN_DIRS])
def test_kept_version_reproduces_its_golden_scores(folder: Path) -> None:
    ident, _, version = folder.name.rpartition("-")
    result = relscales.score(f"{ident}@{version}", folder / "responses.csv")
    assert_matches_expected(result, folder / "expected.csv")


def test_every_kept_version_has_golden_scores() -> None:
    assert sorted(p.name for p in KEPT_GOLDEN_DIRS) == sorted(
        name.removesuffix(".yaml") for name in KEPT_FILES
    )


def test_kept_golden_data_are_the_risi_golden_data_while_risi_is_0_1() -> None:
    """Until tests/golden/risi/ is rewritten for 0.2, it is the same data as the kept copy."""
    current = ROOT / "tests" / "golden" / "risi" / "responses.csv"
    if read_csv(current)[0] != read_csv(KEPT_GOLDEN / "risi-0.1.1" / "responses.csv")[0]:
        pytest.skip("tests/golden/risi/ holds data of a later RISI version")
    result = relscales.score("risi@0.1.1", current)
    assert_matches_expected(result, current.parent / "expected.csv")


# ------------------------------------------------------------------- the hint for old data


def test_hint_names_the_kept_version_the_columns_match(lab: Path) -> None:
    current = load_instrument("foo", instruments_dir=[lab])
    columns = ["id", "a1", "a2", "other"]
    match = matching_kept_version(current, columns, extra_dirs=[lab])
    assert match is not None
    assert match.version == "0.1.2"  # the newest that fits
    assert kept_version_hint(current, columns, extra_dirs=[lab]) == (
        "these columns match FOO 0.1.2: score them with `-i foo@0.1.2`"
    )
    assert kept_version_hint(current, ["b1", "b2", "b3"], extra_dirs=[lab]) == (
        "these columns match FOO 0.2.0: score them with `-i foo@0.2.0`"
    )
    assert kept_version_hint(current, ["a1"], extra_dirs=[lab]) is None
    # the instrument's own folder is searched without being given
    assert kept_version_hint(current, columns) is not None


def test_hint_skips_kept_files_that_do_not_load(lab: Path) -> None:
    (lab / "versions" / "foo-0.1.2.yaml").write_text("relscales: 1\nid: foo\nversion: 0.1.2\n")
    current = load_instrument("foo", instruments_dir=[lab])
    assert kept_version_hint(current, ["a1", "a2"], extra_dirs=[lab]) == (
        "these columns match FOO 0.1.0: score them with `-i foo@0.1.0`"
    )


def test_hint_for_a_battery_member_names_the_kept_battery(lab: Path) -> None:
    for version, member in (("1.0.0", "foo@0.1.0"), ("2.0.0", "foo")):
        path = (lab / "versions" / "lab-battery-1.0.0.yaml") if version == "1.0.0" else None
        path = path or lab / "lab-battery.yaml"
        path.write_text(
            f"relscales_battery: 1\nid: lab-battery\nversion: {version}\nname: Lab battery\n"
            f"validation: {{status: experimental}}\ninstruments: [{member}, rses]\n"
        )
    battery = load_battery(lab / "lab-battery.yaml", instruments_dir=[lab])
    foo = battery.members[0]
    hint = kept_version_hint(
        foo, ["a1", "a2"], battery=("lab-battery", "2.0.0", battery.source), extra_dirs=[lab]
    )
    assert hint == (
        "these columns match FOO 0.1.0 (in lab-battery 1.0.0): score them with "
        "`-i lab-battery@1.0.0`"
    )
    # no kept battery fits: the instrument's own kept version is named
    hint = kept_version_hint(
        foo, ["b1", "b2", "b3"], battery=("lab-battery", "2.0.0", battery.source)
    )
    assert hint == "these columns match FOO 0.2.0: score them with `-i foo@0.2.0`"


def test_hint_for_bundled_risi_data_of_0_1_1() -> None:
    current = relscales.load_instrument("risi")
    assert isinstance(current, Instrument)
    header = read_csv(KEPT_GOLDEN / "risi-0.1.1" / "responses.csv")[0]
    kept = relscales.load_instrument("risi@0.1.1")
    assert isinstance(kept, Instrument)
    assert set(item_columns(kept)) <= set(header)
    if current.version == "0.1.1":
        pytest.skip("risi 0.1.1 is still the current version")
    assert kept_version_hint(current, header) == (
        "these columns match RISI 0.1.1: score them with `-i risi@0.1.1`"
    )


def test_kept_files_are_never_edited() -> None:
    digests = {
        name: hashlib.sha256((KEPT_DIR / name).read_bytes().replace(b"\r\n", b"\n")).hexdigest()
        for name in KEPT_FILES
    }
    assert digests == KEPT_FILES

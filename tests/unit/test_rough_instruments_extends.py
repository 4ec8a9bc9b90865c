"""`extends` names a bundled id or a relative path inside the extending file's folder.

Absolute paths, paths leading out of the folder and symbolic links pointing out of it
are refused (`path-outside-folder`), so a shared definition cannot read files elsewhere;
the same holds for a battery's member paths. A long chain ends in `extends-too-deep`,
never in a RecursionError.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from relscales.instruments.battery import validate_battery
from relscales.instruments.loader import MAX_EXTENDS_DEPTH, load_instrument, validate_file

SPEC = Path(__file__).resolve().parents[1] / "data" / "spec"


def child(folder: Path, ref: str, ident: str = "lab-child", name: str = "child.yaml") -> Path:
    path = folder / name
    path.write_text(f"relscales: 1\nextends: {ref}\nid: {ident}\nversion: 1.0.0\n")
    return path


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A folder `lab/` holding a child, with a valid parent outside it (`tmp/outside.yaml`)."""
    shutil.copy(SPEC / "valid.yaml", tmp_path / "outside.yaml")
    folder = tmp_path / "lab"
    folder.mkdir()
    return folder


def only_issue(path: Path) -> tuple[str, int | None, int | None, str]:
    [issue] = validate_file(path).issues
    return issue.code, issue.location.line, issue.location.column, issue.message


def test_a_path_leading_out_of_the_folder_is_refused(lab: Path) -> None:
    code, line, column, message = only_issue(child(lab, "../outside.yaml"))
    assert (code, line, column) == ("path-outside-folder", 2, 10)
    assert "'../outside.yaml' leads outside the folder" in message


def test_an_absolute_path_is_refused(lab: Path) -> None:
    target = (lab.parent / "outside.yaml").resolve()
    code, line, _, message = only_issue(child(lab, str(target)))
    assert (code, line) == ("path-outside-folder", 2)
    assert "absolute path" in message
    [issue] = validate_file(child(lab, "/etc/passwd")).issues
    assert issue.code == "path-outside-folder"  # refused before anything is read
    assert issue.hint is not None
    assert "--instruments-dir" in issue.hint


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_symbolic_link_pointing_out_of_the_folder_is_refused(lab: Path) -> None:
    (lab / "parent.yaml").symlink_to(lab.parent / "outside.yaml")
    code, *_ = only_issue(child(lab, "parent.yaml"))
    assert code == "path-outside-folder"


def test_relative_paths_inside_the_folder_and_ids_still_work(lab: Path) -> None:
    (lab / "keys").mkdir()
    shutil.copy(SPEC / "valid.yaml", lab / "keys" / "parent.yaml")
    assert load_instrument(child(lab, "keys/parent.yaml")).parents[0][0] == "mini"
    assert load_instrument(child(lab, "./keys/../keys/parent.yaml")).id == "lab-child"
    assert load_instrument(child(lab, "rses")).parents[0][0] == "rses"


def test_a_battery_member_outside_the_folder_is_refused(lab: Path) -> None:
    battery = lab / "b.yaml"
    battery.write_text(
        "relscales_battery: 1\nid: b\nversion: 1.0.0\nname: B\n"
        "validation: {status: experimental}\ninstruments: [rses, ../outside.yaml]\n"
    )
    result, issues = validate_battery(battery)
    assert result is None
    assert [(i.code, i.location.path) for i in issues] == [
        ("path-outside-folder", "instruments[1]")
    ]


def chain(folder: Path, length: int) -> Path:
    """`c1.yaml` extends `c0.yaml` (a complete file), ... up to `c<length - 1>.yaml`."""
    shutil.copy(SPEC / "valid.yaml", folder / "c0.yaml")
    for i in range(1, length):
        child(folder, f"c{i - 1}.yaml", ident=f"c{i}", name=f"c{i}.yaml")
    return folder / f"c{length - 1}.yaml"


def test_a_long_extends_chain_ends_in_a_clear_error(tmp_path: Path) -> None:
    last = chain(tmp_path, 1000)  # deep enough for a RecursionError before
    issues = validate_file(last).issues  # no RecursionError
    assert [i.code for i in issues] == ["extends-too-deep"]
    assert f"more than {MAX_EXTENDS_DEPTH} files" in issues[0].message
    assert issues[0].location.line == 2


def test_a_chain_within_the_limit_loads(tmp_path: Path) -> None:
    inst = load_instrument(chain(tmp_path, MAX_EXTENDS_DEPTH))
    assert len(inst.parents) == MAX_EXTENDS_DEPTH - 1
    assert validate_file(chain(tmp_path, MAX_EXTENDS_DEPTH + 1)).issues[0].code == (
        "extends-too-deep"
    )

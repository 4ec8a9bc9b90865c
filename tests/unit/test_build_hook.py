"""hatch_build.py: the optional compiled modules are built when they can be, skipped otherwise.

The hook never fails an install: without a compiler, or when compiling fails, it says why and
the package is pure Python.
"""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("hatchling")


def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("relscales_hatch_build", ROOT / "hatch_build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EAP = Path("csrc") / "eapkernel.c"


@pytest.mark.parametrize(
    ("module", "function"), [("_eapkernel", "moments"), ("_floattext", "shortest")]
)
def test_each_module_compiles_and_imports(tmp_path: Path, module: str, function: str) -> None:
    build = hook()
    assert set(build.MODULES) == set(build.WITHOUT) == {"_eapkernel", "_floattext"}
    source = build.MODULES[module]
    if build.compile_module(ROOT, source, tmp_path / "probe.so") is not None:
        pytest.skip("no working C compiler here")
    target = tmp_path / "pkg" / (module + sysconfig.get_config_var("EXT_SUFFIX"))
    assert build.compile_module(ROOT, source, target) is None
    assert not list(target.parent.glob("*.part"))
    spec = importlib.util.spec_from_file_location(module, target)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    assert callable(getattr(loaded, function))
    sys.modules.pop(module, None)


def test_a_missing_source_says_which(tmp_path: Path) -> None:
    why = hook().compile_module(tmp_path, EAP, tmp_path / "_eapkernel.so")
    assert why == f"{EAP} is missing"


def test_a_failing_compiler_leaves_no_file_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = hook()
    monkeypatch.setenv("CC", "false")
    target = tmp_path / "_eapkernel.so"
    why = build.compile_module(ROOT, EAP, target)
    assert why is not None
    assert "exited with" in why
    assert not target.exists()
    assert not list(tmp_path.glob("*.part"))


def test_a_missing_compiler_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    why = hook().compile_module(ROOT, EAP, tmp_path / "_eapkernel.so")
    assert why is not None
    assert "no-such-compiler" in why


def test_the_build_can_be_told_not_to_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELSCALES_NO_COMPILE", "1")
    assert hook().compile_module(ROOT, EAP, tmp_path / "_eapkernel.so") == "RELSCALES_NO_COMPILE=1"

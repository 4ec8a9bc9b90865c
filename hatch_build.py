"""Build relscales' optional compiled modules (csrc/) when a C compiler is found.

relscales is a Python package that runs without them:

- ``relscales._eapkernel`` (csrc/eapkernel.c): `relscales.irt` uses it when it can import it
  and its numpy kernel otherwise (the same estimates, to rounding);
- ``relscales._floattext`` (csrc/floattext.c, with Ryu in csrc/ryu/): the CSV writer uses it
  to write doubles as text and Arrow's cast otherwise (the same bytes).

This hook compiles each with the C compiler Python itself was built with (``CC``, else
``sysconfig``'s); when there is none, or it fails, the install goes on without it and says
so. ``RELSCALES_NO_COMPILE=1`` skips them.

- A wheel gets the modules built and a platform tag (a pure wheel when none is).
- An editable install (``pip install -e .``) gets them in ``src/relscales/`` (ignored by git),
  where the editable package is imported from.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODULES = {
    "_eapkernel": Path("csrc") / "eapkernel.c",
    "_floattext": Path("csrc") / "floattext.c",
}
"""Each compiled module of relscales and its source file (its folder is on the include path)."""

WITHOUT = {
    "_eapkernel": "IRT scoring uses the numpy kernel, with the same results, more slowly",
    "_floattext": "CSV output formats numbers with Arrow, to the same text, more slowly",
}


def compile_module(root: Path, source: Path, target: Path) -> str | None:
    """Compile ``source`` (relative to ``root``) to ``target``; return why not, or None."""
    if os.environ.get("RELSCALES_NO_COMPILE") == "1":
        return "RELSCALES_NO_COMPILE=1"
    if sys.platform == "win32":
        return "no compiler set up for Windows builds"
    if not (root / source).is_file():
        return f"{source} is missing"
    source = root / source
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    include = sysconfig.get_paths()["include"]
    command = [*shlex.split(cc), "-O3", "-fPIC", "-shared", f"-I{include}", f"-I{source.parent}"]
    if sys.platform == "darwin":
        command += ["-undefined", "dynamic_lookup"]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    command += [str(source), "-o", str(partial)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{' '.join(command)}: {error}"
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        return f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr.strip()}"
    partial.replace(target)
    return None


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile the modules into the wheel, or next to the sources for an editable one."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Build the modules before the wheel's files are gathered (hatchling's hook)."""
        root = Path(self.root)
        for module, source in MODULES.items():
            name = module + (sysconfig.get_config_var("EXT_SUFFIX") or ".so")
            if version == "editable":
                target = root / "src" / "relscales" / name
            else:
                target = root / "build" / "relscales-kernel" / name
            why = compile_module(root, source, target)
            if why is not None:
                self.app.display_warning(
                    f"relscales: the compiled module {module} ({source}) was not built ({why}); "
                    f"{WITHOUT[module]}"
                )
                continue
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
            if version != "editable":
                build_data["force_include"][str(target)] = f"relscales/{name}"

"""Optional dependencies: import one, or say how to install it."""

from __future__ import annotations

from typing import Any

from relscales.errors import Issue, MissingDependencyError

__all__ = ["require"]


def require(module: str, extra: str) -> Any:
    """Import an optional dependency or raise an error with the install command."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(
            Issue(
                "missing-dependency",
                f"this needs the optional package '{module}'",
                hint=f"install it with: pip install 'relscales[{extra}]'",
            )
        ) from None

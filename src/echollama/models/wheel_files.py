"""Locating model files that PyPI wheels carry, without importing the wheel's (sometimes heavy) package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from echollama.errors import ModelError


def package_file(package: str, relative: str, install_hint: str = "make setup") -> Path:
    """Path of `relative` inside installed `package`; a clear ModelError when either is missing."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelError(f"the model package {package!r} is not installed; run: {install_hint}")
    path = Path(spec.origin).parent / relative
    if not path.is_file():
        raise ModelError(f"{path} is missing from the installed {package!r}; reinstall it ({install_hint})")
    return path

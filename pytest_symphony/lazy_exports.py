"""A package whose public names load their module on first use (PEP 562).

The build and delivery kits and the report and conformity packages export many names from
modules that a run which does not use them should never import.  Each declares, per module, the names it
exports; this makes the package's ``__all__``, ``__getattr__`` and ``__dir__`` from that table.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, tuple[str, ...]]
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``(__all__, __getattr__, __dir__)`` for ``package``, whose ``exports`` map module -> names.

    A module's own name gives the submodule (``buildkit.manifests``).  Names are not cached in
    the package: a pytester run may drop the submodules from ``sys.modules``, and a cached name
    would then come from another copy of its module than the names imported afresh.
    """
    home = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            if name in exports:
                return importlib.import_module(f"{package}.{name}")
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(home))

    return sorted(home), __getattr__, __dir__

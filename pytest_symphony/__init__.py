"""pytest-symphony: delivery pipelines as pytest test suites.

A spec (sequence > movements > beats) becomes pytest items; each beat runs its
handler under fixtures, in strict order, with telemetry.

The names below load on first use, so that pytest's start in a project that does not
use the plugin imports nothing of it beyond its options.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ loads them on first use
    from .runtime.registry import Target, expander, handler

__all__ = ["handler", "expander", "Target", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in ("handler", "expander", "Target"):
        from .runtime import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'pytest_symphony' has no attribute {name!r}")

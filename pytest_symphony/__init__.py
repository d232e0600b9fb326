"""pytest-symphony: delivery pipelines as pytest test suites.

A spec (sequence > movements > beats) becomes pytest items; each beat runs its
handler under fixtures, in strict order, with telemetry.
"""

from .runtime.registry import Target, expander, handler

__all__ = ["handler", "expander", "Target", "__version__"]
__version__ = "0.1.0"

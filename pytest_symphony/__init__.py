"""pytest-symphony: delivery pipelines as pytest test suites.

A spec (sequence > movements > beats) becomes pytest items; each beat runs its
handler under fixtures, in strict order, with telemetry.
"""

from .runtime.registry import handler

__all__ = ["handler", "__version__"]
__version__ = "0.1.0"

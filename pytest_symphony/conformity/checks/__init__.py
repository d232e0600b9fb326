"""The conformity checks, one module per category (see :mod:`.base` for the kinds)."""

from .base import (
    CATEGORY_MODULES,
    Check,
    CheckRegistry,
    Example,
    PythonCheck,
    SpecCheck,
    WorkspaceCheck,
    builtin_checks,
    python_checks,
)
from .governance import BUILTIN_POLICY_CHECKS, PolicyCheck

__all__ = [
    "BUILTIN_POLICY_CHECKS",
    "CATEGORY_MODULES",
    "Check",
    "CheckRegistry",
    "Example",
    "PolicyCheck",
    "PythonCheck",
    "SpecCheck",
    "WorkspaceCheck",
    "builtin_checks",
    "python_checks",
]

"""Handler: libcst checks inside handler functions, and the handler index against the
beats that use it (signatures, decorators, duplicates, orphans).

One category in three modules: :mod:`.bodies`, :mod:`.paths`, :mod:`.index` (a check's
category is the name of this package, see :mod:`..base`).
"""

from .bodies import ExceptionSwallowed, MissingImplementation, UncheckedSubprocess
from .index import DuplicateHandler, OrphanHandler, SignatureMismatch, TelemetryNotInstrumented
from .paths import HardcodedPath, spec_path_problem

CHECKS = [
    MissingImplementation,
    SignatureMismatch,
    TelemetryNotInstrumented,
    ExceptionSwallowed,
    UncheckedSubprocess,
    HardcodedPath,
    DuplicateHandler,
    OrphanHandler,
]

# spec_path_problem: the spec fixer applies the same rule.
__all__ = ["CHECKS", "spec_path_problem"]

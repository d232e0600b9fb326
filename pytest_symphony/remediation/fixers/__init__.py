"""The built-in fixers: one function per fixable code, grouped by what they edit.

A fixer takes every violation of its code a round found and returns
:class:`~pytest_symphony.remediation.plan.PlannedFix` (exact, proven edits) or
:class:`~pytest_symphony.remediation.plan.Declined` (why it cannot).  Codes whose
violations carry the engine's exact edits and need nothing more have no fixer here:
their edits are used as they are, under the same proofs.
"""

from __future__ import annotations

from ..plan import Fixer
from . import bdd, manifest, python, spec

__all__ = ["builtin_fixers"]


def builtin_fixers() -> dict[str, Fixer]:
    fixers: dict[str, Fixer] = {}
    for module in (spec, python, bdd, manifest):
        fixers.update(module.FIXERS)
    return fixers

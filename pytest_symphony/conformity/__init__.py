"""The conformity engine's foundation: the code catalog, violations, scores,
suppressions and report formats.  Nothing here depends on pytest.

The names load their module on first use: the conformity plug-in loads in every symphony
run, and a run that checks nothing imports none of this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_exports import lazy_exports

_EXPORTS = {
    "codes": (
        "CATALOG",
        "Category",
        "Code",
        "Dimension",
        "FixSafety",
        "Severity",
        "all_codes",
        "is_known",
        "lookup",
        "register_code",
    ),
    "scores": ("band", "score_all", "score_details"),
    "suppress": (
        "Suppression",
        "UnusedSuppression",
        "apply_suppressions",
        "comment_suppressions",
        "parse_comments",
        "spec_suppressions",
    ),
    "violation": ("Checked", "Edit", "Fix", "Place", "Violation", "json_pointer"),
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # what static tools see; at run time __getattr__ does the same lazily
    from .codes import (  # noqa: F401
        CATALOG,
        Category,
        Code,
        Dimension,
        FixSafety,
        Severity,
        all_codes,
        is_known,
        lookup,
        register_code,
    )
    from .scores import band, score_all, score_details  # noqa: F401
    from .suppress import (  # noqa: F401
        Suppression,
        UnusedSuppression,
        apply_suppressions,
        comment_suppressions,
        parse_comments,
        spec_suppressions,
    )
    from .violation import Checked, Edit, Fix, Place, Violation, json_pointer  # noqa: F401

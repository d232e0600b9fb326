"""The conformity engine's foundation: the code catalog, violations, scores,
suppressions and report formats.  Nothing here depends on pytest."""

from __future__ import annotations

from .codes import (
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
from .scores import band, score_all, score_details
from .suppress import (
    Suppression,
    UnusedSuppression,
    apply_suppressions,
    comment_suppressions,
    parse_comments,
    spec_suppressions,
)
from .violation import Checked, Edit, Fix, Place, Violation, json_pointer

__all__ = [
    "CATALOG",
    "Category",
    "Checked",
    "Code",
    "Dimension",
    "Edit",
    "Fix",
    "FixSafety",
    "Place",
    "Severity",
    "Suppression",
    "UnusedSuppression",
    "Violation",
    "all_codes",
    "apply_suppressions",
    "band",
    "comment_suppressions",
    "is_known",
    "json_pointer",
    "lookup",
    "parse_comments",
    "register_code",
    "score_all",
    "score_details",
    "spec_suppressions",
]

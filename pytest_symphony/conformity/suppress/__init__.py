"""Suppressions: silencing a violation at its place.

In Python and Gherkin files, a comment::

    # symphony: ignore[HANDLER_NOT_FOUND, EXCEPTION_SWALLOWED]
    # symphony: ignore                      (every code)

A comment after code on a line applies to that line.  A comment alone on its line
applies to the next line holding code (Python) or a non-comment, non-blank line
(Gherkin, whose comments are always whole lines); stacked comment lines all apply to
that same line.  A violation is silenced when its line is the target line and its
code is listed (or the comment lists none).

In specs, a member at sequence, movement or beat level::

    "x-symphony-ignore": ["INVALID_TIMING"]      (or a single string; [] means every code)

silences, for the listed codes, every violation in that spec file whose JSON pointer
lies inside that object (a sequence-level member covers the whole file), and every
violation in another file (a feature, a handler module) that names the same sequence
and, for a movement or beat member, one of the beats inside it.

:func:`apply_suppressions` splits violations into kept and suppressed and lists every
suppression that silenced nothing, code by code, and every unknown code named in one.
"""

from .apply import apply_suppressions
from .comments import comment_suppressions, parse_comments
from .spec_members import spec_suppressions
from .suppression import ALL, SPEC_MEMBER, Suppression, SuppressionResult, UnusedSuppression

__all__ = [
    "ALL",
    "SPEC_MEMBER",
    "Suppression",
    "UnusedSuppression",
    "SuppressionResult",
    "parse_comments",
    "comment_suppressions",
    "spec_suppressions",
    "apply_suppressions",
]
